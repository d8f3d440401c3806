package tcp

// The send and receive queues hold octets by reference where they can, so
// that a connection's memory follows what it holds, not its buffer sizes:
// an application that writes static data (Conn.WriteStatic) costs no copy,
// and received segments are kept as the slices they arrived in (a
// Segment's payload is never modified once handed over) until Read copies
// them out.

// sendQueue is the send buffer: the octets from SND.UNA's data on, written
// and not yet acknowledged, as a list of chunks. A chunk the queue
// allocated itself (owned) may grow by appending into its spare capacity:
// every slice handed to Transmit is capped at its end, so nothing sent
// ever sees those bytes change.
type sendQueue struct {
	chunks []sendChunk // chunks[first:] are live
	first  int
	off    int // octets of chunks[first] already acknowledged
	n      int // octets queued
	// A cursor for slice: the chunk index and the queue offset of its
	// first octet where the last lookup ended (segments go out in order).
	curIdx, curStart int
	// spare is the unused capacity of the last owned chunk, kept when the
	// queue empties: nothing ever handed out lies there. grow is the size
	// of the next owned chunk: it doubles from minSendChunk to
	// maxSendChunk, so a connection that writes little holds little.
	spare []byte
	grow  int
}

type sendChunk struct {
	b     []byte
	owned bool
}

// The sizes of the chunks a copying write allocates (a larger write
// gets a chunk of its own size).
const (
	minSendChunk = 4 << 10
	maxSendChunk = 64 << 10
)

// push appends p: by reference when static (the caller never modifies p),
// else copied into owned chunks whose sizes grow with the queue, up to
// limit (the send buffer size), so a nearly empty queue stays small.
func (q *sendQueue) push(p []byte, static bool, limit int) {
	if len(p) == 0 {
		return
	}
	q.n += len(p)
	last := len(q.chunks) - 1
	if static {
		// Consecutive static writes from one array merge into one chunk.
		if last >= q.first && !q.chunks[last].owned {
			b := q.chunks[last].b
			if len(b) > 0 && cap(b) >= len(b)+len(p) && &b[:len(b)+1][len(b)] == &p[0] {
				q.chunks[last].b = b[:len(b)+len(p)]
				return
			}
		}
		q.chunks = append(q.chunks, sendChunk{b: p})
		return
	}
	if last >= q.first && q.chunks[last].owned {
		b := q.chunks[last].b
		k := min(cap(b)-len(b), len(p))
		q.chunks[last].b = append(b, p[:k]...)
		p = p[k:]
	} else if cap(q.spare) > 0 {
		k := min(cap(q.spare), len(p))
		q.chunks = append(q.chunks, sendChunk{b: append(q.spare, p[:k]...), owned: true})
		q.spare, p = nil, p[k:]
	}
	if len(p) > 0 {
		q.grow = min(max(2*q.grow, minSendChunk), maxSendChunk)
		b := make([]byte, len(p), max(len(p), min(q.grow, limit)))
		copy(b, p)
		q.chunks = append(q.chunks, sendChunk{b: b, owned: true})
	}
}

// slice returns octets [off, off+n) of the queue (n > 0): a capped
// sub-slice of one chunk, or a fresh copy when they span chunks.
func (q *sendQueue) slice(off, n int) []byte {
	off += q.off // offsets from the first live chunk's start
	i, start := q.first, 0
	if q.curIdx >= q.first && q.curIdx < len(q.chunks) && q.curStart <= off {
		i, start = q.curIdx, q.curStart
	}
	for start+len(q.chunks[i].b) <= off {
		start += len(q.chunks[i].b)
		i++
	}
	q.curIdx, q.curStart = i, start
	b := q.chunks[i].b
	if lo := off - start; lo+n <= len(b) {
		return b[lo : lo+n : lo+n]
	}
	out := make([]byte, 0, n)
	for lo := off - start; len(out) < n; lo = 0 {
		b := q.chunks[i].b
		out = append(out, b[lo:min(len(b), lo+n-len(out))]...)
		i++
	}
	return out
}

// drop removes the first n octets (acknowledged).
func (q *sendQueue) drop(n int) {
	q.n -= n
	q.off += n
	for q.first < len(q.chunks) && q.off >= len(q.chunks[q.first].b) {
		if c := q.chunks[q.first]; c.owned && q.first == len(q.chunks)-1 {
			q.spare = c.b[len(c.b):]
		}
		q.off -= len(q.chunks[q.first].b)
		q.curStart -= len(q.chunks[q.first].b)
		q.chunks[q.first] = sendChunk{} // let the collector have it
		q.first++
	}
	if q.curIdx < q.first {
		q.curIdx, q.curStart = q.first, 0
	}
	if q.first == len(q.chunks) {
		q.chunks, q.first, q.off, q.curIdx, q.curStart = q.chunks[:0], 0, 0, 0, 0
	} else if q.first > 32 && q.first > len(q.chunks)/2 {
		k := copy(q.chunks, q.chunks[q.first:])
		clear(q.chunks[k:])
		q.chunks = q.chunks[:k]
		q.curIdx -= q.first
		q.first = 0
	}
}

// recvQueue holds received octets: the in-order ones not yet read, then
// the ones held out of order, as the slices they arrived in, by stream
// offset.
type recvQueue struct {
	chunks []recvChunk // chunks[first:] are live, sorted by off and disjoint
	first  int
	head   int64 // stream offset of the next octet Read returns
}

type recvChunk struct {
	off int64
	b   []byte
}

// store keeps p at offset off from the head, except for octets already
// held (a retransmission overlapping what is held keeps the old ones).
func (q *recvQueue) store(off int, p []byte) {
	a := q.head + int64(off)
	// Where p goes: after every chunk that starts before it.
	i := len(q.chunks)
	for i > q.first && q.chunks[i-1].off > a {
		i--
	}
	if i > q.first { // cut what the previous chunk covers
		prev := q.chunks[i-1]
		if end := prev.off + int64(len(prev.b)); end > a {
			cut := min(int(end-a), len(p))
			p, a = p[cut:], a+int64(cut)
		}
	}
	for len(p) > 0 {
		if i == len(q.chunks) || a+int64(len(p)) <= q.chunks[i].off {
			q.insert(i, recvChunk{a, p[:len(p):len(p)]})
			return
		}
		next := q.chunks[i]
		if gap := int(next.off - a); gap > 0 {
			q.insert(i, recvChunk{a, p[:gap:gap]})
			i++
		}
		skip := int(next.off + int64(len(next.b)) - a)
		if skip >= len(p) {
			return
		}
		p, a = p[skip:], a+int64(skip)
		i++
	}
}

func (q *recvQueue) insert(i int, c recvChunk) {
	q.chunks = append(q.chunks, recvChunk{})
	copy(q.chunks[i+1:], q.chunks[i:])
	q.chunks[i] = c
}

// read copies the n octets at the head into dst (the caller knows they
// are all held) and forgets them.
func (q *recvQueue) read(dst []byte, n int) {
	for n > 0 {
		c := &q.chunks[q.first]
		lo := int(q.head - c.off)
		k := copy(dst[:n], c.b[lo:])
		dst, n, q.head = dst[k:], n-k, q.head+int64(k)
		if lo+k == len(c.b) {
			*c = recvChunk{}
			q.first++
		}
	}
	if q.first == len(q.chunks) {
		q.chunks, q.first = q.chunks[:0], 0
	} else if q.first > 32 && q.first > len(q.chunks)/2 {
		k := copy(q.chunks, q.chunks[q.first:])
		clear(q.chunks[k:])
		q.chunks, q.first = q.chunks[:k], 0
	}
}
