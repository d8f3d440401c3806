package view

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/sim/lesson"
	"socketlab/sim/view/layout"
	"socketlab/sim/view/progress"
)

// openLessonApp opens the playground on a shipped lesson at step (from
// 1; 0: where the store says), on the simulator.
func openLessonApp(t *testing.T, id string, step int, st progress.Store) *App {
	t.Helper()
	l, err := lesson.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Source: SimSource{}, Lesson: l, Step: step, Progress: st, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Settle()
	return a
}

// flightShown reports whether packet id has an arrow at the cursor: on
// the wire, or arrived.
func flightShown(a *App, id uint64) bool {
	for i := range a.M.Flights {
		if a.M.Flights[i].ID == id && a.M.Flights[i].Start <= a.Cur.T {
			return true
		}
	}
	return false
}

// The lesson opens at its first step: the step's scenario, the cursor at
// its moment, its packet highlighted and selected, its question open.
func TestLessonOpensAtItsFirstStep(t *testing.T) {
	a := openLessonApp(t, "handshake", 0, nil)
	if i, n := a.LessonStep(); i != 0 || n != 10 {
		t.Fatalf("step %d of %d, want 0 of 10", i, n)
	}
	if a.M.Header.Scenario != "handshake" {
		t.Errorf("scenario %q, want handshake", a.M.Header.Scenario)
	}
	// "the 1st send by client of a SYN": the third event, at 0.
	if a.Cur != (layout.Cursor{T: 0, N: 3}) {
		t.Errorf("cursor %+v, want {0 3}", a.Cur)
	}
	if !a.QuestionOpen() {
		t.Error("the question is not open")
	}
	if len(a.marks) != 1 || a.Sel != a.marks[0] || a.M.Flights[a.Sel].ID != 1 {
		t.Errorf("marks %v, selection %d: want packet #1 (the SYN) marked and selected", a.marks, a.Sel)
	}
	if !strings.Contains(a.lessonText().narration, "connect()") {
		t.Errorf("narration %q", a.lessonText().narration)
	}
	if got := a.screenIn().title; got != "The three-way handshake and the close" {
		t.Errorf("title %q, want the lesson's", got)
	}
	press(a, KeyC)
	if got := a.lessonText().narration; !strings.Contains(got, "调用 connect()") {
		t.Errorf("after C the narration is %q, want Chinese", got)
	}
	if got := a.screenIn().title; got != "三次握手与连接关闭" {
		t.Errorf("after C the title is %q, want the lesson's in Chinese", got)
	}
}

// Step 2 asks the SYN-ACK's ack as the SYN arrives; the SYN-ACK leaves
// at that same instant, so the run holds a nanosecond before it: →,
// Space and the timeline all stop there and the status line says why.
func TestLessonHoldsTheRunBeforeTheAnswer(t *testing.T) {
	a := openLessonApp(t, "handshake", 2, nil)
	want := layout.Cursor{T: 10*ms - time.Nanosecond, N: 6}
	if g, ok := a.Gate(); !ok || g != want {
		t.Fatalf("gate %+v %v, want %+v", g, ok, want)
	}
	if a.Cur != want {
		t.Fatalf("cursor %+v, want the gate %+v", a.Cur, want)
	}
	if flightShown(a, 2) {
		t.Fatal("the SYN-ACK (#2) is drawn before the question is answered")
	}
	press(a, KeyRight, KeyRight, KeyEnd)
	if a.Cur != want || a.Status != a.tr("status.lesson.gate") {
		t.Fatalf("after →, →, End: cursor %+v status %q", a.Cur, a.Status)
	}
	press(a, KeySpace)
	tick(a, 120)
	if a.Cur != want || a.Playing {
		t.Fatalf("after playing: cursor %+v playing %v", a.Cur, a.Playing)
	}
	a.SetTime(a.M.End) // the timeline, dragged to the end
	tick(a, 1)
	if a.Cur != want {
		t.Fatalf("after scrubbing: cursor %+v", a.Cur)
	}
	// Stepping back is free.
	press(a, KeyLeft)
	if a.Cur.N != 5 {
		t.Fatalf("← gave %+v, want N=5", a.Cur)
	}
}

