// Package layout is the renderer's pure half: it indexes a trace.Trace into
// packet flights, answers "what is where at virtual time t", and computes
// the geometry (topology positions, ladder arrows, hit tests, the scrubber)
// and the texts (labels, event lines) the desktop and browser views draw.
//
// It does not import ebiten, so all of it is tested without a display. It
// reads only trace events and the trace header, never a producer's
// internals: the same code lays out simulated and live runs.
package layout

import (
	"net/netip"
	"slices"
	"sort"
	"time"

	"socketlab/sim/trace"
)

// Flight is one packet crossing one link: from its Send (or, for a copy the
// link made, its Duplicate) to its Deliver or Drop on the same link.
type Flight struct {
	Ev       int    // index of the Send or Duplicate event
	EndEv    int    // index of the Deliver or Drop event; -1 if the trace ends first
	ID       uint64 // the packet's ID
	Link     string
	From, To int           // node indices (Model.Nodes)
	Start    time.Duration // first bit leaves
	Arrive   time.Duration // when the last bit would arrive if nothing interferes (0: unknown)
	End      time.Duration // when it leaves the picture: delivered, or reaches its drop point
	Dropped  bool
	Reason   trace.DropReason
	DropFrac float64 // for a drop: how far along the link (0..1) the packet was lost
	Dup      bool    // a copy made by the link (Packet.Orig is the original)
	Retrans  bool    // a TCP segment re-sending sequence space sent before
	Late     bool    // overtaken: a packet sent later on the same link and direction arrived first
}

// Frac returns how far along the link (0 at From, 1 at To) the flight is at t.
func (f *Flight) Frac(t time.Duration) float64 {
	if f.End <= f.Start {
		if f.Dropped {
			return f.DropFrac
		}
		return 1
	}
	p := float64(t-f.Start) / float64(f.End-f.Start)
	p = min(max(p, 0), 1)
	if f.Dropped {
		return p * f.DropFrac
	}
	return p
}

// Mark is a drop that happened at a node rather than on a link: a full
// queue, no socket at the destination port, a TCP endpoint discarding a
// segment, no route.
type Mark struct {
	Ev     int
	At     time.Duration
	Node   int
	Peer   int // the node it was heading to, or -1
	Reason trace.DropReason
	ID     uint64
}

// Queued is a packet waiting in a link's transmit queue at node Node.
type Queued struct {
	Ev          int // the Enqueue event
	Node, Peer  int
	Link        string
	From, Until time.Duration // Until: its Send (or drop); the trace end if neither
	ID          uint64
}

type flowKey struct{ src, dst netip.AddrPort }

type flightKey struct {
	id   uint64
	link string
}

// connTrack is the history of one connection's variables at one node.
type connTrack struct {
	node          int
	local, remote netip.AddrPort
	evs           []int // State/ConnStat/Timer* events that carry Conn, in order
}

// Model is an index over one trace. Build it once per trace; every query is
// then a binary search plus work proportional to what is on screen, which is
// what lets the cursor jump back to any instant of a long run at once.
type Model struct {
	Trace   *trace.Trace
	Nodes   []trace.Node // the header's nodes, then any node only named by events
	Flights []Flight     // ordered by Start (event order)
	Marks   []Mark
	Queues  []Queued
	End     time.Duration // the time of the last event
	Linger  time.Duration // how long a drop's ✕ stays on screen

	nodeIdx   map[string]int
	times     []time.Duration // event times, for binary search
	evFlight  []int32         // event index -> flight index, -1
	maxFlight time.Duration
	isn       map[flowKey]uint32
	conns     []connTrack
	nodeConns [][]int // node -> indices into conns
	gaps      []Gap
}

