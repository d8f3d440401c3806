package lesson

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/trace"
)

// A selector names one event of a run in words, so that a lesson says
// what it means and survives a change to the model that renumbers the
// packets:
//
//	the 2nd send by server of a SYN,ACK
//	the 1st deliver at client of data
//	the last state at client of TIME-WAIT
//	the 1st timer-fire at client of retransmit
//	the next packet from server        (after the step's cursor)
//	the next SYN
//	packet 7
//
// Grammar: ["the"] ORDINAL KIND [by|at|from NODE] [of [a|an] WHAT], where
// ORDINAL is 1st, 2nd, 3rd, 4th …, first, last or next (the first after
// the step's cursor: only in highlight and expect), KIND an event kind
// (send, deliver, drop, duplicate, enqueue, state, timer-set, timer-fire,
// timer-cancel, app, note) and WHAT, by kind: for packets "packet",
// "segment" (TCP), "datagram" (UDP), "data" (a payload), "icmp" or TCP
// flags ("SYN,ACK": SYN, FIN, RST and ACK must match exactly, as in a
// scenario's faults, so "ACK" also matches data segments); for state a
// TCP state (the state entered); for timers a timer (retransmit,
// time-wait, persist, delayed-ack, app); for app a socket call (connect,
// accept, close, sendto, recvfrom …). "the next WHAT [from NODE]" is
// short for "the next send [by NODE] of WHAT"; "packet N" names packet
// #N. NODE is a host or router of the step's scenario.
type selector struct {
	src    string
	packet uint64 // "packet N"; the rest is unused
	nth    int    // from 1; last = -1
	next   bool
	kind   trace.Kind
	node   string
	// what
	flags    trace.TCPFlags
	hasFlags bool
	proto    trace.Proto
	data     bool
	state    trace.TCPState
	timer    trace.TimerKind
	op       trace.AppOp
}

var kindWords = []string{"send", "deliver", "drop", "duplicate", "enqueue", "state", "timer-set", "timer-fire", "timer-cancel", "app", "note"}

func packetKind(k trace.Kind) bool {
	switch k {
	case trace.KindSend, trace.KindDeliver, trace.KindDrop, trace.KindDuplicate, trace.KindEnqueue:
		return true
	}
	return false
}

// parseSelector reads s; nodes are the scenario's node names.
func parseSelector(s string, nodes []string) (*selector, error) {
	w := strings.Fields(s)
	sel := &selector{src: s}
	if len(w) == 2 && w[0] == "packet" {
		n, err := strconv.ParseUint(w[1], 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q: want a packet number from 1", w[1])
		}
		sel.packet = n
		return sel, nil
	}
	if len(w) > 0 && w[0] == "the" {
		w = w[1:]
	}
	if len(w) == 0 {
		return nil, fmt.Errorf("empty selector (e.g. \"the 1st send by client of a SYN\")")
	}
	switch ord := w[0]; ord {
	case "first":
		sel.nth = 1
	case "last":
		sel.nth = -1
	case "next":
		sel.next = true
	default:
		n, err := ordinal(ord)
		if err != nil {
			return nil, err
		}
		sel.nth = n
	}
	w = w[1:]
	if len(w) == 0 {
		return nil, fmt.Errorf("%q: what kind of event? (one of %s)", s, strings.Join(kindWords, ", "))
	}
	k, ok := trace.ParseKind(w[0])
	if ok && slices.Contains(kindWords, w[0]) {
		sel.kind = k
		w = w[1:]
		if len(w) >= 2 && (w[0] == "by" || w[0] == "at" || w[0] == "from") {
			sel.node, w = w[1], w[2:]
		}
		if len(w) > 0 {
			if w[0] != "of" || len(w) == 1 {
				return nil, fmt.Errorf("%q: after %q want \"by NODE\" or \"of WHAT\", got %q", s, sel.kind, strings.Join(w, " "))
			}
			w = w[1:]
			if len(w) > 1 && (w[0] == "a" || w[0] == "an") {
				w = w[1:]
			}
			if len(w) != 1 {
				return nil, fmt.Errorf("%q: want one word after \"of\", got %q", s, strings.Join(w, " "))
			}
			if err := sel.what(w[0]); err != nil {
				return nil, fmt.Errorf("%q: %v", s, err)
			}
		}
	} else {
		// "the next SYN", "the next packet from server"
		if !sel.next {
			return nil, fmt.Errorf("%q: %q is not an event kind (one of %s)", s, w[0], strings.Join(kindWords, ", "))
		}
		sel.kind = trace.KindSend
		if err := sel.what(w[0]); err != nil {
			return nil, fmt.Errorf("%q: %v", s, err)
		}
		w = w[1:]
		if len(w) == 2 && w[0] == "from" {
			sel.node, w = w[1], w[2:]
		}
		if len(w) > 0 {
			return nil, fmt.Errorf("%q: after the packet want \"from NODE\", got %q", s, strings.Join(w, " "))
		}
	}
	if sel.node != "" && !slices.Contains(nodes, sel.node) {
		return nil, fmt.Errorf("%q: the scenario has no node %q (%s)", s, sel.node, strings.Join(nodes, ", "))
	}
	return sel, nil
}

