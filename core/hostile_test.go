package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The hostile-client matrix: every server against clients that break the
// rules — they do not read, trickle, fall silent, reset, half-close,
// vanish, send 20 MB without a newline, binary junk, oversize datagrams,
// or come 2,000 at once. In every case a well-behaved client is still
// served within servedWithin, Shutdown — called while the hostile clients
// are still connected — returns within hostileGrace, every connection
// passes through a valid sequence of ConnStates ending in StateClosed,
// and goleak finds no goroutine left behind by the case. Timeouts are
// short so that the whole matrix stays quick (about 7 s with -race).
const (
	hostileIdle     = 300 * time.Millisecond
	hostileWrite    = 300 * time.Millisecond
	hostileMaxConns = 2 // two hostile clients could lock everybody out
	hostileMaxLine  = 256 << 10
	servedWithin    = 2 * time.Second
	hostileGrace    = 2 * time.Second
	// closedWithin bounds how long after its last byte the server may
	// take to close a hostile connection: a timeout of 300ms re-armed
	// lazily fires by 337ms; the rest is slack for -race on 2 cores.
	closedWithin = time.Second
)

// Reasons the servers log for a connection they closed.
var (
	reasonNotReading = "write timed out after " + hostileWrite.String() + ": the client is not reading"
	reasonIdle       = "idle for " + hostileIdle.String()
	reasonReset      = []string{"serve: connection reset by peer [socket.error]", "serve: broken pipe [socket.error]"}
)

// hostileEnv is one server under attack and what the cases need to
// watch it.
type hostileEnv struct {
	kind    string // "tcp", "line", "unix", "udp" or "echo"
	network string // what clients dial: "tcp", "unix" or "udp"
	addr    string
	log     *logLines
	states  *stateRecorder // stream servers only
	stream  *streamServer
	packet  *packetServer
	served  bool // the case checked a well-behaved client
	clients sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn // hostile clients, closed only after Shutdown
}

func (e *hostileEnv) isStream() bool { return e.states != nil }

// smallBufListener shrinks the send buffer of every accepted connection,
// so that a client that does not read stalls the server's writes after a
// few KiB instead of megabytes of kernel autotuning.
type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if wb, ok := c.(interface{ SetWriteBuffer(int) error }); ok {
		wb.SetWriteBuffer(8 << 10)
	}
	return c, err
}

// startHostile starts the server of kind on loopback and registers its
// graceful stop, which is part of every case's checks.
func startHostile(t *testing.T, kind string) *hostileEnv {
	t.Helper()
	e := &hostileEnv{kind: kind, network: "tcp", log: newLog()}
	var shutdown func(context.Context) error
	serveErr := make(chan error, 1)
	switch kind {
	case "tcp", "line", "unix":
		e.states = newStateRecorder()
		var l net.Listener
		if kind == "unix" {
			e.network = "unix"
			// Not t.TempDir: subtest names make paths longer than the 107
			// bytes a socket path may have.
			dir, err := os.MkdirTemp("", "hostile")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			ul, err := ListenUnix(context.Background(), dir+"/s.sock")
			if err != nil {
				t.Fatal(err)
			}
			l = ul
		} else {
			l = listenLoopback(t, "tcp")
		}
		e.addr = l.Addr().String()
		var srv server
		if kind == "line" {
			s := &LineTimestampServer{MaxConns: hostileMaxConns, IdleTimeout: hostileIdle, WriteTimeout: hostileWrite,
				MaxLine: hostileMaxLine, Now: fixedNow, Trace: e.log.tracer(), ConnState: e.states.hook}
			srv, e.stream = s, &s.srv
		} else {
			s := &TimestampServer{MaxConns: hostileMaxConns, IdleTimeout: hostileIdle, WriteTimeout: hostileWrite,
				Now: fixedNow, Trace: e.log.tracer(), ConnState: e.states.hook}
			srv, e.stream = s, &s.srv
		}
		shutdown = srv.Shutdown
		go func() { serveErr <- srv.Serve(smallBufListener{l}) }()
	case "udp", "echo":
		e.network = "udp"
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e.addr = pc.LocalAddr().String()
		var srv packetServerAPI
		if kind == "udp" {
			s := &UDPTimestampServer{Now: fixedNow, Trace: e.log.tracer()}
			srv, e.packet = s, &s.srv
		} else {
			s := &UDPEchoServer{Trace: e.log.echoTracer()}
			srv, e.packet = s, &s.srv
		}
		shutdown = srv.Shutdown
		go func() { serveErr <- srv.ServePacket(pc) }()
	default:
		t.Fatalf("unknown server kind %q", kind)
	}
	t.Cleanup(func() { e.stop(t, shutdown, serveErr) })
	return e
}

