package view

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"socketlab/sim/view/layout"
)

// fitSizes are the window sizes the layout must fit: a small laptop, the
// classroom projector (1280×800), a common laptop, a large monitor, full HD.
var fitSizes = [][2]int{{1024, 768}, {1280, 800}, {1366, 768}, {1600, 1000}, {1920, 1080}}

// liveLike is a real run's source: a fixture with long node names and a
// long title, and actions with long names for the buttons.
type liveLike struct{ FixtureSource }

func (liveLike) Actions() []Action {
	return []Action{{Name: "tcp-client-to-the-classroom-server"}, {Name: "udp-echo-over-the-campus-vpn"},
		{Name: "http-get-index-with-keepalive"}, {Name: "dns-lookup"}}
}

func (liveLike) Do(int) error { return nil }

// fitApp builds the app a case of the fit test looks at, in its most
// crowded state: near the end, a what-if scripted, an odd speed.
func fitApp(t *testing.T, kind, lang string, th *layout.Theme) *App {
	t.Helper()
	var src Source = SimSource{}
	preset := kind
	if kind == "live-like" {
		src, preset = liveLike{}, "handshake"
	}
	a, err := New(Options{Source: src, Request: Request{Preset: preset}, Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	a.Theme = th
	t.Cleanup(a.Close)
	a.SetTime(a.M.End * 9 / 10)
	a.Speed = 0.25
	if kind == "live-like" {
		a.Real, a.Live = true, true
		a.M.Header.Title = "a real exchange between the teacher's laptop and the classroom server, recorded live"
		for i := range a.M.Nodes {
			a.M.Nodes[i].Name = strings.Repeat("classroom-host-", 3) + fmt.Sprint(i)
		}
	} else {
		a.req.WhatIfs = []WhatIf{{Packet: 1, Action: "drop"}, {Packet: 2, Action: "duplicate"}}
	}
	return a
}

// TestLayoutFits checks the layout as geometry, with the type measured by
// the glyph cache that draws it: at every size, in every theme (screen,
// high contrast, projector) and both languages, every panel is inside the window and no two overlap, the
// buttons keep to one row, every fixed text is inside its panel or button
// (and not shortened, but for a long title or name), and the host panel
// has room for a whole connection.
func TestLayoutFits(t *testing.T) {
	for _, kind := range []string{"handshake", "congestion", "live-like"} {
		for _, lang := range []string{"en", "zh"} {
			for _, th := range layout.Themes {
				a := fitApp(t, kind, lang, th)
				for _, sz := range fitSizes {
					name := fmt.Sprintf("%s/%s/%s/%dx%d", kind, lang, th.Name, sz[0], sz[1])
					t.Run(name, func(t *testing.T) { checkFit(t, a, kind, sz[0], sz[1]) })
				}
			}
		}
	}
}

func checkFit(t *testing.T, a *App, kind string, w, h int) {
	const eps = 0.01
	m := a.painter().width
	th := a.Theme
	g := a.regions(w, h)
	W, H := float64(w), float64(h)
	win := layout.Rect{W: W, H: H}
	inside := func(r, in layout.Rect) bool {
		return r.X >= in.X-eps && r.Y >= in.Y-eps && r.X+r.W <= in.X+in.W+eps && r.Y+r.H <= in.Y+in.H+eps
	}
	overlap := func(r, s layout.Rect) bool {
		return min(r.X+r.W, s.X+s.W)-max(r.X, s.X) > eps && min(r.Y+r.H, s.Y+s.H)-max(r.Y, s.Y) > eps
	}
	panels := []struct {
		name string
		r    layout.Rect
	}{{"top", g.top}, {"topology", g.topo}, {"ladder", g.ladder}, {"events", g.events}, {"host", g.host},
		{"inspector", g.inspect}, {"plot", g.plot}, {"caption", g.caption}, {"controls", g.controls}}
	for i, p := range panels {
		if p.r.W <= 0 || p.r.H <= 0 || !inside(p.r, win) {
			t.Errorf("%s %+v is not inside the %gx%g window", p.name, p.r, W, H)
		}
		for _, q := range panels[i+1:] {
			if overlap(p.r, q.r) {
				t.Errorf("%s %+v and %s %+v overlap", p.name, p.r, q.name, q.r)
			}
		}
	}

	// Controls: scrubber, one row of buttons, sliders, apart and inside.
	if !inside(g.scrub, g.controls) {
		t.Errorf("scrubber %+v outside the controls %+v", g.scrub, g.controls)
	}
	for i, b := range g.buttons {
		if !inside(b.r, g.controls) || overlap(b.r, g.scrub) {
			t.Errorf("button %q %+v outside the controls %+v or on the scrubber", b.label, b.r, g.controls)
		}
		if b.r.Y != g.buttons[0].r.Y {
			t.Errorf("button %q on another row (y %g, the first's %g)", b.label, b.r.Y, g.buttons[0].r.Y)
		}
		if i > 0 && b.r.X < g.buttons[i-1].r.X+g.buttons[i-1].r.W {
			t.Errorf("button %q overlaps %q", b.label, g.buttons[i-1].label)
		}
		for _, s := range g.sliders {
			if s.W > 0 && overlap(b.r, s) {
				t.Errorf("button %q %+v on a slider %+v", b.label, b.r, s)
			}
		}
	}
	for i, s := range g.sliders {
		if s.W > 0 && (!inside(s, g.controls) || i > 0 && overlap(s, g.sliders[i-1])) {
			t.Errorf("slider %d %+v outside the controls or on its neighbour", i, s)
		}
	}
	if g.btnSize < th.Small*0.85 {
		t.Errorf("button type %g px, less than 0.85 of %g", g.btnSize, th.Small)
	}

	// Fixed texts: inside their panel or button, apart from each other,
	// whole. A title or heading with a long name may end in "…".
	long := kind == "live-like"
	for i := range g.labels {
		l := &g.labels[i]
		b := l.box(m)
		// Texts keep off their panel's edges; a slider's label starts at
		// its track's left end.
		pad := 3.0
		if slices.Contains(g.sliders[:], l.in) {
			pad = 0
		}
		if !inside(b, l.in.Inset(pad)) || !inside(l.in, win) {
			t.Errorf("%q at %+v is not inside its panel %+v", l.s, b, l.in)
		}
		if l.elided && !long && i != 1 { // the title (1) is elided to fit, long or not

			t.Errorf("%q is shortened", l.s)
		}
		for j := range g.labels[:i] {
			if k := &g.labels[j]; k.hint != l.hint || !overlap(b, k.box(m)) {
				continue
			}
			t.Errorf("%q %+v and %q %+v overlap", l.s, b, g.labels[j].s, g.labels[j].box(m))
		}
	}
	if n := len(g.labels); n == 0 || g.labels[0].in != g.top || g.labels[1].in != g.top {
		t.Fatalf("the top bar's texts are missing")
	} else if tb := g.labels[1].box(m); tb.W < min(m(a.screenIn().title, th.Text), W/3)-th.Text {
		t.Errorf("title %q squeezed to %g px", g.labels[1].s, tb.W)
	}

	// Rows: the host panel holds a whole connection; the event list and
	// inspector three rows at least; the plot has an area to draw in.
	head := g.row * 1.4
	if g.host.H < head+hostRows*g.row {
		t.Errorf("host panel %g px tall: no room for %d lines", g.host.H, hostRows)
	}
	if n, _ := a.eventRows(&g); n < 3 || g.events.Y+head+float64(n)*g.row > g.events.Y+g.events.H+eps {
		t.Errorf("event list: %d rows in %g px", n, g.events.H)
	}
	if g.inspect.H < head+3*g.row*0.95 {
		t.Errorf("inspector %g px tall: fewer than three rows", g.inspect.H)
	}
	cols, colW, ys := inspectorFields(&g, th.Small, 16)
	if len(ys) < 3*cols {
		t.Errorf("inspector: %d fields of 16 fit in %g px", len(ys), g.inspect.H)
	}
	for k, y := range ys {
		x := g.inspect.X + 12 + float64(k%cols)*colW
		if f := (layout.Rect{X: x, Y: y, W: colW, H: th.Small * 0.85 * lineH}); !inside(f, g.inspect) {
			t.Errorf("inspector field %d at %+v outside the panel %+v", k, f, g.inspect)
		}
	}
	if g.plot.H-head-12 < 2*g.row {
		t.Errorf("plot %g px tall: no area to draw in", g.plot.H)
	}
	// The host lines of the simulator's runs fit the panel's width.
	if !long {
		s := a.Snapshot()
		for n := range a.M.Nodes {
			for _, c := range s.Hosts[n].Conns {
				for _, line := range layout.HostLines(&c) {
					if m(line, th.Small*0.9) > g.host.W-24 {
						t.Errorf("host line %q is %g px, the panel %g", line, m(line, th.Small*0.9), g.host.W-24)
					}
				}
			}
		}
	}
}
