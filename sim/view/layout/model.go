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
	Probe    bool    // a window probe: data sent into the peer's zero window (RFC 9293 §3.8.6.1)
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
	waiting     bool // neither sent nor dropped yet: Until follows the end
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
	evs           []int32 // State/ConnStat/Timer* events that carry Conn, in order
}

// Model is an index over a run's events. It grows by Append as a source
// delivers events — a live run that may never end, or a finished
// simulation, which is merely a stream that is already complete — and
// every query is then a binary search plus work proportional to what is on
// screen, which is what lets the cursor jump back to any instant of a long
// run at once.
//
// Append costs amortised O(1) per event plus O(packets in flight) per
// call: nothing already indexed is indexed again. A Model is not safe for
// concurrent use: the view appends and draws on one goroutine, and sources
// on other goroutines hand their events over through a channel or a
// thread-safe sink.
type Model struct {
	Header  trace.Header
	Nodes   []trace.Node // the header's nodes, then any node only named by events
	Flights []Flight     // ordered by Start (event order)
	Marks   []Mark
	Queues  []Queued
	End     time.Duration // the time of the last event
	Linger  time.Duration // how long a drop's ✕ stays on screen

	log       eventLog
	nodeIdx   map[string]int
	times     []time.Duration // event times, for binary search
	evFlight  []int32         // event index -> flight index, -1
	maxFlight time.Duration
	isn       map[flowKey]uint32
	wscale    map[flowKey]uint8 // window scale shift of each flow's SYN, when it carried one
	conns     []connTrack
	nodeConns [][]int // node -> indices into conns
	gaps      []Gap

	// Indexing state carried from one Append to the next.
	open       map[flightKey]int // flights on the wire: no Deliver or Drop yet
	openQ      map[flightKey]int // queued packets not yet sent or dropped
	seenID     idSet
	sentEnd    map[flowKey]uint32 // highest sequence end sent per flow
	lastAdv    map[flowKey]adv    // the latest ACK and window sent per flow
	connIdx    map[connKey]int
	inDir      map[dirKey][]overtake // per link direction: flights on the wire, oldest first
	orphans    []int                 // flights whose key a later Send reused: they never end
	orphanQ    []int                 // the same for queued packets
	maxClosed  time.Duration         // the longest flight that has ended
	lingerDone bool                  // Linger is final: its sample flights have all ended
	lingerDirt bool                  // a sample flight started or ended since Linger was computed
	sweep      gapSweep
}

type connKey struct {
	node          int
	local, remote netip.AddrPort
}

type dirKey struct {
	link     string
	from, to int
}

// overtake remembers, for a flight still on the wire, the earliest time a
// flight sent after it on the same link direction arrived: if it arrives
// later than that, it was overtaken (drawn as crossing arrows).
type overtake struct {
	fi int
	by time.Duration // -1: not overtaken (yet)
}

// lingerSample is how many of the first flights decide Linger.
const lingerSample = 1024

// NewModel indexes the finished run tr. The Model keeps its own compact
// copy of the events (sharing their payloads, which never change): tr
// may be dropped afterwards. It never fails: events it cannot place (a Deliver
// without a Send, a node missing from the header) are still listed and
// counted, just not animated.
func NewModel(tr *trace.Trace) *Model {
	m := NewStream(tr.Header)
	m.Append(tr.Events...)
	return m
}

// NewStream returns an empty Model for a run described by h, to be filled
// by Append as its events arrive.
func NewStream(h trace.Header) *Model {
	m := &Model{Header: h, nodeIdx: map[string]int{}, isn: map[flowKey]uint32{}, wscale: map[flowKey]uint8{},
		open: map[flightKey]int{}, openQ: map[flightKey]int{},
		sentEnd: map[flowKey]uint32{}, lastAdv: map[flowKey]adv{}, connIdx: map[connKey]int{}, inDir: map[dirKey][]overtake{}}
	for _, n := range h.Nodes {
		m.node(n.Name, n)
	}
	m.Linger = m.lingerTime()
	m.settle() // an empty run is drawn too, before its first event
	return m
}

