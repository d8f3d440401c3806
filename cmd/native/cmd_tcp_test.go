package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer a server may write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cliServer is a server subcommand running in-process.
type cliServer struct {
	addr   string // the bound address it printed
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int // exit status
}

// startServerCLI runs a server subcommand and waits for the address it
// prints on start ("... listening on tcp 127.0.0.1:41234").
func startServerCLI(t *testing.T, args ...string) *cliServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &cliServer{stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	var stdout syncBuffer
	go func() {
		err := run(ctx, args, stdio{In: strings.NewReader(""), Out: &stdout, Err: s.stderr})
		s.done <- report(err, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not stop within 10s of cancel", args[0])
		}
	})
	re := regexp.MustCompile(`listening on (?:tcp|udp) (\S+)\n`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(s.stderr.String()); m != nil {
			s.addr = m[1]
			return s
		}
		select {
		case code := <-s.done:
			s.done <- code
			t.Fatalf("%s exited with %d before listening: %s", args[0], code, s.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("%s printed no address: %q", args[0], s.stderr.String())
	return nil
}

// stop cancels the server's context, as SIGINT does, and returns its exit
// status and log.
func (s *cliServer) stop(t *testing.T) (int, string) {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code
		return code, s.stderr.String()
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	return 0, ""
}

// stampRE matches one reply line "[ctime] rest" of a real clock.
func stampLine(rest string) *regexp.Regexp {
	return regexp.MustCompile(`^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d \d{4}\] ` + regexp.QuoteMeta(rest) + `$`)
}

func checkReplies(t *testing.T, stdout string, want ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(want) || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("stdout %q: want %d reply lines", stdout, len(want))
	}
	for i, w := range want {
		if !stampLine(w).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want \"[ctime] %s\"", i, lines[i], w)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestTCPServerAndClientCLI(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "[::1]:0"} {
		t.Run(listen, func(t *testing.T) {
			srv := startServerCLI(t, "tcp-server", "--addr", listen, "--idle", "5s")
			if !strings.HasPrefix(srv.stderr.String(), "tcp timestamp server listening on tcp "+strings.TrimSuffix(listen, "0")) {
				t.Fatalf("start line: %q", srv.stderr.String())
			}
			// No prompt when stdin is not a terminal; an empty line ends the session.
			stdout, stderr, code := runCLI(t, context.Background(), "hello\nworld\r\n\nnot sent\n", "tcp-client", srv.addr)
			if code != 0 || stderr != "" {
				t.Fatalf("tcp-client: exit %d, stderr %q", code, stderr)
			}
			checkReplies(t, stdout, "hello", "world")

			code, log := srv.stop(t)
			if code != 0 {
				t.Fatalf("graceful stop: exit %d, log:\n%s", code, log)
			}
			for _, want := range []string{"...connected from ", "...closed ", "shutting down: context canceled"} {
				if !strings.Contains(log, want) {
					t.Errorf("server log lacks %q:\n%s", want, log)
				}
			}
		})
	}
}

func TestTCPClientEndsAtEOF(t *testing.T) {
	srv := startServerCLI(t, "tcp-server", "--addr", "127.0.0.1:0", "--iterative")
	stdout, stderr, code := runCLI(t, context.Background(), "no newline at the end", "tcp-client", srv.addr)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	checkReplies(t, stdout, "no newline at the end")
}

func TestTCPClientCLIErrors(t *testing.T) {
	refused := freeAddr(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"refused", []string{"tcp-client", refused}, 1,
			"socketlab: connect " + refused + ": connection refused [socket.error]; is a server listening on that port?\n"},
		{"no port", []string{"tcp-client", "localhost"}, 2,
			`socketlab: tcp-client: parse address "localhost": missing port; write HOST:PORT, e.g. localhost:21567 [socket.gaierror]` + "\n"},
		{"IPv6 without brackets", []string{"tcp-client", "::1:21567"}, 2,
			`socketlab: tcp-client: parse address "::1:21567": an IPv6 address needs brackets: [ADDR]:PORT, e.g. [::1]:21567 [socket.gaierror]` + "\n"},
		{"no address", []string{"tcp-client"}, 2,
			"socketlab: tcp-client: missing HOST:PORT, e.g. socketlab tcp-client 127.0.0.1:21567\n"},
		{"two addresses", []string{"tcp-client", "a:1", "b:2"}, 2,
			"socketlab: tcp-client: want one HOST:PORT, got 2 arguments\n"},
		{"server bad addr", []string{"tcp-server", "--addr", "127.0.0.1:http-alt:1"}, 2,
			`socketlab: tcp-server: --addr: parse address "127.0.0.1:http-alt:1": an IPv6 address needs brackets: [ADDR]:PORT, e.g. [::1]:21567 [socket.gaierror]` + "\n"},
		{"server port range", []string{"tcp-server", "--addr", ":65536"}, 2,
			`socketlab: tcp-server: --addr: parse address ":65536": port 65536 is out of range 0-65535 [socket.gaierror]` + "\n"},
		{"server extra arg", []string{"tcp-server", "127.0.0.1:0"}, 2,
			"socketlab: tcp-server: unexpected argument \"127.0.0.1:0\"; the address is given with --addr\n"},
		{"server max-conns", []string{"tcp-server", "--max-conns", "0"}, 2,
			"socketlab: tcp-server: --max-conns 0: out of range 1 to 10000 (see 'socketlab tcp-server --help')\n"},
		{"server idle", []string{"tcp-server", "--idle", "0"}, 2,
			"socketlab: tcp-server: --idle 0: out of range 1ms to 24h, or negative: never (see 'socketlab tcp-server --help')\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, context.Background(), "hello\n", tc.args...)
			if code != tc.code || stderr != tc.stderr || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr\n%q\nwant exit %d, stderr\n%q", code, stdout, stderr, tc.code, tc.stderr)
			}
		})
	}
}

func TestTCPServerCLIAddressInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	for _, cmd := range []string{"tcp-server", "socketserver-server"} {
		_, stderr, code := runCLI(t, context.Background(), "", cmd, "--addr", addr)
		want := "socketlab: listen tcp " + addr + ": address already in use [socket.error] — another socket is bound to this port " +
			"(a server still running? see 'ss -ltnup'); not TIME_WAIT: Go's net.Listen already sets SO_REUSEADDR on Unix; " +
			"stop the other program or pick another port (port 0 picks a free one)\n"
		if code != 1 || stderr != want {
			t.Fatalf("%s: exit %d, stderr\n%q\nwant\n%q", cmd, code, stderr, want)
		}
	}
}

func TestTCPClientInterruptedWhileWaiting(t *testing.T) {
	// A server that accepts and never answers: the client waits until ctx
	// is cancelled (SIGINT) and exits with 130 without a message.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			io.Copy(io.Discard, c) // reads, never answers, until the client leaves
			c.Close()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, stderr, code := runCLI(t, ctx, "hello\n", "tcp-client", "--timeout", "0", l.Addr().String())
	if code != 130 || stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 130 and silence", code, stderr)
	}
}

func TestInteractiveOnlyForTerminals(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if interactive(r) || interactive(strings.NewReader("x")) {
		t.Fatal("a pipe or a string is not a terminal")
	}
}
