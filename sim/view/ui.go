package view

import (
	"strconv"

	"socketlab/sim/view/layout"
)

// regions is the screen's division into views; a pure function of the
// screen size and theme, shared by drawing and hit testing.
type regions struct {
	top, caption, controls      layout.Rect // bars across the screen
	topo, ladder                layout.Rect // the left column
	events, host, inspect, plot layout.Rect // the right column
	scrub                       layout.Rect // the timeline inside controls
	buttons                     []button
	sliders                     [nSliders]layout.Rect
	row                         float64 // text row height
}

// button is a clickable control; its key is what pressing it does.
type button struct {
	r     layout.Rect
	label string
	key   Key
	ctrl  bool
}

func (a *App) regions(w, h int) regions {
	W, H := float64(w), float64(h)
	th := a.Theme
	row := th.Small * 1.45
	var g regions
	g.row = row
	topH := th.Text * 2
	capH := th.Text*3 + 8
	W0 := W - 24

	// Buttons wrap onto as many rows as the width needs. A real run has
	// no what-ifs or seeds: its source's actions take their place.
	bh := th.Text * 1.5
	x, by := 0.0, 0.0
	type spec struct {
		label string
		key   Key
		ctrl  bool
	}
	specs := []spec{{"|◀ R", KeyR, false}, {"◀ ←", KeyLeft, false}, {"▶ ‖ Space", KeySpace, false}, {"→ ▶", KeyRight, false},
		{"− ↓", KeyDown, false}, {"+ ↑", KeyUp, false}}
	if a.Real {
		for i, act := range a.Actions() {
			if i < 9 {
				specs = append(specs, spec{strconv.Itoa(i+1) + " " + act.Name, Key1 + Key(i), false})
			}
		}
	} else {
		specs = append(specs, spec{a.tr("drop D", "丢弃 D"), KeyD, false}, spec{a.tr("delay L", "延迟 L"), KeyL, false},
			spec{a.tr("dup U", "复制 U"), KeyU, false}, spec{a.tr("undo Z", "撤销 Z"), KeyZ, false},
			spec{a.tr("redo Y", "重做 Y"), KeyY, false}, spec{a.tr("seed N", "种子 N"), KeyN, false})
	}
	specs = append(specs, spec{a.tr("scenario P", "场景 P"), KeyP, false}, spec{a.tr("save ^S", "保存 ^S"), KeyS, true},
		spec{"EN/中 C", KeyC, false}, spec{a.tr("help H", "帮助 H"), KeyH, false})
	for _, b := range specs {
		bw := estWidth(b.label, th.Small) + 16
		if x > 0 && x+bw > W0 {
			x, by = 0, by+bh+6
		}
		g.buttons = append(g.buttons, button{layout.Rect{X: x, Y: by, W: bw, H: bh}, b.label, b.key, b.ctrl})
		x += bw + 6
	}
	buttonsH := by + bh
	ctrlH := 6 + th.Text + 6 + buttonsH + 6 + row*1.9 + 4
	g.top = layout.Rect{W: W, H: topH}
	g.controls = layout.Rect{Y: H - ctrlH, W: W, H: ctrlH}
	g.caption = layout.Rect{Y: H - ctrlH - capH, W: W, H: capH}
	mainY, mainH := topH, H-ctrlH-capH-topH
	leftW := W * 0.62
	g.topo = layout.Rect{Y: mainY, W: leftW, H: mainH * 0.42}
	g.ladder = layout.Rect{Y: mainY + mainH*0.42, W: leftW, H: mainH * 0.58}
	sideX, sideW := leftW, W-leftW
	g.events = layout.Rect{X: sideX, Y: mainY, W: sideW, H: mainH * 0.30}
	g.host = layout.Rect{X: sideX, Y: mainY + mainH*0.30, W: sideW, H: mainH * 0.22}
	g.inspect = layout.Rect{X: sideX, Y: mainY + mainH*0.52, W: sideW, H: mainH * 0.26}
	g.plot = layout.Rect{X: sideX, Y: mainY + mainH*0.78, W: sideW, H: mainH * 0.22}

	// Controls: the scrubber across, then the buttons, then the sliders
	// (label above, track below).
	c := g.controls
	g.scrub = layout.Rect{X: c.X + 12, Y: c.Y + 6, W: W0, H: th.Text}
	top := g.scrub.Y + g.scrub.H + 6
	for i := range g.buttons {
		g.buttons[i].r.X += c.X + 12
		g.buttons[i].r.Y += top
	}
	sy := top + buttonsH + 6
	sw := W0 / nSliders
	for i := range g.sliders {
		if !a.Real { // a real run's links are real: no sliders
			g.sliders[i] = layout.Rect{X: c.X + 12 + float64(i)*sw, Y: sy, W: sw - 16, H: row * 1.9}
		}
	}
	return g
}

// scrubber maps the bar to display time, so that a long idle stretch (an
// RTO, TIME-WAIT) does not push every event into one corner.
func (a *App) scrubber(g *regions) layout.Scrubber {
	return layout.Scrubber{Area: g.scrub, End: a.M.Display(a.M.End)}
}

// sliderTrack is the draggable part of a slider: under its label.
func sliderTrack(r layout.Rect) layout.Rect {
	return layout.Rect{X: r.X, Y: r.Y + r.H*0.5, W: r.W, H: r.H * 0.5}
}

