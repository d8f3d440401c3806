package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"socketlab/core/lookup/dnstest"
)

// zoneServer starts the teaching zone (dnstest.Zone) on loopback.
func zoneServer(t *testing.T) *dnstest.Server {
	t.Helper()
	srv, err := dnstest.NewServer(dnstest.Zone...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestDNSForwardCLI(t *testing.T) {
	srv := zoneServer(t)
	for _, transport := range [][]string{nil, {"--tcp"}} {
		args := append([]string{"dns", "www.example.test", "--server", srv.Addr}, transport...)
		stdout, stderr, code := runCLI(t, context.Background(), "", args...)
		want := `getaddrinfo("www.example.test", None, 0, SOCK_STREAM) via DNS server ` + srv.Addr + "\n" +
			"canonical name: web.example.test\n" +
			"  AF_INET   SOCK_STREAM  proto 6  192.0.2.10\n" +
			"  AF_INET6  SOCK_STREAM  proto 6  2001:db8::10\n"
		if code != 0 || stdout != want || stderr != "" {
			t.Errorf("%v: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", args, code, stdout, want, stderr)
		}
	}
	if _, tcp := srv.Queries(); tcp == 0 {
		t.Error("--tcp sent no query over TCP")
	}
}

func TestDNSReverseCLI(t *testing.T) {
	srv := zoneServer(t)
	stdout, stderr, code := runCLI(t, context.Background(), "", "dns", "--server", srv.Addr, "-x", "192.0.2.50")
	want := `gethostbyaddr("192.0.2.50") via DNS server ` + srv.Addr + "\n" +
		"  name:      ghost.example.test\n  aliases:   multi.example.test\n  addresses: 192.0.2.50\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", code, stdout, want, stderr)
	}
}

func TestDNSCLIErrors(t *testing.T) {
	srv := zoneServer(t)
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"dns", "nosuch.example.test.", "--server", srv.Addr}, 1,
			"socketlab: look up address nosuch.example.test.: lookup nosuch.example.test. on " + srv.Addr +
				": no such host [socket.gaierror]; check the spelling of the name, or ask another server with --server\n"},
		{[]string{"dns", "-x", "192.0.2.20", "--server", srv.Addr}, 1,
			"socketlab: reverse look-up 192.0.2.20: lookup 20.2.0.192.in-addr.arpa. on " + srv.Addr +
				": no such host [socket.herror]; the address has no name (no PTR record)\n"},
		{[]string{"dns", "-x", "192.0.2.256"}, 2,
			"socketlab: dns -x: \"192.0.2.256\" is not an IP address (want e.g. 192.0.2.1 or 2001:db8::1)\n"},
		{[]string{"dns"}, 2, "socketlab: dns: give one NAME to look up, or -x ADDR (see 'socketlab dns --help')\n"},
		{[]string{"dns", "a", "b"}, 2, "socketlab: dns: give one NAME to look up, or -x ADDR (see 'socketlab dns --help')\n"},
		{[]string{"dns", "a", "-x", "192.0.2.1"}, 2, "socketlab: dns: give either a NAME or -x ADDR, not both\n"},
		{[]string{"dns", "a", "--tcp"}, 2, "socketlab: dns: --tcp needs --server (the system resolver chooses its own transport)\n"},
		{[]string{"dns", "a", "--server", "127.0.0.1:99999"}, 2, "socketlab: dns: --server: DNS server \"127.0.0.1:99999\": bad port \"99999\"\n"},
		{[]string{"dns", "a", "--timeout", "-1s"}, 2, "socketlab: dns: --timeout -1s: out of range 0s to 24h (see 'socketlab dns --help')\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", c.args...)
		if code != c.code || stderr != c.stderr || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q\nstderr %q\nwant   %q", c.args, code, stdout, stderr, c.stderr)
		}
	}
}

// A server that reads queries and never answers: one line naming the
// timeout, exit 1, within the --timeout.
func TestDNSCLITimeout(t *testing.T) {
	silent, err := dnstest.NewSilent()
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for _, args := range [][]string{
		{"dns", "www.example.test", "--server", silent.Addr, "--timeout", "300ms"},
		{"dns", "--tcp", "-x", "192.0.2.10", "--server", silent.Addr, "--timeout", "300ms"},
		{"fcrdns", "192.0.2.10", "--server", silent.Addr, "--timeout", "300ms"},
	} {
		start := time.Now()
		stdout, stderr, code := runCLI(t, context.Background(), "", args...)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%v took %v", args, d)
		}
		if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
			!strings.Contains(stderr, "on "+silent.Addr+": i/o timeout [socket.timeout]; no answer within 300ms: is the DNS server running?") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

func TestFCrDNSCLI(t *testing.T) {
	srv := zoneServer(t)
	for _, c := range []struct {
		addr           string
		code           int
		stdout, stderr string
	}{
		{"192.0.2.10", 0, "reverse: 192.0.2.10 → web.example.test\nforward: web.example.test → 192.0.2.10 2001:db8::10\nValidated hostname: web.example.test\n", ""},
		{"2001:db8::10", 0, "reverse: 2001:db8::10 → web.example.test\nforward: web.example.test → 192.0.2.10 2001:db8::10\nValidated hostname: web.example.test\n", ""},
		{"192.0.2.20", 0, "reverse: 192.0.2.20 → (no name)\nNo host names available for 192.0.2.20; this may be normal.\n", ""},
		{"192.0.2.30", 1, "reverse: 192.0.2.30 → ghost.example.test\nforward: ghost.example.test → (does not resolve)\n" +
			"Got hostname ghost.example.test, but it could not be forward-resolved: no such host\n",
			"socketlab: fcrdns 192.0.2.30: not confirmed: its name ghost.example.test does not resolve\n"},
		{"192.0.2.40", 1, "reverse: 192.0.2.40 → liar.example.test\nforward: liar.example.test → 198.51.100.40\n" +
			"Got hostname liar.example.test, but on forward lookup,\noriginal IP 192.0.2.40 did not appear in IP address list [198.51.100.40].\n",
			"socketlab: fcrdns 192.0.2.40: not confirmed: its name liar.example.test resolves elsewhere; someone may be playing tricks\n"},
		{"192.0.2.50", 0, "reverse: 192.0.2.50 → ghost.example.test multi.example.test\nforward: ghost.example.test → (does not resolve)\n" +
			"forward: multi.example.test → 192.0.2.50\nValidated hostname: multi.example.test\n", ""},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", "fcrdns", "--server", srv.Addr, c.addr)
		if code != c.code || stdout != c.stdout || stderr != c.stderr {
			t.Errorf("fcrdns %s: exit %d\nstdout:\n%s\nwant:\n%s\nstderr %q\nwant   %q", c.addr, code, stdout, c.stdout, stderr, c.stderr)
		}
	}
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"fcrdns"}, "socketlab: fcrdns: give one IP address to check (see 'socketlab fcrdns --help')\n"},
		{[]string{"fcrdns", "web.example.test"}, "socketlab: fcrdns: \"web.example.test\" is not an IP address (want e.g. 192.0.2.1 or 2001:db8::1)\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", c.args...)
		if code != 2 || stderr != c.stderr {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.stderr)
		}
	}
}
