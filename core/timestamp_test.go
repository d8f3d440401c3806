package core

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"socketlab/sim/trace"
)

// dialTS connects a TimestampClient to addr.
func dialTS(t *testing.T, ctx context.Context, addr string) *TimestampConn {
	t.Helper()
	c := TimestampClient{Timeout: 10 * time.Second}
	tc, err := c.Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	return tc
}

func exchange(t *testing.T, ctx context.Context, tc *TimestampConn, msg string) string {
	t.Helper()
	reply, err := tc.Exchange(ctx, []byte(msg))
	if err != nil {
		t.Fatalf("Exchange(%q): %v", msg, err)
	}
	return string(reply)
}

func TestTimestampServerExactBytes(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			addr := serveStream(t, &TimestampServer{Now: fixedNow}, network)
			if network == "tcp6" && !strings.HasPrefix(addr, "[::1]:") {
				t.Fatalf("IPv6 listener on %s", addr)
			}
			tc := dialTS(t, ctx, addr)
			for _, msg := range []string{"hello", "5", "6", "你好", " spaces \r\n"} {
				if got, want := exchange(t, ctx, tc, msg), stamp+msg; got != want {
					t.Errorf("reply to %q = %q, want %q", msg, got, want)
				}
			}
		})
	}
}

func TestTimestampServerStampFollowsClock(t *testing.T) {
	ctx := testCtx(t)
	// The stamp is the injected clock's time in its own location, as ctime()
	// gives local time; the test sets the clock before each exchange.
	var clock atomic.Pointer[time.Time]
	set := func(t time.Time) { clock.Store(&t) }
	now := func() time.Time { return *clock.Load() }
	cst := time.FixedZone("CST", 8*3600)
	set(time.Date(2020, time.June, 4, 19, 56, 18, 0, cst))
	addr := serveStream(t, &TimestampServer{Now: now}, "tcp")
	tc := dialTS(t, ctx, addr)
	for _, step := range []struct {
		at   time.Time
		msg  string
		want string
	}{
		{time.Date(2020, time.June, 4, 19, 56, 18, 0, cst), "5", "[Thu Jun  4 19:56:18 2020] 5"},
		{time.Date(2020, time.June, 4, 19, 56, 18, 900e6, cst), "5", "[Thu Jun  4 19:56:18 2020] 5"},
		{time.Date(2020, time.June, 4, 19, 56, 20, 0, cst), "6", "[Thu Jun  4 19:56:20 2020] 6"},
		{time.Date(2020, time.June, 4, 11, 56, 20, 0, time.UTC), "6", "[Thu Jun  4 11:56:20 2020] 6"},
	} {
		set(step.at)
		if got := exchange(t, ctx, tc, step.msg); got != step.want {
			t.Errorf("at %v: got %q, want %q", step.at, got, step.want)
		}
	}
}

func TestStamperYearsBeyondANSIC(t *testing.T) {
	var st stamper
	buf := make([]byte, stampLen+2)
	copy(buf[stampLen:], "hi")
	got := st.frame(buf, 2, time.Date(12345, 1, 2, 3, 4, 5, 0, time.UTC))
	if want := "[Tue Jan  2 03:04:05 12345] hi"; string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := st.frame(buf, 2, fixedNow()); string(got) != stamp+"hi" {
		t.Fatalf("got %q", got)
	}
}