// NewModel indexes tr. It never fails: events it cannot place (a Deliver
// without a Send, a node missing from the header) are still listed and
// counted, just not animated.
func NewModel(tr *trace.Trace) *Model {
	m := &Model{Trace: tr, nodeIdx: map[string]int{}, isn: map[flowKey]uint32{}}
	for _, n := range tr.Header.Nodes {
		m.node(n.Name, n)
	}
	m.times = make([]time.Duration, len(tr.Events))
	m.evFlight = make([]int32, len(tr.Events))
	open := map[flightKey]int{}
	openQ := map[flightKey]int{}
	seenID := map[uint64]bool{}
	sentEnd := map[flowKey]uint32{} // highest sequence end sent per flow
	connIdx := map[[3]any]int{}
	for i := range tr.Events {
		e := &tr.Events[i]
		m.times[i] = e.At
		m.evFlight[i] = -1
		m.End = max(m.End, e.At)
		key := flightKey{e.Packet.ID, e.Link}
		switch e.Kind {
		case trace.KindSend, trace.KindDuplicate:
			f := Flight{Ev: i, EndEv: -1, ID: e.Packet.ID, Link: e.Link, From: m.nodeNamed(e.Node), To: m.nodeNamed(e.Peer),
				Start: e.At, Arrive: e.Arrive, Dup: e.Kind == trace.KindDuplicate}
			if q, ok := openQ[key]; ok {
				m.Queues[q].Until = e.At
				delete(openQ, key)
			}
			if e.Kind == trace.KindSend && !seenID[e.Packet.ID] && e.Packet.Proto == trace.ProtoTCP {
				fk := flowKey{e.Packet.Src, e.Packet.Dst}
				p := &e.Packet
				if p.Flags.Has(trace.FlagSYN) {
					if _, ok := m.isn[fk]; !ok {
						m.isn[fk] = p.Seq
					}
				}
				if n := p.SegLen(); n > 0 {
					end, ok := sentEnd[fk]
					if ok && seqLess(p.Seq, end) {
						f.Retrans = true
					}
					if !ok || seqLess(end, p.Seq+n) {
						sentEnd[fk] = p.Seq + n
					}
				}
				if _, ok := m.isn[fk]; !ok {
					m.isn[fk] = p.Seq - 1 // joined mid-stream: count from the first byte seen
				}
			}
			seenID[e.Packet.ID] = true
			m.Flights = append(m.Flights, f)
			open[key] = len(m.Flights) - 1
			m.evFlight[i] = int32(len(m.Flights) - 1)
		case trace.KindDeliver:
			if fi, ok := open[key]; ok {
				f := &m.Flights[fi]
				f.End, f.EndEv = e.At, i
				delete(open, key)
				m.evFlight[i] = int32(fi)
			}
		case trace.KindDrop:
			if fi, ok := open[key]; ok {
				f := &m.Flights[fi]
				f.Dropped, f.Reason, f.EndEv = true, e.Reason, i
				f.DropFrac, f.End = 0.5, max(e.At, f.Start)
				if f.Arrive > f.Start {
					span := f.Arrive - f.Start
					if e.At > f.Start && e.At < f.Arrive {
						f.DropFrac = min(max(float64(e.At-f.Start)/float64(span), 0.1), 0.9)
					}
					f.End = f.Start + time.Duration(f.DropFrac*float64(span))
				}
				delete(open, key)
				m.evFlight[i] = int32(fi)
				break
			}
			if q, ok := openQ[key]; ok {
				m.Queues[q].Until = e.At
				delete(openQ, key)
			}
			peer := -1
			if e.Peer != "" {
				peer = m.nodeNamed(e.Peer)
			}
			m.Marks = append(m.Marks, Mark{Ev: i, At: e.At, Node: m.nodeNamed(e.Node), Peer: peer, Reason: e.Reason, ID: e.Packet.ID})
		case trace.KindEnqueue:
			m.Queues = append(m.Queues, Queued{Ev: i, Node: m.nodeNamed(e.Node), Peer: m.nodeNamed(e.Peer), Link: e.Link, From: e.At, Until: -1, ID: e.Packet.ID})
			openQ[key] = len(m.Queues) - 1
		case trace.KindState, trace.KindConnStat, trace.KindTimerSet, trace.KindTimerCancel, trace.KindTimerFire:
			if e.Conn.State == trace.StateNone && e.Kind != trace.KindState {
				break // a timer event without connection variables
			}
			n := m.nodeNamed(e.Node)
			k := [3]any{n, e.Conn.Local, e.Conn.Remote}
			ci, ok := connIdx[k]
			if !ok {
				ci = len(m.conns)
				connIdx[k] = ci
				m.conns = append(m.conns, connTrack{node: n, local: e.Conn.Local, remote: e.Conn.Remote})
			}
			m.conns[ci].evs = append(m.conns[ci].evs, i)
		}
	}
	for i := range m.Flights {
		f := &m.Flights[i]
		if f.EndEv < 0 { // still on the wire when the trace ends
			f.End = max(f.Arrive, m.End)
		}
		m.maxFlight = max(m.maxFlight, f.End-f.Start)
	}
	for i := range m.Queues {
		if m.Queues[i].Until < 0 {
			m.Queues[i].Until = m.End
		}
	}
	m.markLate()
	m.nodeConns = make([][]int, len(m.Nodes))
	for ci, c := range m.conns {
		m.nodeConns[c.node] = append(m.nodeConns[c.node], ci)
	}
	m.Linger = m.lingerTime()
	m.findGaps()
	return m
}

