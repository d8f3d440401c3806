// Package bridge is the page's side of the WebRTC gateway (core/gateway):
// a client that opens data channels named "tcp/HOST:PORT" and
// "udp/HOST:PORT" to the gateway, which relays each one to one real TCP
// connection or one UDP socket, and that turns every message in and out
// into a trace event.
//
// Like pion itself, the package has one API and two implementations:
// in the browser (GOOS=js) it wraps the browser's RTCPeerConnection and
// signals with the browser's fetch; natively it runs pion's own stack
// with loopback-only ICE (the tests and benchmarks use it). Callers
// compile unchanged on both.
//
// Unlike the rest of sim/, the bridge is not part of the model: it is a
// real-time client that reads the wall clock and runs goroutines.
package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"socketlab/sim/trace"
)

// DefaultNode is the node name of the bridge's events unless Config.Node
// says otherwise.
const DefaultNode = "browser"

// DefaultOpenGrace is how long TCP and UDP wait, after a channel opened,
// for the gateway to refuse it (Config.OpenGrace).
const DefaultOpenGrace = 50 * time.Millisecond

// Config configures Dial.
type Config struct {
	// URL is the gateway's signaling endpoint, e.g.
	// "http://127.0.0.1:8080/rtc" (in the browser a relative "/rtc"
	// works too).
	URL string
	// Sink receives the bridge's events. It is called from several
	// goroutines (and, in the browser, from event callbacks), so it must
	// be safe for concurrent use and must not block: *trace.Feed is such
	// a sink. Nil discards the events.
	Sink trace.Sink
	// Start is the origin of the events' At: At = now − Start. The zero
	// time means the moment Dial was called.
	Start time.Time
	// Node is the node name of the events ("" means DefaultNode).
	Node string
	// OpenGrace is how long TCP and UDP wait after a channel opened for
	// the gateway's refusal (an "error: …" line), so that a target that
	// is not allowed or refuses the connection is an error of the open
	// itself. Data arriving ends the wait early. 0 means
	// DefaultOpenGrace; negative means no wait (a refusal then surfaces
	// at the first Read, Write or Recv).
	OpenGrace time.Duration
	// IDs, if set, numbers the messages' packets: a counter shared with
	// the other producers of one run (a model drawn beside it), so that
	// packet IDs stay unique and small. Nil: the bridge counts from 1.
	IDs *atomic.Uint64
}

// chanOpts says how a data channel is opened: reliable and ordered (the
// zero value), or unordered without retransmissions; pre-negotiated
// with a fixed id, or announced to the other side in-band.
type chanOpts struct {
	unreliable bool
	negotiated bool
	id         uint16
}

// Errors of the bridge's operations.
var (
	// ErrClosed: the Stream, Datagrams or Bridge was closed by its user.
	ErrClosed = errors.New("bridge: closed")
	// ErrLost: the connection to the gateway failed or the gateway
	// closed it (idle, shut down).
	ErrLost = errors.New("bridge: connection to the gateway lost")
	// ErrClosedByGateway: the gateway closed the channel without an
	// error line, for writes after a TCP server closed its connection.
	ErrClosedByGateway = errors.New("bridge: the gateway closed the channel")
)

// GatewayError is a status line of the gateway, "error: REASON", sent on
// a channel: a refused channel (not allowed, bad label, connection
// refused) or, on a UDP channel, a failed recvfrom (ICMP port
// unreachable) after which the channel goes on.
type GatewayError struct {
	Label  string // the channel's label: "tcp/127.0.0.1:7"
	Reason string // the gateway's one-line reason, without "error: "
}

// Error returns the gateway's reason as it wrote it.
func (e *GatewayError) Error() string { return e.Reason }

// Bridge is one peer connection to the gateway and the channels opened
// on it. Its methods are safe for concurrent use.
type Bridge struct {
	cfg    Config
	pc     *rtcPeer
	maxMsg int // bytes of one message, from the answer's max-message-size

	emitMu sync.Mutex // orders events and their At; guards nextID and every flights
	nextID uint64     // the last message's packet ID

	mu     sync.Mutex
	chans  map[*channel]struct{}
	err    error         // ErrClosed or ErrLost once done is closed
	done   chan struct{} // closed when the bridge is closed or lost
	closed bool          // Close was called
}

