package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// recorder is a Sink safe for concurrent use that keeps every event and
// lets a test wait for one.
type recorder struct {
	mu     sync.Mutex
	events []trace.Event
	added  chan struct{}
}

func newRecorder() *recorder { return &recorder{added: make(chan struct{}, 1)} }

func (r *recorder) Emit(e *trace.Event) {
	r.mu.Lock()
	r.events = append(r.events, *e)
	r.mu.Unlock()
	select {
	case r.added <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() []trace.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// waitFor waits until an event matches and returns it.
func (r *recorder) waitFor(t *testing.T, ctx context.Context, what string, match func(*trace.Event) bool) trace.Event {
	t.Helper()
	for {
		for _, e := range r.snapshot() {
			if match(&e) {
				return e
			}
		}
		select {
		case <-r.added:
		case <-ctx.Done():
			t.Fatalf("no event %s; events:\n%s", what, dump(r.snapshot()))
		}
	}
}

func isApp(node string, op trace.AppOp) func(*trace.Event) bool {
	return func(e *trace.Event) bool { return e.Kind == trace.KindApp && e.Node == node && e.Op == op }
}

// appEvent is what the sequence tests compare of an application event.
type appEvent struct {
	Op     trace.AppOp
	Socket netip.AddrPort
	Remote netip.AddrPort
	N      int
	Text   string
}

func (a appEvent) String() string {
	return fmt.Sprintf("%v socket=%v remote=%v n=%d %q", a.Op, a.Socket, a.Remote, a.N, a.Text)
}

// apps returns node's application events in order.
func apps(evs []trace.Event, node string) []appEvent {
	var out []appEvent
	for _, e := range evs {
		if e.Kind == trace.KindApp && e.Node == node {
			out = append(out, appEvent{e.Op, e.Socket, e.Remote, e.N, e.Text})
		}
	}
	return out
}

func dump(evs []trace.Event) string {
	var b strings.Builder
	for _, e := range evs {
		switch e.Kind {
		case trace.KindApp:
			fmt.Fprintf(&b, "%12v %-6s app %v\n", e.At, e.Node, appEvent{e.Op, e.Socket, e.Remote, e.N, e.Text})
		case trace.KindState, trace.KindConnStat:
			c := e.Conn
			fmt.Fprintf(&b, "%12v %-6s %v %v→%v %v srtt=%v rttvar=%v rto=%v cwnd=%d ssthresh=%d wnd=%d/%d flight=%d acked=%d recvd=%d retrans=%d\n",
				e.At, e.Node, e.Kind, e.From, e.To, c.State, c.SRTT, c.RTTVAR, c.RTO, c.Cwnd, c.Ssthresh, c.SndWnd, c.RcvWnd, c.InFlight, c.BytesAcked, c.BytesReceived, c.Retrans)
		default:
			fmt.Fprintf(&b, "%12v %-6s %v %q\n", e.At, e.Node, e.Kind, e.Text)
		}
	}
	return b.String()
}

func ap(s string) netip.AddrPort {
	a := netip.MustParseAddrPort(s)
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

func sameApps(t *testing.T, evs []trace.Event, node string, want []appEvent) {
	t.Helper()
	got := apps(evs, node)
	if !slices.Equal(got, want) {
		var g, w strings.Builder
		for _, a := range got {
			fmt.Fprintf(&g, "  %v\n", a)
		}
		for _, a := range want {
			fmt.Fprintf(&w, "  %v\n", a)
		}
		t.Errorf("%s's events:\n%swant:\n%sall events:\n%s", node, g.String(), w.String(), dump(evs))
	}
}

// states returns the TCP states node's state events went through, in order.
func states(evs []trace.Event, node string) []trace.TCPState {
	var out []trace.TCPState
	for _, e := range evs {
		if e.Kind == trace.KindState && e.Node == node {
			out = append(out, e.To)
		}
	}
	return out
}

// TestTraceTimestampSession: connect, two exchanges, half-close and close
// against the TCP timestamp server give exactly these application events
// on each side, and the kernel's states on the way.
func TestTraceTimestampSession(t *testing.T) {
	ctx := testCtx(t)
	rec := newRecorder()
	tr := NewTracer(rec)
	srv := &TimestampServer{Now: fixedNow, Trace: tr}
	l := listenLoopback(t, "tcp")
	saddr := ap(l.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	rec.waitFor(t, ctx, "listen", isApp(NodeServer, trace.OpListen))

	c := TimestampClient{Timeout: 10 * time.Second, Trace: tr}
	tc, err := c.Dial(ctx, "tcp", saddr.String())
	if err != nil {
		t.Fatal(err)
	}
	caddr := ap(tc.LocalAddr().String())
	for _, msg := range []string{"hello", "world"} {
		if got := exchange(t, ctx, tc, msg); got != stamp+msg {
			t.Fatalf("reply %q", got)
		}
	}
	if err := tc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, ctx, "the server's close", isApp(NodeServer, trace.OpClose))
	if err := tc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	evs := rec.snapshot()
	none := netip.AddrPort{}
	sameApps(t, evs, NodeServer, []appEvent{
		{trace.OpListen, saddr, none, ListenBacklog(), ""},
		{trace.OpAccept, saddr, caddr, 0, ""},
		{trace.OpRead, saddr, caddr, 5, "hello"},
		{trace.OpWrite, saddr, caddr, 32, stamp + "hello"},
		{trace.OpRead, saddr, caddr, 5, "world"},
		{trace.OpWrite, saddr, caddr, 32, stamp + "world"},
		{trace.OpRead, saddr, caddr, 0, ""},
		{trace.OpClose, saddr, caddr, 0, "client closed the connection"},
		{trace.OpClose, saddr, none, 0, ""}, // the listener
	})
	sameApps(t, evs, NodeClient, []appEvent{
		{trace.OpConnectStart, none, saddr, 0, ""},
		{trace.OpConnect, caddr, saddr, 0, ""},
		{trace.OpWrite, caddr, saddr, 5, "hello"},
		{trace.OpRead, caddr, saddr, 32, stamp + "hello"},
		{trace.OpWrite, caddr, saddr, 5, "world"},
		{trace.OpRead, caddr, saddr, 32, stamp + "world"},
		{trace.OpShutdown, caddr, saddr, 0, ""},
		{trace.OpClose, caddr, saddr, 0, ""},
	})
	// The kernel's view: both ends established first; the server sees
	// the client's FIN (CLOSE-WAIT); the client its own (FIN-WAIT-1, or
	// FIN-WAIT-2 once it is acknowledged), then CLOSED once the server's
	// FIN put it in TIME-WAIT (which Linux keeps apart from the socket) —
	// which may happen before the client looks.
	if st := states(evs, NodeServer); !slices.Equal(st, []trace.TCPState{trace.StateEstablished, trace.StateCloseWait}) {
		t.Errorf("server states %v, want ESTABLISHED, CLOSE-WAIT", st)
	}
	st := states(evs, NodeClient)
	if len(st) < 2 || st[0] != trace.StateEstablished ||
		slices.ContainsFunc(st[1:], func(s trace.TCPState) bool {
			return s != trace.StateFinWait1 && s != trace.StateFinWait2 && s != trace.StateClosed
		}) {
		t.Errorf("client states %v, want ESTABLISHED, then FIN-WAIT-1, -2 or CLOSED", st)
	}
	// Times are on one axis, in order per node, within the test's span.
	for _, node := range []string{NodeServer, NodeClient} {
		var last time.Duration
		for _, e := range evs {
			if e.Node == node {
				if e.At < last || e.At <= 0 || e.At > time.Minute {
					t.Fatalf("%s: event at %v after %v", node, e.At, last)
				}
				last = e.At
			}
		}
	}
}

// TestTraceConnectFailures: a refused connect and a timed-out one are
// error events with their class, after connect-start.
func TestTraceConnectFailures(t *testing.T) {
	ctx := testCtx(t)
	dead := ap(freePort(t, "tcp"))
	rec := newRecorder()
	c := TimestampClient{Trace: NewTracer(rec)}
	if _, err := c.Dial(ctx, "tcp", dead.String()); err == nil {
		t.Fatal("connected to a closed port")
	}
	c.Timeout = time.Nanosecond // expires before the handshake can finish
	l := listenLoopback(t, "tcp")
	defer l.Close()
	live := ap(l.Addr().String())
	if _, err := c.Dial(ctx, "tcp", live.String()); err == nil {
		t.Fatal("connected within a nanosecond")
	}
	none := netip.AddrPort{}
	sameApps(t, rec.snapshot(), NodeClient, []appEvent{
		{trace.OpConnectStart, none, dead, 0, ""},
		{trace.OpError, none, dead, 0, "connect: connection refused [socket.error]"},
		{trace.OpConnectStart, none, live, 0, ""},
		{trace.OpError, none, live, 0, "connect: i/o timeout [socket.timeout]"},
	})
	// A name instead of an address: connect-start names it in Text.
	rec = newRecorder()
	c = TimestampClient{Trace: NewTracer(rec)}
	if _, err := c.Dial(ctx, "tcp", "localhost:"+fmt.Sprint(dead.Port())); err == nil {
		t.Fatal("connected to a closed port")
	}
	evs := apps(rec.snapshot(), NodeClient)
	if len(evs) != 2 || evs[0].Op != trace.OpConnectStart || evs[0].Text != "localhost:"+fmt.Sprint(dead.Port()) ||
		evs[1].Op != trace.OpError || !strings.HasSuffix(evs[1].Text, "connection refused [socket.error]") {
		t.Errorf("events for a host name: %v", evs)
	}
}

// TestTraceLineTimestampSession: the SocketServer variant's one line per
// connection, both sides.
func TestTraceLineTimestampSession(t *testing.T) {
	ctx := testCtx(t)
	rec := newRecorder()
	tr := NewTracer(rec)
	addr := serveStream(t, &LineTimestampServer{Now: fixedNow, Trace: tr}, "tcp")
	saddr := ap(addr)
	c := LineTimestampClient{Timeout: 10 * time.Second, Trace: tr}
	reply, err := c.Exchange(ctx, "tcp", addr, []byte("hi"))
	if err != nil || string(reply) != stamp+"hi\r\n" {
		t.Fatalf("reply %q, %v", reply, err)
	}
	rec.waitFor(t, ctx, "the server's close", isApp(NodeServer, trace.OpClose))
	evs := rec.snapshot()
	var caddr netip.AddrPort
	for _, e := range evs {
		if e.Kind == trace.KindApp && e.Op == trace.OpConnect {
			caddr = e.Socket
		}
	}
	none := netip.AddrPort{}
	sameApps(t, evs, NodeServer, []appEvent{
		{trace.OpListen, saddr, none, ListenBacklog(), ""},
		{trace.OpAccept, saddr, caddr, 0, ""},
		{trace.OpRead, saddr, caddr, 4, "hi\r\n"},
		{trace.OpWrite, saddr, caddr, 31, stamp + "hi\r\n"},
		{trace.OpShutdown, saddr, caddr, 0, ""},
		{trace.OpClose, saddr, caddr, 0, "answered"},
	})
	sameApps(t, evs, NodeClient, []appEvent{
		{trace.OpConnectStart, none, saddr, 0, ""},
		{trace.OpConnect, caddr, saddr, 0, ""},
		{trace.OpWrite, caddr, saddr, 4, "hi\r\n"},
		{trace.OpRead, caddr, saddr, 31, stamp + "hi\r\n"},
		{trace.OpRead, caddr, saddr, 0, ""},
		{trace.OpClose, caddr, saddr, 0, ""},
	})
}

// TestTraceUDPExchange: a datagram each way, and a datagram the echo
// server cuts.
func TestTraceUDPExchange(t *testing.T) {
	ctx := testCtx(t)
	rec := newRecorder()
	tr := NewTracer(rec)
	srv := &UDPTimestampServer{Now: fixedNow, Trace: tr}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	saddr := ap(pc.LocalAddr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.ServePacket(pc) }()
	u, err := (&UDPClient{Timeout: 10 * time.Second, Trace: tr}).Dial(ctx, "udp", saddr.String())
	if err != nil {
		t.Fatal(err)
	}
	caddr := ap(u.LocalAddr().String())
	if reply, err := u.Exchange(ctx, []byte("hello")); err != nil || string(reply) != stamp+"hello" {
		t.Fatalf("reply %q, %v", reply, err)
	}
	u.Close()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrServerClosed) {
		t.Fatal(err)
	}
	evs := rec.snapshot()
	none := netip.AddrPort{}
	sameApps(t, evs, NodeServer, []appEvent{
		{trace.OpListen, saddr, none, 0, ""},
		{trace.OpRecvFrom, saddr, caddr, 5, "hello"},
		{trace.OpSendTo, saddr, caddr, 32, stamp + "hello"},
		{trace.OpClose, saddr, none, 0, ""},
	})
	sameApps(t, evs, NodeClient, []appEvent{
		{trace.OpConnect, caddr, saddr, 0, ""},
		{trace.OpSendTo, caddr, saddr, 5, "hello"},
		{trace.OpRecvFrom, caddr, saddr, 32, stamp + "hello"},
		{trace.OpClose, caddr, saddr, 0, ""},
	})
	for _, e := range evs {
		if e.Kind != trace.KindApp {
			t.Errorf("UDP has no kernel TCP state, yet: %v", e.Kind)
		}
	}

	// The echo server cuts a datagram longer than its buffer and says so.
	rec = newRecorder()
	echo := &UDPEchoServer{BufSize: 4, Trace: NewTracer(rec)}
	addr := servePacket(t, echo, "udp")
	u = dialUDP(t, ctx, UDPClient{Timeout: 10 * time.Second}, addr)
	if reply, err := u.Exchange(ctx, []byte("abcdef")); err != nil || string(reply) != "abcd" {
		t.Fatalf("echo %q, %v", reply, err)
	}
	rec.waitFor(t, ctx, "sendto", isApp(NodeServer, trace.OpSendTo))
	var got []string
	for _, e := range rec.snapshot() {
		switch e.Kind {
		case trace.KindNote:
			got = append(got, "note "+e.Text)
		case trace.KindApp:
			got = append(got, fmt.Sprintf("%v %d %q", e.Op, e.N, e.Text))
		}
	}
	want := []string{`listen 0 ""`, "note datagram from " + u.LocalAddr().String() + " cut to 4 bytes, as recvfrom(4) does",
		`recvfrom 4 "abcd"`, `sendto 4 "abcd"`}
	if !slices.Equal(got, want) {
		t.Errorf("echo events %q, want %q", got, want)
	}
}

// TestTraceUnixServer: a Unix socket has no IP address; its events name
// the path and carry no kernel TCP state.
func TestTraceUnixServer(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "ts.sock")
	l, err := ListenUnix(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	addr := serveStreamOn(t, &TimestampServer{Now: fixedNow, Trace: NewTracer(rec)}, l)
	c, err := DialUnix(ctx, nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "hi", stamp+"hi")
	c.Close()
	rec.waitFor(t, ctx, "close", isApp(NodeServer, trace.OpClose))
	none := netip.AddrPort{}
	sameApps(t, rec.snapshot(), NodeServer, []appEvent{
		{trace.OpListen, none, none, ListenBacklog(), path},
		{trace.OpAccept, none, none, 0, path},
		{trace.OpRead, none, none, 2, "hi"},
		{trace.OpWrite, none, none, 29, stamp + "hi"},
		{trace.OpRead, none, none, 0, ""},
		{trace.OpClose, none, none, 0, "client closed the connection"},
	})
}

// serveStreamOn is serveStream on a listener of the test's own.
func serveStreamOn(t *testing.T, srv server, l net.Listener) string {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-errc; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

// TestTCPInfoPlausible reads TCP_INFO of a real loopback connection: the
// values a lesson shows must be the kernel's, not zeros.
func TestTCPInfoPlausible(t *testing.T) {
	l := listenLoopback(t, "tcp")
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	s.SetDeadline(time.Now().Add(10 * time.Second))
	roundTripRaw(t, c, s, "hello")
	cs, err := ReadTCPInfo(c.(*net.TCPConn))
	if err != nil {
		t.Skipf("no TCP_INFO here: %v", err)
	}
	if cs.State != trace.StateEstablished || cs.SRTT <= 0 || cs.RTTVAR <= 0 || cs.RTO < 200*time.Millisecond ||
		cs.Cwnd == 0 || cs.Ssthresh == 0 || cs.SndWnd == 0 || cs.RcvWnd == 0 || cs.BytesReceived != 5 || cs.BytesAcked < 5 {
		t.Errorf("implausible TCP_INFO of an established loopback connection: %+v", cs)
	}
	if cs.RTO > 5*time.Second || cs.SRTT > time.Second {
		t.Errorf("loopback RTT %v, RTO %v", cs.SRTT, cs.RTO)
	}
	// The tracer's reader (one getsockopt, InFlight from the byte
	// counters) agrees with ReadTCPInfo (SIOCOUTQ) at rest, on the end
	// that connected (whose SYN the kernel counts as acknowledged) and on
	// the end that accepted.
	for _, end := range []struct {
		c      net.Conn
		active bool
	}{{c, true}, {s, false}} {
		rc, _ := end.c.(*net.TCPConn).SyscallConn()
		fast, err := newTCPInfoReader(rc, end.active).get()
		slow, _ := ReadTCPInfo(end.c.(*net.TCPConn))
		if err != nil || fast != slow || fast.InFlight != 0 {
			t.Errorf("active %v: reader %+v (%v), ReadTCPInfo %+v", end.active, fast, err, slow)
		}
	}
	// The client half-closes: it is in FIN-WAIT-1 or -2, and once the
	// server has read the end of the stream, the server is in CLOSE-WAIT.
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("server read %d, %v; want EOF", n, err)
	}
	if cs, _ := ReadTCPInfo(c.(*net.TCPConn)); cs.State != trace.StateFinWait1 && cs.State != trace.StateFinWait2 {
		t.Errorf("client after shutdown: %v", cs.State)
	}
	if cs, _ := ReadTCPInfo(s.(*net.TCPConn)); cs.State != trace.StateCloseWait || cs.BytesReceived != 6 {
		t.Errorf("server after the client's FIN: %v, %d bytes received (the FIN counts one)", cs.State, cs.BytesReceived)
	}
	// The server closes too: its FIN brings the client to TIME-WAIT, which
	// Linux keeps in a separate object: the socket itself reads CLOSED.
	s.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		cs, _ := ReadTCPInfo(c.(*net.TCPConn))
		if cs.State == trace.StateClosed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client still %v after the server closed", cs.State)
		}
		time.Sleep(time.Millisecond)
	}
}

