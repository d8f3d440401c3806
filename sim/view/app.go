// Package view is socketlab's playground renderer: a topology view, a
// ladder diagram, an event list, a packet inspector, a host panel and a
// time–sequence plot, all on one time cursor over a trace.Trace, with the
// controls to play, step, scrub, change the impairments and ask "what if
// this packet were lost?". A lesson (lesson.go) takes the topology's
// place and asks its questions before the run shows the answers; the
// code panel (code.go) puts the textbook's program beside the ladder.
//
// App holds the state and handles Input; it calls no ebiten input or
// window function, so its tests run without a display. Draw (draw.go)
// paints an App on an *ebiten.Image; Run (run.go) opens the window. The
// geometry and texts come from the display-free package layout.
package view

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"socketlab/sim"
	"socketlab/sim/caption"
	"socketlab/sim/class"
	"socketlab/sim/lesson"
	"socketlab/sim/tcp"
	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
	"socketlab/sim/view/progress"
	"socketlab/textbook"
)

// TPS is the number of Update calls per second; virtual time advances by
// speed × base rate / TPS each tick.
const TPS = 60

// Speed limits of the play control.
const (
	MinSpeed = 0.05
	MaxSpeed = 50
)

// Options configure an App.
type Options struct {
	Source    Source
	Request   Request // what to show first
	Lang      string  // "en" or "zh"
	Projector bool    // classroom theme: large type, high contrast, thick lines
	// Save stores a scenario document (Ctrl+S) and returns where it went.
	// Nil disables saving.
	Save func(doc []byte) (string, error)
	// Record stores a real run as JSON lines (Ctrl+S while a real run is
	// shown) and returns where it went; socketlab replay opens it again.
	// Nil disables recording.
	Record func(doc []byte) (string, error)
	// Lesson opens the playground on a lesson (lesson.go): Request is
	// replaced by its steps' runs.
	Lesson *lesson.Lesson
	// Step is the lesson's step to open at, from 1; 0 opens it where the
	// learner left it (Progress), or at its start.
	Step int
	// Progress keeps the learner's progress in lessons; nil keeps none.
	Progress progress.Store
	// DrawEveryPacket draws every packet and arrow of a crowd, also where
	// an identical one lies already (overdraw.go); slower, and the frame
	// is the same. For comparing.
	DrawEveryPacket bool
	// Code opens the code panel (A): the textbook program beside the ladder.
	Code bool
	// CodeLang is the language the code panel shows the program in
	// (Shift+A switches): the textbook's Python, or its Go equivalent.
	CodeLang textbook.Lang
	// Teach makes the page the teacher of class room ClassName
	// (classroom.go): the lesson's step and cursor go to the students, E
	// unlocks their free exploration, the lesson panel shows how they
	// answered. Follow makes it a student's page, which follows the
	// teacher's lesson. Both need Lesson; nil outside a class.
	Teach     *class.Teacher
	Follow    *class.Student
	ClassName string
}

// ErrQuit is what Update returns when the user asked to close the
// playground (q, or Esc with nothing open to close).
var ErrQuit = errors.New("quit")

// App is the playground's state. The zero value is not usable: use New.
type App struct {
	src    Source
	req    Request
	save   func([]byte) (string, error)
	exact  bool // Options.DrawEveryPacket
	record func([]byte) (string, error)

	M         *layout.Model // the current run
	Ghost     *layout.Model // the previous branch, drawn faded for comparison
	Cur       layout.Cursor
	Playing   bool
	Speed     float64 // 1 = one median link flight per second of wall time
	Lang      string
	Theme     *layout.Theme // what Draw uses: a copy of one of layout.Themes, type scaled
	scaled    layout.Theme  // the copy Theme points at
	typeScale float64       // its type's factor (TypeScales)

	Sel       int // selected flight, -1 for none
	Node      int // host shown in the host panel and the plot
	Help      bool
	Picker    bool
	ShowGhost bool
	Span      time.Duration // ladder window
	Status    string        // the last message for the status line (errors too)
	quit      bool          // q or Esc asked to close the window
	// Prompt is the text being typed (T in a live run: a HOST:PORT);
	// Prompting says the prompt is open and keys go to it.
	Prompt    string
	Prompting bool

	presets  []Preset
	undo     [][]WhatIf
	redo     [][]WhatIf
	sliders  [nSliders]float64 // 0..1 positions
	drag     dragKind
	dragIdx  int
	evTop    int  // first row of the event list
	evFollow bool // the list scrolls with the cursor
	w, h     int

	// Live: the cursor follows the live edge of a live stream. Scrubbing
	// or stepping back leaves it; End comes back.
	Live bool
	// Real: the run comes from real sockets (a live stream, a recording),
	// not the simulator: it has no seed, sliders or what-ifs.
	Real bool

	spanAuto bool // the ladder's zoom follows a growing run until the user zooms
	zoomHeld bool // the user zoomed: stepping keeps their zoom

	stream Stream   // what still feeds M; nil once the run is complete
	next   *pending // a re-run on its way in, shown when complete
	buf    []trace.Event
	ticks  int // Update calls so far: the view's clock for throttling

	// Code: the code panel (A) is asked for (code.go), in CodeLang.
	Code     bool
	CodeLang textbook.Lang
	code     codeCache

	tut      *tutor         // the open lesson, nil without one
	try      *tryRun        // the step's real run beside it (tryreal.go), nil without one
	class    *classroom     // the page's part in a class room, nil outside one
	marks    []int          // the flights the lesson's step highlights
	progress progress.Store // where the lesson progress is kept

	snap   layout.Snapshot
	labels textCache // flight labels, computed on first use
	events textCache // event-list lines, computed on first use
	seq    seqCache
	caps   *caption.Contexts // the captions' contexts, walked as the run arrives
	pt     *painter          // drawing resources, made on the first Draw
	axis   []time.Duration
}

