package loadgen

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testServer runs handle for every connection on 127.0.0.1:0 and counts
// accepted connections. Cleanup closes everything and waits.
type testServer struct {
	addr     string
	accepted atomic.Int64
}

func startServer(t *testing.T, handle func(c net.Conn)) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{addr: l.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	closed := false
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			mu.Lock()
			if closed { // accepted while the test ended: nobody would close it
				mu.Unlock()
				c.Close()
				return
			}
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				handle(c)
				c.Close()
			})
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s
}

// stampEcho answers each read with "[ctime] " + the bytes read.
func stampEcho(c net.Conn) {
	buf := make([]byte, 1024)
	stamp := []byte("[Sat Nov 21 11:10:46 2026] ")
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, err := c.Write(append(stamp[:len(stamp):len(stamp)], buf[:n]...)); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func tsConfig(addr string) Config {
	return Config{Addr: addr, ReplyLen: TimestampOverhead + 5, Check: CheckTimestamp, Duration: 10 * time.Second}
}

func TestRunStopsAtRequestCount(t *testing.T) {
	s := startServer(t, stampEcho)
	cfg := tsConfig(s.addr)
	cfg.Conns, cfg.Requests = 4, 501
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 501 || res.Latency.Count() != 501 || res.Errors != 0 {
		t.Errorf("requests %d, latencies %d, errors %d; want 501, 501, 0", res.Requests, res.Latency.Count(), res.Errors)
	}
	if res.Conns != 4 || s.accepted.Load() != 4 {
		t.Errorf("opened %d connections, server accepted %d; want 4 persistent ones", res.Conns, s.accepted.Load())
	}
	if res.Rate() <= 0 || res.Latency.Quantile(0.5) <= 0 || res.Latency.Quantile(0.99) < res.Latency.Quantile(0.5) {
		t.Errorf("rate %v, p50 %v, p99 %v", res.Rate(), res.Latency.Quantile(0.5), res.Latency.Quantile(0.99))
	}
	if !strings.HasPrefix(res.String(), "501 requests in ") || !strings.HasSuffix(res.String(), ", 0 errors") {
		t.Errorf("String() = %q", res.String())
	}
}

func TestRunNewConnPerRequest(t *testing.T) {
	for _, abort := range []bool{false, true} {
		s := startServer(t, stampEcho)
		cfg := tsConfig(s.addr)
		cfg.Conns, cfg.Requests, cfg.NewConn, cfg.Abort = 3, 60, true, abort
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests != 60 || res.Conns != 60 {
			t.Errorf("abort=%v: %d requests over %d connections, want 60 over 60", abort, res.Requests, res.Conns)
		}
		// The server sees every connection; accept may lag the last close.
		for i := 0; s.accepted.Load() != 60 && i < 200; i++ {
			time.Sleep(5 * time.Millisecond)
		}
		if s.accepted.Load() != 60 {
			t.Errorf("abort=%v: server accepted %d connections, want 60", abort, s.accepted.Load())
		}
	}
}

func TestRunStopsAtDuration(t *testing.T) {
	// A server that never answers: every client waits until the end.
	s := startServer(t, func(c net.Conn) {
		buf := make([]byte, 64)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	cfg := tsConfig(s.addr)
	cfg.Duration = 200 * time.Millisecond
	start := time.Now()
	res, err := Run(context.Background(), cfg)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took < 200*time.Millisecond || took > 3*time.Second {
		t.Errorf("run took %v, want about 200ms", took)
	}
	if res.Requests != 0 || res.Errors != 0 {
		t.Errorf("%d requests, %d errors: a cut-off round trip is neither", res.Requests, res.Errors)
	}
}

func TestRunUntilCancelled(t *testing.T) {
	s := startServer(t, stampEcho)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	cfg := tsConfig(s.addr)
	cfg.Duration = time.Minute
	start := time.Now()
	res, err := Run(ctx, cfg)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v, want the context's error within a few seconds", err, time.Since(start))
	}
	if res == nil || res.Requests == 0 || res.Errors != 0 {
		t.Errorf("partial result %v, want some requests and no errors", res)
	}
}

func TestRunCountsFailures(t *testing.T) {
	t.Run("wrong reply", func(t *testing.T) {
		s := startServer(t, func(c net.Conn) { // plain echo, not a timestamp server
			buf := make([]byte, 64)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				c.Write(buf[:n])
			}
		})
		cfg := Config{Addr: s.addr, Check: CheckTimestamp, MaxErrors: 10, Conns: 2, Duration: 10 * time.Second}
		res, err := Run(context.Background(), cfg)
		if !errors.Is(err, ErrTooManyErrors) || res.Requests != 0 || res.Errors < 11 {
			t.Fatalf("err %v, %d requests, %d errors", err, res.Requests, res.Errors)
		}
		if !strings.Contains(err.Error(), `reply "hello" is not "[ctime] " + the 5-byte request`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("server hangs up", func(t *testing.T) {
		s := startServer(t, func(c net.Conn) {})
		cfg := tsConfig(s.addr)
		cfg.MaxErrors = 5
		start := time.Now()
		_, err := Run(context.Background(), cfg)
		if !errors.Is(err, ErrTooManyErrors) || time.Since(start) > 5*time.Second {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		if !strings.Contains(err.Error(), "receive: ") {
			t.Errorf("err = %v, want a receive error", err)
		}
	})
	t.Run("nobody listens", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		cfg := tsConfig(addr)
		cfg.NewConn = true
		_, err = Run(context.Background(), cfg)
		if !errors.Is(err, ErrTooManyErrors) || !strings.Contains(err.Error(), "connect: ") || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("err = %v, want connection refused", err)
		}
	})
}

// The reply arrives in two pieces: with ReplyLen the client waits for all
// of it; with one read (ReplyLen 0) it takes the first piece, as recv does.
func TestRunReassemblesSplitReplies(t *testing.T) {
	s := startServer(t, func(c net.Conn) {
		buf := make([]byte, 64)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			c.Write([]byte("[Sat Nov 21 11:10:46 2026] "))
			time.Sleep(2 * time.Millisecond)
			c.Write(buf[:n])
		}
	})
	cfg := tsConfig(s.addr)
	cfg.Conns, cfg.Requests = 2, 20
	res, err := Run(context.Background(), cfg)
	if err != nil || res.Requests != 20 {
		t.Fatalf("ReplyLen: %v, %v", res, err)
	}
	cfg.ReplyLen, cfg.Requests = 0, 1
	cfg.Conns = 1
	res, err = Run(context.Background(), cfg)
	if !errors.Is(err, ErrTooManyErrors) || res.Requests != 0 {
		t.Fatalf("one read: %v, %v; want the half reply to fail the check", res, err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "loadgen: no server address; give HOST:PORT"},
		{Config{Addr: "x:1", Conns: -1}, "loadgen: -1 connections; use 1 to 10000"},
		{Config{Addr: "x:1", Requests: -5}, "loadgen: request count -5 must be positive"},
		{Config{Addr: "x:1", Duration: -time.Second}, "loadgen: duration -1s must be positive"},
		{Config{Addr: "x:1", Payload: []byte{}}, "loadgen: the request payload is empty; a server cannot answer nothing"},
		{Config{Addr: "x:1", ReplyLen: -1}, "loadgen: reply length -1 out of range 0-16 MiB"},
	} {
		if _, err := Run(context.Background(), tc.cfg); err == nil || err.Error() != tc.want {
			t.Errorf("Run(%+v) = %v, want %s", tc.cfg, err, tc.want)
		}
	}
}

func TestCheckTimestamp(t *testing.T) {
	req := []byte("hello")
	for _, tc := range []struct {
		reply string
		ok    bool
	}{
		{"[Sat Nov 21 11:10:46 2026] hello", true},
		{"[Mon Jan  2 15:04:05 2006] hello", true},
		{"[Sat Nov 21 11:10:46 2026] hellO", false},
		{"[Sat Nov 21 11:10:46 2026]_hello", false},
		{"[Xyz Nov 21 11:10:46 2026] hello", false},
		{"[Sat Now 21 11:10:46 2026] hello", false},
		{"[Sat Nov 2x 11:10:46 2026] hello", false},
		{"[Sat Nov 21 11-10:46 2026] hello", false},
		{"[Sat Nov 21 11:10:46 20a6] hello", false},
		{"[Sat Nov 21 11:10:46  2026]hello", false},
		{"hello", false},
		{"", false},
	} {
		if err := CheckTimestamp(req, []byte(tc.reply)); (err == nil) != tc.ok {
			t.Errorf("CheckTimestamp(%q) = %v, want ok=%v", tc.reply, err, tc.ok)
		}
	}
	if CheckEcho(req, []byte("hello")) != nil || CheckEcho(req, []byte("hell")) == nil {
		t.Error("CheckEcho is wrong")
	}
}

func TestCheckTimestampDoesNotAllocate(t *testing.T) {
	req, reply := []byte("hello"), []byte("[Sat Nov 21 11:10:46 2026] hello")
	if n := testing.AllocsPerRun(100, func() { CheckTimestamp(req, reply) }); n != 0 {
		t.Errorf("CheckTimestamp allocates %v times per call on the hot path", n)
	}
}

func FuzzCheckTimestamp(f *testing.F) {
	f.Add([]byte("hi"), []byte("[Sat Nov 21 11:10:46 2026] hi"))
	f.Add([]byte(""), []byte("["))
	f.Fuzz(func(t *testing.T, req, reply []byte) {
		if err := CheckTimestamp(req, reply); err == nil {
			if len(reply) != TimestampOverhead+len(req) || string(reply[TimestampOverhead:]) != string(req) {
				t.Fatalf("accepted %q for %q", reply, req)
			}
			// Whatever passes the shape check is a ctime time.Parse
			// reads too, unless the calendar rejects it (Feb 31).
			stamp := string(reply[1 : TimestampOverhead-2])
			if _, err := time.Parse(time.ANSIC, stamp); err != nil && !strings.Contains(err.Error(), "out of range") {
				t.Fatalf("accepted stamp %q that time.Parse rejects: %v", stamp, err)
			}
		}
	})
}
