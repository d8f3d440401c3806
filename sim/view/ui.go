package view

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/caption"
	"socketlab/sim/view/layout"
)

// regions is the screen's division into views and the fixed texts the
// views draw (top bar, headings, button labels, slider labels): a pure
// function of the screen size, the theme and the run's strings, shared by
// drawing and hit testing, and checked as geometry by fit_test.go.
type regions struct {
	top, caption, controls      layout.Rect // bars across the screen
	topo, ladder                layout.Rect // the left column
	code                        layout.Rect // beside the ladder, when the code panel is shown
	events, host, inspect, plot layout.Rect // the right column
	scrub                       layout.Rect // the timeline inside controls
	buttons                     []button
	sliders                     [nSliders]layout.Rect
	row                         float64 // text row height
	btnSize                     float64 // the button labels' type size
	labels                      []label
}

// button is a clickable control; its key is what pressing it does.
type button struct {
	r     layout.Rect
	label string
	key   Key
	ctrl  bool
}

// label is one fixed text of the layout: s drawn at x, y (its line's top)
// at size, aligned al, inside its container in.
type label struct {
	s          string
	x, y, size float64
	al         align
	in         layout.Rect // the panel or button it belongs to
	elided     bool        // shortened with "…" to fit
	dim        bool        // a heading or status: the dim colour
	ext        bool        // drawn by its view's own code, not from the list
	hint       bool        // the inspector's hint: drawn while nothing is selected
}

// lineH is the height of a line of text of one type size: the font's
// ascent and descent with a little room.
const lineH = 1.2

// box is where the label's line is, measured with m.
func (l *label) box(m measurer) layout.Rect {
	w := m(l.s, l.size)
	x := l.x
	switch l.al {
	case alignCenter:
		x -= w / 2
	case alignEnd:
		x -= w
	}
	return layout.Rect{X: x, Y: l.y, W: w, H: l.size * lineH}
}

// measurer is the advance of s at size pixels: the painter's glyph cache,
// which measures from the font alone (no GPU needed).
type measurer func(s string, size float64) float64

// buttonSpec is a button's label in full and short ("▶" for "▶ ‖ Space").
type buttonSpec struct {
	full, short string
	key         Key
	ctrl        bool
}

// screenIn is everything the layout depends on besides the size.
type screenIn struct {
	th                            *layout.Theme
	measure                       measurer
	real                          bool
	title                         string
	right                         []string // the top bar's right-hand text, longest first
	topo, ladder, events, inspect string   // panel headings
	host, plot, hint              []string // headings and the inspector's hint, longest first
	buttons                       []buttonSpec
	sliders                       [nSliders]string
}

// hostRows is the number of lines the host panel always has room for: a
// connection's state, sequence numbers, windows, congestion and timers
// (layout.HostLines).
const hostRows = 5

// hostWidest are the widest lines layout.HostLines makes for a
// connection of the simulator's: what the host panel's width is made for.
var hostWidest = []string{
	"SYN-RECEIVED  10.0.0.10:40000 → 10.0.0.20:8080",
	"SND.UNA=1000000 SND.NXT=1000000 RCV.NXT=1000000",
	"SND.WND=65535 RCV.WND=65535 in-flight=65535",
	"cwnd=100000 ssthresh=100000 dupacks=3",
	"SRTT=000.000 ms RTTVAR=000.000 ms RTO=000.000 ms",
}

