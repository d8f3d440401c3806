package sim

import (
	"errors"
	"io"
	"net/netip"
	"time"

	"socketlab/sim/tcp"
	"socketlab/sim/trace"
)

// Errors the simulated sockets report, worded like the textbook's
// socket.error messages.
var (
	ErrConnRefused = errors.New("connection refused")
	ErrConnReset   = errors.New("connection reset by peer")
	ErrTimedOut    = errors.New("connection timed out")
	ErrClosed      = errors.New("use of closed socket")
	ErrAddrInUse   = errors.New("address already in use")
	ErrNoRoute     = errors.New("no route to host")
	ErrNotHost     = errors.New("routers run no programs")
)

// Internal notices that run app callbacks from the notice loop instead of
// from inside the call that made them possible: a program that reads in a
// loop then iterates instead of recursing.
const (
	noteRecv     tcp.Notice = 100 + iota // try to satisfy a pending Recv
	noteSent                             // a SendAll finished
	noteAccept                           // try to satisfy a pending Accept
	noteUDPRecv                          // try to satisfy a pending RecvFrom
	noteDialFail                         // a Dial failed before it began
)

func (s *Sim) defer_(st *Stream, l *Listener, u *UDPConn, n tcp.Notice) {
	s.notes = append(s.notes, pendingNotice{st: st, l: l, u: u, n: n})
}

// app records an application operation.
func (s *Sim) app(h *Host, op trace.AppOp, sock, remote netip.AddrPort, n int, data []byte, text string) {
	if text == "" {
		text = trace.Preview(data)
	}
	s.ev = trace.Event{At: s.now, Kind: trace.KindApp, Node: h.name, Op: op, Socket: sock, Remote: remote, N: n, Text: text}
	s.emit()
}

// Stream is a TCP socket of a simulated program: the counterpart of a
// connected socket.socket / net.TCPConn, with callbacks instead of blocking.
type Stream struct {
	h             *Host
	tc            *tcp.Conn
	slot          int32
	local, remote netip.AddrPort
	ln            *Listener // until accepted
	dialCB        func(*Stream, error)
	recvCB        func([]byte, error)
	rbuf          []byte
	out           []byte
	outStatic     bool // out never changes: TCP keeps references to it (SendAllStatic)
	outDone       func(error)
	eof, gone     bool
	closed        bool
	established   bool
	err           error

	timerArmed bool
	timerAt    time.Duration
	timerGen   uint32
}

// LocalAddr and RemoteAddr are the two ends, like getsockname/getpeername.
func (st *Stream) LocalAddr() netip.AddrPort { return st.local }

// RemoteAddr returns the peer's address (getpeername).
func (st *Stream) RemoteAddr() netip.AddrPort { return st.remote }

// State returns the TCP state of the connection.
func (st *Stream) State() trace.TCPState { return st.tc.State() }

func (h *Host) newStream(local, remote netip.AddrPort, syn *tcp.Segment) *Stream {
	s := h.sim
	st := &Stream{h: h, local: local, remote: remote}
	cfg := h.tcpCfg
	cfg.Local, cfg.Remote, cfg.Node = local, remote, h.name
	cfg.ISS = tcp.Seq(s.isnFor(h.name, local, remote))
	cfg.Transmit = func(_ time.Duration, seg tcp.Segment) { h.sendTCP(local, remote, seg) }
	cfg.Notify = func(_ time.Duration, n tcp.Notice) { s.defer_(st, nil, nil, n) }
	if n := len(s.freeCS); n > 0 {
		st.slot = s.freeCS[n-1]
		s.freeCS = s.freeCS[:n-1]
		s.streams[st.slot] = st
	} else {
		st.slot = int32(len(s.streams))
		s.streams = append(s.streams, st)
	}
	if syn != nil {
		st.tc = tcp.Accept(s.now, cfg, *syn)
		if st.tc == nil {
			s.streams[st.slot] = nil
			s.freeCS = append(s.freeCS, st.slot)
			return nil
		}
	} else {
		st.tc = tcp.Dial(s.now, cfg)
	}
	h.conns[connKey{local, remote}] = st
	s.live = append(s.live, st)
	st.armTimer()
	return st
}

