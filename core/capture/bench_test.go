package capture

import (
	"sync/atomic"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// counter is a Sink safe for concurrent use that counts Deliver events.
type counter struct{ delivered atomic.Uint64 }

func (c *counter) Emit(e *trace.Event) {
	if e.Kind == trace.KindDeliver {
		c.delivered.Add(1)
	}
}

// BenchmarkProcLoopback measures the work per packet after the kernel:
// a small UDP datagram's two loopback frames (leaving, arriving) decoded,
// paired and emitted as Send and Deliver. One op is one packet.
func BenchmarkProcLoopback(b *testing.B) {
	sink := &counter{}
	p := newProc(Config{Sink: sink}, "lo", ethLen, true)
	frame := frameOf(b, trace.Packet{Proto: trace.ProtoUDP, Src: ap("127.0.0.1:40000"), Dst: ap("127.0.0.1:9"), Payload: []byte("0123456789abcdef")})
	ts := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		frame[len(frame)-1] = byte(i) // not all identical
		p.frame(frame, len(frame), true, ts)
		p.frame(frame, len(frame), false, ts)
	}
	b.StopTimer()
	if got := sink.delivered.Load(); got != uint64(b.N) {
		b.Fatalf("%d delivered of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
