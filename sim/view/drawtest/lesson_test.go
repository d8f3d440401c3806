package drawtest

import (
	"testing"

	"socketlab/sim/lesson"
	"socketlab/sim/view"
	"socketlab/sim/view/layout"
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
// recv() after its reply, until the next data (or the FIN) arrives.
func TestCodeFrame(t *testing.T) {
	needDisplay(t)
	a, err := view.New(view.Options{Source: view.SimSource{}, Request: view.Request{Preset: "handshake"}, Code: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	compareGolden(t, "code-handshake-35ms", render(t, a, 35*ms, 960, 600))
}
