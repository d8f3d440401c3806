package sim

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"socketlab/sim/trace"
)

// linkDir is one direction of a link: a transmitter with a FIFO queue, then
// a wire with propagation delay and impairments.
type linkDir struct {
	idx      int32
	id       string
	dir      string // "ab" or "ba"
	from, to *Host
	p        trace.LinkParams
	rng      [numDraws]rand.PCG // this direction's impairment streams (rand.go)

	txFree    time.Duration // when the transmitter finishes the packet on it
	txPending bool          // an evTxDone is scheduled
	ring      []int32       // queued packet slots (ring buffer)
	head, n   int
}

func (d *linkDir) qpush(slot int32) {
	if d.n == len(d.ring) {
		grown := make([]int32, max(8, 2*len(d.ring)))
		for i := 0; i < d.n; i++ {
			grown[i] = d.ring[(d.head+i)%len(d.ring)]
		}
		d.ring, d.head = grown, 0
	}
	d.ring[(d.head+d.n)%len(d.ring)] = slot
	d.n++
}

func (d *linkDir) qpop() int32 {
	v := d.ring[d.head]
	d.head = (d.head + 1) % len(d.ring)
	d.n--
	return v
}

// pktSlot holds a packet while it is inside the network.
type pktSlot struct {
	p     trace.Packet
	dir   int32            // the hop it is on
	doom  trace.DropReason // lost in flight on this hop (loss or a scripted drop)
	extra time.Duration    // extra delay on this hop (a scripted delay)
	dup   bool             // duplicate it on this hop (a scripted duplicate)
}

func (s *Sim) alloc(p *trace.Packet) int32 {
	var i int32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		s.pkts = append(s.pkts, pktSlot{})
		i = int32(len(s.pkts) - 1)
	}
	s.pkts[i] = pktSlot{p: *p, dir: -1}
	return i
}

func (s *Sim) release(i int32) {
	s.pkts[i] = pktSlot{}
	s.free = append(s.free, i)
}

// ipHeader and the transport headers give a packet's size on the wire
// (IP packet, no link-layer framing): what MTU and bandwidth apply to.
func wireLen(p *trace.Packet) int {
	n := 20
	if p.Dst.Addr().Is6() {
		n = 40
	}
	switch p.Proto {
	case trace.ProtoTCP:
		n += 20 + p.TCPOptionsLen()
	case trace.ProtoUDP, trace.ProtoICMP:
		n += 8
	}
	return n + len(p.Payload)
}

// packetEvent fills the scratch event for a packet on hop d.
func (s *Sim) packetEvent(kind trace.Kind, d *linkDir, p *trace.Packet) *trace.Event {
	s.ev = trace.Event{At: s.now, Kind: kind, Node: d.from.name, Peer: d.to.name, Link: d.id, Packet: *p}
	return &s.ev
}

// output sends a packet a host built: a new ID, the route, the first hop.
func (s *Sim) output(h *Host, p *trace.Packet) {
	s.nextID++
	p.ID = s.nextID
	if p.TTL == 0 {
		p.TTL = defaultTTL
	}
	if p.Proto == trace.ProtoTCP && p.Flags&trace.FlagSYN != 0 {
		// Remember each direction's ISN: faults name segments by relative seq.
		s.isn[flowKey{p.Src, p.Dst}] = p.Seq
	}
	di, ok := h.route(p.Dst.Addr())
	if !ok {
		s.ev = trace.Event{At: s.now, Kind: trace.KindDrop, Node: h.name, Packet: *p, Reason: trace.DropNoRoute}
		s.emit()
		return
	}
	s.hop(s.alloc(p), s.dirs[di], true)
}

const defaultTTL = 64

// hop puts packet slot i on link direction d: scripted faults, MTU, then
// the transmitter or its queue.
func (s *Sim) hop(i int32, d *linkDir, first bool) {
	sl := &s.pkts[i]
	sl.dir, sl.doom, sl.extra, sl.dup = d.idx, trace.DropNone, 0, false
	s.applyFaults(sl, d, first)
	mtu := d.p.MTU
	if mtu == 0 {
		mtu = 1500
	}
	if wireLen(&sl.p) > mtu {
		e := s.packetEvent(trace.KindDrop, d, &sl.p)
		e.Reason = trace.DropMTU
		s.emit()
		s.release(i)
		return
	}
	if s.now < d.txFree || d.n > 0 {
		if d.p.Queue > 0 && d.n >= d.p.Queue {
			e := s.packetEvent(trace.KindDrop, d, &sl.p)
			e.Reason = trace.DropQueueFull
			s.emit()
			s.release(i)
			return
		}
		d.qpush(i)
		s.packetEvent(trace.KindEnqueue, d, &sl.p)
		s.emit()
		if !d.txPending {
			d.txPending = true
			s.q.push(d.txFree, evTxDone, d.idx, 0)
		}
		return
	}
	s.transmit(i, d)
}

func (s *Sim) txDone(d *linkDir) {
	d.txPending = false
	if d.n == 0 {
		return
	}
	s.transmit(d.qpop(), d)
	if d.n > 0 {
		d.txPending = true
		s.q.push(d.txFree, evTxDone, d.idx, 0)
	}
}

// serialization is how long the transmitter needs for n bytes.
func serialization(n int, bps int64) time.Duration {
	if bps <= 0 {
		return 0
	}
	return time.Duration(int64(n) * 8 * int64(time.Second) / bps)
}

