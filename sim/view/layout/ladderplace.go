package layout

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/trace"
)

// PlaceOpts is what the ladder's placement needs beyond the geometry: the
// cursor, the sizes of the strokes and the type, and which arrows must
// keep their labels.
type PlaceOpts struct {
	Now    time.Duration
	Label  func(fi int) string    // the arrow's label text
	Width  func(s string) float64 // its width in pixels at the label size
	LabelH float64                // a label's height (a line of the label size)
	Line   float64                // the arrows' stroke width
	Bounds Rect                   // where labels and markers may go
	Avoid  []Rect                 // other text already there (the idle-gap notes)
	Sel    int                    // the selected flight, -1 for none
	Cur    int                    // the current event's flight, -1 for none
	Dense  int                    // above this many arrows only Sel and Cur are labelled (0: 400)
}

// PlacedArrow is one arrow as drawn: its endpoints after separation from
// the arrows it would otherwise cover, its label or the marker that
// counts it.
type PlacedArrow struct {
	Flight  int
	A, B    Pt   // drawn from A to B (B is where the packet is now)
	End     Pt   // where the arrow ends once complete: the receiver, or the drop point
	Head    bool // arrived: draw the head
	Cross   bool // lost, and the loss has happened: B is the ✕
	Dropped bool
	Notable bool    // opens, closes or resets a connection, lost, retransmitted, duplicated or overtaken: labelled before the rest
	Shift   float64 // how far the arrow was moved down to stand apart (pixels)
	Stacked bool    // one of more arrows sent at once than can be moved apart: it lies on another, unlabelled, counted by a marker
	Label   int     // index into LadderPlace.Labels, -1
	Marker  int     // index into LadderPlace.Markers when collapsed, -1
	Forced  bool    // labelled although no free place was found (selected or current)

	ca, ce Pt   // the complete arrow cut to the window: where labels must not go
	cb     Pt   // the drawn part's end cut to the window: labels go beside ca–cb
	headIn bool // its head (or ✕) is inside the window
	// What a label must keep clear of: the line's and the head's boxes,
	// and the head.
	lineBox, headBox Rect
	head             [3]Pt
}

// PlacedLabel is an arrow's label box; the text is drawn inside it.
type PlacedLabel struct {
	Arrow int // index into LadderPlace.Arrows
	Box   Rect
	Text  string
	Short bool // the label cut to "#id FLAGS" or "#id" for want of room: selecting the arrow shows it whole
}

// Marker stands for arrows whose labels found no room: "+N", drawn near
// where the first of them starts. Clicking it selects them one after the
// other, and a selected arrow is always labelled.
type Marker struct {
	Box         Rect
	Text        string
	first, n    int // members: LadderPlace.members[first:first+n]
	fromX, yTop float64
}

// LadderPlace is the placement of the ladder's arrows, labels and markers
// for one frame. Its slices are reused from frame to frame; drawing and
// hit testing both read it, so a click picks what is drawn.
type LadderPlace struct {
	Arrows  []PlacedArrow // in drawing order: the selected arrow last
	Labels  []PlacedLabel
	Markers []Marker

	// Arrows between the same columns that run within Merge of each other
	// all along (packets sent at the same instant) are moved Sep apart;
	// nothing parallel passes within DropSep of a ✕.
	// An arrow is moved at most MaxShift; beyond, it is Stacked.
	Sep, Merge, DropSep, MaxShift float64
	// Dense: too many arrows to read one by one (more than
	// PlaceOpts.Dense): they are neither moved apart nor labelled, but
	// for the selected and current ones; markers count the rest.
	Dense bool

	members []int // arrow indices, by marker
	order   []int
	bands   [][]int32 // per band of the label bounds: the arrows crossing it
	bandH   float64
	bandsY  float64
	free    []int
	lanes   map[[2]int][]int
	budget  int
	line    float64
	headL   float64
	headW   float64
}

// Members returns the arrows (indices into Arrows) counted by marker k.
func (p *LadderPlace) Members(k int) []int {
	mk := &p.Markers[k]
	return p.members[mk.first : mk.first+mk.n]
}

