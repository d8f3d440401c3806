package tcp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// link is a tiny in-test network between two Conns: every segment takes
// delay (+ jitter) to arrive and may be lost, duplicated or held back.
// Everything is driven by one seeded source, so a seed reproduces a run.
type link struct {
	rng        *rand.Rand
	delay      time.Duration
	jitter     time.Duration
	loss, dup  float64
	reorder    float64
	reorderBy  time.Duration
	bandwidth  int64 // bytes per second; 0 = infinite
	queue      []inflight
	order      uint64
	lastArrive [2]time.Duration
}

type inflight struct {
	at    time.Duration
	order uint64 // tie-break: insertion order
	to    int    // 0 = a, 1 = b
	seg   Segment
}

func (l *link) send(now time.Duration, to int, s Segment) {
	if l.rng != nil && l.rng.Float64() < l.loss {
		return
	}
	copies := 1
	if l.rng != nil && l.rng.Float64() < l.dup {
		copies = 2
	}
	for range copies {
		at := now + l.delay
		if l.bandwidth > 0 {
			// Serialise: a packet cannot arrive before the previous one has
			// been clocked out (a bottleneck of the given rate).
			tx := time.Duration(int64(len(s.Payload)+40) * int64(time.Second) / l.bandwidth)
			at = max(at, l.lastArrive[to]) + tx
			l.lastArrive[to] = at
		}
		if l.rng != nil && l.jitter > 0 {
			at += time.Duration(l.rng.Int64N(int64(l.jitter)))
		}
		if l.rng != nil && l.rng.Float64() < l.reorder {
			at += l.reorderBy
		}
		l.order++
		l.queue = append(l.queue, inflight{at: at, order: l.order, to: to, seg: s})
	}
}

// next removes and returns the earliest packet.
func (l *link) next() (inflight, bool) {
	if len(l.queue) == 0 {
		return inflight{}, false
	}
	best := 0
	for i, p := range l.queue {
		b := l.queue[best]
		if p.at < b.at || (p.at == b.at && p.order < b.order) {
			best = i
		}
	}
	p := l.queue[best]
	l.queue = slices.Delete(l.queue, best, best+1)
	return p, true
}

func (l *link) peek() (time.Duration, bool) {
	if len(l.queue) == 0 {
		return 0, false
	}
	at := l.queue[0].at
	for _, p := range l.queue {
		at = min(at, p.at)
	}
	return at, true
}

// endpoint is one side's application: it writes its data, half-closes when
// all is written, and reads everything.
type endpoint struct {
	c         *Conn
	toSend    []byte
	got       []byte
	notices   []Notice
	closed    bool
	buf       []byte
	eofSeen   bool
	readAfter time.Duration // the application starts reading only then (zero-window stalls)
}

func (e *endpoint) pump(now time.Duration, onCall func()) {
	if e.c == nil {
		return
	}
	if onCall == nil {
		onCall = func() {}
	}
	for len(e.toSend) > 0 {
		onCall()
		n := e.c.Write(now, e.toSend)
		if n == 0 {
			break
		}
		e.toSend = e.toSend[n:]
	}
	if len(e.toSend) == 0 && !e.closed {
		switch e.c.State() {
		case trace.StateEstablished, trace.StateCloseWait:
			e.closed = true
			onCall()
			e.c.CloseWrite(now)
		}
	}
	if now < e.readAfter {
		return
	}
	for {
		onCall()
		n := e.c.Read(now, e.buf)
		if n == 0 {
			break
		}
		e.got = append(e.got, e.buf[:n]...)
	}
}

// pair is two Conns joined by a link; b is created by Accept when the
// first SYN arrives, as a host with a listening socket would.
type pair struct {
	t     testing.TB
	l     *link
	ep    [2]*endpoint
	cfg   [2]Config
	now   time.Duration
	steps int
	// onCall, if set, runs before every call into a Conn.
	onCall func()
	// maxSteps bounds the run (0 = unbounded): run returns false when it is reached.
	maxSteps int
	sink     trace.Sink
}

func newPair(t testing.TB, l *link, cfgA, cfgB Config, sendA, sendB []byte) *pair {
	p := &pair{t: t, l: l}
	p.ep[0] = &endpoint{toSend: sendA, buf: make([]byte, 4096)}
	p.ep[1] = &endpoint{toSend: sendB, buf: make([]byte, 4096)}
	for i := range 2 {
		i := i
		cfg := []Config{cfgA, cfgB}[i]
		cfg.Transmit = func(now time.Duration, s Segment) { p.l.send(now, 1-i, s) }
		cfg.Notify = func(_ time.Duration, n Notice) { p.ep[i].notices = append(p.ep[i].notices, n) }
		p.cfg[i] = cfg
	}
	return p
}

