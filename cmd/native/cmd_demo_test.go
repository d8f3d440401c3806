package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestDemoServesEveryTextbookServer starts `socketlab demo` on a loopback
// address of its own and talks to each server on its textbook port.
func TestDemoServesEveryTextbookServer(t *testing.T) {
	const host = "127.0.0.37" // all of 127/8 is loopback on Linux; a quiet corner of it
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		o, e, c := runCLI(t, ctx, "", "demo", "--host", host)
		done <- result{o, e, c}
	}()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(10 * time.Second)
	var conn net.Conn
	for {
		var err error
		conn, err = net.DialTimeout("tcp", host+":21567", time.Second)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("TCP timestamp server never came up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	exchange := func(c net.Conn, msg string) string {
		t.Helper()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1024)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("%s: %v", c.RemoteAddr(), err)
		}
		return string(buf[:n])
	}
	if got := exchange(conn, "hello"); !strings.HasPrefix(got, "[") || !strings.HasSuffix(got, "] hello") {
		t.Errorf("tcp 21567 replied %q", got)
	}
	conn.Close()

	for _, tc := range []struct {
		network, port, msg, suffix string
	}{
		{"udp", "21567", "hi", "] hi"},
		{"tcp", "21568", "line\n", "] line\n"},
		{"udp", "51423", "echo me", "echo me"},
	} {
		c, err := net.Dial(tc.network, host+":"+tc.port)
		if err != nil {
			t.Fatal(err)
		}
		if got := exchange(c, tc.msg); !strings.HasSuffix(got, tc.suffix) {
			t.Errorf("%s %s replied %q, want suffix %q", tc.network, tc.port, got, tc.suffix)
		}
		c.Close()
	}

	cancel()
	r := <-done
	done <- r
	if r.code != 0 {
		t.Fatalf("demo exit status %d, stderr %q", r.code, r.errOut)
	}
	for _, want := range []string{"TCP timestamp server", "udp/" + host + ":51423", "tcp/" + host + ":21568"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.out)
		}
	}
}