// Place lays out the visible arrows of l at o.Now.
func (p *LadderPlace) Place(l *Ladder, m *Model, o PlaceOpts) {
	p.Arrows, p.Labels, p.Markers, p.members = p.Arrows[:0], p.Labels[:0], p.Markers[:0], p.members[:0]
	p.line = o.Line
	p.headL = 4*o.Line + 6
	p.headW = p.headL * 0.45
	p.Sep = 2*o.Line + 5
	p.Merge = o.Line + 3
	p.MaxShift = 4*p.Sep + p.DropSep
	p.DropSep = p.Sep + 6 + o.Line // a ✕ is 6 px each way: nothing parallel passes closer
	top, bottom := l.Area.Y, l.Area.Y+l.Area.H
	lo, hi := l.Visible(m)
	selAt := -1
	for i := lo; i < hi; i++ {
		f := &m.Flights[i]
		a, e, _, ok := l.Arrow(f, math.MaxInt64)
		if !ok || o.Now < f.Start || max(a.Y, e.Y) < top || min(a.Y, e.Y) > bottom {
			continue
		}
		if i == o.Sel {
			selAt = len(p.Arrows)
		}
		p.Arrows = append(p.Arrows, PlacedArrow{Flight: i, A: a, End: e, Dropped: f.Dropped,
			Notable: f.Dropped || f.Retrans || f.Dup || f.Late || m.Packet(i).Flags&(trace.FlagSYN|trace.FlagFIN|trace.FlagRST) != 0,
			Label:   -1, Marker: -1})
	}
	dense := o.Dense
	if dense <= 0 {
		dense = 400
	}
	p.Dense = len(p.Arrows) > dense
	if !p.Dense {
		p.separate()
	}
	for k := range p.Arrows {
		pa := &p.Arrows[k]
		f := &m.Flights[pa.Flight]
		pa.ca, pa.ce, pa.headIn = clipY(pa.A, pa.End, top, bottom)
		pa.B = pa.End
		if o.Now >= f.End {
			pa.Head, pa.Cross = !f.Dropped, f.Dropped
		} else if f.End > f.Start {
			pa.B = lerp(pa.A, pa.End, float64(o.Now-f.Start)/float64(f.End-f.Start))
		}
		p.shape(pa)
		pa.cb = pa.B
		switch {
		case pa.B.Y > bottom:
			pa.cb = pa.ce
		case pa.B.Y < top:
			pa.cb = pa.ca
		}
	}
	// The selected arrow is drawn last: on top of any it crosses.
	if selAt >= 0 && selAt != len(p.Arrows)-1 {
		s := p.Arrows[selAt]
		copy(p.Arrows[selAt:], p.Arrows[selAt+1:])
		p.Arrows[len(p.Arrows)-1] = s
	}
	p.bands = p.bands[:0]
	if !p.Dense {
		p.index(o.Bounds)
	}
	p.labels(o)
	p.markers(o)
}

// separate moves an arrow down, parallel to itself, when it would run
// within Sep of an earlier arrow between the same two columns over their
// whole length (packets sent at the same instant lie exactly on top of each
// other), or within DropSep of a ✕ (a packet passing a loss would look like
// the lost one carrying on). Arrows are in start order, so an arrow only
// ever moves away from those drawn before it.
func (p *LadderPlace) separate() {
	if p.lanes == nil {
		p.lanes = map[[2]int][]int{}
	}
	for k, v := range p.lanes {
		p.lanes[k] = v[:0]
	}
	for k := range p.Arrows {
		b := &p.Arrows[k]
		// A lost packet ends mid-link but shares the lane of the arrows
		// leaving the same column the same way.
		lane := p.lanes[laneKey(b)]
		for range 64 {
			need := 0.0
			// The last few arrows of the lane are all an arrow can land on:
			// they are in start order and only move down.
			for j := len(lane) - 1; j >= 0 && j >= len(lane)-16; j-- {
				need = max(need, p.clearance(&p.Arrows[lane[j]], b))
			}
			if need <= 0 {
				break
			}
			if b.Shift+need > p.MaxShift {
				// So many sent at once that moving further would misplace
				// it in time: it lies on the last one moved, and a marker
				// counts it.
				b.Stacked = true
				break
			}
			b.Shift += need
			b.A.Y += need
			b.End.Y += need
		}
		if !b.Stacked {
			p.lanes[laneKey(b)] = append(lane, k)
		}
	}
}

