package drawtest

import (
	"slices"
	"testing"

	"socketlab/sim/lesson"
	"socketlab/sim/trace"
	"socketlab/sim/view"
	"socketlab/sim/view/layout"
	"socketlab/textbook"
)

// newLesson opens the playground on a shipped lesson's step (from 1).
func newLesson(t *testing.T, id string, step int, lang string) *view.App {
	t.Helper()
	l, err := lesson.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := view.New(view.Options{Source: view.SimSource{}, Lesson: l, Step: step, Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Settle()
	return a
}

// A question step in each language: the lesson panel in the topology's
// place (narration, question, the choices or the number typed, hint and
// skip), the ladder held just before the answer's arrow, the step's
// packet marked.
func TestLessonFrames(t *testing.T) {
	needDisplay(t)
	// Step 2, English: the SYN has arrived; "1" typed for the SYN-ACK's ack.
	a := newLesson(t, "handshake", 2, "en")
	_ = a.Update(view.Input{Keys: []view.Key{view.Key1}, Chars: []rune("1"), Width: 960, Height: 600})
	if a.Typed() != "1" || !a.QuestionOpen() {
		t.Fatalf("typed %q, open %v", a.Typed(), a.QuestionOpen())
	}
	compareGolden(t, "lesson-handshake-step2-en", render(t, a, -1, 960, 600))

	// Step 3, Chinese: the server's state, a choice, with its hint shown.
	a = newLesson(t, "handshake", 3, "zh")
	_ = a.Update(view.Input{Keys: []view.Key{view.KeySlash}, Width: 960, Height: 600})
	img := render(t, a, -1, 960, 600)
	compareGolden(t, "lesson-handshake-step3-zh", img)

	// Not only the golden: the panel's accent bar is where the topology
	// was, in the cursor colour.
	r := a.TopologyArea(960, 600)
	if c := img.At(int(r.X-8+3), int(r.Y+r.H/2)); !near(c, layout.Screen.Cursor) {
		t.Errorf("the lesson panel's bar at %v is %v, want the cursor colour", r, c)
	}
}

// The code panel beside the ladder: the server's tsTserv.py, blocked in
// recv() after its reply, until the next data (or the FIN) arrives; and
// its Go equivalent, tsTserv.go, blocked in Read at the same moment.
func TestCodeFrame(t *testing.T) {
	needDisplay(t)
	for _, tc := range []struct {
		name string
		lang textbook.Lang
	}{{"code-handshake-35ms", textbook.Python}, {"code-go-handshake-35ms", textbook.Go}} {
		a, err := view.New(view.Options{Source: view.SimSource{}, Request: view.Request{Preset: "handshake"}, Code: true, CodeLang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		compareGolden(t, tc.name, render(t, a, 35*ms, 960, 600))
		a.Close()
	}
}

// trySource plays a real program for a lesson's step as live mode
// delivers it: the timestamp client's handshake and "hello" on loopback,
// with the captured segments.
type trySource struct{ view.SimSource }

func (trySource) Try(string) (view.Stream, error) {
	f := trace.NewFeed(1000)
	const cs, sc = "client", "server"
	app(f, 0, cs, trace.OpConnectStart, cli, srv, 0, "")
	segment(f, 10*us, 1, cs, trace.Packet{Src: cli, Dst: srv, Seq: 3_000_000_000, Flags: trace.FlagSYN, Window: 65495, MSS: 65495})
	segment(f, 50*us, 2, sc, trace.Packet{Src: srv, Dst: cli, Seq: 1_200_000_000, Ack: 3_000_000_001, Flags: trace.FlagSYN | trace.FlagACK, Window: 65483, MSS: 65495})
	segment(f, 90*us, 3, cs, trace.Packet{Src: cli, Dst: srv, Seq: 3_000_000_001, Ack: 1_200_000_001, Flags: trace.FlagACK, Window: 512})
	app(f, 100*us, cs, trace.OpConnect, cli, srv, 0, "")
	app(f, 110*us, sc, trace.OpAccept, srv, cli, 0, "")
	app(f, 150*us, cs, trace.OpWrite, cli, srv, 5, "hello")
	segment(f, 160*us, 4, cs, trace.Packet{Src: cli, Dst: srv, Seq: 3_000_000_001, Ack: 1_200_000_001, Flags: trace.FlagPSH | trace.FlagACK, Window: 512, Payload: []byte("hello")})
	f.End(nil)
	st, err := liveSource{feed: f}.Open(view.Request{})
	return st, err
}

// A step tried for real (I): the real handshake and "hello" on their own
// columns, "real client" and "real server", beside the simulated
// handshake, the ladder zoomed in on the real exchange at the step's
// moment; the lesson panel offers the button again.
func TestLessonTriedForReal(t *testing.T) {
	needDisplay(t)
	l, err := lesson.Load("handshake")
	if err != nil {
		t.Fatal(err)
	}
	a, err := view.New(view.Options{Source: trySource{}, Lesson: l, Step: 4, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Settle()
	for _, k := range []view.Key{view.KeyBracketRight, view.KeyI} { // skip the question, try it
		_ = a.Update(view.Input{Keys: []view.Key{k}, Width: 960, Height: 600})
	}
	for i := 0; a.TryRunning() && i < 100; i++ {
		_ = a.Update(view.Input{Width: 960, Height: 600})
	}
	if a.Tried() == nil {
		t.Fatalf("nothing tried: %s", a.Status)
	}
	img := render(t, a, -1, 960, 600)
	compareGolden(t, "lesson-handshake-step4-real", img)
	// Not only the golden: the real columns stand right of the simulated
	// ones, and the real arrows are on the ladder at the cursor.
	lad := a.M.LayoutLadder(layout.Rect{W: 960, H: 600}, a.Cur.T, a.Span)
	var xs []float64
	for _, name := range []string{"client", "server", "real client", "real server"} {
		n := slices.IndexFunc(a.M.Nodes, func(nd trace.Node) bool { return nd.Name == name })
		if n < 0 {
			t.Fatalf("no node %q", name)
		}
		xs = append(xs, lad.ColX[n])
	}
	if !slices.IsSorted(xs) {
		t.Errorf("columns left to right at %v, want client, server, real client, real server", xs)
	}
	var real int
	for _, f := range a.M.Flights {
		if a.M.Nodes[f.From].Name == "real client" && f.Start <= a.Cur.T && a.M.Display(f.Start) >= lad.Top {
			real++
		}
	}
	if real != 3 {
		t.Errorf("%d of the real client's 3 segments on the ladder", real)
	}
}
