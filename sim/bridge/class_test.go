//go:build !js

package bridge_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

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

// TestClassStudentNeverConnects: a student's page that answers but never
// connects (its answer names no ICE candidate) costs the teacher one
// bounded Accept; the next Accept offers the class again with the same
// teacher ticket, and a real student gets in.
func TestClassStudentNeverConnects(t *testing.T) {
	g, rtcURL := startGateway(t, gateway.Config{})
	classURL := strings.TrimSuffix(rtcURL, gateway.Path) + gateway.ClassPath
	cl, err := bridge.OpenClass(bridge.Config{URL: classURL}, "lab-2")
	if err != nil {
		t.Fatal(err)
	}
	failed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		p, err := cl.Accept(ctx, 0)
		if p != nil {
			p.Close()
		}
		failed <- err
	}()
	eventually(t, "the class open", func() bool { return g.Stats().Classes == 1 })

	// The silent student: a real answer from a pion peer, its candidates cut.
	post := func(body string) (int, string) {
		resp, err := http.Post(classURL+"lab-2", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := post(`{"type":"join"}`)
	var offer gateway.ClassMessage
	if err := json.Unmarshal([]byte(body), &offer); status != http.StatusOK || err != nil {
		t.Fatalf("join: %d %q %v", status, body, err)
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.SDP}); err != nil {
		t.Fatal(err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(ans.SDP, "\r\n") {
		if !strings.HasPrefix(line, "a=candidate") {
			kept = append(kept, line)
		}
	}
	b, _ := json.Marshal(gateway.ClassMessage{Type: "answer", SDP: strings.Join(kept, "\r\n"), Ticket: offer.Ticket})
	if status, body := post(string(b)); status != http.StatusNoContent {
		t.Fatalf("answer: %d %q", status, body)
	}
	select {
	case err := <-failed:
		if err == nil || !strings.Contains(err.Error(), "connecting to the peer: context deadline exceeded") {
			t.Fatalf("Accept with a silent student: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Accept did not give up on a silent student")
	}

	// The class goes on: the next Accept (same teacher ticket) takes a
	// real student.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	acc := make(chan error, 1)
	go func() {
		p, err := cl.Accept(ctx, 0)
		if p != nil {
			defer p.Close()
			_, err = p.Recv(ctx) // the student's hello
		}
		acc <- err
	}()
	s, err := bridge.JoinClass(ctx, bridge.Config{URL: classURL}, "lab-2")
	if err != nil {
		t.Fatalf("the next student: %v", err)
	}
	defer s.Close()
	if err := s.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := <-acc; err != nil {
		t.Fatalf("the next Accept: %v", err)
	}
	if st := g.Stats(); st.RoomsPaired != 2 || st.Classes != 1 {
		t.Errorf("stats %+v", st)
	}
}