// A wrong number: the explanation of a wrong answer, the gate lifted,
// the run playing on until the SYN-ACK is drawn.
func TestLessonWrongNumberThenSee(t *testing.T) {
	a := openLessonApp(t, "handshake", 2, nil)
	_ = a.Update(Input{Keys: []Key{Key2}, Chars: []rune("2"), Width: 1280, Height: 800})
	if a.Typed() != "2" || !a.QuestionOpen() {
		t.Fatalf("typed %q open %v, want 2 and open", a.Typed(), a.QuestionOpen())
	}
	if a.Status == a.tr("status.nolive") {
		t.Error("the digit also ran the live action key")
	}
	press(a, KeyEnter)
	if got := a.StepResult(1); got != progress.Wrong {
		t.Fatalf("result %v, want wrong", got)
	}
	in := a.lessonText()
	if !strings.HasPrefix(in.feedback, "× The answer is 1") || in.typed != "your answer: 2 — the run shows 1" {
		t.Errorf("feedback %q, typed %q", in.feedback, in.typed)
	}
	if !a.Playing {
		t.Fatal("the run does not play on after the answer")
	}
	tick(a, 60)
	if !flightShown(a, 2) {
		t.Fatalf("at %+v the SYN-ACK is still not drawn", a.Cur)
	}
}

// A right choice by its key; the hint on demand; Enter with nothing
// typed asks for a number and counts nothing.
func TestLessonRightChoiceHintAndNotANumber(t *testing.T) {
	a := openLessonApp(t, "handshake", 1, nil)
	press(a, KeySlash)
	if in := a.lessonText(); in.feedback != "Hint: It has sent its SYN and is waiting for the answer." {
		t.Errorf("hint %q", in.feedback)
	}
	press(a, Key3) // SYN-SENT
	if got := a.StepResult(0); got != progress.Right {
		t.Fatalf("result %v, want right", got)
	}
	in := a.lessonText()
	if !strings.HasPrefix(in.feedback, "✓ Right: SYN-SENT.") || in.marks[2] != markAnswer || in.marks[1] != markNone {
		t.Errorf("feedback %q marks %v", in.feedback, in.marks)
	}
	press(a, KeyBracketRight) // the question is answered: the next step
	if i, _ := a.LessonStep(); i != 1 {
		t.Fatalf("] went to step %d, want 1", i)
	}
	if _, err := a.Answer(""); !errors.Is(err, ErrNotANumber) || !a.QuestionOpen() || a.Status != a.tr("status.lesson.number") {
		t.Errorf("empty answer: %v, open %v, status %q", err, a.QuestionOpen(), a.Status)
	}
	if _, err := a.Answer("1 ms"); err != nil || a.StepResult(1) != progress.Right {
		t.Errorf("\"1 ms\": %v, %v", err, a.StepResult(1))
	}
	if _, err := a.Answer("1"); !errors.Is(err, ErrLessonQuestion) {
		t.Errorf("a second answer: %v, want ErrLessonQuestion", err)
	}
}

// ] skips an open question (the answer shows, the run plays on), ] again
// goes on; [ before the first step and ] after the last say so.
func TestLessonSkipAndEnds(t *testing.T) {
	a := openLessonApp(t, "handshake", 1, nil)
	press(a, KeyBracketLeft)
	if i, _ := a.LessonStep(); i != 0 || a.Status != a.tr("status.lesson.first") {
		t.Errorf("[ at the first step: step %d, status %q", i, a.Status)
	}
	press(a, KeyBracketRight)
	if i, _ := a.LessonStep(); i != 0 || a.StepResult(0) != progress.Skipped || !a.Playing {
		t.Fatalf("] skipped to step %d, result %v, playing %v", i, a.StepResult(0), a.Playing)
	}
	if in := a.lessonText(); !strings.HasPrefix(in.feedback, "Skipped. It is SYN-SENT") {
		t.Errorf("feedback %q", in.feedback)
	}
	press(a, KeyBracketRight)
	if i, _ := a.LessonStep(); i != 1 {
		t.Fatalf("] after the skip: step %d, want 1", i)
	}
	a.GotoStep(9)
	a.Settle()
	_, _ = a.Answer("CLOSED")
	press(a, KeyBracketRight)
	if i, _ := a.LessonStep(); i != 9 || a.Status != "the last step: lesson done, 1 of 10 right" {
		t.Errorf("] at the end: step %d, status %q", i, a.Status)
	}
}

