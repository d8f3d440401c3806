package sim

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// bulkScenario is one long bulk transfer at bps over a 10 ms link.
func bulkScenario(bytes int, bps int64, d time.Duration) *Scenario {
	sc, _ := LoadPreset("transfer")
	sc.Duration = Duration(d)
	sc.Links[0].AB.Bandwidth, sc.Links[0].BA.Bandwidth = bps, bps
	sc.Programs[1].Bytes = bytes
	return sc
}

// manyFlows is flows bulk transfers from 10 client hosts through one router
// and a 100 Mb/s bottleneck with a 100-packet queue.
func manyFlows(flows, bytes int) *Scenario {
	sc := &Scenario{Name: "many-flows", Seed: 1, Duration: Duration(time.Hour),
		Hosts:   []NodeSpec{{Name: "server", Addrs: []string{"10.0.9.1"}}},
		Routers: []NodeSpec{{Name: "r1"}},
		Links: []LinkSpec{{ID: "r1-server", A: "r1", B: "server",
			AB: LinkParams{Delay: Duration(5 * time.Millisecond), Bandwidth: 100_000_000, Queue: 100},
			BA: LinkParams{Delay: Duration(5 * time.Millisecond), Bandwidth: 100_000_000, Queue: 100}}},
		TCP:      TCPSpec{MinRTO: Duration(200 * time.Millisecond), MSL: Duration(time.Second), SndBuf: 16384},
		Programs: []Program{{Type: "bulk-sink", Host: "server", Port: 5001, Backlog: 1024}},
	}
	for h := range 10 {
		name := fmt.Sprintf("c%d", h)
		sc.Hosts = append(sc.Hosts, NodeSpec{Name: name, Addrs: []string{fmt.Sprintf("10.1.%d.1", h)}})
		p := LinkParams{Delay: Duration(time.Duration(h+1) * time.Millisecond), Bandwidth: 1_000_000_000}
		sc.Links = append(sc.Links, LinkSpec{ID: name + "-r1", A: name, B: "r1", AB: p, BA: p})
	}
	for i := range flows {
		sc.Programs = append(sc.Programs, Program{Type: "bulk-sender", Host: fmt.Sprintf("c%d", i%10),
			Server: "server:5001", Bytes: bytes, Start: Duration(time.Duration(i) * time.Millisecond)})
	}
	return sc
}

// runEvents runs sc to the end with a counting sink and reports events/s.
func benchEvents(b *testing.B, sc *Scenario) {
	b.ReportAllocs()
	var events int
	for b.Loop() {
		var c trace.Counter
		s, err := New(sc, &c)
		if err != nil {
			b.Fatal(err)
		}
		s.RunUntil(time.Duration(sc.Duration))
		events += c.Total
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

func BenchmarkBulkTransfer(b *testing.B) {
	benchEvents(b, bulkScenario(10<<20, 100_000_000, time.Hour)) // 10 MiB at 100 Mb/s
}

func BenchmarkThousandFlows(b *testing.B) {
	benchEvents(b, manyFlows(1000, 20000))
}

// BenchmarkStep is the cost of one engine step in a steady bulk transfer.
func BenchmarkStep(b *testing.B) {
	s, err := New(bulkScenario(1<<30, 100_000_000, time.Hour), trace.Discard)
	if err != nil {
		b.Fatal(err)
	}
	s.RunUntil(time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if !s.Step() {
			b.Fatal("ran out of events")
		}
	}
}

// TestStepDoesNotAllocate: in a steady bulk transfer with trace.Discard a
// step allocates nothing — events, packets and timers live in reused
// slices, and TCP payloads are sub-slices of the sender's buffer.
func TestStepDoesNotAllocate(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts are not meaningful under -race / -short")
	}
	s, err := New(bulkScenario(1<<30, 100_000_000, time.Hour), trace.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s.RunUntil(2 * time.Second) // warm up: slices reach their working size
	una := s.Conns()[0].SndUna
	// testing.AllocsPerRun rounds down to whole allocations per run; count
	// exactly instead. The only allocation left is the TCP send buffer's:
	// sim/tcp replaces (never reuses) its array every 2·SndBuf bytes written,
	// because packets in flight and recorded traces hold sub-slices of it.
	const steps = 20000
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range steps {
		s.Step()
	}
	runtime.ReadMemStats(&m1)
	allocs := float64(m1.Mallocs-m0.Mallocs) / steps
	acked := s.Conns()[0].SndUna - una
	t.Logf("%.5f allocations per step; %d bytes acknowledged in %d steps", allocs, acked, steps)
	if acked < 1<<20 {
		t.Fatalf("only %d bytes acknowledged in %d steps: the transfer is not running", acked, steps)
	}
	if allocs > 0.01 {
		t.Fatalf("%.4f allocations per step in steady state, want (almost) 0", allocs)
	}
}

// TestMemoryBoundedByFlight: a 10-minute virtual bulk transfer with
// trace.Discard uses as much heap after 10 minutes as after 1: memory
// follows the packets in flight, not the length of the run.
func TestMemoryBoundedByFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of simulation")
	}
	s, err := New(bulkScenario(1<<30, 1_000_000, time.Hour), trace.Discard)
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	s.RunUntil(time.Minute)
	h1 := heap()
	una := s.Conns()[0].SndUna
	s.RunUntil(10 * time.Minute)
	h10 := heap()
	// 9 minutes at 1 Mb/s is 67.5 MB; most of it must have been acknowledged.
	if acked := s.Conns()[0].SndUna - una; acked < 60_000_000 {
		t.Fatalf("only %d bytes acknowledged between minute 1 and 10", acked)
	}
	t.Logf("heap after 1 min %d KiB, after 10 min %d KiB; %d engine events pending", h1>>10, h10>>10, s.Pending())
	if h10 > h1+2<<20 {
		t.Fatalf("heap grew from %d to %d bytes between 1 and 10 virtual minutes", h1, h10)
	}
	if s.Pending() > 1000 {
		t.Fatalf("%d engine events pending: stale timers pile up", s.Pending())
	}
}
