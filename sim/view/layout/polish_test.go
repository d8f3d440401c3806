package layout_test

import (
	"strings"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
)

// Durations print as people write them, never with float noise.
func TestFormatShortHasNoFloatNoise(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1570 * time.Millisecond:  "1.57 s",
		1100 * time.Millisecond:  "1.1 s",
		3 * time.Second:          "3 s",
		12500 * time.Microsecond: "12.5 ms",
	} {
		if got := layout.FormatShort(d); got != want {
			t.Errorf("FormatShort(%v) = %q, want %q", d, got, want)
		}
	}
}

// In zero-window, the sender's probes are labelled as window probes,
// never as retransmissions, as the text ladder says them.
func TestWindowProbeLabels(t *testing.T) {
	sc, err := sim.LoadPreset("zero-window")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	m := layout.NewModel(tr)
	probes := 0
	for i := range m.Flights {
		l := m.FlightLabel(i)
		if m.Flights[i].Probe {
			probes++
			if !strings.HasSuffix(l, " window probe") || strings.Contains(l, "RETX") {
				t.Errorf("probe %q", l)
			}
		}
	}
	if probes < 2 {
		t.Fatalf("%d window probes in zero-window, want the repeated probes", probes)
	}
}

// A packet a what-if removed is "lost (what-if)" to a student, not
// "scripted".
func TestDropText(t *testing.T) {
	if got := layout.DropText(trace.DropScripted); got != "lost (what-if)" {
		t.Errorf("scripted: %q", got)
	}
	if got := layout.DropText(trace.DropQueueFull); got != "queue-full" {
		t.Errorf("queue-full: %q", got)
	}
}
