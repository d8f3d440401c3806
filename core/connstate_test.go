package core

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"testing"
	"time"
)

func TestConnStateString(t *testing.T) {
	for st, want := range map[ConnState]string{
		StateNew: "new", StateActive: "active", StateIdle: "idle", StateClosed: "closed", ConnState(7): "ConnState(7)",
	} {
		if got := st.String(); got != want {
			t.Errorf("ConnState(%d).String() = %q, want %q", int(st), got, want)
		}
	}
}

// TestConnStateSequences checks the exact states each server reports for
// a connection's typical lives.
func TestConnStateSequences(t *testing.T) {
	new, active, idle, closed := StateNew, StateActive, StateIdle, StateClosed
	for _, tc := range []struct {
		name string
		line bool // LineTimestampServer, else TimestampServer
		// client does its part on c; srv.Shutdown is called if shutdown.
		client   func(t *testing.T, c net.Conn)
		shutdown bool
		want     []ConnState
		reason   string
	}{
		{"one exchange, then the client closes", false, func(t *testing.T, c net.Conn) {
			roundTrip(t, c, "hi", stamp+"hi")
			c.Close()
		}, false, []ConnState{new, active, idle, closed}, "client closed the connection"},
		{"two exchanges", false, func(t *testing.T, c net.Conn) {
			roundTrip(t, c, "a", stamp+"a")
			roundTrip(t, c, "b", stamp+"b")
			c.Close()
		}, false, []ConnState{new, active, idle, active, idle, closed}, "client closed the connection"},
		{"silence until the idle timeout", false, func(t *testing.T, c net.Conn) {}, false,
			[]ConnState{new, closed}, "idle for 100ms"},
		{"one exchange, then Shutdown", false, func(t *testing.T, c net.Conn) {
			roundTrip(t, c, "hi", stamp+"hi")
		}, true, []ConnState{new, active, idle, closed}, "server shutting down"},
		{"silence, then Shutdown", false, func(t *testing.T, c net.Conn) {}, true,
			[]ConnState{new, closed}, "server shutting down"},

		{"one line", true, func(t *testing.T, c net.Conn) {
			io.WriteString(c, "hi\r\n")
			if got, _ := io.ReadAll(c); string(got) != stamp+"hi\r\n" {
				t.Errorf("got %q", got)
			}
		}, false, []ConnState{new, active, closed}, "answered"},
		{"half-close without a byte", true, func(t *testing.T, c net.Conn) {
			c.(*net.TCPConn).CloseWrite()
			if got, _ := io.ReadAll(c); string(got) != stamp {
				t.Errorf("got %q", got)
			}
		}, false, []ConnState{new, active, closed}, "answered"},
		{"silence until the line timeout", true, func(t *testing.T, c net.Conn) {}, false,
			[]ConnState{new, closed}, "idle for 100ms"},
		{"half a line, then Shutdown", true, func(t *testing.T, c net.Conn) {
			io.WriteString(c, "half a")
		}, true, []ConnState{new, active, closed}, "server shutting down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			rec := newStateRecorder()
			log := newLog()
			var srv server
			idle := 100 * time.Millisecond
			if tc.shutdown {
				idle = time.Hour // only Shutdown may end it
			}
			if tc.line {
				srv = &LineTimestampServer{Now: fixedNow, IdleTimeout: idle, Trace: log.tracer(), ConnState: rec.hook}
			} else {
				srv = &TimestampServer{Now: fixedNow, IdleTimeout: idle, Trace: log.tracer(), ConnState: rec.hook}
			}
			l := listenLoopback(t, "tcp")
			serveErr := make(chan error, 1)
			go func() { serveErr <- srv.Serve(l) }()
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			rec.wait(t, StateNew, 1)
			tc.client(t, c)
			if tc.shutdown {
				rec.wait(t, tc.want[len(tc.want)-2], 1) // the state Shutdown finds it in
				if err := srv.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
			}
			rec.wait(t, StateClosed, 1)
			if seqs := rec.sequences(); len(seqs) != 1 || !slices.Equal(seqs[0], tc.want) {
				t.Errorf("states %v, want %v", seqs, tc.want)
			}
			rec.check(t, !tc.line)
			want := "...closed " + c.LocalAddr().String() + ": " + tc.reason
			if got := log.waitFor(t, ctx, "...closed "); got != want {
				t.Errorf("log %q, want %q", got, want)
			}
			if !tc.shutdown {
				if err := srv.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-serveErr; !errors.Is(err, ErrServerClosed) {
				t.Fatalf("Serve: %v", err)
			}
		})
	}
}

