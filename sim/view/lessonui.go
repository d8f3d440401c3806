package view

import (
	"image/color"
	"strconv"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"

	"socketlab/sim/view/layout"
	"socketlab/sim/view/progress"
)

// The lesson panel takes the topology's place while a lesson is open:
// the lesson's title and step with the step buttons, the narration, the
// question with its choices or the number being typed, the hint and skip
// buttons, then the hint or the explanation. lessonLayout places it
// (pure geometry, tested without a display); drawLesson paints it.

// lineKind says how a line of the lesson panel is drawn.
type lineKind uint8

const (
	lineHead   lineKind = iota // the title and step: dim
	lineText                   // the narration
	linePrompt                 // the question
	lineTyped                  // the number being typed
	lineHint                   // the hint
	lineRight                  // the explanation of a right answer (after ✓)
	lineWrong                  // the explanation of a wrong or skipped one (after ×)
	lineClass                  // a class room's line: who follows, the tally
)

// lessonLine is one line of the panel, its top-left at x, y.
type lessonLine struct {
	s          string
	x, y, size float64
	kind       lineKind
}

// choiceMark says how a choice button is framed once answered.
type choiceMark uint8

const (
	markNone   choiceMark = iota
	markAnswer            // the right answer
	markPicked            // the learner's wrong pick
)

// lessonIn is the panel's text, in the App's language.
type lessonIn struct {
	head      string
	narration string
	prompt    string       // "" without a question
	choices   []string     // a choice question's buttons: "1 SYN-SENT"
	marks     []choiceMark // per choice, once answered
	typed     string       // a number question's line; "" otherwise
	open      bool         // the question waits: hint and skip buttons
	hintBtn   string
	skipBtn   string
	submitBtn string // a number question's "Enter" button
	prevBtn   string
	nextBtn   string
	feedback  string // the hint, or the explanation
	fbKind    lineKind
	tryBtn    string   // "try it for real", for a step with a real program and no open question; "" otherwise
	class     []string // a class room's lines (classroom.go), under the head
	classBtn  string   // the teacher's unlock / lock button; "" for none
}

// lessonBox is the panel as laid out.
type lessonBox struct {
	r       layout.Rect
	lines   []lessonLine
	buttons []button
	marks   []choiceMark // per button: the choices' marks, markNone for the rest
	head    int          // the buttons of the head row, first in buttons
	size    float64
}

// lessonLayout lays the panel out in r at the largest type from th.Text
// down to 0.75 of th.Small at which everything fits; at the smallest the
// narration loses its last lines (ending in "…") to keep the question.
func lessonLayout(m measurer, r layout.Rect, th *layout.Theme, in *lessonIn) lessonBox {
	least := th.Small * 0.75
	for size := th.Text; ; size = max(size*0.92, least) {
		b, fits := lessonAt(m, r, in, size, false)
		if fits || size <= least {
			if !fits {
				b, _ = lessonAt(m, r, in, size, true)
			}
			return b
		}
	}
}

