package view

import (
	"sort"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"

	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
	"socketlab/textbook"
)

// The code panel (A): the textbook's Python program that the host shown
// in the host panel runs, beside the ladder, with the line the program
// is in highlighted as its packets appear — connect() while the SYN
// flies, recv() blocking until data arrives, close() as the FIN leaves.
// Shift+A, or a click on the panel's title, shows the program's Go
// equivalent instead (and back): the same calls, on their Go lines.
//
// A program's app events mark its socket calls returning (the trace's
// connect is the handshake done). So the line shown is that of the
// host's next call still to return, blocked in it while its time has not
// come; after the last call, the last one's line.

// Programmer is implemented by a Source that knows which program each
// host of a request's run runs (SimSource: the scenario's programs).
type Programmer interface {
	// Programs maps a host's name to its program type.
	Programs(req Request) map[string]string
}

// codeCache is what the code panel keeps between frames: the listings
// of the run's hosts, and each host's app events that have a line.
type codeCache struct {
	m        *layout.Model
	lang     textbook.Lang // the language the listings are in
	n        int           // m.Len() when calls was built
	listings map[string]*textbook.Listing
	calls    map[string][]int // event indices
}

// listing returns the textbook program host runs in the run shown, nil
// when it runs none of them. Found once per run.
func (a *App) listing(host string) *textbook.Listing {
	c := &a.code
	if c.m != a.M || c.lang != a.CodeLang {
		*c = codeCache{m: a.M, lang: a.CodeLang, listings: map[string]*textbook.Listing{}}
		if p, ok := a.src.(Programmer); ok && !a.Real {
			for h, typ := range p.Programs(a.req) {
				if l := textbook.ForLang(typ, a.CodeLang); l != nil {
					c.listings[h] = l
				}
			}
		}
	}
	return c.listings[host]
}

// CodeLine returns the line of host's program at the cursor (an index
// into its listing's Lines), the call it is in, and whether the program
// is blocked in it (the call has not returned yet). ok is false when the
// host runs no textbook program or has made no call.
func (a *App) CodeLine(host string) (line int, op trace.AppOp, blocked, ok bool) {
	l := a.listing(host)
	if l == nil {
		return 0, trace.OpNone, false, false
	}
	c := &a.code
	if c.calls == nil {
		c.calls = map[string][]int{}
	}
	// The run only grows (a new run resets the cache, see listing): scan
	// only the events that came since the last call.
	for i := c.n; i < a.M.Len(); i++ {
		e := a.M.Event(i)
		if e.Kind != trace.KindApp {
			continue
		}
		if hl := c.listings[e.Node]; hl != nil {
			if _, has := hl.LineOf(e.Op, e.Text); has {
				c.calls[e.Node] = append(c.calls[e.Node], i)
			}
		}
	}
	c.n = a.M.Len()
	calls := c.calls[host]
	k := sort.SearchInts(calls, a.Cur.N) // the first call still to return
	switch {
	case k < len(calls):
		e := a.M.Event(calls[k])
		line, _ = l.LineOf(e.Op, e.Text)
		return line, e.Op, true, true
	case k > 0:
		e := a.M.Event(calls[k-1])
		line, _ = l.LineOf(e.Op, e.Text)
		return line, e.Op, false, true
	}
	return 0, trace.OpNone, false, false
}

// codeHost is the host whose program the panel shows: the host panel's.
func (a *App) codeHost() string {
	if a.Node < 0 || a.Node >= len(a.M.Nodes) {
		return ""
	}
	return a.M.Nodes[a.Node].Name
}

// codeShown reports whether the code panel is drawn: asked for, and the
// host shown runs a textbook program.
func (a *App) codeShown() bool { return a.Code && a.listing(a.codeHost()) != nil }

// toggleCode shows or hides the code panel, saying why when the host
// runs no textbook program.
func (a *App) toggleCode() {
	a.Code = !a.Code
	if a.Code && !a.codeShown() {
		a.Status = a.tr("status.code.none", a.codeHost())
	}
}

// switchCodeLang shows the listings in the other language, Python or
// Go, opening the panel when it is closed.
func (a *App) switchCodeLang() {
	a.CodeLang = a.otherLang()
	if !a.Code {
		a.toggleCode()
	}
}

