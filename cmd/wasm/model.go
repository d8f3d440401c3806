package main

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// The simulated model of a real exchange is drawn beside it, on nodes of
// its own, so that the page shows what the browser sees (messages over a
// data channel) next to what TCP or UDP does for the same exchange
// between a client and the server (segments, handshake, teardown).
const (
	modelClient = trace.ModelPrefix + "client"
	modelServer = trace.ModelPrefix + "server"
	modelLink   = "model"
	// modelSpan bounds how much of the model is drawn: the exchange and
	// its teardown, not TIME-WAIT's minutes.
	modelSpan = 2 * time.Second
)

// modelPrograms returns the simulator's programs for one exchange with the
// demo server named what (as /demo.json names it), or false when the
// simulator has no model of it.
func modelPrograms(what, msg string) ([]sim.Program, bool) {
	server, client := "", ""
	switch what {
	case "TCP timestamp server":
		server, client = "tcp-timestamp-server", "tcp-timestamp-client"
	case "UDP timestamp server":
		server, client = "udp-timestamp-server", "udp-timestamp-client"
	case "UDP echo server":
		server, client = "udp-echo-server", "udp-echo-client"
	default:
		return nil, false
	}
	return []sim.Program{
		{Type: server, Host: "server", Port: 80},
		{Type: client, Host: "client", Server: "server:80", Messages: []string{msg}},
	}, true
}

// modelEvents simulates the exchange with the demo server named what over
// a link whose one-way delay is oneWay (half the measured round trip), and
// returns its events on the model's nodes and link, shifted so that the
// model's first data leaves at sent — the moment the real message left.
// Everything the model does before (the handshake) lies just before it.
// Its packets are numbered from ids, the counter the run's bridge shares.
func modelEvents(what, msg string, sent, oneWay time.Duration, ids *atomic.Uint64) ([]trace.Event, error) {
	progs, ok := modelPrograms(what, msg)
	if !ok {
		return nil, fmt.Errorf("no model of the %s", what)
	}
	oneWay = max(oneWay.Round(time.Microsecond), 10*time.Microsecond)
	lp := sim.LinkParams{Delay: sim.Duration(oneWay)}
	tr, err := sim.Run(&sim.Scenario{
		Name: "model", Seed: 1, Duration: sim.Duration(modelSpan),
		Hosts: []sim.NodeSpec{
			{Name: "client", Addrs: []string{"10.0.0.1"}, Role: "client"},
			{Name: "server", Addrs: []string{"10.0.0.2"}, Role: "server"},
		},
		Links:    []sim.LinkSpec{{ID: "lo", A: "client", B: "server", AB: lp, BA: lp}},
		Programs: progs,
	})
	if err != nil {
		return nil, err
	}
	first := time.Duration(-1)
	for _, e := range tr.Events {
		if e.Kind == trace.KindSend && e.Node == "client" && len(e.Packet.Payload) > 0 {
			first = e.At
			break
		}
	}
	if first < 0 {
		return nil, errors.New("the model sent no data")
	}
	rename := map[string]string{"client": modelClient, "server": modelServer}
	renumber := map[uint64]uint64{0: 0}
	id := func(old uint64) uint64 {
		n, ok := renumber[old]
		if !ok {
			n = ids.Add(1)
			renumber[old] = n
		}
		return n
	}
	out := make([]trace.Event, 0, len(tr.Events))
	for _, e := range tr.Events {
		if e.Kind == trace.KindNote {
			continue // the scenario's own remarks
		}
		e.At += sent - first
		if e.Kind == trace.KindSend {
			e.Arrive += sent - first
		}
		if e.Kind == trace.KindTimerSet {
			e.Deadline += sent - first
		}
		e.Node, e.Peer = rename[e.Node], rename[e.Peer]
		if e.Link != "" {
			e.Link = modelLink
		}
		e.Packet.ID, e.Packet.Orig, e.Packet.Quote = id(e.Packet.ID), id(e.Packet.Orig), id(e.Packet.Quote)
		out = append(out, e)
	}
	return out, nil
}

// tryTargets names the demo server each real program of a lesson
// (lesson.RealPrograms) talks to; the others need sockets a page has
// not (an HTTP client, a refused connect).
var tryTargets = map[string]string{
	"tcp-client":   "TCP timestamp server",
	"socketserver": "SocketServer timestamp server",
	"udp-client":   "UDP timestamp server",
	"udp-echo":     "UDP echo server",
}
