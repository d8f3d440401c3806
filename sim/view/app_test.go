package view

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
)

const ms = time.Millisecond

// recorder is a Source that serves fixtures and remembers every request.
type recorder struct {
	FixtureSource
	reqs []Request
}

func (r *recorder) Open(req Request) (Stream, error) {
	r.reqs = append(r.reqs, req.Clone())
	return r.FixtureSource.Open(Request{Preset: req.Preset})
}

func newApp(t *testing.T, preset string) (*App, *recorder) {
	t.Helper()
	src := &recorder{}
	a, err := New(Options{Source: src, Request: Request{Preset: preset}})
	if err != nil {
		t.Fatal(err)
	}
	return a, src
}

func press(a *App, keys ...Key) {
	for _, k := range keys {
		_ = a.Update(Input{Keys: []Key{k}, Width: 1280, Height: 800})
	}
}

func tick(a *App, n int) {
	for range n {
		_ = a.Update(Input{Width: 1280, Height: 800})
	}
}

func click(a *App, p layout.Pt) {
	_ = a.Update(Input{Mouse: p, Pressed: true, Down: true, Width: 1280, Height: 800})
	_ = a.Update(Input{Mouse: p, Released: true, Width: 1280, Height: 800})
}

func TestSpacePlaysAndPauses(t *testing.T) {
	a, _ := newApp(t, "handshake")
	press(a, KeySpace)
	if !a.Playing {
		t.Fatal("Space did not start playing")
	}
	// The first tick of the press already advanced; each tick adds
	// speed × rate / TPS: rate is the median flight (10 ms) per second.
	tick(a, 5)
	if want := 6 * (10 * ms / TPS); a.Cur.T != want {
		t.Fatalf("after 6 ticks T = %v, want %v", a.Cur.T, want)
	}
	press(a, KeySpace)
	paused := a.Cur
	tick(a, 10)
	if a.Playing || a.Cur != paused {
		t.Fatalf("paused cursor moved: %+v -> %+v", paused, a.Cur)
	}
	// Playing to the end stops by itself.
	a.SetSpeed(MaxSpeed)
	press(a, KeySpace)
	tick(a, 1000)
	if a.Playing || a.Cur.N != a.M.Len() || a.Cur.T != a.M.End {
		t.Fatalf("at the end: playing=%v cursor %+v, end %v", a.Playing, a.Cur, a.M.End)
	}
	// Space at the end replays from the start.
	press(a, KeySpace)
	if !a.Playing || a.Cur.T > 10*ms {
		t.Fatalf("replay: playing=%v cursor %+v", a.Playing, a.Cur)
	}
}

func TestStepForwardAndBack(t *testing.T) {
	a, _ := newApp(t, "reorder")
	press(a, KeyRight, KeyRight, KeyRight)
	if a.Cur.N != 3 {
		t.Fatalf("three steps: N = %d", a.Cur.N)
	}
	var want layout.Snapshot
	a.M.Take(&want, a.Cur)
	want.Flights = slices.Clone(want.Flights)
	for range 20 {
		press(a, KeyRight)
	}
	for range 20 {
		press(a, KeyLeft)
	}
	if a.Cur.N != 3 {
		t.Fatalf("20 forward, 20 back: N = %d", a.Cur.N)
	}
	if got := a.Snapshot(); !reflect.DeepEqual(got.Cursor, want.Cursor) || !slices.Equal(got.Flights, want.Flights) {
		t.Fatalf("snapshot after returning differs: %+v vs %+v", got.Cursor, want.Cursor)
	}
	press(a, KeyLeft, KeyLeft, KeyLeft, KeyLeft)
	if a.Cur != (layout.Cursor{}) {
		t.Fatalf("stepping back past the start: %+v", a.Cur)
	}
	press(a, KeyEnd)
	if a.Cur.N != a.M.Len() {
		t.Fatalf("End: %+v", a.Cur)
	}
	press(a, KeyR)
	if a.Cur != (layout.Cursor{}) {
		t.Fatalf("R: %+v", a.Cur)
	}
}

