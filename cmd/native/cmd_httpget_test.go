package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// halfCloseServer answers one request with resp, after checking that the
// request arrived complete and was followed by EOF (the client's
// half-close). The returned channel yields the request or the failure.
func halfCloseServer(t *testing.T, resp string) (port int, got <-chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 1)
	go func() {
		defer l.Close()
		c, err := l.Accept()
		if err != nil {
			ch <- "accept: " + err.Error()
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := io.ReadAll(c) // returns only at EOF
		if err != nil {
			ch <- "read until EOF: " + err.Error()
			return
		}
		io.WriteString(c, resp)
		ch <- string(req)
	}()
	return l.Addr().(*net.TCPAddr).Port, ch
}

func TestGetCLI(t *testing.T) {
	const resp = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nhi\n"
	port, got := halfCloseServer(t, resp)
	stdout, stderr, code := runCLI(t, context.Background(), "", "get", "-v", "--port", fmt.Sprint(port), "127.0.0.1", "/index.html")
	if req := <-got; req != "GET /index.html HTTP/1.0\r\n\r\n" {
		t.Errorf("server saw %q", req)
	}
	if code != 0 || stdout != resp {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, step := range []string{"connected from 127.0.0.1:", "sent 28 bytes", "shut down the sending side (FIN sent)", "received 41 bytes; the server closed the connection"} {
		if !strings.Contains(stderr, step) {
			t.Errorf("-v output lacks %q:\n%s", step, stderr)
		}
	}
}

func TestGetCLIHostHeaderAndName(t *testing.T) {
	srv := zoneServer(t)
	port, got := halfCloseServer(t, "HTTP/1.0 200 OK\r\n\r\n")
	// web.example.test is 192.0.2.10 in the zone; /etc/hosts has localhost.
	stdout, stderr, code := runCLI(t, context.Background(), "", "get", "--host-header", "--server", srv.Addr, "--port", fmt.Sprint(port), "localhost")
	if req := <-got; req != fmt.Sprintf("GET / HTTP/1.0\r\nHost: localhost:%d\r\n\r\n", port) {
		t.Errorf("server saw %q", req)
	}
	if code != 0 || stdout != "HTTP/1.0 200 OK\r\n\r\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestGetCLIErrors(t *testing.T) {
	srv := zoneServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := l.Addr().(*net.TCPAddr).Port
	l.Close()
	truncPort, _ := halfCloseServer(t, "HTTP/1.0 200 OK\r\nContent-Length: 50\r\n\r\nshort")
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"get", "--service", "nosuchservice", "127.0.0.1"}, 2,
			"socketlab: look up port nosuchservice: service \"nosuchservice\"/tcp not found in "},
		{[]string{"get", "--server", srv.Addr, "nosuch.example.test."}, 1,
			"socketlab: look up address nosuch.example.test.: lookup nosuch.example.test. on " + srv.Addr + ": no such host [socket.gaierror]; check the spelling of the name"},
		{[]string{"get", "--port", fmt.Sprint(refused), "127.0.0.1"}, 1,
			fmt.Sprintf("socketlab: connect 127.0.0.1:%d: connection refused [socket.error]; is a server listening on that port?\n", refused)},
		{[]string{"get", "--port", fmt.Sprint(truncPort), "127.0.0.1"}, 1,
			fmt.Sprintf("socketlab: receive 127.0.0.1:%d: connection closed after 5 of 50 body bytes (Content-Length): unexpected EOF [socket.error]\n", truncPort)},
		{[]string{"get", "--service", "http", "--port", "80", "h"}, 2, "socketlab: get: give --port or --service, not both\n"},
		{[]string{"get"}, 2, "socketlab: get: give HOST and optionally PATH (see 'socketlab get --help')\n"},
		{[]string{"get", "h", "index.html"}, 2, "socketlab: get: PATH \"index.html\" must start with /\n"},
		{[]string{"get", "--port", "99999", "h"}, 2, "socketlab: get: --port \"99999\": give a number from 0 to 65535 (or a name with --service)\n"},
		{[]string{"get", "--pause", "-1s", "h"}, 2, "socketlab: get: --pause -1s: out of range 0s to 1h (see 'socketlab get --help')\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", c.args...)
		if code != c.code || !strings.HasPrefix(stderr, c.stderr) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d\nstderr %q\nwant   %q...", c.args, code, stderr, c.stderr)
		}
	}
}

// With --pause the client waits between connect and send; a server that
// goes away meanwhile makes a later phase fail, which is the point of the
// textbook's sleep(10). Here the server resets the connection.
func TestGetCLIPauseServerGone(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		l.Close()
		if err != nil {
			return
		}
		// Let the client's connect complete before the reset, which then
		// arrives while the client sleeps.
		time.Sleep(50 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}()
	defer func() { <-done }()
	_, stderr, code := runCLI(t, context.Background(), "", "get", "--pause", "200ms", "--port", fmt.Sprint(l.Addr().(*net.TCPAddr).Port), "127.0.0.1")
	// Which phase notices depends on timing inside the kernel: the write
	// may still succeed and the read report the reset, or the write fail.
	if code != 1 || !(strings.Contains(stderr, "socketlab: send 127.0.0.1:") || strings.Contains(stderr, "socketlab: receive 127.0.0.1:") ||
		strings.Contains(stderr, "socketlab: shutdown 127.0.0.1:")) || !strings.Contains(stderr, "[socket.error]") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