func laneKey(b *PlacedArrow) [2]int {
	dir := 1
	if b.End.X < b.A.X {
		dir = -1
	}
	return [2]int{int(math.Round(b.A.X)), dir}
}

// clearance returns how far b must move down to stand apart from a, or 0.
func (p *LadderPlace) clearance(a, b *PlacedArrow) float64 {
	// Compare the two lines where both exist.
	x0 := max(min(a.A.X, a.End.X), min(b.A.X, b.End.X))
	x1 := min(max(a.A.X, a.End.X), max(b.A.X, b.End.X))
	if x1 < x0 {
		return 0
	}
	d0 := yAt(b.A, b.End, x0) - yAt(a.A, a.End, x0)
	d1 := yAt(b.A, b.End, x1) - yAt(a.A, a.End, x1)
	// Lines closer than Merge over their whole length read as one: the
	// later moves to Sep. Lines further apart are told apart already and
	// stay where their times put them (a burst of segments keeps its
	// spacing; an overtaking keeps its crossing).
	need := 0.0
	if math.Abs(d0) < p.Merge && math.Abs(d1) < p.Merge {
		need = p.Sep - min(d0, d1)
	}
	// At a ✕ nothing parallel may pass close by.
	if a.Dropped || b.Dropped {
		dx := x1 // the ✕ is at the end of the shorter one
		if a.Dropped && math.Abs(a.End.X-x0) < math.Abs(a.End.X-x1) || b.Dropped && math.Abs(b.End.X-x0) < math.Abs(b.End.X-x1) {
			dx = x0
		}
		d := yAt(b.A, b.End, dx) - yAt(a.A, a.End, dx)
		other := d0
		if dx == x0 {
			other = d1
		}
		// Only a neighbour that runs alongside (not one crossing at an
		// angle) can pass for the continuation.
		if math.Abs(d) < p.DropSep && math.Abs(other) < p.DropSep+math.Abs(x1-x0)*0.05 {
			need = max(need, p.DropSep-d)
		}
	}
	return need
}

// clipY cuts segment a–b (a above b) to the rows [top, bottom]; in says
// whether b is kept.
func clipY(a, b Pt, top, bottom float64) (ca, cb Pt, in bool) {
	ca, cb, in = a, b, b.Y <= bottom
	if b.Y == a.Y {
		return ca, cb, in
	}
	if a.Y < top {
		ca = lerp(a, b, (top-a.Y)/(b.Y-a.Y))
	}
	if b.Y > bottom {
		cb = lerp(a, b, (bottom-a.Y)/(b.Y-a.Y))
	}
	return ca, cb, in
}

// yAt is the y of the line through a and b at x (a's y if it is vertical).
func yAt(a, b Pt, x float64) float64 {
	if b.X == a.X {
		return a.Y
	}
	return a.Y + (b.Y-a.Y)*(x-a.X)/(b.X-a.X)
}

// index sorts the arrows into horizontal bands of the label bounds, so a
// label is tested only against the arrows near it.
func (p *LadderPlace) index(bounds Rect) {
	p.bandH = 24
	n := max(int(math.Ceil(bounds.H/p.bandH)), 1)
	if cap(p.bands) < n {
		p.bands = make([][]int32, n)
	}
	p.bands = p.bands[:n]
	for i := range p.bands {
		p.bands[i] = p.bands[i][:0]
	}
	for k := range p.Arrows {
		a := &p.Arrows[k]
		pad := max(p.headW, 7+p.line) + 2 // the head, or the ✕
		y0 := min(a.ca.Y, a.ce.Y) - pad - bounds.Y
		y1 := max(a.ca.Y, a.ce.Y) + pad - bounds.Y
		b0 := max(int(y0/p.bandH), 0)
		b1 := min(int(y1/p.bandH), n-1)
		for b := b0; b <= b1; b++ {
			p.bands[b] = append(p.bands[b], int32(k))
		}
	}
	p.bandsY = bounds.Y
}