func TestSpeedLimits(t *testing.T) {
	a, _ := newApp(t, "handshake")
	for range 20 {
		press(a, KeyUp)
	}
	if a.Speed != MaxSpeed {
		t.Errorf("speed after 20 × up = %v", a.Speed)
	}
	for range 40 {
		press(a, KeyDown)
	}
	if a.Speed != MinSpeed {
		t.Errorf("speed after 40 × down = %v", a.Speed)
	}
}

// flightPos returns where flight fi is drawn on a 1280×800 screen at t.
func flightPos(a *App, fi int, t time.Duration) layout.Pt {
	g := a.regions(1280, 800)
	topo := a.topoGeom(&g)
	return topo.FlightPos(&a.M.Flights[fi], t)
}

func TestClickSelectsAndWhatIfAddsFault(t *testing.T) {
	a, src := newApp(t, "handshake")
	press(a, KeyD)
	if len(src.reqs) != 1 || !strings.Contains(a.Status, "select a packet") {
		t.Fatalf("D without a selection: %d runs, status %q", len(src.reqs), a.Status)
	}
	a.SetTime(5 * ms)
	click(a, flightPos(a, 0, 5*ms))
	if a.Sel != 0 {
		t.Fatalf("click on the SYN selected %d", a.Sel)
	}
	press(a, KeyD)
	want := []WhatIf{{Packet: 1, Action: "drop"}}
	if len(src.reqs) != 2 || !slices.Equal(src.reqs[1].WhatIfs, want) {
		t.Fatalf("requests %+v, want the second with %+v", src.reqs, want)
	}
	if a.Ghost == nil || a.Cur.T != 5*ms {
		t.Fatalf("after the what-if: ghost %v, cursor %v (want kept at 5ms)", a.Ghost != nil, a.Cur.T)
	}
	// Select the SYN-ACK and delay it: the delay is two flight times.
	a.SetTime(15 * ms)
	click(a, flightPos(a, 1, 15*ms))
	press(a, KeyL)
	want = append(want, WhatIf{Packet: 2, Action: "delay", Delay: 20 * ms})
	if got := src.reqs[len(src.reqs)-1].WhatIfs; !slices.Equal(got, want) {
		t.Fatalf("what-ifs %+v, want %+v", got, want)
	}
	_ = a.Update(Input{Keys: []Key{KeyZ}, Ctrl: true, Width: 1280, Height: 800})
	if got := src.reqs[len(src.reqs)-1].WhatIfs; !slices.Equal(got, want[:1]) {
		t.Fatalf("after undo %+v", got)
	}
	press(a, KeyY)
	if got := src.reqs[len(src.reqs)-1].WhatIfs; !slices.Equal(got, want) {
		t.Fatalf("after redo %+v", got)
	}
	press(a, KeyZ, KeyZ)
	if got := a.Request().WhatIfs; len(got) != 0 {
		t.Fatalf("after two undos %+v", got)
	}
	n := len(src.reqs)
	press(a, KeyZ)
	if len(src.reqs) != n || a.Status != "nothing to undo" {
		t.Fatalf("undo with nothing left: runs %d→%d, status %q", n, len(src.reqs), a.Status)
	}
	// Duplicate via the button.
	click(a, flightPos(a, 0, 15*ms)) // nothing there at 15 ms: deselects
	if a.Sel != -1 {
		t.Fatalf("click on empty link kept selection %d", a.Sel)
	}
}

func TestButtonsAreKeys(t *testing.T) {
	a, _ := newApp(t, "handshake")
	g := a.regions(1280, 800)
	for _, b := range g.buttons {
		if b.key == KeyRight {
			click(a, layout.Pt{X: b.r.X + 2, Y: b.r.Y + 2})
		}
	}
	if a.Cur.N != 1 {
		t.Fatalf("the → button: %+v", a.Cur)
	}
}