func roundTripRaw(t *testing.T, c, s net.Conn, msg string) {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(s, buf); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(buf); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
}

// TestTraceStatTicker: while a handler is busy elsewhere, the server's
// ticker still reads TCP_INFO: it sees the bytes that arrived and the
// client's FIN (CLOSE-WAIT) that no operation of the handler saw yet.
func TestTraceStatTicker(t *testing.T) {
	ctx := testCtx(t)
	rec := newRecorder()
	release := make(chan struct{})
	srv := &TimestampServer{Now: fixedNow, Trace: Tracer{Sink: rec, Start: time.Now(), StatEvery: 5 * time.Millisecond},
		ConnState: func(_ net.Conn, st ConnState) {
			if st == StateNew {
				<-release // the handler waits before its first read
			}
		}}
	addr := serveStream(t, srv, "tcp")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The handler reads TCP_INFO once before it reports StateNew; what
	// comes after that, only the ticker can see.
	rec.waitFor(t, ctx, "ESTABLISHED at accept", func(e *trace.Event) bool {
		return e.Node == NodeServer && e.Kind == trace.KindState && e.To == trace.StateEstablished
	})
	if _, err := io.WriteString(c, "hello"); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	e := rec.waitFor(t, ctx, "CLOSE-WAIT from the ticker", func(e *trace.Event) bool {
		return e.Node == NodeServer && e.Kind == trace.KindState && e.To == trace.StateCloseWait
	})
	close(release)
	if e.Conn.BytesReceived != 6 { // "hello" and the FIN
		t.Errorf("CLOSE-WAIT with %d bytes received, want 6", e.Conn.BytesReceived)
	}
	for _, a := range apps(rec.snapshot(), NodeServer) {
		if a.Op == trace.OpRead {
			t.Fatalf("the handler read before the ticker saw the FIN: %v\n%s", a, dump(rec.snapshot()))
		}
	}
	rec.waitFor(t, ctx, "the server's close", isApp(NodeServer, trace.OpClose))
}