// A step on another scenario re-runs, and its cursor is placed once the
// run is shown; a what-if leaves the lesson's run, and the gate with it.
func TestLessonStepChangesScenarioAndWhatIfLiftsGate(t *testing.T) {
	a := openLessonApp(t, "handshake", 5, nil)
	if a.M.Header.Scenario != "handshake" {
		t.Fatalf("step 5 on %q", a.M.Header.Scenario)
	}
	press(a, KeyBracketRight) // skip
	press(a, KeyBracketRight) // step 6: teardown
	a.Settle()
	if a.M.Header.Scenario != "teardown" || a.Cur != (layout.Cursor{T: 40 * ms, N: 42}) {
		t.Fatalf("step 6: %q at %+v, want teardown at {40ms 42}", a.M.Header.Scenario, a.Cur)
	}
	if _, ok := a.Gate(); !ok {
		t.Fatal("no gate on step 6's own run")
	}
	a.Sel = 0
	if err := a.WhatIf("drop"); err != nil {
		t.Fatal(err)
	}
	a.Settle()
	if _, ok := a.Gate(); ok {
		t.Error("the gate holds a what-if's run")
	}
}

// Answers, hints and the step reached go to the store as they happen;
// the next session opens where the learner left.
func TestLessonProgressSavedAndLoaded(t *testing.T) {
	st := &progress.Memory{}
	a := openLessonApp(t, "handshake", 0, st)
	press(a, Key3) // right
	press(a, KeyBracketRight)
	press(a, KeySlash)
	_, _ = a.Answer("7") // wrong
	press(a, KeyBracketRight)
	press(a, KeyBracketRight) // step 3: skip
	p, err := progress.Parse(st.Data)
	if err != nil {
		t.Fatal(err)
	}
	want := []progress.Lesson{{ID: "handshake", Steps: 10, Step: 3, Questions: []progress.Question{
		{Step: 1, Result: progress.Right, Answer: "SYN-SENT", Tries: 1},
		{Step: 2, Result: progress.Wrong, Answer: "7", Hint: true, Tries: 1},
		{Step: 3, Result: progress.Skipped, Tries: 1},
	}}}
	if !slices.EqualFunc(p.Lessons, want, func(x, y progress.Lesson) bool {
		return x.ID == y.ID && x.Steps == y.Steps && x.Step == y.Step && slices.Equal(x.Questions, y.Questions)
	}) {
		t.Fatalf("saved %+v\nwant  %+v", p.Lessons, want)
	}
	a.Close()

	b := openLessonApp(t, "handshake", 0, st)
	if i, _ := b.LessonStep(); i != 2 || !b.QuestionOpen() {
		t.Fatalf("the next session opens at step %d (open %v), want 2, asked again", i, b.QuestionOpen())
	}
	_, _ = b.Answer("SYN-RECEIVED")
	p, _ = progress.Parse(st.Data)
	if q := p.Lessons[0].Questions[2]; q.Result != progress.Right || q.Tries != 2 {
		t.Errorf("step 3 after a second session: %+v, want right in 2 tries", q)
	}
}