func TestScrubberSetsTime(t *testing.T) {
	a, _ := newApp(t, "lost-syn")
	g := a.regions(1280, 800)
	sc := a.scrubber(&g)
	// Half way along the bar is half the display time: inside the squeezed
	// second of waiting, so real time is mapped back through the gap.
	x := g.scrub.X + g.scrub.W/2
	_ = a.Update(Input{Mouse: layout.Pt{X: x, Y: g.scrub.Y + 2}, Pressed: true, Down: true, Width: 1280, Height: 800})
	if want := a.M.Real(sc.Time(x)); a.Cur.T != want {
		t.Fatalf("scrub to the middle: T = %v, want %v", a.Cur.T, want)
	}
	// Dragging to the right end reaches the end.
	_ = a.Update(Input{Mouse: layout.Pt{X: g.scrub.X + g.scrub.W + 50, Y: 0}, Down: true, Width: 1280, Height: 800})
	if a.Cur.T != a.M.End || a.Cur.N != a.M.Len() {
		t.Fatalf("drag past the end: %+v", a.Cur)
	}
	_ = a.Update(Input{Released: true, Width: 1280, Height: 800})
	_ = a.Update(Input{Mouse: layout.Pt{X: g.scrub.X, Y: 0}, Down: true, Width: 1280, Height: 800})
	if a.Cur.T != a.M.End {
		t.Fatalf("moving after release still scrubs: %+v", a.Cur)
	}
}

func TestCaptionLanguageToggle(t *testing.T) {
	a, _ := newApp(t, "lost-syn")
	press(a, KeyRight, KeyRight, KeyRight, KeyRight, KeyRight, KeyRight, KeyRight)
	// The shared catalogue (package caption) explains the drop.
	if got, want := a.Caption(), "The SYN was lost on link l1: no SYN-ACK will come, so after RTO = 1 s the client sends the SYN again."; got != want {
		t.Fatalf("caption %q, want %q", got, want)
	}
	press(a, KeyC)
	if got := a.Caption(); !strings.HasPrefix(got, "SYN 在链路 l1 上丢失") {
		t.Fatalf("Chinese caption %q", got)
	}
	press(a, KeyC)
	if a.Lang != "en" {
		t.Fatalf("C twice: %q", a.Lang)
	}
}

func TestSlidersReRunAndKeepTime(t *testing.T) {
	a, src := newApp(t, "handshake")
	a.SetTime(20 * ms)
	g := a.regions(1280, 800)
	tr := sliderTrack(g.sliders[sLoss])
	y := tr.Y + tr.H/2
	_ = a.Update(Input{Mouse: layout.Pt{X: tr.X + 1, Y: y}, Pressed: true, Down: true, Width: 1280, Height: 800})
	_ = a.Update(Input{Mouse: layout.Pt{X: tr.X + tr.W*0.2, Y: y}, Down: true, Width: 1280, Height: 800})
	n := len(src.reqs)
	_ = a.Update(Input{Mouse: layout.Pt{X: tr.X + tr.W*0.2, Y: y}, Released: true, Width: 1280, Height: 800})
	if len(src.reqs) != n+1 {
		t.Fatalf("release did not re-run (%d runs)", len(src.reqs))
	}
	l := src.reqs[n].Links
	// 20% of the track is 20% of the 50% maximum; the fixture link has 10 ms
	// delay, no jitter, 10 Mbit/s.
	if l == nil || l.Loss != 0.1 || l.Delay != 10*ms || l.Jitter != 0 || l.Bandwidth != 10_000_000 {
		t.Fatalf("override %+v", l)
	}
	if a.Cur.T != 20*ms {
		t.Fatalf("cursor moved to %v", a.Cur.T)
	}
}

func TestSeedKeys(t *testing.T) {
	a, src := newApp(t, "handshake")
	press(a, KeyN)
	if r := src.reqs[len(src.reqs)-1]; !r.HasSeed || r.Seed != 2 {
		t.Fatalf("N: %+v", r)
	}
	_ = a.Update(Input{Keys: []Key{KeyN}, Shift: true, Width: 1280, Height: 800})
	if r := src.reqs[len(src.reqs)-1]; !r.HasSeed || r.Seed != 0 {
		t.Fatalf("Shift+N: %+v", r) // the fixture's header says seed 1 every time
	}
}

