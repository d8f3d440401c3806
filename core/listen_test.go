package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixedNow is the injected clock of these tests: the stamp is always
// "[Sat Nov 21 11:10:46 2026] ".
func fixedNow() time.Time { return time.Date(2026, time.November, 21, 11, 10, 46, 0, time.UTC) }

const stamp = "[Sat Nov 21 11:10:46 2026] "

// testCtx bounds a test: nothing here may hang.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// logLines collects a server's log — its events as a ServerLog renders
// them — safely from many goroutines.
type logLines struct {
	mu    sync.Mutex
	lines []string
	added chan struct{}
}

func newLog() *logLines { return &logLines{added: make(chan struct{}, 1)} }

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.mu.Unlock()
	select {
	case l.added <- struct{}{}:
	default:
	}
}

// tracer returns a Tracer whose events l renders as a server's log
// (TCP_INFO off, as on the command line without --trace).
func (l *logLines) tracer() Tracer {
	return Tracer{Sink: &ServerLog{Line: l.line}, Start: time.Now(), StatEvery: -1}
}

// echoTracer is tracer for the echo server's log.
func (l *logLines) echoTracer() Tracer {
	return Tracer{Sink: &ServerLog{Line: l.line, Echo: true}, Start: time.Now(), StatEvery: -1}
}

func (l *logLines) line(s string) { l.logf("%s", s) }

