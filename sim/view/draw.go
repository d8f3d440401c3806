package view

import (
	"image"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"golang.org/x/image/font/sfnt"

	"socketlab/sim/caption"
	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
)

// painter holds what drawing needs beyond the App's state: the triangle
// batch, the glyph cache and scratch slices, all reused between frames.
type painter struct {
	b   *batch
	g   *glyphCache
	m   *glyphCache // the monospaced face: hex dumps, columns of numbers
	tmp []int
	udp udpMemo

	// ladder is the ladder's placement, reused from frame to frame.
	ladder ladderScratch
	// over skips shapes drawn exactly over others in a crowd.
	over overdraw
}

func (a *App) painter() *painter {
	if a.pt == nil {
		f, err := loadFont()
		if err == nil {
			var g, m *glyphCache
			var mf *sfnt.Font
			if g, err = newGlyphCache(f); err == nil {
				if mf, err = loadMonoFont(); err == nil {
					if m, err = newGlyphCache(mf); err == nil {
						a.pt = &painter{b: newBatch(), g: g, m: m}
					}
				}
			}
		}
		if err != nil {
			panic(err) // the font is embedded at build time; a bad one is a build defect
		}
	}
	return a.pt
}

// text draws s with its top-left (align start), centre or right end at x,
// y being the top of the line.
func (p *painter) text(dst *ebiten.Image, s string, x, y, size float64, c color.RGBA, al align) {
	p.g.draw(dst, s, x, y, size, c, al)
}

func (p *painter) width(s string, size float64) float64 { return p.g.width(s, size) }

// mono draws s like text, in the monospaced face: every character one
// advance wide, so that hex bytes and digits line up in columns.
func (p *painter) mono(dst *ebiten.Image, s string, x, y, size float64, c color.RGBA, al align) {
	p.m.draw(dst, s, x, y, size, c, al)
}

// Draw paints the whole playground on dst.
func (a *App) Draw(dst *ebiten.Image) {
	sz := dst.Bounds().Size()
	g := a.regions(sz.X, sz.Y)
	p := a.painter()
	th := a.Theme
	dst.Fill(th.Bg)
	b := p.b
	for _, r := range []layout.Rect{g.events, g.host, g.inspect, g.plot} {
		b.rect(dst, r.X+2, r.Y+2, r.W-4, r.H-4, th.Panel)
	}
	b.rect(dst, g.controls.X, g.controls.Y, g.controls.W, g.controls.H, th.Panel)
	b.flush(dst)

	snap := a.Snapshot()
	a.drawTop(dst, &g)
	if a.tut != nil {
		a.drawLesson(dst, &g) // in the topology's place
	} else {
		a.drawTopology(clip(dst, g.topo), &g, snap)
	}
	a.drawLadder(dst, &g)
	a.drawCode(dst, &g)
	a.drawEvents(dst, &g)
	a.drawHost(dst, &g, snap)
	a.drawVeil(dst, &g)
	a.drawInspector(dst, &g)
	a.drawPlot(dst, &g)
	a.drawCaption(dst, &g)
	a.drawControls(dst, &g)
	a.drawLabels(dst, &g)
	if a.Picker {
		a.drawPicker(dst, &g)
	}
	if a.Help {
		a.drawHelp(dst, &g)
	}
}

func (a *App) drawTop(dst *ebiten.Image, g *regions) {
	p, th := a.pt, a.Theme
	if prog, ok := a.Loading(); ok { // a re-run on its way in: a bar along the top
		b := p.b
		b.rect(dst, 0, g.top.Y+g.top.H-3, g.top.W*prog, 3, th.Cursor)
		b.flush(dst)
	}
}

// drawLabels draws the layout's fixed texts: the top bar, the headings,
// the buttons' and sliders' labels.
func (a *App) drawLabels(dst *ebiten.Image, g *regions) {
	p, th := a.pt, a.Theme
	for i := range g.labels {
		l := &g.labels[i]
		if l.ext || l.hint && a.Sel >= 0 {
			continue
		}
		c := th.Fg
		if l.dim {
			c = th.Dim
		}
		p.text(dst, l.s, l.x, l.y, l.size, c, l.al)
	}
}

