//go:build !js

package bridge_test

import (
	"context"
	"io"
	"net/netip"
	"slices"
	"testing"
	"time"

	"socketlab/core/gateway"
	"socketlab/sim/trace"
)

// BenchmarkEchoRTT measures a round trip through the bridge, native
// pion on both sides in one process: Stream.Write of "hello" → gateway →
// real TCP timestamp server → gateway → Stream.Read of the 32-byte
// reply (tcp), and Datagrams.Send → UDP echo server → Datagrams.Recv
// (udp), events going to a trace.Feed as in the playground. It reports
// the median and the 99th percentile.
func BenchmarkEchoRTT(b *testing.B) {
	b.Run("tcp", func(b *testing.B) {
		ts, _ := startTimestamp(b)
		_, url := startGateway(b, gateway.Config{Allow: []netip.AddrPort{ts}, BytesPerSecond: -1})
		br, feed := dial(b, url, -1)
		s, err := br.TCP(context.Background(), ts.String())
		if err != nil {
			b.Fatal(err)
		}
		msg, reply := []byte("hello"), make([]byte, 32)
		rtts := make([]time.Duration, 0, b.N)
		var evs []trace.Event
		for b.Loop() {
			start := time.Now()
			if _, err := s.Write(msg); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(s, reply); err != nil {
				b.Fatal(err)
			}
			rtts = append(rtts, time.Since(start))
			evs, _, _ = feed.Take(evs[:0], 1<<20)
		}
		report(b, rtts)
	})
	b.Run("udp", func(b *testing.B) {
		echo := startUDPEcho(b)
		_, url := startGateway(b, gateway.Config{Allow: []netip.AddrPort{echo}, BytesPerSecond: -1})
		br, feed := dial(b, url, -1)
		d, err := br.UDP(context.Background(), echo.String())
		if err != nil {
			b.Fatal(err)
		}
		rtts := make([]time.Duration, 0, b.N)
		var evs []trace.Event
		for b.Loop() {
			start := time.Now()
			roundTrip(b, d, "hello")
			rtts = append(rtts, time.Since(start))
			evs, _, _ = feed.Take(evs[:0], 1<<20)
		}
		report(b, rtts)
	})
}

func report(b *testing.B, rtts []time.Duration) {
	b.StopTimer()
	slices.Sort(rtts)
	b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds()), "p99-µs")
}
