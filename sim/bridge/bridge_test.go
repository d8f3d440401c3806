//go:build !js

package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"socketlab/core/gateway"
	"socketlab/sim/bridge"
	"socketlab/sim/trace"
)

// sig is an event reduced to what the tests compare.
type sig struct {
	kind trace.Kind
	op   trace.AppOp
	n    int
	text string
}

func (s sig) String() string { return fmt.Sprintf("%v/%v n=%d %q", s.kind, s.op, s.n, s.text) }

// browserEvents checks node, At order and Remote of the bridge's app
// events and notes and returns them reduced; rtt notes become "rtt". The
// message arrows (checked by flightsOf) are left out.
func browserEvents(t *testing.T, evs []trace.Event, remote netip.AddrPort) []sig {
	t.Helper()
	var out []sig
	var last time.Duration
	for _, e := range evs {
		if e.Kind == trace.KindSend || e.Kind == trace.KindDeliver {
			continue
		}
		if e.Node != bridge.DefaultNode {
			t.Errorf("event on node %q: %+v", e.Node, e)
		}
		if e.At < last {
			t.Errorf("event at %v after one at %v", e.At, last)
		}
		last = e.At
		if e.Kind == trace.KindNote {
			if strings.HasPrefix(e.Text, bridge.RTTNote) {
				d, err := time.ParseDuration(strings.TrimPrefix(e.Text, bridge.RTTNote))
				if err != nil || d <= 0 || d > wait {
					t.Errorf("rtt note %q", e.Text)
				}
				out = append(out, sig{kind: e.Kind, text: "rtt"})
			}
			continue // connected, closed
		}
		if e.Kind == trace.KindApp && e.Remote != remote {
			t.Errorf("remote %v, want %v: %+v", e.Remote, remote, e)
		}
		out = append(out, sig{kind: e.Kind, op: e.Op, n: e.N, text: e.Text})
	}
	return out
}

// flight is a message arrow reduced to what the tests compare.
type flight struct {
	kind       trace.Kind
	node, peer string
	id         uint64
	payload    string
	text       string // a Deliver's remark, "rtt" for any round trip
}

func (f flight) String() string {
	return fmt.Sprintf("%v %s→%s #%d %q %s", f.kind, f.node, f.peer, f.id, f.payload, f.text)
}

// flightsOf returns the message arrows of evs reduced, in emission order,
// and checks what a page can honestly draw: a request arrives at the far
// end at the very moment its reply leaves, and that moment is exactly
// half way through the measured round trip.
func flightsOf(t *testing.T, evs []trace.Event) []flight {
	t.Helper()
	var out []flight
	sent := map[uint64]time.Duration{}
	var lastMid time.Duration = -1
	for _, e := range evs {
		if e.Kind != trace.KindSend && e.Kind != trace.KindDeliver {
			continue
		}
		if e.Link != bridge.Link || e.Packet.Proto != trace.ProtoMsg {
			t.Errorf("arrow on link %q, proto %v: %+v", e.Link, e.Packet.Proto, e)
		}
		f := flight{kind: e.Kind, node: e.Node, peer: e.Peer, id: e.Packet.ID, payload: string(e.Packet.Payload)}
		switch {
		case e.Kind == trace.KindSend && e.Node == bridge.DefaultNode:
			sent[e.Packet.ID] = e.At
		case e.Kind == trace.KindDeliver && e.Node != bridge.DefaultNode: // a request reached the far end
			lastMid = e.At
			if _, ok := sent[e.Packet.ID]; !ok {
				t.Errorf("#%d delivered at the far end, never sent", e.Packet.ID)
			}
		case e.Kind == trace.KindSend: // a reply left the far end
			if lastMid >= 0 && e.At != lastMid {
				t.Errorf("reply #%d leaves at %v, its request arrived at %v", e.Packet.ID, e.At, lastMid)
			}
			sent[e.Packet.ID] = e.At
		case e.Kind == trace.KindDeliver: // a reply reached the page
			if strings.HasPrefix(e.Text, bridge.RTTNote) {
				rtt, err := time.ParseDuration(strings.TrimPrefix(e.Text, bridge.RTTNote))
				if err != nil || rtt <= 0 {
					t.Errorf("rtt remark %q", e.Text)
				}
				f.text = "rtt"
			}
			if e.At < sent[e.Packet.ID] {
				t.Errorf("#%d arrives at %v before it left at %v", e.Packet.ID, e.At, sent[e.Packet.ID])
			}
			lastMid = -1
		}
		out = append(out, f)
	}
	return out
}

func sameFlights(t *testing.T, got, want []flight) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("arrows:\n  %v\nwant:\n  %v", got, want)
	}
}