// clip returns the part of dst inside r: drawing on it is cut at r's
// edges while keeping dst's coordinates.
func clip(dst *ebiten.Image, r layout.Rect) *ebiten.Image {
	return dst.SubImage(image.Rect(int(r.X), int(r.Y), int(math.Ceil(r.X+r.W)), int(math.Ceil(r.Y+r.H)))).(*ebiten.Image)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func (a *App) drawTopology(dst *ebiten.Image, g *regions, s *layout.Snapshot) {
	p, th, m, b := a.pt, a.Theme, a.M, a.pt.b
	topo := a.topoGeom(g)
	p.text(dst, a.tr("panel.topology"), g.topo.X+10, g.topo.Y+4, th.Small, th.Dim, alignStart)
	for _, l := range m.Header.Links {
		i, ok1 := m.NodeIndex(l.A)
		j, ok2 := m.NodeIndex(l.B)
		if ok1 && ok2 {
			b.line(dst, topo.Pos[i].X, topo.Pos[i].Y, topo.Pos[j].X, topo.Pos[j].Y, th.Line*2, th.Link)
		}
	}
	r := topo.R
	for i, n := range m.Nodes {
		q := topo.Pos[i]
		fill := th.Panel
		if i == a.Node {
			b.ring(dst, q.X, q.Y, r+5, th.Line*1.5, th.Sel)
		}
		if n.Kind == trace.NodeRouter {
			// A router is a square, a host a circle: shape, not colour.
			b.rect(dst, q.X-r, q.Y-r, 2*r, 2*r, th.Link)
			b.rect(dst, q.X-r+th.Line*1.5, q.Y-r+th.Line*1.5, 2*r-3*th.Line, 2*r-3*th.Line, fill)
		} else {
			b.circle(dst, q.X, q.Y, r, th.Link)
			b.circle(dst, q.X, q.Y, r-th.Line*1.5, fill)
		}
	}
	// Queues beside the sending port.
	qn := p.tmp[:0]
	for _, qi := range s.Queued {
		q := &m.Queues[qi]
		k := 0
		for _, o := range qn {
			if m.Queues[o].Node == q.Node && m.Queues[o].Peer == q.Peer {
				k++
			}
		}
		qn = append(qn, qi)
		pos := topo.QueuePos(q.Node, q.Peer, k)
		b.rect(dst, pos.X-6, pos.Y-4, 12, 8, th.Dim)
		b.frame(dst, pos.X-6, pos.Y-4, 12, 8, 1, th.Fg)
	}
	p.tmp = qn
	many := len(s.Flights) > crowdTopo
	if many {
		p.over.reset()
	}
	pw, ph := max(r*0.8, 12), max(r*0.5, 8)
	for _, fi := range s.Flights {
		f := &m.Flights[fi]
		q := topo.FlightPos(f, s.T)
		c := th.PacketColor(m.Packet(fi))
		if many {
			// A crowd is drawn on whole pixels, so that a packet over an
			// identical one changes nothing and can be skipped.
			q = layout.Pt{X: math.Round(q.X), Y: math.Round(q.Y)}
			if !a.exact && fi != a.Sel && !p.over.first(shapePacket, q.X, q.Y, q.X, q.Y, c) {
				continue
			}
		}
		if !many {
			b.rect(dst, q.X-pw/2-1, q.Y-ph/2-1, pw+2, ph+2, th.Bg)
		}
		b.rect(dst, q.X-pw/2, q.Y-ph/2, pw, ph, c)
		if fi == a.Sel {
			b.ring(dst, q.X, q.Y, pw, th.Line*1.5, th.Sel)
		}
	}
	for _, fi := range s.Drops {
		q := topo.DropPos(&m.Flights[fi])
		b.cross(dst, q.X, q.Y, r*0.35, th.Line*2.5, th.Drop)
	}
	for _, mi := range s.Marks {
		mk := &m.Marks[mi]
		q := topo.Pos[mk.Node]
		if mk.Peer >= 0 {
			q = topo.QueuePos(mk.Node, mk.Peer, 0)
		}
		b.cross(dst, q.X, q.Y, r*0.35, th.Line*2.5, th.Drop)
	}
	b.flush(dst)
	// Texts on top of the shapes. A column with room shows the address
	// under the name and the state badge above the node.
	roomy := topo.RowGap > 2*r+th.Small*4.4
	// A label centred under its node, moved in from the view's edge
	// rather than cut by it.
	inside := func(text string, x, size float64) float64 {
		half := p.width(text, size)/2 + 4
		return max(min(x, g.topo.X+g.topo.W-half), g.topo.X+half)
	}
	for i, n := range m.Nodes {
		q := topo.Pos[i]
		p.text(dst, n.Name, inside(n.Name, q.X, th.Small), q.Y+r+2, th.Small, th.Fg, alignCenter)
		if len(n.Addrs) > 0 && roomy {
			addr := n.Addrs[0].String()
			p.text(dst, addr, inside(addr, q.X, th.Small*0.85), q.Y+r+2+th.Small*1.25, th.Small*0.85, th.Dim, alignCenter)
		}
		if badge := s.Hosts[i].Badge(); badge != "" {
			w := p.width(badge, th.Small) + 10
			// Above the node, kept inside the view; in a crowded column
			// beside it, where the node below cannot cover it.
			bx := min(max(q.X, g.topo.X+w/2+2), g.topo.X+g.topo.W-w/2-2)
			by := q.Y - r - th.Small*1.7
			if !roomy {
				by = q.Y - th.Small*0.72
				if bx = q.X + r + 6 + w/2; q.X > g.topo.X+g.topo.W/2 {
					bx = q.X - r - 6 - w/2
				}
			}
			b.rect(dst, bx-w/2, by, w, th.Small*1.45, th.Grid)
			b.flush(dst)
			p.text(dst, badge, bx, by+th.Small*0.1, th.Small, th.Fg, alignCenter)
		}
	}
	if !many {
		for _, fi := range s.Flights {
			f := &m.Flights[fi]
			q := topo.FlightPos(f, s.T)
			tag := ""
			switch {
			case f.Dup:
				tag = a.tr("topology.dup")
			case f.Retrans:
				tag = a.tr("topology.retx")
			}
			if tag != "" {
				p.text(dst, tag, q.X, q.Y+ph, th.Small*0.8, th.Fg, alignCenter)
			}
		}
		for _, fi := range s.Drops {
			q := topo.DropPos(&m.Flights[fi])
			p.text(dst, "× "+a.dropText(m.Flights[fi].Reason), q.X, q.Y+r*0.4, th.Small, th.Drop, alignCenter)
		}
		for _, mi := range s.Marks {
			mk := &m.Marks[mi]
			q := topo.Pos[mk.Node]
			if mk.Peer >= 0 {
				q = topo.QueuePos(mk.Node, mk.Peer, 0)
			}
			p.text(dst, "× "+a.dropText(mk.Reason), q.X, q.Y+r*0.4, th.Small, th.Drop, alignCenter)
		}
	}
	if len(s.Queued) > 0 {
		p.text(dst, a.tr("panel.topology.queued", len(s.Queued)), g.topo.X+g.topo.W-10, g.topo.Y+4, th.Small, th.Dim, alignEnd)
	}
}

func (a *App) drawLadder(screen *ebiten.Image, g *regions) {
	p, th, m, b := a.pt, a.Theme, a.M, a.pt.b
	l := a.ladderGeom(g)
	// Arrows are cut at the top of the time axis, below the node names.
	dst := clip(screen, layout.Rect{X: g.ladder.X, Y: l.Area.Y - 2, W: g.ladder.W, H: g.ladder.Y + g.ladder.H - l.Area.Y + 2})
	head := clip(screen, g.ladder)
	p.text(head, a.tr("panel.ladder"), g.ladder.X+10, g.ladder.Y+4, th.Small, th.Dim, alignStart)
	top, bottom := l.Area.Y, l.Area.Y+l.Area.H
	for _, n := range m.Order() {
		b.line(dst, l.ColX[n], top, l.ColX[n], bottom, th.Line, th.Grid)
	}
	// Time ticks: a round step giving about eight rows; none inside a
	// squeezed gap, which gets a break mark and its real length instead.
	step := niceStep(l.Span / 8)
	from, to := l.Window()
	gaps := l.Gaps()
	ticks := a.axis[:0]
	for t, gi := (from/step+1)*step, 0; t < to; t += step {
		for gi < len(gaps) && gaps[gi].End <= t {
			gi++
		}
		if gi < len(gaps) && gaps[gi].Start < t {
			t = (gaps[gi].End/step + 1) * step
			if t >= to {
				break
			}
		}
		ticks = append(ticks, t)
		y := l.Y(t)
		b.line(dst, l.Area.X-6, y, l.Area.X+l.Area.W, y, 1, th.Grid)
	}
	a.axis = ticks
	for _, gp := range gaps {
		y0, y1 := l.Y(gp.Start), l.Y(gp.End)
		for _, n := range m.Order() {
			x := l.ColX[n]
			b.rect(dst, x-th.Line*2, y0, th.Line*4, y1-y0, th.Bg)
			// A zigzag: the axis is broken here.
			k := 0
			for y := y0; y < y1; y += 4 {
				dx := 5.0
				if k%2 == 1 {
					dx = -5
				}
				b.line(dst, x-dx, y, x+dx, min(y+4, y1), 1.2, th.Dim)
				k++
			}
		}
	}
	cy := l.Y(a.Cur.T)
	b.line(dst, l.Area.X-8, cy, l.Area.X+l.Area.W, cy, th.Line, th.Cursor)
	// Arrows, labels and markers as placed: simultaneous arrows moved
	// apart, every label where no arrow or other label covers it, the
	// rest counted by markers; the selected arrow last, on top.
	sc := &p.ladder
	a.placeLadder(g, &l, sc, p.width)
	lp := &sc.lp
	if a.Ghost != nil && a.ShowGhost {
		// The previous branch, dashed, on this run's time axis: where the
		// two runs part is where the arrows stop coinciding.
		gm := a.Ghost
		from, to := l.Window()
		lo, hi := gm.FlightsBetween(from-gm.MaxFlight(), to)
		for i := lo; i < hi; i++ {
			f := &gm.Flights[i]
			if f.From >= len(l.ColX) || f.To >= len(l.ColX) {
				continue // a node this run does not have
			}
			s, e, _, ok := l.Arrow(f, gm.End)
			if ok && lp.GhostShown(m, f, s, e) {
				b.dashed(dst, s.X, s.Y, e.X, e.Y, th.Line, 5, th.Ghost)
			}
		}
	}
	crowd := len(lp.Arrows) > crowdLadder
	if crowd {
		p.over.reset()
	}
	for k := range lp.Arrows {
		pa := &lp.Arrows[k]
		c := th.PacketColor(m.Packet(pa.Flight))
		picked := pa.Flight == a.Sel || a.marked(pa.Flight)
		if picked {
			b.line(dst, pa.A.X, pa.A.Y, pa.B.X, pa.B.Y, th.Line+4, th.Sel)
		}
		ax, ay, bx, by := pa.A.X, pa.A.Y, pa.B.X, pa.B.Y
		if crowd { // on whole pixels, as the topology's crowd
			ax, ay, bx, by = math.Round(ax), math.Round(ay), math.Round(bx), math.Round(by)
			kind := shapeArrow
			if pa.Head {
				kind = shapeArrowHead
			}
			if !a.exact && !picked && !pa.Cross && !p.over.first(kind, ax, ay, bx, by, c) {
				continue
			}
		}
		b.arrow(dst, ax, ay, bx, by, th.Line, pa.Head, c)
		if pa.Cross {
			b.cross(dst, pa.B.X, pa.B.Y, 6, th.Line*2, th.Drop)
		}
	}
	b.flush(dst)
	for _, t := range a.axis {
		p.text(dst, layout.FormatShort(t), l.Area.X-10, l.Y(t)-th.Small*0.7, th.Small*0.85, th.Dim, alignEnd)
	}
	for _, n := range sc.notes {
		p.text(dst, n.text, n.x, n.y, th.Small*0.85, th.Fg, alignCenter)
	}
	for _, n := range m.Order() {
		p.text(head, m.Nodes[n].Name, l.ColX[n], g.ladder.Y+6, th.Small, th.Fg, alignCenter)
	}
	size := a.ladderLabelSize()
	// A label's box is free of arrows, so its background hides nothing;
	// one placed by force (the selected or current arrow's, with no free
	// place) gets a frame, to show it is laid over the arrows.
	for _, lb := range lp.Labels {
		if lp.Arrows[lb.Arrow].Forced {
			b.rect(head, lb.Box.X, lb.Box.Y, lb.Box.W, lb.Box.H, th.Panel)
			b.frame(head, lb.Box.X, lb.Box.Y, lb.Box.W, lb.Box.H, 1, th.Dim)
		} else {
			b.rect(head, lb.Box.X, lb.Box.Y, lb.Box.W, lb.Box.H, th.Bg)
		}
	}
	for _, mk := range lp.Markers {
		b.rect(head, mk.Box.X, mk.Box.Y, mk.Box.W, mk.Box.H, th.Grid)
		b.frame(head, mk.Box.X, mk.Box.Y, mk.Box.W, mk.Box.H, 1, th.Dim)
	}
	b.flush(head)
	for _, lb := range lp.Labels {
		pa := &lp.Arrows[lb.Arrow]
		c := th.Fg
		if pa.Dropped {
			c = th.Drop
		}
		p.text(head, lb.Text, lb.Box.X+3, lb.Box.Y+size*0.1, size, c, alignStart)
	}
	for _, mk := range lp.Markers {
		p.text(head, mk.Text, mk.Box.X+mk.Box.W/2, mk.Box.Y+size*0.1, size, th.Fg, alignCenter)
	}
}

// niceStep rounds d up to 1, 2 or 5 times a power of ten.
func niceStep(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Millisecond
	}
	p := time.Duration(1)
	for p*10 <= d {
		p *= 10
	}
	for _, k := range []time.Duration{1, 2, 5, 10} {
		if k*p >= d {
			return k * p
		}
	}
	return 10 * p
}

