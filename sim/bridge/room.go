package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"socketlab/sim/trace"
)

// PeerNode is the node name of the other page of a room in the events.
const PeerNode = "peer"

// Room channels: both pages pre-negotiate them with fixed ids, so that
// neither has to announce a channel to the other.
const (
	roomMsgID   = 1 // the messages, reliable and ordered
	roomClockID = 2 // "ping", "pong" and one "ack" per message: the round trips
)

// ValidRoomName reports whether name is what the gateway takes as a
// room's name: 1–32 of a-z 0-9 - _.
func ValidRoomName(name string) bool {
	if len(name) < 1 || len(name) > 32 {
		return false
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Peer is a page-to-page connection through a room of the gateway: the
// gateway relayed only the two pages' offer and answer, the messages go
// straight from one page to the other over a reliable, ordered data
// channel. Both pages draw every message as an arrow between their own
// node and PeerNode; the far end's moment is drawn at half the measured
// round trip (each message is acknowledged on a second channel). Send,
// Recv and Close are safe for concurrent use.
type Peer struct {
	b          *Bridge
	room       string
	msg, clock *rtcChannel
	open       [2]chan struct{} // closed when msg, clock opened

	flights flights     // under b.emitMu
	pings   []time.Time // pings sent and not answered, under b.emitMu

	mu      sync.Mutex
	changed chan struct{}
	queue   [][]byte
	ended   bool
}

// roomMessage is the JSON body of the rooms exchange (core/gateway's
// RoomMessage) and of the classes' (ClassMessage).
type roomMessage struct {
	Type     string `json:"type"`
	SDP      string `json:"sdp,omitempty"`
	Ticket   string `json:"ticket,omitempty"`
	Students int    `json:"students,omitempty"`
}

// JoinRoom joins the room name at the gateway and returns once the other
// page of the room is connected. cfg.URL is the gateway's rooms endpoint,
// "http://127.0.0.1:8080/room/" (in the browser "/room/" works too); the
// name is appended. The first page of a room waits (bounded by ctx and by
// the gateway's room wait) until a second one joins; the second answers
// the first's offer. On error nothing is left running.
func JoinRoom(ctx context.Context, cfg Config, name string) (*Peer, error) {
	if !ValidRoomName(name) {
		return nil, fmt.Errorf("bridge: bad room name %q: use 1–32 of a-z 0-9 - _", name)
	}
	url := cfg.URL + name
	p, failPeer, err := startPeer(cfg, name)
	if err != nil {
		return nil, err
	}
	b, begin := p.b, time.Now()
	offer, err := b.pc.offer(ctx)
	if err != nil {
		return failPeer(fmt.Errorf("bridge: %w", err))
	}
	got, err := roomPost(ctx, url, roomMessage{Type: "offer", SDP: offer})
	if err != nil {
		return failPeer(err)
	}
	switch got.Type {
	case "answer": // we were first: the second page answered our offer
		if err := b.pc.acceptAnswer(got.SDP); err != nil {
			return failPeer(fmt.Errorf("bridge: %w", err))
		}
	case "offer": // the first page waits: answer its offer on a fresh peer
		p.msg.close()
		p.clock.close()
		b.pc.close()
		pc, err := newRTCPeer()
		if err != nil {
			return failPeer(fmt.Errorf("bridge: peer connection: %w", err))
		}
		b.pc = pc
		pc.onLost(b.lose)
		if err := p.channels(); err != nil {
			return failPeer(err)
		}
		if err := p.answerOffer(ctx, url, got); err != nil {
			return failPeer(err)
		}
	default:
		return failPeer(fmt.Errorf("bridge: POST %s: a reply of type %q", url, got.Type))
	}
	if err := p.connected(ctx, begin); err != nil {
		return failPeer(err)
	}
	return p, nil
}

// startPeer makes the bridge of a page-to-page connection and the room's
// channels on it; failPeer undoes it with an error.
func startPeer(cfg Config, name string) (p *Peer, failPeer func(error) (*Peer, error), err error) {
	b, fail, err := newBridge(cfg)
	if err != nil {
		return nil, nil, err
	}
	p = &Peer{b: b, room: name, changed: make(chan struct{}), flights: flights{far: PeerNode, fifo: true}}
	failPeer = func(err error) (*Peer, error) {
		for _, c := range []*rtcChannel{p.msg, p.clock} {
			if c != nil {
				c.close() // releases its handlers (in the browser, JavaScript functions)
			}
		}
		fail(err)
		return nil, err
	}
	if err := p.channels(); err != nil {
		_, err = failPeer(err)
		return nil, nil, err
	}
	return p, failPeer, nil
}

// answerOffer answers the other page's offer got, handed out by the
// gateway with a ticket, and POSTs the answer with the ticket to url.
func (p *Peer) answerOffer(ctx context.Context, url string, got roomMessage) error {
	answer, err := p.b.pc.answer(ctx, got.SDP)
	if err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	_, err = roomPost(ctx, url, roomMessage{Type: "answer", SDP: answer, Ticket: got.Ticket})
	return err
}

// connected waits for both channels to open, then says so and measures
// the first round trip.
func (p *Peer) connected(ctx context.Context, begin time.Time) error {
	b := p.b
	for _, opened := range p.open {
		select {
		case <-opened:
		case <-ctx.Done():
			return fmt.Errorf("bridge: room %s: connecting to the peer: %w", p.room, ctx.Err())
		case <-b.done:
			return ErrLost
		}
	}
	b.emitNote(fmt.Sprintf("room %s: connected to the other page in %v", p.room, round(time.Since(begin))))
	b.emitMu.Lock()
	p.pings = append(p.pings, time.Now())
	b.emitMu.Unlock()
	p.clock.send([]byte("ping"))
	return nil
}

// channels makes the room's two pre-negotiated channels on the current
// peer connection and sets their handlers.
func (p *Peer) channels() error {
	msg, err := p.b.pc.createChannel("room", chanOpts{negotiated: true, id: roomMsgID})
	if err != nil {
		return fmt.Errorf("bridge: data channel: %w", err)
	}
	clock, err := p.b.pc.createChannel("clock", chanOpts{negotiated: true, id: roomClockID})
	if err != nil {
		return fmt.Errorf("bridge: data channel: %w", err)
	}
	p.msg, p.clock = msg, clock
	for i, c := range []*rtcChannel{msg, clock} {
		ch := make(chan struct{})
		var once sync.Once
		c.onOpen(func() { once.Do(func() { close(ch) }) })
		p.open[i] = ch
	}
	msg.onMessage(p.arrive)
	clock.onMessage(p.tick)
	msg.onClose(p.end)
	return nil
}

// roomPost sends one message of the rooms exchange and returns the
// gateway's reply (empty for 204).
func roomPost(ctx context.Context, url string, m roomMessage) (roomMessage, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return roomMessage{}, err
	}
	status, resp, err := post(ctx, url, body)
	if err != nil {
		return roomMessage{}, fmt.Errorf("bridge: POST %s: %w", url, err)
	}
	switch status {
	case 200:
		var got roomMessage
		if err := json.NewDecoder(bytes.NewReader(resp)).Decode(&got); err != nil || got.SDP == "" {
			return roomMessage{}, fmt.Errorf("bridge: POST %s: bad reply: %q", url, oneLine(string(resp)))
		}
		return got, nil
	case 204:
		return roomMessage{}, nil
	}
	return roomMessage{}, fmt.Errorf("bridge: POST %s: status %d: %s", url, status, oneLine(string(resp)))
}

func oneLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// Room returns the room's name.
func (p *Peer) Room() string { return p.room }

// arrive takes a message of the other page: it is drawn leaving the peer
// half the last round trip ago, and acknowledged.
func (p *Peer) arrive(data []byte, _ bool) {
	now := time.Now()
	b := p.b
	b.emitMu.Lock()
	b.arrivedLocked(&p.flights, data, now.Add(-p.flights.halfRTT), now, "")
	b.emitAtLocked(&trace.Event{Kind: trace.KindApp, Op: trace.OpRead, N: len(data), Text: trace.Preview(data)}, now)
	b.emitMu.Unlock()
	p.clock.send([]byte("ack"))
	p.mu.Lock()
	p.queue = append(p.queue, data)
	p.wakeLocked()
	p.mu.Unlock()
}

// tick takes a message of the clock channel: a ping to answer, the pong
// of our ping, the ack of our oldest unacknowledged message.
func (p *Peer) tick(data []byte, _ bool) {
	now := time.Now()
	b := p.b
	switch string(data) {
	case "ping":
		p.clock.send([]byte("pong"))
	case "pong":
		b.emitMu.Lock()
		if len(p.pings) > 0 {
			p.flights.halfRTT = now.Sub(p.pings[0]) / 2
			p.pings = p.pings[1:]
		}
		b.emitMu.Unlock()
	case "ack":
		b.emitMu.Lock()
		_, rtt, ok := b.answeredLocked(&p.flights, now, true)
		if ok {
			b.emitAtLocked(&trace.Event{Kind: trace.KindNote, Text: RTTNote + round(rtt).String()}, now)
		}
		b.emitMu.Unlock()
	}
}

func (p *Peer) wakeLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// end runs when the message channel closed: the other page left.
func (p *Peer) end() {
	p.mu.Lock()
	already := p.ended
	p.ended = true
	p.wakeLocked()
	p.mu.Unlock()
	if !already {
		p.b.emitNote("room " + p.room + ": the other page left")
	}
}

// Send sends p to the other page as one message (an OpWrite event and
// its arrow). Messages longer than 64 KiB are refused.
func (p *Peer) Send(msg []byte) error {
	if len(msg) > 64<<10 {
		return fmt.Errorf("bridge: room %s: a message of %d bytes, at most %d", p.room, len(msg), 64<<10)
	}
	p.mu.Lock()
	ended := p.ended
	p.mu.Unlock()
	if ended {
		return fmt.Errorf("bridge: room %s: %w", p.room, ErrClosedByGateway)
	}
	if err := p.b.doneErr(); err != nil {
		return err
	}
	b := p.b
	b.emitMu.Lock()
	now := time.Now()
	b.emitAtLocked(&trace.Event{Kind: trace.KindApp, Op: trace.OpWrite, N: len(msg), Text: trace.Preview(msg)}, now)
	b.sentLocked(&p.flights, bytes.Clone(msg), now)
	b.emitMu.Unlock()
	return p.msg.send(msg)
}

// Recv returns the next message of the other page. Once the other page
// left and every message was received it returns io.EOF; ErrClosed after
// Close; ctx's error when ctx ends first.
func (p *Peer) Recv(ctx context.Context) ([]byte, error) {
	for {
		p.mu.Lock()
		if len(p.queue) > 0 {
			m := p.queue[0]
			p.queue[0] = nil
			p.queue = p.queue[1:]
			p.mu.Unlock()
			return m, nil
		}
		ended, changed := p.ended, p.changed
		p.mu.Unlock()
		if err := p.b.doneErr(); errors.Is(err, ErrClosed) {
			return nil, err
		}
		if ended || p.b.doneErr() != nil {
			return nil, io.EOF
		}
		select {
		case <-changed:
		case <-p.b.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close leaves the room: it closes the connection to the other page.
// It is idempotent.
func (p *Peer) Close() error {
	p.b.mu.Lock()
	if p.b.closed {
		p.b.mu.Unlock()
		return nil
	}
	p.b.closed = true
	p.b.mu.Unlock()
	p.msg.close()
	p.clock.close()
	p.b.finish(ErrClosed)
	err := p.b.pc.close()
	p.b.emitNote("room " + p.room + ": left")
	return err
}