// textCache keeps the texts computed for what is on screen — the event
// list's lines, the ladder's labels — by index. It holds at most
// textCacheSize and starts afresh beyond that: a frame shows a few hundred,
// and one string per event of a long run would cost more than the run.
type textCache map[int]string

const textCacheSize = 1 << 14

func (c *textCache) reset() { *c = textCache{} }

// forget drops the text of i, which has changed.
func (c textCache) forget(i int) { delete(c, i) }

// get returns the text of i, made by mk on a miss.
func (c *textCache) get(i int, mk func() string) string {
	if s, ok := (*c)[i]; ok {
		return s
	}
	if len(*c) >= textCacheSize || *c == nil {
		c.reset()
	}
	s := mk()
	(*c)[i] = s
	return s
}

// pending is a re-run that is still arriving. The App keeps showing the
// current run, with a progress bar, until the new one is complete (or, for
// a live stream, at once), then swaps them.
type pending struct {
	m      *layout.Model
	stream Stream
	t      time.Duration // the cursor time to keep
	ghost  bool          // keep the run it replaces as the ghost
	after  func()        // what to do once it is shown
}

// pumpBudget bounds the events taken from a stream per tick: indexing
// 20,000 events takes a few milliseconds, well inside a frame.
const pumpBudget = 20_000

// annotateBudget is how many events of a growing run the captions walk
// in one tick at most (about 3 ms).
const annotateBudget = 2048

type dragKind uint8

const (
	dragNone dragKind = iota
	dragScrub
	dragSlider
)

// New opens the first request and returns the App, or the error that
// gave (a bad scenario file, an unknown preset). A finite run is taken in
// whole before New returns — the window is not open yet; a live one goes
// on arriving while the window shows it.
func New(o Options) (*App, error) {
	a := &App{src: o.Source, req: o.Request.Clone(), save: o.Save, record: o.Record, exact: o.DrawEveryPacket, Speed: 1, Lang: o.Lang, Sel: -1, Node: -1,
		ShowGhost: true, evFollow: true, w: 1280, h: 800, Code: o.Code, CodeLang: o.CodeLang}
	if a.Lang != "zh" {
		a.Lang = "en"
	}
	a.setTheme(&layout.Screen, 1)
	if o.Projector {
		a.setTheme(&layout.Projector, 1)
	}
	a.presets = a.src.Presets()
	var tut *tutor
	if o.Lesson != nil {
		var err error
		if tut, err = openLesson(o.Lesson); err != nil {
			return nil, err
		}
		tut.step = resumeStep(o.Progress, o.Lesson)
		if o.Step > 0 {
			tut.step = min(o.Step, len(o.Lesson.Steps)) - 1
		}
		a.req, a.progress = tut.reqs[tut.step].Clone(), o.Progress
	}
	st, err := a.src.Open(a.req)
	if err != nil {
		return nil, err
	}
	p := &pending{m: layout.NewStream(st.Header()), stream: st}
	if !st.Live() {
		if err := a.drain(p); err != nil {
			st.Close()
			return nil, err
		}
	}
	a.show(p)
	a.Cur = layout.Cursor{} // before the first event: → shows it
	a.slidersFromHeader()
	if tut != nil {
		a.tut = tut
		a.GotoStep(tut.step)
		if o.Teach != nil || o.Follow != nil {
			a.class = &classroom{name: o.ClassName, teach: o.Teach, follow: o.Follow}
			if o.Teach != nil {
				a.class.follow = nil
			}
		}
	}
	return a, nil
}

// drain takes p's stream to its end.
func (a *App) drain(p *pending) error {
	for {
		ended, err := a.take(p.m, p.stream)
		if ended {
			p.stream.Close()
			p.stream = nil
			return err
		}
		p.stream.Wait()
	}
}

// take moves what has arrived on st into m, at most pumpBudget events.
func (a *App) take(m *layout.Model, st Stream) (ended bool, err error) {
	a.buf, ended, err = st.Take(a.buf[:0], pumpBudget)
	m.Append(a.buf...)
	clear(a.buf) // let payloads go
	return ended, err
}