// TestTimestampServerIterative shows that an iterative server does not
// serve a second client while the first is connected, without relying on
// timing: B's request is already in the server's socket when A completes
// another round trip, and still B has no answer.
func TestTimestampServerIterative(t *testing.T) {
	ctx := testCtx(t)
	log := newLog()
	srv := &TimestampServer{Iterative: true, Now: fixedNow, Trace: log.tracer()}
	addr := serveStream(t, srv, "tcp")

	a := dialTS(t, ctx, addr)
	if got := exchange(t, ctx, a, "a1"); got != stamp+"a1" {
		t.Fatalf("A got %q", got)
	}
	b, err := net.Dial("tcp", addr) // completes in the listen backlog
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Write([]byte("b1")); err != nil {
		t.Fatal(err)
	}
	// A round trip through the server after B's write: the server is busy
	// with A, so B's bytes sit unread.
	if got := exchange(t, ctx, a, "a2"); got != stamp+"a2" {
		t.Fatalf("A got %q", got)
	}
	b.SetReadDeadline(time.Now()) // poll: is anything there already?
	if n, err := b.Read(make([]byte, 64)); n != 0 || !isTimeout(err) {
		t.Fatalf("B was answered while A was connected: n=%d err=%v", n, err)
	}
	if log.index(b.LocalAddr().String()) != -1 {
		t.Fatalf("B was accepted while A was connected: %q", log.snapshot())
	}
	if p := srv.srv.peak.Load(); p != 1 {
		t.Fatalf("peak = %d connections, want 1", p)
	}

	a.Close()
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, 64)
	n, err := b.Read(got)
	if err != nil || string(got[:n]) != stamp+"b1" {
		t.Fatalf("B after A left: %q, %v", got[:n], err)
	}
	closedA := log.index("...closed " + a.LocalAddr().String())
	connB := log.index("...connected from " + b.LocalAddr().String())
	if closedA < 0 || connB < closedA {
		t.Fatalf("log order: A closed at %d, B connected at %d:\n%s", closedA, connB, strings.Join(log.snapshot(), "\n"))
	}
}

// isTimeout reports whether err is a net.Error timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestTimestampServerConcurrent(t *testing.T) {
	ctx := testCtx(t)
	srv := &TimestampServer{Now: fixedNow}
	addr := serveStream(t, srv, "tcp")
	a := dialTS(t, ctx, addr)
	b := dialTS(t, ctx, addr)
	// Both are answered while both are connected.
	for i := range 3 {
		for _, c := range []*TimestampConn{b, a} {
			msg := c.LocalAddr().String() + string(rune('0'+i))
			if got := exchange(t, ctx, c, msg); got != stamp+msg {
				t.Fatalf("got %q", got)
			}
		}
	}
	if p := srv.srv.peak.Load(); p != 2 {
		t.Fatalf("peak = %d, want 2", p)
	}
}

// TestTimestampServerUnixSocket serves over a Unix-domain socket, whose
// clients have no address to log.
func TestTimestampServerUnixSocket(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "ts.sock")
	l, err := Listen(ctx, "unix", path)
	if err != nil {
		t.Fatal(err)
	}
	log := newLog()
	srv := &TimestampServer{Now: fixedNow, Trace: log.tracer()}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	defer func() {
		srv.Shutdown(ctx)
		if err := <-errc; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	}()
	var c TimestampClient
	tc, err := c.Dial(ctx, "unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if got := exchange(t, ctx, tc, "local"); got != stamp+"local" {
		t.Fatalf("got %q", got)
	}
	tc.Close()
	if line := log.waitFor(t, ctx, "...closed"); line != "...closed (unnamed unix socket): client closed the connection" {
		t.Fatalf("log %q", line)
	}
}

func TestTimestampClientRefused(t *testing.T) {
	ctx := testCtx(t)
	addr := freePort(t, "tcp")
	var c TimestampClient
	_, err := c.Dial(ctx, "tcp", addr)
	want := "connect " + addr + ": connection refused [socket.error]"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Class != ClassSocket {
		t.Fatalf("%#v is not a ClassSocket *Error", err)
	}
}

func TestTimestampClientInvalidAddress(t *testing.T) {
	ctx := testCtx(t)
	var c TimestampClient
	for addr, want := range map[string]string{
		"localhost":      `parse address "localhost": missing port; write HOST:PORT, e.g. localhost:21567 [socket.gaierror]`,
		"::1:21567":      `parse address "::1:21567": an IPv6 address needs brackets: [ADDR]:PORT, e.g. [::1]:21567 [socket.gaierror]`,
		"127.0.0.1:1e3":  `parse address "127.0.0.1:1e3": invalid port "1e3": use a number 0-65535 or a service name such as http [socket.gaierror]`,
		"127.0.0.1:8080": "",
	} {
		_, err := c.Dial(ctx, "tcp", addr)
		if want == "" {
			continue // only to show the valid form is not rejected by the parser
		}
		if err == nil || err.Error() != want {
			t.Errorf("Dial(%q) = %v, want %s", addr, err, want)
		}
	}
}