// armTimer makes sure an engine event is scheduled no later than the
// connection's next timeout. A later deadline leaves the earlier event in
// place: it fires, Poll finds nothing due, and the timer is re-armed. So a
// connection has one pending event at a time in steady state.
func (st *Stream) armTimer() {
	if st.gone {
		return
	}
	at, ok := st.tc.NextTimeout()
	if !ok || (st.timerArmed && st.timerAt <= at) {
		return
	}
	s := st.h.sim
	s.gen++
	st.timerGen, st.timerArmed, st.timerAt = s.gen, true, at
	s.q.push(max(at, s.now), evConnTimer, st.slot, s.gen)
}

func (st *Stream) poll() {
	st.tc.Poll(st.h.sim.now)
	st.armTimer()
}

func (st *Stream) notice(n tcp.Notice) {
	s := st.h.sim
	switch n {
	case tcp.NoticeEstablished:
		st.established = true
		if cb := st.dialCB; cb != nil {
			st.dialCB = nil
			s.app(st.h, trace.OpConnect, st.local, st.remote, 0, nil, "")
			cb(st, nil)
		} else if st.ln != nil {
			st.ln.pending--
			st.ln.ready = append(st.ln.ready, st)
			st.ln.tryAccept()
		}
	case tcp.NoticeReadable, noteRecv:
		st.tryRecv()
	case tcp.NoticeWritable:
		st.pump()
	case noteSent:
		if done := st.outDone; done != nil && len(st.out) == 0 {
			st.outDone = nil
			done(st.err)
		}
	case tcp.NoticeEOF:
		st.eof = true
		st.tryRecv()
	case tcp.NoticeReset:
		if st.established {
			st.fail(ErrConnReset)
		} else {
			st.fail(ErrConnRefused)
		}
	case tcp.NoticeTimeout:
		st.fail(ErrTimedOut)
	case tcp.NoticeClosed:
		st.release()
	}
}

func (st *Stream) fail(err error) {
	s := st.h.sim
	if st.err == nil {
		st.err = err
	}
	if cb := st.dialCB; cb != nil {
		st.dialCB = nil
		s.app(st.h, trace.OpError, st.local, st.remote, 0, nil, "connect: "+err.Error())
		cb(nil, err)
	}
	if st.recvCB != nil {
		st.tryRecv()
	}
	if done := st.outDone; done != nil {
		st.outDone, st.out = nil, nil
		s.app(st.h, trace.OpError, st.local, st.remote, 0, nil, "send: "+err.Error())
		done(err)
	}
	if l := st.ln; l != nil {
		st.ln = nil
		if st.established {
			for i, r := range l.ready {
				if r == st {
					l.ready = append(l.ready[:i], l.ready[i+1:]...)
					break
				}
			}
		} else {
			l.pending--
		}
	}
}

// release forgets a connection that reached CLOSED.
func (st *Stream) release() {
	if st.gone {
		return
	}
	st.gone = true
	h, s := st.h, st.h.sim
	if st.ln != nil {
		st.fail(ErrConnReset)
	}
	delete(h.conns, connKey{st.local, st.remote})
	s.streams[st.slot] = nil
	s.freeCS = append(s.freeCS, st.slot)
	for i, x := range s.live {
		if x == st {
			s.live = append(s.live[:i], s.live[i+1:]...)
			break
		}
	}
}

// Recv asks for up to size bytes (recv(size)). cb runs once with the data,
// with io.EOF when the peer has closed and everything was read, or with the
// connection's error. The slice is valid only during cb.
func (st *Stream) Recv(size int, cb func(data []byte, err error)) {
	size = min(max(size, 1), 1<<20)
	if cap(st.rbuf) < size {
		st.rbuf = make([]byte, size)
	}
	st.rbuf = st.rbuf[:size]
	st.recvCB = cb
	st.h.sim.defer_(st, nil, nil, noteRecv)
}