// screenIn gathers the layout's strings from the app's state.
func (a *App) screenIn() *screenIn {
	in := &screenIn{th: a.Theme, measure: a.painter().width, real: a.Real}
	h := &a.M.Header
	in.title = h.Scenario
	switch {
	case a.tut != nil && a.ownRun():
		// A lesson's step: its title, in the playground's language (a
		// lesson's own scenario has an English description only).
		in.title = a.tut.l.Title.In(a.Lang)
	case h.Title != "":
		in.title += " — " + caption.Text(h.Title, a.capLang())
	}
	state := a.StateText()
	clock := layout.FormatTime(a.Cur.T) + " / " + layout.FormatTime(a.M.End)
	speed := a.tr("bar.speed", round2(a.Speed))
	rate := fmt.Sprintf(" (%s/s)", layout.FormatTime(time.Duration(a.Speed*float64(a.rate()))))
	seed := "   " + a.tr("bar.seed", h.Seed)
	if a.Real { // a real run has no seed
		seed = ""
	}
	whatifs := ""
	if n := len(a.req.WhatIfs); n > 0 {
		whatifs = a.tr("bar.whatifs", n) + "   "
	}
	in.right = []string{
		whatifs + clock + "   " + speed + rate + seed + "   " + state,
		whatifs + clock + "   " + speed + seed + "   " + state,
		whatifs + clock + "   " + speed + "   " + state,
		clock + "   " + state,
	}
	in.topo, in.ladder = a.tr("panel.topology"), a.tr("panel.ladder")
	in.events = a.tr("panel.events", a.Cur.N, a.M.Len())
	in.inspect = a.tr("panel.inspector")
	name := ""
	if a.Node >= 0 && a.Node < len(a.M.Nodes) {
		name = a.M.Nodes[a.Node].Name
	}
	in.host = []string{a.tr("panel.host.long", name), a.tr("panel.host.tab", name), a.tr("panel.host", name)}
	in.plot = []string{a.tr("panel.plot.long"), a.tr("panel.plot.mid"), a.tr("panel.plot")}
	in.hint = []string{a.tr("inspector.hint.long"), a.tr("inspector.hint")}

	// A real run has no what-ifs or seeds: its source's actions take their place.
	sp := func(full, short string, k Key) buttonSpec { return buttonSpec{full, short, k, false} }
	// tb is a button whose labels are the catalogue's.
	tb := func(full, short string, k Key) buttonSpec { return sp(a.tr(full), a.tr(short), k) }
	in.buttons = []buttonSpec{sp(a.tr("button.restart"), "|◀", KeyR), sp("◀ ←", "◀", KeyLeft), sp(a.tr("button.play"), "▶ ‖", KeySpace),
		sp("→ ▶", "▶", KeyRight), sp("− ↓", "−", KeyDown), sp("+ ↑", "+", KeyUp)}
	if a.Real {
		for i, act := range a.Actions() {
			if i < 9 {
				n := strconv.Itoa(i + 1)
				short := []rune(act.Name)
				if len(short) > 8 {
					short = append(short[:7], '…')
				}
				in.buttons = append(in.buttons, sp(n+" "+act.Name, n+" "+string(short), Key1+Key(i)))
			}
		}
	} else {
		in.buttons = append(in.buttons,
			tb("button.drop", "button.drop.short", KeyD), tb("button.delay", "button.delay.short", KeyL), tb("button.dup", "button.dup.short", KeyU),
			tb("button.undo", "button.undo.short", KeyZ), tb("button.redo", "button.redo.short", KeyY), tb("button.seed", "button.seed.short", KeyN))
	}
	in.buttons = append(in.buttons, tb("button.scenario", "button.scenario.short", KeyP),
		buttonSpec{a.tr("button.save"), a.tr("button.save.short"), KeyS, true},
		tb("button.lang", "button.lang.short", KeyC), tb("button.help", "button.help.short", KeyH))
	if !a.Real { // a real run's links are real: no sliders
		for i := range in.sliders {
			in.sliders[i] = a.tr(sliderKeys[i]) + " " + a.sliderText(i)
		}
	}
	return in
}

func (a *App) regions(w, h int) regions {
	g := screenLayout(float64(w), float64(h), a.screenIn())
	a.splitCode(&g)
	return g
}