func sameSigs(t *testing.T, got, want []sig) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events:\n  %v\nwant:\n  %v", got, want)
	}
}

// TestTCPTimestamp: "hello" through the bridge to a real timestamp
// server comes back as the exact "[ctime] hello"; closing the stream
// closes the server's connection; the events are connect, write, read,
// its RTT, close, in order, on node "browser".
func TestTCPTimestamp(t *testing.T) {
	ts, closed := startTimestamp(t)
	_, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{ts}})
	b, feed := dial(t, url, 0)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := b.TCP(ctx, ts.String())
	if err != nil {
		t.Fatal(err)
	}
	if s.Label() != "tcp/"+ts.String() {
		t.Errorf("Label %q", s.Label())
	}
	if n, err := s.Write([]byte("hello")); n != 5 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	const want = "[Sat Nov 21 11:10:46 2026] hello"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("closing the stream did not close the server's connection")
	}
	if _, err := s.Read(got); !errors.Is(err, bridge.ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if _, err := s.Write(got); !errors.Is(err, bridge.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	evs := events(feed)
	sameSigs(t, browserEvents(t, evs, ts), []sig{
		{trace.KindApp, trace.OpConnect, 0, "tcp/" + ts.String()},
		{trace.KindApp, trace.OpWrite, 5, "hello"},
		{trace.KindApp, trace.OpRead, 32, want},
		{trace.KindNote, 0, 0, "rtt"},
		{trace.KindApp, trace.OpClose, 0, ""},
	})
	far := "tcp/" + ts.String()
	sameFlights(t, flightsOf(t, evs), []flight{
		{trace.KindSend, "browser", far, 1, "hello", ""},
		{trace.KindDeliver, far, "browser", 1, "hello", ""},
		{trace.KindSend, far, "browser", 2, want, ""},
		{trace.KindDeliver, "browser", far, 2, want, "rtt"},
	})
}

// TestTCPServerClose: the server's close is io.EOF after everything it
// sent; a write then fails.
func TestTCPServerClose(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("bye"))
		c.Close()
	}()
	addr := l.Addr().(*net.TCPAddr).AddrPort()
	_, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{addr}})
	b, feed := dial(t, url, -1)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := b.TCP(ctx, addr.String())
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(s)
	if string(got) != "bye" || err != nil {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	if _, err := s.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("Read after EOF: %v", err)
	}
	<-served
	if _, err := s.Write([]byte("x")); !errors.Is(err, bridge.ErrClosedByGateway) {
		t.Errorf("Write after the server closed: %v", err)
	}
	s.Close()
	evs := events(feed)
	sameSigs(t, browserEvents(t, evs, addr), []sig{
		{trace.KindApp, trace.OpConnect, 0, "tcp/" + addr.String()},
		{trace.KindApp, trace.OpRead, 3, "bye"},
		{trace.KindApp, trace.OpRead, 0, ""},
		{trace.KindApp, trace.OpClose, 0, "closed by the gateway"},
	})
	// "bye" answers nothing: it is drawn leaving the server, not as a reply.
	far := "tcp/" + addr.String()
	sameFlights(t, flightsOf(t, evs), []flight{
		{trace.KindSend, far, "browser", 1, "bye", ""},
		{trace.KindDeliver, "browser", far, 1, "bye", ""},
	})
}

// TestUDPEcho: one message per datagram to a real UDP echo server and
// back, with sendto/recvfrom events and an RTT for every answer.
func TestUDPEcho(t *testing.T) {
	echo := startUDPEcho(t)
	_, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{echo}})
	b, feed := dial(t, url, 0)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	d, err := b.UDP(ctx, echo.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"one", "two", "three"} {
		roundTrip(t, d, msg)
	}
	if err := d.Send(make([]byte, b.MaxMessage()+1)); err == nil {
		t.Error("a datagram longer than MaxMessage was sent")
	}
	d.Close()
	if _, err := d.Recv(ctx); !errors.Is(err, bridge.ErrClosed) {
		t.Errorf("Recv after Close: %v", err)
	}
	evs := events(feed)
	sigs := browserEvents(t, evs, echo)
	far := "udp/" + echo.String()
	var want []flight
	for i, msg := range []string{"one", "two", "three"} {
		id := uint64(2*i + 1)
		want = append(want,
			flight{trace.KindSend, "browser", far, id, msg, ""},
			flight{trace.KindDeliver, far, "browser", id, msg, ""},
			flight{trace.KindSend, far, "browser", id + 1, msg, ""},
			flight{trace.KindDeliver, "browser", far, id + 1, msg, "rtt"})
	}
	sameFlights(t, flightsOf(t, evs), want)
	ops := map[string]int{}
	for _, s := range sigs {
		ops[s.String()]++
	}
	for _, msg := range []string{"one", "two", "three"} {
		send := sig{trace.KindApp, trace.OpSendTo, len(msg), msg}.String()
		recv := sig{trace.KindApp, trace.OpRecvFrom, len(msg), msg}.String()
		if ops[send] < 1 || ops[recv] < 1 {
			t.Errorf("%q: %d sendto, %d recvfrom events", msg, ops[send], ops[recv])
		}
	}
	if n := ops[sig{kind: trace.KindNote, text: "rtt"}.String()]; n < 3 {
		t.Errorf("%d rtt notes, want one per echo", n)
	}
	if sigs[0].op != trace.OpConnect || sigs[len(sigs)-1].op != trace.OpClose {
		t.Errorf("events do not start with connect and end with close: %v", sigs)
	}
}