func (st *Stream) tryRecv() {
	cb := st.recvCB
	if cb == nil {
		return
	}
	s := st.h.sim
	if st.tc.Buffered() > 0 {
		n := st.tc.Read(s.now, st.rbuf)
		st.armTimer()
		st.recvCB = nil
		s.app(st.h, trace.OpRead, st.local, st.remote, n, st.rbuf[:n], "")
		cb(st.rbuf[:n], nil)
		return
	}
	switch {
	case st.eof:
		st.recvCB = nil
		s.app(st.h, trace.OpRead, st.local, st.remote, 0, nil, "")
		cb(nil, io.EOF)
	case st.err != nil:
		st.recvCB = nil
		s.app(st.h, trace.OpError, st.local, st.remote, 0, nil, "recv: "+st.err.Error())
		cb(nil, st.err)
	}
}

// SendAll queues p (sendall): done runs once every byte is in the send
// buffer, or with the connection's error. p must not change until then.
func (st *Stream) SendAll(p []byte, done func(error)) { st.sendAll(p, false, done) }

// SendAllStatic is SendAll for data that never changes, ever (a bulk
// pattern): TCP keeps references to p instead of copying it.
func (st *Stream) SendAllStatic(p []byte, done func(error)) { st.sendAll(p, true, done) }

func (st *Stream) sendAll(p []byte, static bool, done func(error)) {
	s := st.h.sim
	s.app(st.h, trace.OpWrite, st.local, st.remote, len(p), p, "")
	st.out, st.outStatic, st.outDone = p, static, done
	if st.err != nil || st.closed || st.gone {
		st.out = nil
		if st.err == nil {
			st.err = ErrClosed
		}
		s.defer_(st, nil, nil, noteSent)
		return
	}
	st.pump()
}

func (st *Stream) pump() {
	if len(st.out) == 0 || st.gone {
		return
	}
	s := st.h.sim
	var n int
	if st.outStatic {
		n = st.tc.WriteStatic(s.now, st.out)
	} else {
		n = st.tc.Write(s.now, st.out)
	}
	st.out = st.out[n:]
	st.armTimer()
	if len(st.out) == 0 {
		s.defer_(st, nil, nil, noteSent)
	}
}

// Shutdown half-closes the connection: shutdown(SHUT_WR), Go's CloseWrite.
// A FIN follows the data already written.
func (st *Stream) Shutdown() {
	s := st.h.sim
	s.app(st.h, trace.OpShutdown, st.local, st.remote, 0, nil, "")
	if !st.gone {
		st.tc.CloseWrite(s.now)
		st.armTimer()
	}
}

// Close closes the socket; TCP finishes the connection on its own (FIN,
// TIME-WAIT). Pending callbacks never run.
func (st *Stream) Close() {
	if st.closed {
		return
	}
	s := st.h.sim
	s.app(st.h, trace.OpClose, st.local, st.remote, 0, nil, "")
	st.closed = true
	st.recvCB, st.outDone, st.out, st.dialCB = nil, nil, nil, nil
	if !st.gone {
		st.tc.Close(s.now)
		st.armTimer()
	}
}

func (h *Host) portInUse(p uint16) bool {
	if h.listeners[p] != nil || h.udp[p] != nil {
		return true
	}
	for k := range h.conns { // a membership test: order does not matter
		if k.local.Port() == p {
			return true
		}
	}
	return false
}

// Dial opens a TCP connection to raddr from an ephemeral port (connect).
// cb runs once the handshake completes, or with ErrConnRefused,
// ErrTimedOut or ErrNoRoute.
func (h *Host) Dial(raddr netip.AddrPort, cb func(*Stream, error)) {
	s := h.sim
	src, ok := h.source(raddr.Addr())
	if h.router {
		ok = false
	}
	port := uint16(0)
	if ok {
		port = h.ephemeral(h.portInUse)
	}
	if !ok || port == 0 {
		err := ErrNoRoute
		if ok {
			err = ErrAddrInUse
		}
		s.app(h, trace.OpError, netip.AddrPort{}, raddr, 0, nil, "connect: "+err.Error())
		st := &Stream{h: h, dialCB: cb, err: err}
		st.gone = true
		s.defer_(st, nil, nil, noteDialFail)
		return
	}
	st := h.newStream(netip.AddrPortFrom(src, port), raddr, nil)
	st.dialCB = cb
}