// TestTraceOffDoesNotAllocate: with tracing off, a traced operation is a
// nil check.
func TestTraceOffDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	var tr Tracer
	ct := tr.Conn(NodeServer, nil)
	data := []byte("hello")
	if n := testing.AllocsPerRun(1000, func() {
		ct.Op(trace.OpRead, len(data), data)
		ct.OpText(trace.OpHTTP, 1, "x")
		ct.Datagram(trace.OpSendTo, netip.AddrPort{}, 5, data)
		ct.Stat()
		ct.Close("done")
		tr.App(NodeClient, trace.OpListen, netip.AddrPort{}, netip.AddrPort{}, 1, "")
		tr.ConnectStart(NodeClient, "127.0.0.1:1")
	}); n != 0 {
		t.Errorf("%v allocations with tracing off, want 0", n)
	}
}

// TestTraceJSONLRoundTrip: a live trace — header, the new operations,
// kernel connection state — survives the JSON-lines format that
// --trace writes and replay reads, and draws as a ladder.
func TestTraceJSONLRoundTrip(t *testing.T) {
	ctx := testCtx(t)
	var buf bytes.Buffer
	jw := trace.NewJSONLWriter(&buf)
	h := TraceHeader("tcp-server", "socketlab tcp-server")
	if err := jw.WriteHeader(&h); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	tr := NewTracer(LockedSink(trace.SinkFunc(func(e *trace.Event) { rec.Emit(e); jw.Emit(e) })))
	addr := serveStream(t, &TimestampServer{Now: fixedNow, Trace: tr}, "tcp")
	tc, err := (&TimestampClient{Timeout: 10 * time.Second, Trace: tr}).Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, ctx, tc, "hello")
	tc.Close()
	rec.waitFor(t, ctx, "the server's close", isApp(NodeServer, trace.OpClose))
	tr.App(NodeClient, trace.OpDNSQuery, netip.AddrPort{}, ap("127.0.0.1:53"), 0, "A/AAAA www.example.test")
	tr.App(NodeClient, trace.OpDNSAnswer, netip.AddrPort{}, ap("127.0.0.1:53"), 1, "192.0.2.10")
	tr.App(NodeClient, trace.OpHTTP, netip.AddrPort{}, netip.AddrPort{}, 18, "request GET / HTTP/1.0")
	tr.Note("", "a note")
	if jw.Err() != nil {
		t.Fatal(jw.Err())
	}
	got, err := trace.ReadJSONL(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := rec.snapshot()
	if !reflect.DeepEqual(got.Header, h) || !reflect.DeepEqual(got.Events, want) {
		t.Fatalf("read back %d events, wrote %d\n%s", len(got.Events), len(want), buf.String())
	}
	var withConn bool
	for _, e := range got.Events {
		withConn = withConn || e.Conn.BytesAcked > 0 && e.Conn.SRTT > 0
	}
	if !withConn {
		t.Error("no kernel connection state in the trace")
	}
	var ladder bytes.Buffer
	if err := trace.WriteLadder(&ladder, got, trace.LadderOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"connecting to " + addr, "accept ← ", `write 5 "hello"`, "dns-query A/AAAA www.example.test", "http request GET / HTTP/1.0"} {
		if !strings.Contains(ladder.String(), want) {
			t.Errorf("the ladder lacks %q:\n%s", want, ladder.String())
		}
	}
	if os.Getenv("SOCKETLAB_SHOW_LADDER") != "" {
		t.Log("\n" + ladder.String())
	}
}