// lessonAt lays the panel out at one type size; squeeze cuts the
// narration to what leaves room for the rest.
func lessonAt(m measurer, r layout.Rect, in *lessonIn, size float64, squeeze bool) (lessonBox, bool) {
	b := lessonBox{r: r, size: size}
	x0, w := r.X+12, r.W-24
	lh := size * 1.3
	bh := size * 1.5
	pad := size * 0.6
	y := r.Y + 6
	bottom := r.Y + r.H - 6

	// The head row: the step buttons at the right, the title before them.
	bx := r.X + r.W - 12
	for _, s := range []struct {
		label string
		key   Key
	}{{in.nextBtn, KeyBracketRight}, {in.prevBtn, KeyBracketLeft}, {in.classBtn, KeyE}} {
		if s.label == "" {
			continue
		}
		b.head++
		bw := m(s.label, size*0.9) + 2*pad
		bx -= bw
		b.buttons = append(b.buttons, button{r: layout.Rect{X: bx, Y: y, W: bw, H: bh}, label: s.label, key: s.key})
		b.marks = append(b.marks, markNone)
		bx -= pad * 0.75
	}
	head, _ := elide(m, in.head, size*0.9, bx-x0-pad)
	b.lines = append(b.lines, lessonLine{head, x0, y + (bh-size*0.9*lineH)/2, size * 0.9, lineHead})
	y += bh + size*0.4
	for _, l := range in.class {
		l, _ = elide(m, l, size*0.9, w)
		b.lines = append(b.lines, lessonLine{l, x0, y, size * 0.9, lineClass})
		y += size * 0.9 * 1.3
	}
	if len(in.class) > 0 {
		y += size * 0.3
	}

	// What follows the narration, measured first so that a squeezed
	// narration leaves it room.
	var rest []lessonLine
	var restBtns []button
	var restMarks []choiceMark
	ry := 0.0
	if in.prompt != "" {
		for _, l := range wrapM(m, in.prompt, size, w) {
			rest = append(rest, lessonLine{l, x0, ry, size, linePrompt})
			ry += lh
		}
		ry += size * 0.2
		// The answer row: the choices or the number, then hint and skip;
		// buttons flow onto more rows when one is not enough.
		bx := x0
		place := func(label string, k Key, mk choiceMark) {
			bw := m(label, size) + 2*pad
			if bx > x0 && bx+bw > x0+w {
				bx, ry = x0, ry+bh+size*0.3
			}
			restBtns = append(restBtns, button{r: layout.Rect{X: bx, Y: ry, W: bw, H: bh}, label: label, key: k})
			restMarks = append(restMarks, mk)
			bx += bw + pad*0.75
		}
		for i, c := range in.choices {
			place(c, Key1+Key(i), in.marks[i])
		}
		if in.typed != "" {
			tw := m(in.typed, size)
			if bx > x0 && bx+tw > x0+w {
				bx, ry = x0, ry+bh+size*0.3
			}
			rest = append(rest, lessonLine{in.typed, bx, ry + (bh-size*lineH)/2, size, lineTyped})
			bx += tw + pad
			if in.open {
				place(in.submitBtn, KeyEnter, markNone)
			}
		}
		if in.open {
			place(in.hintBtn, KeySlash, markNone)
			place(in.skipBtn, KeyBracketRight, markNone)
		}
		ry += bh + size*0.3
	}
	if in.feedback != "" {
		for _, l := range wrapM(m, in.feedback, size, w) {
			rest = append(rest, lessonLine{l, x0, ry, size, in.fbKind})
			ry += lh
		}
	}
	if in.tryBtn != "" { // tryreal.go
		ry += size * 0.2
		restBtns = append(restBtns, button{r: layout.Rect{X: x0, Y: ry, W: m(in.tryBtn, size) + 2*pad, H: bh}, label: in.tryBtn, key: KeyI})
		restMarks = append(restMarks, markNone)
		ry += bh
	}

	narr := wrapM(m, in.narration, size, w)
	room := int((bottom - y - ry) / lh)
	fits := len(narr) <= room
	if squeeze && !fits {
		room = max(room, 1)
		if room < len(narr) {
			cut := narr[:room]
			last := cut[room-1] + " " + narr[room]
			cut[room-1], _ = elide(m, last, size, w)
			narr = cut
		}
	}
	for _, l := range narr {
		b.lines = append(b.lines, lessonLine{l, x0, y, size, lineText})
		y += lh
	}
	y += size * 0.4
	for _, l := range rest {
		l.y += y
		b.lines = append(b.lines, l)
	}
	for i, bt := range restBtns {
		bt.r.Y += y
		b.buttons = append(b.buttons, bt)
		b.marks = append(b.marks, restMarks[i])
	}
	return b, fits && y+ry <= bottom
}

// lessonText gathers the panel's text for the step shown.
func (a *App) lessonText() *lessonIn {
	t := a.tut
	s := &t.l.Steps[t.step]
	in := &lessonIn{
		head:      a.tr("lesson.head", t.l.Title.In(a.Lang), t.step+1, len(t.l.Steps)),
		narration: s.Narration.In(a.Lang),
		open:      t.open(),
		hintBtn:   a.tr("lesson.button.hint"), skipBtn: a.tr("lesson.button.skip"),
		submitBtn: a.tr("lesson.button.submit"),
		prevBtn:   a.tr("lesson.button.prev"), nextBtn: a.tr("lesson.button.next"),
		class: a.classLines(),
	}
	if c := a.class; c != nil && c.teach != nil {
		in.classBtn = a.tr("lesson.button.unlock")
		if c.teach.Position().Free {
			in.classBtn = a.tr("lesson.button.lock")
		}
	}
	if s.Real != "" && !t.open() {
		in.tryBtn = a.tr("lesson.button.try")
	}
	q := s.Question
	if q == nil {
		return in
	}
	in.prompt = q.Prompt.In(a.Lang)
	res := t.results[t.step]
	shown := t.moments[t.step].Expected // what the run shows
	for i, c := range q.Choices {
		label := c.EN
		if a.Lang == "zh" {
			label = c.ZH
		}
		in.choices = append(in.choices, strconv.Itoa(i+1)+"  "+label)
		mk := markNone
		switch {
		case res == progress.Unanswered:
		case strings.EqualFold(c.Value, shown.Word):
			mk = markAnswer
		case res == progress.Wrong && c.Value == t.given[t.step]:
			mk = markPicked
		}
		in.marks = append(in.marks, mk)
	}
	if q.Kind == "number" {
		switch res {
		case progress.Unanswered:
			in.typed = a.tr("lesson.typing", t.typed)
		case progress.Skipped:
			in.typed = a.tr("lesson.answer", shown.String())
		default:
			in.typed = a.tr("lesson.answered", t.given[t.step], shown.String())
		}
	}
	switch res {
	case progress.Right:
		in.feedback, in.fbKind = a.tr("lesson.right", q.Explain.Right.In(a.Lang)), lineRight
	case progress.Wrong:
		in.feedback, in.fbKind = a.tr("lesson.wrong", q.Explain.Wrong.In(a.Lang)), lineWrong
	case progress.Skipped:
		in.feedback, in.fbKind = a.tr("lesson.skipped", q.Explain.Wrong.In(a.Lang)), lineWrong
	default:
		if t.hints[t.step] {
			in.feedback, in.fbKind = a.tr("lesson.hint", q.Hint.In(a.Lang)), lineHint
		}
	}
	return in
}

