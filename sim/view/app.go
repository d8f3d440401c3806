// Package view is socketlab's playground renderer: a topology view, a
// ladder diagram, an event list, a packet inspector, a host panel and a
// time–sequence plot, all on one time cursor over a trace.Trace, with the
// controls to play, step, scrub, change the impairments and ask "what if
// this packet were lost?".
//
// App holds the state and handles Input; it calls no ebiten input or
// window function, so its tests run without a display. Draw (draw.go)
// paints an App on an *ebiten.Image; Run (run.go) opens the window. The
// geometry and texts come from the display-free package layout.
package view

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"socketlab/sim/caption"
	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
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
}

// App is the playground's state. The zero value is not usable: use New.
type App struct {
	src  Source
	req  Request
	save func([]byte) (string, error)

	M       *layout.Model // the current run
	Ghost   *layout.Model // the previous branch, drawn faded for comparison
	Cur     layout.Cursor
	Playing bool
	Speed   float64 // 1 = one median link flight per second of wall time
	Lang    string
	Theme   *layout.Theme

	Sel       int // selected flight, -1 for none
	Node      int // host shown in the host panel and the plot
	Help      bool
	Picker    bool
	ShowGhost bool
	Span      time.Duration // ladder window
	Status    string        // the last message for the status line (errors too)

	presets  []Preset
	undo     [][]WhatIf
	redo     [][]WhatIf
	sliders  [nSliders]float64 // 0..1 positions
	drag     dragKind
	dragIdx  int
	evTop    int  // first row of the event list
	evFollow bool // the list scrolls with the cursor
	w, h     int

	snap   layout.Snapshot
	labels []string // flight labels, computed on first use
	events []string // event-list lines, computed on first use
	seq    seqCache
	capCtx []caption.Context // per event, from caption.Annotate
	pt     *painter          // drawing resources, made on the first Draw
	ticks  []time.Duration
}

type dragKind uint8

const (
	dragNone dragKind = iota
	dragScrub
	dragSlider
)

// New runs the first request and returns the App, or the error that run
// gave (a bad scenario file, an unknown preset).
func New(o Options) (*App, error) {
	a := &App{src: o.Source, req: o.Request.Clone(), save: o.Save, Speed: 1, Lang: o.Lang, Sel: -1, Node: -1,
		ShowGhost: true, evFollow: true, w: 1280, h: 800}
	if a.Lang != "zh" {
		a.Lang = "en"
	}
	a.Theme = &layout.Screen
	if o.Projector {
		a.Theme = &layout.Projector
	}
	a.presets = a.src.Presets()
	tr, err := a.src.Run(a.req)
	if err != nil {
		return nil, err
	}
	a.setTrace(tr, 0)
	a.Cur = layout.Cursor{} // before the first event: → shows it
	a.slidersFromHeader()
	return a, nil
}

// setTrace makes tr the current run and puts the cursor at time t.
func (a *App) setTrace(tr *trace.Trace, t time.Duration) {
	a.M = layout.NewModel(tr)
	a.capCtx = caption.Annotate(tr)
	a.Cur = a.M.At(t)
	a.labels = make([]string, len(a.M.Flights))
	a.events = make([]string, len(tr.Events))
	a.seq = seqCache{}
	if a.Sel >= len(a.M.Flights) {
		a.Sel = -1
	}
	if a.Node < 0 || a.Node >= len(a.M.Nodes) {
		a.Node = a.defaultNode()
	}
	if a.Span == 0 { // a re-run keeps the zoom; a new scenario resets it
		a.Span = a.M.DefaultSpan()
	}
	a.evFollow = true
}

// defaultNode picks the host whose sending is most interesting: the one
// that sends the most payload bytes.
func (a *App) defaultNode() int {
	best, bytes := 0, -1
	sent := make([]int, len(a.M.Nodes))
	for i := range a.M.Flights {
		f := &a.M.Flights[i]
		sent[f.From] += a.M.Packet(i).Len() + 1
	}
	for n, b := range sent {
		if a.M.Nodes[n].Kind == trace.NodeHost && b > bytes {
			best, bytes = n, b
		}
	}
	return best
}