// Dial connects to the gateway at cfg.URL: it makes an offer with one
// pre-negotiated channel that the gateway never sees (an offer needs a
// data channel for its SCTP m-line; later channels need no
// renegotiation), POSTs it, applies the answer and waits until the
// SCTP association is up. ctx bounds all of it; on error nothing is
// left running.
func Dial(ctx context.Context, cfg Config) (*Bridge, error) {
	b, fail, err := newBridge(cfg)
	if err != nil {
		return nil, err
	}
	cfg, pc, begin := b.cfg, b.pc, time.Now()
	ctrl, err := pc.createChannel("bridge", chanOpts{negotiated: true, id: 0})
	if err != nil {
		return fail(fmt.Errorf("bridge: data channel: %w", err))
	}
	opened := make(chan struct{})
	var once sync.Once
	ctrl.onOpen(func() { once.Do(func() { close(opened) }) })

	offer, err := pc.offer(ctx)
	if err != nil {
		return fail(fmt.Errorf("bridge: %w", err))
	}
	answer, err := signal(ctx, cfg.URL, offer)
	if err != nil {
		return fail(err)
	}
	if err := pc.acceptAnswer(answer); err != nil {
		return fail(fmt.Errorf("bridge: %w", err))
	}
	b.maxMsg = maxMessageSize(answer)
	select {
	case <-opened:
	case <-ctx.Done():
		return fail(fmt.Errorf("bridge: connecting: %w", ctx.Err()))
	case <-b.done:
		return fail(ErrLost)
	}
	b.emitNote(fmt.Sprintf("bridge: connected to %s in %v", cfg.URL, round(time.Since(begin))))
	return b, nil
}

// newBridge checks and completes cfg and makes the peer connection;
// fail undoes it with a note of what failed.
func newBridge(cfg Config) (b *Bridge, fail func(error) (*Bridge, error), err error) {
	if cfg.URL == "" {
		return nil, nil, errors.New("bridge: Config.URL is empty")
	}
	if cfg.Node == "" {
		cfg.Node = DefaultNode
	}
	if cfg.Sink == nil {
		cfg.Sink = trace.Discard
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Now()
	}
	if cfg.OpenGrace == 0 {
		cfg.OpenGrace = DefaultOpenGrace
	}
	pc, err := newRTCPeer()
	if err != nil {
		return nil, nil, fmt.Errorf("bridge: peer connection: %w", err)
	}
	b = &Bridge{cfg: cfg, pc: pc, maxMsg: 64 << 10, chans: map[*channel]struct{}{}, done: make(chan struct{})}
	pc.onLost(b.lose)
	fail = func(err error) (*Bridge, error) {
		b.lose()
		b.pc.close()
		b.emitNote("bridge: dial failed: " + err.Error())
		return nil, err
	}
	return b, fail, nil
}

// sessionDescription is the JSON body of the signaling exchange.
type sessionDescription struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// signal POSTs the offer and returns the answer's SDP.
func signal(ctx context.Context, url, offer string) (string, error) {
	body, err := json.Marshal(sessionDescription{Type: "offer", SDP: offer})
	if err != nil {
		return "", err
	}
	status, resp, err := post(ctx, url, body)
	if err != nil {
		return "", fmt.Errorf("bridge: POST %s: %w", url, err)
	}
	if status != 200 {
		line, _, _ := strings.Cut(strings.TrimSpace(string(resp)), "\n")
		return "", fmt.Errorf("bridge: POST %s: status %d: %s", url, status, line)
	}
	var ans sessionDescription
	dec := json.NewDecoder(bytes.NewReader(resp))
	if err := dec.Decode(&ans); err != nil {
		return "", fmt.Errorf("bridge: POST %s: bad answer: %v", url, err)
	}
	if ans.Type != "answer" || ans.SDP == "" {
		return "", fmt.Errorf("bridge: POST %s: answer of type %q", url, ans.Type)
	}
	return ans.SDP, nil
}

// maxMessageSize reads a=max-message-size from sdp; absent or 0 means
// the 64 KiB of RFC 8841 (a bound the gateway never exceeds).
func maxMessageSize(sdp string) int {
	for line := range strings.Lines(sdp) {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=max-message-size:")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return min(n, 256<<10)
		}
	}
	return 64 << 10
}

// MaxMessage returns the largest message the gateway takes: the largest
// datagram Datagrams.Send sends; Stream.Write cuts longer writes.
func (b *Bridge) MaxMessage() int { return b.maxMsg }

