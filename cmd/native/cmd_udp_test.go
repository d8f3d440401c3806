package main

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestUDPServerAndClientCLI(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "[::1]:0"} {
		t.Run(listen, func(t *testing.T) {
			srv := startServerCLI(t, "udp-server", "--addr", listen)
			stdout, stderr, code := runCLI(t, context.Background(), "fds\nhello\n", "udp-client", srv.addr)
			if code != 0 || stderr != "" {
				t.Fatalf("udp-client: exit %d, stderr %q", code, stderr)
			}
			checkReplies(t, stdout, "fds", "hello")
			code, log := srv.stop(t)
			if code != 0 || strings.Count(log, "...received from and returned to ") != 2 {
				t.Fatalf("exit %d, log:\n%s", code, log)
			}
		})
	}
}

func TestUDPEchoCLI(t *testing.T) {
	srv := startServerCLI(t, "udp-echo", "--addr", "[::1]:0", "--size", "4")
	stdout, stderr, code := runCLI(t, context.Background(), "hi\n你好\n", "udp-client", srv.addr)
	// --size 4 cuts "你好" (6 bytes) to its first 4 bytes, like recvfrom(4).
	if want := "hi\n你\xe5\n"; code != 0 || stderr != "" || stdout != want {
		t.Fatalf("exit %d, stdout %q (want %q), stderr %q", code, stdout, want, stderr)
	}
	code, log := srv.stop(t)
	if code != 0 || !strings.Contains(log, "cut to 4 bytes, as recvfrom(4) does") || !strings.Contains(log, "got 2 bytes from [::1]:") {
		t.Fatalf("exit %d, log:\n%s", code, log)
	}
}

func TestUDPClientCLITimeout(t *testing.T) {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	addr := silent.LocalAddr().String()
	stdout, stderr, code := runCLI(t, context.Background(), "anyone?\n", "udp-client", "--timeout", "100ms", addr)
	want := "socketlab: receive " + addr + ": no reply within 100ms (UDP cannot tell a lost datagram from a silent server): i/o timeout [socket.timeout]\n"
	if code != 1 || stderr != want || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr\n%q\nwant\n%q", code, stdout, stderr, want)
	}
}

func TestUDPCLIErrors(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	taken := pc.LocalAddr().String()
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"udp-server", "--addr", taken}, 1, "socketlab: listen udp " + taken + ": address already in use [socket.error] — another socket is bound to this port " +
			"(a server still running? see 'ss -ltnup'); not TIME_WAIT: Go's net.Listen already sets SO_REUSEADDR on Unix; " +
			"stop the other program or pick another port (port 0 picks a free one)\n"},
		{[]string{"udp-echo", "--size", "0"}, 2, "socketlab: udp-echo: --size 0: out of range 1 to 65535 (see 'socketlab udp-echo --help')\n"},
		{[]string{"udp-echo", "--addr", "51423"}, 2, `socketlab: udp-echo: --addr: parse address "51423": a port alone is not an address; write :51423 (all interfaces) or 127.0.0.1:51423 [socket.gaierror]` + "\n"},
		{[]string{"udp-client", "--timeout", "0", "127.0.0.1:1"}, 2, "socketlab: udp-client: --timeout 0: out of range 1ms to 24h (see 'socketlab udp-client --help')\n"},
		{[]string{"udp-client", "127.0.0.1:x y"}, 2, `socketlab: udp-client: parse address "127.0.0.1:x y": invalid port "x y": use a number 0-65535 or a service name such as http [socket.gaierror]` + "\n"},
		{[]string{"udp-server", "extra"}, 2, "socketlab: udp-server: unexpected argument \"extra\"; the address is given with --addr\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != tc.code || stderr != tc.stderr {
			t.Errorf("%v: exit %d, stderr\n%q\nwant %d,\n%q", tc.args, code, stderr, tc.code, tc.stderr)
		}
	}
}
