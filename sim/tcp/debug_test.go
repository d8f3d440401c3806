package tcp

import (
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// TestDebugSeed replays one loopback seed verbosely:
// TCPSEED=45 go test -run DebugSeed -v ./sim/tcp
func TestDebugSeed(t *testing.T) {
	s := os.Getenv("TCPSEED")
	if s == "" {
		t.Skip("set TCPSEED to replay a loopback seed")
	}
	seed, _ := strconv.ParseUint(s, 10, 64)
	l, cfgA, cfgB, sendA, sendB, stallB := scenario(seed)
	for i, cfg := range []*Config{&cfgA, &cfgB} {
		cfg.Trace = trace.SinkFunc(func(e *trace.Event) {
			if e.Kind == trace.KindState || e.Kind == trace.KindTimerFire {
				t.Logf("%v %s %v %v>%v %v", e.At, "ab"[i:i+1], e.Kind, e.From, e.To, e.Timer)
			}
		})
	}
	p := newPair(t, l, cfgA, cfgB, slices.Clone(sendA), slices.Clone(sendB))
	p.ep[1].readAfter = stallB
	for i := range 2 {
		tr := p.cfg[i].Transmit
		p.cfg[i].Transmit = func(now time.Duration, s Segment) {
			t.Logf("%v %s sends %s", now, "ab"[i:i+1], segString(s))
			tr(now, s)
		}
	}
	p.start().run(2 * time.Hour)
	t.Logf("a got %d/%d b got %d/%d; states %v %v; notices %v %v", len(p.ep[0].got), len(sendB), len(p.ep[1].got), len(sendA),
		p.ep[0].c.State(), p.ep[1].c.State(), p.ep[0].notices, p.ep[1].notices)
}