// crosses reports whether any arrow but skip runs through r (its line
// and head widened a little, so a label never touches one).
func (p *LadderPlace) crosses(r Rect, skip int) bool {
	if len(p.bands) == 0 {
		return false
	}
	b0 := max(int((r.Y-p.bandsY)/p.bandH), 0)
	b1 := min(int((r.Y+r.H-p.bandsY)/p.bandH), len(p.bands)-1)
	for b := b0; b <= b1; b++ {
		for _, k := range p.bands[b] {
			if int(k) != skip && p.arrowHits(&p.Arrows[k], r) {
				return true
			}
		}
	}
	return false
}

// arrowHits reports whether arrow a's drawn shape (the whole arrow, as it
// will be once complete) touches r.
func (p *LadderPlace) arrowHits(a *PlacedArrow, r Rect) bool {
	if overlaps(r, a.lineBox) && segHitsRect(a.ca, a.ce, r, p.line/2+2) {
		return true
	}
	if !a.headIn || !overlaps(r, a.headBox) {
		return false
	}
	if a.Dropped {
		return true // the ✕ fills its box
	}
	return triHitsRect(a.head[0], a.head[1], a.head[2], r, 1)
}

// shape works out the boxes arrowHits tests first, and the head.
func (p *LadderPlace) shape(a *PlacedArrow) {
	w := p.line/2 + 2
	a.lineBox = Rect{min(a.ca.X, a.ce.X) - w, min(a.ca.Y, a.ce.Y) - w, math.Abs(a.ce.X-a.ca.X) + 2*w, math.Abs(a.ce.Y-a.ca.Y) + 2*w}
	dx, dy := a.End.X-a.A.X, a.End.Y-a.A.Y
	l := math.Hypot(dx, dy)
	if a.Dropped || l == 0 {
		// The ✕: 6 px each way, stroked twice the line's width.
		c := 6 + p.line + 1
		a.headBox = Rect{a.End.X - c, a.End.Y - c, 2 * c, 2 * c}
		return
	}
	// The head, a triangle wider than the line (as batch.arrow draws it).
	hl := min(p.headL, l)
	ux, uy := dx/l, dy/l
	bx, by := a.End.X-ux*hl, a.End.Y-uy*hl
	hw := hl * 0.45
	a.head = [3]Pt{a.End, {bx - uy*hw, by + ux*hw}, {bx + uy*hw, by - ux*hw}}
	x0, y0, x1, y1 := a.End.X, a.End.Y, a.End.X, a.End.Y
	for _, q := range a.head {
		x0, y0, x1, y1 = min(x0, q.X), min(y0, q.Y), max(x1, q.X), max(y1, q.Y)
	}
	a.headBox = Rect{x0 - 1, y0 - 1, x1 - x0 + 2, y1 - y0 + 2}
}

// triHitsRect reports whether triangle abc, widened by w, touches r.
func triHitsRect(a, b, c Pt, r Rect, w float64) bool {
	if segHitsRect(a, b, r, w) || segHitsRect(b, c, r, w) || segHitsRect(c, a, r, w) {
		return true
	}
	// r wholly inside the triangle.
	q := Pt{r.X, r.Y}
	d1 := (b.X-a.X)*(q.Y-a.Y) - (b.Y-a.Y)*(q.X-a.X)
	d2 := (c.X-b.X)*(q.Y-b.Y) - (c.Y-b.Y)*(q.X-b.X)
	d3 := (a.X-c.X)*(q.Y-c.Y) - (a.Y-c.Y)*(q.X-c.X)
	return (d1 >= 0) == (d2 >= 0) && (d2 >= 0) == (d3 >= 0)
}