// stop shuts the server down and checks that it went within the grace,
// that the hostile clients' goroutines ended and that every connection
// passed through a valid sequence of states.
func (e *hostileEnv) stop(t *testing.T, shutdown func(context.Context) error, serveErr chan error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileGrace)
	defer cancel()
	start := time.Now()
	if err := shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v after %v, want nil within %v", err, time.Since(start), hostileGrace)
	}
	select {
	case err := <-serveErr:
		if !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	case <-time.After(hostileGrace):
		t.Errorf("Serve did not return within %v of Shutdown", hostileGrace)
	}
	// The hostile clients are still connected during Shutdown; now they go.
	e.mu.Lock()
	for _, c := range e.conns {
		c.Close()
	}
	e.mu.Unlock()
	done := make(chan struct{})
	go func() { e.clients.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Errorf("hostile clients still running 5s after Shutdown")
	}
	if e.isStream() {
		e.states.check(t, e.kind != "line")
		if p := e.stream.peak.Load(); p > hostileMaxConns {
			t.Errorf("%d connections served at once, MaxConns %d", p, hostileMaxConns)
		}
	}
}

// dial connects a hostile client; it stays connected until the server
// has been shut down.
func (e *hostileEnv) dial(t *testing.T) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: servedWithin}
	c, err := d.Dial(e.network, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.conns = append(e.conns, c)
	e.mu.Unlock()
	return c
}

// goClient runs f as a hostile client's goroutine; stop waits for it.
func (e *hostileEnv) goClient(f func()) { e.clients.Go(f) }

// peer is how the server's log names client c.
func (e *hostileEnv) peer(c net.Conn) string {
	if e.network == "unix" {
		return "(unnamed unix socket)"
	}
	return c.LocalAddr().String()
}

// wellServed checks that a well-behaved client gets its exact reply within
// servedWithin of trying.
func (e *hostileEnv) wellServed(t *testing.T) {
	t.Helper()
	e.served = true
	start := time.Now()
	deadline := start.Add(servedWithin)
	var got []byte
	var err error
	switch e.kind {
	case "tcp", "unix", "line":
		got, err = e.streamExchange(deadline)
	default:
		got, err = e.datagramExchange(deadline)
	}
	want := map[string]string{"tcp": stamp + "hello", "unix": stamp + "hello", "line": stamp + "hello\r\n", "udp": stamp + "hello", "echo": "hello"}[e.kind]
	if err != nil || string(got) != want {
		t.Fatalf("well-behaved client after %v: got %q, %v; want %q within %v", time.Since(start).Round(time.Millisecond), got, err, want, servedWithin)
	}
}