func (a *App) drawEvents(dst *ebiten.Image, g *regions) {
	p, th := a.pt, a.Theme
	r := g.events
	n, top := a.eventRows(g)
	cur := a.Cur.Current()
	for k := 0; k < n && top+k < a.M.Len(); k++ {
		i := top + k
		y := r.Y + g.row*1.4 + float64(k)*g.row
		c := th.Dim
		if i <= cur {
			c = th.Fg
		}
		if i == cur {
			p.b.rect(dst, r.X+4, y, r.W-8, g.row, th.Grid)
			p.b.rect(dst, r.X+4, y, 4, g.row, th.Cursor)
			p.b.flush(dst)
		}
		line, _ := elide(p.width, a.EventLine(i), th.Small*0.9, r.W-24)
		p.text(dst, line, r.X+12, y+1, th.Small*0.9, c, alignStart)
	}
}

func (a *App) drawHost(dst *ebiten.Image, g *regions, s *layout.Snapshot) {
	p, th := a.pt, a.Theme
	r := g.host
	if a.Node < 0 {
		return
	}
	y := r.Y + g.row*1.4
	h := &s.Hosts[a.Node]
	if len(h.Conns) == 0 {
		lines := []string{a.tr("host.noconn")}
		if u := p.udpStats(a.M, a.Node, a.Cur); u.Sent+u.Received > 0 {
			sent := a.tr("host.udp", u.Sent, u.Received)
			if u.Sent == 1 {
				sent = a.tr("host.udp.one", u.Sent, u.Received)
			}
			lines = []string{sent, a.tr("host.udp.lost", u.Lost), a.tr("host.udp.none")}
		}
		for _, line := range lines {
			if y+g.row > r.Y+r.H {
				return
			}
			line, _ = elide(p.width, line, th.Small*0.9, r.W-24)
			p.text(dst, line, r.X+12, y, th.Small*0.9, th.Fg, alignStart)
			y += g.row
		}
		return
	}
	// The connection that changed last first: that is what the caption is about.
	order := append(p.tmp[:0], h.Latest)
	for i := range h.Conns {
		if i != h.Latest {
			order = append(order, i)
		}
	}
	p.tmp = order
	for _, ci := range order {
		for _, line := range layout.HostLines(&h.Conns[ci]) {
			if y+g.row > r.Y+r.H {
				return
			}
			line, _ = elide(p.width, line, th.Small*0.9, r.W-24)
			p.text(dst, line, r.X+12, y, th.Small*0.9, th.Fg, alignStart)
			y += g.row
		}
	}
}

