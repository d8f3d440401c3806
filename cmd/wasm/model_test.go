package main

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"socketlab/sim/lesson"
	"socketlab/sim/trace"
)

// The model of "hello" to the TCP timestamp server is the textbook's
// exchange, segment by segment, on the model's own nodes and link, with
// its data leaving exactly when the real message left and every packet
// taking the one-way delay it was given.
func TestModelEventsTCP(t *testing.T) {
	const sent = 250 * time.Millisecond
	const oneWay = 300 * time.Microsecond
	var ids atomic.Uint64
	ids.Store(2) // the bridge's request and reply came first
	evs, err := modelEvents("TCP timestamp server", "hello", sent, oneWay, &ids)
	if err != nil {
		t.Fatal(err)
	}
	var segs []string
	sends := map[uint64]time.Duration{}
	for _, e := range evs {
		if e.Node != modelClient && e.Node != modelServer {
			t.Fatalf("event on node %q: %+v", e.Node, e)
		}
		switch e.Kind {
		case trace.KindSend:
			if e.Link != modelLink || e.Packet.ID != uint64(3+len(sends)) {
				t.Errorf("send on link %q, id %d", e.Link, e.Packet.ID)
			}
			sends[e.Packet.ID] = e.At
			s := e.Node + " " + e.Packet.Flags.String()
			if len(e.Packet.Payload) > 0 {
				s += " " + string(e.Packet.Payload)
				if e.Node == modelClient && e.At != sent {
					t.Errorf("the model's data leaves at %v, the real message at %v", e.At, sent)
				}
			}
			segs = append(segs, s)
		case trace.KindDeliver:
			if d := e.At - sends[e.Packet.ID]; d != oneWay {
				t.Errorf("#%d takes %v, want %v", e.Packet.ID, d, oneWay)
			}
		}
	}
	got := strings.Join(segs, " | ")
	for _, want := range []string{
		"model client SYN | model server SYN,ACK | model client ACK | model client PSH,ACK hello | ",
		"model server PSH,ACK [",
		"] hello",
		"model client FIN,ACK",
		"model server FIN,ACK",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("model segments %q lack %q", got, want)
		}
	}
}

// UDP: one datagram and its echo, no handshake; a server the simulator
// has no model of is an error, not a guess.
func TestModelEventsUDPAndUnknown(t *testing.T) {
	evs, err := modelEvents("UDP echo server", "hello", time.Second, 100*time.Microsecond, new(atomic.Uint64))
	if err != nil {
		t.Fatal(err)
	}
	var segs []string
	for _, e := range evs {
		if e.Kind == trace.KindSend {
			segs = append(segs, e.Node+" "+e.Packet.Proto.String()+" "+string(e.Packet.Payload))
		}
	}
	if got, want := strings.Join(segs, " | "), "model client udp hello | model server udp hello"; got != want {
		t.Errorf("segments %q, want %q", got, want)
	}
	if _, err := modelEvents("SocketServer timestamp server", "hello", 0, time.Millisecond, new(atomic.Uint64)); err == nil ||
		err.Error() != "no model of the SocketServer timestamp server" {
		t.Errorf("unknown server: %v", err)
	}
}

// Every real program the page can try is one a lesson may name, and
// talks to one of the four demo servers socketlab serve starts.
func TestTryTargets(t *testing.T) {
	servers := []string{"TCP timestamp server", "UDP timestamp server", "SocketServer timestamp server", "UDP echo server"}
	for prog, server := range tryTargets {
		if !slices.Contains(lesson.RealPrograms, prog) {
			t.Errorf("%s is not one of lesson.RealPrograms %v", prog, lesson.RealPrograms)
		}
		if !slices.Contains(servers, server) {
			t.Errorf("%s talks to %q, not a demo server", prog, server)
		}
	}
	if len(tryTargets) != 4 {
		t.Errorf("%d programs through the gateway, want the four that talk to demo servers", len(tryTargets))
	}
}
