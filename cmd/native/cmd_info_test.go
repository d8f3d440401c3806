package main

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
)

// acceptAndClose serves a loopback listener that closes every connection.
func acceptAndClose(t *testing.T) *net.TCPAddr {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().(*net.TCPAddr)
}

func TestInfoCLI(t *testing.T) {
	addr := acceptAndClose(t)
	srv := zoneServer(t) // class.example.test is not in it; web is 192.0.2.10
	stdout, stderr, code := runCLI(t, context.Background(), "", "info", "--port", fmt.Sprint(addr.Port), "localhost")
	want := regexp.MustCompile(fmt.Sprintf(`^Creating socket\.\.\. done\.
Looking up port number\.\.\. done\.
Connecting to remote host on port %d\.\.\. done\.
Connected from 127\.0\.0\.1:\d+
Connected to 127\.0\.0\.1:%d
$`, addr.Port, addr.Port))
	if code != 0 || !want.MatchString(stdout) || stderr != "" {
		t.Errorf("exit %d\nstdout:\n%s\nstderr: %s", code, stdout, stderr)
	}

	for _, c := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"info", "--service", "nosuchservice", "127.0.0.1"}, 2,
			"Creating socket... done.\nLooking up port number... failed.\n",
			"socketlab: look up port nosuchservice: service \"nosuchservice\"/tcp not found in "},
		{[]string{"info", "--server", srv.Addr, "--port", "80", "nosuch.example.test."}, 1,
			"Creating socket... done.\nLooking up port number... done.\nConnecting to remote host on port 80... failed.\n",
			"socketlab: look up address nosuch.example.test.: lookup nosuch.example.test. on " + srv.Addr + ": no such host [socket.gaierror]; check the spelling"},
		{[]string{"info", "--port", "http", "localhost"}, 2, "",
			"socketlab: info: --port \"http\": give a number from 0 to 65535 (or a name with --service)\n"},
		{[]string{"info", "--port", "80", "--service", "http", "localhost"}, 2, "", "socketlab: info: give --port or --service, not both\n"},
		{[]string{"info"}, 2, "", "socketlab: info: give one HOST to connect to (see 'socketlab info --help')\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", c.args...)
		if code != c.code || stdout != c.stdout || !strings.HasPrefix(stderr, c.stderr) {
			t.Errorf("%v: exit %d\nstdout %q\nwant   %q\nstderr %q\nwant   %q...", c.args, code, stdout, c.stdout, stderr, c.stderr)
		}
	}
}

func TestInfoCLIRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, stderr, code := runCLI(t, context.Background(), "", "info", "--port", fmt.Sprint(port), "127.0.0.1")
	want := fmt.Sprintf("socketlab: connect 127.0.0.1:%d: connection refused [socket.error]; is a server listening on that port?\n", port)
	if code != 1 || stderr != want {
		t.Errorf("exit %d, stderr %q, want %q", code, stderr, want)
	}
}