func (l *logLines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// waitFor waits until a logged line contains sub and returns it.
func (l *logLines) waitFor(t *testing.T, ctx context.Context, sub string) string {
	t.Helper()
	for {
		for _, s := range l.snapshot() {
			if strings.Contains(s, sub) {
				return s
			}
		}
		select {
		case <-l.added:
		case <-ctx.Done():
			t.Fatalf("no log line containing %q; log:\n%s", sub, strings.Join(l.snapshot(), "\n"))
		}
	}
}

// index returns the position of the first line containing sub, or -1.
func (l *logLines) index(sub string) int {
	for i, s := range l.snapshot() {
		if strings.Contains(s, sub) {
			return i
		}
	}
	return -1
}

// listen opens a loopback listener on network's loopback address.
func listenLoopback(t *testing.T, network string) net.Listener {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "tcp6" {
		addr = "[::1]:0"
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// server is what the stream servers share, for the helpers below.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// serveStream runs srv on a fresh loopback listener and shuts it down at
// the end of the test, checking that Serve returned ErrServerClosed.
func serveStream(t *testing.T, srv server, network string) string {
	t.Helper()
	l := listenLoopback(t, network)
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

// freePort returns an address where nothing listens (bound, then closed).
func freePort(t *testing.T, network string) string {
	t.Helper()
	l := listenLoopback(t, network)
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestCheckHostPort(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"127.0.0.1:21567", ""},
		{":21567", ""},
		{"[::1]:21567", ""},
		{"[fe80::1%lo]:80", ""},
		{"localhost:http", ""},
		{"example.com:0", ""},
		{"", `parse address "": empty address; write HOST:PORT, e.g. 127.0.0.1:21567 or [::1]:21567 [socket.gaierror]`},
		{"localhost", `parse address "localhost": missing port; write HOST:PORT, e.g. localhost:21567 [socket.gaierror]`},
		{"::1:80", `parse address "::1:80": an IPv6 address needs brackets: [ADDR]:PORT, e.g. [::1]:21567 [socket.gaierror]`},
		{"127.0.0.1:", `parse address "127.0.0.1:": missing port number after the colon [socket.gaierror]`},
		{"127.0.0.1:65536", `parse address "127.0.0.1:65536": port 65536 is out of range 0-65535 [socket.gaierror]`},
		{"127.0.0.1:99999999999999999999", `parse address "127.0.0.1:99999999999999999999": port 99999999999999999999 is out of range 0-65535 [socket.gaierror]`},
		{"127.0.0.1:-1", `parse address "127.0.0.1:-1": invalid port "-1": use a number 0-65535 or a service name such as http [socket.gaierror]`},
		{"127.0.0.1:8 0", `parse address "127.0.0.1:8 0": invalid port "8 0": use a number 0-65535 or a service name such as http [socket.gaierror]`},
		{"[::1]x:80", `parse address "[::1]x:80": missing port in address; write HOST:PORT, e.g. 127.0.0.1:21567 or [::1]:21567 [socket.gaierror]`},
		{"[zz::1]:80", `parse address "[zz::1]:80": invalid IPv6 address "zz::1" [socket.gaierror]`},
		{"a b:80", `parse address "a b:80": invalid host "a b" [socket.gaierror]`},
		{"local\nhost", `parse address "local\nhost": the address contains control characters; write HOST:PORT, e.g. 127.0.0.1:21567 [socket.gaierror]`},
	} {
		err := CheckHostPort(tc.addr)
		got := ""
		if err != nil {
			got = err.Error()
			var ce *Error
			if !errors.As(err, &ce) || ce.Class != ClassAddress {
				t.Errorf("CheckHostPort(%q) = %#v, want an *Error of ClassAddress", tc.addr, err)
			}
		}
		if got != tc.want {
			t.Errorf("CheckHostPort(%q)\n got %s\nwant %s", tc.addr, got, tc.want)
		}
	}
}

func FuzzCheckHostPort(f *testing.F) {
	for _, s := range []string{"127.0.0.1:21567", ":0", "[::1]:80", "localhost:http", "", "::1", "[", "]:", "a:b:c", "[::1%eth0]:1", "1.2.3.4:65536", "h:\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		err := CheckHostPort(addr)
		if err == nil {
			host, port, serr := net.SplitHostPort(addr)
			if serr != nil {
				t.Fatalf("accepted %q that SplitHostPort rejects: %v", addr, serr)
			}
			if port == "" || strings.ContainsAny(host, " /") {
				t.Fatalf("accepted %q", addr)
			}
			return
		}
		if strings.Contains(err.Error(), "\n") && !strings.Contains(addr, "\n") {
			t.Fatalf("error for %q is not one line: %q", addr, err)
		}
	})
}

func TestListenAddressInUse(t *testing.T) {
	ctx := testCtx(t)
	hint := " — another socket is bound to this port (a server still running? see 'ss -ltnup'); " +
		"not TIME_WAIT: Go's net.Listen already sets SO_REUSEADDR on Unix; " +
		"stop the other program or pick another port (port 0 picks a free one)"

	l := listenLoopback(t, "tcp")
	defer l.Close()
	addr := l.Addr().String()
	_, err := Listen(ctx, "tcp", addr)
	want := "listen tcp " + addr + ": address already in use [socket.error]" + hint
	if err == nil || err.Error() != want {
		t.Fatalf("Listen on a taken port:\n got %v\nwant %s", err, want)
	}
	var srv TimestampServer
	if err := srv.ListenAndServe(ctx, "tcp", addr); err == nil || err.Error() != want {
		t.Fatalf("ListenAndServe on a taken port:\n got %v\nwant %s", err, want)
	}

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	uaddr := pc.LocalAddr().String()
	var usrv UDPEchoServer
	err = usrv.ListenAndServe(ctx, "udp", uaddr)
	want = "listen udp " + uaddr + ": address already in use [socket.error]" + hint
	if err == nil || err.Error() != want {
		t.Fatalf("UDP ListenAndServe on a taken port:\n got %v\nwant %s", err, want)
	}
}

func TestListenInvalidAddress(t *testing.T) {
	ctx := testCtx(t)
	_, err := Listen(ctx, "tcp", "127.0.0.1:70000")
	want := `parse address "127.0.0.1:70000": port 70000 is out of range 0-65535 [socket.gaierror]`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	_, err = ListenPacket(ctx, "udp", "21567")
	want = `parse address "21567": a port alone is not an address; write :21567 (all interfaces) or 127.0.0.1:21567 [socket.gaierror]`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}