// lose marks the bridge done with ErrLost unless it is already done, and
// wakes every waiter.
func (b *Bridge) lose() { b.finish(ErrLost) }

func (b *Bridge) finish(err error) {
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return
	}
	b.err = err
	close(b.done)
	chans := make([]*channel, 0, len(b.chans))
	for c := range b.chans {
		chans = append(chans, c)
	}
	b.mu.Unlock()
	for _, c := range chans {
		c.wake()
	}
}

// doneErr returns ErrClosed or ErrLost once the bridge is done, else nil.
func (b *Bridge) doneErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Close closes every channel (an OpClose event each: the gateway closes
// their TCP connections and UDP sockets) and the peer connection. Reads,
// writes and receives blocked on the bridge's channels return ErrClosed.
// It is idempotent; later calls return nil.
func (b *Bridge) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	chans := make([]*channel, 0, len(b.chans))
	for c := range b.chans {
		chans = append(chans, c)
	}
	b.mu.Unlock()
	for _, c := range chans {
		c.close()
	}
	b.finish(ErrClosed)
	err := b.pc.close()
	b.emitNote("bridge: closed")
	return err
}

// TCP opens a reliable, ordered channel "tcp/"+target, which the gateway
// relays to one TCP connection to target ("HOST:PORT", allowlisted by
// the gateway). It waits until the channel is open and then, for
// Config.OpenGrace, for the gateway's refusal: a *GatewayError whose
// text is the gateway's one-line reason. ctx bounds the open only.
func (b *Bridge) TCP(ctx context.Context, target string) (*Stream, error) {
	c, err := b.open(ctx, "tcp", target, chanOpts{})
	if err != nil {
		return nil, err
	}
	return &Stream{c: c}, nil
}

// UDP opens an unordered channel without retransmissions (maxRetransmits
// 0) "udp/"+target, which the gateway relays to one UDP socket connected
// to target; it waits like TCP.
func (b *Bridge) UDP(ctx context.Context, target string) (*Datagrams, error) {
	c, err := b.open(ctx, "udp", target, chanOpts{unreliable: true})
	if err != nil {
		return nil, err
	}
	return &Datagrams{c: c}, nil
}

// message is one message of the gateway: data, or an error line.
type message struct {
	data []byte
	err  *GatewayError
}

// channel is the state a Stream or Datagrams shares with the callbacks.
type channel struct {
	b      *Bridge
	dc     *rtcChannel
	label  string
	remote netip.AddrPort // the target when it is an address, else zero
	stream bool

	opened   chan struct{}
	openOnce sync.Once
	low      chan struct{} // a token when the buffered amount fell low
	release  func()        // undoes onMessage

	mu           sync.Mutex
	changed      chan struct{} // closed and replaced on every change
	queue        []message     // messages not yet returned
	head         []byte        // the rest of the stream message being read
	gwErr        *GatewayError // a stream's error line (final)
	arrived      bool          // anything arrived
	ended        bool          // the channel is closed (either side)
	closed       bool          // Close was called
	closeEmitted bool
	flights      flights // the arrows of its messages (under b.emitMu)
}

// lateLine is how long an open waits, after the channel closed with
// nothing on it, for the gateway's error line to be handed over.
const lateLine = time.Second

// Bounds of a channel's buffers.
const (
	maxQueuedDatagrams = 1024    // datagrams beyond are dropped, like a full socket buffer
	highWater          = 1 << 20 // Write waits while more is buffered to send
)

