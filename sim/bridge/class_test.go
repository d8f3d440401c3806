//go:build !js

package bridge_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"socketlab/core/gateway"
	"socketlab/sim/bridge"
	"socketlab/sim/class"
)

// TestClassTeacherLeadsTwo: a teacher's page accepts two students through
// a real gateway's class room, one after the other; the class's messages
// go page to page: both students get the position, each answer reaches
// the teacher's tally, and a student who leaves leaves the count.
func TestClassTeacherLeadsTwo(t *testing.T) {
	g, rtcURL := startGateway(t, gateway.Config{})
	classURL := strings.TrimSuffix(rtcURL, gateway.Path) + gateway.ClassPath
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := bridge.JoinClass(ctx, bridge.Config{URL: classURL}, "room-7"); err == nil ||
		!strings.HasSuffix(err.Error(), `status 404: class "room-7" has no teacher: the teacher opens it first`) {
		t.Fatalf("joining before the teacher: %v", err)
	}
	cl, err := bridge.OpenClass(bridge.Config{URL: classURL}, "room-7")
	if err != nil {
		t.Fatal(err)
	}
	teacher := class.NewTeacher(class.Position{Lesson: "handshake", Step: 3, N: 9, T: 1000})
	type accepted struct {
		p   *bridge.Peer
		err error
	}
	acc := make(chan accepted)
	go func() {
		for n := 0; n < 2; n++ {
			p, err := cl.Accept(ctx, n)
			acc <- accepted{p, err}
		}
	}()
	eventually(t, "the class open", func() bool { return g.Stats().Classes == 1 })
	var students [2]*bridge.Peer
	var teacherSide [2]*bridge.Peer
	for i := range students {
		s, err := bridge.JoinClass(ctx, bridge.Config{URL: classURL}, "room-7")
		if err != nil {
			t.Fatalf("student %d: %v", i, err)
		}
		defer s.Close()
		a := <-acc
		if a.err != nil {
			t.Fatalf("accept %d: %v", i, a.err)
		}
		defer a.p.Close()
		students[i], teacherSide[i] = s, a.p
		teacher.Join()
		// A student who joins is sent where the class is at once.
		if err := a.p.Send(class.EncodePosition(teacher.Position())); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range students {
		var st class.Student
		m, err := s.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Receive(m); err != nil {
			t.Fatal(err)
		}
		if p, _ := st.Position(); p != (class.Position{Lesson: "handshake", Step: 3, N: 9, T: 1000}) || !st.Following() {
			t.Fatalf("student %d at %+v", i, p)
		}
	}
	for i, s := range students {
		if err := s.Send(class.EncodeAnswer(class.Answer{Step: 3, Result: class.Result(1 + i), Given: "SYN-SENT"})); err != nil {
			t.Fatal(err)
		}
		m, err := teacherSide[i].Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := teacher.Receive(i+1, m); err != nil {
			t.Fatal(err)
		}
	}
	want := class.Tally{Right: 1, Wrong: 1, Given: []class.Count{{Given: "SYN-SENT", N: 2}}}
	if got := teacher.Tally(3); got.Right != want.Right || got.Wrong != want.Wrong || len(got.Given) != 1 || got.Given[0] != want.Given[0] {
		t.Fatalf("tally %+v, want %+v", got, want)
	}
	// The first student leaves: the teacher's side of it ends.
	students[0].Close()
	if _, err := teacherSide[0].Recv(ctx); err != io.EOF {
		t.Fatalf("after the student left: %v, want EOF", err)
	}
	teacher.Leave(1)
	if teacher.Students() != 1 {
		t.Fatalf("%d students", teacher.Students())
	}
	if s := g.Stats(); s.RoomsPaired != 2 || s.Peers != 0 || s.BytesUp != 0 {
		t.Errorf("gateway stats %+v: it should have relayed only the signaling", s)
	}
}