func (e *hostileEnv) streamExchange(deadline time.Time) ([]byte, error) {
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial(e.network, e.addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	if e.kind == "line" {
		if _, err := io.WriteString(c, "hello\r\n"); err != nil {
			return nil, err
		}
		return io.ReadAll(c)
	}
	if _, err := io.WriteString(c, "hello"); err != nil {
		return nil, err
	}
	reply := make([]byte, len(stamp+"hello"))
	n, err := io.ReadFull(c, reply)
	return reply[:n], err
}

// datagramExchange retries: under a flood the server's receive buffer may
// drop the request, which is UDP, not a failure.
func (e *hostileEnv) datagramExchange(deadline time.Time) ([]byte, error) {
	c, err := net.Dial("udp", e.addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	buf := make([]byte, 2048)
	for time.Now().Before(deadline) {
		if _, err := io.WriteString(c, "hello"); err != nil {
			return nil, err
		}
		wait := time.Now().Add(100 * time.Millisecond)
		if wait.After(deadline) {
			wait = deadline
		}
		c.SetReadDeadline(wait)
		n, err := c.Read(buf)
		if err == nil {
			return buf[:n], nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, err
		}
	}
	return nil, os.ErrDeadlineExceeded
}

// closedAs waits until the server has logged the close of each client in
// cs with reason. Unix clients all have the same name, so for them it
// counts lines.
func (e *hostileEnv) closedAs(t *testing.T, reason string, cs ...net.Conn) {
	t.Helper()
	want := map[string]int{}
	for _, c := range cs {
		want["...closed "+e.peer(c)+": "+reason]++
	}
	for line, n := range want {
		e.log.waitLines(t, line, n)
	}
}

// closedReason waits for the log line of c's close and returns its reason.
func (e *hostileEnv) closedReason(t *testing.T, c net.Conn) string {
	t.Helper()
	prefix := "...closed " + e.peer(c) + ": "
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return strings.TrimPrefix(e.log.waitFor(t, ctx, prefix), prefix)
}

// waitLines waits until at least n logged lines equal line.
func (l *logLines) waitLines(t *testing.T, line string, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		count := 0
		for _, s := range l.snapshot() {
			if s == line {
				count++
			}
		}
		if count >= n {
			return
		}
		select {
		case <-l.added:
		case <-timeout:
			t.Fatalf("%d of %d log lines %q after 5s; log:\n%s", count, n, line, strings.Join(l.snapshot(), "\n"))
		}
	}
}

// waitEOF reads from c until the server closes it, for at most
// closedWithin, and returns what came before.
func waitEOF(t *testing.T, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(closedWithin))
	got, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("waiting for the server to close: %v after %q", err, got)
	}
	return got
}