// show makes p the current run and puts the cursor at p.t.
func (a *App) show(p *pending) {
	if a.stream != nil {
		a.stream.Close()
	}
	a.M, a.stream = p.m, p.stream
	if a.stream == nil {
		a.buf = nil // a batch's room (20,000 events, 11 MB): the run is complete
	}
	a.Live = a.stream != nil && a.stream.Live()
	a.Real = a.Live
	a.annotate()
	a.Cur = a.M.At(p.t)
	a.labels.reset()
	a.events.reset()
	a.seq = seqCache{}
	if a.Sel >= len(a.M.Flights) {
		a.Sel = -1
	}
	if a.Node < 0 || a.Node >= len(a.M.Nodes) {
		a.Node = a.defaultNode()
	}
	if a.Span == 0 || a.Live { // a re-run keeps the zoom; a new scenario resets it
		a.Span = a.M.DefaultSpan()
		a.spanAuto = a.Live
	}
	a.evFollow = true
}

// annotate starts the captions' contexts of the run shown, and walks what
// has arrived of it.
func (a *App) annotate() {
	a.caps = caption.NewContexts(&a.M.Header, a.M)
	a.caps.Advance(a.M.Len(), a.stream == nil)
}

// pump takes what the streams have delivered since the last tick: the
// current run's, and a re-run's on its way in. It never waits.
func (a *App) pump() {
	if p := a.next; p != nil {
		ended, err := a.take(p.m, p.stream)
		switch {
		case err != nil:
			p.stream.Close()
			a.next = nil
			a.Status = a.tr("status.error", err.Error())
		case ended || p.stream.Live():
			if ended {
				p.stream.Close()
				p.stream = nil
			}
			a.next = nil
			old := a.M
			a.show(p)
			a.Ghost = nil
			if p.ghost {
				a.Ghost = old
			}
			if p.after != nil {
				p.after()
			}
		}
	}
	if a.stream == nil {
		return
	}
	before := a.M.Len()
	ended, err := a.take(a.M, a.stream)
	// A flight's label changes when its end arrives (a drop, the round
	// trip a live page measured): labels drawn while it flew are stale.
	for i := before; i < a.M.Len(); i++ {
		if fi, ok := a.M.FlightOf(i); ok {
			a.labels.forget(fi)
		}
	}
	if ended {
		a.stream.Close()
		a.stream = nil
		a.buf = nil
		if err != nil && !errors.Is(err, trace.ErrFeedClosed) {
			a.Status = a.tr("status.error", err.Error())
		}
	}
	// A live run's captions follow it a tick at a time: a walk of what
	// arrived since, bounded so that a burst never stalls the frame.
	a.caps.Advance(annotateBudget, a.stream == nil)
	if a.spanAuto {
		a.Span = a.M.DefaultSpan()
	}
	if a.Live {
		a.Cur = a.M.At(a.M.End)
		a.evFollow = true
	}
}

// pan moves the ladder a third of its height earlier or later: the
// cursor moves with it (the ladder follows the cursor), playback pauses
// and a live run stops following its edge until End.
func (a *App) pan(later bool) {
	d := a.M.Display(a.Cur.T)
	step := max(a.Span/3, 1)
	if later {
		d += step
	} else {
		d = max(d-step, 0)
	}
	a.Playing = false
	a.SetTime(min(a.M.Real(d), a.M.End))
}

// stepZoom fits the ladder's zoom to the step just taken: zoomed in on a
// burst until its arrows stand apart, back to the run's own span
// elsewhere (layout.StepSpan) — unless the user chose a zoom (+, −,
// wheel), which stepping keeps.
func (a *App) stepZoom() {
	if a.zoomHeld || a.stream != nil && a.stream.Live() {
		return
	}
	g := a.regions(a.w, a.h)
	a.Span = a.M.StepSpan(a.Cur.T, g.ladder.H, a.Theme.Small*1.6)
}

// nextTheme switches to the next of layout.Themes and says which.
func (a *App) nextTheme() {
	i := slices.IndexFunc(layout.Themes, func(th *layout.Theme) bool { return th.Name == a.Theme.Name })
	a.setTheme(layout.Themes[(i+1)%len(layout.Themes)], a.typeScale)
	a.Status = a.tr("status.theme", a.tr(themeKey(a.Theme.Name)))
}

// TypeScales are the type sizes F steps through, as factors of the
// theme's own. The largest still leaves every panel its rows at 1280×800
// (the projector theme's at 1600×1000): TestLayoutFitsLargeType.
var TypeScales = []float64{1, 1.15, 1.3}

// setTheme draws with th, its type scaled by scale (1: as the theme has
// it): the App keeps its own copy, so the themes themselves never change.
func (a *App) setTheme(th *layout.Theme, scale float64) {
	a.typeScale = scale
	a.scaled = *th
	a.scaled.Text *= scale
	a.scaled.Small *= scale
	a.Theme = &a.scaled
}

// nextTypeScale makes the type larger, and after the largest, the
// theme's own size again.
func (a *App) nextTypeScale() {
	i := slices.Index(TypeScales, a.typeScale)
	base := layout.Themes[max(slices.IndexFunc(layout.Themes, func(th *layout.Theme) bool { return th.Name == a.Theme.Name }), 0)]
	a.setTheme(base, TypeScales[(i+1)%len(TypeScales)])
	pct := fmt.Sprintf("%d%%", int(a.typeScale*100+0.5))
	a.Status = a.tr("status.typesize", pct)
}