// Every shipped lesson, walked end to end through the playground as a
// learner would: each step's run is the one the lesson package checked,
// the run is held before each answer (its event not yet happened), and
// each question answered with the simulator's value is right.
func TestLessonWalkEveryShippedLesson(t *testing.T) {
	for _, info := range lesson.List() {
		t.Run(info.ID, func(t *testing.T) {
			a := openLessonApp(t, info.ID, 1, nil)
			l := a.Lesson()
			ms, err := l.PlayAll()
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range ms {
				if i > 0 {
					press(a, KeyBracketRight)
					a.Settle()
				}
				if got, _ := a.LessonStep(); got != i {
					t.Fatalf("at step %d, want %d", got, i)
				}
				if a.M.Len() != len(m.Trace.Events) || a.M.End != m.Trace.Events[len(m.Trace.Events)-1].At {
					t.Fatalf("step %d: the playground's run has %d events, the lesson's %d", i, a.M.Len(), len(m.Trace.Events))
				}
				q := l.Steps[i].Question
				if q == nil {
					if a.QuestionOpen() || a.Cur != (layout.Cursor{T: m.From.At, N: m.From.N}) {
						t.Fatalf("step %d: open %v cursor %+v, want %+v", i, a.QuestionOpen(), a.Cur, m.From)
					}
					continue
				}
				press(a, KeySpace)
				tick(a, 600)
				g, ok := a.Gate()
				if !ok || a.Cur.N > g.N || a.Cur.T > g.T || a.Cur.N > m.To.N {
					t.Fatalf("step %d: cursor %+v past the gate %+v (%v)", i, a.Cur, g, ok)
				}
				if r := m.Reveal; r >= m.From.N && (a.Cur.N > r || a.Cur.T >= m.Trace.Events[r].At) {
					t.Fatalf("step %d: cursor %+v shows the answer's event %d at %v", i, a.Cur, r, m.Trace.Events[r].At)
				}
				if q.Kind == "number" {
					in := Input{Chars: []rune(m.Expected.String()), Width: 1280, Height: 800}
					_ = a.Update(in)
					press(a, KeyEnter)
				} else {
					k := slices.IndexFunc(q.Choices, func(c lesson.Choice) bool { return c.Value == m.Expected.Word })
					press(a, Key1+Key(k))
				}
				if got := a.StepResult(i); got != progress.Right {
					t.Fatalf("step %d: answering %s (%s) is %v", i, m.Expected, q.Expect, got)
				}
			}
			for i, s := range l.Steps {
				if want := map[bool]progress.Result{true: progress.Right, false: progress.Unanswered}[s.Question != nil]; a.StepResult(i) != want {
					t.Errorf("step %d: %v, want %v", i, a.StepResult(i), want)
				}
			}
		})
	}
}

// The lesson panel fits the topology's place for every step of every
// lesson, in both languages, answered or not, at the smallest and the
// usual window, in every theme at its own and at the largest type (the
// projector's from 1600×1000, as the other panels): every line and
// button inside the panel, no two buttons overlapping.
func TestLessonPanelFits(t *testing.T) {
	type look struct {
		th    *layout.Theme
		scale float64
		sizes [][2]int
	}
	var looks []look
	for _, th := range layout.Themes {
		sizes := [][2]int{{1024, 768}, {1280, 800}, {960, 600}}
		large := [][2]int{{1280, 800}}
		if th.Name == "projector" {
			sizes, large = [][2]int{{1280, 800}, {1600, 1000}}, [][2]int{{1600, 1000}}
		}
		looks = append(looks, look{th, 1, sizes}, look{th, TypeScales[len(TypeScales)-1], large})
	}
	for _, info := range lesson.List() {
		a := openLessonApp(t, info.ID, 1, nil)
		for _, lk := range looks {
			a.setTheme(lk.th, lk.scale)
			lessonPanelFits(t, a, info.ID+" "+lk.th.Name+fmt.Sprintf(" ×%.2f", lk.scale), lk.sizes)
		}
		a.Close()
	}
}

func lessonPanelFits(t *testing.T, a *App, name string, sizes [][2]int) {
	t.Helper()
	for _, size := range sizes {
		g := a.regions(size[0], size[1])
		for i := range a.Lesson().Steps {
			a.tut.step = i
			for _, lang := range []string{"en", "zh"} {
				a.Lang = lang
				for _, res := range []progress.Result{progress.Unanswered, progress.Wrong} {
					a.tut.results[i], a.tut.hints[i] = res, true
					where := fmt.Sprintf("%s step %d %s %v", name, i+1, lang, size)
					checkLessonBox(t, a, a.lessonBox(&g), where)
				}
				a.tut.results[i], a.tut.hints[i] = progress.Unanswered, false
			}
		}
	}
}