func TestTimestampClientTimeoutAndClose(t *testing.T) {
	ctx := testCtx(t)
	// A server that accepts and never answers, then closes.
	l := listenLoopback(t, "tcp")
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	c := TimestampClient{Timeout: 100 * time.Millisecond}
	tc, err := c.Dial(ctx, "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	_, err = tc.Exchange(ctx, []byte("hello"))
	want := "receive " + l.Addr().String() + ": no reply within 100ms: i/o timeout [socket.timeout]"
	var ce *Error
	if err == nil || err.Error() != want || !errors.As(err, &ce) || !ce.Timeout() {
		t.Fatalf("got %v, want %s", err, want)
	}
	srvSide := <-accepted
	srvSide.Close()
	_, err = tc.Exchange(ctx, []byte("again"))
	if err == nil || !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("after the server closed: %v, want EOF or reset", err)
	}
}

func TestTimestampClientContextCancel(t *testing.T) {
	addr := func() string {
		l := listenLoopback(t, "tcp")
		t.Cleanup(func() { l.Close() })
		go func() {
			c, err := l.Accept()
			if err == nil {
				io.Copy(io.Discard, c) // never answers
				c.Close()
			}
		}()
		return l.Addr().String()
	}()
	ctx, cancel := context.WithCancel(context.Background())
	var c TimestampClient
	tc, err := c.Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = tc.Exchange(ctx, []byte("hello"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestTimestampServerPeerClosedMidResponse resets a connection while the
// server is writing replies to it; that connection ends with an error in
// the log and the server goes on serving.
func TestTimestampServerPeerClosedMidResponse(t *testing.T) {
	ctx := testCtx(t)
	log := newLog()
	srv := &TimestampServer{Now: fixedNow, Trace: log.tracer()}
	addr := serveStream(t, srv, "tcp")

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go c.Write(bytes.Repeat([]byte("x"), 1<<20)) // fails once c is closed
	if _, err := io.ReadFull(c, make([]byte, len(stamp)+1)); err != nil {
		t.Fatal(err) // the server is now answering
	}
	c.(*net.TCPConn).SetLinger(0) // close with RST, unread replies pending
	peer := c.LocalAddr().String()
	c.Close()

	line := log.waitFor(t, ctx, "...closed "+peer)
	if !strings.Contains(line, "connection reset by peer") && !strings.Contains(line, "broken pipe") {
		t.Fatalf("log line %q: want a reset or broken pipe", line)
	}
	tc := dialTS(t, ctx, addr)
	if got := exchange(t, ctx, tc, "still here"); got != stamp+"still here" {
		t.Fatalf("got %q", got)
	}
}

// TestTimestampServerBinaryAndOversize writes 1 MB holding every byte
// value in odd-sized writes and checks that the replies, stripped of their
// stamps, give back exactly the bytes sent, in chunks of at most 1024.
func TestTimestampServerBinaryAndOversize(t *testing.T) {
	addr := serveStream(t, &TimestampServer{Now: fixedNow}, "tcp")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))

	sent := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range sent {
		b := byte(r.UintN(256))
		if b == '[' { // keeps stamps findable; every other value is in
			b = 0xFF
		}
		sent[i] = b
	}
	copy(sent, "\x00\xff\x00\r\n\x00")
	writeErr := make(chan error, 1)
	go func() {
		var err error
		for off := 0; off < len(sent) && err == nil; off += 7919 {
			_, err = c.Write(sent[off:min(off+7919, len(sent))])
		}
		writeErr <- err
	}()

	var got, stream []byte
	buf := make([]byte, 64<<10)
	chunks := 0
	for len(got) < len(sent) {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("after %d bytes: %v", len(got), err)
		}
		stream = append(stream, buf[:n]...)
		// Consume every complete reply: a stamp, then bytes up to the next stamp.
		for {
			if !bytes.HasPrefix(stream, []byte(stamp)) {
				if len(stream) >= len(stamp) {
					t.Fatalf("reply does not start with the stamp: %q", stream[:len(stamp)])
				}
				break
			}
			next := bytes.Index(stream[len(stamp):], []byte(stamp))
			if next < 0 {
				if len(got)+len(stream)-len(stamp) == len(sent) { // the last reply
					next = len(stream) - len(stamp)
				} else {
					break
				}
			}
			chunk := stream[len(stamp) : len(stamp)+next]
			if len(chunk) == 0 || len(chunk) > BufSize {
				t.Fatalf("chunk of %d bytes", len(chunk))
			}
			got = append(got, chunk...)
			chunks++
			stream = stream[len(stamp)+next:]
		}
	}
	if err := <-writeErr; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sent) {
		i := 0
		for i < len(got) && got[i] == sent[i] {
			i++
		}
		t.Fatalf("echoed data differs at byte %d of %d", i, len(sent))
	}
	if chunks < len(sent)/BufSize {
		t.Fatalf("%d replies for %d bytes: more than %d bytes per read", chunks, len(sent), BufSize)
	}
}

