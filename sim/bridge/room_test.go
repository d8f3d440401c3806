//go:build !js

package bridge_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"socketlab/core/gateway"
	"socketlab/sim/bridge"
	"socketlab/sim/trace"
)

// joinPair joins two peers to one room of a real gateway, concurrently,
// as two pages would.
func joinPair(t *testing.T, roomsURL, room string) (a, b *bridge.Peer, fa, fb *trace.Feed) {
	t.Helper()
	fa, fb = trace.NewFeed(10000), trace.NewFeed(10000)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	type joined struct {
		p   *bridge.Peer
		err error
	}
	first := make(chan joined, 1)
	go func() {
		p, err := bridge.JoinRoom(ctx, bridge.Config{URL: roomsURL, Sink: fa, Node: "alice"}, room)
		first <- joined{p, err}
	}()
	// The second page comes once the first waits in the room.
	time.Sleep(100 * time.Millisecond)
	b, err := bridge.JoinRoom(ctx, bridge.Config{URL: roomsURL, Sink: fb, Node: "bob"}, room)
	if err != nil {
		t.Fatalf("the second page: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	j := <-first
	if j.err != nil {
		t.Fatalf("the first page: %v", j.err)
	}
	t.Cleanup(func() { j.p.Close() })
	return j.p, b, fa, fb
}

// TestRoomMessages: two peers pair through a real gateway's room and
// exchange messages page to page: exact bytes both ways, the gateway
// relayed no data, and both sides draw every message as an arrow
// between themselves and the peer, with the round trip on the sender's.
func TestRoomMessages(t *testing.T) {
	g, rtcURL := startGateway(t, gateway.Config{})
	roomsURL := strings.TrimSuffix(rtcURL, gateway.Path) + gateway.RoomPath
	a, b, fa, fb := joinPair(t, roomsURL, "class-1")
	if a.Room() != "class-1" {
		t.Errorf("Room() = %q", a.Room())
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Recv(ctx); string(got) != "hello" || err != nil {
		t.Fatalf("bob got %q, %v", got, err)
	}
	if err := b.Send([]byte("hi alice")); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Recv(ctx); string(got) != "hi alice" || err != nil {
		t.Fatalf("alice got %q, %v", got, err)
	}
	if s := g.Stats(); s.Peers != 0 || s.PeersTotal != 0 || s.BytesUp != 0 || s.RoomsPaired != 1 {
		t.Errorf("gateway stats %+v: it should have relayed only the signaling", s)
	}
	// The acks travel back: wait for both senders' round trips.
	var ea, eb []trace.Event
	eventually(t, "both acks", func() bool {
		ea, eb = append(ea, events(fa)...), append(eb, events(fb)...)
		return hasRTT(ea) && hasRTT(eb)
	})
	for name, evs := range map[string][]trace.Event{"alice": ea, "bob": eb} {
		checkRoomArrows(t, name, evs)
	}
	// Leaving ends the other side's Recv.
	a.Close()
	if _, err := b.Recv(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("bob's Recv after alice left: %v", err)
	}
	if _, err := a.Recv(ctx); !errors.Is(err, bridge.ErrClosed) {
		t.Errorf("alice's Recv after Close: %v", err)
	}
}

func hasRTT(evs []trace.Event) bool {
	for _, e := range evs {
		if e.Kind == trace.KindDeliver && e.Node == bridge.PeerNode && strings.HasPrefix(e.Text, bridge.RTTNote) {
			return true
		}
	}
	return false
}

func arrows(evs []trace.Event) []flight {
	var out []flight
	for _, e := range evs {
		if e.Kind == trace.KindSend || e.Kind == trace.KindDeliver {
			out = append(out, flight{kind: e.Kind, node: e.Node, peer: e.Peer, id: e.Packet.ID, payload: string(e.Packet.Payload)})
		}
	}
	return out
}

// checkRoomArrows checks one page's arrows: the message it sent leaves
// it, reaches the peer half its round trip later with that round trip as
// remark; the message it received leaves the peer before it arrives.
func checkRoomArrows(t *testing.T, me string, evs []trace.Event) {
	t.Helper()
	var sent, rcvd []trace.Event
	for _, e := range evs {
		if e.Link != bridge.Link {
			continue
		}
		if e.Packet.Proto != trace.ProtoMsg {
			t.Errorf("%s: proto %v", me, e.Packet.Proto)
		}
		switch {
		case e.Kind == trace.KindSend && e.Node == me, e.Kind == trace.KindDeliver && e.Node == bridge.PeerNode:
			sent = append(sent, e)
		default:
			rcvd = append(rcvd, e)
		}
	}
	if len(sent) != 2 || len(rcvd) != 2 {
		t.Fatalf("%s: %d events of its message, %d of the peer's: %v", me, len(sent), len(rcvd), arrows(evs))
	}
	s, d := sent[0], sent[1]
	if s.Kind != trace.KindSend || d.Kind != trace.KindDeliver || s.Packet.ID != d.Packet.ID || s.Peer != bridge.PeerNode {
		t.Errorf("%s: its message %v", me, arrows(sent))
	}
	rtt, err := time.ParseDuration(strings.TrimPrefix(d.Text, bridge.RTTNote))
	if err != nil || !strings.HasPrefix(d.Text, bridge.RTTNote) {
		t.Fatalf("%s: the peer's arrival has remark %q, want the round trip", me, d.Text)
	}
	if half := d.At - s.At; half <= 0 || (rtt/2-half).Abs() > rtt/100+time.Microsecond {
		t.Errorf("%s: the peer's moment is %v after the send, the round trip %v", me, half, rtt)
	}
	l, a := rcvd[0], rcvd[1]
	if l.Kind != trace.KindSend || l.Node != bridge.PeerNode || a.Kind != trace.KindDeliver || a.Node != me || l.Packet.ID != a.Packet.ID {
		t.Errorf("%s: the peer's message %v", me, arrows(rcvd))
	}
	if l.At > a.At {
		t.Errorf("%s: the peer's message leaves at %v, after it arrived at %v", me, l.At, a.At)
	}
}

// TestRoomRefusals: a bad name is refused before anything is sent, and
// the gateway's refusals come back as one line with their status.
func TestRoomRefusals(t *testing.T) {
	_, rtcURL := startGateway(t, gateway.Config{RoomWait: 200 * time.Millisecond})
	roomsURL := strings.TrimSuffix(rtcURL, gateway.Path) + gateway.RoomPath
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := bridge.JoinRoom(ctx, bridge.Config{URL: roomsURL}, "Class 1"); err == nil ||
		err.Error() != `bridge: bad room name "Class 1": use 1–32 of a-z 0-9 - _` {
		t.Errorf("bad name: %v", err)
	}
	_, err := bridge.JoinRoom(ctx, bridge.Config{URL: roomsURL}, "empty")
	if err == nil || !strings.HasSuffix(err.Error(), `status 408: nobody joined room "empty" within 200ms`) {
		t.Errorf("nobody joined: %v", err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelShort()
	if _, err := bridge.JoinRoom(short, bridge.Config{URL: roomsURL}, "alone"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled join: %v", err)
	}
}
