package layout_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/view/layout"
)

// screen is a ladder as the playground lays it out: its area, where
// labels may go, the label type size and the stroke width.
type screen struct {
	name         string
	area, bounds layout.Rect
	size, line   float64
}

// The ladder of a 1280×800 window in the screen and the projector theme,
// of a 1024×768 beamer, and of a small 800×600 window.
var screens = []screen{
	{"1280x800", layout.Rect{X: 70, Y: 337.8, W: 713.6, H: 314.1}, layout.Rect{X: 70, Y: 302.4, W: 713.6, H: 355.6}, 12 * 0.85, 1.5},
	{"1280x800-projector", layout.Rect{X: 70, Y: 312.5, W: 713.6, H: 239.9}, layout.Rect{X: 70, Y: 263.6, W: 713.6, H: 292.8}, 18 * 0.85, 3.5},
	{"1024x768-projector", layout.Rect{X: 70, Y: 300.6, W: 554.9, H: 229.7}, layout.Rect{X: 70, Y: 251.7, W: 554.9, H: 282.6}, 18 * 0.85, 3.5},
	{"800x600", layout.Rect{X: 70, Y: 262.4, W: 416, H: 200.4}, layout.Rect{X: 70, Y: 227, W: 416, H: 241.8}, 12 * 0.85, 1.5},
}

// estWidth is text width as the view estimates it before a font is loaded.
func estWidth(size float64) func(string) float64 {
	return func(s string) float64 {
		w := 0.0
		for _, r := range s {
			if r < 0x2e80 {
				w += 0.58
			} else {
				w += 1
			}
		}
		return w * size
	}
}

func presetModel(tb testing.TB, name string, faults ...sim.Fault) *layout.Model {
	tb.Helper()
	sc, err := sim.LoadPreset(name)
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range faults {
		sc.AddFault(f)
	}
	tr, err := sim.Run(sc)
	if err != nil {
		tb.Fatal(err)
	}
	return layout.NewModel(tr)
}

// place lays out m's ladder on sc at t with the given selection, as the
// view does: the current event's flight is the current one.
func place(m *layout.Model, sc screen, t time.Duration, sel int) (*layout.LadderPlace, layout.Ladder, layout.PlaceOpts) {
	l := m.LayoutLadder(sc.area, t, m.DefaultSpan())
	cur := -1
	if ev := m.At(t).Current(); ev >= 0 {
		if fi, ok := m.FlightOf(ev); ok {
			cur = fi
		}
	}
	o := layout.PlaceOpts{Now: t, Label: m.FlightLabel, Width: estWidth(sc.size), LabelH: sc.size * 1.35, Line: sc.line,
		Bounds: sc.bounds, Sel: sel, Cur: cur}
	var p layout.LadderPlace
	p.Place(&l, m, o)
	return &p, l, o
}

// moments are the instants each preset is checked at: eight spread over
// the run, and each packet's arrival or loss (where labels crowd most).
func moments(m *layout.Model) []time.Duration {
	var ts []time.Duration
	for k := range 9 {
		ts = append(ts, m.End*time.Duration(k)/8)
	}
	step := max(len(m.Flights)/24, 1)
	for i := 0; i < len(m.Flights); i += step {
		ts = append(ts, m.Flights[i].End)
	}
	return ts
}

// onSeg reports whether q lies within w of segment a–b, by sampling the
// segment a pixel at a time (independent of the placement's own tests).
func segNear(a, b layout.Pt, r layout.Rect, w float64) bool {
	n := int(math.Max(math.Hypot(b.X-a.X, b.Y-a.Y), 1))
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		x, y := a.X+(b.X-a.X)*t, a.Y+(b.Y-a.Y)*t
		if x > r.X-w && x < r.X+r.W+w && y > r.Y-w && y < r.Y+r.H+w {
			return true
		}
	}
	return false
}