func (a *App) drawInspector(dst *ebiten.Image, g *regions) {
	p, th := a.pt, a.Theme
	r := g.inspect
	y := r.Y + g.row*1.4
	if a.Sel < 0 {
		return // the hint is one of the layout's labels
	}
	// Fields in two columns when a value has room beside its name, else
	// in one; only whole rows, none below the panel's edge.
	fs := a.M.InspectIn(a.Sel, a.Lang == "zh")
	size := th.Small * 0.85
	cols, colW, ys := inspectorFields(g, th.Small, len(fs))
	for k, y := range ys {
		x := r.X + 12 + float64(k%cols)*colW
		p.text(dst, fs[k].Name, x, y, size, th.Dim, alignStart)
		v, _ := elide(p.width, fs[k].Value, size, colW-th.Small*5-6)
		p.text(dst, v, x+th.Small*5, y, size, th.Fg, alignStart)
	}
	if len(ys) == 0 || len(ys) < len(fs) {
		return
	}
	y = ys[len(ys)-1] + g.row*1.1
	if p.m.width(strings.Repeat("0", 71), th.Small*0.8) > r.W-24 {
		return // a hex line is wider than the panel: the text field shows the payload
	}
	pl := a.M.Packet(a.Sel).Payload
	rows := int((r.Y + r.H - y) / (g.row * 0.95))
	if rows <= 0 {
		return
	}
	for _, line := range layout.HexLinesIn(pl, 16*max(rows-1, 1), a.Lang == "zh") {
		if y+g.row > r.Y+r.H {
			break
		}
		a.hexRow(dst, line, r.X+12, y, th.Small*0.8)
		y += g.row * 0.95
	}
}

