package gateway

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ClassPath is the prefix of the class rooms' signaling endpoints: POST
// /class/NAME pairs one teacher's page with each student's page in turn.
const ClassPath = "/class/"

// DefaultMaxStudents bounds the students of a class (Config.MaxStudents).
const DefaultMaxStudents = 30

// ClassMessage is the JSON body of a class exchange: the teacher's offer
// (with the number of students its page has and, after its first
// student, its teacher ticket), a student's join, the offer handed to a
// student with its claim ticket, a student's answer with that ticket,
// and the answer handed to the teacher with the teacher ticket.
type ClassMessage struct {
	Type     string `json:"type"`
	SDP      string `json:"sdp,omitempty"`
	Ticket   string `json:"ticket,omitempty"`
	Students int    `json:"students,omitempty"`
}

// class is one class room: a teacher's page that keeps an offer waiting
// for the next student. Its fields are guarded by Gateway.mu.
type class struct {
	host string // the teacher ticket: later offers of the teacher carry it
	// offer is the teacher's waiting offer, "" between two offers;
	// answer takes a student's answer to it.
	offer  string
	answer chan string // buffered 1, one per offer
	// ticket is the claim of the student that got the offer ("" while
	// nobody claims it); the claim lapses at claimEnd.
	ticket   string
	claimEnd time.Time
	// students is the teacher's count at its last offer, plus the
	// students paired since.
	students int
	// idleEnd: with no offer waiting, the class closes then.
	idleEnd time.Time
	changed chan struct{} // closed when an offer comes or the class closes
	gone    chan struct{} // closed by Shutdown
}

// wake tells the students waiting for an offer to look again.
func (c *class) wake() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// claimed reports whether a student holds a live claim on the offer.
func (c *class) claimed(now time.Time) bool {
	if c.ticket != "" && !now.Before(c.claimEnd) {
		c.ticket = ""
	}
	return c.ticket != ""
}

// classLocked returns the open class name, or nil; a class whose teacher
// has not offered again in time is closed here. g.mu is held.
func (g *Gateway) classLocked(name string, now time.Time) *class {
	c := g.classes[name]
	if c != nil && c.offer == "" && !now.Before(c.idleEnd) {
		delete(g.classes, name)
		c.wake()
		return nil
	}
	return c
}

// serveClass handles POST /class/NAME once ServeHTTP has checked Host,
// Origin, method and content type.
func (g *Gateway) serveClass(w http.ResponseWriter, r *http.Request) {
	name, err := roomName(strings.TrimPrefix(r.URL.Path, ClassPath))
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	var m ClassMessage
	if err := g.decodeBody(w, r, &m); err != nil {
		httpError(w, http.StatusBadRequest, "bad request: "+oneLine(err.Error()))
		return
	}
	if err := g.checkClassMessage(m); err != nil {
		httpError(w, http.StatusBadRequest, "bad request: "+err.Error())
		return
	}
	switch m.Type {
	case "offer":
		g.classOffer(w, r, name, m)
	case "join":
		g.classJoin(w, r, name)
	default:
		g.classAnswer(w, name, m)
	}
}

// checkClassMessage says what is wrong with m, in one line.
func (g *Gateway) checkClassMessage(m ClassMessage) error {
	switch m.Type {
	case "offer":
		if m.Students < 0 || m.Students > g.cfg.MaxStudents {
			return fmt.Errorf("students is %d, want 0–%d", m.Students, g.cfg.MaxStudents)
		}
	case "join":
		if m.SDP != "" || m.Ticket != "" || m.Students != 0 {
			return errors.New("a join carries only its type")
		}
		return nil
	case "answer":
		if m.Students != 0 {
			return errors.New("an answer has no students")
		}
	default:
		return fmt.Errorf("type is %q, want \"offer\", \"join\" or \"answer\"", m.Type)
	}
	if m.SDP == "" {
		return errors.New("empty sdp")
	}
	return nil
}

