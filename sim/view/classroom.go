package view

import (
	"strconv"
	"strings"
	"time"

	"socketlab/sim/class"
	"socketlab/sim/view/layout"
	"socketlab/sim/view/progress"
)

// A class room in the playground ("follow the teacher"): the teacher's
// page leads a lesson, each student's page follows its step and cursor.
// The state and the messages are package class's; the page's glue
// (cmd/wasm) carries the messages. Here the App, once per tick, tells
// the teacher's class where its lesson is (Lead), or moves a student's
// lesson to where the teacher's is; locks a student's navigation keys
// while it follows; sends each of a student's answers; and shows the
// teacher how the class answered the step's question.

// classroom is the App's part in a class.
type classroom struct {
	name    string
	teach   *class.Teacher // the teacher's page
	follow  *class.Student // a student's page
	seq     uint64         // the student's last position taken
	mode    string         // the status key last said ("" before the first)
	unknown string         // the other lesson the teacher is in, said once
}

// classTick runs once per tick, after the keys and before the gate: the
// teacher's position goes out, or the student's page follows.
func (a *App) classTick() {
	c, t := a.class, a.tut
	if c == nil || t == nil {
		return
	}
	if c.teach != nil {
		c.teach.Lead(class.Position{Lesson: t.l.ID, Step: t.step + 1, N: a.Cur.N, T: int64(a.Cur.T)})
		return
	}
	p, seq := c.follow.Position()
	if seq == 0 {
		return
	}
	mode := "status.class.free"
	if c.follow.Following() {
		mode = "status.class.following"
	}
	if mode != c.mode {
		c.mode, a.Status = mode, a.tr(mode)
	}
	if mode != "status.class.following" {
		return
	}
	if p.Lesson != t.l.ID || p.Step > len(t.l.Steps) {
		if c.unknown != p.Lesson {
			c.unknown, a.Status = p.Lesson, a.tr("status.class.lesson", p.Lesson)
		}
		return
	}
	if seq != c.seq && p.Step-1 != t.step {
		a.GotoStep(p.Step - 1)
		a.Status = a.tr(mode)
	}
	c.seq = seq
	// Every tick, not only when a position came: a click on the timeline
	// does not take a following page elsewhere. The gate still holds the
	// cursor before an answer the student has not predicted.
	if a.ownRun() {
		a.Cur = layout.Cursor{T: time.Duration(p.T), N: min(p.N, a.M.Len())}
		a.Playing, a.Live = false, false
	}
}

// followLocked reports whether k moves a student's page on its own while
// it follows the teacher: the step keys (except skipping the open
// question), playing and stepping, and everything that changes the run.
func (a *App) followLocked(k Key) bool {
	c := a.class
	if c == nil || c.follow == nil || a.tut == nil || !c.follow.Following() {
		return false
	}
	switch k {
	case KeyBracketRight:
		return !a.tut.open()
	case KeyBracketLeft, KeySpace, KeyLeft, KeyRight, KeyR, KeyHome, KeyEnd, KeyP, KeyN, KeyD, KeyL, KeyU, KeyZ, KeyY, KeyK:
		return true
	}
	return false
}

// classKey handles the teacher's key: E unlocks or locks free
// exploration. It reports whether it used the key.
func (a *App) classKey(k Key) bool {
	c := a.class
	if c == nil || c.teach == nil || k != KeyE {
		return false
	}
	free := !c.teach.Position().Free
	c.teach.SetFree(free)
	a.Status = a.tr("status.class.locked")
	if free {
		a.Status = a.tr("status.class.unlocked")
	}
	return true
}

// classAnswered sends a student's answer to the teacher: the result, and
// what was given, its spaces and other characters a message cannot
// carry made '_'.
func (a *App) classAnswered(step int, r progress.Result, given string) {
	c := a.class
	if c == nil || c.follow == nil {
		return
	}
	res := map[progress.Result]class.Result{progress.Right: class.Right, progress.Wrong: class.Wrong, progress.Skipped: class.Skipped}[r]
	if res == class.Skipped {
		given = ""
	} else {
		given = strings.Map(func(r rune) rune {
			if r <= ' ' || r > '~' {
				return '_'
			}
			return r
		}, given)
		if len(given) > 32 {
			given = given[:32]
		}
		if given == "" {
			given = "_"
		}
	}
	c.follow.Answered(class.Answer{Step: step + 1, Result: res, Given: given})
}

// classLines are the lesson panel's lines about the class: for the
// teacher, the students connected and whether they explore freely, then
// the tally of the step's question; for a student, whether it follows.
func (a *App) classLines() []string {
	c, t := a.class, a.tut
	if c == nil || t == nil {
		return nil
	}
	if c.follow != nil {
		if _, seq := c.follow.Position(); seq == 0 {
			return []string{a.tr("class.student.waiting", c.name)}
		}
		if c.follow.Following() {
			return []string{a.tr("class.student.following", c.name)}
		}
		return []string{a.tr("class.student.free", c.name)}
	}
	key := "class.teacher.locked"
	if c.teach.Position().Free {
		key = "class.teacher.free"
	}
	lines := []string{a.tr(key, c.name, c.teach.Students())}
	if t.question() == nil {
		return lines
	}
	tl := c.teach.Tally(t.step + 1)
	lines = append(lines, a.tr("class.tally", tl.Right, tl.Wrong, tl.Skipped, tl.NotYet))
	if len(tl.Given) > 0 {
		var parts []string
		for _, g := range tl.Given {
			parts = append(parts, g.Given+" ×"+strconv.Itoa(g.N))
		}
		lines = append(lines, a.tr("class.given", strings.Join(parts, ", ")))
	}
	return lines
}

// ClassSummary returns the class's lines of the lesson panel as one line
// ("" outside a class), for the page's live region.
func (a *App) ClassSummary() string { return strings.Join(a.classLines(), " · ") }

// statusLine is the status line: the last message, or, on a student's
// page, whether it follows the teacher.
func (a *App) statusLine() string {
	if a.Status == "" && a.class != nil && a.class.mode != "" {
		return a.tr(a.class.mode)
	}
	return a.Status
}
