package main

import (
	"bufio"
	"context"
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