func (p *pair) call() {
	if p.onCall != nil {
		p.onCall()
	}
}

// start dials from a at time 0.
func (p *pair) start() *pair {
	p.call()
	p.ep[0].c = Dial(0, p.cfg[0])
	return p
}

// run processes events until both Conns are CLOSED, nothing is left to
// happen, or the virtual time limit passes. It returns false on the limit.
func (p *pair) run(limit time.Duration) bool {
	for {
		next, kind := time.Duration(0), -1
		if at, ok := p.l.peek(); ok {
			next, kind = at, 2
		}
		for i, e := range p.ep {
			if e.c == nil {
				continue
			}
			if at, ok := e.c.NextTimeout(); ok && (kind < 0 || at < next) {
				next, kind = at, i
			}
		}
		for _, e := range p.ep {
			// The application's delayed start of reading is an event too.
			if e.c != nil && e.readAfter > p.now && (kind < 0 || e.readAfter < next) {
				next, kind = e.readAfter, 3
			}
		}
		if kind < 0 {
			return true
		}
		if next > limit {
			return false
		}
		p.now = next
		p.steps++
		if p.maxSteps > 0 && p.steps >= p.maxSteps {
			return false
		}
		if kind == 2 {
			pk, _ := p.l.next()
			e := p.ep[pk.to]
			switch {
			case e.c != nil:
				p.call()
				e.c.Handle(p.now, pk.seg)
			case pk.seg.Flags&trace.FlagSYN != 0 && pk.seg.Flags&trace.FlagACK == 0:
				p.call()
				e.c = Accept(p.now, p.cfg[pk.to], pk.seg)
			default:
				if r, ok := ResetFor(pk.seg); ok {
					p.l.send(p.now, 1-pk.to, r)
				}
			}
		} else if kind < 2 {
			p.call()
			p.ep[kind].c.Poll(p.now)
		}
		for _, e := range p.ep {
			e.pump(p.now, p.onCall)
		}
	}
}

// scenario draws a random link and pair of configurations from seed.
func scenario(seed uint64) (l *link, cfgA, cfgB Config, sendA, sendB []byte, stallB time.Duration) {
	rng := rand.New(rand.NewPCG(seed, 0x50c))
	l = &link{
		rng:       rng,
		delay:     time.Duration(1+rng.IntN(50)) * time.Millisecond,
		jitter:    time.Duration(rng.IntN(20)) * time.Millisecond,
		loss:      []float64{0, 0.01, 0.05, 0.2}[rng.IntN(4)],
		dup:       []float64{0, 0.05, 0.2}[rng.IntN(3)],
		reorder:   []float64{0, 0.1, 0.3}[rng.IntN(3)],
		reorderBy: time.Duration(1+rng.IntN(100)) * time.Millisecond,
	}
	cfgA = Config{Local: addrA, Remote: addrB, Node: "a", ISS: Seq(rng.Uint32())}
	cfgB = Config{Local: addrB, Remote: addrA, Node: "b", ISS: Seq(rng.Uint32())}
	cfgA.MSS = []int{0, 536, 1000}[rng.IntN(3)]
	cfgB.RcvBuf = []int{0, 4000, 20000}[rng.IntN(3)]
	cfgA.RcvBuf = []int{0, 3000}[rng.IntN(2)]
	cfgA.DelayedAck = []time.Duration{0, 40 * time.Millisecond}[rng.IntN(2)]
	cfgB.DelayedAck = []time.Duration{0, 200 * time.Millisecond}[rng.IntN(2)]
	cfgA.MinRTO = 200 * time.Millisecond
	cfgB.MinRTO = 200 * time.Millisecond
	cfgA.MSL, cfgB.MSL = 10*time.Second, 10*time.Second
	cfgA.MaxRetries, cfgB.MaxRetries = 30, 30
	sendA = make([]byte, rng.IntN(200_000))
	sendB = make([]byte, rng.IntN(30_000))
	for i := range sendA {
		sendA[i] = byte(rng.Uint32())
	}
	for i := range sendB {
		sendB[i] = byte(rng.Uint32())
	}
	stallB = []time.Duration{0, 0, 3 * time.Second, 40 * time.Second}[rng.IntN(4)]
	// RFC 7323 options: each side offers window scaling (with a buffer
	// larger than 65535 when it does) and timestamps or not.
	for _, cfg := range []*Config{&cfgA, &cfgB} {
		if rng.IntN(2) == 0 {
			cfg.WindowScale, cfg.WScaleShift = true, rng.IntN(9)
			if rng.IntN(2) == 0 {
				cfg.RcvBuf = min(300_000, 65535<<cfg.WScaleShift)
			}
		}
		cfg.Timestamps = rng.IntN(2) == 0
	}
	// CUBIC on one side, both or neither, from the seed's bits so that
	// the draws above stay what they were.
	if seed&1 != 0 {
		cfgA.Congestion = CongestionCUBIC
	}
	if seed&2 != 0 {
		cfgB.Congestion = CongestionCUBIC
	}
	return l, cfgA, cfgB, sendA, sendB, stallB
}

