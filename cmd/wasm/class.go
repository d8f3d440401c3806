//go:build js && wasm

package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"socketlab/sim/bridge"
	"socketlab/sim/class"
	"socketlab/sim/lesson"
	"socketlab/sim/view"
)

// The class room's glue: it carries package class's messages over the
// bridge's page-to-page peers; the state lives in class.Teacher and
// class.Student, which the view reads each tick.

// peers are the page's class connections; closeOnLeave closes them when
// the page goes away, so that the other pages learn it at once rather
// than when ICE gives up on a silent peer (tens of seconds).
var peers struct {
	sync.Mutex
	open map[*bridge.Peer]bool
	once sync.Once
}

// closeOnLeave registers p to be closed when the page is hidden for good
// (pagehide); done forgets it.
func closeOnLeave(p *bridge.Peer) (done func()) {
	peers.once.Do(func() {
		peers.open = map[*bridge.Peer]bool{}
		js.Global().Call("addEventListener", "pagehide", js.FuncOf(func(js.Value, []js.Value) any {
			peers.Lock()
			defer peers.Unlock()
			for p := range peers.open {
				p.Close()
			}
			return nil
		}))
	})
	peers.Lock()
	peers.open[p] = true
	peers.Unlock()
	return func() {
		peers.Lock()
		delete(peers.open, p)
		peers.Unlock()
	}
}

// classURL is the gateway's classes endpoint of the page's server.
func classURL() string { return origin() + "/class/" }

// sendEvery bounds how often a student is sent the teacher's position
// while it changes (a playing cursor changes every frame).
const sendEvery = 100 * time.Millisecond

// teach runs the teacher's side of class name for as long as the page
// lives: it accepts one student after another and serves each.
func teach(tc *class.Teacher, name string) {
	cl, err := bridge.OpenClass(bridge.Config{URL: classURL()}, name)
	if err != nil {
		notice("socketlab: "+err.Error(), true)
		return
	}
	notice("socketlab: class "+name+" is open: students open #follow="+name+" on this server", false)
	for {
		p, err := cl.Accept(context.Background(), tc.Students())
		if err != nil {
			if !strings.Contains(err.Error(), "status 408") { // nobody joined for a while: offer again
				notice("socketlab: class "+name+": "+err.Error(), false) // the class goes on
				time.Sleep(2 * time.Second)
			}
			continue
		}
		go serveStudent(tc, p, tc.Join(), name)
	}
}

// serveStudent sends student id the class's position at once and at
// every change, and takes its answers, until it leaves.
func serveStudent(tc *class.Teacher, p *bridge.Peer, id int, name string) {
	defer closeOnLeave(p)()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := p.Recv(context.Background())
			if err != nil {
				return
			}
			if err := tc.Receive(id, m); err != nil {
				notice("socketlab: class "+name+": dropped: "+err.Error(), false)
			}
		}
	}()
	var last string
	for {
		changed := tc.Changed()
		if msg := string(class.EncodePosition(tc.Position())); msg != last {
			if p.Send([]byte(msg)) != nil {
				break
			}
			last = msg
		}
		select {
		case <-changed:
			time.Sleep(sendEvery)
			continue
		case <-done:
		}
		break
	}
	p.Close()
	tc.Leave(id)
}

// follow joins class name as a student: it waits for the teacher (a
// class not open yet is tried again every two seconds), then for the
// teacher's first position, and sets o to open that lesson at that step.
// The page then follows (followOn).
func follow(o *view.Options, name string) (*class.Student, *bridge.Peer, error) {
	var p *bridge.Peer
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var err error
		p, err = bridge.JoinClass(ctx, bridge.Config{URL: classURL()}, name)
		cancel()
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "status 404") && !strings.Contains(err.Error(), "status 503") {
			return nil, nil, err
		}
		notice("socketlab: class "+name+": waiting for the teacher to open it", false)
		time.Sleep(2 * time.Second)
	}
	st := &class.Student{}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		m, err := p.Recv(ctx)
		cancel()
		if err != nil {
			p.Close()
			return nil, nil, errors.New("class " + name + ": the teacher said nothing: " + err.Error())
		}
		if err := st.Receive(m); err != nil {
			notice("socketlab: class "+name+": dropped: "+err.Error(), false)
			continue
		}
		break
	}
	pos, _ := st.Position()
	l, err := lesson.Load(pos.Lesson)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	o.Lesson, o.Step, o.Follow, o.ClassName = l, pos.Step, st, name
	return st, p, nil
}

// followOn takes the teacher's messages and sends the student's answers;
// when the teacher leaves, the page explores on its own and joins the
// class again once it is open (a teacher's reloaded page opens it again).
func followOn(st *class.Student, p *bridge.Peer, name string) {
	for {
		follow1(st, p, name)
		st.Leave()
		notice("socketlab: class "+name+": the teacher left; explore on your own (the page follows again if the class opens again)", false)
		for p = nil; p == nil; {
			time.Sleep(2 * time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			p, _ = bridge.JoinClass(ctx, bridge.Config{URL: classURL()}, name)
			cancel()
		}
		st.Back()
		notice("socketlab: class "+name+": following the teacher again", false)
	}
}

// follow1 serves one connection to the teacher until it ends.
func follow1(st *class.Student, p *bridge.Peer, name string) {
	defer closeOnLeave(p)()
	done := make(chan struct{})
	go func() {
		for {
			out, more := st.Outbox()
			for _, m := range out {
				p.Send(m)
			}
			select {
			case <-more:
			case <-done:
				return
			}
		}
	}()
	for {
		m, err := p.Recv(context.Background())
		if err != nil { // io.EOF: the teacher left
			break
		}
		if err := st.Receive(m); err != nil {
			notice("socketlab: class "+name+": dropped: "+err.Error(), false)
		}
	}
	close(done)
	p.Close()
}
