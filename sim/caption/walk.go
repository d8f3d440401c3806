package caption

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"socketlab/sim/trace"
)

// A walk is Annotate's state as it goes through a run event by event:
// what it has learnt of the connections, the flows and the packets in
// flight. Its memory follows those, not the length of the run — it
// forgets a packet once it has finished — so a clone of it is a
// checkpoint that Contexts can go back to.
type walk struct {
	// Fixed for the run: shared by clones, never written.
	nodes map[string]trace.Node
	owner map[netip.Addr]string
	narr  []moment // the preset's narration; nil for a live run

	index int // of the next event
	z     *trace.Analyzer

	rto       map[connKey]time.Duration
	dups      map[connKey]uint8
	armed     map[timerKey]time.Duration // how long each timer was last set for
	lastFire  map[connKey]fired          // the last retransmission timeout of a connection
	lastTLP   map[connKey]time.Duration  // when a connection's tail loss probe timer last fired
	states    map[connKey]trace.TCPState
	timeWait  map[connKey]time.Duration // 2·MSL of a connection in TIME-WAIT
	probed    map[connKey]uint32        // connection -> relative seq + 1 of its last window probe
	synack    map[flowKey]uint32        // flow of a SYN-ACK -> its sequence number
	acked     map[flowKey]bool          // flows whose handshake ACK was sent
	finEnd    map[flowKey]uint32        // flow -> its FIN's sequence number + 1
	finAcked  map[flowKey]bool
	lastData  map[flowKey][2]uint32 // flow -> relative seq and length of the last in-order data delivered
	receivers map[flowKey]*recv
	pending   map[flowKey][]uint64 // end to end: packets sent, not yet arrived or lost
	// handshake holds the event indices whose packet is a handshake's
	// ACK: the packet's later events (its hops, its arrival) are too.
	handshake map[int]bool
	seen      []int // how often each moment of the narration has happened

	// packets is what the walk needs of each packet it has seen and not
	// yet forgotten: the overtaking test of an arrival reads the packets
	// still pending before it, and an ICMP error reads the port of the
	// packet it quotes. A finished packet is forgotten after its instant,
	// or, when an ICMP error might still quote it (not TCP), after
	// quoteGrace: an error quotes what has just arrived.
	packets  map[uint64]packetFacts
	finished []finish // packets finished and not yet forgotten, in time order
}

// quoteGrace is how long a finished datagram is remembered for an ICMP
// error quoting it: a host or router answers at once (the simulator in
// the same instant, a real kernel within microseconds).
const quoteGrace = time.Second

type packetFacts struct {
	orig    uint64 // the original of a link-made copy
	dstPort uint16
	quoted  uint16 // of an ICMP error: the quoted packet's destination port
	done    bool   // already on the finished list
}

type finish struct {
	id  uint64
	at  time.Duration // when it finished
	tcp bool
}

type connKey struct {
	node  string
	local netip.AddrPort
}

type timerKey struct {
	connKey
	timer trace.TimerKind
}

type fired struct{ at, waited, next time.Duration }

// look is what a walk may read of the run beyond the event it is at.
type look interface {
	// event returns event j, for j in the instant of the event being
	// walked, or the first event after that instant; nil if there is none
	// (yet).
	event(j int) *trace.Event
	// fate returns the index of the first Drop of packet id (-1 if none)
	// and whether the packet is lost: dropped and never delivered to its
	// destination.
	fate(id uint64) (drop int, lost bool)
	// noSocket reports whether node drops packet id for want of a socket.
	noSocket(node string, id uint64) bool
	// proto returns the transport of a socket address: that of the first
	// packet to or from it (ProtoNone if none).
	proto(a netip.AddrPort) trace.Proto
}

func newWalk(h *trace.Header) *walk {
	w := &walk{
		nodes: map[string]trace.Node{}, owner: map[netip.Addr]string{}, z: trace.NewAnalyzer(h),
		rto: map[connKey]time.Duration{}, dups: map[connKey]uint8{}, armed: map[timerKey]time.Duration{},
		lastFire: map[connKey]fired{}, lastTLP: map[connKey]time.Duration{}, states: map[connKey]trace.TCPState{},
		timeWait: map[connKey]time.Duration{}, probed: map[connKey]uint32{}, synack: map[flowKey]uint32{},
		acked: map[flowKey]bool{}, finEnd: map[flowKey]uint32{}, finAcked: map[flowKey]bool{},
		lastData: map[flowKey][2]uint32{}, receivers: map[flowKey]*recv{}, pending: map[flowKey][]uint64{},
		handshake: map[int]bool{}, packets: map[uint64]packetFacts{},
	}
	for _, n := range h.Nodes {
		w.nodes[n.Name] = n
		for _, a := range n.Addrs {
			w.owner[a] = n.Name
		}
	}
	if !h.Live {
		w.narr = narrations[h.Scenario]
		w.seen = make([]int, len(w.narr))
	}
	return w
}

