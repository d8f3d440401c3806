package layout

import (
	"math"
	"sort"
	"strings"
	"time"

	"socketlab/sim/trace"
)

// Pt is a point in screen pixels (y grows downward).
type Pt struct{ X, Y float64 }

// Rect is an axis-aligned rectangle in screen pixels.
type Rect struct{ X, Y, W, H float64 }

// Contains reports whether p is inside r.
func (r Rect) Contains(p Pt) bool { return p.X >= r.X && p.X < r.X+r.W && p.Y >= r.Y && p.Y < r.Y+r.H }

// Inset shrinks r by d on every side.
func (r Rect) Inset(d float64) Rect {
	return Rect{r.X + d, r.Y + d, max(r.W-2*d, 0), max(r.H-2*d, 0)}
}

func lerp(a, b Pt, t float64) Pt { return Pt{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t} }

// Columns orders the nodes from left to right the way both the topology and
// the ladder place them: clients on the left, routers in the middle, servers
// on the right. A node is a "server" when its role or name says so; with two
// plain hosts the first goes left.
func (m *Model) Columns() (left, middle, right []int) {
	for i, n := range m.Nodes {
		switch {
		case n.Kind == trace.NodeRouter:
			middle = append(middle, i)
		case strings.Contains(strings.ToLower(n.Role+" "+n.Name), "server"):
			right = append(right, i)
		default:
			left = append(left, i)
		}
	}
	if len(right) == 0 && len(left) > 1 {
		right, left = left[len(left)/2:], left[:len(left)/2]
	}
	return left, middle, right
}

// Order returns the node indices from left to right (ladder columns).
// The nodes of a run drawn beside another — a simulated model beside a
// real run (trace.ModelPrefix), a real run beside a simulated lesson
// (trace.RealPrefix) — come after the run's own, so that each exchange
// keeps its columns together.
func (m *Model) Order() []int {
	l, c, r := m.Columns()
	all := append(append(l, c...), r...)
	var own, beside []int
	for _, n := range all {
		name := m.Nodes[n].Name
		if strings.HasPrefix(name, trace.ModelPrefix) || strings.HasPrefix(name, trace.RealPrefix) {
			beside = append(beside, n)
		} else {
			own = append(own, n)
		}
	}
	return append(own, beside...)
}

// Topo is the topology view's geometry.
type Topo struct {
	Area   Rect
	Pos    []Pt    // per node
	R      float64 // node radius
	RowGap float64 // the least vertical distance between nodes of one column (+Inf if none share one)
}

// LayoutTopology places the nodes in area: the left column, the routers
// spread across the middle, the right column; each column centred
// vertically.
func (m *Model) LayoutTopology(area Rect) Topo {
	t := Topo{Area: area, Pos: make([]Pt, len(m.Nodes)), R: max(min(area.W, area.H)*0.06, 10), RowGap: math.Inf(1)}
	l, c, r := m.Columns()
	cols := [][]int{l}
	for _, n := range c {
		cols = append(cols, []int{n})
	}
	cols = append(cols, r)
	nonEmpty := cols[:0]
	for _, col := range cols {
		if len(col) > 0 {
			nonEmpty = append(nonEmpty, col)
		}
	}
	pad := t.R * 2.5
	for ci, col := range nonEmpty {
		x := area.X + area.W/2
		if len(nonEmpty) > 1 {
			x = area.X + pad + (area.W-2*pad)*float64(ci)/float64(len(nonEmpty)-1)
		}
		for k, n := range col {
			y := area.Y + area.H*float64(k+1)/float64(len(col)+1)
			t.Pos[n] = Pt{x, y}
		}
		if len(col) > 1 {
			t.RowGap = min(t.RowGap, area.H/float64(len(col)+1))
		}
	}
	return t
}

// laneOffset separates the two directions of a link so that packets going
// A→B and B→A do not overlap: each direction rides on its own side.
func (t *Topo) lane(from, to int) (a, b Pt) {
	a, b = t.Pos[from], t.Pos[to]
	dx, dy := b.X-a.X, b.Y-a.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return a, b
	}
	off := t.R * 0.45
	nx, ny := -dy/l*off, dx/l*off
	return Pt{a.X + nx, a.Y + ny}, Pt{b.X + nx, b.Y + ny}
}

// FlightPos returns where flight f is drawn at time t.
func (t *Topo) FlightPos(f *Flight, at time.Duration) Pt {
	a, b := t.lane(f.From, f.To)
	// Packets leave from the node's rim, not its centre.
	return lerp(edge(a, b, t.R), edge(b, a, t.R), f.Frac(at))
}