// TestLoopbackDeliversExactlyOnce wires two Conns through a lossy,
// duplicating, reordering link over many seeds: each side must receive
// exactly the bytes the other wrote, in order, once, and both must end in
// CLOSED without a reset or a timeout.
func TestLoopbackDeliversExactlyOnce(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 40
	}
	for seed := range uint64(seeds) {
		l, cfgA, cfgB, sendA, sendB, stallB := scenario(seed)
		p := newPair(t, l, cfgA, cfgB, slices.Clone(sendA), slices.Clone(sendB))
		p.ep[1].readAfter = stallB
		p.start()
		if !p.run(2 * time.Hour) {
			replay(t, seed)
			t.Fatalf("seed %d: still running after 2 h of virtual time (%d steps)", seed, p.steps)
		}
		a, b := p.ep[0], p.ep[1]
		if !bytes.Equal(b.got, sendA) || !bytes.Equal(a.got, sendB) {
			replay(t, seed)
		}
		if b.c == nil {
			t.Fatalf("seed %d: never accepted", seed)
		}
		if !bytes.Equal(b.got, sendA) {
			t.Fatalf("seed %d: b received %d bytes, a sent %d (first difference at %d)",
				seed, len(b.got), len(sendA), firstDiff(b.got, sendA))
		}
		if !bytes.Equal(a.got, sendB) {
			t.Fatalf("seed %d: a received %d bytes, b sent %d (first difference at %d)",
				seed, len(a.got), len(sendB), firstDiff(a.got, sendB))
		}
		for i, e := range p.ep {
			if e.c.State() != trace.StateClosed {
				t.Fatalf("seed %d: endpoint %d ends in %v", seed, i, e.c.State())
			}
			if slices.Contains(e.notices, NoticeReset) || slices.Contains(e.notices, NoticeTimeout) {
				t.Fatalf("seed %d: endpoint %d notices %v", seed, i, e.notices)
			}
			if e.notices[len(e.notices)-1] != NoticeClosed || !slices.Contains(e.notices, NoticeEOF) {
				t.Fatalf("seed %d: endpoint %d notices %v", seed, i, e.notices)
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// replay runs a loopback seed again and logs its last segments, state
// changes and timer expiries, for the diagnosis of a failure.
func replay(t *testing.T, seed uint64) {
	l, cfgA, cfgB, sendA, sendB, stallB := scenario(seed)
	var lines []string
	logf := func(format string, args ...any) {
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	for i, cfg := range []*Config{&cfgA, &cfgB} {
		cfg.Trace = trace.SinkFunc(func(e *trace.Event) {
			if e.Kind == trace.KindState || e.Kind == trace.KindTimerFire {
				logf("%v %s %v %v>%v %v", e.At, "ab"[i:i+1], e.Kind, e.From, e.To, e.Timer)
			}
		})
	}
	p := newPair(t, l, cfgA, cfgB, sendA, sendB)
	p.ep[1].readAfter = stallB
	for i := range 2 {
		tr := p.cfg[i].Transmit
		p.cfg[i].Transmit = func(now time.Duration, s Segment) {
			logf("%v %s sends %s", now, "ab"[i:i+1], segString(s))
			tr(now, s)
		}
	}
	p.maxSteps = 100_000
	p.start().run(2 * time.Hour)
	t.Logf("seed %d replay, last events of %d:\n%s", seed, len(lines), strings.Join(lines[max(0, len(lines)-200):], "\n"))
}
