package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// scenarioA is the one bulk flow of the ns-3 benchmark (100 Mbit/s, 10 ms,
// a 100-packet queue, MSS 1448, 1 MiB buffers, window scaling).
var scenarioA = filepath.Join("..", "..", "sim", "bench", "ns3", "bulk.json")

// peakHeap runs f and returns the high-water of the live heap (what the
// last GC found reachable: garbage not counted), as runtime/metrics told
// it every millisecond, and of the heap with its garbage.
func peakHeap(t *testing.T, f func()) (live, all uint64) {
	t.Helper()
	runtime.GC()
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(samples)
		live, all = max(live, samples[0].Value.Uint64()), max(all, samples[1].Value.Uint64())
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				mu.Lock()
				read()
				mu.Unlock()
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	read()
	return live, all
}

// TestSimMemoryBounded: sim through the CLI's own code path, writing the
// ladder, JSON lines and pcap of scenario (A) as it runs, takes no more
// heap for 30 virtual seconds (3.4 million events) than for 3: memory
// follows the packets in flight, not the length of the run. The summary
// alone likewise.
func TestSimMemoryBounded(t *testing.T) {
	if raceEnabled {
		t.Skip("-race instruments allocations; make test-unit runs this without it")
	}
	if testing.Short() {
		t.Skip("half a minute of simulation")
	}
	for _, outs := range [][]string{
		nil, // the summary
		{"--ladder", "--jsonl", os.DevNull, "--pcap", os.DevNull},
	} {
		peak := map[string]uint64{}
		for _, until := range []string{"3s", "30s"} {
			args := append([]string{"sim", "--scenario", scenarioA, "--until", until}, outs...)
			live, all := peakHeap(t, func() {
				if err := run(context.Background(), args, stdio{In: eof{}, Out: io.Discard, Err: io.Discard}); err != nil {
					t.Fatalf("%v: %v", args, err)
				}
			})
			peak[until] = live
			t.Logf("%v: live heap high-water %.1f MiB (%.1f MiB with garbage)", args[4:], float64(live)/(1<<20), float64(all)/(1<<20))
		}
		// Generous: 30 s may meet a deeper queue than 3 s, and the GC's
		// timing varies (on a loaded machine the high-water with every
		// output was seen from 5.5 to 14.7 MiB for the same run); a trace
		// held whole would take 80 MB for 3 s and 0.8 GB for 30 s, and an
		// Analyzer that forgets nothing 67 MiB.
		if p3, p30 := peak["3s"], peak["30s"]; p30 > p3+p3/4+8<<20 || p30 > 32<<20 {
			t.Errorf("%v: live heap high-water %d bytes for 3 s, %d for 30 s: it grows with the run", outs, p3, p30)
		}
	}
}

// eof is an empty stdin.
type eof struct{}

func (eof) Read([]byte) (int, error) { return 0, io.EOF }

// TestReplayMemoryBounded: replay of a JSON-lines recording of scenario
// (A) draws its ladder and writes its pcap as it reads, in as much heap
// for 2.5 virtual seconds (141,000 events) as for 0.5.
func TestReplayMemoryBounded(t *testing.T) {
	if raceEnabled {
		t.Skip("-race instruments allocations; make test-unit runs this without it")
	}
	if testing.Short() {
		t.Skip("writes a 60 MB recording")
	}
	dir := t.TempDir()
	quiet := stdio{In: eof{}, Out: io.Discard, Err: io.Discard}
	peak := map[string]uint64{}
	for _, until := range []string{"0.5s", "2.5s"} {
		file := filepath.Join(dir, until+".jsonl")
		if err := run(context.Background(), []string{"sim", "--scenario", scenarioA, "--until", until, "--jsonl", file}, quiet); err != nil {
			t.Fatal(err)
		}
		args := []string{"replay", file, "--ladder", "--pcap", os.DevNull}
		live, all := peakHeap(t, func() {
			if err := run(context.Background(), args, quiet); err != nil {
				t.Fatalf("%v: %v", args, err)
			}
		})
		peak[until] = live
		os.Remove(file)
		t.Logf("replay of %s: live heap high-water %.1f MiB (%.1f MiB with garbage)", until, float64(live)/(1<<20), float64(all)/(1<<20))
	}
	// The trace held whole would be 65 MB for 2.5 s; the high-water of
	// the shorter replay varies between 5 and 9 MiB from run to run.
	if p1, p2 := peak["0.5s"], peak["2.5s"]; p2 > p1+p1/4+8<<20 {
		t.Errorf("live heap high-water %d bytes for 0.5 s, %d for 2.5 s: replay grows with the file", p1, p2)
	}
}