// headNear reports whether the head of arrow a (once complete: a
// triangle as long as 4 strokes + 6 px and 0.45 of that each side, as the
// view draws it) or its ✕ (6 px each way) touches r.
func headNear(a *layout.PlacedArrow, line float64, r layout.Rect) bool {
	if a.Dropped {
		c := layout.Rect{X: a.End.X - 6 - line, Y: a.End.Y - 6 - line, W: 12 + 2*line, H: 12 + 2*line}
		return boxesOverlap(c, r)
	}
	dx, dy := a.End.X-a.A.X, a.End.Y-a.A.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return false
	}
	hl := min(4*line+6, l)
	ux, uy := dx/l, dy/l
	for i := 0; i <= 20; i++ {
		t := float64(i) / 20 // from the tip back to the base
		cx, cy := a.End.X-ux*hl*t, a.End.Y-uy*hl*t
		hw := 0.45 * hl * t
		for j := -10; j <= 10; j++ {
			q := layout.Pt{X: cx - uy*hw*float64(j)/10, Y: cy + ux*hw*float64(j)/10}
			if r.Contains(q) {
				return true
			}
		}
	}
	return false
}

func boxesOverlap(a, b layout.Rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

func distSeg(q, a, b layout.Pt) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = min(max(((q.X-a.X)*dx+(q.Y-a.Y)*dy)/l2, 0), 1)
	}
	return math.Hypot(q.X-a.X-t*dx, q.Y-a.Y-t*dy)
}

// cutY cuts a–b to the rows [top, bottom] (a above b).
func cutY(a, b layout.Pt, top, bottom float64) (layout.Pt, layout.Pt) {
	at := func(y float64) layout.Pt {
		if b.Y == a.Y {
			return a
		}
		t := (y - a.Y) / (b.Y - a.Y)
		return layout.Pt{X: a.X + (b.X-a.X)*t, Y: y}
	}
	if a.Y < top {
		a = at(top)
	}
	if b.Y > bottom {
		b = at(bottom)
	}
	return a, b
}

