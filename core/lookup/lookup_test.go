package lookup_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"socketlab/core"
	"socketlab/core/lookup"
	"socketlab/core/lookup/dnstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newZone starts the teaching zone's server and returns clients that ask
// it over UDP and over TCP.
func newZone(t *testing.T) (srv *dnstest.Server, udp, tcp *lookup.Client) {
	t.Helper()
	srv, err := dnstest.NewServer(dnstest.Zone...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	udp, err = lookup.NewClient(srv.Addr, false)
	if err != nil {
		t.Fatal(err)
	}
	tcp, err = lookup.NewClient(srv.Addr, true)
	if err != nil {
		t.Fatal(err)
	}
	return srv, udp, tcp
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func TestForward(t *testing.T) {
	srv, udp, tcp := newZone(t)
	for _, c := range []struct {
		name, canonical string
		addrs           []netip.Addr
	}{
		{"www.example.test", "web.example.test", addrs("192.0.2.10", "2001:db8::10")},
		{"web.example.test.", "web.example.test", addrs("192.0.2.10", "2001:db8::10")},
		{"v4only.example.test", "v4only.example.test", addrs("192.0.2.60")},
		{"v6only.example.test", "v6only.example.test", addrs("2001:db8::60")},
		{"192.0.2.99", "192.0.2.99", addrs("192.0.2.99")}, // a literal needs no query
	} {
		for transport, cl := range map[string]*lookup.Client{"udp": udp, "tcp": tcp} {
			h, err := cl.Forward(ctxT(t), c.name)
			if err != nil {
				t.Fatalf("%s Forward(%q): %v", transport, c.name, err)
			}
			if h.Canonical != c.canonical || !reflect.DeepEqual(h.Addrs, c.addrs) {
				t.Errorf("%s Forward(%q) = %+v; want canonical %q, addrs %v", transport, c.name, h, c.canonical, c.addrs)
			}
		}
	}
	if u, tc := srv.Queries(); u == 0 || tc == 0 {
		t.Errorf("queries: udp %d, tcp %d; want both > 0", u, tc)
	}
}

func TestForwardRoundRobin(t *testing.T) {
	_, udp, _ := newZone(t)
	h, err := udp.Forward(ctxT(t), "round.example.test")
	if err != nil {
		t.Fatal(err)
	}
	// Go sorts by RFC 6724 for dialing; the set is what the zone holds.
	got := map[netip.Addr]bool{}
	for _, a := range h.Addrs {
		got[a] = true
	}
	if len(h.Addrs) != 2 || !got[netip.MustParseAddr("192.0.2.71")] || !got[netip.MustParseAddr("192.0.2.72")] {
		t.Errorf("round-robin addresses = %v", h.Addrs)
	}
}

func TestForwardNotFound(t *testing.T) {
	srv, udp, _ := newZone(t)
	_, err := udp.Forward(ctxT(t), "nosuch.example.test.")
	var ce *core.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v is not a *core.Error", err, err)
	}
	var de *net.DNSError
	if ce.Phase != lookup.PhaseForward || ce.Class != core.ClassAddress || !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("error = %#v", ce)
	}
	want := "look up address nosuch.example.test.: lookup nosuch.example.test. on " + srv.Addr + ": no such host [socket.gaierror]"
	if err.Error() != want {
		t.Errorf("error text\n got %q\nwant %q", err, want)
	}
}

func TestReverse(t *testing.T) {
	_, udp, tcp := newZone(t)
	for _, cl := range []*lookup.Client{udp, tcp} {
		for addr, want := range map[string][]string{
			"192.0.2.10":   {"web.example.test"},
			"2001:db8::10": {"web.example.test"},
			"192.0.2.50":   {"ghost.example.test", "multi.example.test"},
		} {
			names, err := cl.Reverse(ctxT(t), netip.MustParseAddr(addr))
			if err != nil || !reflect.DeepEqual(names, want) {
				t.Errorf("Reverse(%s) = %q, %v; want %q", addr, names, err, want)
			}
		}
	}
}

func TestReverseNoPTRIsHerror(t *testing.T) {
	srv, udp, _ := newZone(t)
	_, err := udp.Reverse(ctxT(t), netip.MustParseAddr("192.0.2.20"))
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Class != core.ClassHost || ce.Phase != lookup.PhaseReverse {
		t.Fatalf("error = %v, want a socket.herror from the reverse look-up", err)
	}
	want := "reverse look-up 192.0.2.20: lookup 20.2.0.192.in-addr.arpa. on " + srv.Addr + ": no such host [socket.herror]"
	if err.Error() != want {
		t.Errorf("error text\n got %q\nwant %q", err, want)
	}
}