func TestPickerAndEventList(t *testing.T) {
	a, src := newApp(t, "handshake")
	press(a, KeyP)
	g := a.regions(1280, 800)
	rows := a.pickerRows(&g)
	click(a, layout.Pt{X: rows[2].X + 5, Y: rows[2].Y + 5})
	if r := src.reqs[len(src.reqs)-1]; r.Preset != "reorder" || a.Picker || a.M.Header.Scenario != "reorder" {
		t.Fatalf("picked %+v, picker open %v", r, a.Picker)
	}
	// Click the fourth row of the event list: the cursor jumps there.
	g = a.regions(1280, 800)
	_, top := a.eventRows(&g)
	click(a, layout.Pt{X: g.events.X + 30, Y: g.events.Y + g.row*1.4 + 3.5*g.row})
	if a.Cur.N != top+4 {
		t.Fatalf("event row click: %+v (top %d)", a.Cur, top)
	}
}

// Before the first event, the renderer's own hint.
func TestCaptionBeforeStart(t *testing.T) {
	a, _ := newApp(t, "handshake")
	if got, want := a.Caption(), "Press Space to play, → to step forward, ← to step back."; got != want {
		t.Fatalf("caption %q, want %q", got, want)
	}
	press(a, KeyC)
	if got, want := a.Caption(), "按空格键播放，→ 单步前进，← 单步后退。"; got != want {
		t.Fatalf("caption %q, want %q", got, want)
	}
}

func TestHelpAndEscape(t *testing.T) {
	a, _ := newApp(t, "handshake")
	press(a, KeyH)
	if !a.Help {
		t.Fatal("H did not show help")
	}
	a.Sel = 0
	if err := a.Update(Input{Keys: []Key{KeyEscape}}); err != nil || a.Help || a.Sel != -1 {
		t.Fatalf("Escape: help %v sel %d, err %v", a.Help, a.Sel, err)
	}
	// Nothing left to close: Esc quits, and so does q.
	if err := a.Update(Input{Keys: []Key{KeyEscape}}); !errors.Is(err, ErrQuit) {
		t.Fatalf("Escape with nothing open: %v, want ErrQuit", err)
	}
	b, _ := newApp(t, "handshake")
	if err := b.Update(Input{Keys: []Key{KeyQ}}); !errors.Is(err, ErrQuit) {
		t.Fatalf("q: %v, want ErrQuit", err)
	}
}

// With the simulator: a what-if drop really drops the packet, with the
// same seed, and Ctrl+S saves a scenario that replays it.
func TestWhatIfWithSimulator(t *testing.T) {
	var saved []byte
	a, err := New(Options{Source: SimSource{}, Request: Request{Preset: "handshake"},
		Save: func(doc []byte) (string, error) { saved = doc; return "mem", nil }})
	if err != nil {
		t.Fatal(err)
	}
	// Find the client's first data segment and drop it.
	fi := -1
	for i := range a.M.Flights {
		if p := a.M.Packet(i); p.Len() > 0 {
			fi = i
			break
		}
	}
	if fi < 0 {
		t.Fatal("no data segment in the handshake preset")
	}
	id := a.M.Flights[fi].ID
	seed := a.M.Header.Seed
	a.SetTime(a.M.Flights[fi].Start)
	a.Sel = fi
	press(a, KeyD)
	a.Settle() // the simulator re-runs on its own goroutine
	if a.Ghost == nil || !strings.HasPrefix(a.Status, "what if: drop") {
		t.Fatalf("what-if failed: %q", a.Status)
	}
	var dropped bool
	for i := range a.M.Len() {
		if e := a.M.Event(i); e.Kind == trace.KindDrop && e.Packet.ID == id && e.Reason == trace.DropScripted {
			dropped = true
		}
	}
	if !dropped || a.M.Header.Seed != seed {
		t.Fatalf("packet #%d not dropped as scripted (seed %d→%d)", id, seed, a.M.Header.Seed)
	}
	_ = a.Update(Input{Keys: []Key{KeyS}, Ctrl: true, Width: 1280, Height: 800})
	sc, err := sim.ParseScenario(saved)
	if err != nil {
		t.Fatalf("saved scenario does not parse: %v\n%s", err, saved)
	}
	if len(sc.Faults) != 1 || sc.Faults[0].Packet != id || sc.Faults[0].Action != "drop" {
		t.Fatalf("saved faults %+v", sc.Faults)
	}
	// Loading it back gives the same trace as the what-if.
	tr, err := (SimSource{}).Run(Request{Doc: saved})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tr.Events, a.M.Events()) {
		t.Fatalf("reloaded scenario gives another trace (%d vs %d events)", len(tr.Events), a.M.Len())
	}
}

