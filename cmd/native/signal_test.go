package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServersStopOnSignals sends real SIGINT and SIGTERM to socketlab
// servers running as their own process: each stops gracefully, says so,
// and exits 0.
func TestServersStopOnSignals(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		args string
	}{
		{syscall.SIGTERM, "tcp-server --addr 127.0.0.1:0"},
		{syscall.SIGINT, "udp-echo --addr [::1]:0"},
		{syscall.SIGTERM, "socketserver-server --addr 127.0.0.1:0"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, os.Args[0])
		cmd.Env = append(os.Environ(), "SOCKETLAB_TEST_ARGS="+tc.args)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stderr)
		if !lines.Scan() || !strings.Contains(lines.Text(), "listening on") {
			t.Fatalf("%s: first line %q, want the listening address", tc.args, lines.Text())
		}
		if err := cmd.Process.Signal(tc.sig); err != nil {
			t.Fatal(err)
		}
		var rest []string
		for lines.Scan() {
			rest = append(rest, lines.Text())
		}
		err = cmd.Wait()
		cancel()
		if err != nil {
			t.Errorf("%s after %v: %v (stderr %q)", tc.args, tc.sig, err, rest)
		}
		if want := "shutting down: " + tc.sig.String() + " signal received"; len(rest) == 0 || rest[len(rest)-1] != want {
			t.Errorf("%s after %v: stderr %q, want a last line like %q", tc.args, tc.sig, rest, want)
		}
	}
}

// A client waiting for input stops cleanly on SIGTERM (exit status 0) and
// reports an interruption on SIGINT (130); neither prints anything.
func TestClientStopsOnSignals(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 0}, {syscall.SIGINT, 130}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, os.Args[0])
		cmd.Env = append(os.Environ(), "SOCKETLAB_TEST_ARGS=tcp-client "+l.Addr().String())
		stdin, err := cmd.StdinPipe() // open and silent: the client waits for a line
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		select { // connected (so the signal handlers are in place) and reading stdin
		case <-accepted:
		case <-ctx.Done():
			t.Fatal("the client never connected")
		}
		if err := cmd.Process.Signal(tc.sig); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		stdin.Close()
		cancel()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || stderr.String() != "" {
			t.Errorf("tcp-client after %v: exit %d, stderr %q; want %d and silence", tc.sig, code, stderr.String(), tc.code)
		}
	}
}