func TestConfirm(t *testing.T) {
	_, udp, tcp := newZone(t)
	for _, c := range []struct {
		addr    string
		outcome lookup.Outcome
		name    string
		text    string
	}{
		{"192.0.2.10", lookup.Validated, "web.example.test", "Validated hostname: web.example.test"},
		{"2001:db8::10", lookup.Validated, "web.example.test", "Validated hostname: web.example.test"},
		{"::ffff:192.0.2.10", lookup.Validated, "web.example.test", "Validated hostname: web.example.test"},
		{"192.0.2.20", lookup.NoPTR, "", "No host names available for 192.0.2.20; this may be normal."},
		{"192.0.2.30", lookup.NotResolvable, "ghost.example.test",
			"Got hostname ghost.example.test, but it could not be forward-resolved: no such host"},
		{"192.0.2.40", lookup.Mismatch, "liar.example.test",
			"Got hostname liar.example.test, but on forward lookup,\noriginal IP 192.0.2.40 did not appear in IP address list [198.51.100.40]."},
		{"192.0.2.50", lookup.Validated, "multi.example.test", "Validated hostname: multi.example.test"},
	} {
		for _, cl := range []*lookup.Client{udp, tcp} {
			r, err := cl.Confirm(ctxT(t), netip.MustParseAddr(c.addr))
			if err != nil {
				t.Fatalf("Confirm(%s): %v", c.addr, err)
			}
			if r.Outcome != c.outcome || r.Name != c.name || r.String() != c.text {
				t.Errorf("Confirm(%s) = %v %q %q; want %v %q %q", c.addr, r.Outcome, r.Name, r.String(), c.outcome, c.name, c.text)
			}
			if r.Outcome.OK() != (c.outcome == lookup.Validated || c.outcome == lookup.NoPTR) {
				t.Errorf("Confirm(%s).Outcome.OK() = %v", c.addr, r.Outcome.OK())
			}
		}
	}
}