// clone returns a walk in w's state that goes on independently of it.
func (w *walk) clone() *walk {
	c := *w
	c.z = w.z.Clone()
	c.rto, c.dups, c.armed = maps.Clone(w.rto), maps.Clone(w.dups), maps.Clone(w.armed)
	c.lastFire, c.lastTLP, c.states = maps.Clone(w.lastFire), maps.Clone(w.lastTLP), maps.Clone(w.states)
	c.timeWait, c.probed, c.synack = maps.Clone(w.timeWait), maps.Clone(w.probed), maps.Clone(w.synack)
	c.acked, c.finEnd, c.finAcked = maps.Clone(w.acked), maps.Clone(w.finEnd), maps.Clone(w.finAcked)
	c.lastData, c.handshake, c.packets = maps.Clone(w.lastData), maps.Clone(w.handshake), maps.Clone(w.packets)
	c.receivers = make(map[flowKey]*recv, len(w.receivers))
	for k, r := range w.receivers {
		c.receivers[k] = &recv{next: r.next, ooo: maps.Clone(r.ooo)}
	}
	c.pending = make(map[flowKey][]uint64, len(w.pending))
	for k, q := range w.pending {
		if len(q) > 0 {
			c.pending[k] = slices.Clone(q)
		}
	}
	c.seen = slices.Clone(w.seen)
	c.finished = slices.Clone(w.finished)
	return &c
}

// held returns how many entries w holds: what a clone of it costs.
func (w *walk) held() int {
	n := w.z.Held() + len(w.rto) + len(w.dups) + len(w.armed) + len(w.lastFire) + len(w.lastTLP) + len(w.states) +
		len(w.timeWait) + len(w.probed) + len(w.synack) + len(w.acked) + len(w.finEnd) + len(w.finAcked) +
		len(w.lastData) + len(w.handshake) + len(w.packets) + len(w.finished)
	for _, r := range w.receivers {
		n += 1 + len(r.ooo)
	}
	for _, q := range w.pending {
		n += 1 + len(q)
	}
	return n
}

func (w *walk) who(name string) Who {
	n := w.nodes[name]
	return Who{Name: name, Role: n.Role, TCP: n.TCP}
}

// forget drops the packets that finished long enough before now.
func (w *walk) forget(now time.Duration) {
	k := 0
	for k < len(w.finished) {
		f := w.finished[k]
		if f.at == now || !f.tcp && now-f.at < quoteGrace {
			break
		}
		delete(w.packets, f.id)
		k++
	}
	w.finished = w.finished[k:]
	if k > 0 && len(w.finished) == 0 {
		w.finished = nil // let the array go
	}
}

// step walks event i, e, filling in its context c (except what narrate
// and lead add once its instant is complete).
func (w *walk) step(i int, e *trace.Event, c *Context, lk look) {
	if w.index != i {
		panic("caption: walk out of order")
	}
	w.index++
	if len(w.finished) > 0 && w.finished[0].at != e.At {
		w.forget(e.At)
	}
	c.Analysis = w.z.Next(e)
	if isPacketKind(e.Kind) {
		c.DropIndex, c.Lost = lk.fate(e.Packet.ID)
	}
	if e.Kind == trace.KindApp {
		c.Proto = lk.proto(e.Socket)
	}
	c.Node, c.Peer = w.who(e.Node), w.who(e.Peer)
	if n, ok := w.nodes[e.Node]; ok {
		c.Router = n.Kind == trace.NodeRouter
	}

	if e.Conn != (trace.ConnState{}) {
		k := connKey{e.Node, e.Conn.Local}
		c.PrevDupAcks = w.dups[k]
		w.dups[k] = e.Conn.DupAcks
		w.rto[k] = e.Conn.RTO
	}
	ck := connKey{e.Node, e.Conn.Local}
	switch e.Kind {
	case trace.KindTimerSet:
		c.RTO = e.Deadline - e.At
		w.armed[timerKey{ck, e.Timer}] = c.RTO
	case trace.KindTimerFire:
		c.RTO = e.Conn.RTO
		if next, ok := rearmedAfter(lk, i, e); ok {
			c.RTO = next
		}
		if e.Timer == trace.TimerRetransmit {
			c.Waited = w.armed[timerKey{ck, e.Timer}]
			w.lastFire[ck] = fired{e.At, c.Waited, c.RTO}
		}
		if e.Timer == trace.TimerTLP {
			w.lastTLP[ck] = e.At
		}
		if next := lk.event(i + 1); e.Timer == trace.TimerApp && next != nil {
			c.TimedOut = next.At == e.At && next.Node == e.Node && strings.Contains(next.Text, "timed out") &&
				(next.Kind == trace.KindNote || next.Kind == trace.KindApp && next.Op == trace.OpError)
		}
	case trace.KindState:
		c.RTO = e.Conn.RTO
		w.states[ck] = e.To
		if e.To == trace.StateTimeWait {
			if d, ok := instantTimer(lk, i, e, trace.TimerTimeWait); ok {
				c.RTO = d
			}
			w.timeWait[ck] = c.RTO
		}
	case trace.KindTimerCancel, trace.KindConnStat:
		c.RTO = e.Conn.RTO
	}
	if isPacketKind(e.Kind) {
		w.packet(i, e, c, lk)
	}
	w.narrate(e, c)
}

