package sim

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/dns"
	"socketlab/sim/trace"
)

// The textbook's name chapter: a DNS server answering from a zone in the
// scenario, the information example (a client that looks up a service's
// port and a host's address before it connects, then asks its socket
// for both ends) and the forward-confirmed reverse look-up. Their DNS
// messages are RFC 1035's wire format (package sim/dns), so a pcap of a
// run decodes as DNS.

// zoneTTL is the TTL of every record the DNS server gives.
const zoneTTL = 300

// parseRecord reads one zone record, "NAME TYPE VALUE": "www.example.test
// A 10.0.0.2", "www.example.test AAAA fd00::2", "10.0.0.2 PTR
// www.example.test" (an address as NAME stands for its reverse name) or
// "2.0.0.10.in-addr.arpa PTR www.example.test". A trailing dot is allowed.
func parseRecord(s string) (dns.RR, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return dns.RR{}, fmt.Errorf("%q: want NAME TYPE VALUE, e.g. \"www.example.test A 10.0.0.2\"", s)
	}
	rr := dns.RR{Name: strings.TrimSuffix(f[0], "."), Class: dns.ClassIN, TTL: zoneTTL}
	switch strings.ToUpper(f[1]) {
	case "A", "AAAA":
		rr.Type = dns.TypeA
		if strings.ToUpper(f[1]) == "AAAA" {
			rr.Type = dns.TypeAAAA
		}
		a, err := netip.ParseAddr(f[2])
		if err != nil || a.Zone() != "" || a.Is4() != (rr.Type == dns.TypeA) {
			return dns.RR{}, fmt.Errorf("%q: %q is not an %s address", s, f[2], dns.Family(rr.Type))
		}
		rr.Addr = a
	case "PTR":
		rr.Type = dns.TypePTR
		if a, err := netip.ParseAddr(rr.Name); err == nil {
			rr.Name = dns.ReverseName(a)
		}
		rr.Target = strings.TrimSuffix(f[2], ".")
	default:
		return dns.RR{}, fmt.Errorf("%q: type %q is not A, AAAA or PTR", s, f[1])
	}
	// The names must be writable on the wire.
	if _, err := (&dns.Message{Answers: []dns.RR{rr}}).Append(nil); err != nil {
		return dns.RR{}, fmt.Errorf("%q: %s", s, strings.TrimPrefix(err.Error(), "dns: answer 1: "))
	}
	return rr, nil
}

func checkDNSServer(c *checker, p string, pr Program) {
	for j, r := range pr.Records {
		if _, err := parseRecord(r); err != nil {
			c.fail(fmt.Sprintf("%s.records[%d]", p, j), "%v", err)
		}
	}
}

// services is the table getservbyname reads in the simulator: the
// well-known TCP ports of /etc/services that the tutorials name.
var services = map[string]int{
	"echo": 7, "discard": 9, "daytime": 13, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25,
	"domain": 53, "http": 80, "pop3": 110, "imap": 143, "https": 443,
}

func serviceOf(p Program) string {
	if p.Service == "" {
		return "http"
	}
	return p.Service
}

func checkInfoClient(c *checker, p string, pr Program) {
	if _, ok := services[serviceOf(pr)]; !ok {
		names := make([]string, 0, len(services))
		for n := range services {
			names = append(names, n)
		}
		slices.Sort(names)
		c.fail(p+".service", "%q is not in the simulator's services table (%s)", pr.Service, strings.Join(names, ", "))
	}
	if _, err := (&dns.Message{Questions: []dns.Question{{Name: pr.Name}}}).Append(nil); err != nil || pr.Name == "" {
		c.fail(p+".name", "%q is not a host name: give the name to connect to, e.g. \"www.example.test\"", pr.Name)
	}
}

func checkFCrDNSClient(c *checker, p string, pr Program) {
	if a, err := netip.ParseAddr(pr.Address); err != nil || a.Zone() != "" {
		c.fail(p+".address", "%q is not an IP address: give the address to check, e.g. \"10.0.0.2\"", pr.Address)
	}
}

// dnsServer answers A, AAAA and PTR queries over UDP from its zone
// (Program.Records): the records of the name and type asked, NXDOMAIN
// for a name it has no record of, an empty answer for a name it has
// other records of. It is authoritative and does no recursion.
type dnsServer struct {
	h    *Host
	p    Program
	u    *UDPConn
	zone []dns.RR
}

func (sv *dnsServer) start() {
	for _, r := range sv.p.Records {
		rr, _ := parseRecord(r) // checked with the scenario
		sv.zone = append(sv.zone, rr)
	}
	u, err := sv.h.ListenUDP(uint16(sv.p.Port))
	if err != nil {
		return
	}
	u.describe = dns.Summary
	sv.u = u
	sv.loop()
}

