// Package progress keeps what a learner has done in the playground's
// lessons: the step each lesson was left at and what became of each
// question. The playground writes it (Local: a file under the user's
// configuration directory natively, the browser's local storage in
// WebAssembly); `socketlab lessons progress` prints it for a teacher.
//
// The file is JSON:
//
//	{"version": 1, "lessons": [{"id": "handshake", "steps": 10, "step": 3,
//	  "questions": [{"step": 1, "result": "right", "answer": "SYN-SENT", "tries": 1}]}]}
//
// Steps count from 1, as the playground shows them.
package progress

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Progress is the whole file.
type Progress struct {
	Version int      `json:"version"`
	Lessons []Lesson `json:"lessons"`
}

// Lesson is one lesson's progress.
type Lesson struct {
	ID        string     `json:"id"`
	Steps     int        `json:"steps"`
	Step      int        `json:"step"` // the step shown last, from 1: where the lesson opens again
	Questions []Question `json:"questions,omitempty"`
}

// Question is what became of one question the last time it was asked.
type Question struct {
	Step   int    `json:"step"`
	Result Result `json:"result"`
	Answer string `json:"answer,omitempty"` // what the learner gave
	Hint   bool   `json:"hint,omitempty"`   // the hint was shown, in some session
	Tries  int    `json:"tries"`            // how many times it was answered or skipped, over all sessions
}

// Result is what became of a question.
type Result string

// Results. Unanswered is a question whose hint was seen and nothing more.
const (
	Unanswered Result = "unanswered"
	Right      Result = "right"
	Wrong      Result = "wrong"
	Skipped    Result = "skipped"
)

// Version is the file format's version.
const Version = 1

// MaxSize bounds a progress file: a few hundred bytes a lesson.
const MaxSize = 1 << 20

// Parse reads a progress file; empty input is no progress yet.
func Parse(data []byte) (*Progress, error) {
	p := &Progress{Version: Version}
	if len(bytes.TrimSpace(data)) == 0 {
		return p, nil
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("progress: %d bytes is more than %d", len(data), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("progress: %v", err)
	}
	if p.Version != Version {
		return nil, fmt.Errorf("progress: version %d, want %d", p.Version, Version)
	}
	for _, l := range p.Lessons {
		for _, q := range l.Questions {
			switch q.Result {
			case Unanswered, Right, Wrong, Skipped:
			default:
				return nil, fmt.Errorf("progress: lesson %s step %d: result %q: want right, wrong, skipped or unanswered", l.ID, q.Step, q.Result)
			}
		}
	}
	return p, nil
}

// Encode writes p as the progress file, indented.
func (p *Progress) Encode() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil { // plain structs of strings and numbers always encode
		panic(err)
	}
	return append(b, '\n')
}

// Lesson returns the progress of lesson id, added empty when there is
// none yet.
func (p *Progress) Lesson(id string) *Lesson {
	if i := slices.IndexFunc(p.Lessons, func(l Lesson) bool { return l.ID == id }); i >= 0 {
		return &p.Lessons[i]
	}
	p.Lessons = append(p.Lessons, Lesson{ID: id})
	return &p.Lessons[len(p.Lessons)-1]
}

// Find returns the progress of lesson id, nil when there is none.
func (p *Progress) Find(id string) *Lesson {
	if i := slices.IndexFunc(p.Lessons, func(l Lesson) bool { return l.ID == id }); i >= 0 {
		return &p.Lessons[i]
	}
	return nil
}

// Question returns the record of step's question (from 1), added when
// there is none yet; the records stay in step order.
func (l *Lesson) Question(step int) *Question {
	i, found := slices.BinarySearchFunc(l.Questions, step, func(q Question, s int) int { return q.Step - s })
	if !found {
		l.Questions = slices.Insert(l.Questions, i, Question{Step: step, Result: Unanswered})
	}
	return &l.Questions[i]
}

// Count returns how many questions have result r.
func (l *Lesson) Count(r Result) int {
	n := 0
	for _, q := range l.Questions {
		if q.Result == r {
			n++
		}
	}
	return n
}

// Store keeps the progress file. Load returns nothing, and no error, when
// nothing was saved yet.
type Store interface {
	Load() ([]byte, error)
	Save(data []byte) error
}

// Memory is a Store in memory: for tests, and where nothing may be kept.
type Memory struct{ Data []byte }

// Load returns what was saved.
func (m *Memory) Load() ([]byte, error) { return bytes.Clone(m.Data), nil }

// Save keeps data.
func (m *Memory) Save(data []byte) error {
	m.Data = bytes.Clone(data)
	return nil
}
