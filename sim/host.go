package sim

import (
	"encoding/binary"
	"net/netip"
	"time"

	"socketlab/sim/tcp"
	"socketlab/sim/trace"
)

// Host is a node of the simulated network: an end host that runs programs
// and terminates TCP and UDP, or a router that only forwards. Programs use
// its socket-like methods (Listen, Dial, ListenUDP, DialUDP, After); every
// call is recorded as a trace.KindApp event.
type Host struct {
	sim    *Sim
	name   string
	router bool
	addrs  []netip.Addr
	links  []*linkDir           // directions leaving this node
	routes map[netip.Addr]int32 // destination address → link direction

	conns     map[connKey]*Stream
	listeners map[uint16]*Listener
	udp       map[uint16]*UDPConn
	nextPort  uint16
	tcpCfg    tcp.Config // every connection's, before its addresses and callbacks
	quoteAll  bool       // ICMP errors quote the whole datagram (the linux profile), not 8 bytes
}

type connKey struct{ local, remote netip.AddrPort }

// Ephemeral ports are handed out in order from the IANA dynamic range, so
// traces read the same on every run.
const firstEphemeral = 49152

// Name returns the host's name in the scenario.
func (h *Host) Name() string { return h.name }

// Addrs returns the host's addresses.
func (h *Host) Addrs() []netip.Addr { return h.addrs }

// Now returns the host's wall clock: Epoch plus virtual time.
func (h *Host) Now() time.Time { return Epoch().Add(h.sim.now) }

// After runs fn after d of virtual time: a program's sleep, think time or
// timeout (settimeout). The trace shows it as an application timer
// (KindTimerSet/Fire/Cancel with trace.TimerApp) on the host.
func (h *Host) After(d time.Duration, fn func()) *Timer {
	s := h.sim
	t := &Timer{h: h}
	t.idx, t.gen = s.after(d, func() {
		s.ev = trace.Event{At: s.now, Kind: trace.KindTimerFire, Node: h.name, Timer: trace.TimerApp}
		s.emit()
		fn()
	})
	s.ev = trace.Event{At: s.now, Kind: trace.KindTimerSet, Node: h.name, Timer: trace.TimerApp, Deadline: s.now + d}
	s.emit()
	return t
}

// Timer is an application timer started with Host.After.
type Timer struct {
	h   *Host
	idx int32
	gen uint32
}

// Stop cancels the timer; it reports whether the timer was still pending.
func (t *Timer) Stop() bool {
	s := t.h.sim
	at := &s.timers[t.idx]
	if at.gen != t.gen || at.fn == nil {
		return false
	}
	at.fn = nil
	s.freeTm = append(s.freeTm, t.idx)
	s.ev = trace.Event{At: s.now, Kind: trace.KindTimerCancel, Node: t.h.name, Timer: trace.TimerApp}
	s.emit()
	return true
}

func (h *Host) owns(a netip.Addr) bool {
	for _, x := range h.addrs {
		if x == a {
			return true
		}
	}
	return false
}

