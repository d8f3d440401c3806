package layout

import (
	"net/netip"
	"testing"

	"socketlab/sim/dns"
	"socketlab/sim/trace"
)

// TestDNSLabel: a datagram to or from port 53 that is a DNS message is
// labelled by its question and answer; another datagram, or one to port
// 53 that does not parse, by its ports and length.
func TestDNSLabel(t *testing.T) {
	cli, srv := netip.MustParseAddrPort("10.0.0.1:49152"), netip.MustParseAddrPort("10.0.0.2:53")
	msg := func(m dns.Message) []byte {
		b, err := m.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	query := msg(dns.Message{ID: 7, RecursionDesired: true, Questions: []dns.Question{{Name: "2.0.0.10.in-addr.arpa", Type: dns.TypePTR, Class: 1}}})
	answer := msg(dns.Message{ID: 7, Response: true, Questions: []dns.Question{{Name: "www.example.test", Type: dns.TypeA, Class: 1}},
		Answers: []dns.RR{{Name: "www.example.test", Type: dns.TypeA, Class: 1, TTL: 60, Addr: netip.MustParseAddr("10.0.0.2")}}})
	nx := msg(dns.Message{ID: 8, Response: true, RCode: dns.RCodeNXDomain, Questions: []dns.Question{{Name: "9.0.0.10.in-addr.arpa", Type: dns.TypePTR, Class: 1}}})
	m := &Model{}
	for _, c := range []struct {
		p    trace.Packet
		want string
	}{
		{trace.Packet{Proto: trace.ProtoUDP, Src: cli, Dst: srv, Payload: query}, "DNS 49152→53 query PTR 2.0.0.10.in-addr.arpa"},
		{trace.Packet{Proto: trace.ProtoUDP, Src: srv, Dst: cli, Payload: answer}, "DNS 53→49152 answer A www.example.test: 10.0.0.2"},
		{trace.Packet{Proto: trace.ProtoUDP, Src: srv, Dst: cli, Payload: nx}, "DNS 53→49152 answer PTR 9.0.0.10.in-addr.arpa: no such name"},
		{trace.Packet{Proto: trace.ProtoUDP, Src: cli, Dst: srv, Payload: []byte("hello")}, "UDP 49152→53 len=5"},
		{trace.Packet{Proto: trace.ProtoUDP, Src: cli, Dst: netip.MustParseAddrPort("10.0.0.2:21567"), Payload: query}, "UDP 49152→21567 len=39"},
		{trace.Packet{Proto: trace.ProtoUDP, Src: cli, Dst: srv}, "UDP 49152→53 len=0"},
	} {
		if got := m.Label(&c.p); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
}

// TestDNSInspect: the inspector shows a DNS message's question and
// answer in place of its bytes as text (the hex dump still has them).
func TestDNSInspect(t *testing.T) {
	b, err := (&dns.Message{ID: 7, Questions: []dns.Question{{Name: "www.example.test", Type: dns.TypeA, Class: 1}}}).Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := trace.Packet{ID: 1, Proto: trace.ProtoUDP, Src: netip.MustParseAddrPort("10.0.0.1:49152"), Dst: netip.MustParseAddrPort("10.0.0.2:53"), Payload: b}
	m := NewModel(&trace.Trace{Header: trace.Header{Nodes: []trace.Node{{Name: "a"}, {Name: "b"}}}, Events: []trace.Event{
		{Kind: trace.KindSend, Node: "a", Peer: "b", Link: "l", Packet: p},
		{At: 1, Kind: trace.KindDeliver, Node: "b", Peer: "a", Link: "l", Packet: p}}})
	fs := m.Inspect(0)
	last := fs[len(fs)-1]
	if last != (Field{"dns", "query A www.example.test"}) {
		t.Fatalf("last field %q, want the DNS question", last)
	}
	for _, f := range fs {
		if f.Name == "text" {
			t.Fatalf("a text field beside the DNS one: %q", f)
		}
	}
}