// elide shortens s with "…" until it is at most w wide at size.
func elide(m measurer, s string, size, w float64) (string, bool) {
	if m(s, size) <= w {
		return s, false
	}
	rs := []rune(s)
	lo, hi := 0, len(rs)
	for lo < hi { // the longest prefix that fits with its "…"
		mid := (lo + hi + 1) / 2
		if m(string(rs[:mid])+"…", size) <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRight(string(rs[:lo]), " ") + "…", true
}

// choose is the first of the texts that is at most w wide at size; the
// last one elided when none is.
func choose(m measurer, texts []string, size, w float64) (string, bool) {
	for _, s := range texts {
		if m(s, size) <= w {
			return s, false
		}
	}
	return elide(m, texts[len(texts)-1], size, w)
}

// screenLayout divides a W×H screen. Bars across the top and bottom keep
// their heights; the right column gives the host panel room for a whole
// connection and the other panels at least three rows each; the buttons
// keep to one row, dropping key hints and then type size when the width
// needs it.
func screenLayout(W, H float64, in *screenIn) regions {
	th, m := in.th, in.measure
	row := th.Small * 1.45
	var g regions
	g.row = row
	topH := th.Text * 2
	capH := th.Text*3 + 8
	W0 := W - 24

	g.btnSize = th.Small
	g.buttons = buttonRow(m, in.buttons, th.Small, W0, &g.btnSize)
	bh := th.Text * 1.5
	ctrlH := 6 + th.Text + 6 + bh + 6 + row*1.9 + 4
	if in.real {
		ctrlH = 6 + th.Text + 6 + bh + 6
	}
	g.top = layout.Rect{W: W, H: topH}
	g.controls = layout.Rect{Y: H - ctrlH, W: W, H: ctrlH}
	g.caption = layout.Rect{Y: H - ctrlH - capH, W: W, H: capH}
	mainY, mainH := topH, H-ctrlH-capH-topH
	// The right column is wide enough for a connection's lines (digits
	// are all as wide as 0), up to 45% of the width.
	need := 0.0
	for _, s := range hostWidest {
		need = max(need, m(s, th.Small*0.9)+24)
	}
	leftW := W - math.Round(min(max(W*0.38, need), W*0.45))
	g.topo = layout.Rect{Y: mainY, W: leftW, H: mainH * 0.42}
	g.ladder = layout.Rect{Y: mainY + mainH*0.42, W: leftW, H: mainH * 0.58}

	// The right column: the host panel is as tall as a connection's lines;
	// events, inspector and plot share the rest, three rows at least.
	sideX, sideW := leftW, W-leftW
	head := row * 1.4
	hostH := head + hostRows*row + 6
	minH := head + 3*row + 6
	extra := mainH - hostH - 3*minH
	if extra < 0 { // too short for everything: all squeezed alike
		k := mainH / (hostH + 3*minH)
		hostH, minH, extra = hostH*k, minH*k, 0
	}
	evH, inH := minH+extra*0.35, minH+extra*0.35
	plH := mainH - hostH - evH - inH
	y := mainY
	g.events = layout.Rect{X: sideX, Y: y, W: sideW, H: evH}
	y += evH
	g.host = layout.Rect{X: sideX, Y: y, W: sideW, H: hostH}
	y += hostH
	g.inspect = layout.Rect{X: sideX, Y: y, W: sideW, H: inH}
	y += inH
	g.plot = layout.Rect{X: sideX, Y: y, W: sideW, H: plH}

	// Controls: the scrubber across, then the buttons, then the sliders
	// (label above, track below).
	c := g.controls
	g.scrub = layout.Rect{X: c.X + 12, Y: c.Y + 6, W: W0, H: th.Text}
	top := g.scrub.Y + g.scrub.H + 6
	for i := range g.buttons {
		g.buttons[i].r.X += c.X + 12
		g.buttons[i].r.Y = top
		g.buttons[i].r.H = bh
	}
	sy := top + bh + 6
	sw := W0 / nSliders
	for i := range g.sliders {
		if !in.real {
			g.sliders[i] = layout.Rect{X: c.X + 12 + float64(i)*sw, Y: sy, W: sw - 16, H: row * 1.9}
		}
	}

	// The fixed texts.
	add := func(s string, elided bool, x, y, size float64, al align, r layout.Rect) {
		g.labels = append(g.labels, label{s: s, x: x, y: y, size: size, al: al, in: r, elided: elided, dim: true})
	}
	// Top bar: the right-hand text drops its details before the title is
	// squeezed below a third of the width; the title takes what is left.
	tw := m(in.title, th.Text)
	right := in.right[len(in.right)-1]
	for _, s := range in.right {
		if W-36-m(s, th.Text) >= min(tw, W/3) {
			right = s
			break
		}
	}
	right, rcut := elide(m, right, th.Text, W-24)
	rw := m(right, th.Text)
	ty := g.top.Y + th.Text*0.4
	add(right, rcut, W-12, ty, th.Text, alignEnd, g.top)
	if room := W - 36 - rw; room > th.Text {
		title, cut := elide(m, in.title, th.Text, room)
		add(title, cut, 12, ty, th.Text, alignStart, g.top)
		g.labels[len(g.labels)-1].dim = false
	}
	headAt := func(s string, r layout.Rect, size float64) {
		s, cut := elide(m, s, size, r.W-20)
		add(s, cut, r.X+10, r.Y+4, size, alignStart, r)
	}
	headAt(in.topo, g.topo, th.Small)
	headAt(in.ladder, g.ladder, th.Small)
	g.labels[len(g.labels)-1].ext, g.labels[len(g.labels)-2].ext = true, true // drawn by their views
	headAt(in.events, g.events, th.Small)
	s, cut := choose(m, in.host, th.Small, g.host.W-20)
	add(s, cut, g.host.X+10, g.host.Y+4, th.Small, alignStart, g.host)
	headAt(in.inspect, g.inspect, th.Small)
	s, cut = choose(m, in.plot, th.Small*0.85, g.plot.W-20)
	add(s, cut, g.plot.X+10, g.plot.Y+4, th.Small*0.85, alignStart, g.plot)
	s, cut = choose(m, in.hint, th.Small, g.inspect.W-24)
	g.labels = append(g.labels, label{s: s, x: g.inspect.X + 12, y: g.inspect.Y + head, size: th.Small, in: g.inspect, elided: cut, hint: true})
	for _, b := range g.buttons {
		add(b.label, false, b.r.X+b.r.W/2, b.r.Y+(b.r.H-g.btnSize*lineH)/2, g.btnSize, alignCenter, b.r)
		g.labels[len(g.labels)-1].dim = false
	}
	for i, sr := range g.sliders {
		if sr.W > 0 {
			s, cut := elide(m, in.sliders[i], th.Small*0.85, sr.W)
			add(s, cut, sr.X, sr.Y, th.Small*0.85, alignStart, sr)
			g.labels[len(g.labels)-1].dim = false
		}
	}
	return g
}

// buttonRow lays the buttons out on one row W wide (x from 0): in full if
// they fit; else with less padding; else with their short labels; else
// smaller, down to the size at which they fit. size returns the size used.
func buttonRow(m measurer, specs []buttonSpec, small, W float64, size *float64) []button {
	type try struct {
		short     bool
		size, pad float64
	}
	width := func(t try) float64 {
		x := 0.0
		for _, b := range specs {
			s := b.full
			if t.short {
				s = b.short
			}
			x += m(s, t.size) + 2*t.pad
		}
		return x + float64(len(specs)-1)*t.pad*0.75
	}
	tries := []try{{false, small, 8}, {false, small, 5}, {true, small, 8}, {true, small, 5}, {true, small * 0.85, 5}}
	t := tries[len(tries)-1]
	for _, c := range tries {
		if width(c) <= W {
			t = c
			break
		}
	}
	for t.size > 4 && width(t) > W { // the last resort: type to fit
		t.size = math.Floor(t.size*0.95*2) / 2
	}
	*size = t.size
	var bs []button
	x := 0.0
	for _, b := range specs {
		s := b.full
		if t.short {
			s = b.short
		}
		bw := m(s, t.size) + 2*t.pad
		bs = append(bs, button{layout.Rect{X: x, W: bw}, s, b.key, b.ctrl})
		x += bw + t.pad*0.75
	}
	return bs
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
		case g.ladder.Contains(p) && in.Shift: // pan: earlier up, later down
			if in.Wheel > 0 {
				a.key(KeyPageUp, false, false)
			} else {
				a.key(KeyPageDown, false, false)
			}
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
	if !a.Picker && !a.Help && a.lessonClick(&g, p) {
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
			if a.followLocked(KeyD) { // a slider changes the run, as a what-if does
				a.Status = a.tr("status.class.following")
				return
			}
			a.drag, a.dragIdx = dragSlider, i
			a.sliders[i] = min(max((p.X-t.X)/t.W, 0), 1)
			return
		}
	}
	if g.code.W > 0 && codeTitle(&g).Contains(p) {
		a.switchCodeLang()
		return
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
		if fi, ok := a.hitLadder(&g, p); ok {
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

// inspectorFields places n fields of the packet inspector in g.inspect:
// two columns when a value has room beside its name, else one; only
// whole rows, none below the panel's edge. It returns the number of
// columns, their width and the top of each field that fits.
func inspectorFields(g *regions, small float64, n int) (cols int, colW float64, ys []float64) {
	r := g.inspect
	cols = 2
	if (r.W-24)/2-small*5 < small*9 {
		cols = 1
	}
	colW = (r.W - 24) / float64(cols)
	y := r.Y + g.row*1.4
	for k := range n {
		if k%cols == 0 && k > 0 {
			y += g.row * 0.95
		}
		if y+small*0.85*lineH > r.Y+r.H-4 {
			break
		}
		ys = append(ys, y)
	}
	return cols, colW, ys
}