// selectCurrent selects the packet of the latest event up to the cursor
// that has one, or before any, of the next: the keyboard's way to pick a
// packet for a what-if.
func (a *App) selectCurrent() {
	for i := a.Cur.N - 1; i >= 0; i-- {
		if fi, ok := a.M.FlightOf(i); ok {
			a.Sel = fi
			return
		}
	}
	for i := a.Cur.N; i < a.M.Len(); i++ {
		if fi, ok := a.M.FlightOf(i); ok {
			a.Sel = fi
			return
		}
	}
}

// StateText says in a few words what the cursor is doing, for the top
// bar: following a live run (LIVE), held back in one while it goes on
// arriving, waiting for a re-run, playing or paused.
func (a *App) StateText() string {
	if prog, ok := a.Loading(); ok {
		return a.tr("state.loading", int(prog*100))
	}
	live := a.stream != nil && a.stream.Live()
	switch {
	case a.Live:
		return a.tr("state.live")
	case live && a.Playing:
		return a.tr("state.replaying")
	case live:
		return a.tr("state.paused.live")
	case a.Playing:
		return a.tr("state.playing")
	}
	return a.tr("state.paused")
}

// maxPrompt bounds the text typed at the prompt.
const maxPrompt = 255

// prompt feeds one tick of typing to the open prompt: characters,
// Backspace, Enter (use it) and Esc (cancel).
func (a *App) prompt(in Input) {
	for _, r := range in.Chars {
		if r >= ' ' && r != 0x7f && len(a.Prompt) < maxPrompt {
			a.Prompt += string(r)
		}
	}
	for _, k := range in.Keys {
		switch k {
		case KeyBackspace:
			if rs := []rune(a.Prompt); len(rs) > 0 {
				a.Prompt = string(rs[:len(rs)-1])
			}
		case KeyEscape:
			a.Prompting = false
			a.Status = ""
			return
		case KeyEnter:
			t, _ := a.src.(Targeter)
			if t == nil {
				a.Prompting = false
				return
			}
			if err := t.SetTarget(a.Prompt); err != nil {
				a.Status = a.tr("status.error", err.Error())
				return // keep the prompt open to fix it
			}
			a.Prompting = false
			a.Status = a.tr("status.target", a.Prompt, len(a.Actions()))
			return
		}
	}
}

// Actions returns what the user can make happen in the current run: the
// source's actions while a real run is shown, else none.
func (a *App) Actions() []Action {
	if act, ok := a.src.(Actor); ok && a.Real {
		return act.Actions()
	}
	return nil
}

// Act runs action i of the source (keys 1–9); the status line says what
// started, or why not.
func (a *App) Act(i int) {
	acts := a.Actions()
	if i < 0 || i >= len(acts) {
		if len(acts) == 0 {
			a.Status = a.tr("status.nolive")
		}
		return
	}
	if err := a.src.(Actor).Do(i); err != nil {
		a.Status = a.tr("status.error", err.Error())
		return
	}
	sum := acts[i].Summary
	if a.Lang == "zh" && acts[i].SummaryZH != "" {
		sum = acts[i].SummaryZH
	}
	a.Status = a.tr("status.running", acts[i].Name, sum)
	if a.stream != nil && a.stream.Live() {
		a.Live, a.Playing = true, false // watch it happen
	}
}

// Loading reports whether a re-run is on its way in, and how far it is.
func (a *App) Loading() (progress float64, ok bool) {
	if a.next == nil {
		return 0, false
	}
	return a.next.stream.Progress(), true
}

// Streaming reports whether the current run is still arriving.
func (a *App) Streaming() bool { return a.stream != nil }

// Settle waits until a re-run on its way in is shown: for a screenshot or
// a test, never inside the window's Update.
func (a *App) Settle() {
	for a.next != nil {
		a.next.stream.Wait()
		a.pump()
	}
}

// CatchUp takes every event that has arrived so far, without waiting for
// more: for a screenshot of a live run, never inside the window's Update.
func (a *App) CatchUp() {
	a.Settle()
	for idle := 0; idle <= feedHold; { // a live stream holds events feedHold takes
		n := a.M.Len()
		a.pump()
		if a.M.Len() == n {
			idle++
		} else {
			idle = 0
		}
	}
	for !a.caps.Advance(a.M.Len(), a.stream == nil) {
	}
}

// Close stops the streams the App reads.
func (a *App) Close() {
	if a.try != nil && a.try.stream != nil {
		a.try.stream.Close()
		a.try.stream = nil
	}
	if a.next != nil {
		a.next.stream.Close()
		a.next = nil
	}
	if a.stream != nil {
		a.stream.Close()
		a.stream = nil
	}
}