func (b *Bridge) open(ctx context.Context, proto, target string, o chanOpts) (*channel, error) {
	if err := b.doneErr(); err != nil {
		return nil, err
	}
	label := proto + "/" + target
	c := &channel{
		b: b, label: label, stream: proto == "tcp",
		opened: make(chan struct{}), low: make(chan struct{}, 1), changed: make(chan struct{}),
	}
	if ap, err := netip.ParseAddrPort(target); err == nil {
		c.remote = ap
	}
	c.flights = flights{far: label, remote: c.remote, fifo: c.stream}
	dc, err := b.pc.createChannel(label, o)
	if err != nil {
		return nil, fmt.Errorf("bridge: %s: %w", label, err)
	}
	c.dc = dc
	// The message and close handlers first: natively the channel may
	// already be opening, and pion drops what arrives before a handler.
	c.release = dc.onMessage(c.arrive)
	dc.onClose(c.onClose)
	dc.onOpen(c.onOpen)
	dc.onBufferedLow(highWater/2, func() {
		select {
		case c.low <- struct{}{}:
		default:
		}
	})
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		c.abandon()
		return nil, b.err
	}
	b.chans[c] = struct{}{}
	b.mu.Unlock()

	fail := func(err error) (*channel, error) {
		c.abandon()
		return nil, err
	}
	select {
	case <-c.opened:
	case <-ctx.Done():
		return fail(fmt.Errorf("bridge: opening %s: %w", label, ctx.Err()))
	case <-b.done:
		return fail(b.doneErr())
	}
	if b.cfg.OpenGrace < 0 {
		return c, nil
	}
	t := time.NewTimer(b.cfg.OpenGrace)
	defer t.Stop()
	var closedAt <-chan time.Time // set once the channel is seen closed
	for {
		c.mu.Lock()
		ge := c.gwErr
		for _, m := range c.queue {
			if m.err != nil && ge == nil {
				ge = m.err
			}
		}
		arrived, ended, changed := c.arrived, c.ended, c.changed
		c.mu.Unlock()
		switch {
		case ge != nil:
			return fail(ge)
		case arrived: // data: reads return it, then the end if it closed
			return c, nil
		}
		// A channel closed with nothing on it waits a little longer for
		// the gateway's error line: the line and the close travel on
		// different paths (an unordered channel does not order them at
		// all, and pion reports a close apart from its messages), so the
		// line may be handed over after the close that followed it.
		if ended && closedAt == nil {
			closedAt = time.After(lateLine)
		}
		select {
		case <-changed:
		case <-closedAt:
			return fail(fmt.Errorf("bridge: %s: %w", label, ErrClosedByGateway))
		case <-t.C:
			if !ended {
				return c, nil
			}
			t.Reset(time.Hour) // closed: the close's own wait decides
		case <-ctx.Done(): // the channel is open: ctx bounded the open only
			return c, nil
		case <-b.done:
			return fail(b.doneErr())
		}
	}
}

// onOpen runs when the channel opened, or before the first message or
// the close if those come first (pion calls OnOpen on a goroutine of its
// own): the connect event precedes them.
func (c *channel) onOpen() {
	c.openOnce.Do(func() {
		c.b.emitApp(trace.OpConnect, c.remote, 0, c.label)
		close(c.opened)
	})
}

// abandon closes a channel that never reached its user.
func (c *channel) abandon() { c.close() }

// wake tells every waiter that something changed.
func (c *channel) wake() {
	c.mu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// arrive takes one message of the gateway. It runs on pion's read loop
// (natively) or in the browser's message event: it never blocks.
func (c *channel) arrive(data []byte, isString bool) {
	now := time.Now()
	b := c.b
	c.onOpen()
	if isString {
		line := string(data)
		ge := &GatewayError{Label: c.label, Reason: strings.TrimPrefix(line, "error: ")}
		c.mu.Lock()
		if c.stream {
			if c.gwErr == nil {
				c.gwErr = ge
			}
		} else {
			c.queue = append(c.queue, message{err: ge})
		}
		c.arrived = true
		c.mu.Unlock()
		b.emitApp(trace.OpError, c.remote, 0, c.label+": "+line)
		c.wake()
		return
	}
	op := trace.OpRead
	if !c.stream {
		op = trace.OpRecvFrom
	}
	c.mu.Lock()
	if !c.stream && len(c.queue) >= maxQueuedDatagrams {
		c.mu.Unlock()
		b.emitNote(fmt.Sprintf("bridge: %s: datagram of %d bytes dropped: %d unread", c.label, len(data), maxQueuedDatagrams))
		return
	}
	c.queue = append(c.queue, message{data: data})
	c.arrived = true
	c.mu.Unlock()
	b.emitReply(op, c, data, now)
	c.wake()
}

// onClose runs when the channel closed, by either side.
func (c *channel) onClose() {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	byGateway := !c.closeEmitted
	c.closeEmitted = true
	c.mu.Unlock()
	if byGateway {
		c.onOpen()
		if c.stream {
			c.b.emitApp(trace.OpRead, c.remote, 0, "") // end of stream
		}
		c.b.emitApp(trace.OpClose, c.remote, 0, "closed by the gateway")
	}
	c.wake()
}

// close is Close of a Stream or Datagrams.
func (c *channel) close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	emit := !c.closeEmitted
	c.closeEmitted = true
	c.mu.Unlock()
	select {
	case <-c.opened:
	default:
		emit = false // abandoned before it opened: no connect, no close
	}
	if emit {
		c.b.emitApp(trace.OpClose, c.remote, 0, "")
	}
	err := c.dc.close()
	c.release()
	b := c.b
	b.mu.Lock()
	delete(b.chans, c)
	b.mu.Unlock()
	c.wake()
	return err
}