// packet is step for an event that carries a packet.
func (w *walk) packet(i int, e *trace.Event, c *Context, lk look) {
	p := &e.Packet
	facts := w.packets[p.ID]
	facts.orig, facts.dstPort = p.Orig, p.Dst.Port()
	if p.Proto == trace.ProtoICMP {
		if q, ok := w.packets[p.Quote]; ok {
			facts.quoted = q.dstPort
		}
		c.QuotedPort = facts.quoted
	}
	finished := e.Kind == trace.KindDrop || e.Kind == trace.KindDeliver && w.z.Arrived(e)
	if finished && !facts.done {
		facts.done = true
		w.finished = append(w.finished, finish{id: p.ID, at: e.At, tcp: p.Proto == trace.ProtoTCP})
	}
	w.packets[p.ID] = facts

	if c.Origin >= 0 && c.Origin < i {
		c.HandshakeACK = w.handshake[c.Origin]
	}
	sender := e.Node
	if c.Origin >= 0 && c.Origin < i {
		sender = w.originNode(c.Origin, lk, sender)
	}
	c.Sender = w.who(sender)
	c.Receiver = w.who(w.owner[p.Dst.Addr()])
	c.Copy = p.Orig != 0
	c.RTO = w.rto[connKey{sender, p.Src}]
	flow := flowKey{p.Src, p.Dst}

	switch e.Kind {
	case trace.KindSend:
		if c.Hop || c.Copy {
			break
		}
		w.pending[flow] = append(w.pending[flow], p.ID)
		if p.Proto != trace.ProtoTCP {
			break
		}
		ck := connKey{sender, p.Src}
		if f := w.lastFire[ck]; c.Retransmission && !c.FastRetransmit && f.at == e.At && f.waited > 0 {
			c.Waited, c.RTO = f.waited, f.next
		}
		if at, ok := w.lastTLP[ck]; ok && at == e.At && len(p.Payload) > 0 {
			c.TailLossProbe = true
		}
		switch {
		case c.WindowProbe:
			w.probed[ck] = c.RelSeq + 1
		case c.Retransmission && len(p.Payload) > 0 && w.probed[ck] == c.RelSeq+1 && w.lastFire[ck].at != e.At:
			c.AfterProbe = true
			delete(w.probed, ck)
		}
		if p.Flags.Has(trace.FlagFIN) {
			w.finEnd[flow] = p.Seq + p.SegLen()
		}
		rev := flowKey{p.Dst, p.Src}
		switch {
		case p.Flags.Has(trace.FlagSYN | trace.FlagACK):
			w.synack[flow] = p.Seq
		case p.Flags.Has(trace.FlagACK) && p.SegLen() == 0 && p.Flags&trace.FlagRST == 0:
			if s, ok := w.synack[rev]; ok && !w.acked[flow] && p.Ack == s+1 {
				c.HandshakeACK, w.acked[flow] = true, true
				break
			}
			if end, ok := w.finEnd[rev]; ok && !w.finAcked[rev] && p.Ack == end {
				c.FinACK, w.finAcked[rev] = true, true
				if w.states[ck] == trace.StateTimeWait {
					c.TimeWait, c.RTO = true, w.timeWait[ck]
				}
				break
			}
			if d, ok := w.lastData[rev]; ok && c.HaveRelAck && c.RelAck == d[0]+d[1] {
				c.DataACK, c.DataSeq, c.DataLen = true, d[0], d[1]
				delete(w.lastData, rev)
			}
		}
	case trace.KindDuplicate:
		w.pending[flow] = append(w.pending[flow], p.ID)
	case trace.KindDrop:
		if c.Lost {
			w.unpend(flow, slices.Index(w.pending[flow], p.ID))
		}
	case trace.KindDeliver:
		dst, known := w.owner[p.Dst.Addr()]
		c.FinalHop = known && dst == e.Node || !known && !c.Router
		if !c.FinalHop {
			break
		}
		c.Discarded = lk.noSocket(e.Node, p.ID)
		// End-to-end order: did it overtake a packet sent before it?
		c.OutOfOrder, c.Overtook = false, 0
		q := w.pending[flow]
		if j := slices.Index(q, p.ID); j >= 0 {
			for _, id := range q[:j] {
				o := w.packets[id]
				if id != p.Orig && o.orig != p.ID && !(p.Orig != 0 && o.orig == p.Orig) {
					c.OutOfOrder, c.Overtook = true, id
					break
				}
			}
			w.unpend(flow, j)
		}
		if p.Proto == trace.ProtoTCP && !c.WindowProbe && !c.Discarded {
			c.Gap, c.Expected = receive(w.receivers, flow, p, c.RelSeq)
			if len(p.Payload) > 0 && !c.Gap {
				w.lastData[flow] = [2]uint32{c.RelSeq, uint32(len(p.Payload))}
			}
		}
	}
	if c.HandshakeACK {
		w.handshake[i] = true
	}
}

