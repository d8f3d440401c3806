package bench

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
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
	for _, n := range []int{1, 10, 100, 1000, 10_000} {
		js, err := Dumbbell(Starts(n, 1)).Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sim.ParseScenario(js); err != nil {
			t.Errorf("Dumbbell(%d): %v", n, err)
		}
	}
	// 25,002 nodes: over the simulator's limit, with the error saying so.
	js, _ := Dumbbell(Starts(12_500, 1)).Encode()
	if _, err := sim.ParseScenario(js); err == nil || err.Error() != "hosts: 25002 is out of range [1, 25000]" {
		t.Errorf("Dumbbell(12500): err = %v, want the node limit", err)
	}
}

// TestTenThousandFlows runs the first 10 ms of a 10,000-flow dumbbell
// (20,002 nodes): every sender that has started by then has sent its SYN,
// and none is dropped for want of a route.
func TestTenThousandFlows(t *testing.T) {
	starts := Starts(10_000, 1)
	sc := Dumbbell(starts)
	end := 10 * time.Millisecond
	syns, noRoute := map[string]bool{}, 0
	s, err := sim.New(sc, trace.SinkFunc(func(e *trace.Event) {
		switch {
		case e.Kind == trace.KindSend && e.Packet.Flags == trace.FlagSYN && strings.HasPrefix(e.Node, "s"): // not the routers
			syns[e.Node] = true
		case e.Kind == trace.KindDrop && e.Reason == trace.DropNoRoute:
			noRoute++
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	for {
		at, ok := s.NextAt()
		if !ok || at > end {
			break
		}
		s.Step()
	}
	want := 0
	for _, st := range starts {
		if st <= end {
			want++
		}
	}
	if len(syns) != want || noRoute != 0 {
		t.Fatalf("%d senders sent a SYN, want %d; %d packets without a route", len(syns), want, noRoute)
	}
}