// Append adds events that happened after those already in the model, in
// the order they happened; it copies them. An event stamped earlier than
// the one before it (real sources on several goroutines can race by a few
// microseconds) is placed at that earlier event's time on the cursor.
func (m *Model) Append(evs ...trace.Event) {
	if len(evs) == 0 {
		return
	}
	from := m.log.len()
	m.log.append(evs)
	m.index(from, evs)
}

// Len returns the number of events in the model.
func (m *Model) Len() int { return m.log.len() }

// Event returns event i (0 ≤ i < Len). It stays valid and unchanged while
// events are appended; it is a copy decoded from the compact log, so two
// calls may return different copies of the same event.
func (m *Model) Event(i int) *trace.Event { return m.log.at(i) }

// Events returns a copy of all the events, in order: a finished run to
// save or export.
func (m *Model) Events() []trace.Event {
	return m.log.all()
}

// index indexes evs, the events from index from on, then brings every
// derived value (open flights' ends, Linger, gaps) up to date. It reads
// the events appended rather than decoding them again.
func (m *Model) index(from int, evs []trace.Event) {
	m.times = slices.Grow(m.times, len(evs))
	m.evFlight = slices.Grow(m.evFlight, len(evs))
	for k := range evs {
		m.add(from+k, &evs[k])
	}
	m.settle()
}

// add indexes event i.
func (m *Model) add(i int, e *trace.Event) {
	t := e.At
	if n := len(m.times); n > 0 {
		t = max(t, m.times[n-1])
	}
	m.times = append(m.times, t)
	m.evFlight = append(m.evFlight, -1)
	m.End = max(m.End, e.At)
	key := flightKey{e.Packet.ID, e.Link}
	switch e.Kind {
	case trace.KindSend, trace.KindDuplicate:
		f := Flight{Ev: i, EndEv: -1, ID: e.Packet.ID, Link: e.Link, From: m.nodeNamed(e.Node), To: m.nodeNamed(e.Peer),
			Start: e.At, Arrive: e.Arrive, Dup: e.Kind == trace.KindDuplicate}
		m.unqueue(key, e.At)
		if e.Kind == trace.KindSend && !m.seenID.has(e.Packet.ID) && e.Packet.Proto == trace.ProtoTCP {
			f.Retrans, f.Probe = m.trackSeq(&e.Packet)
		}
		m.seenID.add(e.Packet.ID)
		fi := len(m.Flights)
		m.Flights = append(m.Flights, f)
		if old, ok := m.open[key]; ok { // the same packet sent twice on one link
			m.orphan(old)
		}
		m.open[key] = fi
		m.lingerDirt = m.lingerDirt || fi < lingerSample
		d := dirKey{f.Link, f.From, f.To}
		m.inDir[d] = append(m.inDir[d], overtake{fi, -1})
		m.evFlight[i] = int32(fi)
		m.sweep.push(interval{kind: ivFlight, idx: fi})
	case trace.KindDeliver:
		if fi, ok := m.open[key]; ok {
			f := &m.Flights[fi]
			f.End, f.EndEv = e.At, i
			m.evFlight[i] = int32(fi)
			m.closeFlight(key, fi, true)
		}
	case trace.KindDrop:
		if fi, ok := m.open[key]; ok {
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
			m.evFlight[i] = int32(fi)
			m.closeFlight(key, fi, false)
			break
		}
		m.unqueue(key, e.At)
		peer := -1
		if e.Peer != "" {
			peer = m.nodeNamed(e.Peer)
		}
		m.Marks = append(m.Marks, Mark{Ev: i, At: e.At, Node: m.nodeNamed(e.Node), Peer: peer, Reason: e.Reason, ID: e.Packet.ID})
	case trace.KindEnqueue:
		m.Queues = append(m.Queues, Queued{Ev: i, Node: m.nodeNamed(e.Node), Peer: m.nodeNamed(e.Peer), Link: e.Link, From: e.At, Until: -1, ID: e.Packet.ID, waiting: true})
		if old, ok := m.openQ[key]; ok {
			m.orphanQ = append(m.orphanQ, old)
		}
		m.openQ[key] = len(m.Queues) - 1
		m.sweep.push(interval{kind: ivQueue, idx: len(m.Queues) - 1})
	case trace.KindState, trace.KindConnStat, trace.KindTimerSet, trace.KindTimerCancel, trace.KindTimerFire:
		if e.Conn.State == trace.StateNone && e.Kind != trace.KindState {
			break // a timer event without connection variables
		}
		n := m.nodeNamed(e.Node)
		k := connKey{n, e.Conn.Local, e.Conn.Remote}
		ci, ok := m.connIdx[k]
		if !ok {
			ci = len(m.conns)
			m.connIdx[k] = ci
			m.conns = append(m.conns, connTrack{node: n, local: e.Conn.Local, remote: e.Conn.Remote})
			for len(m.nodeConns) <= n {
				m.nodeConns = append(m.nodeConns, nil)
			}
			m.nodeConns[n] = append(m.nodeConns[n], ci)
		}
		m.conns[ci].evs = append(m.conns[ci].evs, int32(i))
	}
	m.sweep.push(interval{kind: ivPoint, at: t})
}