// checkPlace checks every rule of the ladder's placement that is
// geometry; it returns the first broken one.
func checkPlace(m *layout.Model, p *layout.LadderPlace, l *layout.Ladder, o layout.PlaceOpts) error {
	top, bottom := l.Area.Y, l.Area.Y+l.Area.H
	// Every label and marker lies inside the bounds, and none overlaps another.
	var boxes []layout.Rect
	var what []string
	for _, lb := range p.Labels {
		boxes, what = append(boxes, lb.Box), append(what, "label "+lb.Text)
	}
	for k, mk := range p.Markers {
		boxes, what = append(boxes, mk.Box), append(what, fmt.Sprintf("marker %d %s", k, mk.Text))
	}
	for i, b := range boxes {
		if b.X < o.Bounds.X-0.01 || b.Y < o.Bounds.Y-0.01 || b.X+b.W > o.Bounds.X+o.Bounds.W+0.01 || b.Y+b.H > o.Bounds.Y+o.Bounds.H+0.01 {
			return fmt.Errorf("%s at %+v is outside %+v", what[i], b, o.Bounds)
		}
		for j := range i {
			if boxesOverlap(b, boxes[j]) {
				return fmt.Errorf("%s at %+v overlaps %s at %+v", what[i], b, what[j], boxes[j])
			}
		}
	}
	// No arrow, its own included, runs through a label (the selected and
	// current ones may be laid over arrows when nothing else is free; they
	// say so).
	for _, lb := range p.Labels {
		if p.Arrows[lb.Arrow].Forced {
			continue
		}
		for k := range p.Arrows {
			a := &p.Arrows[k]
			s, e := cutY(a.A, a.End, top, bottom)
			if segNear(s, e, lb.Box, o.Line/2) {
				return fmt.Errorf("arrow of flight %d (%v–%v) crosses label %q at %+v", a.Flight, s, e, lb.Text, lb.Box)
			}
			if a.End.Y <= bottom && headNear(a, o.Line, lb.Box) {
				return fmt.Errorf("the head or ✕ of flight %d at %v touches label %q at %+v", a.Flight, a.End, lb.Text, lb.Box)
			}
		}
	}
	// A label behind a column, beyond its arrow's start or head, is level
	// with its own arrow's end there, not with another's: of the arrows
	// starting or arriving on that column, its own is nearest.
	for _, lb := range p.Labels {
		a := &p.Arrows[lb.Arrow]
		if a.Forced {
			continue
		}
		lx, rx := min(a.A.X, a.End.X), max(a.A.X, a.End.X)
		var col float64
		switch {
		case lb.Box.X+lb.Box.W <= lx:
			col = lx
		case lb.Box.X >= rx:
			col = rx
		default:
			continue
		}
		y := lb.Box.Y + lb.Box.H/2
		ends := func(b *layout.PlacedArrow) (d float64) {
			d = math.Inf(1)
			if s, _ := cutY(b.A, b.End, top, bottom); math.Abs(s.X-col) < 0.5 {
				d = math.Abs(s.Y - y)
			}
			if b.Head && math.Abs(b.B.X-col) < 0.5 {
				d = min(d, math.Abs(b.B.Y-y))
			}
			return d
		}
		own := ends(a)
		for k := range p.Arrows {
			if b := &p.Arrows[k]; k != lb.Arrow && ends(b) < own {
				return fmt.Errorf("label %q behind the column at x=%.0f is nearer flight %d's end than its own", lb.Text, col, b.Flight)
			}
		}
	}
	// Every arrow is labelled or counted by exactly one marker whose
	// count says how many it stands for.
	for k := range p.Arrows {
		a := &p.Arrows[k]
		switch {
		case a.Label >= 0 && a.Marker >= 0:
			return fmt.Errorf("flight %d has a label and a marker", a.Flight)
		case a.Label >= 0:
			if a.Stacked && !a.Forced && a.Flight != o.Sel && a.Flight != o.Cur {
				return fmt.Errorf("flight %d lies on another yet has a label", a.Flight)
			}
			if p.Labels[a.Label].Arrow != k {
				return fmt.Errorf("flight %d's label belongs to arrow %d", a.Flight, p.Labels[a.Label].Arrow)
			}
		case a.Marker >= 0:
			found := false
			for _, j := range p.Members(a.Marker) {
				found = found || j == k
			}
			if !found {
				return fmt.Errorf("flight %d is not among its marker's arrows", a.Flight)
			}
		default:
			return fmt.Errorf("flight %d (%s) has neither a label nor a marker", a.Flight, m.FlightLabel(a.Flight))
		}
	}
	n := 0
	for k, mk := range p.Markers {
		n += len(p.Members(k))
		if want := fmt.Sprintf("+%d", len(p.Members(k))); mk.Text != want {
			return fmt.Errorf("marker %d says %q for %d arrows", k, mk.Text, len(p.Members(k)))
		}
	}
	if labelled := len(p.Labels); labelled+n != len(p.Arrows) {
		return fmt.Errorf("%d labels and %d counted by markers for %d arrows", labelled, n, len(p.Arrows))
	}
	// The selected and the current arrows are always labelled: where
	// nothing covers it, cut short if it must, or else in full over the
	// arrows.
	for k := range p.Arrows {
		a := &p.Arrows[k]
		if a.Flight != o.Sel && a.Flight != o.Cur {
			continue
		}
		if a.Label < 0 {
			return fmt.Errorf("selected/current flight %d has no label", a.Flight)
		}
		if lb := p.Labels[a.Label]; a.Forced && lb.Text != m.FlightLabel(a.Flight) {
			return fmt.Errorf("selected/current flight %d is laid over the arrows cut short: %q", a.Flight, lb.Text)
		}
	}
	// Arrows sent at the same instant between the same columns are drawn
	// apart: they do not run within Merge of each other at both ends (a
	// copy that arrives later fans out from its original's start), unless
	// one is stacked on the other, unlabelled and counted by a marker
	// (checked above: every unlabelled arrow is).
	if !p.Dense {
		for i := range p.Arrows {
			for j := range i {
				a, b := &p.Arrows[i], &p.Arrows[j]
				fa, fb := &m.Flights[a.Flight], &m.Flights[b.Flight]
				if fa.Start != fb.Start || fa.From != fb.From || fa.To != fb.To {
					continue
				}
				if math.Abs(a.A.Y-b.A.Y) < p.Merge && math.Abs(a.End.Y-b.End.Y) < p.Merge && !fa.Dropped && !fb.Dropped &&
					!a.Stacked && !b.Stacked {
					return fmt.Errorf("flights %d and %d, sent together, are drawn on top of each other: %v–%v and %v–%v", a.Flight, b.Flight, a.A, a.End, b.A, b.End)
				}
			}
		}
	}
	// A lost packet's arrow ends in its ✕, and no arrow leaving the same
	// column the same way passes within DropSep of the ✕: nothing carries
	// on from it.
	for k := range p.Arrows {
		a := &p.Arrows[k]
		f := &m.Flights[a.Flight]
		if !f.Dropped || o.Now < f.End {
			continue
		}
		if !a.Cross || a.Head || a.B != a.End {
			return fmt.Errorf("lost flight %d: cross %v head %v, drawn to %v, ends at %v", a.Flight, a.Cross, a.Head, a.B, a.End)
		}
		if p.Dense {
			continue
		}
		for j := range p.Arrows {
			b := &p.Arrows[j]
			if j == k || b.A.X != a.A.X || (b.End.X > b.A.X) != (a.End.X > a.A.X) {
				continue
			}
			if d := distSeg(a.End, b.A, b.End); d < p.DropSep*math.Abs(b.End.X-b.A.X)/math.Hypot(b.End.X-b.A.X, b.End.Y-b.A.Y)-0.5 {
				return fmt.Errorf("flight %d passes %.1f px from the ✕ of lost flight %d: it looks like the lost packet carrying on", b.Flight, d, a.Flight)
			}
		}
	}
	// A click on a drawn arrow (off the labels and markers) selects that
	// arrow or one drawn over it there.
	for k := range p.Arrows {
		a := &p.Arrows[k]
		s, e := cutY(a.A, a.B, top, bottom)
		if math.Hypot(e.X-s.X, e.Y-s.Y) < 1 || s.Y > e.Y {
			continue
		}
		for _, t := range []float64{0.3, 0.5, 0.7} {
			q := layout.Pt{X: s.X + (e.X-s.X)*t, Y: s.Y + (e.Y-s.Y)*t}
			covered := false
			for _, b := range boxes {
				covered = covered || b.Contains(q)
			}
			if covered {
				continue
			}
			got, ok := p.Hit(q, 6, -1)
			if !ok {
				return fmt.Errorf("a click at %v on flight %d hit nothing", q, a.Flight)
			}
			if got == a.Flight {
				continue
			}
			over := false
			for j := k + 1; j < len(p.Arrows); j++ {
				b := &p.Arrows[j]
				over = over || b.Flight == got && distSeg(q, b.A, b.B) <= o.Line/2+1
			}
			if !over {
				return fmt.Errorf("a click at %v on flight %d selected %d, which is not drawn over it there", q, a.Flight, got)
			}
		}
	}
	return nil
}

