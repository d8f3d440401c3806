// Package dnstest runs an in-process authoritative DNS server on loopback
// for tests and classroom demonstrations, the way net/http/httptest runs an
// HTTP server: no test ever needs the internet or the machine's resolver.
//
// It is test support: only _test.go files and throwaway demo programs import
// it, so the miekg/dns dependency never reaches the socketlab binary.
package dnstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Server answers queries for a fixed zone over UDP and TCP on the same
// loopback port. Names not in the zone get NXDOMAIN; names in the zone
// without records of the asked type get an empty NOERROR answer (NODATA).
// CNAME records are followed within the zone.
type Server struct {
	// Addr is "127.0.0.1:PORT", valid for both UDP and TCP.
	Addr string

	records map[string][]dns.RR // owner name (lower case, FQDN) → records
	udp     *dns.Server
	tcp     *dns.Server
	queries [2]atomic.Int64 // [0] UDP, [1] TCP
}

// NewServer starts a server for records given in zone-file syntax, e.g.
// "www.example.test. 60 IN A 192.0.2.10". Close it when done.
func NewServer(records ...string) (*Server, error) {
	return NewServerOn("127.0.0.1:0", records...)
}

// NewServerOn is NewServer on a chosen address, e.g. "127.0.0.1:5300" for
// a classroom demonstration that students point --server at. Port 0 picks
// a free port.
func NewServerOn(addr string, records ...string) (*Server, error) {
	s := &Server{records: map[string][]dns.RR{}}
	for _, r := range records {
		rr, err := dns.NewRR(r)
		if err != nil {
			return nil, fmt.Errorf("dnstest: record %q: %w", r, err)
		}
		if rr == nil {
			continue // a blank line or comment
		}
		name := strings.ToLower(rr.Header().Name)
		s.records[name] = append(s.records[name], rr)
	}
	pc, l, err := listenPair(addr)
	if err != nil {
		return nil, err
	}
	s.Addr = pc.LocalAddr().String()
	s.udp = &dns.Server{PacketConn: pc, Handler: s.handler(0)}
	s.tcp = &dns.Server{Listener: l, Handler: s.handler(1)}
	if err := start(s.udp, s.tcp); err != nil {
		return nil, err
	}
	return s, nil
}

// listenPair binds UDP on addr and TCP on the same port. With port 0
// another program may hold the TCP port the kernel chose for UDP, so it
// tries a few times.
func listenPair(addr string) (net.PacketConn, net.Listener, error) {
	var last error
	for range 20 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		last = err
	}
	return nil, nil, fmt.Errorf("dnstest: no free UDP+TCP port pair: %w", last)
}

// start runs each server in its own goroutine and waits until all listen,
// so that Close never races with start-up.
func start(servers ...*dns.Server) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(servers))
	for _, srv := range servers {
		wg.Add(1)
		srv.NotifyStartedFunc = wg.Done
		go func() {
			if err := srv.ActivateAndServe(); err != nil {
				errs <- err
			}
		}()
	}
	ready := make(chan struct{})
	go func() { wg.Wait(); close(ready) }()
	select {
	case <-ready:
		return nil
	case err := <-errs:
		return err
	}
}

// Close stops both servers and waits for their goroutines to end.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(s.udp.ShutdownContext(ctx), s.tcp.ShutdownContext(ctx))
}

// Queries returns how many queries arrived over UDP and over TCP.
func (s *Server) Queries() (udp, tcp int64) { return s.queries[0].Load(), s.queries[1].Load() }

// Resolver returns a pure-Go resolver that sends every query to s, over
// TCP if tcp is set. (socketlab's lookup.NewResolver does the same for a
// user-given server; this copy keeps dnstest free of socketlab imports.)
func (s *Server) Resolver(tcp bool) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			if tcp {
				network = "tcp"
			}
			var d net.Dialer
			c, err := d.DialContext(ctx, network, s.Addr)
			if err != nil {
				return nil, err
			}
			// Unblock a pending read when the look-up is cancelled, rather
			// than after the resolv.conf timeout.
			context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
			return c, nil
		},
	}
}

func (s *Server) handler(transport int) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		s.queries[transport].Add(1)
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		if len(req.Question) != 1 {
			m.Rcode = dns.RcodeFormatError
		} else {
			s.answer(m, req.Question[0])
		}
		_ = w.WriteMsg(m) // a client that went away is not our failure
	})
}

// answer fills m for q: matching records, following CNAMEs inside the zone.
func (s *Server) answer(m *dns.Msg, q dns.Question) {
	name := strings.ToLower(q.Name)
	for range 8 { // bound CNAME chains (and loops)
		rrs, ok := s.records[name]
		if !ok {
			if len(m.Answer) == 0 {
				m.Rcode = dns.RcodeNameError
			}
			return
		}
		var cname string
		for _, rr := range rrs {
			h := rr.Header()
			switch {
			case h.Rrtype == q.Qtype || q.Qtype == dns.TypeANY:
				m.Answer = append(m.Answer, dns.Copy(rr))
			case h.Rrtype == dns.TypeCNAME:
				m.Answer = append(m.Answer, dns.Copy(rr))
				cname = strings.ToLower(rr.(*dns.CNAME).Target)
			}
		}
		if cname == "" {
			return
		}
		name = cname
	}
}

// Silent is a DNS server that reads every query and never answers, on UDP
// and TCP: a resolver pointed at it can only time out.
type Silent struct {
	// Addr is "127.0.0.1:PORT", valid for both UDP and TCP.
	Addr string

	pc    net.PacketConn
	l     net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
	reads atomic.Int64
}

// NewSilent starts a silent server. Close it when done.
func NewSilent() (*Silent, error) {
	pc, l, err := listenPair("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Silent{Addr: pc.LocalAddr().String(), pc: pc, l: l}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			s.reads.Add(1)
		}
	}()
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.reads.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c) // held open, never answered
			s.mu.Unlock()
		}
	}()
	return s, nil
}

// Queries returns how many UDP queries and TCP connections arrived.
func (s *Silent) Queries() int64 { return s.reads.Load() }

// Close stops listening, closes held connections and waits.
func (s *Silent) Close() error {
	err := errors.Join(s.pc.Close(), s.l.Close())
	s.wg.Wait()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	return err
}
