package view

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/lesson"
	"socketlab/sim/view/layout"
	"socketlab/sim/view/progress"
)

// A lesson in the playground: its steps shown one at a time, each at its
// scenario's moment with its narration and highlights, and each question
// asked before the run shows the answer — predict, then see.
//
// The tutor is the state machine: which step is shown, what the learner
// has typed or chosen, which questions are answered. While a step's
// question is open, the cursor cannot pass the step's moment (holdGate):
// stepping, playing and scrubbing stop there, and the status line says
// why. Answering (right or wrong) or skipping shows the explanation,
// lifts the gate and plays on, so the answer appears on the wire.
//
// Every step's moment is computed by the lesson package when the lesson
// opens (lesson.PlayAll), before the window does: nothing is simulated in
// Update for a question. The playground shows a step's run through its
// Source like any other request, so what-ifs and sliders still work; the
// gate holds only on the lesson's own run.

// tutor is an open lesson.
type tutor struct {
	l       *lesson.Lesson
	moments []*lesson.Moment
	reqs    []Request // each step's run
	step    int
	results []progress.Result // per step
	given   []string          // per step: what the learner answered
	hints   []bool            // per step: the hint was shown
	counted []bool            // per step: this session's answer is in the progress' tries
	typed   string            // the number being typed
}

// ErrLessonQuestion is Answer's error when the step shown has no open
// question.
var ErrLessonQuestion = errors.New("no open question")

// ErrNotANumber is Answer's error for a number question given text that
// is not a number: the learner is asked again, nothing is counted.
var ErrNotANumber = errors.New("not a number")

// openLesson plays every step of l and returns its tutor; the App then
// shows step.
func openLesson(l *lesson.Lesson) (*tutor, error) {
	ms, err := l.PlayAll()
	if err != nil {
		return nil, err
	}
	n := len(l.Steps)
	t := &tutor{l: l, moments: ms, results: make([]progress.Result, n), given: make([]string, n),
		hints: make([]bool, n), counted: make([]bool, n)}
	for i := range t.results {
		t.results[i] = progress.Unanswered
	}
	for _, s := range l.Steps {
		t.reqs = append(t.reqs, stepRequest(l, s))
	}
	return t, nil
}

// stepRequest is the request that shows step s's scenario: the preset, or
// the lesson's inline scenario as a document.
func stepRequest(l *lesson.Lesson, s lesson.Step) Request {
	if s.Scenario.Inline == nil {
		return Request{Preset: s.Scenario.Preset}
	}
	doc, err := s.Scenario.MarshalJSON()
	if err != nil { // a parsed scenario always encodes
		panic(err)
	}
	return Request{Doc: doc, DocName: l.ID}
}

// question is the step's question, nil without one.
func (t *tutor) question() *lesson.Question { return t.l.Steps[t.step].Question }

// open reports whether the step shown asks a question not yet answered.
func (t *tutor) open() bool { return t.question() != nil && t.results[t.step] == progress.Unanswered }

// Lesson returns the open lesson, or nil.
func (a *App) Lesson() *lesson.Lesson {
	if a.tut == nil {
		return nil
	}
	return a.tut.l
}

// LessonStep returns the step shown, from 0, and the number of steps; n
// is 0 without a lesson.
func (a *App) LessonStep() (i, n int) {
	if a.tut == nil {
		return 0, 0
	}
	return a.tut.step, len(a.tut.l.Steps)
}

// QuestionOpen reports whether the step shown asks a question that is
// not answered yet: the run is held before its answer.
func (a *App) QuestionOpen() bool { return a.tut != nil && a.tut.open() }

// StepResult returns what became of step i's question.
func (a *App) StepResult(i int) progress.Result {
	if a.tut == nil || i < 0 || i >= len(a.tut.results) {
		return progress.Unanswered
	}
	return a.tut.results[i]
}

// Typed returns the number typed so far for the open question.
func (a *App) Typed() string {
	if a.tut == nil {
		return ""
	}
	return a.tut.typed
}

// ownRun reports whether the run shown is the step's own: no what-if, no
// slider, no other seed, no other scenario.
func (a *App) ownRun() bool { return a.ownRunOf(a.tut.reqs[a.tut.step]) }