// DropPos returns where a dropped flight's ✕ is drawn.
func (t *Topo) DropPos(f *Flight) Pt {
	a, b := t.lane(f.From, f.To)
	return lerp(edge(a, b, t.R), edge(b, a, t.R), f.DropFrac)
}

// QueuePos returns where the k-th queued packet at node towards peer is drawn.
func (t *Topo) QueuePos(node, peer, k int) Pt {
	a, b := t.lane(node, peer)
	s := edge(a, b, t.R)
	dx, dy := b.X-a.X, b.Y-a.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return s
	}
	// Stack sideways, away from the link, like a queue beside the port.
	off := t.R * 0.5 * float64(k+1)
	return Pt{s.X - dy/l*off, s.Y + dx/l*off}
}

func edge(from, to Pt, r float64) Pt {
	dx, dy := to.X-from.X, to.Y-from.Y
	l := math.Hypot(dx, dy)
	if l <= 2*r {
		return from
	}
	return Pt{from.X + dx/l*r, from.Y + dy/l*r}
}

// HitFlight returns the flight in s drawn nearest to p within radius.
func (t *Topo) HitFlight(m *Model, s *Snapshot, p Pt, radius float64) (int, bool) {
	best, bestD := -1, radius
	for _, fi := range s.Flights {
		q := t.FlightPos(&m.Flights[fi], s.T)
		if d := math.Hypot(q.X-p.X, q.Y-p.Y); d <= bestD {
			best, bestD = fi, d
		}
	}
	for _, fi := range s.Drops {
		q := t.DropPos(&m.Flights[fi])
		if d := math.Hypot(q.X-p.X, q.Y-p.Y); d <= bestD {
			best, bestD = fi, d
		}
	}
	return best, best >= 0
}

// HitNode returns the node drawn at p.
func (t *Topo) HitNode(p Pt) (int, bool) {
	for i, q := range t.Pos {
		if math.Hypot(q.X-p.X, q.Y-p.Y) <= t.R {
			return i, true
		}
	}
	return 0, false
}

// Ladder is the ladder (sequence) diagram's geometry: one vertical line per
// node, time growing downward. The time axis is "display time" (see
// Model.Display): idle stretches such as an RTO wait are squeezed so that
// a lost SYN and its retransmission a second later fit on one screen. The
// window shows display times [Top, Top+Span].
type Ladder struct {
	Area Rect
	Top  time.Duration // display time at the top edge
	Span time.Duration // display time from top to bottom
	ColX []float64     // per node
	m    *Model
}

// DefaultSpan picks the ladder's window in display time: the packets of
// a short run from its first one on (a live run idles before its first
// exchange, and that wait is not the lesson), otherwise enough for about
// 25 packets (but at least four flight times), so that arrows and labels
// stay readable.
func (m *Model) DefaultSpan() time.Duration {
	end := m.Display(m.End)
	if end <= 0 {
		return time.Second
	}
	whole := end + end/20
	s := whole
	switch n := len(m.Flights); {
	case n > 25:
		s = max(time.Duration(float64(end)*25/float64(n)), 4*m.Linger/3)
	case n > 0:
		busy := end - m.Display(m.Flights[0].Start)
		s = max(busy+busy/10, 4*m.Linger/3)
	}
	return min(max(s, time.Microsecond), whole)
}

// LayoutLadder returns the ladder for area showing span (display time)
// around the cursor: the window scrolls so the cursor stays at most 70%
// down, and no further than the run's end.
func (m *Model) LayoutLadder(area Rect, cursor, span time.Duration) Ladder {
	l := Ladder{Area: area, Span: max(span, time.Microsecond), ColX: make([]float64, len(m.Nodes)), m: m}
	if top := m.Display(cursor) - l.Span*7/10; top > 0 {
		// Never more than a twentieth of the span past the run's end: at
		// the end of a short run its first packets stay in view rather
		// than scrolling out for empty future.
		end := m.Display(m.End)
		l.Top = min(top, max(end+min(end, l.Span)/20-l.Span, 0))
	}
	order := m.Order()
	for k, n := range order {
		l.ColX[n] = area.X + area.W*(float64(k)+0.5)/float64(len(order))
	}
	return l
}

// Y maps a time to a screen row.
func (l *Ladder) Y(t time.Duration) float64 {
	return l.Area.Y + float64(l.m.Display(t)-l.Top)/float64(l.Span)*l.Area.H
}

// Time maps a screen row to a time.
func (l *Ladder) Time(y float64) time.Duration {
	return l.m.Real(l.Top + time.Duration((y-l.Area.Y)/l.Area.H*float64(l.Span)))
}

// Window returns the real times at the top and bottom edges.
func (l *Ladder) Window() (from, to time.Duration) {
	return l.m.Real(l.Top), l.m.Real(l.Top + l.Span)
}