// classOffer handles the teacher's offer: without a ticket it opens the
// class, with the teacher ticket it offers to the next student. The
// request is held until a student answers.
func (g *Gateway) classOffer(w http.ResponseWriter, r *http.Request, name string, m ClassMessage) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, errClosed.Error())
		return
	}
	now := time.Now()
	c := g.classLocked(name, now)
	var msg string
	switch {
	case m.Ticket == "" && c != nil:
		msg = fmt.Sprintf("class %q already has a teacher", name)
	case m.Ticket == "" && len(g.rooms)+len(g.classes) >= g.cfg.MaxRooms:
		g.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, "too many rooms waiting")
		return
	case m.Ticket == "":
		c = &class{host: newTicket(), changed: make(chan struct{}), gone: make(chan struct{})}
		g.classes[name] = c
	case c == nil:
		msg = fmt.Sprintf("class %q is not open: POST an offer without a ticket to open it", name)
	case subtle.ConstantTimeCompare([]byte(m.Ticket), []byte(c.host)) != 1:
		msg = fmt.Sprintf("wrong teacher ticket for class %q", name)
	case c.offer != "":
		msg = fmt.Sprintf("class %q has an offer waiting already", name)
	}
	if msg != "" {
		g.mu.Unlock()
		httpError(w, http.StatusConflict, msg)
		return
	}
	answer := make(chan string, 1)
	c.offer, c.answer, c.ticket, c.students = m.SDP, answer, "", m.Students
	c.wake()
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()
	g.logf("gateway: class %q waits for a student (%d in class)", name, m.Students)

	// Without an answer the class closes; the teacher opens it again with
	// a new offer.
	why := g.awaitAnswer(w, r, answer, c.gone, func(a string) { writeJSON(w, ClassMessage{Type: "answer", SDP: a, Ticket: c.host}) },
		func() bool {
			mine := c.answer == answer
			if mine {
				if g.classes[name] == c {
					delete(g.classes, name)
				}
				c.offer, c.answer, c.ticket = "", nil, ""
				c.wake()
			}
			return mine
		})
	if why == "" {
		return
	}
	if why == "gone" {
		g.logf("gateway: class %q closed: the teacher's page went away", name)
		return
	}
	g.logf("gateway: class %q: no student joined within %v", name, g.cfg.RoomWait)
	httpError(w, http.StatusRequestTimeout, fmt.Sprintf("no student joined class %q within %v", name, g.cfg.RoomWait))
}

// classJoin hands a student the teacher's waiting offer with a claim
// ticket; while the teacher is between two offers, or another student
// holds the offer, it waits (at most ConnectTimeout).
func (g *Gateway) classJoin(w http.ResponseWriter, r *http.Request, name string) {
	g.wg.Add(1)
	defer g.wg.Done()
	deadline := time.Now().Add(g.cfg.ConnectTimeout)
	for {
		g.mu.Lock()
		now := time.Now()
		c := g.classLocked(name, now)
		switch {
		case g.closed:
			g.mu.Unlock()
			httpError(w, http.StatusServiceUnavailable, errClosed.Error())
			return
		case c == nil:
			g.mu.Unlock()
			httpError(w, http.StatusNotFound, fmt.Sprintf("class %q has no teacher: the teacher opens it first", name))
			return
		case c.students >= g.cfg.MaxStudents:
			g.mu.Unlock()
			httpError(w, http.StatusConflict, fmt.Sprintf("class %q is full: %d students already", name, c.students))
			return
		case c.offer != "" && !c.claimed(now):
			c.ticket, c.claimEnd = newTicket(), now.Add(g.cfg.ConnectTimeout)
			m := ClassMessage{Type: "offer", SDP: c.offer, Ticket: c.ticket}
			g.mu.Unlock()
			g.logf("gateway: class %q: a student claims the offer", name)
			writeJSON(w, m)
			return
		case !now.Before(deadline):
			g.mu.Unlock()
			httpError(w, http.StatusServiceUnavailable, fmt.Sprintf("class %q: the teacher's page made no offer within %v: join again", name, g.cfg.ConnectTimeout))
			return
		}
		// Wait for a change, the claim to lapse, or the deadline.
		until := deadline
		if c.offer != "" && c.claimEnd.Before(until) {
			until = c.claimEnd
		} else if c.offer == "" && c.idleEnd.Before(until) && !c.idleEnd.IsZero() {
			until = c.idleEnd
		}
		changed := c.changed
		g.mu.Unlock()
		t := time.NewTimer(until.Sub(now))
		select {
		case <-changed:
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		t.Stop()
	}
}

// classAnswer hands a student's answer to the teacher's waiting offer,
// if its ticket is the live claim.
func (g *Gateway) classAnswer(w http.ResponseWriter, name string, m ClassMessage) {
	g.mu.Lock()
	now := time.Now()
	c := g.classLocked(name, now)
	var msg string
	switch {
	case g.closed:
		g.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, errClosed.Error())
		return
	case c == nil:
		msg = fmt.Sprintf("class %q has no teacher: the teacher opens it first", name)
	case c.offer == "" || !c.claimed(now):
		msg = fmt.Sprintf("class %q has no claimed offer (a claim lapses after %v): POST a join to get one", name, g.cfg.ConnectTimeout)
	case m.Ticket == "":
		msg = fmt.Sprintf("answer to class %q without a ticket", name)
	case subtle.ConstantTimeCompare([]byte(m.Ticket), []byte(c.ticket)) != 1:
		msg = fmt.Sprintf("wrong ticket for class %q", name)
	}
	if msg != "" {
		g.mu.Unlock()
		httpError(w, http.StatusConflict, msg)
		return
	}
	c.answer <- m.SDP
	c.offer, c.answer, c.ticket = "", nil, ""
	c.students++
	c.idleEnd = now.Add(g.cfg.ConnectTimeout)
	g.roomsPaired.Add(1)
	g.mu.Unlock()
	g.logf("gateway: class %q: a student joined", name)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// closeClassesLocked wakes every teacher and student waiting; g.mu is
// held.
func (g *Gateway) closeClassesLocked() {
	for name, c := range g.classes {
		close(c.gone)
		c.wake()
		delete(g.classes, name)
	}
}