// isPeerGone reports whether err is what writing to a connection the
// server closed gives.
func isPeerGone(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// writeUntilStopped writes chunk to c again and again, up to limit bytes
// and for at most 5 s, and never reads. It returns how much was written
// and why it stopped.
func writeUntilStopped(c net.Conn, chunk []byte, limit int) (int, error) {
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	total := 0
	for total < limit {
		n, err := c.Write(chunk[:min(len(chunk), limit-total)])
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// hostileCase is one kind of misbehaviour. run attacks e's server, checks
// what the server did to the hostile clients and calls e.wellServed while
// the attack is on (or right after, where the attack is a moment).
type hostileCase struct {
	name  string
	kinds string // the servers it applies to
	run   func(t *testing.T, e *hostileEnv)
}

var hostileCases = []hostileCase{
	{
		// Fails without WriteTimeout: both handlers block in Write
		// forever, the well-behaved client waits in the backlog, and
		// Shutdown runs into its deadline.
		name: "non-reading writers", kinds: "tcp unix line",
		run: func(t *testing.T, e *hostileEnv) {
			cs := []net.Conn{e.dial(t), e.dial(t)}
			errs := make(chan error, len(cs))
			for _, c := range cs {
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetReadBuffer(4 << 10)
				}
				e.goClient(func() {
					var err error
					if e.kind == "line" {
						// One long line whose reply is far larger than the buffers.
						_, err = c.Write(append(bytes.Repeat([]byte("w"), 200<<10), '\n'))
						if err == nil {
							err = io.EOF // its work is done; the reply is never read
						}
					} else {
						_, err = writeUntilStopped(c, bytes.Repeat([]byte("w"), 64<<10), 64<<20)
					}
					errs <- err
				})
			}
			e.states.wait(t, StateActive, 2) // both slots taken
			e.wellServed(t)
			e.closedAs(t, reasonNotReading, cs...)
			for range cs {
				if err := <-errs; e.kind != "line" && !isPeerGone(err) {
					t.Errorf("non-reading writer stopped by %v, want the server's reset", err)
				}
			}
		},
	},
	{
		// Fails if the line server re-armed its deadline per read (the
		// trickle lasts 2.5 s) or the stream server stopped answering.
		name: "slowloris", kinds: "tcp unix line",
		run: func(t *testing.T, e *hostileEnv) {
			n := 1 // the timestamp servers answer every byte: one leaves a slot free
			if e.kind == "line" {
				n = 2 // the line server must cut both
			}
			type result struct {
				got    []byte
				closed time.Duration // since the line began, or since the last byte
				err    error
			}
			results := make(chan result, n)
			var cs []net.Conn
			for range n {
				c := e.dial(t)
				cs = append(cs, c)
				e.goClient(func() {
					var r result
					start := time.Now()
					tick := time.NewTicker(100 * time.Millisecond)
					defer tick.Stop()
					for i := 0; i < 25; i++ { // 2.5 s at most
						if e.kind != "line" && i == 5 {
							start = time.Now()
							break // then silence: the idle timeout must close it
						}
						if _, err := c.Write([]byte("s")); err != nil {
							if !isPeerGone(err) {
								r.err = err
							}
							break // the server gave up on the line
						}
						if e.kind != "line" {
							reply := make([]byte, len(stamp)+1)
							c.SetReadDeadline(time.Now().Add(servedWithin))
							if _, err := io.ReadFull(c, reply); err != nil || string(reply) != stamp+"s" {
								r.err = fmt.Errorf("byte answered with %q, %v", reply, err)
								break
							}
						} else {
							// Has the server closed the connection yet?
							c.SetReadDeadline(time.Now())
							if n, err := c.Read(make([]byte, 1)); n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
								break
							}
						}
						<-tick.C
					}
					c.SetReadDeadline(time.Now().Add(closedWithin))
					r.got, _ = io.ReadAll(c)
					r.closed = time.Since(start)
					results <- r
				})
			}
			e.states.wait(t, StateActive, n)
			e.wellServed(t)
			for range n {
				r := <-results
				if r.err != nil || len(r.got) != 0 || r.closed >= closedWithin {
					t.Errorf("slowloris: %v, read %q, closed after %v; want closed without reply within %v",
						r.err, r.got, r.closed.Round(time.Millisecond), closedWithin)
				}
			}
			e.closedAs(t, reasonIdle, cs...)
		},
	},
	{
		// Fails without the idle timeout: two silent clients hold both
		// slots for ever.
		name: "connect and silence", kinds: "tcp unix line",
		run: func(t *testing.T, e *hostileEnv) {
			cs := []net.Conn{e.dial(t), e.dial(t)}
			e.states.wait(t, StateNew, 2)
			e.wellServed(t)
			for _, c := range cs {
				if got := waitEOF(t, c); len(got) != 0 {
					t.Errorf("silent client got %q", got)
				}
			}
			e.closedAs(t, reasonIdle, cs...)
		},
	},
	{
		// Fails if a reset while replying took the server down or left
		// the connection open.
		name: "RST in the middle of a reply", kinds: "tcp unix line",
		run: func(t *testing.T, e *hostileEnv) {
			c := e.dial(t)
			if e.kind == "line" {
				if _, err := c.Write(append(bytes.Repeat([]byte("r"), 200<<10), '\n')); err != nil {
					t.Fatal(err)
				}
			} else {
				e.goClient(func() { writeUntilStopped(c, bytes.Repeat([]byte("r"), 64<<10), 1<<20) })
			}
			c.SetReadDeadline(time.Now().Add(servedWithin))
			if _, err := io.ReadFull(c, make([]byte, len(stamp)+1)); err != nil {
				t.Fatal(err) // the server is now replying
			}
			allowed := slices.Clone(reasonReset)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // close sends RST
			} else {
				// A Unix socket closed with unread data resets its peer,
				// or the server sees the end first.
				allowed = append(allowed, "client closed the connection")
			}
			c.Close()
			e.states.wait(t, StateClosed, 1)
			if got := e.closedReason(t, c); !slices.Contains(allowed, got) {
				t.Errorf("reset client closed with %q, want one of %q", got, allowed)
			}
			e.wellServed(t)
		},
	},
	{
		name: "half-close, then nothing", kinds: "tcp unix line",
		run: func(t *testing.T, e *hostileEnv) {
			c := e.dial(t)
			if _, err := io.WriteString(c, "half"); err != nil {
				t.Fatal(err)
			}
			if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			want := "client closed the connection"
			if e.kind == "line" {
				want = "answered"
			}
			e.closedAs(t, want, c)
			e.wellServed(t)
			if got := waitEOF(t, c); string(got) != stamp+"half" {
				t.Errorf("half-closed client got %q, want %q", got, stamp+"half")
			}
		},
	},
	{
		// A peer that vanished (power cut, cable pulled) sends nothing,
		// acknowledges nothing and never closes; on loopback it is a
		// client that stops in the middle of a request.
		name: "vanished peer", kinds: "tcp unix line",
		run: func(t *testing.T, e *hostileEnv) {
			c := e.dial(t)
			if _, err := io.WriteString(c, "gone"); err != nil {
				t.Fatal(err)
			}
			e.states.wait(t, StateActive, 1)
			e.wellServed(t)
			e.closedAs(t, reasonIdle, c)
			want := stamp + "gone" // a chunk is a request
			if e.kind == "line" {
				want = "" // half a line is not
			}
			if got := waitEOF(t, c); string(got) != want {
				t.Errorf("vanished client's buffer holds %q, want %q", got, want)
			}
		},
	},
	{
		// The line server fails if it buffers the line past MaxLine
		// (the client gets it all written and memory grows by 20 MB);
		// the timestamp servers fail without WriteTimeout.
		name: "20 MB without a newline", kinds: "tcp unix line",
		run: func(t *testing.T, e *hostileEnv) {
			const size = 20 << 20
			c := e.dial(t)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			type result struct {
				n   int
				err error
			}
			res := make(chan result, 1)
			e.goClient(func() {
				n, err := writeUntilStopped(c, bytes.Repeat([]byte("z"), 64<<10), size)
				res <- result{n, err}
			})
			e.states.wait(t, StateActive, 1)
			e.wellServed(t)
			reason := reasonNotReading
			if e.kind == "line" {
				reason = "line too long (more than 262144 bytes)"
			}
			e.closedAs(t, reason, c)
			r := <-res
			if r.n >= size || !isPeerGone(r.err) {
				t.Errorf("the client wrote %d of %d bytes and stopped with %v; want the server to reset it early", r.n, size, r.err)
			}
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
				t.Errorf("%d MB allocated while a client sent 20 MB: the server buffers it", grew>>20)
			}
		},
	},
	{
		name: "binary junk", kinds: "tcp unix line udp echo",
		run: func(t *testing.T, e *hostileEnv) {
			junk := make([]byte, 256)
			for i := range junk {
				junk[i] = byte(i)
			}
			if !e.isStream() {
				e.wellServed(t)
				for _, msg := range [][]byte{junk, {}, {0}, []byte("\xff\xfe\r\n\x00")} {
					want := msg
					if e.kind == "udp" {
						want = append([]byte(stamp), msg...)
					}
					if got := datagram(t, e, msg, 65536); !bytes.Equal(got, want) {
						t.Errorf("reply to %q = %q, want %q", msg, got, want)
					}
				}
				return
			}
			c := e.dial(t)
			if _, err := c.Write(junk); err != nil {
				t.Fatal(err)
			}
			want := stamp + string(junk)
			if e.kind == "line" {
				want = stamp + string(junk[:'\n'+1]) // up to the first newline byte
			} else {
				c.(interface{ CloseWrite() error }).CloseWrite()
			}
			if got := waitEOF(t, c); string(got) != want {
				t.Errorf("reply to bytes 0..255 = %q, want %q", got, want)
			}
			e.wellServed(t)
		},
	},
	{
		// The limit is 65,507 bytes of payload in an IPv4 datagram; the
		// reply is cut to BufSize as recvfrom(BufSize) would.
		name: "oversize datagrams", kinds: "udp echo",
		run: func(t *testing.T, e *hostileEnv) {
			big := bytes.Repeat([]byte("0123456789abcdef"), 65507/16+1)[:65507]
			size, want := BufSize, stamp+string(big[:BufSize])
			if e.kind == "echo" {
				size, want = EchoBufSize, string(big[:EchoBufSize])
			}
			c := dialDatagram(t, e)
			got := exchangeDatagram(t, c, big, 65536)
			if string(got) != want {
				t.Errorf("reply to 65507 bytes: %d bytes, want %d", len(got), len(want))
			}
			line := "datagram from " + c.LocalAddr().String() + " cut to " + strconv.Itoa(size) + " bytes, as recvfrom(" + strconv.Itoa(size) + ") does"
			e.log.waitLines(t, line, 1)
			e.wellServed(t)
		},
	},
	{
		// Datagrams from sockets that never read their replies, 2,000 of
		// them: the replies are dropped at the clients, and the server
		// serves on.
		name: "non-reading datagram flood", kinds: "udp echo",
		run: func(t *testing.T, e *hostileEnv) {
			before := e.packet.datagrams.Load()
			for range 20 {
				c := dialDatagram(t, e)
				if uc, ok := c.(*net.UDPConn); ok {
					uc.SetReadBuffer(4 << 10)
				}
				e.goClient(func() {
					msg := bytes.Repeat([]byte("f"), 512)
					for range 100 {
						if _, err := c.Write(msg); err != nil {
							return
						}
					}
				})
			}
			e.wellServed(t)
			if e.packet.datagrams.Load() == before {
				t.Error("the server answered nothing")
			}
		},
	},
	{
		// A client that closes its socket before the reply comes back:
		// the reply meets ICMP port unreachable.
		name: "vanished peers", kinds: "udp echo",
		run: func(t *testing.T, e *hostileEnv) {
			before := e.packet.datagrams.Load()
			for range 10 {
				c := dialDatagram(t, e)
				io.WriteString(c, "gone")
				c.Close()
			}
			e.wellServed(t)
			if e.packet.datagrams.Load() == before {
				t.Error("the server answered nothing")
			}
		},
	},
	{
		// 2,000 clients connect at once, send a request and leave, half
		// of them with a reset. Fails if the server serves more than
		// MaxConns at once, loses a connection, or falls behind so far
		// that a well-behaved client waits more than servedWithin.
		name: "connection flood", kinds: "tcp unix line",
		run: func(t *testing.T, e *hostileEnv) {
			n := floodSize(t)
			var failed sync.Map
			var flood sync.WaitGroup
			d := net.Dialer{Timeout: 10 * time.Second}
			start := time.Now()
			for i := range n {
				flood.Go(func() {
					c, err := d.Dial(e.network, e.addr)
					if err != nil {
						failed.Store(err.Error(), true)
						return
					}
					io.WriteString(c, "flood\n")
					if tc, ok := c.(*net.TCPConn); ok && i%2 == 1 {
						tc.SetLinger(0)
					}
					c.Close()
				})
			}
			e.wellServed(t)
			flood.Wait()
			failed.Range(func(k, _ any) bool { t.Errorf("flood client: %v", k); return true })
			e.states.wait(t, StateClosed, n+1)
			t.Logf("%d connections dialled, served and closed in %v", n, time.Since(start).Round(time.Millisecond))
		},
	},
}

