package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"socketlab/sim/dns"
	"socketlab/sim/trace"
)

// classZone is the zone of the tests and the lessons: www is the server
// and its address names it back; 10.0.0.3's name does not resolve;
// 10.0.0.4's name resolves elsewhere; 10.0.0.5 has no name.
var classZone = []string{
	"www.example.test A 10.0.0.2",
	"10.0.0.2 PTR www.example.test",
	"10.0.0.3 PTR ghost.example.test",
	"4.0.0.10.in-addr.arpa. PTR liar.example.test.",
	"liar.example.test A 192.0.2.4",
}

// dnsLab runs progs (and a DNS server on dns:53 with classZone) for a
// second on a star: client, dns and server around router r; the client
// is 10 ms from the DNS server and 20 ms from the server.
func dnsLab(t *testing.T, progs ...Program) *trace.Trace {
	t.Helper()
	d := func(ms int) LinkParams { return LinkParams{Delay: Duration(time.Duration(ms) * time.Millisecond)} }
	sc := &Scenario{
		Name: "dns", Seed: 1, Duration: Duration(time.Second),
		Hosts: []NodeSpec{{Name: "client", Addrs: []string{"10.0.0.1"}}, {Name: "dns", Addrs: []string{"10.0.0.53"}},
			{Name: "server", Addrs: []string{"10.0.0.2"}}},
		Routers: []NodeSpec{{Name: "r"}},
		Links: []LinkSpec{{ID: "l1", A: "client", B: "r", AB: d(5), BA: d(5)}, {ID: "l2", A: "r", B: "dns", AB: d(5), BA: d(5)},
			{ID: "l3", A: "r", B: "server", AB: d(15), BA: d(15)}},
		Programs: append([]Program{{Type: "dns-server", Host: "dns", Port: 53, Records: classZone}}, progs...),
	}
	if _, err := ParseScenario(mustEncodeScenario(t, sc)); err != nil {
		t.Fatal(err)
	}
	s, tr := mustNew(t, sc)
	s.RunUntil(time.Second)
	return tr
}