// defaultNode picks the host whose sending is most interesting: the one
// that sends the most payload bytes — with the code panel asked for, of
// the hosts that run a textbook program (a DNS server's answers
// outweigh the queries of the client whose Python is the lesson).
func (a *App) defaultNode() int {
	sent := make([]int, len(a.M.Nodes))
	for i := range a.M.Flights {
		f := &a.M.Flights[i]
		sent[f.From] += a.M.Packet(i).Len() + 1
	}
	pick := func(ok func(n int) bool) int {
		best, bytes := -1, -1
		for n, b := range sent {
			if a.M.Nodes[n].Kind == trace.NodeHost && b > bytes && ok(n) {
				best, bytes = n, b
			}
		}
		return best
	}
	if a.Code {
		if n := pick(func(n int) bool { return a.listing(a.M.Nodes[n].Name) != nil }); n >= 0 {
			return n
		}
	}
	return max(pick(func(int) bool { return true }), 0)
}

// Request returns a copy of what the App currently shows.
func (a *App) Request() Request { return a.req.Clone() }

// Label returns flight fi's ladder label, cached.
func (a *App) Label(fi int) string {
	return a.labels.get(fi, func() string { return a.M.FlightLabelIn(fi, a.Lang == "zh") })
}

// EventLine returns event i's line in the event list, cached.
func (a *App) EventLine(i int) string {
	return a.events.get(i, func() string { return a.M.EventTextIn(i, a.Lang == "zh") })
}

// Caption returns the caption of the current event in the App's language:
// the shared catalogue's sentence, or the renderer's own short one for an
// event the catalogue does not cover.
func (a *App) Caption() string {
	i := a.Cur.Current()
	if c := a.caps.At(i); c != nil {
		if s := caption.For(a.M.Event(i), c, a.capLang()); s != "" {
			return s
		}
	}
	return captionFor(a.M, i, a.Lang)
}

// Snapshot returns what is on screen at the cursor. The result is reused
// by the next call.
func (a *App) Snapshot() *layout.Snapshot {
	a.M.Take(&a.snap, a.Cur)
	return &a.snap
}

// SetTime moves the cursor to t (scrubbing); it leaves the live edge.
func (a *App) SetTime(t time.Duration) {
	a.Cur = a.M.At(t)
	a.Live = false
	a.evFollow = true
}

// rate is virtual time per wall second at speed 1: one median link flight,
// so that a LAN and a satellite link both play at a watchable pace.
func (a *App) rate() time.Duration { return max(a.M.Linger/3, time.Microsecond) }

// Update handles one tick of input and advances the cursor when playing.
func (a *App) Update(in Input) error {
	if in.Width > 0 && in.Height > 0 {
		a.w, a.h = in.Width, in.Height
	}
	if in.Dropped != nil {
		a.openDoc(in.DroppedName, in.Dropped)
	}
	a.ticks++
	a.pump()
	a.pumpTry()
	if a.Prompting {
		a.prompt(in)
	} else {
		a.typeChars(in.Chars)
		for _, k := range in.Keys {
			a.key(k, in.Ctrl, in.Shift)
		}
	}
	a.mouse(in)
	if a.Playing && !a.Live {
		dt := time.Duration(a.Speed * float64(a.rate()) / TPS)
		a.Cur = a.M.Advance(a.Cur, max(dt, 1))
		a.evFollow = true
		if a.Cur.N >= a.M.Len() && a.Cur.T >= a.M.End {
			a.Playing = false
			a.Live = a.stream != nil && a.stream.Live() // caught up: follow again
		}
	}
	a.classTick()
	a.holdGate()
	if a.quit {
		return ErrQuit
	}
	return nil
}

