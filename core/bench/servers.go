// Package bench compares request/reply servers side by side under the same
// load: socketlab's Go TCP timestamp server, the textbook's Python
// ThreadingTCPServer, and a bare goroutine-per-connection Go loop that
// does nothing but read and write (the ceiling for any Go server here).
// Each server is measured with core/loadgen in the same scenarios, and
// the report prints req/s, p50 and p99 with the ratios between servers.
package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"socketlab/core"
	"socketlab/core/loadgen"
	"socketlab/sim/trace"
)

// Server is one running server under test, listening on loopback.
type Server struct {
	Name string // a short column name: "go", "python", "bare"
	Addr string // host:port
	stop func() error
}

// Close stops the server and waits for it (bounded).
func (s *Server) Close() error { return s.stop() }

func listenLoopback(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(ctx, "tcp", "127.0.0.1:0")
}

// StartGo runs socketlab's core.TimestampServer (the concurrent one, with
// its default limits) on 127.0.0.1 port 0.
func StartGo(ctx context.Context) (*Server, error) {
	l, err := listenLoopback(ctx)
	if err != nil {
		return nil, err
	}
	srv := &core.TimestampServer{}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	return &Server{Name: "go", Addr: l.Addr().String(), stop: func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		if serr := <-done; !errors.Is(serr, core.ErrServerClosed) {
			return serr
		}
		return err
	}}, nil
}

// StartGoTraced runs core.TimestampServer like StartGo with tracing on:
// every read and write an event, TCP_INFO sampled after them (see
// core.StatGap) and read every core.DefaultStatEvery, into a bounded
// trace.Feed that a goroutine drains every 10 ms and discards — what
// `socketlab tcp-server --trace FILE` does, minus the file. Its Name is
// "go-trace".
func StartGoTraced(ctx context.Context) (*Server, error) {
	l, err := listenLoopback(ctx)
	if err != nil {
		return nil, err
	}
	feed := trace.NewFeed(1 << 16)
	drained := make(chan struct{})
	go func() {
		// Like the --trace writer and the playground: take what is
		// queued, then pause, rather than wake for every event.
		defer close(drained)
		buf := make([]trace.Event, 0, 4096)
		for {
			feed.Wait()
			var ended bool
			if buf, ended, _ = feed.Take(buf[:0], cap(buf)); ended {
				return
			}
			if len(buf) < cap(buf) {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	srv := &core.TimestampServer{Trace: core.NewTracer(feed)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	return &Server{Name: "go-trace", Addr: l.Addr().String(), stop: func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		serr := <-done
		feed.End(nil)
		<-drained
		if !errors.Is(serr, core.ErrServerClosed) {
			return serr
		}
		return err
	}}, nil
}

// StartBare runs the minimal Go server: a goroutine per connection that
// reads up to core.BufSize bytes and writes back a reply of the same
// length a timestamp server would send — a fixed, valid "[ctime] " stamp
// and the chunk — with no deadlines, limits, logging or clock. It is what
// the real server costs without its care, so it is the ceiling.
func StartBare(ctx context.Context) (*Server, error) {
	l, err := listenLoopback(ctx)
	if err != nil {
		return nil, err
	}
	stamp := core.AppendStamp(nil, time.Now(), nil)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  = map[net.Conn]struct{}{}
		closed bool // set by stop: a connection accepted after it is closed at once
	)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					c.Close()
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
				}()
				buf := make([]byte, len(stamp)+core.BufSize)
				copy(buf, stamp)
				for {
					n, err := c.Read(buf[len(stamp):])
					if n > 0 {
						if _, werr := c.Write(buf[:len(stamp)+n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
	return &Server{Name: "bare", Addr: l.Addr().String(), stop: func() error {
		l.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
		return nil
	}}, nil
}

// StartPython runs the Python ThreadingTCPServer baseline script (see
// core/loadgen/testdata/ts_threading_server.py) with python3 and reads the
// port it prints. The script exits when its stdin closes, so it cannot
// outlive this process for long.
func StartPython(ctx context.Context, script string) (*Server, error) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return nil, fmt.Errorf("python baseline: python3 is not installed: %w", err)
	}
	return startProcess(ctx, "python", exec.Command(py, script, "600"))
}

// childEnv names the server a benchmark child process runs; see
// StartChild and ServeChild.
const childEnv = "SOCKETLAB_BENCH_CHILD"

// StartChild runs the server kind ("go", "go-trace" or "bare") in a child process: the
// running executable again, with an environment variable that makes its
// TestMain call ServeChild. Each server then has a process of its own, as
// the Python one has, and does not share a Go runtime with the load
// generator.
func StartChild(ctx context.Context, kind string) (*Server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+kind)
	return startProcess(ctx, kind, cmd)
}

// ChildKind returns the server kind this process must run as a benchmark
// child, or "" when it is not one.
func ChildKind() string { return os.Getenv(childEnv) }

// ServeChild runs server kind on 127.0.0.1 port 0, prints the port on
// stdout, and serves until stdin reaches EOF (the parent closed it or went
// away) or ten minutes passed.
func ServeChild(kind string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var s *Server
	var err error
	switch kind {
	case "go":
		s, err = StartGo(ctx)
	case "go-trace":
		s, err = StartGoTraced(ctx)
	case "bare":
		s, err = StartBare(ctx)
	default:
		return fmt.Errorf("unknown benchmark server %q; want go, go-trace or bare", kind)
	}
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(s.Addr)
	fmt.Println(port)
	stdinClosed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-stdinClosed:
	case <-ctx.Done():
	}
	return s.Close()
}

// startProcess starts cmd, reads the port it prints on its first line,
// and returns a Server whose Close closes the child's stdin, sends SIGTERM
// and, after 5 s, SIGKILL.
func startProcess(ctx context.Context, name string, cmd *exec.Cmd) (*Server, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &headBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s server: %w", name, err)
	}
	waited := make(chan error, 1)
	portc := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		portc <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
		waited <- cmd.Wait()
	}()
	stop := func() error {
		stdin.Close()
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-waited
		}
		return nil
	}
	var port string
	select {
	case port = <-portc:
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	case <-time.After(10 * time.Second):
		stop()
		return nil, fmt.Errorf("%s server: no port printed within 10s", name)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil || port == "0" {
		stop()
		return nil, fmt.Errorf("%s server: %s did not print a port (got %q): %s", name, strings.Join(cmd.Args, " "), port, firstLine(stderr.String()))
	}
	return &Server{Name: name, Addr: net.JoinHostPort("127.0.0.1", port), stop: stop}, nil
}

// headBuffer keeps the first 4 KiB a child writes to stderr, for error
// messages, and discards the rest.
type headBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *headBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := 4096 - len(b.buf); n > 0 {
		b.buf = append(b.buf, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

func (b *headBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// The payload every scenario sends: the textbook client's "hello".
var payload = []byte("hello")

// loadConfig is the loadgen.Config for a scenario against addr.
func loadConfig(addr string, sc Scenario, d time.Duration, requests int) loadgen.Config {
	return loadgen.Config{
		Addr:     addr,
		Conns:    sc.Conns,
		NewConn:  sc.NewConn,
		Abort:    sc.NewConn,
		Duration: d,
		Requests: requests,
		Payload:  payload,
		ReplyLen: loadgen.TimestampOverhead + len(payload),
		Check:    loadgen.CheckTimestamp,
		// Connects are immediate on loopback; a stuck one must not eat
		// the whole run.
		Dialer: &net.Dialer{Timeout: 2 * time.Second},
	}
}
