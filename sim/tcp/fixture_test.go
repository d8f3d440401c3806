package tcp

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// Sequence numbers near 2^32, so that every test crosses the wrap. They are
// variables so that iss+5000 wraps as it does on the wire.
var (
	iss     Seq = 0xFFFFFF00 // ours
	peerISS Seq = 0xFFFFFFF0 // the peer's
)

var (
	addrA = netip.MustParseAddrPort("10.0.0.1:40000")
	addrB = netip.MustParseAddrPort("10.0.0.2:80")
)

// fixture drives one Conn with explicit time and records everything that
// comes out of it: segments, notices and trace events.
type fixture struct {
	t       *testing.T
	c       *Conn
	now     time.Duration
	out     []Segment
	notices []Notice
	events  []trace.Event
}

func baseConfig() Config {
	return Config{Local: addrA, Remote: addrB, Node: "a", ISS: iss}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t}
}

func (f *fixture) config(cfg Config) Config {
	cfg.Transmit = func(now time.Duration, s Segment) {
		if now != f.now {
			f.t.Fatalf("Transmit at %v, fixture time is %v", now, f.now)
		}
		f.out = append(f.out, s)
	}
	cfg.Notify = func(_ time.Duration, n Notice) { f.notices = append(f.notices, n) }
	cfg.Trace = trace.SinkFunc(func(e *trace.Event) { f.events = append(f.events, *e) })
	return cfg
}

func (f *fixture) dial(cfg Config) {
	f.c = Dial(f.now, f.config(cfg))
}

func (f *fixture) accept(cfg Config, syn Segment) {
	f.c = Accept(f.now, f.config(cfg), syn)
	if f.c == nil {
		f.t.Fatalf("Accept(%v) = nil", syn)
	}
}

// handle delivers s to the Conn at the current time.
func (f *fixture) handle(s Segment) { f.t.Helper(); f.c.Handle(f.now, s) }

// advance moves time forward by d and polls the timers.
func (f *fixture) advance(d time.Duration) {
	f.t.Helper()
	f.now += d
	f.c.Poll(f.now)
}

func (f *fixture) write(s string) {
	f.t.Helper()
	if n := f.c.Write(f.now, []byte(s)); n != len(s) {
		f.t.Fatalf("Write(%d bytes) = %d", len(s), n)
	}
}

func (f *fixture) read() string {
	f.t.Helper()
	buf := make([]byte, 1<<17)
	n := f.c.Read(f.now, buf)
	return string(buf[:n])
}

func segString(s Segment) string {
	p := string(s.Payload)
	if len(p) > 12 {
		p = fmt.Sprintf("%q…(%d)", p[:12], len(p))
	} else {
		p = fmt.Sprintf("%q", p)
	}
	return fmt.Sprintf("%s %s (seq %#x ack %#x)", s, p, uint32(s.Seq), uint32(s.Ack))
}

func segEqual(a, b Segment) bool {
	return a.Seq == b.Seq && a.Ack == b.Ack && a.Flags == b.Flags && a.Window == b.Window &&
		a.MSS == b.MSS && a.Opts == b.Opts && a.WScale == b.WScale && a.TSval == b.TSval && a.TSecr == b.TSecr &&
		slices.Equal(a.SACK, b.SACK) && bytes.Equal(a.Payload, b.Payload)
}

// want asserts that exactly segs were transmitted since the last check.
func (f *fixture) want(what string, segs ...Segment) {
	f.t.Helper()
	ok := len(segs) == len(f.out)
	for i := 0; ok && i < len(segs); i++ {
		ok = segEqual(segs[i], f.out[i])
	}
	if !ok {
		var b strings.Builder
		fmt.Fprintf(&b, "%s at %v:\n got:\n", what, f.now)
		for _, s := range f.out {
			fmt.Fprintf(&b, "   %s\n", segString(s))
		}
		b.WriteString(" want:\n")
		for _, s := range segs {
			fmt.Fprintf(&b, "   %s\n", segString(s))
		}
		f.t.Fatal(b.String())
	}
	f.out = f.out[:0]
}

// wantIdle asserts that nothing was transmitted since the last check.
func (f *fixture) wantIdle(what string) { f.t.Helper(); f.want(what) }

// take returns and clears the transmitted segments.
func (f *fixture) take() []Segment {
	out := f.out
	f.out = nil
	return out
}

func (f *fixture) wantState(st trace.TCPState) {
	f.t.Helper()
	if got := f.c.State(); got != st {
		f.t.Fatalf("at %v: state %v, want %v", f.now, got, st)
	}
}

// wantNotices asserts the notices since the last check.
func (f *fixture) wantNotices(ns ...Notice) {
	f.t.Helper()
	if fmt.Sprint(f.notices) != fmt.Sprint(ns) {
		f.t.Fatalf("at %v: notices %v, want %v", f.now, f.notices, ns)
	}
	f.notices = nil
}

// stateChanges lists the KindState events as "FROM>TO".
func (f *fixture) stateChanges() []string {
	var s []string
	for _, e := range f.events {
		if e.Kind == trace.KindState {
			s = append(s, e.From.String()+">"+e.To.String())
		}
	}
	return s
}

func (f *fixture) wantStates(want ...string) {
	f.t.Helper()
	if got := f.stateChanges(); strings.Join(got, " ") != strings.Join(want, " ") {
		f.t.Fatalf("state changes %v, want %v", got, want)
	}
}

// payload returns n deterministic bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// Segment constructors, spelled like the RFC's figures.
func ack(seq, a Seq, wnd uint16) Segment {
	return Segment{Seq: seq, Ack: a, Flags: trace.FlagACK, Window: wnd}
}

func data(seq, a Seq, wnd uint16, p []byte) Segment {
	return Segment{Seq: seq, Ack: a, Flags: trace.FlagACK | trace.FlagPSH, Window: wnd, Payload: p}
}

func dataNoPush(seq, a Seq, wnd uint16, p []byte) Segment {
	return Segment{Seq: seq, Ack: a, Flags: trace.FlagACK, Window: wnd, Payload: p}
}

func fin(seq, a Seq, wnd uint16) Segment {
	return Segment{Seq: seq, Ack: a, Flags: trace.FlagACK | trace.FlagFIN, Window: wnd}
}

const rtt = 100 * time.Millisecond

// established returns a fixture whose Conn did an active open with a
// 100 ms handshake RTT: SRTT 100 ms, RTTVAR 50 ms, RTO 1 s (the minimum).
// The peer offers wnd and MSS 1460.
func established(t *testing.T, cfg Config, wnd uint16) *fixture {
	t.Helper()
	return openedBy(t, cfg, Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: wnd, MSS: 1460})
}

// openedBy returns a fixture whose Conn did an active open answered by
// synAck 100 ms later, with what came out of it so far forgotten.
func openedBy(t *testing.T, cfg Config, synAck Segment) *fixture {
	t.Helper()
	f := newFixture(t)
	f.dial(cfg)
	f.take()
	f.now += rtt
	f.handle(synAck)
	f.take()
	f.notices = nil
	f.events = nil
	f.wantState(trace.StateEstablished)
	return f
}

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
