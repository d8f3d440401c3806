package class

import (
	"reflect"
	"strings"
	"testing"
)

func TestEncodeExact(t *testing.T) {
	for _, c := range []struct {
		got  []byte
		want string
	}{
		{EncodePosition(Position{Lesson: "handshake", Step: 3, N: 17, T: 1500000}), "c1 at handshake 3 17 1500000 lead"},
		{EncodePosition(Position{Lesson: "tcp-vs-udp", Step: 1, Free: true}), "c1 at tcp-vs-udp 1 0 0 free"},
		{EncodeAnswer(Answer{Step: 2, Result: Right, Given: "SYN-SENT"}), "c1 answer 2 right SYN-SENT"},
		{EncodeAnswer(Answer{Step: 4, Result: Wrong, Given: "12.5"}), "c1 answer 4 wrong 12.5"},
		{EncodeAnswer(Answer{Step: 5, Result: Skipped}), "c1 answer 5 skipped"},
	} {
		if string(c.got) != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestDecode(t *testing.T) {
	m, err := Decode([]byte("c1 at handshake 3 17 1500000 free"))
	if err != nil || m.Answer != nil || *m.At != (Position{Lesson: "handshake", Step: 3, N: 17, T: 1500000, Free: true}) {
		t.Fatalf("%+v %v", m.At, err)
	}
	m, err = Decode([]byte("c1 answer 2 wrong FIN,ACK"))
	if err != nil || m.At != nil || *m.Answer != (Answer{Step: 2, Result: Wrong, Given: "FIN,ACK"}) {
		t.Fatalf("%+v %v", m.Answer, err)
	}
	for in, want := range map[string]string{
		"":                                             `class message "": not version c1 (reload both pages)`,
		"c2 at handshake 1 0 0 lead":                   `class message "c2 at handshake 1 0 0 lead": not version c1 (reload both pages)`,
		"c1":                                           `class message "c1": bad kind`,
		"c1 hello":                                     `class message "c1 hello": bad kind`,
		"c1 at handshake 1 0 0":                        `class message "c1 at handshake 1 0 0": bad field count`,
		"c1 at Handshake 1 0 0 lead":                   `class message "c1 at Handshake 1 0 0 lead": bad lesson id`,
		"c1 at a--b 1 0 0 lead":                        `class message "c1 at a--b 1 0 0 lead": bad lesson id`,
		"c1 at handshake 0 0 0 lead":                   `class message "c1 at handshake 0 0 0 lead": bad step`,
		"c1 at handshake 01 0 0 lead":                  `class message "c1 at handshake 01 0 0 lead": bad step`,
		"c1 at handshake 1000 0 0 lead":                `class message "c1 at handshake 1000 0 0 lead": bad step`,
		"c1 at handshake 1 -1 0 lead":                  `class message "c1 at handshake 1 -1 0 lead": bad cursor`,
		"c1 at handshake 1 +1 0 lead":                  `class message "c1 at handshake 1 +1 0 lead": bad cursor`,
		"c1 at handshake 1 1 x lead":                   `class message "c1 at handshake 1 1 x lead": bad cursor time`,
		"c1 at handshake 1 1 1 follow":                 `class message "c1 at handshake 1 1 1 follow": bad mode`,
		"c1 at handshake 1  1 1 lead":                  `class message "c1 at handshake 1  1 1 lead": bad field count`,
		"c1 answer 1 right":                            `class message "c1 answer 1 right": bad answer given`,
		"c1 answer 1 skipped SYN":                      `class message "c1 answer 1 skipped SYN": bad answer given`,
		"c1 answer 1 maybe SYN":                        `class message "c1 answer 1 maybe SYN": bad result`,
		"c1 answer 1 right \x01":                       `class message "c1 answer 1 right \x01": bad answer given`,
		"c1 answer x right SYN":                        `class message "c1 answer x right SYN": bad step`,
		"c1 answer 1 right SYN extra":                  `class message "c1 answer 1 right SYN extra": bad field count`,
		strings.Repeat("c1 at ", 22):                   "class message of 132 bytes, at most 128",
		"c1 at handshake 1 1 4611686018427387905 lead": `class message "c1 at handshake 1 1 4611686018427387905 "…: bad cursor time`,
	} {
		_, err := Decode([]byte(in))
		if err == nil || err.Error() != want {
			t.Errorf("Decode(%q): %v, want %s", in, err, want)
		}
	}
}

// FuzzDecode: Decode never panics, its errors are one line, and what it
// accepts encodes back to the same bytes (one spelling per message).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"c1 at handshake 3 17 1500000 lead", "c1 at a 1 0 0 free", "c1 answer 2 right SYN-SENT",
		"c1 answer 5 skipped", "c1 answer 1 wrong 0.5", "c1 at x-1 999 2147483647 4611686018427387904 lead", "c2", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		var again []byte
		switch {
		case m.At != nil && m.Answer == nil:
			if !ValidPosition(*m.At) {
				t.Fatalf("accepted an invalid position %+v", *m.At)
			}
			again = EncodePosition(*m.At)
		case m.Answer != nil && m.At == nil:
			if !ValidAnswer(*m.Answer) {
				t.Fatalf("accepted an invalid answer %+v", *m.Answer)
			}
			again = EncodeAnswer(*m.Answer)
		default:
			t.Fatalf("%q: a message that is neither or both: %+v", b, m)
		}
		if string(again) != string(b) {
			t.Fatalf("%q encodes back as %q", b, again)
		}
	})
}

