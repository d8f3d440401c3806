package trace

import (
	"net/netip"
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
	// (RFC 9293 §3.8.6.1).
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
	origin := map[uint64]int{}  // packet ID -> index of its first Send
	dropped := map[uint64]int{} // packet ID -> index of its first Drop
	delivered := map[uint64]bool{}
	owner := addrOwners(&t.Header)

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
			if n, ok := owner[e.Packet.Dst.Addr()]; ok && n == e.Node || !ok && e.Node != "" {
				delivered[id] = true
			}
		}
	}

	flows := map[flowKey]*flow{}
	streams := map[[2]netip.AddrPort]int{}
	type pending struct {
		id, orig uint64
		index    int
	}
	inflight := map[[3]string][]pending{} // (from, to, link) -> packets on that hop, in send order
	for i := range t.Events {
		e := &t.Events[i]
		a := &out[i]
		a.Origin, a.Stream, a.DropIndex = -1, -1, -1
		if !hasPacket(e.Kind) {
			continue
		}
		p := &e.Packet
		id := p.ID
		if di, ok := dropped[id]; ok {
			a.DropIndex = di
			a.Lost = !delivered[id]
		}
		hop := [3]string{e.Node, e.Peer, e.Link}
		switch e.Kind {
		case KindSend:
			inflight[hop] = append(inflight[hop], pending{id: id, orig: p.Orig, index: i})
		case KindDuplicate:
			inflight[hop] = append(inflight[hop], pending{id: id, orig: p.Orig, index: i})
		case KindDeliver:
			rev := [3]string{e.Peer, e.Node, e.Link}
			q := inflight[rev]
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
				inflight[rev] = append(q[:j:j], q[j+1:]...)
				break
			}
		case KindDrop:
			for k, q := range inflight {
				for j, x := range q {
					if x.id == id {
						inflight[k] = append(q[:j:j], q[j+1:]...)
						break
					}
				}
			}
		}

		src := id
		if e.Kind == KindDuplicate || p.Orig != 0 {
			src = p.Orig
		}
		first, seen := origin[src]
		if e.Kind == KindSend && !seen && p.Orig == 0 {
			origin[id] = i
			first, seen = i, true
			analyzeSegment(e, a, flows, streams)
		} else if seen {
			a.Hop = e.Kind == KindSend
			o := out[first]
			a.Origin = first
			a.Stream, a.RelSeq, a.RelAck, a.HaveRelAck = o.Stream, o.RelSeq, o.RelAck, o.HaveRelAck
			a.Retransmission, a.FastRetransmit = o.Retransmission, o.FastRetransmit
			a.DupAck, a.DupAckOf, a.WindowProbe, a.ZeroWindow = o.DupAck, o.DupAckOf, o.WindowProbe, o.ZeroWindow
			a.Window = o.Window
			continue
		}
		if seen {
			a.Origin = first
		}
	}
	return out
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
	if segLen > 0 && (!f.haveMax || seqLess(f.maxEnd, end)) {
		f.maxEnd, f.haveMax = end, true
	}

	if p.Flags.Has(FlagACK) && p.Flags&(FlagRST) == 0 {
		pure := segLen == 0
		// A zero-window ACK repeating itself answers a window probe; like
		// Wireshark, do not call it a duplicate ACK.
		if pure && f.haveAck && p.Ack == f.lastAck && p.Window == f.lastWin && p.Window != 0 {
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