// TestRefused: a target the gateway refuses is an error of TCP or UDP
// whose text is the gateway's one-line reason, with an error event.
func TestRefused(t *testing.T) {
	ts, _ := startTimestamp(t)
	nobody := freePort(t, "tcp4")
	_, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{ts, nobody}})
	// A long grace: a refusal ends it as soon as the line arrives (an
	// accepted channel waits it out, the last open below).
	b, feed := dial(t, url, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	stranger := netip.MustParseAddrPort("127.0.0.1:9")
	for _, tc := range []struct {
		proto, target, want string
	}{
		{"tcp", stranger.String(), "target 127.0.0.1:9 is not allowed"},
		{"udp", stranger.String(), "target 127.0.0.1:9 is not allowed"},
		{"tcp", "127.0.0.1", "bad label: want tcp/HOST:PORT or udp/HOST:PORT"},
		{"tcp", nobody.String(), "connection refused"},
	} {
		var err error
		if tc.proto == "tcp" {
			_, err = b.TCP(ctx, tc.target)
		} else {
			_, err = b.UDP(ctx, tc.target)
		}
		var ge *bridge.GatewayError
		if !errors.As(err, &ge) || ge.Label != tc.proto+"/"+tc.target {
			t.Errorf("%s/%s: %v, want a GatewayError", tc.proto, tc.target, err)
			continue
		}
		if strings.Contains(tc.want, "refused") {
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s/%s: %q, want one line with %q", tc.proto, tc.target, err, tc.want)
			}
		} else if err.Error() != tc.want {
			t.Errorf("%s/%s: %q, want %q", tc.proto, tc.target, err, tc.want)
		}
	}
	// The bridge goes on: an allowed target still works.
	s, err := b.TCP(ctx, ts.String())
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("x"))
	if got, err := io.ReadAll(io.LimitReader(s, 28)); err != nil || string(got) != "[Sat Nov 21 11:10:46 2026] x" {
		t.Fatalf("after the refusals: %q, %v", got, err)
	}
	errs := 0
	for _, e := range events(feed) {
		if e.Kind == trace.KindApp && e.Op == trace.OpError {
			errs++
			if !strings.Contains(e.Text, ": error: ") {
				t.Errorf("error event %q does not carry the gateway's line", e.Text)
			}
		}
	}
	if errs != 4 {
		t.Errorf("%d error events, want 4", errs)
	}
}

// TestUDPPortUnreachable: an allowed UDP target without a server is an
// error line that Recv returns once; the socket goes on.
func TestUDPPortUnreachable(t *testing.T) {
	nobody := freePort(t, "udp4")
	_, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{nobody}})
	b, _ := dial(t, url, 0)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	d, err := b.UDP(ctx, nobody.String())
	if err != nil {
		t.Fatal(err)
	}
	var ge *bridge.GatewayError
	for ge == nil {
		if err := d.Send([]byte("anyone?")); err != nil {
			t.Fatal(err)
		}
		rctx, rcancel := context.WithTimeout(ctx, time.Second)
		_, err := d.Recv(rctx)
		rcancel()
		if err != nil && !errors.As(err, &ge) && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Recv: %v", err)
		}
	}
	if !strings.Contains(ge.Error(), "connection refused") {
		t.Errorf("error line %q", ge)
	}
	if err := d.Send([]byte("still there?")); err != nil {
		t.Errorf("Send after the error line: %v", err)
	}
}

