package bench

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"socketlab/sim"
)

// The scenario files the ns-3 benchmark runs stay valid, and their TCP
// parameters are the ones ns3-bulk.cc and ns3-dumbbell.cc set.
func TestBenchScenarios(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("ns3", "bulk.json"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(data)
	if err != nil {
		t.Fatalf("bulk.json: %v", err)
	}
	if !reflect.DeepEqual(sc.TCP, benchTCP) {
		t.Errorf("bulk.json: tcp = %+v, want %+v", sc.TCP, benchTCP)
	}
	for _, n := range []int{1, 10, 100} {
		js, err := Dumbbell(Starts(n, 1)).Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sim.ParseScenario(js); err != nil {
			t.Errorf("Dumbbell(%d): %v", n, err)
		}
	}
	// 2,002 nodes: over the simulator's limit; the benchmark reports it.
	js, _ := Dumbbell(Starts(1000, 1)).Encode()
	if _, err := sim.ParseScenario(js); err == nil || !strings.Contains(err.Error(), "hosts") {
		t.Errorf("Dumbbell(1000): err = %v, want the node limit", err)
	}
}

func TestStarts(t *testing.T) {
	s := Starts(1000, 1)
	for i, d := range s {
		if d < 0 || d > 100*time.Millisecond {
			t.Fatalf("start %d = %v, outside [0, 100ms]", i, d)
		}
	}
	if got := string(StartsFile([]time.Duration{0, 1500 * time.Microsecond})); got != "0.000000000\n0.001500000\n" {
		t.Errorf("StartsFile = %q", got)
	}
}