func (sv *dnsServer) loop() {
	sv.u.RecvFrom(512, func(data []byte, from netip.AddrPort, err error) {
		if err != nil {
			sv.loop()
			return
		}
		q, perr := dns.Parse(data)
		if perr != nil || q.Response || len(q.Questions) != 1 {
			// Not a query it can answer: a real server might say FORMERR,
			// this one stays silent, and the resolver times out.
			sv.loop()
			return
		}
		reply := sv.answer(q)
		pause(sv.h, sv.p.Work, func() { sv.u.SendTo(reply, from); sv.loop() })
	})
}

func (sv *dnsServer) answer(q *dns.Message) []byte {
	m := &dns.Message{ID: q.ID, Response: true, Authoritative: true, RecursionDesired: q.RecursionDesired, Questions: q.Questions}
	qq := q.Questions[0]
	known := false
	for _, rr := range sv.zone {
		if !dns.EqualNames(rr.Name, qq.Name) {
			continue
		}
		known = true
		if rr.Type == qq.Type && qq.Class == dns.ClassIN {
			rr.Name = qq.Name // as asked: its case, and a pointer to the question
			m.Answers = append(m.Answers, rr)
		}
	}
	if !known {
		m.RCode = dns.RCodeNXDomain
	}
	b, err := m.Append(nil)
	if err != nil { // the question came off the wire and the zone was checked
		panic("sim: a DNS answer does not encode: " + err.Error())
	}
	return b
}

// lookup is the C library's stub resolver as the simulator runs it: one
// UDP socket per question, the query sent to server, the first answer
// with the query's ID taken, or nothing after timeout (0 = 1 s). The
// trace shows a dns-query when it starts and a dns-answer at the end
// (N = the records of the type asked, Text them), and between them the
// socket's calls. cb gets the records of the type asked, and the
// answer's RCODE; ok is false after a timeout.
func (h *Host) lookup(server netip.AddrPort, timeout Duration, qtype uint16, name string, cb func(rrs []dns.RR, rcode uint8, ok bool)) {
	s := h.sim
	what := dns.TypeString(qtype) + " " + name
	s.app(h, trace.OpDNSQuery, netip.AddrPort{}, server, 0, nil, what)
	u, err := h.ListenUDP(0)
	if err != nil { // no ephemeral port left: fail, but never from inside the call
		h.After(0, func() {
			s.app(h, trace.OpDNSAnswer, netip.AddrPort{}, server, 0, nil, what+": "+err.Error())
			cb(nil, dns.RCodeServFail, false)
		})
		return
	}
	u.describe = dns.Summary
	// The ID is random, as a resolver's must be, from a stream of its own:
	// the local port makes each query's stream different.
	pcg := newStream(s.sc.Seed, newNameHash().str("dns-id").str(h.name).addrPort(u.local))
	id := uint16(pcg.Uint64() >> 48)
	q, err := (&dns.Message{ID: id, RecursionDesired: true, Questions: []dns.Question{{Name: name, Type: qtype, Class: dns.ClassIN}}}).Append(nil)
	if err != nil { // names are checked with the scenario, PTR names built
		panic("sim: a DNS query does not encode: " + err.Error())
	}
	u.SendTo(q, server)
	if timeout == 0 {
		timeout = Duration(time.Second)
	}
	var timer *Timer
	finish := func(rrs []dns.RR, rcode uint8, ok bool, text string) {
		timer.Stop()
		u.Close()
		s.app(h, trace.OpDNSAnswer, netip.AddrPort{}, server, len(rrs), nil, what+": "+text)
		cb(rrs, rcode, ok)
	}
	var wait func()
	wait = func() {
		u.RecvFrom(512, func(data []byte, _ netip.AddrPort, err error) {
			m, perr := dns.Parse(data)
			if err != nil || perr != nil || !m.Response || m.ID != id {
				wait() // not the answer: keep waiting until the timeout
				return
			}
			var rrs []dns.RR
			var vals []string
			for _, rr := range m.Answers {
				if rr.Type == qtype {
					rrs = append(rrs, rr)
					vals = append(vals, rr.Value())
				}
			}
			text := strings.Join(vals, " ")
			switch {
			case m.RCode == dns.RCodeNXDomain:
				text = "no such name"
			case m.RCode != dns.RCodeSuccess:
				text = "error " + strconv.Itoa(int(m.RCode))
			case len(rrs) == 0:
				text = "no records"
			}
			finish(rrs, m.RCode, true, text)
		})
	}
	wait()
	timer = h.After(time.Duration(timeout), func() {
		u.CancelRecv()
		finish(nil, dns.RCodeServFail, false, "timed out after "+time.Duration(timeout).String())
	})
}

