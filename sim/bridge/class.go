package bridge

import (
	"context"
	"fmt"
	"time"
)

// Class is a teacher's class room at the gateway (core/gateway's
// /class/NAME): the teacher's page accepts one student's page after
// another, each a Peer of its own, the gateway relaying only their
// offers and answers. Accept is called from one goroutine at a time.
type Class struct {
	cfg    Config
	name   string
	ticket string // the teacher ticket, once a student was paired
}

// OpenClass returns the class name for cfg; cfg.URL is the gateway's
// classes endpoint, "http://127.0.0.1:8080/class/" (in the browser
// "/class/" works too). Nothing is sent until Accept.
func OpenClass(cfg Config, name string) (*Class, error) {
	if !ValidRoomName(name) {
		return nil, fmt.Errorf("bridge: bad class name %q: use 1–32 of a-z 0-9 - _", name)
	}
	return &Class{cfg: cfg, name: name}, nil
}

// Accept offers the class to the next student and returns once one is
// connected. students is how many the teacher's page has now (the
// gateway bounds it). The first Accept opens the class; when an offer
// fails (nobody joined within the gateway's wait, or ctx ended), the
// gateway closed the class, and the next Accept opens it again.
func (c *Class) Accept(ctx context.Context, students int) (*Peer, error) {
	url := c.cfg.URL + c.name
	p, failPeer, err := startPeer(c.cfg, c.name)
	if err != nil {
		return nil, err
	}
	begin := time.Now()
	offer, err := p.b.pc.offer(ctx)
	if err != nil {
		return failPeer(fmt.Errorf("bridge: %w", err))
	}
	got, err := roomPost(ctx, url, roomMessage{Type: "offer", SDP: offer, Ticket: c.ticket, Students: students})
	if err != nil {
		c.ticket = ""
		return failPeer(err)
	}
	if got.Type != "answer" || len(got.Ticket) == 0 {
		c.ticket = ""
		return failPeer(fmt.Errorf("bridge: POST %s: a reply of type %q", url, got.Type))
	}
	c.ticket = got.Ticket
	if err := p.b.pc.acceptAnswer(got.SDP); err != nil {
		return failPeer(fmt.Errorf("bridge: %w", err))
	}
	// A student whose page never connects must not hold the class: the
	// next Accept offers again.
	cctx, cancel := context.WithTimeout(ctx, ClassConnect)
	defer cancel()
	if err := p.connected(cctx, begin); err != nil {
		return failPeer(err)
	}
	return p, nil
}

// ClassConnect bounds how long Accept waits for a paired student's page
// to connect (ICE, DTLS, SCTP and both channels open).
const ClassConnect = 30 * time.Second

// JoinClass joins class name as a student and returns once the
// teacher's page is connected. cfg.URL is the classes endpoint, as for
// OpenClass. A class without a teacher, or a full one, is an error with
// the gateway's line.
func JoinClass(ctx context.Context, cfg Config, name string) (*Peer, error) {
	if !ValidRoomName(name) {
		return nil, fmt.Errorf("bridge: bad class name %q: use 1–32 of a-z 0-9 - _", name)
	}
	url := cfg.URL + name
	p, failPeer, err := startPeer(cfg, name)
	if err != nil {
		return nil, err
	}
	begin := time.Now()
	got, err := roomPost(ctx, url, roomMessage{Type: "join"})
	if err != nil {
		return failPeer(err)
	}
	if got.Type != "offer" {
		return failPeer(fmt.Errorf("bridge: POST %s: a reply of type %q", url, got.Type))
	}
	if err := p.answerOffer(ctx, url, got); err != nil {
		return failPeer(err)
	}
	if err := p.connected(ctx, begin); err != nil {
		return failPeer(err)
	}
	return p, nil
}
