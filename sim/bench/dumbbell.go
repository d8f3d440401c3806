// Package bench holds socketlab's side-by-side benchmark against ns-3 3.37
// (TestNS3SideBySide, run by make bench-ns3) and the scenarios it runs on
// both simulators: ns3/bulk.json and ns3/ns3-bulk.cc for one bulk flow,
// Dumbbell and ns3/ns3-dumbbell.cc for N flows through one bottleneck.
//
// The harness reads the wall clock and runs child processes; it lives in
// test files, which sim's purity test (TestSimPurity) does not read. The
// scenario generator here is pure (a seeded PCG) and stays checked.
package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"socketlab/sim"
)

// The TCP parameters both simulators share: MSS 1448, 1 MiB buffers with
// window scale 5 (the shift ns-3 computes for a 1 MiB receive buffer), no
// timestamps, delayed ACKs (every second full segment, else 200 ms), a
// 200 ms minimum RTO.
var benchTCP = sim.TCPSpec{
	MSS: 1448, RcvBuf: 1 << 20, SndBuf: 1 << 20, WindowScale: &windowScale,
	MinRTO:     sim.Duration(200 * time.Millisecond),
	DelayedAck: &delayedAck,
	MSL:        sim.Duration(time.Second),
}

var (
	windowScale = 5
	delayedAck  = sim.Duration(200 * time.Millisecond)
)

// Starts returns n start times drawn uniformly in [0, 0.1 s] from a PCG
// seeded with seed, whole nanoseconds: the dumbbell's senders start at
// these times in both simulators.
func Starts(n int, seed uint64) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 0))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(r.Int64N(int64(100*time.Millisecond) + 1))
	}
	return out
}

// StartsFile is starts as ns3-dumbbell's --starts file: one time in
// seconds per line, to the nanosecond.
func StartsFile(starts []time.Duration) []byte {
	var b strings.Builder
	for _, s := range starts {
		fmt.Fprintf(&b, "%d.%09d\n", s/time.Second, s%time.Second)
	}
	return []byte(b.String())
}

// Dumbbell is scenario (B): len(starts) senders s0… and as many receivers
// r0… on 1 Gbit/s, 1 ms access links with 100-packet queues, joined by two
// routers over a 1 Gbit/s, 10 ms bottleneck with a 1,000-packet queue;
// sender i sends bulk data to receiver i from starts[i] on, for 10 s. It
// is what ns3-dumbbell.cc builds. The scenario has 2·N+2 nodes, so it is
// valid only while that is within the simulator's node limit.
func Dumbbell(starts []time.Duration) *sim.Scenario {
	n := len(starts)
	access := sim.LinkParams{Delay: sim.Duration(time.Millisecond), Bandwidth: 1_000_000_000, Queue: 100}
	core := sim.LinkParams{Delay: sim.Duration(10 * time.Millisecond), Bandwidth: 1_000_000_000, Queue: 1000}
	sc := &sim.Scenario{
		Name: fmt.Sprintf("ns3-dumbbell-%d", n),
		Description: fmt.Sprintf("scenario (B) of the ns-3 side-by-side benchmark: %d bulk flows through a 1 Gbit/s, 10 ms bottleneck "+
			"with a 1,000-packet queue, 1 Gbit/s 1 ms access links, starts uniform in [0, 0.1] s", n),
		Seed:     1,
		Duration: sim.Duration(10 * time.Second),
		Routers:  []sim.NodeSpec{{Name: "left"}, {Name: "right"}},
		Links:    []sim.LinkSpec{{ID: "left-right", A: "left", B: "right", AB: core, BA: core}},
		TCP:      benchTCP,
	}
	for i := range n {
		s, r := fmt.Sprintf("s%d", i), fmt.Sprintf("r%d", i)
		hi, lo := (i+1)/256, (i+1)%256
		sc.Hosts = append(sc.Hosts,
			sim.NodeSpec{Name: s, Addrs: []string{fmt.Sprintf("10.1.%d.%d", hi, lo)}, Role: "sender"},
			sim.NodeSpec{Name: r, Addrs: []string{fmt.Sprintf("10.2.%d.%d", hi, lo)}, Role: "receiver"})
		sc.Links = append(sc.Links,
			sim.LinkSpec{ID: s + "-left", A: s, B: "left", AB: access, BA: access},
			sim.LinkSpec{ID: "right-" + r, A: "right", B: r, AB: access, BA: access})
		sc.Programs = append(sc.Programs,
			sim.Program{Type: "bulk-sink", Host: r, Port: 5001},
			sim.Program{Type: "bulk-sender", Host: s, Server: r + ":5001", Bytes: 1 << 30, Start: sim.Duration(starts[i])})
	}
	return sc
}
