package trace

import (
	"maps"
	"net/netip"
	"slices"
	"time"
)

// Analysis is what a reader learns about one event from the rest of the
// trace — the kind of knowledge Wireshark's TCP analysis adds to a capture
// ("[TCP Retransmission]", "[TCP Dup ACK 12#2]"). It describes the event's
// packet as its sender first put it on the wire; a Deliver, Drop, Enqueue or
// Duplicate of the same packet carries the same packet facts.
type Analysis struct {
	// Origin is the event index of the packet's first Send (its sender's
	// transmission), or -1 for events without a packet or packets that
	// appear without one (a link-made duplicate points at its original's).
	Origin int
	// Hop is true for a Send that forwards a packet already sent by
	// another node (a router's retransmission of the same ID).
	Hop bool

	// Stream numbers the TCP connections in order of appearance from 0,
	// like Wireshark's tcp.stream; -1 for other packets.
	Stream int
	// RelSeq and RelAck are the sequence and acknowledgement numbers
	// relative to each direction's initial sequence number, as Wireshark
	// counts them: from the SYN's; for a direction first seen without a
	// SYN (a capture that began mid-connection, a RST answering a SYN),
	// from the byte before its first sequence number, or before the first
	// acknowledgement of it, whichever comes first — that byte is 1.
	// HaveRelAck is false when the peer's ISN is unknown.
	RelSeq, RelAck uint32
	HaveRelAck     bool

	// Retransmission: the segment re-sends sequence space sent before.
	Retransmission bool
	// FastRetransmit: a retransmission of the segment the peer's three
	// (or more) duplicate ACKs asked for (RFC 5681 §3.2).
	FastRetransmit bool
	// DupAck counts a pure ACK that repeats the previous ACK of its
	// direction with the same, non-zero window: 1 for the first duplicate,
	// 2, 3, ... (RFC 5681 §2; a zero window answers a probe instead).
	DupAck int
	// DupAckOf is the packet ID of the ACK being duplicated.
	DupAckOf uint64
	// WindowProbe: a segment sent while the peer advertises a zero window
	// (RFC 9293 §3.8.6.1): one octet at the window's edge, or Linux's
	// empty segment at SND.UNA−1 (never counted as a duplicate ACK).
	WindowProbe bool
	// ZeroWindow: the segment advertises a receive window of 0.
	ZeroWindow bool
	// Window is the receive window as Wireshark calculates it: the field
	// shifted by its sender's window scale once both SYNs carried the
	// option (RFC 7323 §2.2; never in a SYN), otherwise the field.
	Window uint64

	// Lost is set on every event of a packet that is dropped and never
	// delivered to its destination; DropIndex is the Drop event's index
	// (also set when the drop happens at the destination itself), -1 if none.
	Lost      bool
	DropIndex int
	// OutOfOrder is set on a Deliver that overtook an earlier packet still
	// in flight on the same hop; Overtook is that packet's ID.
	OutOfOrder bool
	Overtook   uint64
}

type flowKey struct{ src, dst netip.AddrPort }

type flow struct {
	stream   int
	base     uint32
	haveBase bool
	maxEnd   uint32 // highest sequence number sent + 1
	haveMax  bool
	lastAck  uint32
	lastWin  uint16
	haveAck  bool
	dupCount int
	dupOf    uint64
	wsShift  uint8 // the window scale shift of this direction's SYN
	haveWS   bool
}

// seqLess reports a < b in sequence-number space (RFC 9293 §3.4).
func seqLess(a, b uint32) bool { return int32(a-b) < 0 }

// Analyze walks t once (plus one pass to learn each packet's fate) and
// returns one Analysis per event, index for index.
func Analyze(t *Trace) []Analysis {
	out := make([]Analysis, len(t.Events))
	dropped := map[uint64]int{} // packet ID -> index of its first Drop
	delivered := map[uint64]bool{}
	z := newAnalyzer(&t.Header, false)

	// Fates first: a sender-side reader wants to know a packet is doomed.
	for i := range t.Events {
		e := &t.Events[i]
		id := e.Packet.ID
		switch e.Kind {
		case KindDrop:
			if _, ok := dropped[id]; !ok {
				dropped[id] = i
			}
		case KindDeliver:
			if z.arrived(e) {
				delivered[id] = true
			}
		}
	}
	for i := range t.Events {
		e := &t.Events[i]
		out[i] = z.Next(e)
		if !hasPacket(e.Kind) {
			continue
		}
		if di, ok := dropped[e.Packet.ID]; ok {
			out[i].DropIndex = di
			out[i].Lost = !delivered[e.Packet.ID]
		}
	}
	return out
}