// udpMemo keeps a host's UDP counts for the cursor they were counted at:
// counting walks the flights up to the cursor, once per step, not per
// frame.
type udpMemo struct {
	node, n, len int
	m            *layout.Model
	s            layout.UDPStats
}

// udpStats returns node's UDP counts at cursor c, from the memo when
// nothing changed.
func (p *painter) udpStats(m *layout.Model, node int, c layout.Cursor) layout.UDPStats {
	u := &p.udp
	if u.m != m || u.node != node || u.n != c.N || u.len != m.Len() {
		*u = udpMemo{node: node, n: c.N, len: m.Len(), m: m, s: m.UDPStats(node, c.T)}
	}
	return u.s
}

// hexRow draws a hex dump line in the monospaced face, so the columns
// line up.
func (a *App) hexRow(dst *ebiten.Image, line string, x, y, size float64) {
	a.pt.mono(dst, line, x, y, size, a.Theme.Fg, alignStart)
}

func (a *App) drawPlot(dst *ebiten.Image, g *regions) {
	p, th, b := a.pt, a.Theme, a.pt.b
	r := g.plot
	s := a.seqSeries()
	tick := th.Small * 0.7 // the axes' type
	area := layout.Rect{X: r.X + 50, Y: r.Y + g.row*1.4, W: r.W - 62, H: r.H - g.row*1.4 - 12 - tick}
	if len(s.Sends) == 0 || area.H < 10 {
		s, _ := elide(p.width, a.tr("plot.nodata"), th.Small, r.X+r.W-12-area.X)
		p.text(dst, s, area.X, area.Y, th.Small, th.Fg, alignStart)
		return
	}
	// Axes at nice steps: the sequence axis ends at its first tick above
	// the data (60 000, not 50002), the time axis is labelled.
	top, yTicks := layout.SeqAxis(s.MaxSeq, max(int(area.H/(tick*2.5)), 1))
	maxSeq := float64(top)
	// Display time on the x axis, like the ladder: idle stretches squeezed.
	end := max(a.M.Display(a.M.End), 1)
	x := func(t time.Duration) float64 { return area.X + float64(a.M.Display(t))/float64(end)*area.W }
	y := func(v int64) float64 { return area.Y + area.H - min(float64(v)/maxSeq, 1.05)*area.H }
	b.line(dst, area.X, area.Y, area.X, area.Y+area.H, 1, th.Grid)
	b.line(dst, area.X, area.Y+area.H, area.X+area.W, area.Y+area.H, 1, th.Grid)
	for k := 1; k < len(s.Limit); k++ {
		if s.Limit[k].T > a.Cur.T {
			break
		}
		b.dashed(dst, x(s.Limit[k-1].T), y(s.Limit[k-1].Seq), x(s.Limit[k].T), y(s.Limit[k-1].Seq), 1, 3, th.Control)
		b.line(dst, x(s.Limit[k].T), y(s.Limit[k-1].Seq), x(s.Limit[k].T), y(s.Limit[k].Seq), 1, th.Control)
	}
	for k := 1; k < len(s.Acks); k++ {
		if s.Acks[k].T > a.Cur.T {
			break
		}
		b.line(dst, x(s.Acks[k-1].T), y(s.Acks[k-1].Seq), x(s.Acks[k].T), y(s.Acks[k-1].Seq), 1.5, th.Ack)
		b.line(dst, x(s.Acks[k].T), y(s.Acks[k-1].Seq), x(s.Acks[k].T), y(s.Acks[k].Seq), 1.5, th.Ack)
	}
	for _, pt := range s.Sends {
		if pt.T > a.Cur.T {
			break
		}
		px, py := x(pt.T), y(pt.Seq)
		switch {
		case pt.Dropped:
			b.cross(dst, px, py, 3, 1.5, th.Drop)
		case pt.Retrans:
			b.frame(dst, px-2.5, py-2.5, 5, 5, 1, th.Data)
		default:
			b.rect(dst, px-2, py-2, 4, 4, th.Data)
		}
	}
	b.line(dst, x(a.Cur.T), area.Y, x(a.Cur.T), area.Y+area.H, 1, th.Cursor)
	for _, tk := range yTicks {
		b.line(dst, area.X-3, y(tk.V), area.X, y(tk.V), 1, th.Grid)
	}
	b.flush(dst)
	for _, tk := range yTicks {
		p.mono(dst, tk.Label, area.X-5, y(tk.V)-tick*0.6, tick, th.Dim, alignEnd)
	}
	// Time ticks in real time, placed on the display axis: a squeezed idle
	// stretch brings two close together, and then only the first is named.
	lastX := math.Inf(-1)
	for _, tk := range layout.TimeAxis(0, a.M.End, max(int(area.W/(tick*6)), 1)) {
		tx, w := x(time.Duration(tk.V)), p.width(tk.Label, tick)
		if tx-lastX < w+tick || tx+w/2 > r.X+r.W-4 {
			continue // too close to the last label, or past the panel's edge
		}
		lastX = tx
		p.text(dst, tk.Label, tx, area.Y+area.H+2, tick, th.Dim, alignCenter)
	}
}