// ordinal reads 1st, 2nd, 3rd, 4th … 11th, 21st.
func ordinal(s string) (int, error) {
	if len(s) < 3 {
		return 0, fmt.Errorf("%q is not an ordinal (1st, 2nd, 3rd, 4th …, first, last, next)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-2])
	if err != nil || n < 1 || n > 1<<20 || s[0] == '0' || s[0] == '+' {
		return 0, fmt.Errorf("%q is not an ordinal (1st, 2nd, 3rd, 4th …, first, last, next)", s)
	}
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	if s[len(s)-2:] != suffix {
		return 0, fmt.Errorf("%q: write %d%s", s, n, suffix)
	}
	return n, nil
}

// what reads the word after "of".
func (sel *selector) what(word string) error {
	switch {
	case packetKind(sel.kind):
		switch word {
		case "packet":
		case "segment":
			sel.proto = trace.ProtoTCP
		case "datagram":
			sel.proto = trace.ProtoUDP
		case "icmp":
			sel.proto = trace.ProtoICMP
		case "data":
			sel.data = true
		default:
			f, err := parseFlags(word)
			if err != nil {
				return fmt.Errorf("%q is not packet, segment, datagram, data, icmp or TCP flags such as SYN,ACK", word)
			}
			sel.flags, sel.hasFlags, sel.proto = f, true, trace.ProtoTCP
		}
	case sel.kind == trace.KindState:
		st, ok := trace.ParseTCPState(word)
		if !ok || st == trace.StateNone {
			return fmt.Errorf("%q is not a TCP state such as SYN-SENT or TIME-WAIT", word)
		}
		sel.state = st
	case sel.kind == trace.KindTimerSet || sel.kind == trace.KindTimerFire || sel.kind == trace.KindTimerCancel:
		tk, ok := trace.ParseTimerKind(word)
		if !ok || tk == trace.TimerNone {
			return fmt.Errorf("%q is not a timer (retransmit, persist, time-wait, delayed-ack, app)", word)
		}
		sel.timer = tk
	case sel.kind == trace.KindApp:
		op, ok := trace.ParseAppOp(word)
		if !ok || op == trace.OpNone {
			return fmt.Errorf("%q is not a socket call such as connect, accept, close, sendto, recvfrom", word)
		}
		sel.op = op
	default:
		return fmt.Errorf("a %s event has nothing to match after \"of\"", sel.kind)
	}
	return nil
}

// parseFlags reads "SYN,ACK" (upper case, comma-separated).
func parseFlags(s string) (trace.TCPFlags, error) {
	var f trace.TCPFlags
next:
	for _, name := range strings.Split(s, ",") {
		for bit := trace.FlagFIN; bit != 0; bit <<= 1 {
			if bit.String() == name {
				f |= bit
				continue next
			}
		}
		return 0, fmt.Errorf("%q is not a TCP flag", name)
	}
	return f, nil
}

// matches reports whether e is an event sel names (ignoring the ordinal).
func (sel *selector) matches(e *trace.Event, routers map[string]bool) bool {
	if e.Kind != sel.kind {
		return false
	}
	if sel.node != "" {
		if e.Node != sel.node {
			return false
		}
	} else if sel.next && routers[e.Node] {
		return false // "the next SYN" is a host's, not a router forwarding it
	}
	p := &e.Packet
	switch {
	case packetKind(sel.kind):
		if sel.proto != trace.ProtoNone && p.Proto != sel.proto {
			return false
		}
		if sel.data && p.Len() == 0 {
			return false
		}
		const exact = trace.FlagSYN | trace.FlagFIN | trace.FlagRST | trace.FlagACK
		if sel.hasFlags && (!p.Flags.Has(sel.flags) || p.Flags&exact != sel.flags&exact) {
			return false
		}
	case sel.kind == trace.KindState:
		return sel.state == trace.StateNone || e.To == sel.state
	case sel.kind == trace.KindApp:
		return sel.op == trace.OpNone || e.Op == sel.op
	case sel.kind == trace.KindTimerSet || sel.kind == trace.KindTimerFire || sel.kind == trace.KindTimerCancel:
		return sel.timer == trace.TimerNone || e.Timer == sel.timer
	}
	return true
}

// find returns the index of the event sel names in tr; after is where
// "the next" starts looking (the number of events before the cursor).
func (sel *selector) find(tr *trace.Trace, after int) (int, error) {
	if sel.packet != 0 {
		for i := range tr.Events {
			if e := &tr.Events[i]; packetKind(e.Kind) && e.Packet.ID == sel.packet {
				return i, nil
			}
		}
		return 0, fmt.Errorf("%q: the run has no packet #%d", sel.src, sel.packet)
	}
	routers := map[string]bool{}
	for _, n := range tr.Header.Nodes {
		routers[n.Name] = n.Kind == trace.NodeRouter
	}
	if sel.next {
		for i := after; i < len(tr.Events); i++ {
			if sel.matches(&tr.Events[i], routers) {
				return i, nil
			}
		}
		return 0, fmt.Errorf("%q: nothing matches after the step's cursor", sel.src)
	}
	found, last := 0, -1
	for i := range tr.Events {
		if sel.matches(&tr.Events[i], routers) {
			found++
			last = i
			if found == sel.nth {
				return i, nil
			}
		}
	}
	if sel.nth == -1 && last >= 0 {
		return last, nil
	}
	return 0, fmt.Errorf("%q: the run has %d such events", sel.src, found)
}

// packetOf returns the packet the event at i carries.
func packetOf(tr *trace.Trace, i int, src string) (*trace.Packet, error) {
	if e := &tr.Events[i]; packetKind(e.Kind) {
		return &e.Packet, nil
	}
	return nil, fmt.Errorf("%q names a %s event, not a packet", src, tr.Events[i].Kind)
}

// A cursor is a step's at, from or to: a virtual time ("25ms") or a
// selector (the instant of that event, just after it happened).
type cursor struct {
	at  time.Duration
	sel *selector // nil: at
}

func parseCursor(s string, nodes []string) (cursor, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 || d > time.Hour {
			return cursor{}, fmt.Errorf("%v is out of range [0s, 1h]", d)
		}
		return cursor{at: d}, nil
	}
	sel, err := parseSelector(s, nodes)
	if err != nil {
		return cursor{}, fmt.Errorf("want a duration such as \"25ms\" or an event such as \"the 1st send by client of a SYN\": %v", err)
	}
	if sel.next {
		return cursor{}, fmt.Errorf("%q: \"next\" is relative to the cursor; a cursor names its event by number (1st, 2nd, last)", s)
	}
	return cursor{sel: sel}, nil
}

// Position is a place on a run's time line: the virtual time At, and N,
// how many of the trace's events have happened there.
type Position struct {
	At time.Duration
	N  int
}

// resolve finds c in tr.
func (c cursor) resolve(tr *trace.Trace) (Position, error) {
	if c.sel == nil {
		n := 0
		for n < len(tr.Events) && tr.Events[n].At <= c.at {
			n++
		}
		return Position{At: c.at, N: n}, nil
	}
	i, err := c.sel.find(tr, 0)
	if err != nil {
		return Position{}, err
	}
	return Position{At: tr.Events[i].At, N: i + 1}, nil
}
