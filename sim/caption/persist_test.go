package caption

import (
	"testing"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// The persist timer is two things: with a window of 0 it waits to probe
// the closed window; with a window open but under a segment it is the
// override timeout of silly-window avoidance. The captions tell which.
func TestPersistTimerCaptions(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"zero-window", "deadlock"} {
		sc, err := sim.LoadPreset(name)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := sim.Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		ctx := Annotate(tr)
		for i := range tr.Events {
			e := &tr.Events[i]
			if e.Timer != trace.TimerPersist || e.Kind == trace.KindTimerCancel {
				continue
			}
			k := ownKey(e, &ctx[i])
			want := e.Kind.String() + ".persist"
			if e.Conn.SndWnd > 0 {
				want += ".override"
			}
			if k != want {
				t.Errorf("%s event %d (window %d): key %q, want %q", name, i, e.Conn.SndWnd, k, want)
			}
			seen[k] = true
		}
	}
	for _, k := range []string{"timer-set.persist", "timer-fire.persist", "timer-set.persist.override", "timer-fire.persist.override"} {
		if !seen[k] {
			t.Errorf("no %s in zero-window or deadlock: the test does not cover it", k)
		}
	}
}