// lessonBox lays out the panel for a w×h screen.
func (a *App) lessonBox(g *regions) lessonBox {
	width := estWidth
	if a.pt != nil {
		width = a.pt.width
	}
	return lessonLayout(width, g.topo, a.Theme, a.lessonText())
}

// drawLesson paints the lesson panel over the topology's place.
func (a *App) drawLesson(dst *ebiten.Image, g *regions) {
	p, th, b := a.pt, a.Theme, a.pt.b
	lb := a.lessonBox(g)
	r := lb.r
	b.rect(dst, r.X+2, r.Y+2, r.W-4, r.H-4, th.Panel)
	b.rect(dst, r.X+2, r.Y+2, 4, r.H-4, th.Cursor)
	for i, bt := range lb.buttons {
		b.rect(dst, bt.r.X, bt.r.Y, bt.r.W, bt.r.H, th.Grid)
		switch lb.marks[i] {
		case markAnswer:
			b.frame(dst, bt.r.X, bt.r.Y, bt.r.W, bt.r.H, 2, th.Ack)
		case markPicked:
			b.frame(dst, bt.r.X, bt.r.Y, bt.r.W, bt.r.H, 2, th.Drop)
		}
	}
	b.flush(dst)
	in := clip(dst, r)
	for i, bt := range lb.buttons {
		size := lb.size
		if i < lb.head { // the step buttons, on the head row
			size *= 0.9
		}
		p.text(in, bt.label, bt.r.X+bt.r.W/2, bt.r.Y+(bt.r.H-size*lineH)/2, size, th.Fg, alignCenter)
	}
	for _, l := range lb.lines {
		p.text(in, l.s, l.x, l.y, l.size, lineColour(th, l.kind), alignStart)
	}
}

// lineColour is the colour of a kind of line.
func lineColour(th *layout.Theme, k lineKind) color.RGBA {
	switch k {
	case lineHead:
		return th.Dim
	case linePrompt, lineTyped:
		return th.Cursor
	case lineClass:
		return th.Ack
	}
	return th.Fg
}

// veiled returns the panels that would give the open question's answer
// away: the event list (the events to come, the state just entered) and
// the host panel (the state, RCV.NXT: the next ack). They are covered
// until the question is answered or skipped.
func (a *App) veiled(g *regions) []layout.Rect {
	if _, ok := a.Gate(); !ok {
		return nil
	}
	var rs []layout.Rect
	for _, r := range []layout.Rect{g.events, g.host} {
		head := g.row * 1.4 // the heading stays
		rs = append(rs, layout.Rect{X: r.X + 2, Y: r.Y + head, W: r.W - 4, H: r.H - head - 2})
	}
	return rs
}

// drawVeil covers the veiled panels with a note saying why.
func (a *App) drawVeil(dst *ebiten.Image, g *regions) {
	rs := a.veiled(g)
	if rs == nil {
		return
	}
	p, th := a.pt, a.Theme
	for _, r := range rs {
		p.b.rect(dst, r.X, r.Y, r.W, r.H, th.Panel)
	}
	p.b.flush(dst)
	for _, r := range rs {
		s, _ := elide(p.width, a.tr("lesson.veil"), th.Small*0.9, r.W-24)
		p.text(dst, s, r.X+10, r.Y+2, th.Small*0.9, th.Dim, alignStart)
	}
}

// lessonClick handles a click on the lesson panel: its buttons do what
// their keys do. A click on a veiled panel does nothing. It reports
// whether the click was taken.
func (a *App) lessonClick(g *regions, p layout.Pt) bool {
	for _, r := range a.veiled(g) {
		if r.Contains(p) {
			return true
		}
	}
	if a.tut == nil || !g.topo.Contains(p) {
		return false
	}
	for _, bt := range a.lessonBox(g).buttons {
		if bt.r.Contains(p) {
			a.key(bt.key, false, false)
			break
		}
	}
	return true
}