// dialDatagram opens a connected UDP socket to e's server.
func dialDatagram(t *testing.T, e *hostileEnv) net.Conn {
	t.Helper()
	c, err := net.Dial("udp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// exchangeDatagram sends msg on c and returns the reply (one try: no
// flood is going on, so loopback loses nothing).
func exchangeDatagram(t *testing.T, c net.Conn, msg []byte, size int) []byte {
	t.Helper()
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(servedWithin))
	buf := make([]byte, size)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func datagram(t *testing.T, e *hostileEnv, msg []byte, size int) []byte {
	t.Helper()
	return exchangeDatagram(t, dialDatagram(t, e), msg, size)
}

func TestHostileClients(t *testing.T) {
	for _, kind := range []string{"tcp", "line", "unix", "udp", "echo"} {
		t.Run(kind, func(t *testing.T) {
			for _, hc := range hostileCases {
				if !slices.Contains(strings.Fields(hc.kinds), kind) {
					continue
				}
				t.Run(hc.name, func(t *testing.T) {
					// Registered first, so it runs after the server's stop.
					before := goleak.IgnoreCurrent()
					t.Cleanup(func() { goleak.VerifyNone(t, before) })
					e := startHostile(t, kind)
					hc.run(t, e)
					if !e.served {
						t.Fatal("the case never checked a well-behaved client")
					}
				})
			}
		})
	}
}

// stateRecorder is a ConnState hook that keeps every connection's
// sequence of states.
type stateRecorder struct {
	mu      sync.Mutex
	seqs    map[net.Conn][]ConnState
	order   []net.Conn
	counts  [StateClosed + 1]int
	notes   []string // violations seen inside the hook
	changed chan struct{}
}

func newStateRecorder() *stateRecorder {
	return &stateRecorder{seqs: make(map[net.Conn][]ConnState), changed: make(chan struct{}, 1)}
}

func (r *stateRecorder) hook(c net.Conn, st ConnState) {
	var note string
	if st == StateClosed {
		// StateClosed comes after Close: the connection must be closed.
		if err := c.SetReadDeadline(time.Time{}); !errors.Is(err, net.ErrClosed) {
			note = "StateClosed reported on an open connection"
		}
	}
	r.mu.Lock()
	if _, ok := r.seqs[c]; !ok {
		r.order = append(r.order, c)
	}
	r.seqs[c] = append(r.seqs[c], st)
	r.counts[st]++
	if note != "" {
		r.notes = append(r.notes, note)
	}
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// wait waits until st has been reported at least n times.
func (r *stateRecorder) wait(t *testing.T, st ConnState, n int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		got := r.counts[st]
		r.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-r.changed:
		case <-timeout:
			t.Fatalf("%s reported %d times in 10s, want %d", st, got, n)
		}
	}
}

// sequences returns the states of each connection, in accept order.
func (r *stateRecorder) sequences() [][]ConnState {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]ConnState
	for _, c := range r.order {
		out = append(out, slices.Clone(r.seqs[c]))
	}
	return out
}

// check verifies that every connection went new → (active → idle)* →
// closed (or ended active when the reply failed), without idle where the
// server has none.
func (r *stateRecorder) check(t *testing.T, hasIdle bool) {
	t.Helper()
	r.mu.Lock()
	for _, n := range r.notes {
		t.Error(n)
	}
	r.mu.Unlock()
	for _, seq := range r.sequences() {
		if err := validSequence(seq, hasIdle); err != "" {
			t.Errorf("states %v: %s", seq, err)
			return
		}
	}
}

func validSequence(seq []ConnState, hasIdle bool) string {
	if len(seq) < 2 || seq[0] != StateNew || seq[len(seq)-1] != StateClosed {
		return "want new first and closed last"
	}
	prev := StateNew
	for _, st := range seq[1 : len(seq)-1] {
		switch {
		case st == StateActive && (prev == StateNew || prev == StateIdle && hasIdle):
		case st == StateIdle && prev == StateActive && hasIdle:
		default:
			return "unexpected " + st.String() + " after " + prev.String()
		}
		prev = st
	}
	return ""
}