// send sends one message, after waiting while too much is buffered.
func (c *channel) send(op trace.AppOp, p []byte) error {
	b := c.b
	for c.dc.buffered() > highWater {
		c.mu.Lock()
		err := c.writableLocked()
		changed := c.changed
		c.mu.Unlock()
		if err != nil {
			return err
		}
		select {
		case <-c.low:
		case <-changed:
		case <-b.done:
		}
	}
	c.mu.Lock()
	if err := c.writableLocked(); err != nil {
		c.mu.Unlock()
		return err
	}
	c.mu.Unlock()
	b.emitSend(op, c, p)
	if err := c.dc.send(p); err != nil {
		b.emitApp(trace.OpError, c.remote, 0, c.label+": "+op.String()+": "+err.Error())
		return fmt.Errorf("bridge: %s: %s: %w", c.label, op, err)
	}
	return nil
}

// writableLocked says why nothing can be sent, or nil.
func (c *channel) writableLocked() error {
	switch {
	case c.closed:
		return ErrClosed
	case c.gwErr != nil:
		return c.gwErr
	case c.ended:
		return fmt.Errorf("bridge: %s: %w", c.label, ErrClosedByGateway)
	}
	return c.b.doneErr()
}

// Stream is a TCP connection through the gateway: bytes both ways, in
// order. One Read and one Write may run at once with each other and
// with Close; concurrent Reads (or Writes) must be serialized by the
// caller.
type Stream struct{ c *channel }

// Label returns the channel's label, "tcp/HOST:PORT".
func (s *Stream) Label() string { return s.c.label }

// Write sends p to the TCP connection, in messages of at most
// Bridge.MaxMessage bytes (one OpWrite event each). It waits while a
// megabyte is buffered to send. It fails with ErrClosed after Close, the
// gateway's *GatewayError after an error line, ErrClosedByGateway after
// the server closed, ErrLost when the bridge is gone.
func (s *Stream) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), s.c.b.maxMsg)
		if err := s.c.send(trace.OpWrite, p[:k]); err != nil {
			return n, err
		}
		n += k
		p = p[k:]
	}
	return n, nil
}

// Read reads what the TCP server sent (one OpRead event per message, at
// its arrival). It blocks until data arrives; once everything was read
// it returns io.EOF when the server closed the connection (the gateway
// closes the channel), the *GatewayError of an error line, ErrClosed
// after Close, ErrLost when the bridge is gone.
func (s *Stream) Read(p []byte) (int, error) {
	c := s.c
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return 0, ErrClosed
		}
		if len(c.head) == 0 && len(c.queue) > 0 {
			c.head = c.queue[0].data
			c.queue[0] = message{}
			c.queue = c.queue[1:]
		}
		if len(c.head) > 0 || len(p) == 0 {
			n := copy(p, c.head)
			c.head = c.head[n:]
			c.mu.Unlock()
			return n, nil
		}
		if c.gwErr != nil {
			c.mu.Unlock()
			return 0, c.gwErr
		}
		if c.ended {
			c.mu.Unlock()
			return 0, io.EOF
		}
		changed := c.changed
		c.mu.Unlock()
		if err := c.b.doneErr(); err != nil {
			return 0, err
		}
		<-changed
	}
}

// Close closes the channel (an OpClose event unless the gateway closed
// it first); the gateway then closes the TCP connection. A blocked Read
// or Write returns ErrClosed. It is idempotent.
func (s *Stream) Close() error { return s.c.close() }

// Datagrams is a UDP socket through the gateway: one message per
// datagram, unordered, not retransmitted: datagrams may be lost. Send,
// Recv and Close may run at once.
type Datagrams struct{ c *channel }

// Label returns the channel's label, "udp/HOST:PORT".
func (d *Datagrams) Label() string { return d.c.label }