// TestLadderPlacementAllPresets checks every rule at many moments of every
// preset, on four screens, with nothing selected and with an arrow of the
// window selected.
func TestLadderPlacementAllPresets(t *testing.T) {
	for _, pr := range sim.Presets() {
		t.Run(pr.Name, func(t *testing.T) {
			t.Parallel()
			placeEverywhere(t, presetModel(t, pr.Name))
		})
	}
	t.Run("handshake-drop-3", func(t *testing.T) {
		t.Parallel()
		placeEverywhere(t, presetModel(t, "handshake", sim.Fault{Action: "drop", Packet: 3}))
	})
}

// placeEverywhere checks m's placement at its moments on every screen,
// with nothing selected and with the middle arrow selected.
func placeEverywhere(t *testing.T, m *layout.Model) {
	for _, sc := range screens {
		for _, at := range moments(m) {
			for _, pick := range []bool{false, true} {
				sel := -1
				if pick {
					p, _, _ := place(m, sc, at, -1)
					if len(p.Arrows) > 0 {
						sel = p.Arrows[len(p.Arrows)/2].Flight
					}
				}
				p, l, o := place(m, sc, at, sel)
				if err := checkPlace(m, p, &l, o); err != nil {
					t.Fatalf("on %s at %v (selected %d): %v", sc.name, at, sel, err)
				}
			}
		}
	}
}

// The first complaint: in teardown, the ACK sent at the same
// instant as each FIN hid the FIN's label. Both FINs are labelled now, on
// every screen, once the second has arrived.
func TestTeardownFINsLabelled(t *testing.T) {
	m := presetModel(t, "teardown")
	var fins []int
	for i := range m.Flights {
		if m.Packet(i).Flags.String() == "FIN,ACK" {
			fins = append(fins, i)
		}
	}
	if len(fins) != 2 {
		t.Fatalf("%d FINs in teardown, want 2", len(fins))
	}
	for _, sc := range screens {
		for _, at := range []time.Duration{m.Flights[fins[1]].End, m.Flights[fins[1]].End + 5*ms} {
			p, l, o := place(m, sc, at, -1)
			if err := checkPlace(m, p, &l, o); err != nil {
				t.Fatalf("%s at %v: %v", sc.name, at, err)
			}
			for _, fi := range fins {
				ok := false
				for _, lb := range p.Labels {
					ok = ok || p.Arrows[lb.Arrow].Flight == fi && strings.Contains(lb.Text, "FIN")
				}
				if !ok {
					t.Errorf("%s at %v: FIN flight %d (%s) has no label saying FIN", sc.name, at, fi, m.FlightLabel(fi))
				}
			}
		}
	}
}