// TestCloseEndsEverything: Bridge.Close unblocks Read and Recv with
// ErrClosed, closes the gateway's relays and the server's connection,
// and leaves no goroutine (goleak in TestMain).
func TestCloseEndsEverything(t *testing.T) {
	ts, closed := startTimestamp(t)
	echo := startUDPEcho(t)
	g, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{ts, echo}})
	b, feed := dial(t, url, 0)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := b.TCP(ctx, ts.String())
	if err != nil {
		t.Fatal(err)
	}
	d, err := b.UDP(ctx, echo.String())
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the gateway relays both channels", func() bool { return g.Stats().Channels == 2 })
	errs := make(chan error, 2)
	go func() { _, err := s.Read(make([]byte, 10)); errs <- err }()
	go func() { _, err := d.Recv(context.Background()); errs <- err }()
	time.Sleep(20 * time.Millisecond)
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	for range 2 {
		select {
		case err := <-errs:
			if !errors.Is(err, bridge.ErrClosed) {
				t.Errorf("blocked call returned %v, want ErrClosed", err)
			}
		case <-time.After(wait):
			t.Fatal("Close did not unblock Read and Recv")
		}
	}
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("the server's connection was not closed")
	}
	eventually(t, "the gateway has no relay left", func() bool { return g.Stats().Channels == 0 })
	if _, err := b.TCP(ctx, ts.String()); !errors.Is(err, bridge.ErrClosed) {
		t.Errorf("TCP after Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	closes := 0
	for _, e := range events(feed) {
		if e.Kind == trace.KindApp && e.Op == trace.OpClose {
			closes++
		}
	}
	if closes != 2 {
		t.Errorf("%d close events, want 2", closes)
	}
}

// TestDialErrors: a signaling refusal is an error with its status line;
// an unreachable URL and a cancelled context fail without leaks.
func TestDialErrors(t *testing.T) {
	_, url := startGateway(t, gateway.Config{Hosts: []string{"example.test"}})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := bridge.Dial(ctx, bridge.Config{URL: url})
	if err == nil || !strings.Contains(err.Error(), "status 403: forbidden") {
		t.Errorf("Dial with a refused Host: %v", err)
	}
	if _, err := bridge.Dial(ctx, bridge.Config{URL: "http://" + freePort(t, "tcp4").String() + "/rtc"}); err == nil {
		t.Error("Dial to nobody succeeded")
	}
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := bridge.Dial(done, bridge.Config{URL: url}); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial with a cancelled context: %v", err)
	}
	if _, err := bridge.Dial(ctx, bridge.Config{}); err == nil {
		t.Error("Dial without a URL succeeded")
	}
}

// TestLongWrite: a write longer than the gateway's message limit goes
// through in several messages.
func TestLongWrite(t *testing.T) {
	ts, _ := startTimestamp(t)
	_, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{ts}})
	b, _ := dial(t, url, 0)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := b.TCP(ctx, ts.String())
	if err != nil {
		t.Fatal(err)
	}
	p := []byte(strings.Repeat("x", 3*b.MaxMessage()+10))
	if n, err := s.Write(p); n != len(p) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	// The server stamps each read of at most 1024 bytes: count the x.
	got := 0
	buf := make([]byte, 64<<10)
	for got < len(p) {
		n, err := s.Read(buf)
		if err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
		got += strings.Count(string(buf[:n]), "x")
	}
}

// TestGatewayShutdown: when the gateway goes away, a blocked Read ends
// (io.EOF: the gateway closed the channel, or ErrLost) and opening fails.
func TestGatewayShutdown(t *testing.T) {
	ts, _ := startTimestamp(t)
	g, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{ts}})
	b, _ := dial(t, url, 0)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	s, err := b.TCP(ctx, ts.String())
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { _, err := s.Read(make([]byte, 10)); errc <- err }()
	if err := g.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err != io.EOF && !errors.Is(err, bridge.ErrLost) {
			t.Errorf("Read after the gateway's shutdown: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Read still blocked after the gateway's shutdown")
	}
	eventually(t, "the bridge notices", func() bool {
		_, err := b.TCP(ctx, ts.String())
		return errors.Is(err, bridge.ErrLost)
	})
}

// A counter shared through Config.IDs numbers the messages: the run's
// other producers (a model drawn beside) and the bridge never reuse an ID.
func TestSharedIDs(t *testing.T) {
	echo := startUDPEcho(t)
	_, url := startGateway(t, gateway.Config{Allow: []netip.AddrPort{echo}})
	var ids atomic.Uint64
	ids.Store(40)
	feed := trace.NewFeed(1000)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	b, err := bridge.Dial(ctx, bridge.Config{URL: url, Sink: feed, IDs: &ids})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	d, err := b.UDP(ctx, echo.String())
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, d, "x")
	ids.Add(5) // someone else took 43–47
	roundTrip(t, d, "y")
	var got []uint64
	for _, f := range flightsOf(t, events(feed)) {
		if f.kind == trace.KindSend {
			got = append(got, f.id)
		}
	}
	if want := []uint64{41, 42, 48, 49}; !slices.Equal(got, want) {
		t.Errorf("IDs %v, want %v", got, want)
	}
}
