package gateway

import (
	"io"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// BenchmarkBridgeRTT measures the round trip page → gateway → real TCP
// timestamp server → gateway → page of a 5-byte message: the figure a
// student's "hello" costs through the bridge. It reports the median and
// the 99th percentile.
func BenchmarkBridgeRTT(b *testing.B) {
	ts, _ := startTimestamp(b)
	_, srv := startGateway(b, Config{Allow: []netip.AddrPort{ts}, BytesPerSecond: -1})
	c := newClient(b)
	ch := c.channel(b, "tcp/"+ts.String(), reliable)
	c.connect(b, srv.URL, nil)
	ch.waitOpen(b)
	msg := []byte("hello")
	rtts := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		ch.send(b, msg)
		if m := ch.recv(b); len(m.Data) != stampLen+len(msg) {
			b.Fatalf("got %q", m.Data)
		}
		rtts = append(rtts, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(rtts)
	b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds()), "p99-µs")
}

// stampLen is the length of "[Mon Jan _2 15:04:05 2006] ".
const stampLen = 1 + len(time.ANSIC) + 2

// BenchmarkBridgeThroughput measures a reliable channel's throughput
// page → gateway → real TCP sink, in 64 KiB messages (the gateway's
// largest), with the page keeping at most 4 MiB buffered like
// a page that waits for bufferedamountlow.
func BenchmarkBridgeThroughput(b *testing.B) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	const msgSize = 64 << 10
	total := make(chan int64, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(total)
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		total <- n
	}()
	_, srv := startGateway(b, Config{Allow: []netip.AddrPort{addrOf(l.Addr())}, BytesPerSecond: -1})
	c := newClient(b)
	ch := c.channel(b, "tcp/"+l.Addr().String(), reliable)
	low := make(chan struct{}, 1)
	ch.dc.SetBufferedAmountLowThreshold(2 << 20)
	ch.dc.OnBufferedAmountLow(func() {
		select {
		case low <- struct{}{}:
		default:
		}
	})
	c.connect(b, srv.URL, nil)
	ch.waitOpen(b)
	buf := make([]byte, msgSize)
	b.SetBytes(msgSize)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for ch.dc.BufferedAmount() > 4<<20 {
			select {
			case <-low:
			case <-time.After(wait):
				b.Fatal("the channel never drained")
			}
		}
		if err := ch.dc.Send(buf); err != nil {
			b.Fatal(err)
		}
	}
	ch.dc.Close() // the gateway closes the TCP connection after the last byte
	var n int64
	select {
	case n = <-total:
	case <-time.After(wait):
		b.Fatal("the sink did not see the end")
	}
	b.StopTimer()
	if want := int64(b.N) * msgSize; n != want {
		b.Fatalf("the sink received %d bytes, want %d", n, want)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds()/1e6, "MB/s")
}
