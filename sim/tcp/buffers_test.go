package tcp

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestSendQueueModel drives a sendQueue with random copying and static
// writes, lookups and acknowledgements, against a plain byte slice.
func TestSendQueueModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	static := make([]byte, 1<<16)
	for i := range static {
		static[i] = byte(i * 7)
	}
	var q sendQueue
	var model []byte
	sOff := 0
	var handed [][]byte // slices handed out, with what they must keep saying
	var want [][]byte
	for step := range 20000 {
		switch r.IntN(4) {
		case 0: // copying write; the caller reuses its buffer afterwards
			p := make([]byte, 1+r.IntN(3000))
			for i := range p {
				p[i] = byte(r.IntN(256))
			}
			q.push(p, false, 1<<20)
			model = append(model, p...)
			clear(p)
		case 1: // static write: consecutive ones are contiguous in static
			n := 1 + r.IntN(2000)
			if sOff+n > len(static) {
				sOff = 0
			}
			q.push(static[sOff:sOff+n], true, 1<<20)
			model = append(model, static[sOff:sOff+n]...)
			sOff += n
		case 2:
			if len(model) == 0 {
				continue
			}
			off := r.IntN(len(model))
			n := 1 + r.IntN(min(len(model)-off, 4000))
			got := q.slice(off, n)
			if !bytes.Equal(got, model[off:off+n]) {
				t.Fatalf("step %d: slice(%d, %d) wrong", step, off, n)
			}
			if cap(got) != len(got) {
				t.Fatalf("step %d: slice not capped", step)
			}
			handed = append(handed, got)
			want = append(want, bytes.Clone(got))
		case 3:
			n := r.IntN(len(model) + 1)
			q.drop(n)
			model = model[n:]
		}
		if q.n != len(model) {
			t.Fatalf("step %d: n = %d, model %d", step, q.n, len(model))
		}
	}
	for i := range handed {
		if !bytes.Equal(handed[i], want[i]) {
			t.Fatalf("a slice handed out changed afterwards (#%d)", i)
		}
	}
}

// TestSendQueueStaticMerges: consecutive static writes from one array are
// one chunk, so a segment spanning them is a sub-slice, not a copy.
func TestSendQueueStaticMerges(t *testing.T) {
	a := make([]byte, 100)
	var q sendQueue
	q.push(a[:40], true, 1000)
	q.push(a[40:90], true, 1000)
	if len(q.chunks) != 1 {
		t.Fatalf("%d chunks, want 1", len(q.chunks))
	}
	if s := q.slice(30, 20); &s[0] != &a[30] {
		t.Fatal("a copy, want a sub-slice of the static array")
	}
	q.push(a[95:], true, 1000) // not adjacent
	if len(q.chunks) != 2 {
		t.Fatalf("%d chunks, want 2", len(q.chunks))
	}
}

// TestSendQueueGrows: copying writes allocate chunks from 4 KiB doubling
// to 64 KiB, never above the buffer limit.
func TestSendQueueGrows(t *testing.T) {
	var q sendQueue
	p := make([]byte, 100)
	q.push(p, false, 1<<20)
	if c := cap(q.chunks[0].b); c != minSendChunk {
		t.Fatalf("first chunk %d, want %d", c, minSendChunk)
	}
	for range 2000 {
		q.push(p, false, 1<<20)
	}
	if c := cap(q.chunks[len(q.chunks)-1].b); c != maxSendChunk {
		t.Fatalf("chunk %d, want %d", c, maxSendChunk)
	}
	var small sendQueue
	small.push(p, false, 1000)
	if c := cap(small.chunks[0].b); c != 1000 {
		t.Fatalf("limit 1000: chunk %d", c)
	}
}

// TestRecvQueueModel stores random pieces at random offsets (overlapping,
// out of order, duplicated) and reads the in-order prefix, against a model
// where the first copy of every octet wins.
func TestRecvQueueModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var q recvQueue
	const span = 5000
	stream := make([]byte, 1<<22)
	for i := range stream {
		stream[i] = byte(r.IntN(256))
	}
	have := map[int64]bool{}
	var head int64
	buf := make([]byte, span)
	for step := range 20000 {
		off := r.IntN(span)
		n := 1 + r.IntN(1500)
		a := head + int64(off)
		if int(a)+n > len(stream) {
			break
		}
		p := bytes.Clone(stream[a : int(a)+n])
		q.store(off, p)
		for i := range int64(n) {
			have[a+i] = true
		}
		// Read the contiguous prefix, sometimes only part of it.
		k := 0
		for have[head+int64(k)] && k < span {
			k++
		}
		if k > 0 && r.IntN(2) == 0 {
			k = 1 + r.IntN(k)
			q.read(buf, k)
			if !bytes.Equal(buf[:k], stream[head:head+int64(k)]) {
				t.Fatalf("step %d: read %d octets at %d wrong", step, k, head)
			}
			for i := range int64(k) {
				delete(have, head+i)
			}
			head += int64(k)
		}
		for i := q.first; i+1 < len(q.chunks); i++ {
			if q.chunks[i].off+int64(len(q.chunks[i].b)) > q.chunks[i+1].off {
				t.Fatalf("step %d: chunks overlap", step)
			}
		}
	}
}
