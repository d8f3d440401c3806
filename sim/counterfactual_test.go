package sim

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// A what-if ("what if packet #n were lost?") must change only what the lost
// packet causes. These tests check it from the outside, on traces: the
// events before the packet are identical, and every packet that enters a
// link direction before anything caused by the loss reaches that direction
// keeps its fate there (when it leaves, when it arrives, lost or not,
// duplicated or not), on the packet's own link as on every other.

// hopRec is one packet's passage over one link direction.
type hopRec struct {
	id        uint64
	desc      string        // the packet without its IDs
	entry     time.Duration // when it reached the transmitter (enqueue or send)
	enqueued  bool
	sent      bool
	sendAt    time.Duration
	arrive    time.Duration
	drop      trace.DropReason
	dropAt    time.Duration
	delivered bool
	deliverAt time.Duration
	dup       bool
	copyAt    time.Duration // when the link's copy was delivered
}

// fate is everything about the passage except the packet's ID.
func (r *hopRec) fate() string {
	return fmt.Sprintf("%s entry=%v enq=%v sent=%v@%v arrive=%v drop=%s@%v deliver=%v@%v dup=%v copy@%v",
		r.desc, r.entry, r.enqueued, r.sent, r.sendAt, r.arrive, r.drop, r.dropAt, r.delivered, r.deliverAt, r.dup, r.copyAt)
}

func packetDesc(p trace.Packet) string {
	p.ID, p.Orig, p.Quote = 0, 0, 0
	h := fnv.New64a()
	h.Write(p.Payload)
	return fmt.Sprintf("%s %v>%v ttl=%d [%s] seq=%d ack=%d win=%d mss=%d icmp=%d/%d len=%d payload=%x",
		p.Proto, p.Src, p.Dst, p.TTL, p.Flags, p.Seq, p.Ack, p.Window, p.MSS, p.ICMPType, p.ICMPCode, len(p.Payload), h.Sum64())
}

// dirKey names a link direction by its link and sending node.
type dirKey struct{ link, from string }

type hopKey struct {
	id  uint64
	dir dirKey
}

// passages collects a trace's hop records per direction, in the order the
// packets reached the direction.
type passages struct {
	byDir  map[dirKey][]*hopRec
	byHop  map[hopKey]*hopRec
	copyOf map[uint64]uint64 // a link's copy → its original
}

func collectPassages(tr *trace.Trace) *passages {
	ps := &passages{byDir: map[dirKey][]*hopRec{}, byHop: map[hopKey]*hopRec{}, copyOf: map[uint64]uint64{}}
	get := func(e *trace.Event, d dirKey) *hopRec {
		k := hopKey{e.Packet.ID, d}
		r := ps.byHop[k]
		if r == nil {
			r = &hopRec{id: e.Packet.ID, desc: packetDesc(e.Packet), entry: e.At}
			ps.byHop[k] = r
			ps.byDir[d] = append(ps.byDir[d], r)
		}
		return r
	}
	for i := range tr.Events {
		e := &tr.Events[i]
		if e.Link == "" {
			continue
		}
		switch e.Kind {
		case trace.KindEnqueue:
			get(e, dirKey{e.Link, e.Node}).enqueued = true
		case trace.KindSend:
			r := get(e, dirKey{e.Link, e.Node})
			r.sent, r.sendAt, r.arrive = true, e.At, e.Arrive
		case trace.KindDrop:
			r := get(e, dirKey{e.Link, e.Node})
			r.drop, r.dropAt = e.Reason, e.At
		case trace.KindDuplicate:
			ps.copyOf[e.Packet.ID] = e.Packet.Orig
			ps.byHop[hopKey{e.Packet.Orig, dirKey{e.Link, e.Node}}].dup = true
		case trace.KindDeliver:
			d := dirKey{e.Link, e.Peer}
			if orig, ok := ps.copyOf[e.Packet.ID]; ok && ps.byHop[hopKey{e.Packet.ID, d}] == nil {
				ps.byHop[hopKey{orig, d}].copyAt = e.At
				continue
			}
			r := get(e, d)
			r.delivered, r.deliverAt = true, e.At
		}
	}
	return ps
}

const never = time.Duration(math.MaxInt64)