// Analyzer is Analyze one event at a time, for a trace that is never held
// whole (a long simulation written as it runs): Next gives each event the
// Analysis that Analyze gives it, except for the packet's fate — Lost and
// DropIndex need the rest of the trace, so they stay false and -1.
//
// Its memory follows the packets in flight and the connections, not the
// length of the trace: it forgets a packet (and the link-made copies of
// it) once the last of them has been delivered to its destination or
// dropped and the trace has moved past that instant. A packet ID that
// comes back after that is taken for a new packet.
type Analyzer struct {
	owner    map[netip.Addr]string
	forget   bool
	index    int                // of the next event
	origin   map[uint64]*origin // packet ID -> its first Send
	copyOf   map[uint64]uint64  // (forget) a link-made copy's ID -> the original's, while either lives
	done     []uint64           // (forget) packets finished at the current instant
	doneAt   time.Duration      // that instant
	flows    map[flowKey]*flow  // TCP directions
	streams  map[[2]netip.AddrPort]int
	inflight map[[3]string][]pending // (from, to, link) -> packets on that hop, in send order
}

// origin is what the Analyzer keeps of a packet's first transmission.
type origin struct {
	index int
	a     Analysis
	refs  int // the packet and its copies not yet finished (when forgetting)
}

type pending struct {
	id, orig uint64
	index    int
}

// NewAnalyzer returns an Analyzer for a trace with header h.
func NewAnalyzer(h *Header) *Analyzer { return newAnalyzer(h, true) }

func newAnalyzer(h *Header, forget bool) *Analyzer {
	return &Analyzer{owner: addrOwners(h), forget: forget, origin: map[uint64]*origin{}, copyOf: map[uint64]uint64{},
		flows: map[flowKey]*flow{}, streams: map[[2]netip.AddrPort]int{}, inflight: map[[3]string][]pending{}}
}

// Clone returns an Analyzer in z's state that goes on independently of
// z: a checkpoint a reader can go back to, to analyze a stretch of a long
// run again without walking it from the start. Its cost follows what z
// holds — the packets in flight and the connections.
func (z *Analyzer) Clone() *Analyzer {
	c := *z
	c.origin = make(map[uint64]*origin, len(z.origin))
	for id, o := range z.origin {
		oc := *o
		c.origin[id] = &oc
	}
	c.copyOf = maps.Clone(z.copyOf)
	c.done = slices.Clone(z.done)
	c.flows = make(map[flowKey]*flow, len(z.flows))
	for k, f := range z.flows {
		fc := *f
		c.flows[k] = &fc
	}
	c.streams = maps.Clone(z.streams)
	c.inflight = make(map[[3]string][]pending, len(z.inflight))
	for k, q := range z.inflight {
		if len(q) > 0 { // a hop emptied long ago needs no slice of its own
			c.inflight[k] = slices.Clone(q)
		}
	}
	return &c
}

// Held returns how many packets, copies, connections and hops z holds:
// what a Clone of it costs, in entries.
func (z *Analyzer) Held() int {
	n := len(z.origin) + len(z.copyOf) + len(z.flows) + len(z.streams)
	for _, q := range z.inflight {
		n += 1 + len(q)
	}
	return n
}

// Arrived reports whether e, a Deliver, brings its packet to its
// destination (the host that owns the destination address), rather than
// to a router on the way.
func (z *Analyzer) Arrived(e *Event) bool { return e.Kind == KindDeliver && z.arrived(e) }

// arrived reports whether a Deliver brings its packet to its destination.
func (z *Analyzer) arrived(e *Event) bool {
	n, ok := z.owner[e.Packet.Dst.Addr()]
	return ok && n == e.Node || !ok && e.Node != ""
}

