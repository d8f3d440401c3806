package drawtest

import (
	"testing"

	"socketlab/sim/class"
	"socketlab/sim/lesson"
	"socketlab/sim/view"
	"socketlab/sim/view/layout"
)

// The teacher's lesson panel in a class room: under the head (with the
// E unlock button) the class's lines, in the accent colour: the students
// connected, the tally of the step's question and the answers given.
func TestClassTeacherFrame(t *testing.T) {
	needDisplay(t)
	l, err := lesson.Load("handshake")
	if err != nil {
		t.Fatal(err)
	}
	tc := class.NewTeacher(class.Position{Lesson: "handshake", Step: 3})
	a, err := view.New(view.Options{Source: view.SimSource{}, Lesson: l, Step: 3, Lang: "en", Teach: tc, ClassName: "lab-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Settle()
	for _, msg := range []string{"c1 answer 3 right SYN-RECEIVED", "c1 answer 3 wrong LISTEN", "c1 answer 3 right SYN-RECEIVED", ""} {
		id := tc.Join()
		if msg != "" {
			if err := tc.Receive(id, []byte(msg)); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := "class lab-1 — students: 4, following you · 2 right, 1 wrong, 0 skipped, 1 not yet · answers: SYN-RECEIVED ×2, LISTEN ×1"
	if got := a.ClassSummary(); got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
	img := render(t, a, -1, 960, 600)
	compareGolden(t, "lesson-handshake-step3-teacher", img)
	// Not only the golden: the class's lines are drawn in the accent (ACK)
	// colour just under the head row, where a lesson without a class has
	// its narration in the text colour.
	r := a.TopologyArea(960, 600)
	band := layout.Rect{X: r.X, Y: r.Y + 20, W: r.W, H: 40}
	n := 0
	for y := int(band.Y); y < int(band.Y+band.H); y++ {
		for x := int(band.X); x < int(band.X+band.W); x++ {
			if near(img.At(x, y), layout.Screen.Ack) {
				n++
			}
		}
	}
	if n < 50 {
		t.Errorf("%d pixels of the accent colour under the head row %+v, want the class's lines", n, band)
	}
}
