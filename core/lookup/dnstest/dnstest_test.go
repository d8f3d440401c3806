package dnstest

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func exchange(t *testing.T, s *Server, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	r, _, err := c.Exchange(q, s.Addr)
	if err != nil {
		t.Fatalf("%s %s %s: %v", network, name, dns.TypeToString[qtype], err)
	}
	return r
}

func TestServerAnswers(t *testing.T) {
	s, err := NewServer(Zone...)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, network := range []string{"udp", "tcp"} {
		// A CNAME is followed inside the zone.
		r := exchange(t, s, network, "WWW.example.test.", dns.TypeA)
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 2 {
			t.Fatalf("%s www A: %v", network, r)
		}
		if cn, ok := r.Answer[0].(*dns.CNAME); !ok || cn.Target != "web.example.test." {
			t.Errorf("%s www A: first answer %v", network, r.Answer[0])
		}
		if a, ok := r.Answer[1].(*dns.A); !ok || !a.A.Equal(net.ParseIP("192.0.2.10")) {
			t.Errorf("%s www A: second answer %v", network, r.Answer[1])
		}
		// NODATA: the name exists without AAAA records.
		r = exchange(t, s, network, "v4only.example.test.", dns.TypeAAAA)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
			t.Errorf("%s v4only AAAA: %v", network, r)
		}
		// NXDOMAIN.
		r = exchange(t, s, network, "nosuch.example.test.", dns.TypeA)
		if r.Rcode != dns.RcodeNameError || len(r.Answer) != 0 {
			t.Errorf("%s nosuch A: %v", network, r)
		}
		// PTR in the IPv6 reverse tree.
		rev, _ := dns.ReverseAddr("2001:db8::10")
		r = exchange(t, s, network, rev, dns.TypePTR)
		if len(r.Answer) != 1 || r.Answer[0].(*dns.PTR).Ptr != "web.example.test." {
			t.Errorf("%s PTR %s: %v", network, rev, r)
		}
	}
	if u, tc := s.Queries(); u != 4 || tc != 4 {
		t.Errorf("Queries() = %d, %d; want 4, 4", u, tc)
	}
}

func TestNewServerBadRecord(t *testing.T) {
	if _, err := NewServer("bad.example.test. IN A 999.1.1.1"); err == nil || !strings.Contains(err.Error(), "dnstest: record") {
		t.Errorf("NewServer with a bad record: %v", err)
	}
}

func TestSilentNeverAnswers(t *testing.T) {
	s, err := NewSilent()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: 200 * time.Millisecond}
		q := new(dns.Msg)
		q.SetQuestion("www.example.test.", dns.TypeA)
		if r, _, err := c.Exchange(q, s.Addr); err == nil {
			t.Errorf("%s: silent server answered %v", network, r)
		} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Errorf("%s: error %v is not a timeout", network, err)
		}
	}
	if s.Queries() != 2 {
		t.Errorf("Queries() = %d, want 2", s.Queries())
	}
}