func TestTeacherTally(t *testing.T) {
	tc := NewTeacher(Position{Lesson: "handshake", Step: 1})
	a, b, c := tc.Join(), tc.Join(), tc.Join()
	if a != 1 || b != 2 || c != 3 || tc.Students() != 3 {
		t.Fatalf("ids %d %d %d, %d students", a, b, c, tc.Students())
	}
	for _, m := range []struct {
		id  int
		msg string
	}{{a, "c1 answer 2 right SYN-SENT"}, {b, "c1 answer 2 wrong LISTEN"}, {c, "c1 answer 2 wrong LISTEN"},
		{a, "c1 answer 3 skipped"}, {b, "c1 answer 3 right 1.5"}} {
		if err := tc.Receive(m.id, []byte(m.msg)); err != nil {
			t.Fatal(err)
		}
	}
	want := Tally{Right: 1, Wrong: 2, Given: []Count{{"LISTEN", 2}, {"SYN-SENT", 1}}}
	if got := tc.Tally(2); !reflect.DeepEqual(got, want) {
		t.Fatalf("step 2: %+v, want %+v", got, want)
	}
	want = Tally{Right: 1, Skipped: 1, NotYet: 1, Given: []Count{{"1.5", 1}}}
	if got := tc.Tally(3); !reflect.DeepEqual(got, want) {
		t.Fatalf("step 3: %+v, want %+v", got, want)
	}
	// A second answer replaces the first; a student who leaves leaves the count.
	if err := tc.Receive(c, []byte("c1 answer 2 right SYN-SENT")); err != nil {
		t.Fatal(err)
	}
	tc.Leave(b)
	want = Tally{Right: 2, Given: []Count{{"SYN-SENT", 2}}}
	if got := tc.Tally(2); !reflect.DeepEqual(got, want) || tc.Students() != 2 {
		t.Fatalf("after b left: %+v (%d students), want %+v", got, tc.Students(), want)
	}
	if got := tc.Tally(1); !reflect.DeepEqual(got, Tally{NotYet: 2}) {
		t.Fatalf("step 1: %+v", got)
	}
}

func TestTeacherDropsBadMessages(t *testing.T) {
	tc := NewTeacher(Position{Lesson: "handshake", Step: 1})
	id := tc.Join()
	for msg, want := range map[string]string{
		"c1 answer 2 right":          `class message "c1 answer 2 right": bad answer given`,
		"c1 at handshake 1 0 0 free": "class: student 1 sent a message for the other side",
		"\xff\xfe":                   `class message "\xff\xfe": not version c1 (reload both pages)`,
	} {
		if err := tc.Receive(id, []byte(msg)); err == nil || err.Error() != want {
			t.Errorf("Receive(%q): %v, want %s", msg, err, want)
		}
	}
	if err := tc.Receive(9, []byte("c1 answer 1 skipped")); err == nil || err.Error() != "class: no student 9" {
		t.Errorf("an unknown student: %v", err)
	}
	if got := tc.Tally(2); !reflect.DeepEqual(got, Tally{NotYet: 1}) {
		t.Fatalf("bad messages counted: %+v", got)
	}
	if p := tc.Position(); p.Free {
		t.Fatal("a student's message unlocked the class")
	}
}

