//go:build !js

// The tests run pion natively on both sides (core/gateway is native only).

package bridge_test

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"

	"socketlab/core"
	"socketlab/core/gateway"
	"socketlab/sim/bridge"
	"socketlab/sim/trace"
)

// TestMain fails the package's tests if any goroutine outlives them:
// Bridge.Close must end every pion goroutine of the client.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of the tests.
const wait = 10 * time.Second

// startGateway serves a core/gateway Gateway allowing allow on a
// loopback httptest.Server and returns it with its /rtc URL.
func startGateway(t testing.TB, cfg gateway.Config) (*gateway.Gateway, string) {
	t.Helper()
	g, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Errorf("gateway Shutdown: %v", err)
		}
	})
	return g, srv.URL + gateway.Path
}

// dial connects a bridge to url with a feed for its events; the bridge
// is closed at cleanup.
func dial(t testing.TB, url string, grace time.Duration) (*bridge.Bridge, *trace.Feed) {
	t.Helper()
	feed := trace.NewFeed(100000)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	b, err := bridge.Dial(ctx, bridge.Config{URL: url, Sink: feed, OpenGrace: grace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, feed
}

// stamp is the fixed clock of the timestamp server.
var stamp = time.Date(2026, 11, 21, 11, 10, 46, 0, time.UTC)

// startTimestamp serves a core.TimestampServer with the fixed clock on
// 127.0.0.1:0; closed gets its connections' StateClosed.
func startTimestamp(t testing.TB) (netip.AddrPort, chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{}, 16)
	s := &core.TimestampServer{
		Now: func() time.Time { return stamp },
		ConnState: func(_ net.Conn, st core.ConnState) {
			if st == core.StateClosed {
				select {
				case closed <- struct{}{}:
				default: // more connections than any test waits for (a benchmark's 30)
				}
			}
		},
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().(*net.TCPAddr).AddrPort(), closed
}

// startUDPEcho serves a core.UDPEchoServer on 127.0.0.1:0.
func startUDPEcho(t testing.TB) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var s core.UDPEchoServer
	done := make(chan error, 1)
	go func() { done <- s.ServePacket(pc) }()
	t.Cleanup(func() { s.Close(); <-done })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// freePort returns a loopback address nobody listens on (TCP or UDP).
func freePort(t testing.TB, network string) netip.AddrPort {
	t.Helper()
	if network == "udp4" {
		pc, err := net.ListenPacket(network, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		return pc.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	l, err := net.Listen(network, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).AddrPort()
}

// roundTrip sends msg until its echo comes back, like a UDP client that
// resends after a second without an answer (a late echo of an earlier
// message is skipped).
func roundTrip(t testing.TB, d *bridge.Datagrams, msg string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if err := d.Send([]byte(msg)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		for {
			got, err := d.Recv(ctx)
			if err == nil && string(got) != msg {
				continue
			}
			cancel()
			if err == nil {
				return
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Recv: %v", err)
			}
			break
		}
	}
	t.Fatalf("no answer to %q", msg)
}

// events takes what the feed holds.
func events(feed *trace.Feed) []trace.Event {
	evs, _, _ := feed.Take(nil, 1<<20)
	return evs
}

// eventually waits until cond holds, for at most wait.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