// pyAddr is an address as Python prints a socket address: ('10.0.0.1',
// 49152), or ('fd00::1', 49152, 0, 0) for IPv6.
func pyAddr(a netip.AddrPort) string {
	if a.Addr().Is4() {
		return fmt.Sprintf("('%s', %d)", a.Addr(), a.Port())
	}
	return fmt.Sprintf("('%s', %d, 0, 0)", a.Addr(), a.Port())
}

// infoClient is the textbook's information example: getservbyname,
// then connect to a host by name — the look-up of its address (A, as
// for an AF_INET socket) goes on the wire first, then the handshake —
// then getsockname and getpeername, local calls that send nothing, and
// the end of the program closes the socket.
type infoClient struct {
	h      *Host
	p      Program
	server netip.AddrPort // the DNS server
}

func (cl *infoClient) start() {
	h, s := cl.h, cl.h.sim
	svc := serviceOf(cl.p)
	port := services[svc]
	s.app(h, trace.OpGetServByName, netip.AddrPort{}, netip.AddrPort{}, 0, nil, fmt.Sprintf("getservbyname('%s', 'tcp') = %d", svc, port))
	h.lookup(cl.server, cl.p.Timeout, dns.TypeA, cl.p.Name, func(rrs []dns.RR, _ uint8, ok bool) {
		if len(rrs) == 0 {
			why := "[Errno -2] Name or service not known"
			if !ok {
				why = "[Errno -3] Temporary failure in name resolution"
			}
			s.app(h, trace.OpError, netip.AddrPort{}, netip.AddrPort{}, 0, nil, "connect: socket.gaierror: "+why)
			return
		}
		h.Dial(netip.AddrPortFrom(rrs[0].Addr, uint16(port)), func(c *Stream, err error) {
			if err != nil {
				return
			}
			s.app(h, trace.OpGetSockName, c.LocalAddr(), netip.AddrPort{}, 0, nil, pyAddr(c.LocalAddr()))
			s.app(h, trace.OpGetPeerName, c.LocalAddr(), c.RemoteAddr(), 0, nil, pyAddr(c.RemoteAddr()))
			c.Close()
		})
	})
}

// The outcomes of the forward-confirmed reverse look-up, as the fcrdns
// app event says them.
const (
	fcrdnsConfirmed = "confirmed"  // the name's addresses include the address
	fcrdnsNoPTR     = "no-ptr"     // the address has no name: "this may be normal"
	fcrdnsNoForward = "no-forward" // its name does not resolve
	fcrdnsMismatch  = "mismatch"   // its name resolves elsewhere: "someone is playing tricks"
)

// fcrdnsClient is the textbook's double check of an address's name:
// gethostbyaddr (a PTR query), then the addresses of the name it gives
// (an A query, AAAA for an IPv6 address: the records of the address's
// own family, where the textbook's getaddrinfo asks for both), which
// must include the address. It prints the textbook's message and
// records the outcome as an fcrdns app event.
type fcrdnsClient struct {
	h      *Host
	p      Program
	server netip.AddrPort
}

func (cl *fcrdnsClient) start() {
	h := cl.h
	addr, _ := netip.ParseAddr(cl.p.Address) // checked with the scenario
	addr = addr.Unmap()
	h.lookup(cl.server, cl.p.Timeout, dns.TypePTR, dns.ReverseName(addr), func(ptrs []dns.RR, _ uint8, ok bool) {
		if !ok {
			h.log("gethostbyaddr: socket.herror: timed out")
			return
		}
		if len(ptrs) == 0 {
			cl.outcome(fcrdnsNoPTR, "No host names available for %s; this may be normal.", addr)
			return
		}
		name := ptrs[0].Target
		qtype := dns.TypeA
		if addr.Is6() {
			qtype = dns.TypeAAAA
		}
		h.lookup(cl.server, cl.p.Timeout, qtype, name, func(rrs []dns.RR, _ uint8, ok bool) {
			var addrs []string
			found := false
			for _, rr := range rrs {
				addrs = append(addrs, rr.Addr.String())
				found = found || rr.Addr == addr
			}
			switch {
			case !ok:
				h.log("getaddrinfo: socket.gaierror: [Errno -3] Temporary failure in name resolution")
			case len(rrs) == 0:
				cl.outcome(fcrdnsNoForward, "Got hostname %s, but it could not be forward-resolved: [Errno -2] Name or service not known", name)
			case !found:
				cl.outcome(fcrdnsMismatch, "Got hostname %s, but on forward lookup, original IP %s did not appear in IP address list %v.", name, addr, addrs)
			default:
				cl.outcome(fcrdnsConfirmed, "Validated hostname: %s", name)
			}
		})
	})
}

func (cl *fcrdnsClient) outcome(what, format string, a ...any) {
	cl.h.log(format, a...)
	cl.h.sim.app(cl.h, trace.OpFCrDNS, netip.AddrPort{}, netip.AddrPort{}, 0, nil, what)
}