// segHitsRect reports whether segment a–b, widened by w, touches r.
func segHitsRect(a, b Pt, r Rect, w float64) bool {
	x0, y0, x1, y1 := r.X-w, r.Y-w, r.X+r.W+w, r.Y+r.H+w
	// Liang–Barsky clipping of the segment against the widened box.
	t0, t1 := 0.0, 1.0
	dx, dy := b.X-a.X, b.Y-a.Y
	for _, e := range [4][2]float64{{-dx, a.X - x0}, {dx, x1 - a.X}, {-dy, a.Y - y0}, {dy, y1 - a.Y}} {
		pp, q := e[0], e[1]
		if pp == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / pp
		if pp < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

func overlaps(a, b Rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// taken reports whether r overlaps a label, a marker or other text.
func (p *LadderPlace) taken(r Rect, avoid []Rect) bool {
	for i := range p.Labels {
		if overlaps(r, p.Labels[i].Box) {
			return true
		}
	}
	for i := range p.Markers {
		if overlaps(r, p.Markers[i].Box) {
			return true
		}
	}
	for _, a := range avoid {
		if overlaps(r, a) {
			return true
		}
	}
	return false
}

func inside(r, b Rect) bool {
	return r.X >= b.X && r.Y >= b.Y && r.X+r.W <= b.X+b.W && r.Y+r.H <= b.Y+b.H
}

// labels places the labels: the selected arrow's first, then the current
// event's, then the newest arrows' first (what just happened is what the
// caption talks about). A label goes beside its own arrow, above or below
// it, at the middle, the start, the end or a quarter of the way; the first
// place that leaves every other label and every arrow uncovered wins. An
// arrow with no such place is collapsed into a marker.
func (p *LadderPlace) labels(o PlaceOpts) {
	p.order = p.order[:0]
	first := func(fi int) {
		if fi < 0 {
			return
		}
		for k := range p.Arrows {
			if p.Arrows[k].Flight == fi && !containsInt(p.order, k) {
				p.order = append(p.order, k)
			}
		}
	}
	first(o.Sel)
	first(o.Cur)
	forced := len(p.order)
	if !p.Dense {
		// SYNs, FINs and RSTs, losses, retransmissions, copies and
		// overtaken packets are the lessons: they go before the ordinary
		// arrows.
		for pass := range 2 {
			for k := len(p.Arrows) - 1; k >= 0; k-- {
				a := &p.Arrows[k]
				if a.Flight != o.Sel && a.Flight != o.Cur && a.Notable == (pass == 0) {
					p.order = append(p.order, k)
				}
			}
		}
	}
	// By rank (selected and current, lessons, the rest), each arrow its
	// whole label where one fits, then its ID and flags, then its ID.
	notable := forced
	for notable < len(p.order) && p.Arrows[p.order[notable]].Notable {
		notable++
	}
	p.budget = math.MaxInt
	for _, rank := range [3][2]int{{0, forced}, {forced, notable}, {notable, len(p.order)}} {
		if rank[0] > 0 {
			// A frame tries so many places and no more: in a crowd most
			// fail, and markers count what is left.
			p.budget = min(p.budget, labelBudget)
		}
		for cut := 0; cut <= 2; cut++ {
			for n := rank[0]; n < rank[1]; n++ {
				k := p.order[n]
				a := &p.Arrows[k]
				if a.Label >= 0 || a.Stacked && n >= forced {
					continue
				}
				text := o.Label(a.Flight)
				short := text
				if cut > 0 {
					if short = shortLabel(text, 3-cut); len(short) >= len(text) {
						continue
					}
				}
				if box, ok := p.spot(a, o.Width(short)+6, o.LabelH, o, true); ok {
					a.Label = len(p.Labels)
					p.Labels = append(p.Labels, PlacedLabel{Arrow: k, Box: box, Text: short, Short: cut > 0})
				}
			}
		}
		if rank[0] == 0 {
			// The selected and current arrows are labelled whatever it costs:
			// whole, where it covers fewest arrows, on a background that keeps
			// it readable.
			for _, k := range p.order[:forced] {
				a := &p.Arrows[k]
				if a.Label >= 0 {
					continue
				}
				text := o.Label(a.Flight)
				w := o.Width(text) + 6
				box, ok := p.spot(a, w, o.LabelH, o, false)
				if !ok {
					box = p.candidate(a, 0, w, o.LabelH, o.Bounds)
				}
				a.Forced = true
				a.Label = len(p.Labels)
				p.Labels = append(p.Labels, PlacedLabel{Arrow: k, Box: box, Text: text})
			}
		}
	}
}

// shortLabel cuts a label to its first n words and keeps the markers
// that carry meaning: RETX, DUP, LATE and a loss's "× reason".
func shortLabel(s string, n int) string {
	cut := firstWords(s, n)
	if len(cut) == len(s) {
		return s
	}
	for _, tag := range [...]string{" RETX", " DUP", " LATE"} {
		if strings.Contains(s[len(cut):], tag) {
			cut += tag
		}
	}
	if i := strings.Index(s[len(cut):], " × "); i >= 0 {
		x := s[len(cut)+i:]
		if j := strings.Index(x, " · "); j >= 0 {
			x = x[:j]
		}
		cut += x
	}
	return cut
}

// firstWords returns s up to its n-th space.
func firstWords(s string, n int) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if n--; n == 0 {
				return s[:i]
			}
		}
	}
	return s
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

const nCandidates = 16

// labelBudget is how many label places a frame tries beyond those of the
// selected and current arrows: enough for every arrow of a readable
// ladder, and a bound on the work of a crowded one.
const labelBudget = 2500

// candidate returns label place c of arrow a for a w×h box.
func (p *LadderPlace) candidate(a *PlacedArrow, c int, w, h float64, bounds Rect) Rect {
	// Beside the part drawn so far: a label never runs ahead of its
	// packet.
	s, e := a.ca, a.cb
	right := a.ce.X >= a.ca.X
	lx, rx := min(s.X, e.X), max(s.X, e.X)
	inset := 4.0
	var x float64
	switch c / 2 {
	case 0: // the middle
		x = (lx+rx)/2 - w/2
	case 1: // beside the start
		if right {
			x = s.X + inset
		} else {
			x = s.X - inset - w
		}
	case 2: // beside the end
		if right {
			x = e.X - inset - w - p.headL
		} else {
			x = e.X + inset + p.headL
		}
	case 3:
		x = lx + (rx-lx)/4 - w/2
	case 4:
		x = lx + (rx-lx)*3/4 - w/2
	case 5, 6: // beyond the start: behind the column it leaves
		if right {
			x = s.X - inset - w
		} else {
			x = s.X + inset
		}
	default: // beyond the head, once it has arrived (never past a ✕)
		if !a.Head {
			return Rect{X: math.Inf(-1)}
		}
		if right {
			x = e.X + inset
		} else {
			x = e.X - inset - w
		}
	}
	x = min(max(x, bounds.X), bounds.X+bounds.W-w)
	// The line's extent in y under the box.
	cx0, cx1 := max(x, lx), min(x+w, rx)
	if cx1 < cx0 {
		cx0, cx1 = min(max(x, lx), rx), min(max(x+w, lx), rx)
	}
	y0, y1 := yAt(s, e, cx0), yAt(s, e, cx1)
	gap := p.line/2 + 3
	if c >= 10 { // beyond an end: level with it, above or below
		q := s
		if c >= 13 {
			q = e
		}
		return Rect{x, q.Y - h/2 + float64((c-10)%3-(c-10)%3/2*3)*(h/2+1), w, h}
	}
	if c%2 == 0 { // above
		return Rect{x, min(y0, y1) - gap - h, w, h}
	}
	return Rect{x, max(y0, y1) + gap, w, h}
}

// spot returns the first free place for a's label; strict also keeps it
// off every arrow; not strict, only off the other labels.
func (p *LadderPlace) spot(a *PlacedArrow, w, h float64, o PlaceOpts, strict bool) (Rect, bool) {
	best, fewest := Rect{}, -1
	for c := range nCandidates {
		if p.budget--; p.budget < 0 {
			break
		}
		r := p.candidate(a, c, w, h, o.Bounds)
		if !inside(r, o.Bounds) || p.taken(r, o.Avoid) {
			continue
		}
		if !p.owns(a, r) {
			continue
		}
		n := p.crossCount(r, strict)
		if n == 0 {
			return r, true
		}
		if !strict && (fewest < 0 || n < fewest) {
			best, fewest = r, n
		}
	}
	return best, fewest >= 0
}

// owns reports whether a label at r, if it lies behind a column (beyond
// the arrow's start or head), is level with its own arrow's end there
// rather than another's; behind a ✕ or where the packet has not arrived
// yet it never is.
func (p *LadderPlace) owns(a *PlacedArrow, r Rect) bool {
	lx, rx := min(a.A.X, a.End.X), max(a.A.X, a.End.X)
	col := lx
	switch {
	case r.X+r.W <= lx:
	case r.X >= rx:
		col = rx
	default:
		return true
	}
	y := r.Y + r.H/2
	switch {
	case math.Abs(col-a.ca.X) < 0.5: // (not when it starts above the window)
		return p.nearest(a, false, y)
	case a.Head && a.headIn && math.Abs(col-a.B.X) < 0.5:
		return p.nearest(a, true, y)
	}
	return false
}

// nearest reports whether, of the arrows that start or end on the column
// where a starts (or, atEnd, ends), a's own end there is the one nearest to
// row y: a label behind a column, level with its arrow's end, is read as
// the label of the arrow nearest to it.
func (p *LadderPlace) nearest(a *PlacedArrow, atEnd bool, y float64) bool {
	q := a.ca
	if atEnd {
		q = a.B
	}
	own := math.Abs(q.Y - y)
	for k := range p.Arrows {
		b := &p.Arrows[k]
		if b == a {
			continue
		}
		if math.Abs(b.ca.X-q.X) < 0.5 && math.Abs(b.ca.Y-y) < own ||
			b.Head && math.Abs(b.B.X-q.X) < 0.5 && math.Abs(b.B.Y-y) < own {
			return false
		}
	}
	return true
}

// crossCount counts the arrows that run through r; first stops at one.
func (p *LadderPlace) crossCount(r Rect, first bool) int {
	if len(p.bands) == 0 {
		return 0
	}
	n := 0
	b0 := max(int((r.Y-p.bandsY)/p.bandH), 0)
	b1 := min(int((r.Y+r.H-p.bandsY)/p.bandH), len(p.bands)-1)
	for b := b0; b <= b1; b++ {
		for _, k := range p.bands[b] {
			// An arrow in two bands is counted twice: a rough count is
			// enough to choose the least covering place.
			if p.arrowHits(&p.Arrows[k], r) {
				if n++; first {
					return n
				}
			}
		}
	}
	return n
}

// markers counts the arrows left without a label: arrows leaving one
// column within a label's height of each other share one "+N", placed
// beside where the first of them starts.
func (p *LadderPlace) markers(o PlaceOpts) {
	p.free = p.free[:0]
	for k := range p.Arrows {
		if p.Arrows[k].Label < 0 {
			p.free = append(p.free, k)
		}
	}
	sort.SliceStable(p.free, func(i, j int) bool {
		a, b := &p.Arrows[p.free[i]], &p.Arrows[p.free[j]]
		if a.A.X != b.A.X {
			return a.A.X < b.A.X
		}
		return a.ca.Y < b.ca.Y
	})
	h := o.LabelH
	for i := 0; i < len(p.free); {
		j := i + 1
		for j < len(p.free) && p.Arrows[p.free[j]].A.X == p.Arrows[p.free[i]].A.X &&
			p.Arrows[p.free[j]].ca.Y-p.Arrows[p.free[j-1]].ca.Y <= h {
			j++
		}
		p.marker(p.free[i:j], o)
		i = j
	}
}

func (p *LadderPlace) marker(group []int, o PlaceOpts) {
	first := &p.Arrows[group[0]]
	n := len(group)
	text := "+" + strconv.Itoa(n)
	w, h := o.Width(text)+8, o.LabelH
	s := first.ca
	dir := 1.0
	if first.End.X < s.X {
		dir = -1
	}
	// Beside the start, away from the arrows, level with it or a few
	// lines up or down; then along the first arrow, above or below it.
	// The first place no arrow runs through wins; failing that, the one
	// fewest do (the marker is drawn over them).
	var box Rect
	found, fewest := false, -1
	for c := range 9 {
		x, y := s.X-dir*6-(1+dir)/2*w, s.Y-h/2
		switch {
		case c < 7:
			y += float64((c+1)/2*(1-c%2*2)) * (h + 1) // 0, +1, -1, +2, -2, +3, -3 lines
		case c == 7:
			x, y = s.X+dir*6-(1-dir)/2*w, s.Y-h-p.line/2-2
		default:
			x, y = s.X+dir*6-(1-dir)/2*w, s.Y+p.line/2+2
		}
		r := Rect{min(max(x, o.Bounds.X), o.Bounds.X+o.Bounds.W-w), y, w, h}
		if !inside(r, o.Bounds) || p.taken(r, o.Avoid) {
			continue
		}
		n := p.crossCount(r, false)
		if fewest < 0 || n < fewest {
			box, found, fewest = r, true, n
		}
		if n == 0 {
			break
		}
	}
	if !found && len(p.Markers) > 0 {
		// Fold into the previous marker of the same column when it is near.
		last := &p.Markers[len(p.Markers)-1]
		if last.fromX == first.A.X && s.Y-last.yTop < 4*h && last.first+last.n == len(p.members) {
			p.members = append(p.members, group...)
			last.n += n
			last.Text = "+" + strconv.Itoa(last.n)
			last.Box.W = max(last.Box.W, o.Width(last.Text)+8)
			for _, k := range group {
				p.Arrows[k].Marker = len(p.Markers) - 1
			}
			return
		}
	}
	if !found {
		// Nowhere free: step down beside the column until a place is.
		x := min(max(s.X-dir*6-(1+dir)/2*w, o.Bounds.X), o.Bounds.X+o.Bounds.W-w)
		box = Rect{x, min(max(s.Y-h/2, o.Bounds.Y), o.Bounds.Y+o.Bounds.H-h), w, h}
		for t := 0; t < 64 && p.taken(box, o.Avoid); t++ {
			box.Y += h / 2
			if box.Y+h > o.Bounds.Y+o.Bounds.H {
				box.Y = o.Bounds.Y
			}
		}
	}
	p.Markers = append(p.Markers, Marker{Box: box, Text: text, first: len(p.members), n: n, fromX: first.A.X, yTop: s.Y})
	p.members = append(p.members, group...)
	for _, k := range group {
		p.Arrows[k].Marker = len(p.Markers) - 1
	}
}

// Hit returns the flight drawn at q: a label or a marker first (they are
// drawn over the arrows), then the top-most arrow under the point, then the
// nearest arrow within tol. A marker selects its arrows in turn: the first,
// or the one after sel if sel is among them.
func (p *LadderPlace) Hit(q Pt, tol float64, sel int) (int, bool) {
	for i := len(p.Markers) - 1; i >= 0; i-- {
		if p.Markers[i].Box.Contains(q) {
			mem := p.Members(i)
			next := 0
			for j, k := range mem {
				if p.Arrows[k].Flight == sel {
					next = (j + 1) % len(mem)
				}
			}
			return p.Arrows[mem[next]].Flight, true
		}
	}
	for i := len(p.Labels) - 1; i >= 0; i-- {
		if p.Labels[i].Box.Contains(q) {
			return p.Arrows[p.Labels[i].Arrow].Flight, true
		}
	}
	under := p.line/2 + 1
	best, bestD := -1, tol
	for k := len(p.Arrows) - 1; k >= 0; k-- {
		a := &p.Arrows[k]
		d := segDist(q, a.A, a.B)
		if d <= under {
			return a.Flight, true // drawn over whatever lies beneath it
		}
		if d < bestD {
			best, bestD = a.Flight, d
		}
	}
	return best, best >= 0
}

// GhostShown reports whether the previous branch's arrow for flight g (of
// the ghost run), drawn from s to e on this ladder, is worth drawing: not
// where this run has the same packet on the same link at the same times
// (the runs agree: this run's arrow says it all), and never along a ✕ of
// this run (the old, delivered packet would look like the lost one
// carrying on).
func (p *LadderPlace) GhostShown(m *Model, g *Flight, s, e Pt) bool {
	if p.Dense {
		return true
	}
	right := e.X >= s.X
	for k := range p.Arrows {
		a := &p.Arrows[k]
		f := &m.Flights[a.Flight]
		if f.ID == g.ID && f.From == g.From && f.To == g.To && f.Start == g.Start && f.End == g.End && f.Dropped == g.Dropped {
			return false
		}
		if a.Cross && (a.End.X >= a.A.X) == right && segDist(a.End, s, e) < p.DropSep {
			return false
		}
	}
	return true
}
