package class

import (
	"errors"
	"slices"
	"strconv"
	"sync"
)

// notifier wakes the goroutines waiting for a change.
type notifier struct{ c chan struct{} }

func (n *notifier) wait() <-chan struct{} {
	if n.c == nil {
		n.c = make(chan struct{})
	}
	return n.c
}

func (n *notifier) wake() {
	if n.c != nil {
		close(n.c)
		n.c = nil
	}
}

// Teacher is the teacher's page: where the lesson is, and what each
// student connected now answered. Students are numbered by the page in
// the order they joined; the numbers are never shown, only counted.
type Teacher struct {
	mu       sync.Mutex
	pos      Position
	next     int
	students map[int]map[int]Answer // by number: answers by step
	changed  notifier
}

// NewTeacher returns a class at p with no students.
func NewTeacher(p Position) *Teacher {
	return &Teacher{pos: p, students: map[int]map[int]Answer{}}
}

// Join adds a student and returns its number; the page then sends it
// the current position at once (Position), so that a student who joins
// mid-lesson is where the class is.
func (t *Teacher) Join() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next++
	t.students[t.next] = map[int]Answer{}
	t.changed.wake()
	return t.next
}

// Leave removes student id and its answers from the tallies.
func (t *Teacher) Leave(id int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.students[id]; ok {
		delete(t.students, id)
		t.changed.wake()
	}
}

// Students returns the number of students connected.
func (t *Teacher) Students() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.students)
}

// Receive takes a message of student id. Only an answer is taken; a bad
// message, or one for students, is an error and changes nothing. A
// later answer to the same step replaces the earlier one.
func (t *Teacher) Receive(id int, msg []byte) error {
	m, err := Decode(msg)
	if err != nil {
		return err
	}
	if m.Answer == nil {
		return errors.New("class: student " + strconv.Itoa(id) + " sent a message for the other side")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	as, ok := t.students[id]
	if !ok {
		return errors.New("class: no student " + strconv.Itoa(id))
	}
	as[m.Answer.Step] = *m.Answer
	t.changed.wake()
	return nil
}

// Lead moves the class to p (the teacher's page calls it as its lesson
// moves); it reports whether anything changed. Free is kept from
// SetFree: the window does not decide it.
func (t *Teacher) Lead(p Position) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.Free = t.pos.Free
	if p == t.pos || !ValidPosition(p) {
		return false
	}
	t.pos = p
	t.changed.wake()
	return true
}

// SetFree unlocks (true) or locks free exploration for every student.
func (t *Teacher) SetFree(free bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pos.Free != free {
		t.pos.Free = free
		t.changed.wake()
	}
}

// Position returns where the class is.
func (t *Teacher) Position() Position {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pos
}

// Changed returns a channel closed at the next change: a move, a
// student joining or leaving, an answer.
func (t *Teacher) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed.wait()
}

// Tally is how the students connected answered one step's question.
type Tally struct {
	Right, Wrong, Skipped, NotYet int
	// Given counts what was given (choices' values, numbers), the most
	// given first, ties in the order of the strings.
	Given []Count
}

// Count is how many students gave one answer.
type Count struct {
	Given string
	N     int
}

// Tally returns the tally of step's question (from 1) over the students
// connected now.
func (t *Teacher) Tally(step int) Tally {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out Tally
	counts := map[string]int{}
	for _, as := range t.students {
		a, ok := as[step]
		switch {
		case !ok:
			out.NotYet++
			continue
		case a.Result == Right:
			out.Right++
		case a.Result == Wrong:
			out.Wrong++
		default:
			out.Skipped++
		}
		if a.Given != "" {
			counts[a.Given]++
		}
	}
	for g, n := range counts {
		out.Given = append(out.Given, Count{g, n})
	}
	slices.SortFunc(out.Given, func(a, b Count) int {
		if a.N != b.N {
			return b.N - a.N
		}
		if a.Given < b.Given {
			return -1
		}
		return 1
	})
	return out
}

// Student is a student's page: the teacher's last position, and whether
// the page follows it.
type Student struct {
	mu   sync.Mutex
	pos  Position
	seq  uint64 // positions received
	gone bool   // the teacher left
	out  [][]byte
	sent notifier
}

// Answered queues a's message for the teacher; an answer that cannot be
// sent (see ValidAnswer) is dropped.
func (s *Student) Answered(a Answer) {
	if !ValidAnswer(a) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out = append(s.out, EncodeAnswer(a))
	s.sent.wake()
}

// Outbox returns the messages queued for the teacher and empties the
// queue, with a channel closed when the next one is queued.
func (s *Student) Outbox() ([][]byte, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.out
	s.out = nil
	return out, s.sent.wait()
}

// Receive takes a message of the teacher. Only a position is taken; a bad
// message, or an answer, is an error and changes nothing.
func (s *Student) Receive(msg []byte) error {
	m, err := Decode(msg)
	if err != nil {
		return err
	}
	if m.At == nil {
		return errors.New("class: the teacher sent a message for the other side")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pos = *m.At
	s.seq++
	return nil
}

// Position returns the teacher's last position and the number of
// positions received (0: none yet), which tells the window that a new
// one came.
func (s *Student) Position() (Position, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos, s.seq
}

// Leave records that the teacher left: the page explores freely.
func (s *Student) Leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = true
}

// Back records that the page is connected to a teacher again (the
// teacher's page was reloaded): it follows again from the next position.
func (s *Student) Back() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = false
}

// Following reports whether the page follows the teacher now: it has
// heard from it, the teacher is still there and free exploration is
// locked.
func (s *Student) Following() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seq > 0 && !s.gone && !s.pos.Free
}
