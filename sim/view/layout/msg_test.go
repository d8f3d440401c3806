package layout

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// A page's data-channel message is labelled by what it says, and the
// arrival's remark — the round trip the page measured — follows the
// label of the arrow it ends.
func TestMessageFlightLabel(t *testing.T) {
	srv := netip.MustParseAddrPort("127.0.0.1:21567")
	req := trace.Packet{ID: 1, Proto: trace.ProtoMsg, Dst: srv, Payload: []byte("hello")}
	rep := trace.Packet{ID: 2, Proto: trace.ProtoMsg, Src: srv, Payload: []byte("[Sat Nov 21 11:10:46 2026] hello")}
	const far = "tcp/127.0.0.1:21567"
	m := NewStream(trace.Header{Nodes: []trace.Node{{Name: "browser"}}})
	m.Append([]trace.Event{
		{At: 0, Kind: trace.KindSend, Node: "browser", Peer: far, Link: "webrtc", Packet: req},
		{At: 200 * time.Microsecond, Kind: trace.KindDeliver, Node: far, Peer: "browser", Link: "webrtc", Packet: req},
		{At: 200 * time.Microsecond, Kind: trace.KindSend, Node: far, Peer: "browser", Link: "webrtc", Packet: rep},
		{At: 400 * time.Microsecond, Kind: trace.KindDeliver, Node: "browser", Peer: far, Link: "webrtc", Packet: rep, Text: "rtt 400µs"},
	}...)
	if len(m.Flights) != 2 {
		t.Fatalf("%d flights, want 2", len(m.Flights))
	}
	for i, want := range []string{
		`#1 "hello" len=5`,
		`#2 "[Sat Nov 21 11:10:4…" len=32 · rtt 400µs`,
	} {
		if got := m.FlightLabel(i); got != want {
			t.Errorf("flight %d: %q, want %q", i, got, want)
		}
	}
	if f := m.Flights[0]; m.Nodes[f.To].Name != far || f.End != 200*time.Microsecond || f.Dropped {
		t.Errorf("the request's flight %+v", f)
	}
}

// A model drawn beside a real run keeps to the right of it: the real
// exchange's two columns together, then the model's client and server.
func TestModelColumnsAfterReal(t *testing.T) {
	m := NewStream(trace.Header{Nodes: []trace.Node{{Name: "browser"}}})
	p := trace.Packet{ID: 1, Proto: trace.ProtoTCP}
	for _, pair := range [][2]string{{"model client", "model server"}, {"browser", "tcp/127.0.0.1:21567"}} {
		m.Append(trace.Event{Kind: trace.KindSend, Node: pair[0], Peer: pair[1], Link: pair[0], Packet: p})
		p.ID++
	}
	var names []string
	for _, n := range m.Order() {
		names = append(names, m.Nodes[n].Name)
	}
	if got, want := strings.Join(names, " | "), "browser | tcp/127.0.0.1:21567 | model client | model server"; got != want {
		t.Errorf("columns %q, want %q", got, want)
	}
}

// A run that idles before its first packet (a live run waiting for the
// user) opens on its packets, not on the wait.
func TestDefaultSpanSkipsTheWait(t *testing.T) {
	m := NewStream(trace.Header{})
	p := trace.Packet{ID: 1, Proto: trace.ProtoUDP}
	at := 10 * time.Second
	for i := range 4 {
		p.ID = uint64(i + 1)
		m.Append(trace.Event{At: at, Kind: trace.KindSend, Node: "a", Peer: "b", Link: "l", Packet: p, Arrive: at + time.Millisecond},
			trace.Event{At: at + time.Millisecond, Kind: trace.KindDeliver, Node: "b", Peer: "a", Link: "l", Packet: p})
		at += 2 * time.Millisecond
	}
	busy := m.Display(m.End) - m.Display(10*time.Second)
	if s := m.DefaultSpan(); s > busy*3/2 || s < busy {
		t.Errorf("span %v for %v of packets after a wait (display end %v)", s, busy, m.Display(m.End))
	}
}
