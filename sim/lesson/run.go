package lesson

import (
	"fmt"
	"math"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// Moment is a step played: its run, where its cursor is, the packets
// it highlights, and what its question's answer must be.
type Moment struct {
	Trace     *trace.Trace
	From, To  Position // equal for a step with "at"
	Highlight []uint64
	Expected  *Value // nil without a question
	// Reveal is the index of the event the question's expectation reads
	// (the packet whose ack is asked, the SYN whose time is asked): from
	// there on the run shows the answer. -1 without a question, and for a
	// state, which holds at the step's end.
	Reveal int
}

// Play runs step i's scenario and resolves its cursor, highlight and
// expectation in the run. An error names the step's field.
func (l *Lesson) Play(i int) (*Moment, error) {
	return l.play(i, map[string]*trace.Trace{})
}

// PlayAll plays every step, running each scenario once: what a player
// needs before it shows the first step.
func (l *Lesson) PlayAll() ([]*Moment, error) {
	runs := map[string]*trace.Trace{}
	out := make([]*Moment, len(l.Steps))
	for i := range l.Steps {
		m, err := l.play(i, runs)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// play is Play with the runs of earlier steps, by scenario.
func (l *Lesson) play(i int, runs map[string]*trace.Trace) (*Moment, error) {
	if i < 0 || i >= len(l.Steps) {
		return nil, fmt.Errorf("lesson %s has no step %d", l.ID, i)
	}
	s := &l.Steps[i]
	path := index("steps", i)
	key, err := s.Scenario.MarshalJSON()
	if err != nil {
		return nil, errAt(join(path, "scenario"), "%v", err)
	}
	tr := runs[string(key)]
	if tr == nil {
		sc, err := s.Scenario.Load()
		if err != nil {
			return nil, errAt(join(path, "scenario"), "%v", err)
		}
		if tr, err = sim.Run(sc); err != nil {
			return nil, errAt(join(path, "scenario"), "%v", err)
		}
		runs[string(key)] = tr
	}
	m := &Moment{Trace: tr, Reveal: -1}
	fromField, toField := "from", "to"
	if s.At != "" {
		fromField, toField = "at", "at"
	}
	if m.From, err = s.from.resolve(tr); err != nil {
		return nil, errAt(join(path, fromField), "%v", err)
	}
	if m.To, err = s.to.resolve(tr); err != nil {
		return nil, errAt(join(path, toField), "%v", err)
	}
	if m.From.N > m.To.N || m.From.At > m.To.At {
		return nil, errAt(join(path, "to"), "%s comes before from (%s) in the run", s.To, s.From)
	}
	for j, sel := range s.marks {
		k, err := sel.find(tr, m.To.N)
		if err != nil {
			return nil, errAt(index(join(path, "highlight"), j), "%v", err)
		}
		p, err := packetOf(tr, k, sel.src)
		if err != nil {
			return nil, errAt(index(join(path, "highlight"), j), "%v", err)
		}
		m.Highlight = append(m.Highlight, p.ID)
	}
	if q := s.Question; q != nil {
		v, at, err := q.expect.eval(tr, m.To)
		if err != nil {
			return nil, errAt(join(path, "question.expect"), "%v", err)
		}
		m.Expected, m.Reveal = &v, at
	}
	return m, nil
}

// Verify plays every step and checks every question against the run:
// the shipped answer must be what the expectation finds, and, for a
// choice, one of the choices; and the answer must not show before the
// step's cursor (a player could read it off the screen). The first mistake is an error naming its
// field, e.g. "steps[2].question.answer: 2, but the run shows 1 (ack of
// the next packet from server)".
func (l *Lesson) Verify() error {
	runs := map[string]*trace.Trace{}
	for i := range l.Steps {
		m, err := l.play(i, runs)
		if err != nil {
			return err
		}
		q := l.Steps[i].Question
		if q == nil {
			continue
		}
		path := index("steps", i) + ".question.answer"
		if !answers(q, *m.Expected) {
			return errAt(path, "%s, but the run shows %s (%s)", q.Answer, m.Expected, q.Expect)
		}
		if m.Reveal >= 0 && m.Reveal < m.To.N && m.Trace.Events[m.Reveal].At < m.To.At {
			// A player holds the run before the answer shows (just
			// before the cursor's instant when the answer comes at that
			// very instant): an answer from an earlier instant is on
			// screen already and gives itself away.
			return errAt(index("steps", i)+".question.expect", "%s happens at %v, before the step's cursor (%v): the answer would be on screen when the question is asked; ask it at an earlier step or about a later packet",
				q.Expect, m.Trace.Events[m.Reveal].At, m.To.At)
		}
	}
	return nil
}

// answers reports whether v, found in the run, is q's shipped answer.
func answers(q *Question, v Value) bool {
	if q.Answer.IsNumber != v.IsNumber {
		return false
	}
	if v.IsNumber {
		return math.Abs(q.Answer.Number-v.Number) <= q.Tolerance
	}
	return q.Answer.Value == v.Word
}