// Gaps returns the squeezed idle stretches that start inside the window.
func (l *Ladder) Gaps() []Gap {
	from, to := l.Window()
	lo := sort.Search(len(l.m.gaps), func(i int) bool { return l.m.gaps[i].End > from })
	hi := sort.Search(len(l.m.gaps), func(i int) bool { return l.m.gaps[i].Start >= to })
	return l.m.gaps[lo:max(lo, hi)]
}

// Arrow returns the arrow of flight f as drawn at cursor time now: from the
// sender's line at Start to the receiver's line at End, or to the drop
// point mid-link for a lost packet. An arrow still in flight stops at its
// current position (head false). ok is false before the packet is sent.
func (l *Ladder) Arrow(f *Flight, now time.Duration) (a, b Pt, head, ok bool) {
	if now < f.Start {
		return Pt{}, Pt{}, false, false
	}
	a = Pt{l.ColX[f.From], l.Y(f.Start)}
	end := Pt{l.ColX[f.To], l.Y(f.End)}
	if f.Dropped {
		end = lerp(a, Pt{end.X, l.Y(f.Start + time.Duration(float64(f.End-f.Start)/max(f.DropFrac, 1e-9)))}, f.DropFrac)
	}
	if now >= f.End {
		return a, end, !f.Dropped, true
	}
	p := 1.0
	if f.End > f.Start {
		p = float64(now-f.Start) / float64(f.End-f.Start)
	}
	return a, lerp(a, end, p), false, true
}

// Visible returns the range of flights that may have an arrow in the window.
func (l *Ladder) Visible(m *Model) (lo, hi int) {
	from, to := l.Window()
	return m.FlightsBetween(from-m.maxFlight, to)
}

// HitArrow returns the flight whose arrow passes nearest to p within tol.
func (l *Ladder) HitArrow(m *Model, now time.Duration, p Pt, tol float64) (int, bool) {
	lo, hi := l.Visible(m)
	best, bestD := -1, tol
	for i := lo; i < hi; i++ {
		a, b, _, ok := l.Arrow(&m.Flights[i], now)
		if !ok {
			continue
		}
		if d := segDist(p, a, b); d <= bestD {
			best, bestD = i, d
		}
	}
	return best, best >= 0
}

func segDist(p, a, b Pt) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = min(max(((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l2, 0), 1)
	}
	return math.Hypot(p.X-(a.X+t*dx), p.Y-(a.Y+t*dy))
}

// Scrubber maps between a horizontal bar and the trace's time.
type Scrubber struct {
	Area Rect
	End  time.Duration
}

// Time returns the time under screen column x, clamped to [0, End].
func (s Scrubber) Time(x float64) time.Duration {
	if s.Area.W <= 0 {
		return 0
	}
	f := min(max((x-s.Area.X)/s.Area.W, 0), 1)
	return time.Duration(math.Round(f * float64(s.End)))
}

// X returns the screen column of time t.
func (s Scrubber) X(t time.Duration) float64 {
	if s.End <= 0 {
		return s.Area.X
	}
	f := min(max(float64(t)/float64(s.End), 0), 1)
	return s.Area.X + f*s.Area.W
}

// StepSpan is the ladder's span for stepping through the run at cursor:
// where packets leave close together (a burst) it zooms in until the
// arrows nearest the cursor start at least minGap pixels apart on a
// ladder height pixels tall; elsewhere it is the run's DefaultSpan. It
// never zooms out beyond DefaultSpan, nor in below what shows one flight
// whole. Packets that leave at the very same instant are not a burst to
// zoom into (the ladder fans them apart).
func (m *Model) StepSpan(cursor time.Duration, height, minGap float64) time.Duration {
	def := m.DefaultSpan()
	if len(m.Flights) < 2 || height <= 0 || minGap <= 0 {
		return def
	}
	// The flights around the cursor: a few before it and a few after.
	const around = 4
	k := sort.Search(len(m.Flights), func(i int) bool { return m.Flights[i].Start > cursor })
	lo, hi := max(k-around, 0), min(k+around, len(m.Flights))
	gap := time.Duration(-1)
	for i := lo + 1; i < hi; i++ {
		d := m.Display(m.Flights[i].Start) - m.Display(m.Flights[i-1].Start)
		if d > 0 && (gap < 0 || d < gap) {
			gap = d
		}
	}
	if gap < 0 {
		return def
	}
	want := time.Duration(float64(gap) * height / minGap)
	floor := time.Microsecond
	if f := &m.Flights[max(k-1, 0)]; f.End > f.Start {
		floor = max(floor, m.Display(f.End)-m.Display(f.Start)) // the current flight stays whole
	}
	return min(def, max(want, floor))
}