func TestConfirmChecksEachName(t *testing.T) {
	_, udp, _ := newZone(t)
	r, err := udp.Confirm(ctxT(t), netip.MustParseAddr("192.0.2.50"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Checks) != 2 || r.Checks[0].Name != "ghost.example.test" || r.Checks[0].Err == nil ||
		r.Checks[1].Name != "multi.example.test" || !reflect.DeepEqual(r.Checks[1].Addrs, addrs("192.0.2.50")) {
		t.Errorf("checks = %+v", r.Checks)
	}
}

// A server that never answers gives a timeout, bounded by the context.
func TestTimeout(t *testing.T) {
	silent, err := dnstest.NewSilent()
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for _, tcp := range []bool{false, true} {
		cl, err := lookup.NewClient(silent.Addr, tcp)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		_, err = cl.Forward(ctx, "www.example.test")
		cancel()
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Class != core.ClassTimeout || ce.Phase != lookup.PhaseForward {
			t.Fatalf("tcp=%v: error = %v, want a socket.timeout", tcp, err)
		}
		if !strings.Contains(err.Error(), silent.Addr) || strings.Contains(err.Error(), "\n") {
			t.Errorf("tcp=%v: error %q does not name the server on one line", tcp, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("tcp=%v: the look-up took %v despite a 300ms deadline", tcp, d)
		}
	}
	if silent.Queries() == 0 {
		t.Error("the silent server saw no query")
	}
	// The confirm check reports a timeout as an error, not as an outcome.
	cl, _ := lookup.NewClient(silent.Addr, false)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if r, err := cl.Confirm(ctx, netip.MustParseAddr("192.0.2.10")); err == nil || core.Classify(err) != core.ClassTimeout {
		t.Errorf("Confirm against a silent server = %+v, %v", r, err)
	}
}

func TestHostByName(t *testing.T) {
	_, udp, _ := newZone(t)
	e, err := udp.HostByName(ctxT(t), "www.example.test")
	want := &lookup.HostEntry{Name: "web.example.test", Aliases: []string{"www.example.test"}, Addrs: addrs("192.0.2.10")}
	if err != nil || !reflect.DeepEqual(e, want) {
		t.Errorf("HostByName(www) = %+v, %v; want %+v", e, err, want)
	}
	_, err = udp.HostByName(ctxT(t), "v6only.example.test")
	if core.Classify(err) != core.ClassAddress || !strings.Contains(err.Error(), "gethostbyname is IPv4 only") {
		t.Errorf("HostByName(v6only) error = %v", err)
	}
}

func TestHostByAddr(t *testing.T) {
	_, udp, _ := newZone(t)
	e, err := udp.HostByAddr(ctxT(t), netip.MustParseAddr("192.0.2.50"))
	want := &lookup.HostEntry{Name: "ghost.example.test", Aliases: []string{"multi.example.test"}, Addrs: addrs("192.0.2.50")}
	if err != nil || !reflect.DeepEqual(e, want) {
		t.Errorf("HostByAddr = %+v, %v; want %+v", e, err, want)
	}
}

func TestFQDN(t *testing.T) {
	_, udp, _ := newZone(t)
	for in, want := range map[string]string{
		"192.0.2.10":          "web.example.test",
		"www.example.test":    "web.example.test",
		"192.0.2.20":          "192.0.2.20", // no PTR: the name itself
		"nosuch.example.test": "nosuch.example.test",
	} {
		if got, err := udp.FQDN(ctxT(t), in); err != nil || got != want {
			t.Errorf("FQDN(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := udp.FQDN(ctxT(t), ""); err != nil || got == "" {
		t.Errorf("FQDN() = %q, %v", got, err)
	}
}

func TestNewClient(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1":      "127.0.0.1:53",
		"127.0.0.1:5353": "127.0.0.1:5353",
		"[::1]:5353":     "[::1]:5353",
		"::1":            "[::1]:53",
		"[::1]":          "[::1]:53",
		"ns.example:53":  "ns.example:53",
	} {
		c, err := lookup.NewClient(in, false)
		if err != nil || c.Server != want || c.Resolver == nil || !c.Resolver.PreferGo {
			t.Errorf("NewClient(%q) = %+v, %v; want server %q", in, c, err, want)
		}
	}
	for _, in := range []string{"127.0.0.1:http-x", "127.0.0.1:99999", ":53", "[::1"} {
		if _, err := lookup.NewClient(in, false); err == nil {
			t.Errorf("NewClient(%q) succeeded", in)
		}
	}
	if c, err := lookup.NewClient("", false); err != nil || c.Resolver != nil {
		t.Errorf("NewClient(\"\") = %+v, %v; want the system resolver", c, err)
	}
}

func TestParseAddr(t *testing.T) {
	for _, bad := range []string{"", "192.0.2", "192.0.2.256", "fe80::1%eth0", "www.example.test", "01.2.3.4"} {
		if _, err := lookup.ParseAddr(bad); err == nil {
			t.Errorf("ParseAddr(%q) succeeded", bad)
		}
	}
	if a, err := lookup.ParseAddr("::ffff:192.0.2.1"); err != nil || a != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("ParseAddr(mapped) = %v, %v", a, err)
	}
}

func TestNameServer(t *testing.T) {
	cl := &lookup.Client{Server: "127.0.0.1:5353"}
	err := core.Wrap("connect", "x", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", Server: "10.0.0.53:53"}})
	var de *net.DNSError
	if !errors.As(cl.NameServer(err), &de) || de.Server != "127.0.0.1:5353" {
		t.Errorf("NameServer did not correct the server: %v", err)
	}
	if (&lookup.Client{}).NameServer(nil) != nil {
		t.Error("NameServer(nil) != nil")
	}
}

func BenchmarkForward(b *testing.B) {
	srv, err := dnstest.NewServer(dnstest.Zone...)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for _, tcp := range []bool{false, true} {
		name := "udp"
		if tcp {
			name = "tcp"
		}
		b.Run(name, func(b *testing.B) {
			cl, _ := lookup.NewClient(srv.Addr, tcp)
			for b.Loop() {
				if _, err := cl.Forward(context.Background(), "web.example.test."); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkConfirm(b *testing.B) {
	srv, err := dnstest.NewServer(dnstest.Zone...)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cl, _ := lookup.NewClient(srv.Addr, false)
	addr := netip.MustParseAddr("192.0.2.10")
	for b.Loop() {
		if _, err := cl.Confirm(context.Background(), addr); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzNewClient checks the --server parser: no panic, one-line errors, and
// an accepted server is a HOST:PORT that net.SplitHostPort reads back.
func FuzzNewClient(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "127.0.0.1:53", "[::1]:5353", "::1", "[::1]", "a:b:c", ":", "[", "]:1", "h:0", "h:65536", "h:-1", "[fe80::1%eth0]:53"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := lookup.NewClient(s, false)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if s == "" {
			return
		}
		host, _, err := net.SplitHostPort(c.Server)
		if err != nil || host == "" {
			t.Fatalf("NewClient(%q).Server = %q: %v", s, c.Server, err)
		}
	})
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "::ffff:1.2.3.4", "fe80::1%lo", "", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := lookup.ParseAddr(s)
		if err != nil {
			return
		}
		if a.Zone() != "" || a.Is4In6() {
			t.Fatalf("ParseAddr(%q) = %v", s, a)
		}
		if b, err := lookup.ParseAddr(a.String()); err != nil || b != a {
			t.Fatalf("%q → %v → %v, %v", s, a, b, err)
		}
	})
}