func TestBadRequests(t *testing.T) {
	if _, err := New(Options{Source: SimSource{}, Request: Request{Preset: "no-such"}}); err == nil || !strings.Contains(err.Error(), "no preset named") {
		t.Errorf("unknown preset: %v", err)
	}
	if _, err := New(Options{Source: SimSource{}, Request: Request{Doc: []byte(`{"hosts": 3}`)}}); err == nil {
		t.Errorf("bad document accepted")
	}
	a, _ := newApp(t, "handshake")
	a.openDoc("x.json", []byte("{"))
	if !strings.HasPrefix(a.Status, "error: ") || a.M.Header.Scenario != "handshake" {
		t.Errorf("bad dropped file: status %q, scenario %q", a.Status, a.M.Header.Scenario)
	}
}

// The sliders open on the scenario's own link: in congestion, the 1 Mb/s
// bottleneck, not the 100 Mb/s access link that happens to come first.
func TestSlidersShowTheBottleneck(t *testing.T) {
	a, err := New(Options{Source: SimSource{}, Request: Request{Preset: "congestion"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	deadline := time.Now().Add(20 * time.Second)
	for len(a.M.Header.Links) == 0 || a.Streaming() {
		if time.Now().After(deadline) {
			t.Fatal("congestion never loaded")
		}
		_ = a.Update(Input{Width: 1280, Height: 800})
		time.Sleep(time.Millisecond)
	}
	if bw := a.Override().Bandwidth; bw != 1_000_000 {
		t.Errorf("the bandwidth slider shows %d bit/s, want the bottleneck's 1000000", bw)
	}
}

// V cycles the themes and says which; Enter selects the packet of the
// current event (the keyboard's way to a what-if), or the latest one
// before it.
func TestThemeAndSelectKeys(t *testing.T) {
	a, _ := newApp(t, "handshake")
	for _, want := range []string{"high contrast", "projector", "screen"} {
		press(a, KeyV)
		if a.Theme.Name != want || !strings.Contains(a.Status, want) {
			t.Fatalf("after V: theme %q, status %q; want %q", a.Theme.Name, a.Status, want)
		}
	}
	press(a, KeyEnter) // before any packet: the first one
	if a.Sel != 0 {
		t.Fatalf("Enter at the start selected %d, want the first packet", a.Sel)
	}
	for range 12 {
		press(a, KeyRight)
	}
	press(a, KeyEnter)
	want := -1
	for i := a.Cur.N - 1; i >= 0 && want < 0; i-- {
		if fi, ok := a.M.FlightOf(i); ok {
			want = fi
		}
	}
	if want <= 0 || a.Sel != want {
		t.Errorf("Enter selected flight %d, want %d (the latest event's)", a.Sel, want)
	}
	if err := a.WhatIf("drop"); err != nil {
		t.Errorf("a what-if on the packet Enter selected: %v", err)
	}
}

// PgUp/PgDn (and Shift+wheel over the ladder) pan by a third of the
// ladder's height; the plain wheel still zooms.
func TestPanKeys(t *testing.T) {
	a, _ := newApp(t, "lost-syn")
	press(a, KeyEnd)
	end := a.Cur.T
	span := a.Span
	press(a, KeyPageUp)
	if want := a.M.Real(a.M.Display(end) - span/3); a.Cur.T != want || a.Live || a.Playing {
		t.Fatalf("PgUp: cursor %v, want %v", a.Cur.T, want)
	}
	press(a, KeyPageDown)
	if a.Cur.T != end {
		t.Fatalf("PgDn back: cursor %v, want %v", a.Cur.T, end)
	}
	g := a.regions(1280, 800)
	mid := layout.Pt{X: g.ladder.X + g.ladder.W/2, Y: g.ladder.Y + g.ladder.H/2}
	_ = a.Update(Input{Mouse: mid, Wheel: 1, Shift: true, Width: 1280, Height: 800})
	if a.Cur.T >= end || a.Span != span {
		t.Fatalf("Shift+wheel: cursor %v (end %v), span %v (was %v)", a.Cur.T, end, a.Span, span)
	}
	_ = a.Update(Input{Mouse: mid, Wheel: 1, Width: 1280, Height: 800})
	if a.Span != span/2 {
		t.Fatalf("the wheel no longer zooms: span %v, want %v", a.Span, span/2)
	}
}

// Stepping zooms into a burst; a zoom the user chose is kept.
func TestStepZoom(t *testing.T) {
	a, err := New(Options{Source: SimSource{}, Request: Request{Preset: "congestion"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	deadline := time.Now().Add(20 * time.Second)
	for a.M.Len() == 0 || a.Streaming() {
		if time.Now().After(deadline) {
			t.Fatal("congestion never loaded")
		}
		_ = a.Update(Input{Width: 1280, Height: 800})
		time.Sleep(time.Millisecond)
	}
	def := a.M.DefaultSpan()
	zoomed := false
	for range 400 {
		press(a, KeyRight)
		if a.Span < def {
			zoomed = true
			break
		}
	}
	if !zoomed {
		t.Fatal("400 steps through congestion never zoomed into a burst")
	}
	press(a, KeyMinus)
	held := a.Span
	press(a, KeyRight, KeyRight)
	if a.Span != held {
		t.Fatalf("after −, stepping changed the zoom from %v to %v", held, a.Span)
	}
}

// TestProfileKey: K switches every host between the RFC textbook and
// Linux, re-simulating with the choice in the request; the status line
// says which TCP runs now.
func TestProfileKey(t *testing.T) {
	a, src := newApp(t, "handshake")
	press(a, KeyK)
	if r := src.reqs[len(src.reqs)-1]; r.Profile != "linux" || a.Profile() != "linux" {
		t.Fatalf("K: request %+v, profile %q", r, a.Profile())
	}
	if !strings.HasPrefix(a.Status, "TCP: Linux") {
		t.Fatalf("status %q", a.Status)
	}
	press(a, KeyK)
	if r := src.reqs[len(src.reqs)-1]; r.Profile != "rfc" {
		t.Fatalf("K again: request %+v", r)
	}
}

// TestSimSourceProfile: the request's profile reaches the simulator: the
// handshake preset's SYN carries Linux's options under "linux".
func TestSimSourceProfile(t *testing.T) {
	for _, tc := range []struct {
		profile string
		opts    trace.TCPOpts
	}{
		{"", 0},
		{"rfc", 0},
		{"linux", trace.OptSACKPerm | trace.OptTimestamps | trace.OptWScale},
	} {
		tr, err := SimSource{}.Run(Request{Preset: "handshake", Profile: tc.profile})
		if err != nil {
			t.Fatal(err)
		}
		var syn *trace.Packet
		for i := range tr.Events {
			if e := &tr.Events[i]; e.Kind == trace.KindSend && e.Packet.Flags == trace.FlagSYN {
				syn = &e.Packet
				break
			}
		}
		if syn == nil || syn.Opts != tc.opts {
			t.Fatalf("profile %q: SYN %+v, want options %v", tc.profile, syn, tc.opts)
		}
	}
}
