package tcp

import (
	"bytes"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// quietConn is an ESTABLISHED Conn whose callbacks keep nothing, as in a
// long simulation with a discarding trace sink.
func quietConn(t testing.TB) *Conn {
	cfg := baseConfig()
	cfg.Transmit = func(time.Duration, Segment) {}
	cfg.Notify = func(time.Duration, Notice) {}
	cfg.Trace = trace.Discard
	c := Dial(0, cfg)
	c.Handle(rtt, Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
	if c.State() != trace.StateEstablished {
		t.Fatalf("state %v", c.State())
	}
	return c
}

func TestHandleAllocationFree(t *testing.T) {
	c := quietConn(t)
	p := payload(1460)
	buf := make([]byte, 4096)
	now := rtt
	rcv := peerISS + 1
	c.Handle(now, data(rcv, iss+1, wnd, p)) // grows the receive queue's list once
	c.Read(now, buf)
	rcv += 1460
	allocs := testing.AllocsPerRun(1000, func() {
		now += time.Millisecond
		c.Handle(now, data(rcv, iss+1, wnd, p))
		c.Read(now, buf)
		rcv += 1460
	})
	if allocs != 0 {
		t.Fatalf("receiving: %v allocations per segment, want 0", allocs)
	}
	// Sending: Write copies into the send queue's chunks, a new one (never
	// reused: Transmit holds slices of it) about once per 64 KiB; ACK
	// processing allocates nothing.
	snd := iss + 1
	allocs = testing.AllocsPerRun(1000, func() {
		now += time.Millisecond
		c.Write(now, p)
		snd += 1460
		c.Handle(now, ack(rcv, snd, wnd))
	})
	if allocs > 0.1 {
		t.Fatalf("sending: %v allocations per segment", allocs)
	}
}

// BenchmarkBulkTransfer moves 1 MiB through two Conns over a clean 10 ms,
// 100 Mbit/s link and reports allocations per transfer and trace events per
// second of real time.
func BenchmarkBulkTransfer(b *testing.B) {
	const size = 1 << 20
	src := payload(size)
	var events trace.Counter
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		l := &link{delay: 10 * time.Millisecond, bandwidth: 100e6 / 8}
		cfgA := Config{Local: addrA, Remote: addrB, Node: "a", ISS: iss, Trace: &events}
		cfgB := Config{Local: addrB, Remote: addrA, Node: "b", ISS: peerISS, Trace: &events}
		p := newPair(b, l, cfgA, cfgB, src, nil)
		p.ep[1].got = make([]byte, 0, size)
		p.ep[0].buf, p.ep[1].buf = nil, make([]byte, 64<<10)
		p.start()
		if !p.run(time.Hour) || !bytes.Equal(p.ep[1].got, src) {
			b.Fatal("transfer failed")
		}
	}
	b.ReportMetric(float64(events.Total)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkHandleAck measures the hot path of a sender: one ACK in, one
// segment out.
func BenchmarkHandleAck(b *testing.B) {
	c := quietConn(b)
	p := payload(1460)
	now := rtt
	snd := iss + 1
	b.ReportAllocs()
	for b.Loop() {
		now += time.Microsecond
		c.Write(now, p)
		snd += 1460
		c.Handle(now, ack(peerISS+1, snd, wnd))
	}
}