// seqLess is sequence-number comparison with wraparound (RFC 9293 §3.4).
func seqLess(a, b uint32) bool { return int32(a-b) < 0 }

func (m *Model) node(name string, n trace.Node) int {
	if i, ok := m.nodeIdx[name]; ok {
		return i
	}
	m.nodeIdx[name] = len(m.Nodes)
	m.Nodes = append(m.Nodes, n)
	return len(m.Nodes) - 1
}

func (m *Model) nodeNamed(name string) int { return m.node(name, trace.Node{Name: name}) }

// NodeIndex returns the index of the named node.
func (m *Model) NodeIndex(name string) (int, bool) {
	i, ok := m.nodeIdx[name]
	return i, ok
}

// markLate flags the flights that were overtaken on their link direction:
// reordering drawn as crossing arrows.
func (m *Model) markLate() {
	type dir struct {
		link     string
		from, to int
	}
	groups := map[dir][]int{}
	for i := range m.Flights {
		f := &m.Flights[i]
		if f.Dropped || f.EndEv < 0 {
			continue
		}
		d := dir{f.Link, f.From, f.To}
		groups[d] = append(groups[d], i)
	}
	for _, g := range groups {
		// g is in Start order; a flight is late if a later one ends first.
		minEnd := time.Duration(1<<63 - 1)
		for k := len(g) - 1; k >= 0; k-- {
			f := &m.Flights[g[k]]
			if minEnd < f.End {
				f.Late = true
			}
			minEnd = min(minEnd, f.End)
		}
	}
}

func (m *Model) lingerTime() time.Duration {
	if len(m.Flights) == 0 {
		return 10 * time.Millisecond
	}
	d := make([]time.Duration, 0, min(len(m.Flights), 1024))
	for i := 0; i < len(m.Flights) && len(d) < cap(d); i++ {
		d = append(d, m.Flights[i].End-m.Flights[i].Start)
	}
	slices.Sort(d)
	return max(3*d[len(d)/2], time.Millisecond)
}

// FlightOf returns the flight an event belongs to (Send, Duplicate, Deliver,
// or a Drop on a link).
func (m *Model) FlightOf(ev int) (int, bool) {
	if ev < 0 || ev >= len(m.evFlight) || m.evFlight[ev] < 0 {
		return 0, false
	}
	return int(m.evFlight[ev]), true
}

// Packet returns the packet a flight carries.
func (m *Model) Packet(fi int) *trace.Packet { return &m.Trace.Events[m.Flights[fi].Ev].Packet }

// ISN returns the initial sequence number seen for the flow src→dst.
func (m *Model) ISN(src, dst netip.AddrPort) (uint32, bool) {
	v, ok := m.isn[flowKey{src, dst}]
	return v, ok
}

// Active appends to dst the indices of the flights on the wire at t
// (Start ≤ t < End) and returns it; it allocates only if dst is too small.
func (m *Model) Active(dst []int, t time.Duration) []int {
	lo := sort.Search(len(m.Flights), func(i int) bool { return m.Flights[i].Start >= t-m.maxFlight })
	for i := lo; i < len(m.Flights) && m.Flights[i].Start <= t; i++ {
		f := &m.Flights[i]
		if f.End > t || (f.End == t && f.Start == t) {
			dst = append(dst, i)
		}
	}
	return dst
}

// FlightsBetween returns the index range [lo, hi) of flights that start in
// [from, to].
func (m *Model) FlightsBetween(from, to time.Duration) (lo, hi int) {
	lo = sort.Search(len(m.Flights), func(i int) bool { return m.Flights[i].Start >= from })
	hi = sort.Search(len(m.Flights), func(i int) bool { return m.Flights[i].Start > to })
	return lo, hi
}

// MaxFlight is the longest time any packet spends on one link.
func (m *Model) MaxFlight() time.Duration { return m.maxFlight }
