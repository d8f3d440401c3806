package layout

import (
	"sort"
	"time"
)

// Gap is an idle stretch of a run, [Start, End), in which nothing is on
// the wire: the ladder draws it squeezed to GapShown with a break mark,
// labelled with its real length.
type Gap struct {
	Start, End time.Duration
	before     time.Duration // display time removed by the gaps before this one
}

// GapShown is how much display time a squeezed gap keeps, in units of the
// model's Linger.
const gapShownFrac = 2

// The gaps are found by one sweep over the intervals of the run in start
// order — each flight from its Start to where its arrow ends, each queued
// packet's wait, each event's instant — opening a gap wherever an interval
// starts more than four drop lingers (about a dozen flight times) after
// everything before it has ended.
//
// Every interval starts at the time of the event that creates it, so the
// intervals arrive in start order as events are appended, and the sweep
// goes on where it stopped. It stops at an interval whose end is not known
// yet (a packet still on the wire or in a queue): that one reaches at
// least to the run's current end, so nothing after it can open a gap
// before it ends.

type ivKind uint8

const (
	ivPoint  ivKind = iota // an event's instant
	ivFlight               // Model.Flights[idx]
	ivQueue                // Model.Queues[idx]
)

type interval struct {
	kind ivKind
	idx  int
	at   time.Duration // for ivPoint
}

// gapSweep is the sweep's position: the intervals not swept yet, and what
// the swept ones add up to.
type gapSweep struct {
	pending []interval
	head    int  // pending[head:] are not swept
	started bool // the first interval has been swept (it never opens a gap)
	opened  bool // pending[head]'s start has been swept, its end not yet
	reach   time.Duration
	removed time.Duration // display time the gaps so far removed
}

func (g *gapSweep) push(iv interval) { g.pending = append(g.pending, iv) }

// span returns where iv starts and ends, and false while its end is open.
func (m *Model) span(iv interval) (a, b time.Duration, ok bool) {
	switch iv.kind {
	case ivFlight:
		f := &m.Flights[iv.idx]
		// A lost packet's arrow points at where it would have arrived.
		return f.Start, max(f.End, f.Arrive), f.EndEv >= 0
	case ivQueue:
		q := &m.Queues[iv.idx]
		return q.From, q.Until, !q.waiting
	}
	return iv.at, iv.at, true
}

// run sweeps on until the first interval whose end is still open.
func (g *gapSweep) run(m *Model) {
	threshold, shown := 4*m.Linger, m.gapShown()
	for ; g.head < len(g.pending); g.head++ {
		a, b, ok := m.span(g.pending[g.head])
		if !g.opened { // its start is known even while its end is not
			if g.started && a-g.reach > threshold {
				m.gaps = append(m.gaps, Gap{Start: g.reach, End: a, before: g.removed})
				g.removed += a - g.reach - shown
			}
			g.started, g.opened = true, true
		}
		if !ok {
			break
		}
		g.reach = max(g.reach, b)
		g.opened = false
	}
	if g.head >= 1024 && 2*g.head >= len(g.pending) { // drop what is swept
		g.pending = g.pending[:copy(g.pending, g.pending[g.head:])]
		g.head = 0
	}
}

// resweep finds the gaps again from the first event: Linger, and so the
// threshold, changed. It happens only while the first flights that decide
// Linger are still arriving.
func (m *Model) resweep() {
	m.gaps = m.gaps[:0]
	g := &m.sweep
	*g = gapSweep{pending: g.pending[:0]}
	qi := 0
	for i, t := range m.times {
		if fi := m.evFlight[i]; fi >= 0 && m.Flights[fi].Ev == i {
			g.push(interval{kind: ivFlight, idx: int(fi)})
		}
		if qi < len(m.Queues) && m.Queues[qi].Ev == i {
			g.push(interval{kind: ivQueue, idx: qi})
			qi++
		}
		g.push(interval{kind: ivPoint, at: t})
	}
}

func (m *Model) gapShown() time.Duration { return gapShownFrac * m.Linger / 3 }

// Gaps returns the squeezed idle stretches in time order.
func (m *Model) Gaps() []Gap { return m.gaps }

// Display maps a real time to display time: real time minus what the
// squeezed gaps before it removed; inside a gap time runs slower.
func (m *Model) Display(t time.Duration) time.Duration {
	k := sort.Search(len(m.gaps), func(i int) bool { return m.gaps[i].End > t })
	if k == len(m.gaps) {
		if k == 0 {
			return t
		}
		g := m.gaps[k-1]
		return t - g.before - (g.End - g.Start - m.gapShown())
	}
	g := m.gaps[k]
	if t <= g.Start {
		return t - g.before
	}
	f := float64(t-g.Start) / float64(g.End-g.Start)
	return g.Start - g.before + time.Duration(f*float64(m.gapShown()))
}

// Real is the inverse of Display.
func (m *Model) Real(d time.Duration) time.Duration {
	shown := m.gapShown()
	k := sort.Search(len(m.gaps), func(i int) bool { return m.gaps[i].Start-m.gaps[i].before+shown > d })
	if k == len(m.gaps) {
		if k == 0 {
			return d
		}
		g := m.gaps[k-1]
		return d + g.before + (g.End - g.Start - shown)
	}
	g := m.gaps[k]
	ds := g.Start - g.before
	if d <= ds {
		return d + g.before
	}
	f := float64(d-ds) / float64(shown)
	return g.Start + time.Duration(f*float64(g.End-g.Start))
}
