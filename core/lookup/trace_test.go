package lookup_test

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"socketlab/core"
	"socketlab/core/lookup"
	"socketlab/core/lookup/dnstest"
	"socketlab/sim/trace"
)

// tracedClient asks the teaching zone over transport ("udp" or "tcp")
// and records the client's events.
func tracedClient(t *testing.T, tcp bool) (*lookup.Client, netip.AddrPort, func() []trace.Event) {
	t.Helper()
	srv, err := dnstest.NewServer(dnstest.Zone...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cl, err := lookup.NewClient(srv.Addr, tcp)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var tr trace.Trace
	cl.Trace = core.NewTracer(core.LockedSink(trace.SinkFunc(func(e *trace.Event) {
		mu.Lock()
		defer mu.Unlock()
		tr.Emit(e)
	})))
	return cl, netip.MustParseAddrPort(srv.Addr), func() []trace.Event {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(tr.Events)
	}
}

// exchanges checks the socket events between two look-up events: every
// socket the resolver opened went connect, sendto, recvfrom, close with
// the server (one query, one answer), and it returns how many there were.
func exchanges(t *testing.T, evs []trace.Event, server netip.AddrPort) int {
	t.Helper()
	bySocket := map[netip.AddrPort][]trace.AppOp{}
	var order []netip.AddrPort
	for _, e := range evs {
		if e.Kind != trace.KindApp {
			continue
		}
		if e.Remote != server {
			t.Errorf("%v with %v, want the server %v", e.Op, e.Remote, server)
		}
		if (e.Op == trace.OpSendTo || e.Op == trace.OpRecvFrom) && (e.N < 12 || e.Text != "") {
			t.Errorf("%v of %d bytes %q: a DNS message is binary, at least 12 bytes", e.Op, e.N, e.Text)
		}
		if _, ok := bySocket[e.Socket]; !ok {
			order = append(order, e.Socket)
		}
		bySocket[e.Socket] = append(bySocket[e.Socket], e.Op)
	}
	for _, s := range order {
		if want := []trace.AppOp{trace.OpConnect, trace.OpSendTo, trace.OpRecvFrom, trace.OpClose}; !slices.Equal(bySocket[s], want) {
			t.Errorf("socket %v: %v, want %v", s, bySocket[s], want)
		}
	}
	return len(order)
}

// TestForwardTrace: a forward look-up is a dns-query, the resolver's UDP
// exchanges (A and AAAA at once), the dns-answer; then the same for the
// canonical name (A, AAAA and CNAME).
func TestForwardTrace(t *testing.T) {
	cl, server, events := tracedClient(t, false)
	h, err := cl.Forward(ctxT(t), "www.example.test")
	if err != nil {
		t.Fatal(err)
	}
	if h.Canonical != "web.example.test" {
		t.Fatalf("canonical %q", h.Canonical)
	}
	var looks []string // the look-up events, with the index of each
	var idx []int
	evs := events()
	for i, e := range evs {
		if e.Kind == trace.KindApp && (e.Op == trace.OpDNSQuery || e.Op == trace.OpDNSAnswer) {
			if e.Remote != server || e.Socket.IsValid() || e.Node != core.NodeClient {
				t.Errorf("%v at %v → %v on %q", e.Op, e.Socket, e.Remote, e.Node)
			}
			looks = append(looks, e.Op.String()+" "+strconv.Itoa(e.N)+" "+e.Text)
			idx = append(idx, i)
		}
	}
	want := []string{
		"dns-query 0 A/AAAA www.example.test",
		"dns-answer 2 192.0.2.10 2001:db8::10",
		"dns-query 0 CNAME www.example.test",
		"dns-answer 1 web.example.test",
	}
	if !slices.Equal(looks, want) {
		t.Fatalf("look-ups %q, want %q", looks, want)
	}
	if n := exchanges(t, evs[idx[0]+1:idx[1]], server); n != 2 {
		t.Errorf("%d UDP exchanges for A and AAAA, want 2", n)
	}
	if n := exchanges(t, evs[idx[2]+1:idx[3]], server); n != 3 {
		t.Errorf("%d UDP exchanges for the canonical name, want 3 (A, AAAA, CNAME)", n)
	}
}

// TestReverseTrace: over TCP the resolver's connections are streams, with
// connect-start; a name with no PTR record ends in an error event of class
// socket.herror.
func TestReverseTrace(t *testing.T) {
	cl, server, events := tracedClient(t, true)
	if _, err := cl.Reverse(ctxT(t), netip.MustParseAddr("192.0.2.10")); err != nil {
		t.Fatal(err)
	}
	evs := events()
	var ops []string
	for _, e := range evs {
		if e.Kind == trace.KindApp {
			ops = append(ops, e.Op.String())
		}
	}
	if len(ops) < 4 || ops[0] != "dns-query" || ops[1] != "connect-start" || ops[2] != "connect" ||
		ops[len(ops)-2] != "close" || ops[len(ops)-1] != "dns-answer" {
		t.Errorf("ops %q", ops)
	}
	if last := evs[len(evs)-1]; last.Text != "web.example.test" || last.N != 1 || last.Remote != server {
		t.Errorf("answer %+v", last)
	}
	cl, _, events = tracedClient(t, false)
	if _, err := cl.Reverse(ctxT(t), netip.MustParseAddr("192.0.2.222")); err == nil {
		t.Fatal("a name for an address without PTR")
	}
	evs = events()
	last := evs[len(evs)-1]
	if last.Op != trace.OpError || !strings.HasPrefix(last.Text, "reverse look-up: ") || !strings.HasSuffix(last.Text, "[socket.herror]") {
		t.Errorf("last event %v %q, want an error of class socket.herror", last.Op, last.Text)
	}
}