func TestTeacherLead(t *testing.T) {
	tc := NewTeacher(Position{Lesson: "handshake", Step: 1})
	ch := tc.Changed()
	if tc.Lead(Position{Lesson: "handshake", Step: 1}) {
		t.Fatal("no move reported as a change")
	}
	select {
	case <-ch:
		t.Fatal("woken without a change")
	default:
	}
	if !tc.Lead(Position{Lesson: "handshake", Step: 3, N: 5, T: 7, Free: true}) {
		t.Fatal("a move not reported")
	}
	<-ch
	// The window does not unlock: only SetFree does.
	if got := tc.Position(); got != (Position{Lesson: "handshake", Step: 3, N: 5, T: 7}) {
		t.Fatalf("position %+v", got)
	}
	ch = tc.Changed()
	tc.SetFree(true)
	<-ch
	if string(EncodePosition(tc.Position())) != "c1 at handshake 3 5 7 free" {
		t.Fatalf("after SetFree: %q", EncodePosition(tc.Position()))
	}
	if tc.Lead(Position{Lesson: "Bad", Step: 3}) {
		t.Fatal("an invalid position taken")
	}
}

// A student who joins mid-lesson gets the class's position at once: the
// page sends Position() on every join and every change.
func TestStudentFollows(t *testing.T) {
	tc := NewTeacher(Position{Lesson: "handshake", Step: 1})
	tc.Lead(Position{Lesson: "handshake", Step: 3, N: 12, T: 3000})
	tc.Join()
	var s Student
	if s.Following() {
		t.Fatal("following before hearing from the teacher")
	}
	if err := s.Receive(EncodePosition(tc.Position())); err != nil {
		t.Fatal(err)
	}
	p, seq := s.Position()
	if seq != 1 || p != (Position{Lesson: "handshake", Step: 3, N: 12, T: 3000}) || !s.Following() {
		t.Fatalf("%+v seq %d following %v", p, seq, s.Following())
	}
	tc.SetFree(true)
	if err := s.Receive(EncodePosition(tc.Position())); err != nil || s.Following() {
		t.Fatalf("free exploration: following %v, %v", s.Following(), err)
	}
	if err := s.Receive([]byte("c1 answer 1 skipped")); err == nil || err.Error() != "class: the teacher sent a message for the other side" {
		t.Fatalf("an answer to a student: %v", err)
	}
	if _, seq := s.Position(); seq != 2 {
		t.Fatalf("a bad message counted: seq %d", seq)
	}
	tc.SetFree(false)
	s.Receive(EncodePosition(tc.Position()))
	s.Leave()
	if s.Following() {
		t.Fatal("following a teacher who left")
	}
	s.Back()
	if !s.Following() {
		t.Fatal("not following the teacher back")
	}
}

func TestStudentOutbox(t *testing.T) {
	var s Student
	out, ch := s.Outbox()
	if out != nil {
		t.Fatal(out)
	}
	s.Answered(Answer{Step: 2, Result: Right, Given: "SYN-SENT"})
	s.Answered(Answer{Step: 3, Result: Wrong, Given: "has space"}) // not sendable: dropped
	s.Answered(Answer{Step: 4, Result: Skipped})
	<-ch
	out, _ = s.Outbox()
	if len(out) != 2 || string(out[0]) != "c1 answer 2 right SYN-SENT" || string(out[1]) != "c1 answer 4 skipped" {
		t.Fatalf("%q", out)
	}
	if out, _ := s.Outbox(); out != nil {
		t.Fatalf("outbox not emptied: %q", out)
	}
}