// transmit starts sending slot i on d now. Every packet takes exactly one
// value from each of d's four impairment streams, whatever happens to it
// and whether or not the impairment is switched on (see rand.go): so a
// scripted drop, or a packet that does not exist in another run, shifts
// nothing for the packets sent after it.
func (s *Sim) transmit(i int32, d *linkDir) {
	sl := &s.pkts[i]
	ser := serialization(wireLen(&sl.p), d.p.Bandwidth)
	d.txFree = s.now + ser
	arrive := s.now + ser + d.p.Delay + sl.extra
	var u [numDraws]uint64
	for k := range u {
		u[k] = d.rng[k].Uint64()
	}
	if d.p.Jitter > 0 {
		arrive += time.Duration(below(u[drawJitter], int64(d.p.Jitter)))
	}
	if d.p.Reorder > 0 && unit(u[drawReorder]) < d.p.Reorder {
		arrive += d.p.ReorderBy
	}
	if sl.doom == trace.DropNone && d.p.Loss > 0 && unit(u[drawLoss]) < d.p.Loss {
		sl.doom = trace.DropLoss
	}
	dup := sl.dup || (d.p.Duplicate > 0 && unit(u[drawDuplicate]) < d.p.Duplicate)
	e := s.packetEvent(trace.KindSend, d, &sl.p)
	e.Arrive = arrive
	s.emit()
	if sl.doom != trace.DropNone {
		// A lost packet is reported half-way: the ladder draws it leaving
		// and vanishing on the wire.
		s.q.push(s.now+(arrive-s.now)/2, evLost, i, 0)
	} else {
		s.q.push(arrive, evArrive, i, 0)
	}
	if dup && sl.doom == trace.DropNone {
		c := sl.p
		s.nextID++
		c.ID, c.Orig = s.nextID, sl.p.ID
		j := s.alloc(&c)
		s.pkts[j].dir = d.idx
		s.packetEvent(trace.KindDuplicate, d, &c)
		s.emit()
		// The copy follows the original on the wire.
		s.q.push(arrive+ser, evArrive, j, 0)
	}
}

func (s *Sim) lost(i int32) {
	sl := &s.pkts[i]
	d := s.dirs[sl.dir]
	e := s.packetEvent(trace.KindDrop, d, &sl.p)
	e.Reason = sl.doom
	s.emit()
	s.release(i)
}

func (s *Sim) arrive(i int32) {
	sl := &s.pkts[i]
	d := s.dirs[sl.dir]
	e := s.packetEvent(trace.KindDeliver, d, &sl.p)
	e.Node, e.Peer = d.to.name, d.from.name
	s.emit()
	h := d.to
	if h.router {
		s.forward(h, i)
		return
	}
	p := sl.p
	s.release(i)
	h.input(&p)
}

// forward sends a packet on towards its destination from router h.
func (s *Sim) forward(h *Host, i int32) {
	sl := &s.pkts[i]
	di, ok := h.route(sl.p.Dst.Addr())
	reason := trace.DropNone
	switch {
	case h.owns(sl.p.Dst.Addr()):
		reason = trace.DropNoSocket // routers run no services
	case !ok:
		reason = trace.DropNoRoute
	case sl.p.TTL <= 1:
		reason = trace.DropTTL
	}
	if reason != trace.DropNone {
		s.ev = trace.Event{At: s.now, Kind: trace.KindDrop, Node: h.name, Packet: sl.p, Reason: reason}
		s.emit()
		s.release(i)
		return
	}
	sl.p.TTL--
	s.hop(i, s.dirs[di], false)
}

// faultState is a scripted fault with its match counter.
type faultState struct {
	f     Fault
	flags trace.TCPFlags
	link  int32 // dir index of the link's a→b direction, or -1
	nth   int
	count int
	seen  int
}

// controlFlags must match a fault's Flags exactly; the others only when listed.
const controlFlags = trace.FlagSYN | trace.FlagFIN | trace.FlagRST | trace.FlagACK

func (s *Sim) applyFaults(sl *pktSlot, d *linkDir, first bool) {
	for k := range s.faults {
		f := &s.faults[k]
		if f.seen >= f.nth+f.count-1 {
			continue // done
		}
		if f.link < 0 {
			if !first {
				continue
			}
		} else if d.idx&^1 != f.link || (f.f.Dir == "ab" && d.idx&1 != 0) || (f.f.Dir == "ba" && d.idx&1 == 0) {
			continue
		}
		if !s.matches(f, &sl.p) {
			continue
		}
		f.seen++
		if f.seen < f.nth {
			continue
		}
		switch f.f.Action {
		case "drop":
			sl.doom = trace.DropScripted
		case "delay":
			sl.extra += time.Duration(f.f.Delay)
		case "duplicate":
			sl.dup = true
		}
	}
}

func (s *Sim) matches(f *faultState, p *trace.Packet) bool {
	if f.f.Packet != 0 && p.ID != f.f.Packet {
		return false
	}
	if f.f.Proto != "" && f.f.Proto != p.Proto.String() {
		return false
	}
	if f.f.Flags != "" {
		if p.Proto != trace.ProtoTCP || !p.Flags.Has(f.flags) || p.Flags&controlFlags != f.flags&controlFlags {
			return false
		}
	}
	if f.f.Data && len(p.Payload) == 0 {
		return false
	}
	if f.f.Seq != 0 {
		isn, ok := s.isn[flowKey{p.Src, p.Dst}]
		if p.Proto != trace.ProtoTCP || !ok || p.Seq-isn != f.f.Seq {
			return false
		}
	}
	if f.f.From != "" && s.ownerName(p.Src.Addr()) != f.f.From {
		return false
	}
	if f.f.To != "" && s.ownerName(p.Dst.Addr()) != f.f.To {
		return false
	}
	return true
}

func (s *Sim) ownerName(a netip.Addr) string {
	if h := s.byAddr[a]; h != nil {
		return h.name
	}
	return ""
}