func mustEncodeScenario(t *testing.T, sc *Scenario) []byte {
	t.Helper()
	b, err := sc.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// appCalls lists a node's socket calls with their text, and its notes.
func appCalls(tr *trace.Trace, node string) string {
	var b strings.Builder
	for _, e := range tr.Events {
		switch {
		case e.Node != node:
		case e.Kind == trace.KindApp:
			fmt.Fprintf(&b, "%v %s %d %s\n", e.At, e.Op, e.N, e.Text)
		case e.Kind == trace.KindNote:
			fmt.Fprintf(&b, "%v note %s\n", e.At, e.Text)
		}
	}
	return b.String()
}

// hostSends lists the packets hosts put on the wire: time, sender,
// protocol, ports, TCP flags, and a DNS message's summary.
func hostSends(tr *trace.Trace) string {
	var b strings.Builder
	for _, e := range events(tr, trace.KindSend) {
		p := &e.Packet
		if e.Node == "r" {
			continue
		}
		fmt.Fprintf(&b, "%v %s %s %d>%d", e.At, e.Node, p.Proto, p.Src.Port(), p.Dst.Port())
		switch {
		case p.Proto == trace.ProtoTCP:
			fmt.Fprintf(&b, " %s", p.Flags)
		case p.Proto == trace.ProtoUDP:
			fmt.Fprintf(&b, " %s", dns.Summary(p.Payload))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// The information example: getservbyname and the two getxxxname calls
// send nothing; the address look-up is the first packet (from the first
// ephemeral port, so the connection takes the second), then the
// handshake to port 80.
func TestInfoClient(t *testing.T) {
	tr := dnsLab(t, Program{Type: "info-client", Host: "client", Server: "dns:53", Name: "www.example.test"},
		Program{Type: "tcp-hold-server", Host: "server", Port: 80, Work: Duration(time.Second)})
	checkText(t, "packets", hostSends(tr), `0s client udp 49152>53 DNS query A www.example.test
10ms dns udp 53>49152 DNS answer A www.example.test: 10.0.0.2
20ms client tcp 49153>80 SYN
40ms server tcp 80>49153 SYN,ACK
60ms client tcp 49153>80 ACK
60ms client tcp 49153>80 FIN,ACK
80ms server tcp 80>49153 ACK
`)
	checkText(t, "client calls", appCalls(tr, "client"), `0s getservbyname 0 getservbyname('http', 'tcp') = 80
0s dns-query 0 A www.example.test
0s sendto 34 DNS query A www.example.test
20ms recvfrom 50 DNS answer A www.example.test: 10.0.0.2
20ms close 0 
20ms dns-answer 1 A www.example.test: 10.0.0.2
60ms connect 0 
60ms getsockname 0 ('10.0.0.1', 49153)
60ms getpeername 0 ('10.0.0.2', 80)
60ms close 0 
`)
	checkText(t, "server calls", appCalls(tr, "dns"), `10ms recvfrom 34 DNS query A www.example.test
10ms sendto 50 DNS answer A www.example.test: 10.0.0.2
`)
	for _, e := range events(tr, trace.KindApp) {
		if e.Op == trace.OpGetSockName && e.Socket.String() != "10.0.0.1:49153" || e.Op == trace.OpGetPeerName && e.Remote.String() != "10.0.0.2:80" {
			t.Errorf("%s returns %v / %v", e.Op, e.Socket, e.Remote)
		}
	}

	// A name the zone does not know: the look-up fails, nothing connects.
	tr = dnsLab(t, Program{Type: "info-client", Host: "client", Server: "dns:53", Name: "nosuch.example.test", Service: "ssh"})
	checkText(t, "unknown name", appCalls(tr, "client"), `0s getservbyname 0 getservbyname('ssh', 'tcp') = 22
0s dns-query 0 A nosuch.example.test
0s sendto 37 DNS query A nosuch.example.test
20ms recvfrom 37 DNS answer A nosuch.example.test: no such name
20ms close 0 
20ms dns-answer 0 A nosuch.example.test: no such name
20ms error 0 connect: socket.gaierror: [Errno -2] Name or service not known
`)
	// No DNS server: the look-up times out (the query meets an ICMP port
	// unreachable, which an unconnected socket does not hear).
	tr = dnsLab(t, Program{Type: "info-client", Host: "client", Server: "server:53", Name: "www.example.test", Timeout: Duration(300 * time.Millisecond)})
	if got := appCalls(tr, "client"); !strings.HasSuffix(got, `300ms close 0 
300ms dns-answer 0 A www.example.test: timed out after 300ms
300ms error 0 connect: socket.gaierror: [Errno -3] Temporary failure in name resolution
`) {
		t.Errorf("no DNS server:\n%s", got)
	}
}

// The three outcomes the textbook names, and the confirmed one: two
// queries (PTR, then A), or one when the address has no name.
func TestFCrDNSOutcomes(t *testing.T) {
	for _, tc := range []struct {
		addr, outcome, note string
		queries             int
	}{
		{"10.0.0.2", "confirmed", "Validated hostname: www.example.test", 2},
		{"10.0.0.5", "no-ptr", "No host names available for 10.0.0.5; this may be normal.", 1},
		{"10.0.0.3", "no-forward", "Got hostname ghost.example.test, but it could not be forward-resolved: [Errno -2] Name or service not known", 2},
		{"10.0.0.4", "mismatch", "Got hostname liar.example.test, but on forward lookup, original IP 10.0.0.4 did not appear in IP address list [192.0.2.4].", 2},
	} {
		tr := dnsLab(t, Program{Type: "fcrdns-client", Host: "client", Server: "dns:53", Address: tc.addr})
		var got []string
		queries := 0
		for _, e := range tr.Events {
			switch {
			case e.Node != "client":
			case e.Kind == trace.KindApp && e.Op == trace.OpFCrDNS, e.Kind == trace.KindNote:
				got = append(got, e.Text)
			case e.Kind == trace.KindSend && e.Packet.Proto == trace.ProtoUDP:
				queries++
			}
		}
		if want := []string{tc.note, tc.outcome}; strings.Join(got, "|") != strings.Join(want, "|") || queries != tc.queries {
			t.Errorf("%s: %q after %d queries, want %q after %d", tc.addr, got, queries, want, tc.queries)
		}
	}
	tr := dnsLab(t, Program{Type: "fcrdns-client", Host: "client", Server: "dns:53", Address: "10.0.0.4"})
	checkText(t, "mismatch", hostSends(tr), `0s client udp 49152>53 DNS query PTR 4.0.0.10.in-addr.arpa
10ms dns udp 53>49152 DNS answer PTR 4.0.0.10.in-addr.arpa: liar.example.test
20ms client udp 49153>53 DNS query A liar.example.test
30ms dns udp 53>49153 DNS answer A liar.example.test: 192.0.2.4
`)
}

// The datagrams are RFC 1035 messages, byte for byte: the query's ID
// comes from the seed, the answer's name is a pointer to the question's.
func TestDNSWireBytes(t *testing.T) {
	tr := dnsLab(t, Program{Type: "fcrdns-client", Host: "client", Server: "dns:53", Address: "10.0.0.2"})
	var got []string
	for _, e := range events(tr, trace.KindSend) {
		if e.Packet.Proto == trace.ProtoUDP && e.Node != "r" {
			got = append(got, fmt.Sprintf("%x", e.Packet.Payload))
		}
	}
	want := []string{
		// ID b800, RD; 1 question: 2.0.0.10.in-addr.arpa PTR IN
		"b800" + "0100" + "0001000000000000" + "0132013001300231300769" + "6e2d61646472046172706100" + "000c0001",
		// QR AA RD; the question again; the answer: c00c PTR IN TTL 300, 18 bytes: www.example.test
		"b800" + "8500" + "0001000100000000" + "0132013001300231300769" + "6e2d61646472046172706100" + "000c0001" +
			"c00c000c00010000012c0012" + "03777777076578616d706c650474657374" + "00",
		"6132" + "0100" + "0001000000000000" + "03777777076578616d706c65047465737400" + "00010001",
		"6132" + "8500" + "0001000100000000" + "03777777076578616d706c65047465737400" + "00010001" + "c00c000100010000012c0004" + "0a000002",
	}
	checkText(t, "datagrams", strings.Join(got, "\n"), strings.Join(want, "\n"))
	// Another seed, other IDs; the same seed, the same trace.
	a, b := dnsLab(t, Program{Type: "fcrdns-client", Host: "client", Server: "dns:53", Address: "10.0.0.2"}), tr
	if fmt.Sprint(a.Events) != fmt.Sprint(b.Events) {
		t.Error("two runs of one scenario differ")
	}
}

func TestDNSProgramErrors(t *testing.T) {
	base := func(prog string) string {
		return edit(`{"type": "udp-echo-client", "host": "a", "server": "b:7"}`, prog)
	}
	for _, tc := range []struct{ prog, want string }{
		{`{"type": "dns-server", "host": "b", "port": 53, "records": ["www A 10.0.0.2", "www B 1.2.3.4"]}`,
			`programs[1].records[1]: "www B 1.2.3.4": type "B" is not A, AAAA or PTR`},
		{`{"type": "dns-server", "host": "b", "port": 53, "records": ["www A fd00::2"]}`,
			`programs[1].records[0]: "www A fd00::2": "fd00::2" is not an IPv4 address`},
		{`{"type": "dns-server", "host": "b", "port": 53, "records": ["www AAAA 10.0.0.2"]}`,
			`programs[1].records[0]: "www AAAA 10.0.0.2": "10.0.0.2" is not an IPv6 address`},
		{`{"type": "dns-server", "host": "b", "port": 53, "records": ["www A"]}`,
			`programs[1].records[0]: "www A": want NAME TYPE VALUE, e.g. "www.example.test A 10.0.0.2"`},
		{`{"type": "dns-server", "host": "b", "port": 53, "records": ["a..b PTR www"]}`,
			`programs[1].records[0]: "a..b PTR www": name "a..b": a label must have 1 to 63 bytes`},
		{`{"type": "info-client", "host": "a", "server": "b:53", "name": "www", "service": "htp"}`,
			`programs[1].service: "htp" is not in the simulator's services table (daytime, discard, domain, echo, ftp, http, https, imap, pop3, smtp, ssh, telnet)`},
		{`{"type": "info-client", "host": "a", "server": "b:53"}`,
			`programs[1].name: "" is not a host name: give the name to connect to, e.g. "www.example.test"`},
		{`{"type": "fcrdns-client", "host": "a", "server": "b:53", "address": "10.0.0.256"}`,
			`programs[1].address: "10.0.0.256" is not an IP address: give the address to check, e.g. "10.0.0.2"`},
		{`{"type": "fcrdns-client", "host": "a", "address": "10.0.0.2"}`, `programs[1].server: `},
		{`{"type": "dns-server", "host": "b", "port": 53, "records": ["10.0.0.2 PTR www.example.test", "www AAAA fd00::2"]}`, ""},
	} {
		_, err := ParseScenario([]byte(base(tc.prog)))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.prog, err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("got error %v\nwant       %s", err, tc.want)
		}
	}
}

// Over IPv6 the reverse name is under ip6.arpa and the forward look-up
// asks for AAAA; a datagram that is no DNS query gets no answer.
func TestFCrDNSIPv6AndNonsense(t *testing.T) {
	d := LinkParams{Delay: Duration(10 * time.Millisecond)}
	sc := &Scenario{
		Name: "dns6", Seed: 1, Duration: Duration(time.Second),
		Hosts: []NodeSpec{{Name: "client", Addrs: []string{"fd00::1"}}, {Name: "dns", Addrs: []string{"fd00::53"}}},
		Links: []LinkSpec{{ID: "l1", A: "client", B: "dns", AB: d, BA: d}},
		Programs: []Program{
			{Type: "dns-server", Host: "dns", Port: 53, Records: []string{"fd00::2 PTR www.example.test", "www.example.test AAAA fd00::2"}},
			{Type: "fcrdns-client", Host: "client", Server: "dns:53", Address: "fd00::2"},
			{Type: "udp-echo-client", Host: "client", Server: "dns:53", Start: Duration(100 * time.Millisecond), Messages: []string{"hello"},
				Timeout: Duration(100 * time.Millisecond)},
		},
	}
	s, tr := mustNew(t, sc)
	s.RunUntil(time.Second)
	checkText(t, "packets", hostSends(tr), `0s client udp 49152>53 DNS query PTR 2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa
10ms dns udp 53>49152 DNS answer PTR 2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa: www.example.test
20ms client udp 49153>53 DNS query AAAA www.example.test
30ms dns udp 53>49153 DNS answer AAAA www.example.test: fd00::2
100ms client udp 49154>53 DNS? 5 bytes, shorter than the 12-byte header
`)
	if !strings.Contains(appCalls(tr, "client"), "40ms fcrdns 0 confirmed") {
		t.Errorf("not confirmed:\n%s", appCalls(tr, "client"))
	}
}