func (a *App) key(k Key, ctrl, shift bool) {
	if a.followLocked(k) {
		a.Status = a.tr("status.class.following")
		return
	}
	if a.classKey(k) || a.lessonKey(k) {
		return
	}
	switch k {
	case KeySpace:
		if a.Live { // pause a live run where it is; it goes on arriving
			a.Live, a.Playing = false, false
			break
		}
		if !a.Playing && a.Cur.N >= a.M.Len() && a.stream == nil {
			a.Cur = layout.Cursor{} // play again from the start
		}
		a.Playing = !a.Playing
	case KeyRight:
		a.Playing, a.Live = false, false
		a.Cur = a.M.Next(a.Cur)
		a.evFollow = true
		a.stepZoom()
	case KeyLeft:
		a.Playing, a.Live = false, false
		a.Cur = a.M.Prev(a.Cur)
		a.evFollow = true
		a.stepZoom()
	case KeyUp:
		a.SetSpeed(a.Speed * 2)
	case KeyDown:
		a.SetSpeed(a.Speed / 2)
	case KeyR, KeyHome:
		a.Cur = layout.Cursor{}
		a.Live = false
		a.evFollow = true
	case KeyEnd: // the end; of a live run, its live edge, followed again
		a.Cur = a.M.At(a.M.End)
		a.Live = a.stream != nil && a.stream.Live()
		a.evFollow = true
	case KeyC:
		if a.Lang == "zh" {
			a.Lang = "en"
		} else {
			a.Lang = "zh"
		}
		a.events.reset() // the event list and the ladder's labels speak the new language
		a.labels.reset()

	case KeyH:
		a.Help = !a.Help
	case KeyV:
		a.nextTheme()
	case KeyF:
		a.nextTypeScale()
	case KeyK:
		if a.Profile() == linuxProfile {
			a.SetProfile(tcp.ProfileRFC.String())
		} else {
			a.SetProfile(linuxProfile)
		}
	case KeyPageUp, KeyPageDown:
		a.pan(k == KeyPageDown)
	case KeyEnter:
		a.selectCurrent()
	case KeyP:
		a.Picker = !a.Picker
	case KeyG:
		a.ShowGhost = !a.ShowGhost
	case KeyEscape:
		if !a.Help && !a.Picker && a.Sel < 0 {
			a.quit = true // nothing to close: Esc closes the window
		}
		a.Help, a.Picker, a.Sel = false, false, -1
	case KeyQ:
		a.quit = true
	case Key1, Key2, Key3, Key4, Key5, Key6, Key7, Key8, Key9:
		a.Act(int(k - Key1))
	case KeyT:
		if _, ok := a.src.(Targeter); ok && a.Real {
			a.Prompting, a.Prompt = true, ""
			a.Status = a.tr("status.prompt")
		}
	case KeyD: // failures show on the status line
		_ = a.WhatIf("drop")
	case KeyL:
		_ = a.WhatIf("delay")
	case KeyU:
		_ = a.WhatIf("duplicate")
	case KeyZ:
		if ctrl && shift {
			a.Redo()
		} else {
			a.Undo()
		}
	case KeyY:
		a.Redo()
	case KeyS:
		if ctrl {
			a.Save()
		}
	case KeyN:
		s := a.M.Header.Seed + 1
		if shift {
			s = a.M.Header.Seed - 1
		}
		a.SetSeed(s)
	case KeyPlus:
		a.spanAuto, a.zoomHeld = false, true
		a.Span = max(a.Span/2, time.Microsecond)
	case KeyMinus:
		a.spanAuto, a.zoomHeld = false, true
		a.Span = min(a.Span*2, max(a.M.Display(a.M.End)*2, time.Millisecond))
	case KeyA:
		if shift {
			a.switchCodeLang()
		} else {
			a.toggleCode()
		}
	case KeyTab:
		for i := 1; i <= len(a.M.Nodes); i++ {
			n := (a.Node + i) % len(a.M.Nodes)
			if a.M.Nodes[n].Kind == trace.NodeHost {
				a.Node = n
				break
			}
		}
		a.seq = seqCache{}
	}
}

// SetSpeed clamps s to [MinSpeed, MaxSpeed].
func (a *App) SetSpeed(s float64) { a.Speed = min(max(s, MinSpeed), MaxSpeed) }

// rerun opens req and makes it the request; the run is shown once it
// has arrived (after runs then), keeping the cursor time. ghost keeps the
// old run visible for comparison. A re-run still on its way in is
// abandoned for the new one. If req cannot run, the error goes to the
// status line and is returned.
func (a *App) rerun(req Request, ghost bool, after func()) error {
	st, err := a.src.Open(req)
	if err != nil {
		a.Status = a.tr("status.error", err.Error())
		return err
	}
	if a.next != nil {
		a.next.stream.Close()
	}
	a.req = req
	a.next = &pending{m: layout.NewStream(st.Header()), stream: st, t: a.Cur.T, ghost: ghost, after: after}
	a.pump() // a run that is ready at once (a fixture, a short one) shows in this tick
	return nil
}

// ErrNoSelection is WhatIf's error when no packet is selected.
var ErrNoSelection = errors.New("no packet selected")

// ErrRealRun is WhatIf's error on a real run: only a simulation can be
// run again with a packet dropped.
var ErrRealRun = errors.New("what-ifs, seeds and sliders need the simulator; this run is real")

// realRun reports, on the status line, that the run cannot be re-run.
func (a *App) realRun() bool {
	if a.Real {
		a.Status = a.tr("status.realrun")
	}
	return a.Real
}

// WhatIf re-runs the scenario with the selected packet dropped, delayed or
// duplicated, with the same seed; the old run stays visible as a ghost
// once the re-run has arrived (Settle waits for that). It returns
// ErrNoSelection, or why the re-run cannot start; the status line says
// the same.
func (a *App) WhatIf(action string) error {
	if a.realRun() {
		return ErrRealRun
	}
	if a.Sel < 0 {
		a.Status = a.tr("status.select")
		return ErrNoSelection
	}
	f := &a.M.Flights[a.Sel]
	w := WhatIf{Packet: f.ID, Action: action}
	if action == "delay" {
		// Long enough to overtake the packets behind it: two flight times.
		w.Delay = max(2*(f.End-f.Start), time.Millisecond).Round(time.Millisecond)
	}
	req := a.req.Clone()
	req.WhatIfs = append(req.WhatIfs, w)
	prev := slices.Clone(a.req.WhatIfs)
	status := a.tr("status.whatif", a.tr(whatIfKey(action)), w.Packet)
	if err := a.rerun(req, true, func() { a.Status = status }); err != nil {
		return err
	}
	a.undo = append(a.undo, prev)
	a.redo = nil
	a.Sel = -1
	return nil
}

