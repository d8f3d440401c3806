package main

import (
	"context"
	"strings"
	"testing"

	"socketlab/core/toolbox"
)

func TestToolboxCLI(t *testing.T) {
	srv := zoneServer(t)
	little := toolbox.HostOrder() == "little-endian"
	for _, c := range []struct {
		args   []string
		stdout string // exact, or a required substring when prefixed by "~"
	}{
		{[]string{"toolbox"}, "~  socketpair [MESSAGE]            socketpair()                 two connected sockets; a message through them\n"},
		{[]string{"toolbox", "aton", "127.1"}, "inet_aton('127.1') = 7f 00 00 01   (127.0.0.1)\n" +
			"note: the strict inet_pton rejects it: inet_pton(AF_INET, \"127.1\"): not a dotted-quad IPv4 address like 192.0.2.1\n"},
		{[]string{"toolbox", "aton", "192.0.2.1"}, "inet_aton('192.0.2.1') = c0 00 02 01   (192.0.2.1)\n"},
		{[]string{"toolbox", "ntoa", "c0 00 02 01"}, "inet_ntoa(c0 00 02 01) = '192.0.2.1'\n"},
		{[]string{"toolbox", "pton", "AF_INET6", "2001:db8::1"}, "inet_pton(AF_INET6, '2001:db8::1') = 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01   (16 bytes)\n"},
		{[]string{"toolbox", "pton", "AF_INET", "192.0.2.1"}, "inet_pton(AF_INET, '192.0.2.1') = c0 00 02 01   (4 bytes)\n"},
		{[]string{"toolbox", "ntop", "AF_INET6", "00000000000000000000ffffc0000201"}, "inet_ntop(AF_INET6, 00 00 00 00 00 00 00 00 00 00 ff ff c0 00 02 01) = '::ffff:192.0.2.1'\n"},
		{[]string{"toolbox", "proto", "udp"}, "~getprotobyname('udp') = 17   [udp 17 UDP]\n"},
		{[]string{"toolbox", "proto", "1"}, "~getprotobynumber(1) = 'icmp'   [icmp 1 ICMP]\n"},
		{[]string{"toolbox", "serv", "--builtin", "22/tcp"}, "table: built-in table (55 services)\ngetservbyport(22, 'tcp') = 'ssh'   [ssh 22/tcp]\n"},
		{[]string{"toolbox", "--server", srv.Addr, "host", "www.example.test"},
			"gethostbyname_ex('www.example.test') via DNS server " + srv.Addr + "\n  name:      web.example.test\n  aliases:   www.example.test\n  addresses: 192.0.2.10\n"},
		{[]string{"toolbox", "--server", srv.Addr, "addr", "192.0.2.40"},
			"gethostbyaddr('192.0.2.40') via DNS server " + srv.Addr + "\n  name:      liar.example.test\n  aliases:   (none)\n  addresses: 192.0.2.40\n"},
		{[]string{"toolbox", "--server", srv.Addr, "fqdn", "192.0.2.10"}, "getfqdn('192.0.2.10') = 'web.example.test'\n"},
		{[]string{"toolbox", "socketpair", "ping"}, "a, b = socketpair(AF_UNIX, SOCK_STREAM): two sockets already connected to each other\n" +
			"a is unix, address (unnamed), peer (unnamed)\na.send(\"ping\") = 4\nb.recv(1024) = \"ping\"\nb.send(\"PING\") = 4\na.recv(1024) = \"PING\"\n"},
		{[]string{"toolbox", "timeout"}, "~  net.Dialer{}.Timeout   = 0s (Go adds no limit to connect)\n"},
		{[]string{"toolbox", "ipv6"}, "has_ipv6 = True   (a TCP socket could be bound to [::1]:0)\n"},
		{[]string{"toolbox", "hostname"}, "~gethostname() = '"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", c.args...)
		ok := stdout == c.stdout
		if sub, found := strings.CutPrefix(c.stdout, "~"); found {
			ok = strings.Contains(stdout, sub)
		}
		if code != 0 || !ok || stderr != "" {
			t.Errorf("%v: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", c.args, code, stdout, c.stdout, stderr)
		}
	}

	stdout, _, _ := runCLI(t, context.Background(), "", "toolbox", "order", "80")
	mem := "50 00"
	if !little {
		mem = "00 50"
	}
	for _, line := range []string{
		"x                  80          0x0050      " + mem + "\n",
		"htons(80)          ", // the value depends on the host's order; the bytes do not:
		"0x5000      00 50\n",
		"0x50000000  00 00 00 50\n",
	} {
		if little && !strings.Contains(stdout, line) {
			t.Errorf("toolbox order 80 lacks %q:\n%s", line, stdout)
		}
	}
	if !strings.Contains(stdout, "00 50\n") || !strings.Contains(stdout, "00 00 00 50\n") {
		t.Errorf("toolbox order 80: network order bytes missing:\n%s", stdout)
	}
}

func TestToolboxCLIErrors(t *testing.T) {
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"toolbox", "nosuch"}, 2, "socketlab: toolbox: unknown tool \"nosuch\"; run 'socketlab toolbox' for the list\n"},
		{[]string{"toolbox", "aton"}, 2, "socketlab: toolbox aton: usage: socketlab toolbox aton ADDR\n"},
		{[]string{"toolbox", "aton", "256.1.1.1"}, 1, "socketlab: inet_aton(\"256.1.1.1\"): part 1 is 256, more than 255\n"},
		{[]string{"toolbox", "pton", "AF_INET", "::1"}, 1, "socketlab: inet_pton(AF_INET, \"::1\"): that is an IPv6 address; use AF_INET6\n"},
		{[]string{"toolbox", "pton", "AF_UNIX", "::1"}, 2, "socketlab: toolbox pton: unknown address family \"AF_UNIX\": use AF_INET or AF_INET6\n"},
		{[]string{"toolbox", "ntoa", "c00002"}, 1, "socketlab: inet_ntoa: got 3 bytes (c0 00 02), want 4: an IPv4 address; for IPv6 use ntop AF_INET6\n"},
		{[]string{"toolbox", "ntoa", "xyz"}, 2, "socketlab: toolbox ntoa: \"xyz\" is not hex bytes (want e.g. c0000201 or \"c0 00 02 01\")\n"},
		{[]string{"toolbox", "ntop", "AF_INET", "c0000201ff"}, 1, "socketlab: inet_ntop(AF_INET): got 5 bytes, want 4\n"},
		{[]string{"toolbox", "order", "-1"}, 2, "socketlab: toolbox order: \"-1\": give a whole number from 0 to 4294967295 (decimal, or hex like 0x1f90)\n"},
		{[]string{"toolbox", "order", "4294967296"}, 2, "socketlab: toolbox order: \"4294967296\": give a whole number from 0 to 4294967295 (decimal, or hex like 0x1f90)\n"},
		{[]string{"toolbox", "proto", "TCPP"}, 1, "socketlab: protocol \"TCPP\" not found in "},
		{[]string{"toolbox", "proto", "300"}, 1, "socketlab: protocol number 300 not found in "},
		{[]string{"toolbox", "serv", "nosuch/tcp", "--builtin"}, 1, "socketlab: service \"nosuch\"/tcp not found in built-in table; see 'socketlab services --list'\n"},
		{[]string{"toolbox", "addr", "example"}, 2, "socketlab: toolbox addr: \"example\" is not an IP address (want e.g. 192.0.2.1 or 2001:db8::1)\n"},
		{[]string{"toolbox", "hostname", "extra"}, 2, "socketlab: toolbox hostname: usage: socketlab toolbox hostname\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", c.args...)
		if code != c.code || !strings.HasPrefix(stderr, c.stderr) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d\nstderr %q\nwant   %q", c.args, code, stderr, c.stderr)
		}
	}
}