// adv is what a flow last told its peer: the next byte it expects and the
// room it has.
type adv struct {
	ack uint32
	win uint16
}

// trackSeq records the ISN, the highest sequence sent and the latest ACK
// and window of p's flow, and reports whether p re-sends sequence space
// sent before or probes the peer's zero window (data at exactly the
// peer's acknowledgment while it advertises no room: a probe, however
// often repeated, not a retransmission — as Wireshark and the text
// ladder say).
func (m *Model) trackSeq(p *trace.Packet) (retrans, probe bool) {
	fk := flowKey{p.Src, p.Dst}
	if p.Flags.Has(trace.FlagSYN) {
		if _, ok := m.isn[fk]; !ok {
			m.isn[fk] = p.Seq
		}
		if p.Opts&trace.OptWScale != 0 {
			m.wscale[fk] = p.WScale
		}
	}
	if n := p.SegLen(); n > 0 {
		end, ok := m.sentEnd[fk]
		if ok && seqLess(p.Seq, end) {
			retrans = true
		}
		if !ok || seqLess(end, p.Seq+n) {
			m.sentEnd[fk] = p.Seq + n
		}
	}
	if _, ok := m.isn[fk]; !ok {
		m.isn[fk] = p.Seq - 1 // joined mid-stream: count from the first byte seen
	}
	if rev, ok := m.lastAdv[flowKey{p.Dst, p.Src}]; ok && rev.win == 0 && p.Len() > 0 && p.Seq == rev.ack {
		retrans, probe = false, true
	}
	if p.Flags.Has(trace.FlagACK) && p.Flags&trace.FlagRST == 0 {
		m.lastAdv[fk] = adv{p.Ack, p.Window}
	}
	return retrans, probe
}

// unqueue ends the wait of the packet queued under key, if any, at t.
func (m *Model) unqueue(key flightKey, t time.Duration) {
	if q, ok := m.openQ[key]; ok {
		m.Queues[q].Until, m.Queues[q].waiting = t, false
		delete(m.openQ, key)
	}
}

// orphan gives up on flight fi: a later flight took its key, so no Deliver
// or Drop will ever be matched to it. Like a packet still on the wire when
// the run ends, it is drawn to the end.
func (m *Model) orphan(fi int) {
	m.orphans = append(m.orphans, fi)
	f := &m.Flights[fi]
	d := dirKey{f.Link, f.From, f.To}
	m.inDir[d] = slices.DeleteFunc(m.inDir[d], func(o overtake) bool { return o.fi == fi })
}