// Gate returns the furthest the cursor may go while the step's question
// is open: the step's moment (the end of its range), or, when the event
// the answer is read from comes within it or at that very instant (the
// SYN-ACK sent as the SYN arrives), just before that event, so that the
// answer is not drawn. An answer read from an event before the step (the
// datagram just sent: will it arrive?) holds the cursor at the step's
// end. ok is false when nothing holds the cursor.
func (a *App) Gate() (c layout.Cursor, ok bool) {
	if a.tut == nil || !a.tut.open() || !a.ownRun() {
		return layout.Cursor{}, false
	}
	m := a.tut.moments[a.tut.step]
	c = layout.Cursor{T: m.To.At, N: m.To.N}
	if r := m.Reveal; r >= m.From.N && r < a.M.Len() {
		c.N = min(c.N, r)
		if at := a.M.Event(r).At; at <= c.T {
			c.T = max(at-time.Nanosecond, 0)
		}
	}
	return c, true
}

// holdGate keeps the cursor at or before the gate; reaching it pauses
// the run and says why on the status line.
func (a *App) holdGate() {
	g, ok := a.Gate()
	if !ok || a.Cur.N <= g.N && a.Cur.T <= g.T {
		return
	}
	a.Cur = g
	if a.Playing || a.Status == "" {
		a.Status = a.tr("status.lesson.gate")
	}
	a.Playing = false
}

// GotoStep shows step i (from 0) of the lesson: its run, the cursor at
// its moment (the start of a range), its highlights. Past either end it
// says so on the status line and stays.
func (a *App) GotoStep(i int) {
	t := a.tut
	if t == nil {
		return
	}
	if i < 0 || i >= len(t.l.Steps) {
		if i < 0 {
			a.Status = a.tr("status.lesson.first")
		} else {
			right := 0
			for _, r := range t.results {
				if r == progress.Right {
					right++
				}
			}
			a.Status = a.tr("status.lesson.done", right, t.l.Questions())
		}
		return
	}
	a.dropTry()
	t.step, t.typed = i, ""
	a.Playing, a.Help, a.Picker = false, false, false
	a.Status = ""
	a.saveProgress()
	req := t.reqs[i]
	if a.ownRunOf(req) {
		a.placeStep()
		return
	}
	if a.rerun(req.Clone(), false, a.placeStep) == nil {
		a.undo, a.redo, a.Ghost = nil, nil, nil
	}
}

// ownRunOf reports whether the run shown is req's, untouched.
func (a *App) ownRunOf(req Request) bool {
	return a.next == nil && a.req.Preset == req.Preset && string(a.req.Doc) == string(req.Doc) &&
		!a.req.HasSeed && a.req.Links == nil && len(a.req.WhatIfs) == 0
}

// placeStep puts the cursor at the shown step's moment and marks its
// packets, once its run is shown.
func (a *App) placeStep() {
	t := a.tut
	m := t.moments[t.step]
	a.Cur = layout.Cursor{T: m.From.At, N: m.From.N}
	a.Live, a.evFollow = false, true
	a.remark(m.Highlight)
	a.zoomHeld = false
	a.stepZoom()
	a.holdGate()
}

// marked reports whether the step highlights flight fi.
func (a *App) marked(fi int) bool { return a.tut != nil && slices.Contains(a.marks, fi) }

// Answer answers the open question: a number (a trailing "ms" allowed)
// or a choice's value, checked by the lesson package against what the
// simulator showed. Right or wrong, the explanation shows and the run
// plays on to the answer. A number question given no number returns
// ErrNotANumber and stays open.
func (a *App) Answer(input string) (right bool, err error) {
	t := a.tut
	if t == nil || !t.open() {
		return false, ErrLessonQuestion
	}
	q := t.question()
	if q.Kind == "number" {
		s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(input), "ms"))
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			a.Status = a.tr("status.lesson.number")
			return false, ErrNotANumber
		}
	}
	right = q.CheckValue(input, *t.moments[t.step].Expected) // the run, not the author, judges
	t.results[t.step], t.given[t.step] = progress.Wrong, strings.TrimSpace(input)
	if right {
		t.results[t.step] = progress.Right
	}
	a.classAnswered(t.step, t.results[t.step], t.given[t.step])
	a.reveal()
	return right, nil
}

// Skip gives up the open question: the explanation shows, and the run
// plays on to the answer.
func (a *App) Skip() {
	t := a.tut
	if t == nil || !t.open() {
		return
	}
	t.results[t.step] = progress.Skipped
	a.classAnswered(t.step, progress.Skipped, "")
	a.reveal()
}