// Listener is a listening TCP socket (socket, bind, listen).
type Listener struct {
	h        *Host
	addr     netip.AddrPort
	backlog  int
	pending  int       // handshakes in progress
	ready    []*Stream // established, not yet accepted
	acceptCB func(*Stream)
	closed   bool
}

// Listen binds port on all the host's addresses and listens with the
// given backlog (0 = 5, the textbook's listen(5)).
func (h *Host) Listen(port uint16, backlog int) (*Listener, error) {
	s := h.sim
	if h.router || len(h.addrs) == 0 {
		return nil, ErrNotHost
	}
	if backlog <= 0 {
		backlog = 5
	}
	addr := netip.AddrPortFrom(h.addrs[0], port)
	if h.listeners[port] != nil {
		s.app(h, trace.OpError, addr, netip.AddrPort{}, 0, nil, "bind: "+ErrAddrInUse.Error())
		return nil, ErrAddrInUse
	}
	l := &Listener{h: h, addr: addr, backlog: backlog}
	h.listeners[port] = l
	s.app(h, trace.OpListen, addr, netip.AddrPort{}, backlog, nil, "")
	return l, nil
}

// Addr returns the listening address.
func (l *Listener) Addr() netip.AddrPort { return l.addr }

func (l *Listener) syn(p *trace.Packet, seg tcp.Segment) {
	st := l.h.newStream(p.Dst, p.Src, &seg)
	if st == nil {
		l.h.drop(p, trace.DropBadState)
		return
	}
	st.ln = l
	l.pending++
}

// Accept waits for the next established connection; cb runs once with it.
func (l *Listener) Accept(cb func(*Stream)) {
	l.acceptCB = cb
	l.h.sim.defer_(nil, l, nil, noteAccept)
}

func (l *Listener) tryAccept() {
	if l.acceptCB == nil || len(l.ready) == 0 || l.closed {
		return
	}
	st := l.ready[0]
	l.ready = l.ready[1:]
	st.ln = nil
	cb := l.acceptCB
	l.acceptCB = nil
	l.h.sim.app(l.h, trace.OpAccept, st.local, st.remote, 0, nil, "")
	cb(st)
}

// Close stops listening; connections not yet accepted are reset.
func (l *Listener) Close() {
	if l.closed {
		return
	}
	h := l.h
	h.sim.app(h, trace.OpClose, l.addr, netip.AddrPort{}, 0, nil, "")
	l.closed = true
	l.acceptCB = nil
	delete(h.listeners, l.addr.Port())
	for _, st := range l.ready {
		st.ln = nil
		st.tc.Abort(h.sim.now)
		st.armTimer()
	}
	l.ready = nil
}

// UDPConn is a UDP socket: unconnected (ListenUDP: sendto/recvfrom) or
// connected (DialUDP: send/recv, and ICMP errors are reported).
type UDPConn struct {
	h       *Host
	local   netip.AddrPort
	remote  netip.AddrPort // valid when connected
	queue   []datagram
	recvCB  func([]byte, netip.AddrPort, error)
	recvMax int
	err     error
	closed  bool
	// describe, if set, gives the text the trace shows for a datagram's
	// bytes (a DNS message's summary instead of its binary).
	describe func([]byte) string
}

type datagram struct {
	data []byte
	from netip.AddrPort
}

// udpQueue is how many datagrams a socket buffers before dropping more.
const udpQueue = 64

// ListenUDP binds a UDP socket to port on all the host's addresses
// (port 0 = an ephemeral port).
func (h *Host) ListenUDP(port uint16) (*UDPConn, error) {
	s := h.sim
	if h.router || len(h.addrs) == 0 {
		return nil, ErrNotHost
	}
	if port == 0 {
		port = h.ephemeral(h.portInUse)
	}
	addr := netip.AddrPortFrom(h.addrs[0], port)
	if h.udp[port] != nil || port == 0 {
		s.app(h, trace.OpError, addr, netip.AddrPort{}, 0, nil, "bind: "+ErrAddrInUse.Error())
		return nil, ErrAddrInUse
	}
	u := &UDPConn{h: h, local: addr}
	h.udp[port] = u
	return u, nil
}