// closeFlight takes flight fi off the wire. A delivered flight that
// arrives after one sent later on its link direction is marked Late, and
// it marks the flights sent before it that are still travelling.
func (m *Model) closeFlight(key flightKey, fi int, delivered bool) {
	delete(m.open, key)
	m.lingerDirt = m.lingerDirt || fi < lingerSample
	f := &m.Flights[fi]
	m.maxClosed = max(m.maxClosed, f.End-f.Start)
	d := dirKey{f.Link, f.From, f.To}
	q := m.inDir[d]
	for k := range q {
		if q[k].fi == fi {
			if delivered && q[k].by >= 0 && q[k].by < f.End {
				f.Late = true
			}
			q = slices.Delete(q, k, k+1)
			break
		}
		if delivered && (q[k].by < 0 || f.End < q[k].by) {
			q[k].by = f.End // an older flight is still travelling: f overtook it
		}
	}
	if len(q) == 0 {
		delete(m.inDir, d)
	} else {
		m.inDir[d] = q
	}
}

// settle brings the values that depend on the run's current end up to
// date: where the flights still on the wire and the queued packets are
// drawn to, the longest flight, Linger and the squeezed gaps.
func (m *Model) settle() {
	m.maxFlight = m.maxClosed
	reach := func(fi int) { // still on the wire: drawn to the end
		f := &m.Flights[fi]
		f.End = max(f.Arrive, m.End)
		m.maxFlight = max(m.maxFlight, f.End-f.Start)
		m.lingerDirt = m.lingerDirt || fi < lingerSample && f.Arrive < m.End
	}
	for _, fi := range m.open {
		reach(fi)
	}
	for _, fi := range m.orphans {
		reach(fi)
	}
	for _, q := range m.openQ {
		m.Queues[q].Until = m.End
	}
	for _, q := range m.orphanQ {
		m.Queues[q].Until = m.End
	}
	for len(m.nodeConns) < len(m.Nodes) {
		m.nodeConns = append(m.nodeConns, nil)
	}
	if !m.lingerDone && m.lingerDirt {
		m.lingerDirt = false
		if l := m.lingerTime(); l != m.Linger {
			m.Linger = l
			m.resweep() // the gap threshold follows Linger
		}
		m.lingerDone = len(m.Flights) >= lingerSample && m.sampleEnded()
	}
	m.sweep.run(m)
}

// sampleEnded reports whether every flight that decides Linger has ended.
func (m *Model) sampleEnded() bool {
	for _, fi := range m.open {
		if fi < lingerSample {
			return false
		}
	}
	for _, fi := range m.orphans {
		if fi < lingerSample {
			return false
		}
	}
	return true
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

func (m *Model) lingerTime() time.Duration {
	if len(m.Flights) == 0 {
		return 10 * time.Millisecond
	}
	d := make([]time.Duration, 0, min(len(m.Flights), lingerSample))
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
func (m *Model) Packet(fi int) *trace.Packet { return &m.log.at(m.Flights[fi].Ev).Packet }

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

// idSet is a set of packet IDs. Sources number packets from 1 up, so the
// IDs are dense: a bit each (a map would take some 40 bytes an ID, and a
// long run has millions); an ID far beyond what came before goes in a map.
type idSet struct {
	bits []uint64
	far  map[uint64]bool
}

// idSetDense bounds the bits: 2 MiB of them.
const idSetDense = 1 << 24

func (s *idSet) has(id uint64) bool {
	if id < idSetDense {
		return id/64 < uint64(len(s.bits)) && s.bits[id/64]&(1<<(id%64)) != 0
	}
	return s.far[id]
}

func (s *idSet) add(id uint64) {
	if id < idSetDense {
		for uint64(len(s.bits)) <= id/64 {
			s.bits = append(s.bits, 0)
		}
		s.bits[id/64] |= 1 << (id % 64)
		return
	}
	if s.far == nil {
		s.far = map[uint64]bool{}
	}
	s.far[id] = true
}