// estWidth estimates the width of a label before any font is loaded (the
// regions are pure geometry): Latin about half an em, CJK a full em.
func estWidth(s string, size float64) float64 {
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

// pickerRows is the scenario picker overlay: one row per preset.
func (a *App) pickerRows(g *regions) []layout.Rect {
	rows := make([]layout.Rect, len(a.presets))
	x, w := g.top.W*0.04, g.top.W*0.92
	for i := range rows {
		rows[i] = layout.Rect{X: x, Y: g.topo.Y + 30 + float64(i)*g.row*1.3, W: w, H: g.row * 1.3}
	}
	return rows
}

func (a *App) topoGeom(g *regions) layout.Topo { return a.M.LayoutTopology(g.topo.Inset(8)) }

// TopologyArea returns the rectangle the topology view is laid out in on a
// w×h screen: with Model.LayoutTopology it tells where anything is drawn.
func (a *App) TopologyArea(w, h int) layout.Rect {
	g := a.regions(w, h)
	return g.topo.Inset(8)
}

func (a *App) ladderGeom(g *regions) layout.Ladder {
	r := g.ladder
	r = layout.Rect{X: r.X + 70, Y: r.Y + 30 + a.Theme.Small*1.2, W: r.W - 80, H: r.H - 38 - a.Theme.Small*1.2}
	return a.M.LayoutLadder(r, a.Cur.T, a.Span)
}

// eventRows returns how many event rows fit and the first one shown.
func (a *App) eventRows(g *regions) (n, top int) {
	n = max(int((g.events.H-g.row*1.4)/g.row), 1)
	if a.evFollow {
		cur := a.Cur.Current()
		if cur < a.evTop || cur >= a.evTop+n {
			a.evTop = max(cur-n/2, 0)
		}
	}
	a.evTop = min(max(a.evTop, 0), max(a.M.Len()-n, 0))
	return n, a.evTop
}

func (a *App) mouse(in Input) {
	g := a.regions(a.w, a.h)
	p := in.Mouse
	if in.Wheel != 0 {
		switch {
		case g.events.Contains(p):
			a.evFollow = false
			a.evTop -= int(in.Wheel * 3)
		case g.ladder.Contains(p):
			if in.Wheel > 0 {
				a.key(KeyPlus, false, false)
			} else {
				a.key(KeyMinus, false, false)
			}
		}
	}
	if in.Released {
		if a.drag == dragSlider {
			a.applySliders()
		}
		a.drag = dragNone
	}
	if a.drag != dragNone && in.Down {
		switch a.drag {
		case dragScrub:
			a.SetTime(a.M.Real(a.scrubber(&g).Time(p.X)))
		case dragSlider:
			t := sliderTrack(g.sliders[a.dragIdx])
			a.sliders[a.dragIdx] = min(max((p.X-t.X)/t.W, 0), 1)
		}
	}
	if !in.Pressed {
		return
	}
	if a.Picker {
		for i, r := range a.pickerRows(&g) {
			if r.Contains(p) {
				a.Pick(a.presets[i].Name)
				return
			}
		}
		a.Picker = false
		return
	}
	for _, b := range g.buttons {
		if b.r.Contains(p) {
			a.key(b.key, b.ctrl, false)
			return
		}
	}
	scrub := g.scrub
	scrub.Y -= 4
	scrub.H += 8
	if scrub.Contains(p) {
		a.drag = dragScrub
		a.Playing = false
		a.SetTime(a.M.Real(a.scrubber(&g).Time(p.X)))
		return
	}
	for i, r := range g.sliders {
		if t := sliderTrack(r); t.Contains(p) {
			a.drag, a.dragIdx = dragSlider, i
			a.sliders[i] = min(max((p.X-t.X)/t.W, 0), 1)
			return
		}
	}
	switch {
	case g.topo.Contains(p):
		topo := a.topoGeom(&g)
		if fi, ok := topo.HitFlight(a.M, a.Snapshot(), p, max(topo.R*0.5, 10)); ok {
			a.Sel = fi
		} else if n, ok := topo.HitNode(p); ok {
			a.Node = n
			a.seq = seqCache{}
		} else {
			a.Sel = -1
		}
	case g.ladder.Contains(p):
		l := a.ladderGeom(&g)
		if fi, ok := l.HitArrow(a.M, a.Cur.T, p, 6); ok {
			a.Sel = fi
		} else {
			a.Sel = -1
		}
	case g.events.Contains(p):
		n, top := a.eventRows(&g)
		k := int((p.Y - g.events.Y - g.row*1.4) / g.row)
		if k >= 0 && k < n && top+k < a.M.Len() {
			ev := top + k
			a.Playing = false
			a.Cur = layout.Cursor{T: a.M.Event(ev).At, N: ev + 1}
			if fi, ok := a.M.FlightOf(ev); ok {
				a.Sel = fi
			}
		}
	}
}

// seqCache holds the time–sequence plot's series for the host shown.
type seqCache struct {
	ok   bool
	node int
	s    layout.SeqSeries
}

func (a *App) seqSeries() *layout.SeqSeries {
	if !a.seq.ok || a.seq.node != a.Node {
		a.seq = seqCache{ok: true, node: a.Node, s: a.M.SeqPlot(a.Node)}
	}
	return &a.seq.s
}
