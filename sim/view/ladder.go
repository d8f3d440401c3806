package view

import (
	"math"

	"socketlab/sim/view/layout"
)

// ladderScratch is what placing the ladder's arrows and labels reuses from
// frame to frame.
type ladderScratch struct {
	lp    layout.LadderPlace
	notes []gapNote
	avoid []layout.Rect
}

// gapNote is the "≈ 1 s idle" note of a squeezed gap in the ladder.
type gapNote struct {
	text string
	x, y float64
	box  layout.Rect
}

// ladderLabelSize is the font size of the ladder's arrow labels.
func (a *App) ladderLabelSize() float64 { return a.Theme.Small * 0.85 }

// placeLadder lays out the ladder's arrows, labels and markers for the
// frame as drawn: drawLadder draws from it and a click is tested against
// it. width measures text at a size (the glyph cache's, or an estimate
// before the first frame).
func (a *App) placeLadder(g *regions, l *layout.Ladder, sc *ladderScratch, width func(string, float64) float64) {
	th, m := a.Theme, a.M
	size := th.Small * 0.85
	sc.notes, sc.avoid = sc.notes[:0], sc.avoid[:0]
	gapY := math.Inf(-1)
	for _, gp := range l.Gaps() {
		y := (l.Y(gp.Start)+l.Y(gp.End))/2 - th.Small*0.6
		if y-gapY < th.Small*1.2 {
			continue // squeezed gaps a line apart: one note, not two on top of each other
		}
		gapY = y
		text := a.tr("ladder.idle", layout.FormatShort(layout.Round3(gp.End-gp.Start)))
		x := l.Area.X + l.Area.W/2
		w := width(text, size)
		n := gapNote{text: text, x: x, y: y, box: layout.Rect{X: x - w/2 - 2, Y: y, W: w + 4, H: size * 1.35}}
		sc.notes = append(sc.notes, n)
		sc.avoid = append(sc.avoid, n.box)
	}
	cur := -1
	if ev := a.Cur.Current(); ev >= 0 && ev < m.Len() {
		if fi, ok := m.FlightOf(ev); ok {
			cur = fi
		}
	}
	top := g.ladder.Y + 6 + th.Small*1.4 // below the node names
	sc.lp.Place(l, m, layout.PlaceOpts{
		Now:    a.Cur.T,
		Label:  a.Label,
		Width:  func(s string) float64 { return width(s, size) },
		LabelH: size * 1.35,
		Line:   th.Line,
		Bounds: layout.Rect{X: l.Area.X, Y: top, W: l.Area.W, H: g.ladder.Y + g.ladder.H - top},
		Avoid:  sc.avoid,
		Sel:    a.Sel,
		Cur:    cur,
	})
}

// hitLadder returns the flight drawn at p in the ladder: a label, a
// marker, or the top-most arrow there.
func (a *App) hitLadder(g *regions, p layout.Pt) (int, bool) {
	l := a.ladderGeom(g)
	width := estWidth
	if a.pt != nil {
		width = a.pt.width
	}
	var sc ladderScratch
	a.placeLadder(g, &l, &sc, width)
	return sc.lp.Hit(p, 6, a.Sel)
}
