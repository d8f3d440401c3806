package sim

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"socketlab/sim/tcp"
	"socketlab/sim/trace"
)

// Sim is one simulation run: a topology, its programs and the event queue,
// all in virtual time. It is not safe for concurrent use; everything happens
// inside Step, one event at a time.
type Sim struct {
	servers map[string]string // host name → the address a program's "server" resolves to
	sc      *Scenario
	sink    trace.Sink
	hdr     trace.Header
	now     time.Duration
	q       queue
	ev      trace.Event // scratch: the event being emitted (Emit must not keep the pointer)

	nextID uint64 // last packet ID handed out

	hosts        []*Host // hosts then routers, in scenario order
	byName       map[string]*Host
	byAddr       map[netip.Addr]*Host
	dirs         []*linkDir // link i has dirs 2i (a→b) and 2i+1 (b→a)
	pkts         []pktSlot
	free         []int32
	faults       []faultState
	isn          map[flowKey]uint32 // ISS of each SYN a host sent, for relative seq faults
	incarnations map[flowKey]uint64 // connections opened so far per (local, remote): the ISN stream's position
	streams      []*Stream          // conn slots (event refs); nil when free
	freeCS       []int32
	live         []*Stream // live TCP conns in creation order (Conns)
	timers       []appTimer
	freeTm       []int32
	progs        []program
	notes        []pendingNotice
	gen          uint32
}

type flowKey struct{ src, dst netip.AddrPort }

// pendingNotice is a callback owed to a program: a TCP notice for st, or
// a deferred Accept (l) or RecvFrom (u).
type pendingNotice struct {
	st *Stream
	l  *Listener
	u  *UDPConn
	n  tcp.Notice
}

type appTimer struct {
	fn  func()
	gen uint32
}

// Epoch returns the wall-clock time virtual time 0 corresponds to:
// programs that print the time (the timestamp servers' ctime) read
// Epoch() + Now(), so their output is the same on every run.
func Epoch() time.Time { return time.Date(2026, time.November, 21, 11, 10, 46, 0, time.UTC) }