// DialUDP makes a connected UDP socket to raddr (connect on SOCK_DGRAM): it
// hears only from raddr, and an ICMP port unreachable makes the next Recv
// fail with ErrConnRefused.
func (h *Host) DialUDP(raddr netip.AddrPort) (*UDPConn, error) {
	u, err := h.ListenUDP(0)
	if err != nil {
		return nil, err
	}
	if src, ok := h.source(raddr.Addr()); ok {
		u.local = netip.AddrPortFrom(src, u.local.Port())
	}
	u.remote = raddr
	h.sim.app(h, trace.OpConnect, u.local, raddr, 0, nil, "")
	return u, nil
}

// LocalAddr returns the socket's address (getsockname).
func (u *UDPConn) LocalAddr() netip.AddrPort { return u.local }

// SendTo sends one datagram to addr (sendto). The data is copied.
func (u *UDPConn) SendTo(p []byte, addr netip.AddrPort) {
	h := u.h
	s := h.sim
	src, ok := h.source(addr.Addr())
	local := netip.AddrPortFrom(src, u.local.Port())
	s.app(h, trace.OpSendTo, local, addr, len(p), p, u.text(p))
	if !ok || u.closed {
		s.app(h, trace.OpError, local, addr, 0, nil, "sendto: "+ErrNoRoute.Error())
		return
	}
	pkt := trace.Packet{Proto: trace.ProtoUDP, Src: local, Dst: addr, Payload: append([]byte(nil), p...)}
	s.output(h, &pkt)
}

// text is what the trace says of datagram p: "" for the data's preview.
func (u *UDPConn) text(p []byte) string {
	if u.describe == nil {
		return ""
	}
	return u.describe(p)
}

// Send sends one datagram on a connected socket.
func (u *UDPConn) Send(p []byte) { u.SendTo(p, u.remote) }

// RecvFrom waits for one datagram (recvfrom(size)); a longer one is
// truncated, as with a real socket. cb runs once.
func (u *UDPConn) RecvFrom(size int, cb func(data []byte, from netip.AddrPort, err error)) {
	u.recvCB, u.recvMax = cb, max(size, 0)
	u.h.sim.defer_(nil, nil, u, noteUDPRecv)
}

// CancelRecv forgets a pending RecvFrom (a program's timeout fired).
func (u *UDPConn) CancelRecv() { u.recvCB = nil }

func (u *UDPConn) deliver(p []byte, from netip.AddrPort) {
	if len(u.queue) >= udpQueue {
		pkt := trace.Packet{Proto: trace.ProtoUDP, Src: from, Dst: u.local, Payload: p}
		u.h.drop(&pkt, trace.DropQueueFull)
		return
	}
	u.queue = append(u.queue, datagram{p, from})
	u.h.sim.defer_(nil, nil, u, noteUDPRecv)
}

func (u *UDPConn) fail(err error) {
	u.err = err
	u.h.sim.defer_(nil, nil, u, noteUDPRecv)
}

func (u *UDPConn) tryRecv() {
	cb := u.recvCB
	if cb == nil || u.closed {
		return
	}
	s := u.h.sim
	if len(u.queue) > 0 {
		d := u.queue[0]
		u.queue[0] = datagram{}
		u.queue = u.queue[1:]
		u.recvCB = nil
		data := d.data[:min(len(d.data), u.recvMax)]
		s.app(u.h, trace.OpRecvFrom, u.local, d.from, len(data), data, u.text(data))
		cb(data, d.from, nil)
		return
	}
	if u.err != nil {
		err := u.err
		u.err = nil
		u.recvCB = nil
		s.app(u.h, trace.OpError, u.local, u.remote, 0, nil, "recv: "+err.Error())
		cb(nil, netip.AddrPort{}, err)
	}
}

// Close closes the socket.
func (u *UDPConn) Close() {
	if u.closed {
		return
	}
	u.h.sim.app(u.h, trace.OpClose, u.local, netip.AddrPort{}, 0, nil, "")
	u.closed = true
	u.recvCB = nil
	delete(u.h.udp, u.local.Port())
}