// The second complaint: after a what-if drop of the handshake's
// ACK (#3), the PSH,ACK sent at the same instant carried on from the ✕, and
// a click on the ACK selected the PSH,ACK.
func TestWhatIfDropStandsApart(t *testing.T) {
	m := presetModel(t, "handshake", sim.Fault{Action: "drop", Packet: 3})
	ack, psh := -1, -1
	for i := range m.Flights {
		switch m.Flights[i].ID {
		case 3:
			ack = i
		case 4:
			psh = i
		}
	}
	if ack < 0 || psh < 0 || !m.Flights[ack].Dropped || m.Flights[ack].Start != m.Flights[psh].Start {
		t.Fatalf("want #3 dropped and #4 sent with it: %+v %+v", m.Flights[ack], m.Flights[psh])
	}
	for _, sc := range screens {
		at := m.Flights[psh].End
		p, l, o := place(m, sc, at, -1)
		if err := checkPlace(m, p, &l, o); err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		var a, b *layout.PlacedArrow
		for k := range p.Arrows {
			switch p.Arrows[k].Flight {
			case ack:
				a = &p.Arrows[k]
			case psh:
				b = &p.Arrows[k]
			}
		}
		if a == nil || b == nil {
			t.Fatalf("%s: #3 or #4 not drawn", sc.name)
		}
		if !a.Cross {
			t.Errorf("%s: the lost ACK does not end in ✕", sc.name)
		}
		if d := distSeg(a.End, b.A, b.End); d < p.DropSep*0.9 {
			t.Errorf("%s: #4 passes %.1f px from #3's ✕", sc.name, d)
		}
		// Clicks along the lost ACK's stub select the ACK.
		for _, f := range []float64{0.25, 0.5, 0.75} {
			q := layout.Pt{X: a.A.X + (a.B.X-a.A.X)*f, Y: a.A.Y + (a.B.Y-a.A.Y)*f}
			if got, ok := p.Hit(q, 6, -1); !ok || got != ack {
				t.Errorf("%s: click at %v on #3 selected %d (%s)", sc.name, q, got, m.FlightLabel(max(got, 0)))
			}
		}
	}
}

