package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"socketlab/sim/trace"
)

// UDPTimestampServer is the textbook's UDP timestamp server (tsUserv.py):
// every datagram, even an empty one, is answered with one datagram
// "[ctime] data" sent back to its source. Like recvfrom(1024), a datagram
// longer than BufSize is cut to BufSize bytes (and the cut is noted on Trace).
//
// The zero value is ready to use. The fields must not change once
// ServePacket has been called; ServePacket, Shutdown and Close may be
// called from different goroutines.
type UDPTimestampServer struct {
	// BufSize is the most bytes of a datagram that are read (0 means
	// BufSize, the textbook's recvfrom(1024)).
	BufSize int
	// Now is the clock for the stamp (nil means time.Now).
	Now func() time.Time
	// Trace, if on, receives the server's events on node "server": listen
	// (the bind; N is 0, there is no backlog), recvfrom and sendto of every
	// datagram with its size, text and peer, a note when a datagram was
	// cut, errors with their class (and a note of the back-off after a
	// failed receive or reply), and close; see Tracer. These events are
	// the server's whole output: a ServerLog renders them as the lines of
	// a log.
	Trace Tracer

	srv packetServer
}

// ServePacket answers datagrams on pc until Shutdown or Close, then
// returns ErrServerClosed; it closes pc when it returns. A failed read or
// reply is traced and serving goes on, like the textbook's loop. Datagrams
// are answered one at a time, in arrival order.
func (s *UDPTimestampServer) ServePacket(pc net.PacketConn) error {
	size := s.BufSize
	if size <= 0 {
		size = BufSize
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	var st stamper
	// One spare byte behind the BufSize reveals a datagram that was longer.
	buf := make([]byte, stampLen+size+1)
	return s.srv.serve(pc, s.Trace, buf[stampLen:], func(n int, from net.Addr, ct *ConnTracer) []byte {
		n = s.srv.received(ct, buf[stampLen:], n, size, from)
		return st.frame(buf, n, now())
	})
}

// ListenAndServe listens on addr (network "udp", "udp4" or "udp6"), notes
// the bound address on Trace and serves until ctx is done, then shuts
// down and returns nil. After Shutdown or Close it returns ErrServerClosed.
func (s *UDPTimestampServer) ListenAndServe(ctx context.Context, network, addr string) error {
	return listenAndServePacket(ctx, network, addr, "udp timestamp server", s.Trace, s.ServePacket, s.Shutdown)
}

// Shutdown stops the server after the datagram it is answering, if any,
// and waits for ServePacket to return or for ctx to end (then it closes
// the sockets and returns ctx's error).
func (s *UDPTimestampServer) Shutdown(ctx context.Context) error { return s.srv.shutdown(ctx) }

// Close closes the server's sockets immediately.
func (s *UDPTimestampServer) Close() error { return s.srv.close() }

// packetServer is the receive loop and shutdown shared by the datagram
// servers.
type packetServer struct {
	mu      sync.Mutex
	pcs     map[net.PacketConn]struct{}
	drained chan struct{}
	done    chan struct{} // closed when shutting down; wakes the error back-off
	closing atomic.Bool

	datagrams atomic.Int64 // datagrams answered, for tests
}

// received traces a datagram of n bytes read into in from from,
// of which a server reads at most size (in has one byte more, to notice a
// longer one), and returns how many bytes it keeps.
func (s *packetServer) received(ct *ConnTracer, in []byte, n, size int, from net.Addr) int {
	if n > size {
		n = size
		if ct != nil {
			ct.t.Note(NodeServer, fmt.Sprintf("datagram from %s cut to %d bytes, as recvfrom(%d) does", from, size, size))
		}
	}
	if ct != nil {
		ct.Datagram(trace.OpRecvFrom, addrPortOf(from), n, in[:n])
	}
	return n
}

// serve reads datagrams into in and sends back what reply returns for
// them (reply traces the datagram received on ct; serve the reply). Errors
// of one datagram never stop the loop; repeated read errors back off so
// that a broken socket does not spin.
func (s *packetServer) serve(pc net.PacketConn, tr Tracer, in []byte, reply func(n int, from net.Addr, ct *ConnTracer) []byte) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		pc.Close()
		return ErrServerClosed
	}
	s.init()
	s.pcs[pc] = struct{}{}
	done := s.done
	s.mu.Unlock()
	ct := tr.packetConn(NodeServer, pc)
	ct.Op(trace.OpListen, 0, nil)
	defer func() {
		ct.OpText(trace.OpClose, 0, "")
		pc.Close()
		s.mu.Lock()
		delete(s.pcs, pc)
		if s.drained != nil && len(s.pcs) == 0 {
			close(s.drained)
			s.drained = nil
		}
		s.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		n, from, err := pc.ReadFrom(in)
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return Wrap("receive", pc.LocalAddr().String(), err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			if ct != nil {
				ct.OpText(trace.OpError, 0, ErrorText("receive", err)+"; serving on in "+backoff.String())
				tr.Note(NodeServer, fmt.Sprintf("%v; serving on in %v", Wrap("receive", pc.LocalAddr().String(), err), backoff))
			}
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-done: // Shutdown must not wait out the back-off
				t.Stop()
				return ErrServerClosed
			}
			continue
		}
		backoff = 0
		out := reply(n, from, ct)
		if _, err := pc.WriteTo(out, from); err != nil {
			if ct != nil {
				ct.FailTo(addrPortOf(from), "reply", err)
				tr.Note(NodeServer, fmt.Sprintf("%v; serving on", Wrap("reply", from.String(), err)))
			}
			continue
		}
		ct.Datagram(trace.OpSendTo, addrPortOf(from), len(out), out)
		s.datagrams.Add(1)
	}
}

// init makes the maps and channels; s.mu must be held.
func (s *packetServer) init() {
	if s.done == nil {
		s.done = make(chan struct{})
		s.pcs = make(map[net.PacketConn]struct{})
	}
}

// beginClose marks the server as closing and wakes a back-off sleep;
// s.mu must be held.
func (s *packetServer) beginClose() {
	s.init()
	if !s.closing.Swap(true) {
		close(s.done)
	}
}

func (s *packetServer) shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.beginClose()
	if len(s.pcs) == 0 {
		s.mu.Unlock()
		return nil
	}
	for pc := range s.pcs {
		// Wakes ReadFrom; a reply being sent is finished first.
		pc.SetReadDeadline(aLongTimeAgo)
	}
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	drained := s.drained
	s.mu.Unlock()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		s.close()
		return ctx.Err()
	}
}

func (s *packetServer) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beginClose()
	for pc := range s.pcs {
		pc.Close()
	}
	return nil
}

// listenAndServePacket is listenAndServe for datagram servers.
func listenAndServePacket(ctx context.Context, network, addr, what string, tr Tracer,
	serve func(net.PacketConn) error, shutdown func(context.Context) error) error {
	pc, err := ListenPacket(ctx, network, addr)
	if err != nil {
		return err
	}
	if tr.On() {
		tr.Note(NodeServer, fmt.Sprintf("%s listening on %s %s", what, pc.LocalAddr().Network(), pc.LocalAddr()))
	}
	return serveUntil(ctx, func() error { return serve(pc) }, shutdown, tr)
}