// source picks the host's address of the same family as dst.
func (h *Host) source(dst netip.Addr) (netip.Addr, bool) {
	for _, a := range h.addrs {
		if a.Is4() == dst.Is4() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func (h *Host) ephemeral(inUse func(uint16) bool) uint16 {
	for range 16384 {
		p := h.nextPort
		h.nextPort++
		if h.nextPort == 0 {
			h.nextPort = firstEphemeral
		}
		if !inUse(p) {
			return p
		}
	}
	return 0
}

func (h *Host) drop(p *trace.Packet, r trace.DropReason) {
	s := h.sim
	s.ev = trace.Event{At: s.now, Kind: trace.KindDrop, Node: h.name, Packet: *p, Reason: r}
	s.emit()
}

// input handles a packet delivered to host h.
func (h *Host) input(p *trace.Packet) {
	if !h.owns(p.Dst.Addr()) {
		h.drop(p, trace.DropNoRoute) // hosts do not forward
		return
	}
	switch p.Proto {
	case trace.ProtoTCP:
		h.inputTCP(p)
	case trace.ProtoUDP:
		h.inputUDP(p)
	case trace.ProtoICMP:
		h.inputICMP(p)
	}
}

func segmentOf(p *trace.Packet) tcp.Segment {
	return tcp.Segment{Seq: tcp.Seq(p.Seq), Ack: tcp.Seq(p.Ack), Flags: p.Flags, Window: p.Window, MSS: p.MSS,
		Opts: p.Opts, WScale: p.WScale, TSval: p.TSval, TSecr: p.TSecr, SACK: p.SACK, Payload: p.Payload}
}

func (h *Host) inputTCP(p *trace.Packet) {
	seg := segmentOf(p)
	if st := h.conns[connKey{p.Dst, p.Src}]; st != nil {
		st.tc.Handle(h.sim.now, seg)
		st.armTimer()
		return
	}
	if l := h.listeners[p.Dst.Port()]; l != nil && !l.closed && p.Flags&(trace.FlagSYN|trace.FlagACK|trace.FlagRST) == trace.FlagSYN {
		if l.pending+len(l.ready) >= l.backlog {
			h.drop(p, trace.DropQueueFull) // the listen queue is full: the client will retry
			return
		}
		l.syn(p, seg)
		return
	}
	h.drop(p, trace.DropNoSocket)
	if rst, ok := tcp.ResetFor(seg); ok {
		h.sendTCP(p.Dst, p.Src, rst)
	}
}

func (h *Host) sendTCP(local, remote netip.AddrPort, seg tcp.Segment) {
	p := trace.Packet{Proto: trace.ProtoTCP, Src: local, Dst: remote, Seq: uint32(seg.Seq), Ack: uint32(seg.Ack),
		Flags: seg.Flags, Window: seg.Window, MSS: seg.MSS, Opts: seg.Opts, WScale: seg.WScale, TSval: seg.TSval, TSecr: seg.TSecr,
		SACK: seg.SACK, Payload: seg.Payload}
	h.sim.output(h, &p)
}

func (h *Host) inputUDP(p *trace.Packet) {
	u := h.udp[p.Dst.Port()]
	if u == nil || u.closed || (u.remote.IsValid() && u.remote != p.Src) {
		h.drop(p, trace.DropNoSocket)
		h.portUnreachable(p)
		return
	}
	u.deliver(p.Payload, p.Src)
}

// portUnreachable answers a datagram to a closed port with ICMP destination
// unreachable / port unreachable (RFC 792 type 3 code 3; RFC 4443 type 1
// code 4). The trace records as quote the offending datagram from its UDP
// header on: the 8 bytes of RFC 792's "first 64 bits of the original
// datagram's data", or on a host with the linux profile the whole
// datagram as far as the error fits in 576 bytes (1280 for IPv6), as Linux
// and RFC 1812 §4.3.2.3 do. Packet.Quote names the whole packet, and the
// pcap writer rebuilds from it the IP header and the data.
func (h *Host) portUnreachable(p *trace.Packet) {
	n := 8
	if h.quoteAll {
		room := 576 - 20 - 8 - 20 // the error's IPv4 and ICMP headers, the quoted IPv4 header
		if p.Dst.Addr().Is6() && !p.Dst.Addr().Is4In6() {
			room = 1280 - 40 - 8 - 40
		}
		n = min(8+len(p.Payload), room)
	}
	q := make([]byte, n)
	binary.BigEndian.PutUint16(q[0:], p.Src.Port())
	binary.BigEndian.PutUint16(q[2:], p.Dst.Port())
	binary.BigEndian.PutUint16(q[4:], uint16(8+len(p.Payload)))
	copy(q[8:], p.Payload)
	icmp := trace.Packet{Proto: trace.ProtoICMP, Src: netip.AddrPortFrom(p.Dst.Addr(), 0),
		Dst: netip.AddrPortFrom(p.Src.Addr(), 0), ICMPType: 3, ICMPCode: 3, Quote: p.ID, Payload: q}
	if p.Dst.Addr().Is6() {
		icmp.ICMPType, icmp.ICMPCode = 1, 4
	}
	h.sim.output(h, &icmp)
}

func (h *Host) inputICMP(p *trace.Packet) {
	unreach := (p.ICMPType == 3 && p.ICMPCode == 3) || (p.ICMPType == 1 && p.ICMPCode == 4)
	if !unreach || len(p.Payload) < 4 {
		return
	}
	local := netip.AddrPortFrom(p.Dst.Addr(), binary.BigEndian.Uint16(p.Payload[0:]))
	remote := netip.AddrPortFrom(p.Src.Addr(), binary.BigEndian.Uint16(p.Payload[2:]))
	if u := h.udp[local.Port()]; u != nil && !u.closed && u.remote == remote {
		// Like Linux, only a connected socket hears about it: the next
		// recv fails with "connection refused".
		u.fail(ErrConnRefused)
	}
}