// causalFuture computes, over both runs, when the dropped packet's causal
// future first reaches each link direction (touched) and each host
// (hostAt). A packet is caused by the drop if it leaves a host at or after
// the host was reached, if it is a copy of such a packet, or if it entered
// a direction at or after the direction was touched (it may have waited
// behind a caused packet). A host is reached by the delivery of a caused
// packet. The dropped packet itself is special: on its first hop it is
// still sent (and takes its random draws), so it does not touch that
// direction; what it would have caused beyond (its delivery, its copy, its
// further hops) is in the future of the drop.
func causalFuture(runs []*trace.Trace, id uint64, first dirKey) (touched map[string]time.Duration, causedHops []map[hopKey]bool) {
	touched, hostAt := map[string]time.Duration{}, map[string]time.Duration{}
	at := func(m map[string]time.Duration, k string) time.Duration {
		if v, ok := m[k]; ok {
			return v
		}
		return never
	}
	lower := func(m map[string]time.Duration, k string, t time.Duration) bool {
		if t < at(m, k) {
			m[k] = t
			return true
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		causedHops = causedHops[:0]
		for _, tr := range runs {
			hops := map[hopKey]bool{}
			causedHops = append(causedHops, hops)
			router := map[string]bool{}
			for _, n := range tr.Header.Nodes {
				router[n.Name] = n.Kind == trace.NodeRouter
			}
			caused := map[uint64]bool{}
			seen := map[uint64]bool{}
			entered := map[hopKey]bool{}
			for i := range tr.Events {
				e := &tr.Events[i]
				p := &e.Packet
				switch e.Kind {
				case trace.KindEnqueue, trace.KindSend, trace.KindDrop, trace.KindDuplicate, trace.KindDeliver:
				default:
					continue
				}
				if p.ID == 0 {
					continue
				}
				if !seen[p.ID] {
					seen[p.ID] = true
					if e.Kind == trace.KindDuplicate {
						caused[p.ID] = caused[p.Orig] || p.Orig == id
					} else if !router[e.Node] && e.At >= at(hostAt, e.Node) {
						caused[p.ID] = true
					}
				}
				d := dirKey{e.Link, e.Node}
				isFirst := p.ID == id && d == first
				switch e.Kind {
				case trace.KindEnqueue, trace.KindSend, trace.KindDrop:
					// A packet reaches a direction with its first event
					// there: enqueue, send, or a drop at the door (MTU,
					// full queue), which leaves the direction as it was.
					if e.Link == "" || isFirst || entered[hopKey{p.ID, d}] {
						break
					}
					entered[hopKey{p.ID, d}] = true
					k := d.link + ":" + d.from
					if !caused[p.ID] && e.At >= at(touched, k) {
						caused[p.ID] = true // it may have waited behind a caused packet
					}
					if caused[p.ID] {
						hops[hopKey{p.ID, d}] = true
						if e.Kind != trace.KindDrop {
							changed = lower(touched, k, e.At) || changed
						}
					}
				case trace.KindDeliver:
					from := dirKey{e.Link, e.Peer}
					if p.ID == id && from == first {
						caused[p.ID] = true // beyond its first hop, the dropped packet is the drop's future
					}
					if caused[p.ID] && !router[e.Node] {
						changed = lower(hostAt, e.Node, e.At) || changed
					}
				}
			}
		}
	}
	return touched, causedHops
}

// firstHop returns the index of the first event of packet id and the
// direction of its first hop (ok false if it never started on a link).
func firstHop(tr *trace.Trace, id uint64) (int, dirKey, bool) {
	for i := range tr.Events {
		e := &tr.Events[i]
		if e.Packet.ID != id {
			continue
		}
		switch e.Kind {
		case trace.KindEnqueue, trace.KindSend:
			if e.Packet.Orig == 0 && e.Link != "" {
				return i, dirKey{e.Link, e.Node}, true
			}
		}
		return i, dirKey{}, false
	}
	return 0, dirKey{}, false
}

// checkCounterfactual runs sc with and without a scripted drop of packet id
// and reports every difference the drop did not cause. It returns how many
// passages it compared.
func checkCounterfactual(t *testing.T, sc *Scenario, base *trace.Trace, id uint64) int {
	t.Helper()
	idx, first, ok := firstHop(base, id)
	if !ok {
		return 0
	}
	w := sc.Clone()
	w.AddFault(Fault{Action: "drop", Packet: id})
	what, err := Run(w)
	if err != nil {
		t.Fatal(err)
	}
	// Everything before the packet's first event is the same, byte for byte.
	for i := 0; i < idx; i++ {
		if i >= len(what.Events) {
			t.Fatalf("drop #%d: the what-if ends at event %d, before the packet", id, i)
		}
		if a, b := eventLine(&base.Events[i]), eventLine(&what.Events[i]); a != b {
			t.Fatalf("drop #%d: event %d changed before the packet was sent:\n%s\n%s", id, i, a, b)
		}
	}
	touched, caused := causalFuture([]*trace.Trace{base, what}, id, first)
	pb, pw := collectPassages(base), collectPassages(what)
	compared := 0
	for d, br := range pb.byDir {
		limit := never
		if v, ok := touched[d.link+":"+d.from]; ok {
			limit = v
		}
		wr := pw.byDir[d]
		bi, wi := 0, 0
		for {
			for bi < len(br) && (br[bi].entry >= limit || caused[0][hopKey{br[bi].id, d}]) {
				bi++
			}
			for wi < len(wr) && (wr[wi].entry >= limit || caused[1][hopKey{wr[wi].id, d}]) {
				wi++
			}
			if bi >= len(br) || wi >= len(wr) {
				if bi < len(br) || wi < len(wr) {
					t.Errorf("drop #%d: on %s from %s, passage %d/%d exists in one run only (before %v)", id, d.link, d.from, bi, wi, limit)
				}
				break
			}
			b, wp := br[bi], wr[wi]
			if b.id == id && d == first {
				// The dropped packet: sent the same, but dropped by the script.
				if wp.drop != trace.DropScripted || b.sendAt != wp.sendAt || b.arrive != wp.arrive || b.entry != wp.entry {
					t.Errorf("drop #%d: its own passage on %s changed beyond the drop:\n%s\n%s", id, d.link, b.fate(), wp.fate())
				}
			} else if b.fate() != wp.fate() {
				t.Errorf("drop #%d: a packet the drop did not cause changed its fate on %s from %s (before %v):\n#%d %s\n#%d %s",
					id, d.link, d.from, limit, b.id, b.fate(), wp.id, wp.fate())
			}
			compared++
			bi++
			wi++
		}
	}
	return compared
}

// impaired is sc with every link impaired in every way, so that the random
// streams matter on every topology.
func impaired(t *testing.T, sc *Scenario) *Scenario {
	t.Helper()
	sc = sc.Clone()
	jitter, loss, dup, reorder := Duration(3*time.Millisecond), 0.1, 0.1, 0.1
	if err := sc.Override(Override{Jitter: &jitter, Loss: &loss, Duplicate: &dup, Reorder: &reorder}); err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestWhatIfIsCounterfactual: for every preset, as shipped and with every
// link impaired, and for packets spread over the whole run, dropping that
// packet changes nothing that is not causally downstream of the drop.
func TestWhatIfIsCounterfactual(t *testing.T) {
	perRun := 24
	if testing.Short() {
		perRun = 6
	}
	for _, p := range Presets() {
		for _, variant := range []string{"preset", "impaired"} {
			t.Run(p.Name+"/"+variant, func(t *testing.T) {
				sc, err := LoadPreset(p.Name)
				if err != nil {
					t.Fatal(err)
				}
				if variant == "impaired" {
					sc = impaired(t, sc)
				}
				base, err := Run(sc)
				if err != nil {
					t.Fatal(err)
				}
				var ids []uint64
				for i := range base.Events {
					e := &base.Events[i]
					if e.Kind == trace.KindSend && e.Packet.Orig == 0 {
						if _, d, ok := firstHop(base, e.Packet.ID); ok && d == (dirKey{e.Link, e.Node}) {
							ids = append(ids, e.Packet.ID)
						}
					}
				}
				if len(ids) == 0 {
					t.Fatal("no packet sent")
				}
				compared := 0
				step := max(1, len(ids)/perRun)
				for i := 0; i < len(ids); i += step {
					compared += checkCounterfactual(t, sc, base, ids[i])
					if t.Failed() {
						return
					}
				}
				if compared == 0 {
					t.Fatal("nothing compared: the test is vacuous")
				}
			})
		}
	}
}

// TestScriptedDropTakesItsDraws: a packet dropped by a fault takes the
// same random values as one that passes, so every packet after it on the
// link meets the same fate, and the link's streams end where they would.
func TestScriptedDropTakesItsDraws(t *testing.T) {
	lp := LinkParams{Delay: Duration(10 * time.Millisecond), Jitter: Duration(5 * time.Millisecond),
		Loss: 0.3, Duplicate: 0.3, Reorder: 0.3, ReorderBy: Duration(20 * time.Millisecond)}
	const n = 40
	run := func(drop uint64) (*Sim, *trace.Trace) {
		sc := twoHosts(lp, lp)
		sc.Seed = 5
		if drop != 0 {
			sc.AddFault(Fault{Action: "drop", Packet: drop})
		}
		s, tr := mustNew(t, sc)
		client := s.Host("client")
		for i := range n {
			// Datagrams to a closed port, one per millisecond, whatever comes back.
			s.after(time.Duration(i)*time.Millisecond, func() {
				s.output(client, &trace.Packet{Proto: trace.ProtoUDP,
					Src: netip.MustParseAddrPort("10.0.0.1:4000"), Dst: netip.MustParseAddrPort("10.0.0.2:9"),
					Payload: []byte(fmt.Sprintf("d%02d", i))})
			})
		}
		s.RunUntil(time.Second)
		return s, tr
	}
	s0, base := run(0)
	ab := dirKey{"l1", "client"}
	// Drop a packet that the link would have delivered, and one it loses.
	var delivered, lost uint64
	for _, r := range collectPassages(base).byDir[ab] {
		switch {
		case r.delivered && delivered == 0 && r.id > 3:
			delivered = r.id
		case r.drop == trace.DropLoss && lost == 0 && r.id > 3:
			lost = r.id
		}
	}
	if delivered == 0 || lost == 0 {
		t.Fatal("no delivered and no lost datagram to drop")
	}
	for _, id := range []uint64{delivered, lost} {
		s1, what := run(id)
		if s0.dirs[0].rng != s1.dirs[0].rng {
			t.Errorf("drop #%d: the client→server streams end elsewhere than without the drop", id)
		}
		b, w := collectPassages(base).byDir[ab], collectPassages(what).byDir[ab]
		if len(b) != n || len(w) != n {
			t.Fatalf("drop #%d: %d and %d passages, want %d", id, len(b), len(w), n)
		}
		for i := range b {
			if b[i].id == id {
				if w[i].drop != trace.DropScripted || w[i].arrive != b[i].arrive {
					t.Errorf("drop #%d: %s, want the same send, dropped by the script", id, w[i].fate())
				}
				continue
			}
			if b[i].fate() != w[i].fate() {
				t.Errorf("drop #%d: datagram %d changed:\n%s\n%s", id, i, b[i].fate(), w[i].fate())
			}
		}
	}
}

// TestStreamsAreIndependent: the streams are named, not positional: a
// link's draws do not depend on what else the scenario contains, and each
// purpose draws from its own stream.
func TestStreamsAreIndependent(t *testing.T) {
	a := linkStreams(1, "l1", "ab")
	b := linkStreams(1, "l1", "ba")
	c := linkStreams(2, "l1", "ab")
	seen := map[uint64]string{}
	for i := range numDraws {
		for name, st := range map[string]*[numDraws]rand.PCG{"l1/ab": &a, "l1/ba": &b, "seed2": &c} {
			v := st[i].Uint64()
			if prev, ok := seen[v]; ok {
				t.Errorf("%s %s draws %#x like %s", name, drawNames[i], v, prev)
			}
			seen[v] = name + " " + drawNames[i]
		}
	}
	h := newNameHash()
	if h.str("ab").str("c") == h.str("a").str("bc") {
		t.Error("stream names are ambiguous")
	}
	if below(math.MaxUint64, 7) != 6 || below(0, 7) != 0 {
		t.Error("below is out of range")
	}
	if u := unit(math.MaxUint64); u >= 1 {
		t.Errorf("unit(max) = %v", u)
	}
}
