// Package class is what the pages of a class room say to each other and
// what each page keeps of it: one teacher leads a lesson, the students'
// pages follow its step and cursor, and the teacher sees, anonymously,
// how the class answered each prediction ("follow the teacher").
//
// The messages are small text lines, one per data-channel message, with
// a version first so that a page of another release is refused in one
// clear line rather than misread:
//
//	c1 at LESSON STEP N T MODE   teacher → students: lesson id, step (from 1),
//	                             cursor (events shown, time in ns), MODE
//	                             "lead" or "free" (free exploration)
//	c1 answer STEP RESULT [GIVEN] student → teacher: "right", "wrong" or
//	                             "skipped", and the choice's value or the
//	                             number given (none when skipped)
//
// A student sends no identity: the teacher's page numbers its
// connections. Decode is strict (one space between fields, decimal
// numbers without sign or leading zero, bounded lengths) and never
// panics; it is fuzzed.
//
// Teacher and Student hold the two sides' state. They are safe for
// concurrent use: the page's network goroutines and its window's update
// both touch them. The package is pure (no clock, no network), so the
// view's follow-and-tally logic is tested natively.
package class

import (
	"strconv"
	"strings"
)

// Version is the first field of every message.
const Version = "c1"

// MaxMessage bounds a message, in bytes.
const MaxMessage = 128

// Position is where the teacher's lesson is.
type Position struct {
	Lesson string // the lesson's id
	Step   int    // from 1
	N      int    // the cursor: events shown of the step's run
	T      int64  // the cursor's time, in nanoseconds
	Free   bool   // students may explore on their own
}

// Result is what a student did with a question.
type Result uint8

// Results; NotYet is a question not answered yet (never sent).
const (
	NotYet Result = iota
	Right
	Wrong
	Skipped
)

var resultNames = [...]string{NotYet: "not-yet", Right: "right", Wrong: "wrong", Skipped: "skipped"}

// String returns the result's word in a message.
func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return "result(" + strconv.Itoa(int(r)) + ")"
}

// Answer is one student's answer to the question of a step.
type Answer struct {
	Step   int    // from 1
	Result Result // Right, Wrong or Skipped
	Given  string // the choice's value or the number given; "" when skipped
}

// Msg is a decoded message: exactly one of At and Answer is set.
type Msg struct {
	At     *Position
	Answer *Answer
}

// Bounds of the fields.
const (
	maxLesson = 40
	maxGiven  = 32
	maxStep   = 999
)

// EncodePosition returns p's message. p must be valid (Decode accepts
// what it returns).
func EncodePosition(p Position) []byte {
	mode := "lead"
	if p.Free {
		mode = "free"
	}
	return []byte(Version + " at " + p.Lesson + " " + strconv.Itoa(p.Step) + " " + strconv.Itoa(p.N) + " " +
		strconv.FormatInt(p.T, 10) + " " + mode)
}

// EncodeAnswer returns a's message.
func EncodeAnswer(a Answer) []byte {
	s := Version + " answer " + strconv.Itoa(a.Step) + " " + a.Result.String()
	if a.Given != "" {
		s += " " + a.Given
	}
	return []byte(s)
}

// Decode parses one message. Its error is one line naming what is wrong.
func Decode(b []byte) (Msg, error) {
	if len(b) > MaxMessage {
		return Msg{}, &badMsg{b: b, what: "size"}
	}
	f := strings.Split(string(b), " ")
	if f[0] != Version {
		return Msg{}, &badMsg{b: b, what: "version"}
	}
	what := "kind"
	var m Msg
	switch {
	case len(f) < 2:
	case f[1] == "at":
		m, what = decodeAt(f)
	case f[1] == "answer":
		m, what = decodeAnswer(f)
	}
	if what != "" {
		return Msg{}, &badMsg{b: b, what: what}
	}
	return m, nil
}

// decodeAt reads "c1 at LESSON STEP N T MODE"; what names the bad field.
func decodeAt(f []string) (m Msg, what string) {
	if len(f) != 7 {
		return m, "field count"
	}
	p := Position{Lesson: f[2]}
	step, okS := number(f[3], maxStep)
	n, okN := number(f[4], 1<<31-1)
	t, okT := number(f[5], 1<<62)
	switch {
	case !lessonID(p.Lesson):
		return m, "lesson id"
	case !okS || step < 1:
		return m, "step"
	case !okN:
		return m, "cursor"
	case !okT:
		return m, "cursor time"
	case f[6] != "lead" && f[6] != "free":
		return m, "mode"
	}
	p.Step, p.N, p.T, p.Free = step, n, int64(t), f[6] == "free"
	return Msg{At: &p}, ""
}

// decodeAnswer reads "c1 answer STEP RESULT [GIVEN]".
func decodeAnswer(f []string) (m Msg, what string) {
	if len(f) != 4 && len(f) != 5 {
		return m, "field count"
	}
	var a Answer
	var ok bool
	if a.Step, ok = number(f[2], maxStep); !ok || a.Step < 1 {
		return m, "step"
	}
	for r := Right; r <= Skipped; r++ {
		if f[3] == resultNames[r] {
			a.Result = r
		}
	}
	if a.Result == NotYet {
		return m, "result"
	}
	if len(f) == 5 {
		a.Given = f[4]
	}
	if !ValidAnswer(a) {
		return m, "answer given"
	}
	return Msg{Answer: &a}, ""
}

// badMsg is Decode's error: the message and what is wrong with it.
type badMsg struct {
	b    []byte
	what string
}

func (e *badMsg) Error() string {
	switch e.what {
	case "size":
		return "class message of " + strconv.Itoa(len(e.b)) + " bytes, at most " + strconv.Itoa(MaxMessage)
	case "version":
		return "class message " + quote(e.b) + ": not version " + Version + " (reload both pages)"
	}
	return "class message " + quote(e.b) + ": bad " + e.what
}

// ValidAnswer reports whether a can be sent: a step, a result, and what
// was given unless skipped (printable ASCII without spaces, at most 32
// bytes).
func ValidAnswer(a Answer) bool {
	if a.Step < 1 || a.Step > maxStep || a.Result < Right || a.Result > Skipped {
		return false
	}
	if a.Result == Skipped {
		return a.Given == ""
	}
	return given(a.Given)
}

// ValidPosition reports whether p can be sent.
func ValidPosition(p Position) bool {
	return lessonID(p.Lesson) && p.Step >= 1 && p.Step <= maxStep && p.N >= 0 && p.N <= 1<<31-1 && p.T >= 0 && p.T <= 1<<62
}

// number parses a decimal in [0, max] written without sign or leading
// zero.
func number(s string, max int) (int, bool) {
	if s == "" || len(s) > 19 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return int(n), err == nil && n <= int64(max)
}

// lessonID reports whether s reads as a lesson id: lower-case words and
// digits joined by '-'.
func lessonID(s string) bool {
	if s == "" || len(s) > maxLesson || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// given reports whether s can be sent as an answer: printable ASCII, no
// space, 1–32 bytes.
func given(s string) bool {
	if s == "" || len(s) > maxGiven {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// quote quotes a message for an error line, cut short.
func quote(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "…"
	}
	return strconv.Quote(string(b))
}