// unpend takes the packet at j (if j ≥ 0) off flow's pending list; an
// emptied list is dropped, so that flows long finished cost nothing.
func (w *walk) unpend(flow flowKey, j int) {
	if j < 0 {
		return
	}
	q := slices.Delete(w.pending[flow], j, j+1)
	if len(q) == 0 {
		delete(w.pending, flow)
		return
	}
	w.pending[flow] = q
}

// originNode returns the node of event origin, a packet's first send: its
// sender. The analyzer remembers where the packet started; the node is
// read back from the run (def if it cannot be).
func (w *walk) originNode(origin int, lk look, def string) string {
	if e := lk.event(origin); e != nil {
		return e.Node
	}
	return def
}

// narrate marks e with the lesson key of the narration's moment it is.
func (w *walk) narrate(e *trace.Event, c *Context) {
	if len(w.narr) == 0 {
		return
	}
	k := ownKey(e, c)
	for j, m := range w.narr {
		if k != m.on || m.node != "" && m.node != e.Node {
			continue
		}
		w.seen[j]++
		if m.nth == 0 || w.seen[j] == m.nth {
			c.Lesson = m.key
		}
	}
}

// rearmedAfter is trace.RearmedAfter over a look.
func rearmedAfter(lk look, i int, f *trace.Event) (time.Duration, bool) {
	for j := i + 1; ; j++ {
		e := lk.event(j)
		if e == nil || e.At != f.At {
			return 0, false
		}
		if e.Kind == trace.KindTimerSet && e.Node == f.Node && e.Timer == f.Timer && e.Conn.Local == f.Conn.Local {
			return e.Deadline - e.At, true
		}
	}
}

// instantTimer returns how long the timer of kind k that event i's node
// sets at the same instant runs.
func instantTimer(lk look, i int, ev *trace.Event, k trace.TimerKind) (time.Duration, bool) {
	lo := i
	for lo > 0 {
		if p := lk.event(lo - 1); p == nil || p.At != ev.At {
			break
		}
		lo--
	}
	for j := lo; ; j++ {
		e := lk.event(j)
		if e == nil || e.At != ev.At {
			return 0, false
		}
		if e.Kind == trace.KindTimerSet && e.Timer == k && e.Node == ev.Node {
			return e.Deadline - e.At, true
		}
	}
}

// lead makes the last event of every instant in evs (whole instants; the
// first is event base of the run) show the instant's most instructive
// moment, when that came earlier: the SYN rather than the congestion
// window reported after it.
func lead(evs []trace.Event, out []Context, base int) {
	for start := 0; start < len(evs); {
		end := start + 1
		for end < len(evs) && evs[end].At == evs[start].At {
			end++
		}
		last := end - 1
		weight := func(j int) int {
			if out[j].Lesson != "" {
				return 4 // a moment the narration names
			}
			return Rank(Key(&evs[j], &out[j]))
		}
		best, br := last, weight(last)
		for j := last - 1; j >= start; j-- {
			if r := weight(j); r > br {
				best, br = j, r
			}
		}
		if best != last {
			// A copy of the event, not a pointer into evs: one pointer
			// would keep the whole array alive as long as the contexts.
			e := evs[best]
			out[last].Shows = &Moment{Index: base + best, Event: &e, Ctx: &out[best]}
		}
		start = end
	}
}