func (a *App) drawCaption(dst *ebiten.Image, g *regions) {
	p, th := a.pt, a.Theme
	r := g.caption
	p.b.rect(dst, r.X, r.Y, r.W, r.H, th.Panel)
	p.b.rect(dst, r.X, r.Y, 6, r.H, th.Cursor)
	p.b.flush(dst)
	// The status line at the bottom right, at most half the width; the
	// caption's second line keeps clear of it.
	statusW := 0.0
	if status := a.statusLine(); status != "" {
		st, _ := elide(p.width, status, th.Small*0.9, r.W/2)
		p.text(dst, st, r.X+r.W-12, r.Y+r.H-th.Small*1.35, th.Small*0.9, th.Dim, alignEnd)
		statusW = p.width(st, th.Small*0.9) + 24
	}
	size := th.Text * 1.1
	if a.Prompting {
		p.text(dst, a.tr("prompt.tcp", a.Prompt), r.X+20, r.Y+6, size, th.Cursor, alignStart)
		return
	}
	// As large as the caption fits in the bar, down to the small type;
	// only then does it end in "…".
	lines, size := fitCaption(p.width, a.Caption(), r.W-40, r.H, size, th.Small, statusW, a.tr("caption.join"))
	for k, line := range lines {
		p.text(dst, line, r.X+20, r.Y+6+float64(k)*size*1.25, size, th.Fg, alignStart)
	}
}