// SelectPacket selects the first flight of packet id, as a click would.
func (a *App) SelectPacket(id uint64) bool {
	for i := range a.M.Flights {
		if a.M.Flights[i].ID == id {
			a.Sel = i
			return true
		}
	}
	return false
}

// Undo removes the last what-if.
func (a *App) Undo() {
	if len(a.undo) == 0 {
		a.Status = a.tr("status.noundo")
		return
	}
	req := a.req.Clone()
	req.WhatIfs = a.undo[len(a.undo)-1]
	cur := slices.Clone(a.req.WhatIfs)
	if a.rerun(req, true, func() { a.Status = a.tr("status.undone") }) == nil {
		a.undo = a.undo[:len(a.undo)-1]
		a.redo = append(a.redo, cur)
	}
}

// Redo re-applies the last undone what-if.
func (a *App) Redo() {
	if len(a.redo) == 0 {
		a.Status = a.tr("status.noredo")
		return
	}
	req := a.req.Clone()
	req.WhatIfs = a.redo[len(a.redo)-1]
	cur := slices.Clone(a.req.WhatIfs)
	if a.rerun(req, true, func() { a.Status = a.tr("status.redone") }) == nil {
		a.redo = a.redo[:len(a.redo)-1]
		a.undo = append(a.undo, cur)
	}
}

// SetSeed re-runs with another seed, keeping the cursor time.
func (a *App) SetSeed(s uint64) {
	if a.realRun() {
		return
	}
	req := a.req.Clone()
	req.Seed, req.HasSeed = s, true
	_ = a.rerun(req, false, func() { a.Status = a.tr("status.seed", s) })
}

// Profile is the TCP profile the run's hosts follow: the one chosen with
// SetProfile (key K), else the scenario's ("rfc" when it names none). A
// host with a profile of its own in the scenario keeps it until one is
// chosen.
func (a *App) Profile() string {
	if a.req.Profile != "" {
		return a.req.Profile
	}
	if sc, ok := a.src.(interface {
		Scenario(Request) (*sim.Scenario, error)
	}); ok {
		if s, err := sc.Scenario(a.req); err == nil && s.TCP.Profile != "" {
			return s.TCP.Profile
		}
	}
	return tcp.ProfileRFC.String()
}

// linuxProfile is the linux profile's name in scenarios.
var linuxProfile = tcp.ProfileLinux.String()

// SetProfile re-simulates with every host running the TCP profile p
// ("rfc", "linux"), keeping the what-ifs.
func (a *App) SetProfile(p string) {
	if a.realRun() {
		return
	}
	req := a.req.Clone()
	req.Profile = p
	key := "status.profile.rfc"
	if p == linuxProfile {
		key = "status.profile.linux"
	}
	_ = a.rerun(req, false, func() { a.Status = a.tr(key) })
}

// Pick switches to the named preset, dropping what-ifs and overrides.
func (a *App) Pick(name string) {
	req := Request{Preset: name, Seed: a.req.Seed, HasSeed: a.req.HasSeed}
	if a.rerun(req, false, func() { a.fresh(name) }) == nil {
		a.Sel, a.Picker = -1, false
		a.undo, a.redo = nil, nil
	}
}

func (a *App) openDoc(name string, doc []byte) {
	req := Request{Doc: doc, DocName: name}
	if a.rerun(req, false, func() { a.fresh(a.tr("status.opened", name)) }) == nil {
		a.Sel = -1
		a.undo, a.redo = nil, nil
	}
}

// fresh starts a new scenario at its beginning, with its own zoom and
// sliders.
func (a *App) fresh(status string) {
	a.Cur, a.Live = layout.Cursor{}, false
	a.Span, a.zoomHeld = a.M.DefaultSpan(), false
	a.slidersFromHeader()
	a.Status = status
}

// Save writes the scenario with its what-ifs and overrides.
func (a *App) Save() {
	if a.Real {
		a.saveRecording()
		return
	}
	if a.save == nil {
		a.Status = a.tr("status.nosave")
		return
	}
	doc, err := a.src.Encode(a.req)
	if err == nil {
		var where string
		if where, err = a.save(doc); err == nil {
			a.Status = a.tr("status.saved", where)
			return
		}
	}
	a.Status = a.tr("status.error", err.Error())
}

// saveRecording writes the real run so far as JSON lines.
func (a *App) saveRecording() {
	if a.record == nil {
		a.Status = a.tr("status.norecord")
		return
	}
	var b bytes.Buffer
	err := trace.WriteJSONL(&b, &trace.Trace{Header: a.M.Header, Events: a.M.Events()})
	if err == nil {
		var where string
		if where, err = a.record(b.Bytes()); err == nil {
			a.Status = a.tr("status.recorded", a.M.Len(), where)
			return
		}
	}
	a.Status = a.tr("status.error", err.Error())
}

// capLang is the app's language for the caption package.
func (a *App) capLang() caption.Lang {
	if a.Lang == "zh" {
		return caption.Chinese
	}
	return caption.English
}

