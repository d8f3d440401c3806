package bridge

import (
	"net/netip"
	"time"

	"socketlab/sim/trace"
)

// Link is the link name of the message arrows the bridge draws.
const Link = "webrtc"

// maxRequests bounds the unanswered messages a channel remembers.
const maxRequests = 1024

// flights turns one channel's messages into packet events (trace.ProtoMsg)
// between the page's node and a node for the far end, so that the ladder
// draws them as arrows like simulated packets.
//
// A page sees only its own side: when it sent, when something arrived.
// When a message answers a request (a stream's oldest unanswered write, a
// datagram socket's latest send), the round trip is measured and the far
// end's moment — the request arriving, the reply leaving — is drawn at half
// of it; a message that answers nothing is drawn leaving the far end half
// the last measured round trip before it arrived. An unanswered datagram's
// arrow stays in flight: the page cannot know whether it or its echo was
// lost. All of it runs under Bridge.emitMu.
type flights struct {
	far     string         // the far end's node name
	remote  netip.AddrPort // the far end's address, when known
	fifo    bool           // a reply answers the oldest request (a stream), else the latest (datagrams)
	reqs    []request
	halfRTT time.Duration // half the last measured round trip
}

// request is a message sent and not answered yet.
type request struct {
	pkt  trace.Packet
	sent time.Time
}

// sentLocked emits the Send of a message the page sent at now and
// remembers it as a request.
func (b *Bridge) sentLocked(f *flights, p []byte, now time.Time) {
	pkt := trace.Packet{ID: b.newIDLocked(), Proto: trace.ProtoMsg, Dst: f.remote, Payload: p}
	b.emitAtLocked(&trace.Event{Kind: trace.KindSend, Node: b.cfg.Node, Peer: f.far, Link: Link, Packet: pkt}, now)
	r := request{pkt: pkt, sent: now}
	switch {
	case !f.fifo:
		f.reqs = append(f.reqs[:0], r)
	case len(f.reqs) >= maxRequests:
		f.reqs = append(f.reqs[:copy(f.reqs, f.reqs[1:])], r)
	default:
		f.reqs = append(f.reqs, r)
	}
}

// receivedLocked emits the flights of a message that arrived at now from
// the far end, as the answer to the pending request if there is one, and
// returns the round trip it measured (0: it answered no request).
func (b *Bridge) receivedLocked(f *flights, data []byte, now time.Time) (rtt time.Duration) {
	left, rtt, ok := b.answeredLocked(f, now, false)
	if !ok {
		left = now.Add(-f.halfRTT)
	}
	text := ""
	if ok {
		text = RTTNote + round(rtt).String()
	}
	b.arrivedLocked(f, data, left, now, text)
	return rtt
}

// answeredLocked takes the pending request (a stream's oldest, a datagram
// socket's only one), measures the round trip up to now and emits the
// request's arrival at the far end half way through it — with the round
// trip as its remark when remark is set (the far end's acknowledgment
// came back: the request's own arrow carries the time). ok is false when
// no request was pending.
func (b *Bridge) answeredLocked(f *flights, now time.Time, remark bool) (mid time.Time, rtt time.Duration, ok bool) {
	if len(f.reqs) == 0 {
		return time.Time{}, 0, false
	}
	r := f.reqs[0]
	f.reqs[0] = request{}
	f.reqs = f.reqs[1:]
	rtt = now.Sub(r.sent)
	f.halfRTT = rtt / 2
	mid = r.sent.Add(f.halfRTT)
	e := trace.Event{Kind: trace.KindDeliver, Node: f.far, Peer: b.cfg.Node, Link: Link, Packet: r.pkt}
	if remark {
		e.Text = RTTNote + round(rtt).String()
	}
	b.emitAtLocked(&e, mid)
	return mid, rtt, true
}

// arrivedLocked emits a message of the far end that left it at left and
// reached the page at now; text is the arrival's remark.
func (b *Bridge) arrivedLocked(f *flights, data []byte, left, now time.Time, text string) {
	pkt := trace.Packet{ID: b.newIDLocked(), Proto: trace.ProtoMsg, Src: f.remote, Payload: data}
	b.emitAtLocked(&trace.Event{Kind: trace.KindSend, Node: f.far, Peer: b.cfg.Node, Link: Link, Packet: pkt}, left)
	b.emitAtLocked(&trace.Event{Kind: trace.KindDeliver, Node: b.cfg.Node, Peer: f.far, Link: Link, Packet: pkt, Text: text}, now)
}

// newIDLocked returns the next message's packet ID.
func (b *Bridge) newIDLocked() uint64 {
	if b.cfg.IDs != nil {
		return b.cfg.IDs.Add(1)
	}
	b.nextID++
	return b.nextID
}