// fitCaption sets text in a bar w wide and h tall: at the largest size
// from base down to least (by tenths, least last) at which every line
// fits, the last one clear of the status line (statusW at the bar's
// bottom right); if none fits, at least, with the last line ending in
// "…" (its rest joined by join).
func fitCaption(m measurer, text string, w, h, base, least, statusW float64, join string) ([]string, float64) {
	size := base
	for {
		n := max(int((h-6)/(size*1.25)), 1)
		lines := wrapM(m, text, size, w)
		if len(lines) < n || len(lines) == n && m(lines[n-1], size) <= w-statusW {
			return lines, size
		}
		if size <= least {
			rest := strings.Join(lines[n-1:], join)
			lines[n-1], _ = elide(m, rest, size, w-statusW)
			return lines[:n], size
		}
		size = max(size*0.9, least)
	}
}

// noLineStart is the Chinese punctuation that may not begin a line: the
// full-width comma, full stop, enumeration comma, semicolon, colon,
// exclamation and question marks, closing brackets and quotes.
// (Code points, not a string: every string in the view's sources is a
// text the font subset must cover, and these need no glyph of their own.)
var noLineStart = []rune{0xff0c, 0x3002, 0x3001, 0xff1b, 0xff1a, 0xff01, 0xff1f, 0xff09, 0x300b, 0x300d, 0x300f, 0x201d, 0x2019}