// reveal ends the question: the typing ends, the progress is saved and
// the run plays on from where it was held.
func (a *App) reveal() {
	a.tut.typed = ""
	a.Status = ""
	a.saveProgress()
	if a.Cur.N < a.M.Len() {
		a.Playing = true
	}
}

// ShowHint shows the open question's hint (and remembers that it was
// asked for).
func (a *App) ShowHint() {
	if t := a.tut; t != nil && t.question() != nil {
		t.hints[t.step] = true
		a.saveProgress()
	}
}

// lessonKey handles a key that means something in a lesson: [ and ] go
// to the previous and next step (] skips an open question first), ?
// shows the hint, 1–9 choose an answer or type a digit, Backspace and
// Enter edit and give a number. It reports whether it used the key.
func (a *App) lessonKey(k Key) bool {
	t := a.tut
	if t == nil || a.Prompting {
		return false
	}
	switch k {
	case KeyBracketLeft:
		a.GotoStep(t.step - 1)
		return true
	case KeyBracketRight:
		if t.open() {
			a.Skip()
		} else {
			a.GotoStep(t.step + 1)
		}
		return true
	case KeySlash:
		a.ShowHint()
		return true
	case KeyI:
		a.TryReal()
		return true
	}
	if !t.open() {
		return false
	}
	q := t.question()
	switch {
	case k >= Key1 && k <= Key9 && q.Kind == "choice":
		if n := int(k - Key1); n < len(q.Choices) {
			_, _ = a.Answer(q.Choices[n].Value)
		}
		return true
	case k >= Key1 && k <= Key9: // typed as characters (typeChars)
		return true
	case k == KeyBackspace && q.Kind == "number":
		if t.typed != "" {
			t.typed = t.typed[:len(t.typed)-1]
		}
		return true
	case k == KeyEnter && q.Kind == "number":
		_, _ = a.Answer(t.typed)
		return true
	}
	return false
}

// maxTyped bounds the number typed.
const maxTyped = 16

// typeChars adds the digits and the decimal point of this tick's typing
// to the number being typed; other characters are keys (Space plays).
func (a *App) typeChars(chars []rune) {
	t := a.tut
	if t == nil || a.Prompting || !t.open() || t.question().Kind != "number" {
		return
	}
	for _, r := range chars {
		if (r >= '0' && r <= '9' || r == '.') && len(t.typed) < maxTyped {
			t.typed += string(r)
		}
	}
}

// record puts the tutor's state into p: the step shown, and every
// question answered, skipped or hinted in this session.
func (t *tutor) record(p *progress.Progress) {
	lp := p.Lesson(t.l.ID)
	lp.Steps, lp.Step = len(t.l.Steps), t.step+1
	for i, r := range t.results {
		if r == progress.Unanswered && !t.hints[i] {
			continue
		}
		q := lp.Question(i + 1)
		q.Hint = q.Hint || t.hints[i]
		if r == progress.Unanswered {
			continue
		}
		q.Result, q.Answer = r, t.given[i]
		if !t.counted[i] {
			q.Tries++
			t.counted[i] = true
		}
	}
}

// saveProgress writes the open lesson's progress to the store; a failure
// goes to the status line.
func (a *App) saveProgress() {
	if a.tut == nil || a.progress == nil {
		return
	}
	data, err := a.progress.Load()
	var p *progress.Progress
	if err == nil {
		p, err = progress.Parse(data)
	}
	if err != nil { // a broken file is started again rather than blocking the lesson
		p = &progress.Progress{Version: progress.Version}
	}
	a.tut.record(p)
	if err := a.progress.Save(p.Encode()); err != nil {
		a.Status = a.tr("status.error", err.Error())
	}
}

// resumeStep is where lesson id was left, from 0; 0 without progress.
func resumeStep(st progress.Store, l *lesson.Lesson) int {
	if st == nil {
		return 0
	}
	data, err := st.Load()
	if err != nil {
		return 0
	}
	p, err := progress.Parse(data)
	if err != nil {
		return 0
	}
	if lp := p.Find(l.ID); lp != nil && lp.Step >= 1 && lp.Step <= len(l.Steps) {
		return lp.Step - 1
	}
	return 0
}
