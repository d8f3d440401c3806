package tcp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// eventLine renders the parts of an event a reader of the trace looks at.
func eventLine(e trace.Event) string {
	s := fmt.Sprintf("%v %s %v", e.At, e.Node, e.Kind)
	switch e.Kind {
	case trace.KindState:
		s += fmt.Sprintf(" %v>%v", e.From, e.To)
	case trace.KindTimerSet:
		s += fmt.Sprintf(" %v@%v", e.Timer, e.Deadline)
	case trace.KindTimerCancel, trace.KindTimerFire:
		s += fmt.Sprintf(" %v", e.Timer)
	}
	c := e.Conn
	return s + fmt.Sprintf(" [%v una=%d nxt=%d rcv=%d cwnd=%d rto=%v]",
		c.State, c.SndUna-uint32(iss), c.SndNxt-uint32(iss), c.RcvNxt-uint32(peerISS), c.Cwnd, c.RTO)
}

func TestTraceEvents(t *testing.T) {
	f := newFixture(t)
	f.dial(baseConfig())
	f.advance(rtt)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
	f.write("hi")
	f.advance(time.Second)
	f.handle(ack(peerISS+1, iss+3, 65535))
	var got []string
	for _, e := range f.events {
		if e.Node != "a" || e.Conn.Local != addrA || e.Conn.Remote != addrB {
			t.Fatalf("event without node or addresses: %+v", e)
		}
		got = append(got, eventLine(e))
	}
	// rcv is RCV.NXT - IRS (16 = 0 - IRS before the SYN,ACK); before the
	// peer's MSS is known cwnd is the IW for the 536-octet default.
	want := []string{
		"0s a state CLOSED>SYN-SENT [SYN-SENT una=0 nxt=0 rcv=16 cwnd=2144 rto=1s]",
		"0s a timer-set retransmit@1s [SYN-SENT una=0 nxt=1 rcv=16 cwnd=2144 rto=1s]",
		"0s a connstat [SYN-SENT una=0 nxt=1 rcv=16 cwnd=2144 rto=1s]",
		"100ms a timer-cancel retransmit [SYN-SENT una=1 nxt=1 rcv=1 cwnd=4380 rto=1s]",
		"100ms a state SYN-SENT>ESTABLISHED [ESTABLISHED una=1 nxt=1 rcv=1 cwnd=4380 rto=1s]",
		"100ms a timer-set retransmit@1.1s [ESTABLISHED una=1 nxt=3 rcv=1 cwnd=4380 rto=1s]",
		"100ms a connstat [ESTABLISHED una=1 nxt=3 rcv=1 cwnd=4380 rto=1s]",
		"1.1s a timer-fire retransmit [ESTABLISHED una=1 nxt=3 rcv=1 cwnd=4380 rto=1s]",
		"1.1s a timer-set retransmit@3.1s [ESTABLISHED una=1 nxt=3 rcv=1 cwnd=1460 rto=2s]",
		"1.1s a connstat [ESTABLISHED una=1 nxt=3 rcv=1 cwnd=1460 rto=2s]",
		"1.1s a timer-cancel retransmit [ESTABLISHED una=3 nxt=3 rcv=1 cwnd=1460 rto=2s]",
		"1.1s a connstat [ESTABLISHED una=3 nxt=3 rcv=1 cwnd=1462 rto=2s]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestConnStatOncePerCall runs a lossy transfer and checks that every entry
// point emits at most one KindConnStat, that every Timer event names a timer,
// and that state events chain (each From is the previous To).
func TestConnStatOncePerCall(t *testing.T) {
	for seed := range uint64(20) {
		connStatOncePerCall(t, seed)
	}
}

func connStatOncePerCall(t *testing.T, seed uint64) {
	l, cfgA, cfgB, sendA, sendB, _ := scenario(seed)
	var calls, stats int
	var last = map[string]trace.TCPState{}
	check := func(e *trace.Event) {
		switch e.Kind {
		case trace.KindConnStat:
			stats++
			if stats > calls {
				t.Fatalf("%v: a second ConnStat in one call", e.At)
			}
		case trace.KindState:
			if prev, ok := last[e.Node]; ok && prev != e.From {
				t.Fatalf("%v %s: state %v>%v after %v", e.At, e.Node, e.From, e.To, prev)
			}
			last[e.Node] = e.To
		case trace.KindTimerSet, trace.KindTimerCancel, trace.KindTimerFire:
			if e.Timer == trace.TimerNone || (e.Kind == trace.KindTimerSet && e.Deadline <= e.At) {
				t.Fatalf("bad timer event %+v", e)
			}
		default:
			t.Fatalf("unexpected kind %v", e.Kind)
		}
	}
	cfgA.Trace, cfgB.Trace = trace.SinkFunc(check), trace.SinkFunc(check)
	p := newPair(t, l, cfgA, cfgB, sendA, sendB)
	p.onCall = func() { calls = stats + 1 }
	p.start()
	if !p.run(time.Hour) {
		t.Fatal("did not finish")
	}
	if stats == 0 || last["a"] != trace.StateClosed || last["b"] != trace.StateClosed {
		t.Fatalf("%d ConnStat events, final states %v", stats, last)
	}
}
