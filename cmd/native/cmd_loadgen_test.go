package main

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"socketlab/core"
)

// timestampServer serves core.TimestampServer on 127.0.0.1:0 until the
// test ends.
func timestampServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.TimestampServer{}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

var loadRow = regexp.MustCompile(`(?m)^\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+\S+$`)

func TestLoadgenCLI(t *testing.T) {
	addr := timestampServer(t)
	for _, tc := range []struct {
		args                  []string
		header                string
		requests, conns, errs string
	}{
		{[]string{addr, "--requests", "300", "--conns", "3"},
			"loadgen: 3 persistent connections to " + addr + `, "hello" → timestamp replies, for 5s or 300 requests`, "300", "3", "0"},
		{[]string{"--new-conn", "--requests", "40", addr, "--payload", "abc"},
			"loadgen: 8 clients, a new connection per request to " + addr + `, "abc" → timestamp replies, for 5s or 40 requests`, "40", "40", "0"},
		{[]string{addr, "--new-conn", "--rst", "--requests", "40", "--proto", "any"},
			"loadgen: 8 clients, a new connection per request to " + addr + `, "hello" → any replies, for 5s or 40 requests`, "40", "40", "0"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", append([]string{"loadgen"}, tc.args...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
		if !strings.HasPrefix(stdout, tc.header+"\n") {
			t.Errorf("%v: header %q", tc.args, stdout)
		}
		m := loadRow.FindStringSubmatch(stdout)
		if m == nil || m[1] != tc.requests || m[2] != tc.errs || m[3] != tc.conns || m[4] == "0" {
			t.Errorf("%v: want %s requests, %s errors, %s conns, a rate:\n%s", tc.args, tc.requests, tc.errs, tc.conns, stdout)
		}
	}
}

func TestLoadgenCLIFailures(t *testing.T) {
	addr := timestampServer(t)
	stdout, stderr, code := runCLI(t, context.Background(), "", "loadgen", addr, "--proto", "echo", "--requests", "5", "--conns", "1")
	if code != 1 || !strings.HasPrefix(stderr, "socketlab: loadgen: too many failed requests: none of 5 succeeded; the first: reply \"[") ||
		!strings.Contains(stdout, "first error: reply ") {
		t.Errorf("echo against a timestamp server: exit %d, stderr %q, stdout %q", code, stderr, stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "socketlab: loadgen: want one HOST:PORT, e.g. socketlab loadgen 127.0.0.1:21567 --conns 64\n"},
		{[]string{"localhost"}, "socketlab: loadgen: parse address \"localhost\": missing port; write HOST:PORT, e.g. localhost:21567 [socket.gaierror]\n"},
		{[]string{addr, "--conns", "0"}, "socketlab: loadgen: --conns 0: out of range 1 to 10000 (see 'socketlab loadgen --help')\n"},
		{[]string{addr, "--duration", "-1s"}, "socketlab: loadgen: --duration -1s: out of range 1ms to 1h (see 'socketlab loadgen --help')\n"},
		{[]string{addr, "--rst"}, "socketlab: loadgen: --rst only applies with --new-conn\n"},
		{[]string{addr, "--proto", "http"}, "socketlab: loadgen: --proto must be timestamp, echo or any, not \"http\"\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", append([]string{"loadgen"}, tc.args...)...)
		if code != 2 || stderr != tc.want {
			t.Errorf("loadgen %v: exit %d, stderr %q; want 2, %q", tc.args, code, stderr, tc.want)
		}
	}
}