// Next returns the analysis of e, the trace's next event.
func (z *Analyzer) Next(e *Event) Analysis {
	i := z.index
	z.index++
	if z.forget && len(z.done) > 0 && e.At != z.doneAt {
		z.purge()
	}
	a := Analysis{Origin: -1, Stream: -1, DropIndex: -1}
	if !hasPacket(e.Kind) {
		return a
	}
	p := &e.Packet
	id := p.ID
	hop := [3]string{e.Node, e.Peer, e.Link}
	switch e.Kind {
	case KindSend, KindDuplicate:
		z.inflight[hop] = append(z.inflight[hop], pending{id: id, orig: p.Orig, index: i})
	case KindDeliver:
		rev := [3]string{e.Peer, e.Node, e.Link}
		q := z.inflight[rev]
		for j, x := range q {
			if x.id != id {
				continue
			}
			for _, y := range q[:j] {
				// A copy overtaking its own original is not reordering.
				if y.id != p.Orig && y.orig != id && !(p.Orig != 0 && y.orig == p.Orig) {
					a.OutOfOrder, a.Overtook = true, y.id
					break
				}
			}
			z.inflight[rev] = append(q[:j:j], q[j+1:]...)
			break
		}
	case KindDrop:
		for k, q := range z.inflight {
			for j, x := range q {
				if x.id == id {
					z.inflight[k] = append(q[:j:j], q[j+1:]...)
					break
				}
			}
		}
	}
	if z.forget {
		z.track(e)
	}

	src := id
	if e.Kind == KindDuplicate || p.Orig != 0 {
		src = p.Orig
	}
	o, seen := z.origin[src]
	if e.Kind == KindSend && !seen && p.Orig == 0 {
		analyzeSegment(e, &a, z.flows, z.streams)
		a.Origin = i
		z.origin[id] = &origin{index: i, a: a, refs: 1}
		return a
	}
	if seen {
		a.Hop = e.Kind == KindSend
		a.Origin = o.index
		f := &o.a
		a.Stream, a.RelSeq, a.RelAck, a.HaveRelAck = f.Stream, f.RelSeq, f.RelAck, f.HaveRelAck
		a.Retransmission, a.FastRetransmit = f.Retransmission, f.FastRetransmit
		a.DupAck, a.DupAckOf, a.WindowProbe, a.ZeroWindow = f.DupAck, f.DupAckOf, f.WindowProbe, f.ZeroWindow
		a.Window = f.Window
	}
	return a
}

// track counts the copies a link makes and notes the packets that finish
// at this instant; purge forgets them once the instant is over (a host's
// verdict on a packet, a Drop, follows its Deliver at the same instant).
func (z *Analyzer) track(e *Event) {
	p := &e.Packet
	switch e.Kind {
	case KindDuplicate:
		if o, ok := z.origin[p.Orig]; ok {
			o.refs++
			z.copyOf[p.ID] = p.Orig
		}
	case KindDrop:
	case KindDeliver:
		if !z.arrived(e) {
			return
		}
	default:
		return
	}
	if e.Kind != KindDuplicate {
		z.done, z.doneAt = append(z.done, p.ID), e.At
	}
}

func (z *Analyzer) purge() {
	slices.Sort(z.done)
	for i, id := range z.done {
		if i > 0 && z.done[i-1] == id {
			continue // delivered, then dropped by its host: one finish
		}
		root := id
		if r, ok := z.copyOf[id]; ok {
			root = r
			delete(z.copyOf, id)
		}
		if o, ok := z.origin[root]; ok {
			if o.refs--; o.refs <= 0 {
				delete(z.origin, root)
			}
		}
	}
	z.done = z.done[:0]
}

func hasPacket(k Kind) bool {
	switch k {
	case KindSend, KindEnqueue, KindDrop, KindDuplicate, KindDeliver:
		return true
	}
	return false
}