// TestTimestampServerIdleTimeout: a client that connects and never sends
// is closed after IdleTimeout while another client is served meanwhile.
func TestTimestampServerIdleTimeout(t *testing.T) {
	ctx := testCtx(t)
	log := newLog()
	srv := &TimestampServer{Now: fixedNow, IdleTimeout: 150 * time.Millisecond, Trace: log.tracer()}
	addr := serveStream(t, srv, "tcp")

	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	busy := dialTS(t, ctx, addr)

	closed := make(chan error, 1)
	go func() {
		silent.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, err := silent.Read(make([]byte, 1))
		closed <- err
	}()
	served := 0
	for done := false; !done; {
		select {
		case err := <-closed:
			if !errors.Is(err, io.EOF) {
				t.Fatalf("silent client: %v, want EOF from the server", err)
			}
			done = true
		default:
			if got := exchange(t, ctx, busy, "busy"); got != stamp+"busy" {
				t.Fatalf("got %q", got)
			}
			served++
			time.Sleep(10 * time.Millisecond) // keeps busy below the idle limit
		}
	}
	if got := exchange(t, ctx, busy, "after"); got != stamp+"after" {
		t.Fatalf("got %q", got)
	}
	want := "...closed " + silent.LocalAddr().String() + ": idle for 150ms"
	if line := log.waitFor(t, ctx, "...closed "+silent.LocalAddr().String()); line != want {
		t.Fatalf("log %q, want %q", line, want)
	}
	if log.index("...closed "+busy.LocalAddr().String()) != -1 {
		t.Fatal("the busy client was closed too")
	}
	if served == 0 {
		t.Fatal("the busy client was never served while the other idled")
	}
}

// TestTimestampServerFlood opens 1,000 connections at once against
// MaxConns 8: all are answered, never more than 8 at a time, the server
// serves on afterwards and leaves no goroutine behind.
func TestTimestampServerFlood(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	const clients, limit = 1000, 8
	srv := &TimestampServer{Now: fixedNow, MaxConns: limit}
	l := listenLoopback(t, "tcp")
	addr := l.Addr().String()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(l) }()

	var wg sync.WaitGroup
	var ok atomic.Int64
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			c := TimestampClient{Timeout: 15 * time.Second}
			tc, err := c.Dial(ctx, "tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer tc.Close()
			msg := []byte{byte(i), byte(i >> 8)}
			reply, err := tc.Exchange(ctx, msg)
			if err != nil {
				errs <- err
				return
			}
			if string(reply) != stamp+string(msg) {
				errs <- errors.New("wrong reply " + string(reply))
				return
			}
			ok.Add(1)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if ok.Load() != clients {
		t.Fatalf("%d of %d clients answered", ok.Load(), clients)
	}
	if p := srv.srv.peak.Load(); p > limit || p < 1 {
		t.Fatalf("peak %d connections, limit %d", p, limit)
	}
	tc := dialTS(t, ctx, addr)
	if got := exchange(t, ctx, tc, "after the flood"); got != stamp+"after the flood" {
		t.Fatalf("got %q", got)
	}
	tc.Close()

	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if err := <-serveErr; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
}