// wrapM breaks s into lines at most w wide at size: at spaces for
// English, at any character for Chinese (which has no spaces), except
// before punctuation that may not begin a line.
func wrapM(m measurer, s string, size, w float64) []string {
	var lines []string
	for s != "" {
		if m(s, size) <= w {
			return append(lines, s)
		}
		rs := []rune(s)
		lo, hi := 1, len(rs)
		for lo < hi { // the longest prefix that fits
			mid := (lo + hi + 1) / 2
			if m(string(rs[:mid]), size) <= w {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		cut := lo
		if k := strings.LastIndex(string(rs[:lo]), " "); k > 0 {
			cut = len([]rune(string(rs[:lo])[:k]))
		} else if cut > 1 && cut < len(rs) && slices.Contains(noLineStart, rs[cut]) {
			cut-- // Chinese punctuation never begins a line: take a character with it
		}
		lines = append(lines, strings.TrimRight(string(rs[:cut]), " "))
		s = strings.TrimLeft(string(rs[cut:]), " ")
	}
	return lines
}

func (a *App) drawControls(dst *ebiten.Image, g *regions) {
	th, b := a.Theme, a.pt.b
	sc := a.scrubber(g)
	r := g.scrub
	b.rect(dst, r.X, r.Y+r.H/2-2, r.W, 4, th.Grid)
	// Every event is a tick: where things happen is visible at a glance.
	step := max(a.M.Len()/int(max(r.W, 1)), 1)
	for i := 0; i < a.M.Len(); i += step {
		x := sc.X(a.M.Display(a.M.TimeAt(i)))
		b.rect(dst, x, r.Y+r.H/2-5, 1, 10, th.Dim)
	}
	cx := sc.X(a.M.Display(a.Cur.T))
	b.rect(dst, r.X, r.Y+r.H/2-2, cx-r.X, 4, th.Cursor)
	b.circle(dst, cx, r.Y+r.H/2, r.H/2, th.Cursor)
	for _, bt := range g.buttons {
		b.rect(dst, bt.r.X, bt.r.Y, bt.r.W, bt.r.H, th.Grid)
	}
	if a.Playing {
		bt := g.buttons[2]
		b.frame(dst, bt.r.X, bt.r.Y, bt.r.W, bt.r.H, 2, th.Cursor)
	}
	for i, sr := range g.sliders {
		if sr.W == 0 {
			continue
		}
		t := sliderTrack(sr)
		b.rect(dst, t.X, t.Y+t.H/2-2, t.W, 4, th.Grid)
		kx := t.X + a.sliders[i]*t.W
		b.rect(dst, kx-4, t.Y+1, 8, t.H-2, th.Fg)
	}
	b.flush(dst)
}

func (a *App) drawPicker(dst *ebiten.Image, g *regions) {
	p, th, b := a.pt, a.Theme, a.pt.b
	rows := a.pickerRows(g)
	if len(rows) == 0 {
		return
	}
	last := rows[len(rows)-1]
	b.rect(dst, rows[0].X-8, rows[0].Y-30, rows[0].W+16, last.Y+last.H-rows[0].Y+38, th.Panel)
	b.frame(dst, rows[0].X-8, rows[0].Y-30, rows[0].W+16, last.Y+last.H-rows[0].Y+38, 2, th.Fg)
	for i, r := range rows {
		if a.presets[i].Name == a.M.Header.Scenario {
			b.rect(dst, r.X, r.Y, r.W, r.H, th.Grid)
		}
	}
	b.flush(dst)
	p.text(dst, a.tr("picker.title"), rows[0].X, rows[0].Y-24, th.Small, th.Dim, alignStart)
	in := clip(dst, layout.Rect{X: rows[0].X, Y: rows[0].Y, W: rows[0].W, H: last.Y + last.H - rows[0].Y})
	for i, r := range rows {
		p.text(in, a.presets[i].Name+"  —  "+caption.Text(a.presets[i].Summary, a.capLang()), r.X+6, r.Y+2, th.Small, th.Fg, alignStart)
	}
}

// helpKeys is the on-screen key help (H): a row's keys and what they do.
var helpKeys = [][2]string{ // catalogue keys: the keys, what they do
	{"help.play.keys", "help.play"},
	{"help.step.keys", "help.step"},
	{"help.speed.keys", "help.speed"},
	{"help.restart.keys", "help.restart"},
	{"help.select.keys", "help.select"},
	{"help.whatif.keys", "help.whatif"},
	{"help.undo.keys", "help.undo"},
	{"help.ghost.keys", "help.ghost"},
	{"help.seed.keys", "help.seed"},
	{"help.profile.keys", "help.profile"},
	{"help.picker.keys", "help.picker"},
	{"help.save.keys", "help.save"},
	{"help.zoom.keys", "help.zoom"},
	{"help.pan.keys", "help.pan"},
	{"help.host.keys", "help.host"},
	{"help.lang.keys", "help.lang"},
	{"help.theme.keys", "help.theme"},
	{"help.type.keys", "help.type"},
	{"help.close.keys", "help.close"},
	{"help.quit.keys", "help.quit"},
	{"help.code.keys", "help.code"},
	{"help.lesson.keys", "help.lesson"},
	{"help.answer.keys", "help.answer"},
	{"help.class.keys", "help.class"},
	{"help.live.keys", "help.live"},
}

// helpBox places the key help: over the topology in one column, or,
// when its rows would pass the bottom of a screen H tall (large type,
// many keys), across the screen in two. It returns the box, the number
// of columns and the rows in each.
func helpBox(g *regions, n int, H float64) (box layout.Rect, cols, per int) {
	rowH := g.row * 1.2
	box = layout.Rect{X: g.topo.X + g.topo.W*0.05, Y: g.topo.Y + 10, W: g.topo.W * 0.9, H: float64(n+2)*rowH + 20}
	cols, per = 1, n
	if box.Y+box.H > H-4 {
		cols, per = 2, (n+1)/2
		box.X, box.W = g.top.W*0.03, g.top.W*0.94
		box.H = float64(per+2)*rowH + 20
	}
	return box, cols, per
}

func (a *App) drawHelp(dst *ebiten.Image, g *regions) {
	p, th, b := a.pt, a.Theme, a.pt.b
	r, cols, per := helpBox(g, len(helpKeys), float64(dst.Bounds().Dy()))
	b.rect(dst, r.X, r.Y, r.W, r.H, th.Panel)
	b.frame(dst, r.X, r.Y, r.W, r.H, 2, th.Fg)
	b.flush(dst)
	p.text(dst, a.tr("help.title"), r.X+12, r.Y+8, th.Small, th.Dim, alignStart)
	colW := (r.W - 12) / float64(cols)
	for i, k := range helpKeys {
		x := r.X + 12 + float64(i/per)*colW
		ry := r.Y + 8 + float64(i%per+1)*g.row*1.2
		p.text(dst, a.tr(k[0]), x, ry, th.Small, th.Cursor, alignStart)
		what, _ := elide(p.width, a.tr(k[1]), th.Small, colW-th.Small*8-12)
		p.text(dst, what, x+th.Small*8, ry, th.Small, th.Fg, alignStart)
	}
}
