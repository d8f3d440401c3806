package layout

import (
	"slices"
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

// findGaps squeezes every idle stretch longer than four drop lingers
// (about a dozen flight times).
func (m *Model) findGaps() {
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
