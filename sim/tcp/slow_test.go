package tcp

import (
	"slices"
	"testing"
	"time"
)

func TestFindSlow(t *testing.T) {
	for seed := uint64(1500); seed < 5000; seed++ {
		l, cfgA, cfgB, sendA, sendB := scenario(seed)
		st := time.Now()
		p := newPair(t, l, cfgA, cfgB, slices.Clone(sendA), slices.Clone(sendB)).start()
		p.maxSteps = 2_000_000
		if !p.run(2 * time.Hour) && p.steps >= p.maxSteps {
			t.Logf("seed %d: step limit at %v, queue %d", seed, p.now, len(p.l.queue))
		}
		if d := time.Since(st); d > 50*time.Millisecond {
			t.Logf("seed %d: %v steps %d virtual %v queue %d", seed, d, p.steps, p.now, len(p.l.queue))
		}
	}
}
