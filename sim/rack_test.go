package sim

import (
	"strings"
	"testing"

	"socketlab/sim/trace"
)

// TestTLPInLostData: the lost-data preset with SACK and RACK-TLP. The lost
// second message is the tail; the tail loss probe resends it instead of
// the RTO (its PTO, 2·SRTT + 200 ms with one segment in flight, is capped
// at the RTO's 200 ms, and it fires first), and the ladder names the
// timer "TLP".
func TestTLPInLostData(t *testing.T) {
	on := true
	tr := runPreset(t, "lost-data", func(sc *Scenario) { sc.TCP.SACK, sc.TCP.RACK = &on, &on })
	var fired []trace.Event
	for _, e := range events(tr, trace.KindTimerFire) {
		if e.Node == "client" && e.Timer != trace.TimerApp {
			fired = append(fired, e)
		}
	}
	if len(fired) != 1 || fired[0].Timer != trace.TimerTLP {
		t.Fatalf("client timers fired: %v, want one TLP", fired)
	}
	var b strings.Builder
	if err := trace.WriteLadder(&b, tr, trace.LadderOptions{Width: 120}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "TLP fired") {
		t.Fatalf("ladder without \"TLP fired\":\n%s", b.String())
	}
}
