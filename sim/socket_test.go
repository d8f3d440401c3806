package sim

import (
	"errors"
	"io"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"socketlab/sim/trace"
)

func quickLink() *Scenario {
	sc := twoHosts(LinkParams{Delay: Duration(time.Millisecond)}, LinkParams{Delay: Duration(time.Millisecond)})
	sc.TCP = TCPSpec{MinRTO: Duration(100 * time.Millisecond), InitialRTO: Duration(100 * time.Millisecond), MaxRetries: 2, SynRetries: 2, MSL: Duration(100 * time.Millisecond)}
	return sc
}

// TestHalfClose is the textbook HTTP client: send the request, shutdown(1),
// then read the answer the server sends after it saw end of stream.
func TestHalfClose(t *testing.T) {
	s, tr := mustNew(t, quickLink())
	l, err := s.Host("server").Listen(80, 0)
	if err != nil {
		t.Fatal(err)
	}
	if l.Addr() != ap("10.0.0.2:80") {
		t.Errorf("listener address %v", l.Addr())
	}
	l.Accept(func(c *Stream) {
		got := 0
		var read func()
		read = func() {
			c.Recv(4, func(d []byte, err error) {
				if err == io.EOF {
					c.SendAll([]byte("got "+strconv.Itoa(got)+" bytes"), func(error) { c.Close() })
					return
				}
				got += len(d)
				read()
			})
		}
		read()
	})
	var answer string
	var answerErr error
	s.Host("client").Dial(ap("10.0.0.2:80"), func(c *Stream, err error) {
		if err != nil {
			t.Errorf("dial: %v", err)
			return
		}
		if c.LocalAddr() != ap("10.0.0.1:49152") || c.RemoteAddr() != ap("10.0.0.2:80") || c.State() != trace.StateEstablished {
			t.Errorf("connected %v -> %v in %v", c.LocalAddr(), c.RemoteAddr(), c.State())
		}
		c.SendAll([]byte("GET / HTTP/1.0\r\n\r\n"), func(error) {
			c.Shutdown()
			c.Recv(1024, func(d []byte, err error) { answer, answerErr = string(d), err })
		})
	})
	s.RunUntil(time.Second)
	if answer != "got 18 bytes" || answerErr != nil {
		t.Fatalf("answer %q, %v", answer, answerErr)
	}
	if !hasApp(tr, "client", trace.OpShutdown, "") || len(s.Conns()) != 0 {
		t.Errorf("shutdown not recorded or connections left: %+v", s.Conns())
	}
}

func TestListenQueueAndClose(t *testing.T) {
	s, tr := mustNew(t, quickLink())
	l, _ := s.Host("server").Listen(80, 1) // never accepts
	if _, err := s.Host("server").Listen(80, 1); !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("second listen: %v", err)
	}
	var errs []error
	for range 2 {
		s.Host("client").Dial(ap("10.0.0.2:80"), func(c *Stream, err error) {
			if err != nil {
				errs = append(errs, err)
				return
			}
			c.Recv(10, func(_ []byte, err error) { errs = append(errs, err) })
		})
	}
	s.RunUntil(50 * time.Millisecond)
	if full := dropped(tr, trace.DropQueueFull); len(full) == 0 || full[0].Flags != trace.FlagSYN {
		t.Fatalf("queue-full drops %+v, want the second SYN", full)
	}
	l.Close() // resets the connection nobody accepted
	s.RunUntil(2 * time.Second)
	// The first connection is reset; the second's retransmitted SYN finds
	// nothing listening any more and is refused.
	if len(errs) != 2 || !errors.Is(errs[0], ErrConnReset) || !errors.Is(errs[1], ErrConnRefused) {
		t.Fatalf("errors %v, want [reset, refused]", errs)
	}
}

func TestDialWithoutRoute(t *testing.T) {
	sc := quickLink()
	sc.Hosts[0].Addrs = []string{"10.0.0.1"}
	s, tr := mustNew(t, sc)
	var errs []error
	cb := func(_ *Stream, err error) { errs = append(errs, err) }
	s.Host("client").Dial(ap("[fd00::2]:80"), cb) // no IPv6 address to send from
	s.Host("client").Dial(ap("10.9.9.9:80"), cb)  // nobody has this address
	s.RunUntil(5 * time.Second)
	if len(errs) != 2 || !errors.Is(errs[0], ErrNoRoute) || !errors.Is(errs[1], ErrTimedOut) {
		t.Fatalf("errors %v", errs)
	}
	if nr := dropped(tr, trace.DropNoRoute); len(nr) != 3 { // the SYN and its two retransmissions
		t.Fatalf("no-route drops: %d", len(nr))
	}
}

func TestRouterDropsWhatIsForIt(t *testing.T) {
	sc, _ := LoadPreset("iterative-vs-concurrent")
	sc.Programs = nil
	s, tr := mustNew(t, sc)
	if _, err := s.Host("r1").ListenUDP(7); !errors.Is(err, ErrNotHost) {
		t.Fatalf("ListenUDP on a router: %v", err)
	}
	u, _ := s.Host("c1").ListenUDP(0)
	u.SendTo([]byte("hi router"), ap("10.0.0.254:7"))
	s.RunUntil(time.Second)
	d := dropped(tr, trace.DropNoSocket)
	if len(d) != 1 || d[0].ID != 1 {
		t.Fatalf("drops %+v", d)
	}
	for _, e := range tr.Events {
		if e.Kind == trace.KindDrop && e.Node != "r1" {
			t.Fatalf("dropped at %s", e.Node)
		}
	}
}

func TestUDPSocketBufferOverflows(t *testing.T) {
	s, tr := mustNew(t, quickLink())
	s.Host("server").ListenUDP(9) // nobody reads
	u, _ := s.Host("client").DialUDP(ap("10.0.0.2:9"))
	if u.LocalAddr() != ap("10.0.0.1:49152") {
		t.Errorf("local %v", u.LocalAddr())
	}
	for range udpQueue + 6 {
		u.Send([]byte("x"))
	}
	s.RunUntil(time.Second)
	if full := dropped(tr, trace.DropQueueFull); len(full) != 6 {
		t.Fatalf("%d datagrams dropped for a full socket buffer, want 6", len(full))
	}
}

func TestRecvFromTruncates(t *testing.T) {
	s, _ := mustNew(t, quickLink())
	srv, _ := s.Host("server").ListenUDP(9)
	var got string
	var from netip.AddrPort
	srv.RecvFrom(3, func(d []byte, f netip.AddrPort, _ error) { got, from = string(d), f })
	cl, _ := s.Host("client").ListenUDP(0)
	cl.SendTo([]byte("hello"), ap("10.0.0.2:9"))
	s.RunUntil(time.Second)
	if got != "hel" || from != ap("10.0.0.1:49152") {
		t.Fatalf("recvfrom(3) = %q from %v", got, from)
	}
}