// TestTraceDeadlock: the deadlock lesson traced: both ends' connect and
// accept, every send with its byte count adding up to what each side
// sent, the narration as notes, and the kernel's view of a window closed
// to zero while both sides are stuck in send.
func TestTraceDeadlock(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("TCP_INFO and buffer sizes are read on Linux only")
	}
	ctx := testCtx(t)
	rec := newRecorder()
	res, err := Deadlock(ctx, DeadlockConfig{Bytes: 4 << 20, SendBuf: 32 << 10, RecvBuf: 32 << 10,
		Stall: 300 * time.Millisecond, Trace: NewTracer(rec)})
	if !errors.Is(err, ErrDeadlock) {
		t.Fatalf("err = %v, want a deadlock", err)
	}
	evs := rec.snapshot()
	var sent [2]int64
	var notes []string
	zeroWindow := map[string]bool{}
	for _, e := range evs {
		switch {
		case e.Kind == trace.KindApp && e.Op == trace.OpWrite && e.Node == NodeClient:
			sent[0] += int64(e.N)
		case e.Kind == trace.KindApp && e.Op == trace.OpWrite && e.Node == NodeServer:
			sent[1] += int64(e.N)
		case e.Kind == trace.KindNote:
			notes = append(notes, e.Text)
		case (e.Kind == trace.KindConnStat || e.Kind == trace.KindState) && e.Conn.SndWnd == 0:
			zeroWindow[e.Node] = true
		}
	}
	if sent[0] != res.Client.Sent || sent[1] != res.Server.Sent {
		t.Errorf("write events add up to %v, the sides sent %d and %d", sent, res.Client.Sent, res.Server.Sent)
	}
	// Nobody reads, so the receive buffers fill up: the kernel shows a
	// peer's window closed to zero (one side at least: the other may still
	// offer a sliver too small to be worth a segment).
	if !zeroWindow[NodeClient] && !zeroWindow[NodeServer] {
		t.Errorf("no zero window seen on either side")
	}
	if !slices.ContainsFunc(notes, func(s string) bool { return strings.HasPrefix(s, "DEADLOCK: both sides are blocked in send") }) {
		t.Errorf("notes %q lack the verdict", notes)
	}
	var first []string
	for _, e := range evs {
		if e.Kind == trace.KindApp && len(first) < 5 {
			first = append(first, e.Node+" "+e.Op.String())
		}
	}
	if want := []string{"server listen", "client connect-start", "client connect", "server accept", "server close"}; !slices.Equal(first, want) {
		t.Errorf("first events %q, want %q", first, want)
	}
}