// themeKey is the catalogue's key for the name of a theme of layout.Themes.
func themeKey(name string) string {
	switch name {
	case "high contrast":
		return "theme.high-contrast"
	case "projector":
		return "theme.projector"
	}
	return "theme.screen"
}

// whatIfKey is the catalogue's key for a what-if's action.
func whatIfKey(action string) string {
	switch action {
	case "delay":
		return "whatif.delay"
	case "duplicate":
		return "whatif.duplicate"
	}
	return "whatif.drop"
}

// Sliders: the live impairments, applied to every link.
const (
	sLoss = iota
	sDelay
	sJitter
	sReorder
	sDup
	sBand
	nSliders
)

// sliderKeys are the catalogue's keys for the sliders' names.
var sliderKeys = [nSliders]string{
	"slider.loss", "slider.delay", "slider.jitter", "slider.reorder", "slider.dup", "slider.bandwidth",
}

// Slider ranges. Bandwidth is logarithmic from 10 kbit/s to 1 Gbit/s; the
// far right end means unlimited.
const (
	maxLoss   = 0.5
	maxDelay  = 500 * time.Millisecond
	maxJitter = 100 * time.Millisecond
	maxProb   = 0.5
	bandLo    = 1e4
	bandHi    = 1e9
)

// slidersFromHeader sets the sliders to the scenario's own link: its
// bottleneck (the narrowest link, the one the lesson is about: "1 Mb/s
// bottleneck"), or the first link when none is narrower.
func (a *App) slidersFromHeader() {
	var p trace.LinkParams
	for i, l := range a.M.Header.Links {
		for _, d := range []trace.LinkParams{l.AB, l.BA} {
			if i == 0 && d == l.AB || d.Bandwidth > 0 && (p.Bandwidth == 0 || d.Bandwidth < p.Bandwidth) {
				p = d
			}
		}
	}
	a.sliders[sLoss] = p.Loss / maxLoss
	a.sliders[sDelay] = float64(p.Delay) / float64(maxDelay)
	a.sliders[sJitter] = float64(p.Jitter) / float64(maxJitter)
	a.sliders[sReorder] = p.Reorder / maxProb
	a.sliders[sDup] = p.Duplicate / maxProb
	a.sliders[sBand] = 1
	if p.Bandwidth > 0 {
		a.sliders[sBand] = math.Log(float64(p.Bandwidth)/bandLo) / math.Log(bandHi/bandLo) * 0.98
	}
	for i := range a.sliders {
		a.sliders[i] = min(max(a.sliders[i], 0), 1)
	}
}

// Override returns the link parameters the sliders stand for.
func (a *App) Override() LinkOverride {
	s := a.sliders
	o := LinkOverride{
		Loss:      math.Round(s[sLoss]*maxLoss*1000) / 1000,
		Delay:     time.Duration(s[sDelay] * float64(maxDelay)).Round(time.Millisecond / 10),
		Jitter:    time.Duration(s[sJitter] * float64(maxJitter)).Round(time.Millisecond / 10),
		Reorder:   math.Round(s[sReorder]*maxProb*1000) / 1000,
		Duplicate: math.Round(s[sDup]*maxProb*1000) / 1000,
	}
	if s[sBand] < 0.99 {
		bw := bandLo * math.Pow(bandHi/bandLo, s[sBand]/0.98)
		// Two significant digits: 10 kbit/s, 1.5 Mbit/s, 250 Mbit/s.
		e := math.Pow(10, math.Floor(math.Log10(bw))-1)
		o.Bandwidth = int64(math.Round(bw/e) * e)
	}
	return o
}

// SetSlider sets slider i to position v in [0, 1] and re-simulates.
func (a *App) SetSlider(i int, v float64) {
	a.sliders[i] = min(max(v, 0), 1)
	a.applySliders()
}

func (a *App) applySliders() {
	if a.realRun() {
		return
	}
	req := a.req.Clone()
	o := a.Override()
	req.Links = &o
	_ = a.rerun(req, false, func() { a.Status = a.sliderText(-1) })
}

func (a *App) sliderText(i int) string {
	o := a.Override()
	vals := [nSliders]string{
		fmt.Sprintf("%.1f%%", o.Loss*100), layout.FormatTime(o.Delay), layout.FormatTime(o.Jitter),
		fmt.Sprintf("%.1f%%", o.Reorder*100), fmt.Sprintf("%.1f%%", o.Duplicate*100), bandText(o.Bandwidth),
	}
	if i >= 0 {
		return vals[i]
	}
	s := ""
	for k := range vals {
		if k > 0 {
			s += "  "
		}
		s += a.tr(sliderKeys[k]) + " " + vals[k]
	}
	return s
}

func bandText(bps int64) string {
	switch {
	case bps == 0:
		return "∞"
	case bps >= 1e9:
		return strconv.FormatFloat(float64(bps)/1e9, 'g', 3, 64) + " Gbit/s"
	case bps >= 1e6:
		return strconv.FormatFloat(float64(bps)/1e6, 'g', 3, 64) + " Mbit/s"
	}
	return strconv.FormatFloat(float64(bps)/1e3, 'g', 3, 64) + " kbit/s"
}
