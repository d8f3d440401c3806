package main

import (
	"context"
	"strings"
	"testing"
)

func TestSocketServerCLI(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "[::1]:0"} {
		t.Run(listen, func(t *testing.T) {
			srv := startServerCLI(t, "socketserver-server", "--addr", listen)
			stdout, stderr, code := runCLI(t, context.Background(), "fds\nfsdfsdfsd\n", "socketserver-client", srv.addr)
			if code != 0 || stderr != "" {
				t.Fatalf("socketserver-client: exit %d, stderr %q", code, stderr)
			}
			// The reply's "\r\n" is stripped, as the textbook's strip() does.
			checkReplies(t, stdout, "fds", "fsdfsdfsd")
			code, log := srv.stop(t)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			// One connection per message.
			if n := strings.Count(log, "...connected from "); n != 2 {
				t.Fatalf("%d connections for 2 messages:\n%s", n, log)
			}
		})
	}
}

func TestSocketServerClientCLIErrors(t *testing.T) {
	refused := freeAddr(t)
	_, stderr, code := runCLI(t, context.Background(), "x\n", "socketserver-client", refused)
	if want := "socketlab: connect " + refused + ": connection refused [socket.error]; is a server listening on that port?\n"; code != 1 || stderr != want {
		t.Fatalf("exit %d, stderr %q, want %q", code, stderr, want)
	}
	_, stderr, code = runCLI(t, context.Background(), "", "socketserver-client", "--timeout", "fast", "127.0.0.1:1")
	// One line naming the flag, no usage dump.
	if code != 2 || stderr != "socketlab: socketserver-client: --timeout fast: want a duration such as 10s or 250ms (0s to 24h) (see 'socketlab socketserver-client --help')\n" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