// TestTimestampServerShutdown: Shutdown answers a chunk in flight, ends
// idle connections at once, and Serve returns ErrServerClosed.
func TestTimestampServerShutdown(t *testing.T) {
	ctx := testCtx(t)
	srv := &TimestampServer{Now: fixedNow, IdleTimeout: time.Hour}
	l := listenLoopback(t, "tcp")
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(l) }()
	tc := dialTS(t, ctx, l.Addr().String())
	if got := exchange(t, ctx, tc, "hi"); got != stamp+"hi" {
		t.Fatalf("got %q", got)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-serveErr; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := tc.Exchange(ctx, []byte("late")); err == nil {
		t.Fatal("the connection survived Shutdown")
	}
	if err := srv.Serve(listenLoopback(t, "tcp")); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", l.Addr().String()); err == nil {
		t.Fatal("the listener is still open")
	}
}

func TestTimestampServerListenAndServeStopsOnCancel(t *testing.T) {
	log := newLog()
	srv := &TimestampServer{Now: fixedNow, Trace: log.tracer()}
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, "tcp", "[::1]:0") }()
	line := log.waitFor(t, testCtx(t), "listening on")
	addr := line[strings.LastIndex(line, " ")+1:]
	if !strings.HasPrefix(line, "tcp timestamp server listening on tcp [::1]:") {
		t.Fatalf("log line %q", line)
	}
	tc := dialTS(t, testCtx(t), addr)
	if got := exchange(t, testCtx(t), tc, "v6"); got != stamp+"v6" {
		t.Fatalf("got %q", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe after cancel: %v, want nil", err)
	}
}

// BenchmarkTimestampServer measures request/response round trips over
// loopback, 8 connections, against BenchmarkBareLoop: the hot path is
// read → stamp → write with nothing allocated per chunk.
func BenchmarkTimestampServer(b *testing.B) {
	srv := &TimestampServer{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	benchRoundTrips(b, l.Addr().String(), len(stamp))
}

// BenchmarkTimestampServerTraced is BenchmarkTimestampServer with
// tracing on: every read and write an event, TCP_INFO sampled after them
// (StatGap) with a connstat event whenever it changed, into a bounded
// trace.Feed that a goroutine drains every 10 ms (what --trace's writer
// does, minus the file). events/op and lost/op say how much was traced
// and how much the full feed dropped.
func BenchmarkTimestampServerTraced(b *testing.B) {
	feed := trace.NewFeed(1 << 16)
	drained := make(chan uint64)
	go func() {
		var n uint64
		buf := make([]trace.Event, 0, 4096)
		for {
			feed.Wait()
			var ended bool
			buf, ended, _ = feed.Take(buf[:0], cap(buf))
			n += uint64(len(buf))
			if ended {
				drained <- n
				return
			}
			if len(buf) < cap(buf) {
				time.Sleep(10 * time.Millisecond) // as the --trace writer does
			}
		}
	}()
	srv := &TimestampServer{Trace: NewTracer(feed)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	benchRoundTrips(b, l.Addr().String(), len(stamp))
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx) // every handler's last events are in the feed
	<-served
	feed.End(nil)
	n := <-drained
	b.ReportMetric(float64(n)/float64(b.N), "events/op")
	b.ReportMetric(float64(feed.Lost())/float64(b.N), "lost/op")
}

// BenchmarkBareLoop is the baseline: goroutine per connection, a read of
// up to 1024 bytes and a write of a fixed 27-byte prefix plus the chunk.
func BenchmarkBareLoop(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, len(stamp)+BufSize)
				copy(buf, stamp)
				for {
					n, err := c.Read(buf[len(stamp):])
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:len(stamp)+n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	benchRoundTrips(b, l.Addr().String(), len(stamp))
}

func benchRoundTrips(b *testing.B, addr string, overhead int) {
	msg := []byte("hello")
	b.SetParallelism(4) // 8 client connections on 2 cores
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		buf := make([]byte, 256)
		for pb.Next() {
			if _, err := c.Write(msg); err != nil {
				b.Error(err)
				return
			}
			if _, err := io.ReadFull(c, buf[:overhead+len(msg)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkStamperFrame(b *testing.B) {
	var st stamper
	buf := make([]byte, stampLen+BufSize)
	t0 := fixedNow()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		st.frame(buf, 5, t0.Add(time.Duration(i)*time.Millisecond))
	}
}
