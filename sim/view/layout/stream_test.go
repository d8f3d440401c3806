package layout

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// The streaming Model must index a run exactly as indexing the finished
// run in one pass did. referenceModel is that one-pass indexer, kept here
// as the oracle: after any prefix of a run has been appended — one event
// at a time or in batches of any size — the streaming Model equals the
// reference built over that prefix.

// referenceModel is the one-pass indexer the streaming Model replaced.
func referenceModel(tr *trace.Trace) *Model {
	m := &Model{Header: tr.Header, nodeIdx: map[string]int{}, isn: map[flowKey]uint32{}}
	m.log.append(tr.Events)
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
	// Window probes as the text ladder's analysis (Wireshark's rule) finds
	// them: an independent statement of the rule the model applies.
	analysis := trace.Analyze(tr)
	m.Linger = 0
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
				if analysis[i].WindowProbe {
					f.Retrans, f.Probe = false, true
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
			m.conns[ci].evs = append(m.conns[ci].evs, int32(i))
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
	refMarkLate(m)
	m.nodeConns = make([][]int, len(m.Nodes))
	for ci, c := range m.conns {
		m.nodeConns[c.node] = append(m.nodeConns[c.node], ci)
	}
	m.Linger = m.lingerTime()
	refFindGaps(m)
	return m
}

func refMarkLate(m *Model) {
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

func refFindGaps(m *Model) {
	type iv struct{ a, b time.Duration }
	ivs := make([]iv, 0, len(m.Flights)+len(m.Queues)+len(m.times))
	for i := range m.Flights {
		f := &m.Flights[i]
		// A lost packet's arrow points at where it would have arrived.
		ivs = append(ivs, iv{f.Start, max(f.End, f.Arrive)})
	}
	for _, q := range m.Queues {
		ivs = append(ivs, iv{q.From, q.Until})
	}
	for _, t := range m.times {
		ivs = append(ivs, iv{t, t})
	}
	slices.SortFunc(ivs, func(x, y iv) int { return int(min(max(x.a-y.a, -1), 1)) })
	threshold, shown := 4*m.Linger, m.gapShown()
	var removed time.Duration
	var reach time.Duration
	for k, v := range ivs {
		if k > 0 && v.a-reach > threshold {
			m.gaps = append(m.gaps, Gap{Start: reach, End: v.a, before: removed})
			removed += v.a - reach - shown
		}
		reach = max(reach, v.b)
	}
}

// indexed is what a Model knows, for comparison.
type indexed struct {
	Events    []trace.Event
	Nodes     []trace.Node
	Flights   []Flight
	Marks     []Mark
	Queues    []Queued
	End       time.Duration
	Linger    time.Duration
	Times     []time.Duration
	EvFlight  []int32
	MaxFlight time.Duration
	ISN       map[flowKey]uint32
	Conns     []connTrack
	NodeConns [][]int
	Gaps      []Gap
}

func indexOf(m *Model) indexed {
	qs := slices.Clone(m.Queues)
	for i := range qs {
		qs[i].waiting = false // bookkeeping of the streaming indexer only
	}
	nc := slices.Clone(m.nodeConns)
	for len(nc) < len(m.Nodes) {
		nc = append(nc, nil)
	}
	for i := range nc {
		if len(nc[i]) == 0 {
			nc[i] = nil
		}
	}
	return indexed{nilIfEmpty(m.Events()), nilIfEmpty(m.Nodes), nilIfEmpty(m.Flights), nilIfEmpty(m.Marks), nilIfEmpty(qs), m.End, m.Linger,
		nilIfEmpty(m.times), nilIfEmpty(m.evFlight), m.maxFlight, m.isn, nilIfEmpty(m.conns), nilIfEmpty(nc),
		nilIfEmpty(slices.Clone(m.gaps))}
}

// nilIfEmpty makes an empty slice nil: how a slice came to be empty is no
// difference between the indexers.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func presetTraces(t *testing.T) map[string]*trace.Trace {
	t.Helper()
	out := map[string]*trace.Trace{}
	for _, p := range sim.Presets() {
		sc, err := sim.LoadPreset(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := sim.Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		out[p.Name] = tr
	}
	return out
}

func prefix(tr *trace.Trace, n int) *trace.Trace {
	return &trace.Trace{Header: tr.Header, Events: slices.Clone(tr.Events[:n])}
}

// diffIndex names the first field in which got and want differ.
func diffIndex(got, want indexed) string {
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			name := gv.Type().Field(i).Name
			if name == "Flights" {
				for k := range min(len(got.Flights), len(want.Flights)) {
					if got.Flights[k] != want.Flights[k] {
						return fmt.Sprintf("Flights[%d]: got %+v, want %+v", k, got.Flights[k], want.Flights[k])
					}
				}
			}
			return fmt.Sprintf("%s: got %v, want %v", name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
	return ""
}

// TestAppendEqualsIndexingAtOnce: for every preset, appending its events
// one at a time, and in random batches, gives after every step the model
// that indexing that prefix at once gives.
func TestAppendEqualsIndexingAtOnce(t *testing.T) {
	for name, tr := range presetTraces(t) {
		t.Run(name, func(t *testing.T) {
			n := len(tr.Events)
			// Checkpoints: every prefix for small runs, a spread for big ones.
			check := map[int]bool{n: true}
			step := max(1, n/40)
			for k := 0; k <= n; k += step {
				check[k] = true
			}
			one := NewStream(tr.Header)
			for k := 0; k <= n; k++ {
				if check[k] {
					if d := diffIndex(indexOf(one), indexOf(referenceModel(prefix(tr, k)))); d != "" {
						t.Fatalf("one at a time, after %d of %d events: %s", k, n, d)
					}
				}
				if k < n {
					one.Append(tr.Events[k])
				}
			}
			r := rand.New(rand.NewPCG(uint64(n), 7))
			batch := NewStream(tr.Header)
			for k := 0; k < n; {
				b := min(n-k, 1+r.IntN(256))
				batch.Append(tr.Events[k : k+b]...)
				k += b
				if d := diffIndex(indexOf(batch), indexOf(referenceModel(prefix(tr, k)))); d != "" {
					t.Fatalf("in batches, after %d of %d events: %s", k, n, d)
				}
			}
			if d := diffIndex(indexOf(NewModel(tr)), indexOf(referenceModel(tr))); d != "" {
				t.Fatalf("NewModel: %s", d)
			}
		})
	}
}

// randomRun is a run no simulator would produce but a live capture might:
// ties, long silences, packets delivered out of order, dropped after they
// should have arrived, never delivered at all, sent twice on one link
// under one ID, queued and then sent or dropped, with unknown arrival times
// and connection variables in between. It exercises every rule of the
// indexer that the presets leave alone.
func randomRun(seed uint64, n int) *trace.Trace {
	r := rand.New(rand.NewPCG(seed, 99))
	tr := &trace.Trace{Header: trace.Header{Nodes: []trace.Node{
		{Name: "a", Kind: trace.NodeHost}, {Name: "b", Kind: trace.NodeHost}, {Name: "r", Kind: trace.NodeRouter}}}}
	type hop struct{ from, to, link string }
	hops := []hop{{"a", "r", "l1"}, {"r", "a", "l1"}, {"r", "b", "l2"}, {"b", "r", "l2"}, {"a", "x", "lx"}}
	addr := func(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
	src, dst := addr("10.0.0.1:1000"), addr("10.0.0.2:80")
	type live struct {
		p    trace.Packet
		h    hop
		sent time.Duration
		arr  time.Duration
	}
	var wire, queue []live
	var at time.Duration
	var id uint64
	var seq uint32 = 1<<32 - 3000 // wraps during the run
	take := func(l *[]live) live {
		k := r.IntN(len(*l))
		v := (*l)[k]
		*l = slices.Delete(*l, k, k+1)
		return v
	}
	emit := func(e trace.Event) { e.At = at; tr.Events = append(tr.Events, e) }
	send := func(p trace.Packet, h hop) {
		arr := at + time.Duration(1+r.IntN(20))*time.Millisecond
		if r.IntN(8) == 0 {
			arr = 0 // unknown, as in a capture
		}
		emit(trace.Event{Kind: trace.KindSend, Node: h.from, Peer: h.to, Link: h.link, Arrive: arr, Packet: p})
		wire = append(wire, live{p, h, at, arr})
	}
	for range n {
		switch d := r.IntN(10); {
		case d < 3: // same instant
		case d < 9:
			at += time.Duration(r.IntN(3000)) * time.Microsecond
		default:
			at += time.Duration(1+r.IntN(5)) * time.Second // a silence
		}
		switch op := r.IntN(20); {
		case op < 5:
			id++
			p := trace.Packet{ID: id, Proto: trace.ProtoTCP, Src: src, Dst: dst, Seq: seq, Flags: trace.FlagACK,
				Payload: make([]byte, r.IntN(3)*100)}
			if r.IntN(4) == 0 {
				p.Seq -= 200 // a retransmission
			}
			if id == 1 {
				p.Flags = trace.FlagSYN
			}
			seq += uint32(len(p.Payload))
			send(p, hops[r.IntN(len(hops))])
		case op < 6 && len(wire) > 0: // the same packet once more on its link: the first never ends
			w := wire[r.IntN(len(wire))]
			send(w.p, w.h)
		case op < 7 && len(wire) > 0:
			w := wire[r.IntN(len(wire))]
			id++
			c := w.p
			c.ID, c.Orig = id, w.p.ID
			emit(trace.Event{Kind: trace.KindDuplicate, Node: w.h.from, Peer: w.h.to, Link: w.h.link, Arrive: w.arr, Packet: c})
			wire = append(wire, live{c, w.h, at, w.arr})
		case op < 12 && len(wire) > 0:
			w := take(&wire)
			emit(trace.Event{Kind: trace.KindDeliver, Node: w.h.to, Peer: w.h.from, Link: w.h.link, Packet: w.p})
		case op < 14 && len(wire) > 0:
			w := take(&wire)
			emit(trace.Event{Kind: trace.KindDrop, Node: w.h.from, Peer: w.h.to, Link: w.h.link, Reason: trace.DropLoss, Packet: w.p})
		case op < 15 && len(queue) > 0 && r.IntN(4) == 0: // queued again under its ID: the first wait never ends
			q := queue[r.IntN(len(queue))]
			emit(trace.Event{Kind: trace.KindEnqueue, Node: q.h.from, Peer: q.h.to, Link: q.h.link, Packet: q.p})
		case op < 15:
			id++
			h := hops[r.IntN(len(hops))]
			p := trace.Packet{ID: id, Proto: trace.ProtoUDP, Src: src, Dst: dst, Payload: []byte("q")}
			emit(trace.Event{Kind: trace.KindEnqueue, Node: h.from, Peer: h.to, Link: h.link, Packet: p})
			queue = append(queue, live{p, h, at, 0})
		case op < 16 && len(queue) > 0:
			q := take(&queue)
			send(q.p, q.h)
		case op < 17 && len(queue) > 0:
			q := take(&queue)
			emit(trace.Event{Kind: trace.KindDrop, Node: q.h.from, Peer: q.h.to, Link: q.h.link, Reason: trace.DropQueueFull, Packet: q.p})
		case op < 18: // a drop at a node: no socket
			id++
			emit(trace.Event{Kind: trace.KindDrop, Node: "b", Reason: trace.DropNoSocket, Packet: trace.Packet{ID: id}})
		case op < 19:
			kind := []trace.Kind{trace.KindState, trace.KindConnStat, trace.KindTimerSet}[r.IntN(3)]
			node := []string{"a", "b", "c"}[r.IntN(3)]
			c := trace.ConnState{Local: src, Remote: dst, State: trace.StateEstablished, Cwnd: uint32(r.IntN(9000)), SndUna: seq}
			if r.IntN(3) == 0 {
				c.State = trace.StateNone
			}
			emit(trace.Event{Kind: kind, Node: node, Conn: c})
		default:
			emit(trace.Event{Kind: trace.KindNote, Node: "a", Text: "x"})
		}
	}
	return tr
}

// TestAppendEqualsIndexingAtOnceRandom is the same property over random
// runs that break every regularity a simulation has.
func TestAppendEqualsIndexingAtOnceRandom(t *testing.T) {
	for seed := range uint64(24) {
		tr := randomRun(seed, 150+int(seed)*25)
		r := rand.New(rand.NewPCG(seed, 5))
		m := NewStream(tr.Header)
		for k := 0; k < len(tr.Events); {
			b := min(len(tr.Events)-k, 1+r.IntN(24))
			m.Append(tr.Events[k : k+b]...)
			k += b
			if d := diffIndex(indexOf(m), indexOf(referenceModel(prefix(tr, k)))); d != "" {
				t.Fatalf("seed %d, after %d of %d events: %s", seed, k, len(tr.Events), d)
			}
		}
	}
}

// A real source's goroutines may stamp events a few microseconds out of
// order: the cursor's times stay sorted, so stepping and seeking still work.
func TestAppendOutOfOrderTime(t *testing.T) {
	m := NewStream(trace.Header{})
	for _, at := range []time.Duration{10, 30, 20, 40} {
		m.Append(trace.Event{At: at * time.Microsecond, Kind: trace.KindNote, Node: "a"})
	}
	if want := []time.Duration{10 * time.Microsecond, 30 * time.Microsecond, 30 * time.Microsecond, 40 * time.Microsecond}; !slices.Equal(m.times, want) {
		t.Fatalf("cursor times %v, want %v", m.times, want)
	}
	if c := m.At(35 * time.Microsecond); c.N != 3 {
		t.Fatalf("At(35µs) applies %d events, want 3", c.N)
	}
	if m.End != 40*time.Microsecond || m.Len() != 4 {
		t.Fatalf("End %v, Len %d", m.End, m.Len())
	}
}

// The event log never writes into the events appended, keeps their
// payloads without copying them, and an event it returned stays unchanged
// however many events follow it and however many others are read.
func TestEventLogAppend(t *testing.T) {
	pl := []byte("payload")
	orig := make([]trace.Event, 300, 400) // spare capacity a careless append would use
	for i := range orig {
		orig[i] = trace.Event{N: i, Kind: trace.KindSend, Packet: trace.Packet{ID: uint64(i), Payload: pl}}
	}
	var l eventLog
	l.append(orig)
	first, tail := l.at(0), l.at(299)
	more := make([]trace.Event, 3000)
	for i := range more {
		more[i].N = len(orig) + i
	}
	for k := 0; k < len(more); k += 1000 {
		l.append(more[k:min(k+1000, len(more))])
		l.at(k)
	}
	if spare := orig[:cap(orig)][len(orig)]; spare.N != 0 {
		t.Fatalf("append wrote into the appended slice's spare capacity: %+v", spare)
	}
	if l.len() != len(orig)+len(more) || first.N != 0 || tail.N != 299 {
		t.Fatalf("len %d; events taken before appending now read %d and %d", l.len(), first.N, tail.N)
	}
	if &first.Packet.Payload[0] != &pl[0] {
		t.Fatal("the payload was copied")
	}
	for i := range l.len() {
		if l.at(i).N != i {
			t.Fatalf("event %d reads %d", i, l.at(i).N)
		}
	}
}

// A live run is drawn before its first event: a snapshot of an empty
// stream has its header's nodes and nothing else.
func TestEmptyStreamSnapshot(t *testing.T) {
	m := NewStream(trace.Header{Nodes: []trace.Node{{Name: "client"}, {Name: "server"}}})
	var s Snapshot
	m.Take(&s, m.At(0))
	if len(s.Hosts) != 2 || len(s.Flights) != 0 || m.Len() != 0 {
		t.Fatalf("snapshot %+v", s)
	}
}