// otherLang is the language switchCodeLang switches to.
func (a *App) otherLang() textbook.Lang {
	if a.CodeLang == textbook.Go {
		return textbook.Python
	}
	return textbook.Go
}

// codeNote is the panel's note on the call the program is in, the call
// named as the listing's language names it.
func (a *App) codeNote(op trace.AppOp, blocked bool) string {
	call := a.CodeLang.CallName(op)
	switch {
	case blocked && op == trace.OpConnect:
		return a.tr("code.connect", call)
	case blocked && op == trace.OpAccept:
		return a.tr("code.accept", call)
	case blocked && (op == trace.OpRead || op == trace.OpRecvFrom):
		return a.tr("code.recv", call)
	case !blocked && op == trace.OpClose:
		return a.tr("code.close", call)
	}
	return ""
}

// codeTitle is the panel's title row, where a click switches language.
func codeTitle(g *regions) layout.Rect {
	return layout.Rect{X: g.code.X, Y: g.code.Y, W: g.code.W, H: g.row * 1.4}
}

// splitCode gives the code panel the right part of the ladder's place.
func (a *App) splitCode(g *regions) {
	if !a.codeShown() {
		return
	}
	w := min(max(g.ladder.W*0.42, a.Theme.Small*22), g.ladder.W*0.6)
	g.code = layout.Rect{X: g.ladder.X + g.ladder.W - w, Y: g.ladder.Y, W: w, H: g.ladder.H}
	g.ladder.W -= w
}

// codeRows places the listing's lines in the panel: the first line shown
// and how many fit, scrolled so that line stays in view.
func codeRows(n, line int, rows int) (first int) {
	if n <= rows {
		return 0
	}
	return min(max(line-rows/2, 0), n-rows)
}

// untab indents a line of Go (gofmt's tabs, which the face does not
// draw) by four spaces a tab, as the Python listings are indented.
func untab(s string) string {
	t := strings.TrimLeft(s, "\t")
	return strings.Repeat("    ", len(s)-len(t)) + t
}

// cutMono shortens a line of ASCII code to n characters of the
// monospaced face, ending in "..." (the face has no "…").
func cutMono(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 4 {
		return ""
	}
	return s[:n-3] + "..."
}

// drawCode paints the code panel.
func (a *App) drawCode(dst *ebiten.Image, g *regions) {
	if g.code.W == 0 {
		return
	}
	p, th, b := a.pt, a.Theme, a.pt.b
	r := g.code
	host := a.codeHost()
	l := a.listing(host)
	line, op, blocked, ok := a.CodeLine(host)
	b.rect(dst, r.X+2, r.Y+2, r.W-4, r.H-4, th.Panel)
	size := th.Small * 0.85
	row := size * 1.35
	top := r.Y + g.row*1.4
	note := ""
	if ok {
		note = a.codeNote(op, blocked)
	}
	bottom := r.Y + r.H - 6
	if note != "" {
		bottom -= g.row * 1.2
	}
	rows := max(int((bottom-top)/row), 1)
	first := codeRows(len(l.Lines), line, rows)
	if ok && line >= first && line < first+rows {
		y := top + float64(line-first)*row
		b.rect(dst, r.X+6, y, r.W-12, row, th.Grid)
		b.rect(dst, r.X+6, y, 4, row, th.Cursor)
	}
	b.flush(dst)
	in := clip(dst, r)
	head, _ := elide(p.width, a.tr("code.head", l.Name, l.Lang, host, a.otherLang()), th.Small, r.W-20)
	p.text(in, head, r.X+10, r.Y+4, th.Small, th.Dim, alignStart)
	for k := 0; k < rows && first+k < len(l.Lines); k++ {
		c := th.Dim
		if ok && first+k == line {
			c = th.Fg
		}
		s := cutMono(untab(l.Lines[first+k]), int((r.W-24)/p.m.width("0", size)))
		p.mono(in, s, r.X+14, top+float64(k)*row+(row-size*lineH)/2, size, c, alignStart)
	}
	if note != "" {
		s, _ := elide(p.width, note, th.Small*0.9, r.W-20)
		p.text(in, s, r.X+10, bottom+4, th.Small*0.9, th.Cursor, alignStart)
	}
}
