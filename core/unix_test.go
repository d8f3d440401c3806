package core

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestUnixTimestampServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	path := filepath.Join(t.TempDir(), "ts.sock")
	fixed := time.Date(2026, time.November, 1, 9, 5, 7, 0, time.UTC)
	// A fixed clock in the past stamps replies only: deadlines use the
	// real one.
	srv := &TimestampServer{Now: func() time.Time { return fixed }}
	ctx, cancel := context.WithCancel(context.Background())
	log := newLog()
	done := make(chan error, 1)
	go func() { done <- ListenAndServeUnix(ctx, path, srv, log.tracer()) }()
	log.waitFor(t, testCtx(t), "listening on unix "+path)

	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer dcancel()
	c, err := DialUnix(dctx, nil, path)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	for _, msg := range []string{"hello", "你好"} {
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1024)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if want := "[Sun Nov  1 09:05:07 2026] " + msg; string(buf[:n]) != want {
			t.Errorf("reply %q, want %q", buf[:n], want)
		}
	}
	c.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ListenAndServeUnix = %v, want nil after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file still there after shutdown: %v", err)
	}
	logs := log.snapshot()
	if len(logs) < 2 || logs[0] != "listening on unix "+path || logs[len(logs)-1] != "shutting down: context canceled" {
		t.Errorf("log %q, want listening … shutting down", logs)
	}
}

// A crashed server leaves its socket file behind; the next start must
// notice that nobody answers and replace it.
func TestUnixStaleSocketIsReplaced(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	path := filepath.Join(t.TempDir(), "stale.sock")
	crashed, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	crashed.(*net.UnixListener).SetUnlinkOnClose(false) // like a process killed with SIGKILL
	crashed.Close()

	ctx := context.Background()
	if _, err := net.Listen("unix", path); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("plain listen on a stale socket: err = %v, want address already in use", err)
	}
	removed, err := RemoveStaleSocket(ctx, path)
	if err != nil || !removed {
		t.Fatalf("RemoveStaleSocket = %v, %v; want true, nil", removed, err)
	}
	if removed, err := RemoveStaleSocket(ctx, path); err != nil || removed {
		t.Fatalf("second RemoveStaleSocket = %v, %v; want false, nil", removed, err)
	}

	// And ListenUnix does it by itself.
	crashed, err = net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	crashed.(*net.UnixListener).SetUnlinkOnClose(false)
	crashed.Close()
	l, err := ListenUnix(ctx, path)
	if err != nil {
		t.Fatalf("ListenUnix over a stale socket: %v", err)
	}
	l.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("closing the listener left the socket file: %v", err)
	}
}

func TestUnixSocketInUseIsKept(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	path := filepath.Join(t.TempDir(), "busy.sock")
	ctx := context.Background()
	first, err := ListenUnix(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	_, err = ListenUnix(ctx, path)
	if !errors.Is(err, ErrSocketInUse) {
		t.Fatalf("second ListenUnix err = %v, want ErrSocketInUse", err)
	}
	want := "listen unix " + path + ": a server is already listening on this socket; stop it or choose another path [socket.error]"
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	// The first server still works: its socket file was not touched. (Its
	// backlog also holds the probe connection of the second ListenUnix.)
	go func() {
		for {
			c, err := first.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("still here"))
			c.Close()
		}
	}()
	c, err := DialUnix(ctx, nil, path)
	if err != nil {
		t.Fatalf("the first server lost its socket: %v", err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 32)
	n, _ := c.Read(buf)
	c.Close()
	if string(buf[:n]) != "still here" {
		t.Errorf("read %q from the first server", buf[:n])
	}
}

func TestUnixRefusesToRemoveOtherFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, what string }{{file, "a regular file"}, {sub, "a directory"}} {
		_, err := ListenUnix(context.Background(), tc.path)
		if !errors.Is(err, ErrNotSocket) {
			t.Fatalf("ListenUnix(%s) err = %v, want ErrNotSocket", tc.what, err)
		}
		want := "listen unix " + tc.path + ": refusing to remove it: not a socket (it is " + tc.what + "); delete it yourself or choose another path [socket.error]"
		if err.Error() != want {
			t.Errorf("err = %q\nwant  %q", err, want)
		}
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "precious" {
		t.Errorf("the file was touched: %q, %v", b, err)
	}
}

func TestUnixBadPaths(t *testing.T) {
	ctx := context.Background()
	long := "/tmp/" + strings.Repeat("x", 200)
	for _, tc := range []struct{ path, want string }{
		{"", "listen unix: empty socket path; give a file name such as /tmp/ts.sock [socket.gaierror]"},
		{long, "listen unix " + long + ": the path is 205 bytes; a Unix socket path must be at most 107: choose a shorter one [socket.gaierror]"},
	} {
		if _, err := ListenUnix(ctx, tc.path); err == nil || err.Error() != tc.want {
			t.Errorf("ListenUnix(%.20q) err = %v\nwant %s", tc.path, err, tc.want)
		}
	}
	missing := filepath.Join(t.TempDir(), "nobody.sock")
	_, err := DialUnix(ctx, nil, missing)
	if want := "connect unix " + missing + ": no such file or directory [socket.error]"; err == nil || err.Error() != want {
		t.Errorf("DialUnix(missing) err = %v, want %s", err, want)
	}
}

// TestListenAndServeUnixHTTPServer: an *http.Server stops cleanly both
// when ctx ends (its Serve returns http.ErrServerClosed, which is no
// error) and when it is shut down on its own.
func TestListenAndServeUnixHTTPServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, byCtx := range []bool{true, false} {
		path := filepath.Join(t.TempDir(), "h.sock")
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hi over unix")
		})}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		log := newLog()
		go func() { done <- ListenAndServeUnix(ctx, path, srv, log.tracer()) }()
		log.waitFor(t, testCtx(t), "listening on unix "+path)
		tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return DialUnix(ctx, nil, path)
		}}
		client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		resp, err := client.Get("http://unix/")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		if err != nil || string(body) != "hi over unix" {
			t.Fatalf("body %q, %v", body, err)
		}
		if byCtx {
			cancel()
		} else if err := srv.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("stopped by ctx: %v; ListenAndServeUnix = %v, want nil", byCtx, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("stopped by ctx: %v; ListenAndServeUnix did not return", byCtx)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("socket file left behind: %v", err)
		}
	}
}

// graceProbe is a StreamServer that records the grace its Shutdown gets.
type graceProbe struct {
	stop  chan struct{}
	grace chan time.Duration
}

func (g *graceProbe) Serve(l net.Listener) error {
	<-g.stop
	return ErrServerClosed
}

func (g *graceProbe) Shutdown(ctx context.Context) error {
	dl, _ := ctx.Deadline() // zero if none: a huge negative grace
	g.grace <- time.Until(dl)
	close(g.stop)
	return nil
}

// TestListenAndServeUnixGrace: the Unix server shuts down with the same
// grace as every other server.
func TestListenAndServeUnixGrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.sock")
	g := &graceProbe{stop: make(chan struct{}), grace: make(chan time.Duration, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := newLog()
	go func() { done <- ListenAndServeUnix(ctx, path, g, log.tracer()) }()
	log.waitFor(t, testCtx(t), "listening on unix "+path)
	cancel()
	if grace := <-g.grace; grace <= shutdownGrace-time.Second || grace > shutdownGrace {
		t.Errorf("Shutdown got %v, want shutdownGrace (%v)", grace, shutdownGrace)
	}
	if err := <-done; err != nil {
		t.Errorf("ListenAndServeUnix = %v, want nil", err)
	}
}