// Request returns a copy of what the App currently shows.
func (a *App) Request() Request { return a.req.Clone() }

// Label returns flight fi's ladder label, cached.
func (a *App) Label(fi int) string {
	if a.labels[fi] == "" {
		a.labels[fi] = a.M.FlightLabel(fi)
	}
	return a.labels[fi]
}

// EventLine returns event i's line in the event list, cached.
func (a *App) EventLine(i int) string {
	if a.events[i] == "" {
		a.events[i] = a.M.EventText(i)
	}
	return a.events[i]
}

// Caption returns the caption of the current event in the App's language:
// the shared catalogue's sentence, or the renderer's own short one for an
// event the catalogue does not cover.
func (a *App) Caption() string {
	i := a.Cur.Current()
	if i >= 0 && i < len(a.capCtx) {
		lang := caption.English
		if a.Lang == "zh" {
			lang = caption.Chinese
		}
		if s := caption.For(a.M.Event(i), &a.capCtx[i], lang); s != "" {
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

// SetTime moves the cursor to t (scrubbing).
func (a *App) SetTime(t time.Duration) {
	a.Cur = a.M.At(t)
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
	for _, k := range in.Keys {
		a.key(k, in.Ctrl, in.Shift)
	}
	a.mouse(in)
	if a.Playing {
		dt := time.Duration(a.Speed * float64(a.rate()) / TPS)
		a.Cur = a.M.Advance(a.Cur, max(dt, 1))
		a.evFollow = true
		if a.Cur.N >= a.M.Len() && a.Cur.T >= a.M.End {
			a.Playing = false
		}
	}
	return nil
}

func (a *App) key(k Key, ctrl, shift bool) {
	switch k {
	case KeySpace:
		if !a.Playing && a.Cur.N >= a.M.Len() {
			a.Cur = layout.Cursor{} // play again from the start
		}
		a.Playing = !a.Playing
	case KeyRight:
		a.Playing = false
		a.Cur = a.M.Next(a.Cur)
		a.evFollow = true
	case KeyLeft:
		a.Playing = false
		a.Cur = a.M.Prev(a.Cur)
		a.evFollow = true
	case KeyUp:
		a.SetSpeed(a.Speed * 2)
	case KeyDown:
		a.SetSpeed(a.Speed / 2)
	case KeyR, KeyHome:
		a.Cur = layout.Cursor{}
		a.evFollow = true
	case KeyEnd:
		a.Cur = a.M.At(a.M.End)
	case KeyC:
		if a.Lang == "zh" {
			a.Lang = "en"
		} else {
			a.Lang = "zh"
		}
	case KeyH:
		a.Help = !a.Help
	case KeyP:
		a.Picker = !a.Picker
	case KeyG:
		a.ShowGhost = !a.ShowGhost
	case KeyEscape:
		a.Help, a.Picker, a.Sel = false, false, -1
	case KeyD:
		a.WhatIf("drop")
	case KeyL:
		a.WhatIf("delay")
	case KeyU:
		a.WhatIf("duplicate")
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
		a.Span = max(a.Span/2, time.Microsecond)
	case KeyMinus:
		a.Span = min(a.Span*2, max(a.M.Display(a.M.End)*2, time.Millisecond))
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

// rerun runs req and, on success, makes it current, keeping the cursor
// time. ghost keeps the old run visible for comparison.
func (a *App) rerun(req Request, ghost bool) bool {
	tr, err := a.src.Run(req)
	if err != nil {
		a.Status = "error: " + err.Error()
		return false
	}
	old := a.M
	a.req = req
	a.setTrace(tr, a.Cur.T)
	if ghost {
		a.Ghost = old
	} else {
		a.Ghost = nil
	}
	return true
}

// WhatIf re-runs the scenario with the selected packet dropped, delayed or
// duplicated, with the same seed; the old run stays visible as a ghost.
func (a *App) WhatIf(action string) {
	if a.Sel < 0 {
		a.Status = a.tr("select a packet first (click it), then D, L or U", "请先点击选中一个分组，再按 D、L 或 U")
		return
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
	if a.rerun(req, true) {
		a.undo = append(a.undo, prev)
		a.redo = nil
		a.Sel = -1
		a.Status = fmt.Sprintf(a.tr("what if: %s packet #%d", "假如：%s 分组 #%d"), action, w.Packet)
	}
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
		a.Status = a.tr("nothing to undo", "没有可撤销的操作")
		return
	}
	req := a.req.Clone()
	req.WhatIfs = a.undo[len(a.undo)-1]
	cur := slices.Clone(a.req.WhatIfs)
	if a.rerun(req, true) {
		a.undo = a.undo[:len(a.undo)-1]
		a.redo = append(a.redo, cur)
		a.Status = a.tr("undone", "已撤销")
	}
}

// Redo re-applies the last undone what-if.
func (a *App) Redo() {
	if len(a.redo) == 0 {
		a.Status = a.tr("nothing to redo", "没有可重做的操作")
		return
	}
	req := a.req.Clone()
	req.WhatIfs = a.redo[len(a.redo)-1]
	cur := slices.Clone(a.req.WhatIfs)
	if a.rerun(req, true) {
		a.redo = a.redo[:len(a.redo)-1]
		a.undo = append(a.undo, cur)
		a.Status = a.tr("redone", "已重做")
	}
}

// SetSeed re-runs with another seed, keeping the cursor time.
func (a *App) SetSeed(s uint64) {
	req := a.req.Clone()
	req.Seed, req.HasSeed = s, true
	if a.rerun(req, false) {
		a.Status = a.tr("seed ", "随机种子 ") + strconv.FormatUint(s, 10)
	}
}

// Pick switches to the named preset, dropping what-ifs and overrides.
func (a *App) Pick(name string) {
	req := Request{Preset: name, Seed: a.req.Seed, HasSeed: a.req.HasSeed}
	if a.rerun(req, false) {
		a.Cur, a.Sel, a.Picker = layout.Cursor{}, -1, false
		a.undo, a.redo = nil, nil
		a.Span = a.M.DefaultSpan()
		a.slidersFromHeader()
		a.Status = name
	}
}

func (a *App) openDoc(name string, doc []byte) {
	req := Request{Doc: doc, DocName: name}
	if a.rerun(req, false) {
		a.Cur, a.Sel = layout.Cursor{}, -1
		a.undo, a.redo = nil, nil
		a.Span = a.M.DefaultSpan()
		a.slidersFromHeader()
		a.Status = a.tr("opened ", "已打开 ") + name
	}
}

// Save writes the scenario with its what-ifs and overrides.
func (a *App) Save() {
	if a.save == nil {
		a.Status = a.tr("saving is not available here", "此处无法保存")
		return
	}
	doc, err := a.src.Encode(a.req)
	if err == nil {
		var where string
		if where, err = a.save(doc); err == nil {
			a.Status = a.tr("saved ", "已保存 ") + where
			return
		}
	}
	a.Status = "error: " + err.Error()
}

func (a *App) tr(en, zh string) string {
	if a.Lang == "zh" {
		return zh
	}
	return en
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

var sliderNames = [nSliders][2]string{
	{"loss", "丢包"}, {"delay", "延迟"}, {"jitter", "抖动"}, {"reorder", "乱序"}, {"dup", "重复"}, {"bandwidth", "带宽"},
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

func (a *App) slidersFromHeader() {
	var p trace.LinkParams
	if ls := a.M.Header.Links; len(ls) > 0 {
		p = ls[0].AB
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
	req := a.req.Clone()
	o := a.Override()
	req.Links = &o
	if a.rerun(req, false) {
		a.Status = a.sliderText(-1)
	}
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
		s += a.tr(sliderNames[k][0], sliderNames[k][1]) + " " + vals[k]
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