// checkLessonBox holds a laid-out panel to its type size and its edges.
func checkLessonBox(t *testing.T, a *App, lb lessonBox, where string) {
	t.Helper()
	if lb.size < a.Theme.Small*0.75 {
		t.Errorf("%s: type %.1f", where, lb.size)
	}
	for _, l := range lb.lines {
		r := layout.Rect{X: l.x, Y: l.y, W: a.painter().width(l.s, l.size), H: l.size * lineH}
		if !inside(r, lb.r) {
			t.Errorf("%s: line %q at %+v outside the panel %+v", where, l.s, r, lb.r)
		}
	}
	for j, b := range lb.buttons {
		if !inside(b.r, lb.r) {
			t.Errorf("%s: button %q at %+v outside the panel %+v", where, b.label, b.r, lb.r)
		}
		for _, c := range lb.buttons[:j] {
			if overlap(b.r, c.r) {
				t.Errorf("%s: buttons %q and %q overlap", where, b.label, c.label)
			}
		}
	}
}

func inside(r, in layout.Rect) bool {
	return r.X >= in.X-0.5 && r.Y >= in.Y-0.5 && r.X+r.W <= in.X+in.W+0.5 && r.Y+r.H <= in.Y+in.H+0.5
}

func overlap(a, b layout.Rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// A click on a choice answers it, as its key does.
func TestLessonClickAChoice(t *testing.T) {
	a := openLessonApp(t, "handshake", 1, nil)
	g := a.regions(1280, 800)
	lb := a.lessonBox(&g)
	i := slices.IndexFunc(lb.buttons, func(b button) bool { return b.key == Key3 })
	if i < 0 {
		t.Fatalf("no button for choice 3 in %+v", lb.buttons)
	}
	r := lb.buttons[i].r
	click(a, layout.Pt{X: r.X + r.W/2, Y: r.Y + r.H/2})
	if a.StepResult(0) != progress.Right {
		t.Fatalf("clicking %q: %v", lb.buttons[i].label, a.StepResult(0))
	}
}

// While the question is open the event list and the host panel, which
// would give the answer away, are veiled, and a click on them does
// nothing; the answer lifts the veil.
func TestLessonVeil(t *testing.T) {
	a := openLessonApp(t, "handshake", 3, nil)
	g := a.regions(1280, 800)
	if v := a.veiled(&g); len(v) != 2 || !g.events.Contains(layout.Pt{X: v[0].X + 1, Y: v[0].Y + 1}) || !g.host.Contains(layout.Pt{X: v[1].X + 1, Y: v[1].Y + 1}) {
		t.Fatalf("veiled %+v; events %+v host %+v", v, g.events, g.host)
	}
	before := a.Cur
	click(a, layout.Pt{X: g.events.X + 40, Y: g.events.Y + g.events.H - 10})
	if a.Cur != before {
		t.Errorf("a click on the veiled event list moved the cursor %+v -> %+v", before, a.Cur)
	}
	_, _ = a.Answer("LISTEN")
	if v := a.veiled(&g); v != nil {
		t.Errorf("still veiled after the answer: %+v", v)
	}
}

// The simulator judges, not the author: a lesson whose written answer is
// wrong (Verify would refuse it) still takes the run's value as right.
func TestLessonRunJudges(t *testing.T) {
	l, err := lesson.Parse([]byte(`{"id": "judge", "title": {"en": "J", "zh": "判"}, "chapter": 1, "steps": [{
	  "scenario": "handshake", "at": "the 1st deliver at server of a SYN",
	  "narration": {"en": "The SYN arrives.", "zh": "SYN 到达。"},
	  "question": {"kind": "number", "prompt": {"en": "ack?", "zh": "确认号？"}, "answer": 7,
	    "expect": "ack of the next packet from server", "hint": {"en": "h", "zh": "提示"},
	    "explain": {"right": {"en": "r", "zh": "对"}, "wrong": {"en": "w", "zh": "错"}}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Source: SimSource{}, Lesson: l})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if right, err := a.Answer("1"); !right || err != nil {
		t.Fatalf("the run's value 1: right %v, %v", right, err)
	}
	if in := a.lessonText(); in.typed != "your answer: 1 — the run shows 1" {
		t.Errorf("typed line %q", in.typed)
	}
}
