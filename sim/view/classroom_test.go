package view

import (
	"slices"
	"testing"

	"socketlab/sim/class"
	"socketlab/sim/lesson"
	"socketlab/sim/view/layout"
	"socketlab/sim/view/progress"
)

// openClassApp opens handshake at step as a class room's page: the
// teacher's when teach is set, else a student's.
func openClassApp(t *testing.T, step int, teach *class.Teacher, follow *class.Student) *App {
	t.Helper()
	l, err := lesson.Load("handshake")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Source: SimSource{}, Lesson: l, Step: step, Lang: "en", Teach: teach, Follow: follow, ClassName: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Settle()
	return a
}

// The teacher's page tells its class where the lesson is, step and
// cursor, every tick; E unlocks and locks free exploration; the panel
// counts the students and tallies the step's answers, anonymously.
func TestClassTeacherLeads(t *testing.T) {
	tc := class.NewTeacher(class.Position{Lesson: "handshake", Step: 1})
	a := openClassApp(t, 1, tc, nil)
	tick(a, 1)
	if got := tc.Position(); got != (class.Position{Lesson: "handshake", Step: 1, N: 3, T: 0}) {
		t.Fatalf("position %+v, want step 1 at the third event", got)
	}
	a.GotoStep(2)
	a.Settle()
	tick(a, 1)
	if got := tc.Position(); got.Step != 3 || got.N != a.Cur.N || got.T != int64(a.Cur.T) || got.Free {
		t.Fatalf("position %+v after step 3 at %+v", got, a.Cur)
	}
	press(a, KeyE)
	if !tc.Position().Free || a.Status != "students may explore freely (E locks)" || a.lessonText().classBtn != "E lock" {
		t.Fatalf("E: free %v, status %q", tc.Position().Free, a.Status)
	}
	press(a, KeyE)
	if tc.Position().Free || a.Status != "students follow you again (E unlocks)" || a.lessonText().classBtn != "E unlock" {
		t.Fatalf("E again: free %v, status %q", tc.Position().Free, a.Status)
	}

	s1, s2, s3 := tc.Join(), tc.Join(), tc.Join()
	for _, m := range []struct {
		id  int
		msg string
	}{{s1, "c1 answer 3 right SYN-RECEIVED"}, {s2, "c1 answer 3 wrong LISTEN"}, {s3, "c1 answer 1 right SYN-SENT"}} {
		if err := tc.Receive(m.id, []byte(m.msg)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"class lab — students: 3, following you", "1 right, 1 wrong, 0 skipped, 1 not yet", "answers: LISTEN ×1, SYN-RECEIVED ×1"}
	if got := a.lessonText().class; !slices.Equal(got, want) {
		t.Fatalf("panel %q, want %q", got, want)
	}
	tc.Leave(s2)
	want = []string{"class lab — students: 2, following you", "1 right, 0 wrong, 0 skipped, 1 not yet", "answers: SYN-RECEIVED ×1"}
	if got := a.lessonText().class; !slices.Equal(got, want) {
		t.Fatalf("after a student left: %q, want %q", got, want)
	}
	if got := a.ClassSummary(); got != "class lab — students: 2, following you · 1 right, 0 wrong, 0 skipped, 1 not yet · answers: SYN-RECEIVED ×1" {
		t.Fatalf("summary %q", got)
	}
	press(a, KeyC)
	if got := a.lessonText().class[1]; got != "1 对，0 错，0 跳过，1 未答" {
		t.Fatalf("in Chinese: %q", got)
	}
	// The panel with the class's lines and the teacher's button fits
	// every step, both languages, at the usual window sizes.
	lessonPanelFits(t, a, "handshake teaching", [][2]int{{1280, 800}, {1024, 768}})
}

// A student's page follows: a teacher's position moves it to the step
// and the cursor at once (a student who joins mid-lesson), its own step
// and play keys are locked while it follows, the gate still holds what
// it has not predicted, its answer goes to the teacher, and once the
// teacher unlocks it explores on its own.
func TestClassStudentFollows(t *testing.T) {
	var st class.Student
	a := openClassApp(t, 1, nil, &st)
	if got := a.lessonText().class; !slices.Equal(got, []string{"class lab: waiting for the teacher"}) {
		t.Fatalf("before the teacher: %q", got)
	}

	// The teacher is at step 3 (a question), past its gate.
	teacher := openClassApp(t, 3, nil, nil)
	_, _ = teacher.Answer("SYN-RECEIVED")
	tick(teacher, 40)
	at := class.Position{Lesson: "handshake", Step: 3, N: teacher.Cur.N, T: int64(teacher.Cur.T)}
	if err := st.Receive(class.EncodePosition(at)); err != nil {
		t.Fatal(err)
	}
	tick(a, 1)
	a.Settle()
	tick(a, 1)
	gate, held := a.Gate()
	if i, _ := a.LessonStep(); i != 2 || !held || a.Cur != gate {
		t.Fatalf("step %d, cursor %+v: want step 3 held at its gate %+v (held %v)", i+1, a.Cur, gate, held)
	}
	if a.statusLine() != "following the teacher" {
		t.Errorf("status %q", a.statusLine())
	}
	for _, k := range []Key{KeyBracketLeft, KeySpace, KeyRight, KeyEnd, KeyD} {
		press(a, k)
		if i, _ := a.LessonStep(); i != 2 || a.Playing || a.Status != "following the teacher" || len(a.req.WhatIfs) != 0 {
			t.Fatalf("key %d moved a following page: step %d, playing %v, status %q", k, i+1, a.Playing, a.Status)
		}
	}
	// A slider would change the run, as a what-if does: it does not move.
	g := a.regions(1280, 800)
	tr := sliderTrack(g.sliders[sLoss])
	y := tr.Y + tr.H/2
	_ = a.Update(Input{Mouse: layout.Pt{X: tr.X + 1, Y: y}, Pressed: true, Down: true, Width: 1280, Height: 800})
	_ = a.Update(Input{Mouse: layout.Pt{X: tr.X + tr.W*0.5, Y: y}, Down: true, Width: 1280, Height: 800})
	_ = a.Update(Input{Mouse: layout.Pt{X: tr.X + tr.W*0.5, Y: y}, Released: true, Width: 1280, Height: 800})
	if a.req.Links != nil || a.sliders[sLoss] != 0 || a.Status != "following the teacher" {
		t.Fatalf("a slider moved a following page: links %+v, slider %v, status %q", a.req.Links, a.sliders[sLoss], a.Status)
	}
	press(a, Key2) // SYN-RECEIVED: right
	if a.StepResult(2) != progress.Right {
		t.Fatalf("result %v", a.StepResult(2))
	}
	out, _ := st.Outbox()
	if len(out) != 1 || string(out[0]) != "c1 answer 3 right SYN-RECEIVED" {
		t.Fatalf("to the teacher: %q", out)
	}
	tick(a, 1)
	if a.Cur != (layout.Cursor{T: teacher.Cur.T, N: teacher.Cur.N}) {
		t.Fatalf("answered: cursor %+v, want the teacher's %+v", a.Cur, teacher.Cur)
	}

	// Free exploration: the keys are the student's again.
	at.Free = true
	if err := st.Receive(class.EncodePosition(at)); err != nil {
		t.Fatal(err)
	}
	tick(a, 1)
	if a.statusLine() != "free exploration" || !slices.Equal(a.lessonText().class, []string{"class lab: free exploration"}) {
		t.Fatalf("status %q, panel %q", a.statusLine(), a.lessonText().class)
	}
	press(a, KeyBracketRight)
	if i, _ := a.LessonStep(); i != 3 {
		t.Fatalf("] in free exploration: step %d, want 4", i+1)
	}
	// Locked again: back where the teacher is.
	at.Free = false
	st.Receive(class.EncodePosition(at))
	tick(a, 1)
	a.Settle()
	tick(a, 1)
	if i, _ := a.LessonStep(); i != 2 || a.Cur != (layout.Cursor{T: teacher.Cur.T, N: teacher.Cur.N}) {
		t.Fatalf("locked again: step %d at %+v", i+1, a.Cur)
	}
	// A teacher in another lesson is named, not followed.
	st.Receive(class.EncodePosition(class.Position{Lesson: "tcp-vs-udp", Step: 2}))
	tick(a, 1)
	if i, _ := a.LessonStep(); i != 2 || a.Status != "the teacher is in lesson tcp-vs-udp: open that lesson to follow" {
		t.Fatalf("another lesson: step %d, status %q", i+1, a.Status)
	}
	// A skip is sent without an answer.
	a.GotoStep(3)
	a.Skip()
	if out, _ := st.Outbox(); len(out) != 1 || string(out[0]) != "c1 answer 4 skipped" {
		t.Fatalf("skip: %q", out)
	}
}