// analyzeSegment derives the TCP facts of a packet's first transmission.
func analyzeSegment(e *Event, a *Analysis, flows map[flowKey]*flow, streams map[[2]netip.AddrPort]int) {
	p := &e.Packet
	if p.Proto != ProtoTCP {
		return
	}
	flowOf := func(k flowKey) *flow {
		f := flows[k]
		if f == nil {
			pair := [2]netip.AddrPort{k.src, k.dst}
			if pair[1].String() < pair[0].String() {
				pair[0], pair[1] = pair[1], pair[0]
			}
			s, ok := streams[pair]
			if !ok {
				s = len(streams)
				streams[pair] = s
			}
			f = &flow{stream: s}
			flows[k] = f
		}
		return f
	}
	f := flowOf(flowKey{p.Src, p.Dst})
	a.Stream = f.stream
	switch {
	case p.Flags.Has(FlagSYN) && !f.haveMax:
		f.base, f.haveBase = p.Seq, true
	case !f.haveBase:
		// Joined mid-connection (a capture that began late, or a RST
		// answering a SYN): like Wireshark, count from the byte before
		// the first one seen, so that it shows as 1.
		f.base, f.haveBase = p.Seq-1, true
	}
	if p.Flags.Has(FlagACK) && flows[flowKey{p.Dst, p.Src}] == nil {
		// The peer's direction is not seen yet: like Wireshark, take its
		// base from this acknowledgement (the next byte expected is 1).
		r := flowOf(flowKey{p.Dst, p.Src})
		r.base, r.haveBase = p.Ack-1, true
	}
	rev := flows[flowKey{p.Dst, p.Src}]
	if p.Flags.Has(FlagSYN) && p.Opts&OptWScale != 0 {
		f.wsShift, f.haveWS = min(p.WScale, 14), true
	}
	a.Window = uint64(p.Window)
	if !p.Flags.Has(FlagSYN) && f.haveWS && rev != nil && rev.haveWS {
		a.Window <<= f.wsShift
	}
	a.RelSeq = p.Seq - f.base
	if p.Flags.Has(FlagACK) && rev != nil && rev.haveBase {
		a.RelAck, a.HaveRelAck = p.Ack-rev.base, true
	}
	a.ZeroWindow = p.Window == 0 && p.Flags&(FlagSYN|FlagFIN|FlagRST) == 0

	segLen := p.SegLen()
	end := p.Seq + segLen
	if segLen > 0 && f.haveMax && seqLess(p.Seq, f.maxEnd) {
		a.Retransmission = true
		if rev != nil && rev.haveAck && rev.dupCount >= 3 && p.Seq == rev.lastAck {
			a.FastRetransmit = true
		}
	}
	if rev != nil && rev.haveAck && rev.lastWin == 0 && len(p.Payload) > 0 && p.Seq == rev.lastAck {
		a.WindowProbe = true
		a.Retransmission = false
	}
	if rev != nil && rev.haveAck && rev.lastWin == 0 && segLen == 0 && p.Flags == FlagACK && p.Seq == rev.lastAck-1 {
		// Linux's probe of a zero window: an empty segment one below what
		// the peer acknowledged (tshark: "TCP Keep-Alive"), which the peer
		// must answer with its window.
		a.WindowProbe = true
	}
	if segLen > 0 && (!f.haveMax || seqLess(f.maxEnd, end)) {
		f.maxEnd, f.haveMax = end, true
	}

	if p.Flags.Has(FlagACK) && p.Flags&(FlagRST) == 0 {
		pure := segLen == 0
		// A zero-window ACK repeating itself answers a window probe; like
		// Wireshark, do not call it a duplicate ACK.
		if pure && !a.WindowProbe && f.haveAck && p.Ack == f.lastAck && p.Window == f.lastWin && p.Window != 0 {
			f.dupCount++
			a.DupAck, a.DupAckOf = f.dupCount, f.dupOf
		} else {
			f.dupCount, f.dupOf = 0, p.ID
		}
		f.lastAck, f.lastWin, f.haveAck = p.Ack, p.Window, true
	}
}

// RearmedAfter returns how long the timer that fired at event i was
// armed for again at the same instant (the backed-off RTO of RFC 6298
// §5.5), and whether it was. Producers may emit the fire event with the
// connection's variables from before or after the back-off; the re-arm
// says what really happened.
func RearmedAfter(t *Trace, i int) (time.Duration, bool) {
	f := &t.Events[i]
	for j := i + 1; j < len(t.Events) && t.Events[j].At == f.At; j++ {
		e := &t.Events[j]
		if e.Kind == KindTimerSet && e.Node == f.Node && e.Timer == f.Timer && e.Conn.Local == f.Conn.Local {
			return e.Deadline - e.At, true
		}
	}
	return 0, false
}

// addrOwners maps every address of the header to the node that has it.
func addrOwners(h *Header) map[netip.Addr]string {
	m := map[netip.Addr]string{}
	for _, n := range h.Nodes {
		for _, a := range n.Addrs {
			m[a] = n.Name
		}
	}
	return m
}