// New builds the simulation of sc; events go to sink (nil = trace.Discard).
// sc is validated and copied: later changes to it do not affect the Sim.
func New(sc *Scenario, sink trace.Sink) (*Sim, error) {
	if sc == nil {
		return nil, errors.New("sim: no scenario")
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	sc = sc.Clone()
	if sink == nil {
		sink = trace.Discard
	}
	s := &Sim{
		sc:           sc,
		sink:         sink,
		byName:       map[string]*Host{},
		byAddr:       map[netip.Addr]*Host{},
		isn:          map[flowKey]uint32{},
		incarnations: map[flowKey]uint64{},
	}
	s.hdr = trace.Header{Title: sc.Description, Scenario: sc.Name, Seed: sc.Seed}
	addNode := func(ns NodeSpec, router bool) {
		h := &Host{sim: s, name: ns.Name, router: router,
			conns: map[connKey]*Stream{}, listeners: map[uint16]*Listener{}, udp: map[uint16]*UDPConn{},
			nextPort: firstEphemeral}
		kind := trace.NodeHost
		if router {
			kind = trace.NodeRouter
		}
		tn := trace.Node{Name: ns.Name, Kind: kind, Role: ns.Role}
		if !router {
			spec := sc.TCP
			if ns.TCP != nil {
				spec = spec.over(*ns.TCP)
			}
			h.tcpCfg = spec.config()
			h.tcpCfg.Trace = sink
			tn.TCP = spec.profile().String()
			h.quoteAll = spec.profile() == tcp.ProfileLinux
		}
		for _, a := range ns.Addrs {
			addr := netip.MustParseAddr(a) // validated
			h.addrs = append(h.addrs, addr)
			tn.Addrs = append(tn.Addrs, addr)
			s.byAddr[addr] = h
		}
		s.hosts = append(s.hosts, h)
		s.byName[h.name] = h
		s.hdr.Nodes = append(s.hdr.Nodes, tn)
	}
	for _, n := range sc.Hosts {
		addNode(n, false)
	}
	for _, n := range sc.Routers {
		addNode(n, true)
	}
	for i, l := range sc.Links {
		a, b := s.byName[l.A], s.byName[l.B]
		ab := &linkDir{idx: int32(2 * i), id: l.ID, dir: "ab", from: a, to: b, p: l.AB.trace(), rng: linkStreams(sc.Seed, l.ID, "ab")}
		ba := &linkDir{idx: int32(2*i + 1), id: l.ID, dir: "ba", from: b, to: a, p: l.BA.trace(), rng: linkStreams(sc.Seed, l.ID, "ba")}
		s.dirs = append(s.dirs, ab, ba)
		a.links = append(a.links, ab)
		b.links = append(b.links, ba)
		s.hdr.Links = append(s.hdr.Links, trace.Link{ID: l.ID, A: l.A, B: l.B, AB: ab.p, BA: ba.p})
	}
	s.buildRoutes()
	for _, f := range sc.Faults {
		fs := faultState{f: f, nth: max(f.Nth, 1), count: max(f.Count, 1), link: -1}
		fs.flags, _ = parseFlags(f.Flags)
		if f.Link != "" {
			for i, l := range sc.Links {
				if l.ID == f.Link {
					fs.link = int32(2 * i)
				}
			}
		}
		s.faults = append(s.faults, fs)
	}
	s.servers = serverAddrs(sc)
	for i, p := range sc.Programs {
		prog, err := newProgram(s, p)
		if err != nil {
			return nil, fmt.Errorf("programs[%d]: %v", i, err)
		}
		s.progs = append(s.progs, prog)
		s.q.push(time.Duration(p.Start), evStart, int32(i), 0)
	}
	return s, nil
}

// buildRoutes derives static routes from the topology: for every host, a
// breadth-first search outwards through routers (never through another
// host) gives each node the link towards that host's addresses. Ties go to
// the link listed first, so routes are deterministic.
//
// Only routers and hosts with several links keep a table (Host.route): a
// host with one link sends everything it can reach through it. And the
// search from a node whose one link leads to a router r is, beyond r, the
// search from r itself, so it is run once per router and shared by all
// its nodes: building routes costs routers × nodes, not hosts × nodes, and
// the tables hold routers × hosts entries.
func (s *Sim) buildRoutes() {
	index := make(map[*Host]int, len(s.hosts))
	var tables []int // the nodes that keep a table
	for i, h := range s.hosts {
		index[h] = i
		if h.router || len(h.links) > 1 {
			h.routes = map[netip.Addr]int32{}
			tables = append(tables, i)
		}
	}
	fromRouter := map[*Host][]int32{} // router → per node, the direction towards it (-1: unreached)
	for _, dst := range s.hosts {
		if len(dst.addrs) == 0 {
			continue
		}
		if len(dst.links) == 1 && dst.links[0].to.router {
			r := dst.links[0].to
			hop, ok := fromRouter[r]
			if !ok {
				hop = s.searchFrom(r, index)
				fromRouter[r] = hop
			}
			for _, a := range dst.addrs {
				r.routes[a] = s.dirs[dst.links[0].idx^1].idx // r → dst
			}
			for _, i := range tables {
				if x := s.hosts[i]; x == dst || hop[i] < 0 {
					continue
				}
				for _, a := range dst.addrs {
					s.hosts[i].routes[a] = hop[i]
				}
			}
			continue
		}
		hop := s.searchFrom(dst, index)
		for _, i := range tables {
			if x := s.hosts[i]; x == dst || hop[i] < 0 {
				continue
			}
			for _, a := range dst.addrs {
				s.hosts[i].routes[a] = hop[i]
			}
		}
	}
}

// searchFrom is the breadth-first search from root through routers: for
// every node reached, the direction of its link towards root (-1 for
// root and for nodes not reached).
func (s *Sim) searchFrom(root *Host, index map[*Host]int) []int32 {
	hop := make([]int32, len(s.hosts))
	for i := range hop {
		hop[i] = -1
	}
	seen := make([]bool, len(s.hosts))
	seen[index[root]] = true
	frontier := []*Host{root}
	for len(frontier) > 0 {
		var next []*Host
		for _, n := range frontier {
			if n != root && !n.router {
				continue // hosts do not forward
			}
			for _, d := range n.links { // d: n → neighbour
				nb := d.to
				k := index[nb]
				if seen[k] {
					continue
				}
				seen[k] = true
				hop[k] = s.dirs[d.idx^1].idx // neighbour → n
				next = append(next, nb)
			}
		}
		frontier = next
	}
	return hop
}

// route returns the direction h sends a packet for a on, or false when a
// is unreachable from h.
func (h *Host) route(a netip.Addr) (int32, bool) {
	if h.routes != nil {
		di, ok := h.routes[a]
		return di, ok
	}
	if len(h.links) != 1 || h.owns(a) {
		return 0, false
	}
	d := h.links[0]
	if nb := d.to; nb.owns(a) {
		return d.idx, true
	} else if nb.router {
		if _, ok := nb.routes[a]; ok {
			return d.idx, true
		}
	}
	return 0, false
}

// Header describes the topology for renderers and exporters.
func (s *Sim) Header() trace.Header { return s.hdr }

// Now returns the current virtual time.
func (s *Sim) Now() time.Duration { return s.now }

// Pending reports how many engine events are scheduled (including stale
// timer events that will be skipped).
func (s *Sim) Pending() int { return s.q.len() }

// Step runs the next scheduled event and returns false when none is left.
func (s *Sim) Step() bool {
	if s.q.len() == 0 {
		return false
	}
	ev := s.q.pop()
	s.now = ev.at
	s.dispatch(ev)
	s.flushNotices()
	return true
}

// NextAt returns the virtual time of the next scheduled event, and false
// when none is left: a caller that runs the simulation in slices (a few
// thousand events per frame) stops before an instant it must not pass.
func (s *Sim) NextAt() (time.Duration, bool) {
	ev, ok := s.q.peek()
	return ev.at, ok
}

// RunUntil runs every event scheduled at or before t and leaves the clock
// at t.
func (s *Sim) RunUntil(t time.Duration) {
	for {
		ev, ok := s.q.peek()
		if !ok || ev.at > t {
			break
		}
		s.Step()
	}
	if s.now < t {
		s.now = t
	}
}

// Run simulates sc for sc.Duration and returns everything that happened.
func Run(sc *Scenario) (*trace.Trace, error) {
	tr := &trace.Trace{}
	s, err := New(sc, tr)
	if err != nil {
		return nil, err
	}
	tr.Header = s.Header()
	s.RunUntil(time.Duration(sc.Duration))
	return tr, nil
}

// Conns returns snapshots of the live TCP connections in the order they
// were created.
func (s *Sim) Conns() []trace.ConnState {
	out := make([]trace.ConnState, 0, len(s.live))
	for _, st := range s.live {
		out = append(out, st.tc.Snapshot())
	}
	return out
}

// Host returns the host or router with the given name.
func (s *Sim) Host(name string) *Host { return s.byName[name] }

func (s *Sim) dispatch(ev event) {
	switch ev.kind {
	case evStart:
		s.progs[ev.ref].start()
	case evTxDone:
		s.txDone(s.dirs[ev.ref])
	case evArrive:
		s.arrive(ev.ref)
	case evLost:
		s.lost(ev.ref)
	case evConnTimer:
		if st := s.streams[ev.ref]; st != nil && st.timerGen == ev.gen {
			st.timerArmed = false
			st.poll()
		}
	case evAppTimer:
		t := &s.timers[ev.ref]
		if t.gen == ev.gen && t.fn != nil {
			fn := t.fn
			t.fn = nil
			s.freeTm = append(s.freeTm, ev.ref)
			fn()
		}
	}
}

// after runs fn at now+d (an application timer) and returns the timer's
// slot and generation, which Timer.Stop needs.
func (s *Sim) after(d time.Duration, fn func()) (int32, uint32) {
	var i int32
	if n := len(s.freeTm); n > 0 {
		i = s.freeTm[n-1]
		s.freeTm = s.freeTm[:n-1]
	} else {
		s.timers = append(s.timers, appTimer{})
		i = int32(len(s.timers) - 1)
	}
	s.gen++
	s.timers[i] = appTimer{fn: fn, gen: s.gen}
	s.q.push(s.now+d, evAppTimer, i, s.gen)
	return i, s.gen
}

func (s *Sim) flushNotices() {
	for i := 0; i < len(s.notes); i++ {
		n := s.notes[i]
		switch {
		case n.n == noteDialFail:
			n.st.dialCB(nil, n.st.err)
		case n.st != nil:
			n.st.notice(n.n)
		case n.l != nil:
			n.l.tryAccept()
		case n.u != nil:
			n.u.tryRecv()
		}
	}
	clear(s.notes)
	s.notes = s.notes[:0]
}

// emit sends the scratch event to the sink.
func (s *Sim) emit() { s.sink.Emit(&s.ev) }

func (s *Sim) note(node, text string) {
	s.ev = trace.Event{At: s.now, Kind: trace.KindNote, Node: node, Text: text}
	s.emit()
}