// Where two arrows are drawn over each other, a click picks the one on
// top: the selected arrow, drawn last.
func TestHitPicksTopMost(t *testing.T) {
	m := presetModel(t, "congestion")
	sc := screens[0]
	checked := 0
	for _, at := range moments(m) {
		p, _, _ := place(m, sc, at, -1)
		for k := range p.Arrows {
			for j := range k {
				a, b := &p.Arrows[k], &p.Arrows[j]
				// Where two arrows cross, a click at the crossing picks the
				// later-drawn one; selecting the other puts it on top.
				q, ok := crossing(a.A, a.B, b.A, b.B)
				if !ok || inAnyBox(p, q) {
					continue
				}
				if got, _ := p.Hit(q, 6, -1); got != a.Flight {
					t.Fatalf("at %v: click on the crossing of %d (drawn last) and %d picked %d", at, a.Flight, b.Flight, got)
				}
				ps, _, _ := place(m, sc, at, b.Flight)
				if got, _ := ps.Hit(q, 6, b.Flight); got != b.Flight && !inAnyBox(ps, q) {
					t.Fatalf("at %v: with %d selected, a click on its crossing with %d picked %d", at, b.Flight, a.Flight, got)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no crossing arrows to click")
	}
}

func inAnyBox(p *layout.LadderPlace, q layout.Pt) bool {
	for _, lb := range p.Labels {
		if lb.Box.Contains(q) {
			return true
		}
	}
	for _, mk := range p.Markers {
		if mk.Box.Contains(q) {
			return true
		}
	}
	return false
}

// crossing returns where segments a–b and c–d cross, away from their ends.
func crossing(a, b, c, d layout.Pt) (layout.Pt, bool) {
	r := layout.Pt{X: b.X - a.X, Y: b.Y - a.Y}
	s := layout.Pt{X: d.X - c.X, Y: d.Y - c.Y}
	den := r.X*s.Y - r.Y*s.X
	if math.Abs(den) < 1e-9 {
		return layout.Pt{}, false
	}
	t := ((c.X-a.X)*s.Y - (c.Y-a.Y)*s.X) / den
	u := ((c.X-a.X)*r.Y - (c.Y-a.Y)*r.X) / den
	if t < 0.1 || t > 0.9 || u < 0.1 || u > 0.9 {
		return layout.Pt{}, false
	}
	return layout.Pt{X: a.X + r.X*t, Y: a.Y + r.Y*t}, true
}

// A marker expands on selection: clicking it selects its arrows one after
// the other, and the selected one is then labelled in full.
func TestMarkerClickCycles(t *testing.T) {
	m := presetModel(t, "congestion")
	sc := screens[0]
	for _, at := range moments(m) {
		p, _, _ := place(m, sc, at, -1)
		for k := range p.Markers {
			mem := p.Members(k)
			if len(mem) < 2 {
				continue
			}
			box := p.Markers[k].Box
			q := layout.Pt{X: box.X + box.W/2, Y: box.Y + box.H/2}
			first, _ := p.Hit(q, 6, -1)
			second, _ := p.Hit(q, 6, first)
			if first != p.Arrows[mem[0]].Flight || second != p.Arrows[mem[1]].Flight {
				t.Fatalf("clicks on a marker of %d arrows selected %d then %d", len(mem), first, second)
			}
			ps, l, o := place(m, sc, at, first)
			if err := checkPlace(m, ps, &l, o); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Skip("no marker with two arrows in congestion")
}

// BenchmarkLadderPlace is the placement's cost per frame on the busiest
// preset (congestion: hundreds of arrows in a zoomed-out window) and on
// the handshake.
func BenchmarkLadderPlace(b *testing.B) {
	for _, name := range []string{"handshake", "congestion"} {
		m := presetModel(b, name)
		for _, zoom := range []time.Duration{1, 8, 24} {
			b.Run(fmt.Sprintf("%s-span×%d", name, zoom), func(b *testing.B) {
				sc := screens[0]
				at := m.End / 2
				l := m.LayoutLadder(sc.area, at, m.DefaultSpan()*zoom)
				// Labels are cached, as the view caches them.
				labels := make([]string, len(m.Flights))
				label := func(fi int) string {
					if labels[fi] == "" {
						labels[fi] = m.FlightLabel(fi)
					}
					return labels[fi]
				}
				o := layout.PlaceOpts{Now: at, Label: label, Width: estWidth(sc.size), LabelH: sc.size * 1.35, Line: sc.line, Bounds: sc.bounds, Sel: -1, Cur: -1}
				var p layout.LadderPlace
				p.Place(&l, m, o)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					p.Place(&l, m, o)
				}
				b.ReportMetric(float64(len(p.Arrows)), "arrows")
				b.ReportMetric(float64(len(p.Labels)), "labels")
			})
		}
	}
}

// After a what-if drop the previous run is drawn dashed beside this one.
// Its arrows never run on from this run's ✕: the old #3, delivered, is not
// drawn along the lost #3, and the arrows both runs share are not drawn
// twice.
func TestGhostNeverCarriesOnFromACross(t *testing.T) {
	old := presetModel(t, "handshake")
	m := presetModel(t, "handshake", sim.Fault{Action: "drop", Packet: 3})
	for _, sc := range screens {
		for _, at := range moments(m) {
			p, l, _ := place(m, sc, at, -1)
			from, to := l.Window()
			lo, hi := old.FlightsBetween(from-old.MaxFlight(), to)
			for i := lo; i < hi; i++ {
				g := &old.Flights[i]
				s, e, _, ok := l.Arrow(g, old.End)
				if !ok || !p.GhostShown(m, g, s, e) {
					continue
				}
				for k := range p.Arrows {
					a := &p.Arrows[k]
					f := &m.Flights[a.Flight]
					if f.ID == g.ID && f.Start == g.Start && f.End == g.End {
						t.Fatalf("%s at %v: the old #%d is drawn again over this run's", sc.name, at, g.ID)
					}
					if a.Cross && (a.End.X > a.A.X) == (e.X > s.X) && distSeg(a.End, s, e) < p.DropSep {
						t.Fatalf("%s at %v: the old #%d runs %.1f px from the ✕ of #%d", sc.name, at, g.ID, distSeg(a.End, s, e), f.ID)
					}
				}
			}
		}
	}
}