// roundTrip writes msg on c and reads exactly want.
func roundTrip(t *testing.T, c net.Conn, msg, want string) {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if n, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("reply to %q: %q, %v; want %q", msg, got[:n], err, want)
	}
}

// TestTimestampServerDoesNotAllocate: a request/reply round trip
// allocates nothing, with or without a ConnState hook, and with tracing
// off however the Tracer is configured (AllocsPerRun counts the server's
// goroutine too).
func TestTimestampServerDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	var calls [StateClosed + 1]int
	for _, tc := range []struct {
		name  string
		hook  func(net.Conn, ConnState)
		trace Tracer
	}{
		{"no hook", nil, Tracer{}},
		// Counted on the connection's goroutine only: no lock needed
		// until the reads below, which follow the exchanges.
		{"with hook", func(_ net.Conn, st ConnState) { calls[st]++ }, Tracer{}},
		// A Tracer without a Sink is off, whatever else it says.
		{"trace off", nil, Tracer{Start: time.Now(), StatEvery: time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveStream(t, &TimestampServer{Now: fixedNow, ConnState: tc.hook, Trace: tc.trace}, "tcp")
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			msg, reply := []byte("hello"), make([]byte, len(stamp)+5)
			var failed error
			exchange := func() {
				if _, err := c.Write(msg); err != nil {
					failed = err
				}
				if _, err := io.ReadFull(c, reply); err != nil {
					failed = err
				}
			}
			exchange() // the handler's buffer and the stamp of this second
			if n := testing.AllocsPerRun(2000, exchange); n != 0 || failed != nil {
				t.Errorf("%v allocations per round trip (%v), want 0", n, failed)
			}
		})
	}
	if calls[StateActive] < 2000 || calls[StateIdle] != calls[StateActive] {
		t.Errorf("hook saw %d active and %d idle for 2,000+ exchanges", calls[StateActive], calls[StateIdle])
	}
}

// TestDeadlineRearmDoesNotAllocate: pushing the read and write deadlines
// out, which the hot path does once per idle/8, allocates nothing.
func TestDeadlineRearmDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	l := listenLoopback(t, "tcp")
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var s streamServer
	var d idler
	if n := testing.AllocsPerRun(1000, func() {
		d = idler{} // forces both deadlines to be set
		d.rearm(&s, c, time.Minute)
		d.rearmWrite(c, time.Now(), time.Minute)
	}); n != 0 {
		t.Errorf("%v allocations per re-arm, want 0", n)
	}
	if d.read.IsZero() || d.write.IsZero() {
		t.Error("the deadlines were not set")
	}
}

// TestShutdownCutsBlockedWrites: with WriteTimeout off, a handler blocked
// writing to a client that does not read holds a graceful Shutdown until
// its ctx ends; then Shutdown cuts the write, and the handler leaves at
// once.
func TestShutdownCutsBlockedWrites(t *testing.T) {
	log := newLog()
	rec := newStateRecorder()
	srv := &TimestampServer{Now: fixedNow, WriteTimeout: -1, IdleTimeout: -1, Trace: log.tracer(), ConnState: rec.hook}
	l := listenLoopback(t, "tcp")
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(smallBufListener{l}) }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4 << 10)
	// Write until our writes stall for half a second: the server reads
	// nothing any more, which means it is stuck writing its replies.
	chunk := make([]byte, 64<<10)
	for total := 0; ; total += len(chunk) {
		if total > 64<<20 {
			t.Fatal("64 MB written and the server still reads")
		}
		c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
		if _, err := c.Write(chunk); errors.Is(err, os.ErrDeadlineExceeded) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	const grace = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want context.DeadlineExceeded: the write should have held it", err)
	}
	if el := time.Since(start); el > grace+time.Second {
		t.Fatalf("Shutdown took %v with a grace of %v", el, grace)
	}
	rec.wait(t, StateClosed, 1)
	if el := time.Since(start); el > grace+time.Second {
		t.Fatalf("the blocked handler left %v after Shutdown began, grace %v", el, grace)
	}
	want := "...closed " + c.LocalAddr().String() + ": server shutting down"
	if got := log.waitFor(t, testCtx(t), "...closed"); got != want && got != "...closed "+c.LocalAddr().String()+": server closed" {
		t.Errorf("log %q, want %q", got, want)
	}
	if err := <-serveErr; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
}