// Send sends p as one datagram (an OpSendTo event). A datagram longer
// than Bridge.MaxMessage is an error. Errors as for Stream.Write.
func (d *Datagrams) Send(p []byte) error {
	if len(p) > d.c.b.maxMsg {
		return fmt.Errorf("bridge: %s: datagram of %d bytes, the gateway takes at most %d", d.c.label, len(p), d.c.b.maxMsg)
	}
	return d.c.send(trace.OpSendTo, p)
}

// Recv returns the next datagram (its OpRecvFrom event was emitted on
// arrival). An error line of the gateway — a failed recvfrom, e.g. ICMP
// port unreachable — is returned once as a *GatewayError and the socket
// goes on. At most 1024 datagrams wait unread; more are dropped. Once
// the gateway closed the channel and everything was received it returns
// io.EOF; ErrClosed after Close; ErrLost when the bridge is gone; ctx's
// error when ctx ends first.
func (d *Datagrams) Recv(ctx context.Context) ([]byte, error) {
	c := d.c
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, ErrClosed
		}
		if len(c.queue) > 0 {
			m := c.queue[0]
			c.queue[0] = message{}
			c.queue = c.queue[1:]
			c.mu.Unlock()
			if m.err != nil {
				return nil, m.err
			}
			return m.data, nil
		}
		if c.ended {
			c.mu.Unlock()
			return nil, io.EOF
		}
		changed := c.changed
		c.mu.Unlock()
		if err := c.b.doneErr(); err != nil {
			return nil, err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close closes the channel (an OpClose event unless the gateway closed
// it first) and with it the gateway's UDP socket. A blocked Recv returns
// ErrClosed. It is idempotent.
func (d *Datagrams) Close() error { return d.c.close() }

// emitLocked stamps e with the time now and, unless it names one, the
// bridge's node, and hands it to the sink.
func (b *Bridge) emitLocked(e *trace.Event) { b.emitAtLocked(e, time.Now()) }

// emitAtLocked is emitLocked for an event that happened at t. The events
// of one message may be emitted a little out of the order of their At
// (the far end's moment is known only when the reply arrives): the
// view's stream puts them back in order.
func (b *Bridge) emitAtLocked(e *trace.Event, t time.Time) {
	e.At = t.Sub(b.cfg.Start)
	if e.Node == "" {
		e.Node = b.cfg.Node
	}
	b.cfg.Sink.Emit(e)
}

func (b *Bridge) emitApp(op trace.AppOp, remote netip.AddrPort, n int, text string) {
	b.emitMu.Lock()
	defer b.emitMu.Unlock()
	b.emitLocked(&trace.Event{Kind: trace.KindApp, Op: op, Remote: remote, N: n, Text: text})
}

// emitSend emits a write or sendto of p and the message's arrow.
func (b *Bridge) emitSend(op trace.AppOp, c *channel, p []byte) {
	b.emitMu.Lock()
	defer b.emitMu.Unlock()
	now := time.Now()
	b.emitAtLocked(&trace.Event{Kind: trace.KindApp, Op: op, Remote: c.remote, N: len(p), Text: trace.Preview(p)}, now)
	b.sentLocked(&c.flights, bytes.Clone(p), now)
}

// emitReply emits the arrows of a message that arrived at now, the read
// or recvfrom that returns it and, when it answers a request, a note with
// the round-trip time.
func (b *Bridge) emitReply(op trace.AppOp, c *channel, data []byte, now time.Time) {
	b.emitMu.Lock()
	defer b.emitMu.Unlock()
	rtt := b.receivedLocked(&c.flights, data, now)
	b.emitAtLocked(&trace.Event{Kind: trace.KindApp, Op: op, Remote: c.remote, N: len(data), Text: trace.Preview(data)}, now)
	if rtt > 0 {
		b.emitAtLocked(&trace.Event{Kind: trace.KindNote, Text: RTTNote + round(rtt).String()}, now)
	}
}

// RTTNote starts the text of the note that follows a reply: "rtt 412µs",
// the time since the request it answers (a stream's oldest unanswered
// write, a datagram socket's latest send).
const RTTNote = "rtt "

func (b *Bridge) emitNote(text string) {
	b.emitMu.Lock()
	defer b.emitMu.Unlock()
	b.emitLocked(&trace.Event{Kind: trace.KindNote, Text: text})
}

// round keeps three significant digits of the microseconds.
func round(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond)
	case d < 10*time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d < 100*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
