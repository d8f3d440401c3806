package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// simChildren are the runs BenchmarkSimCLIVersusEngine compares, each in a
// child process of this test binary (TestSimBenchChild) so that its wall
// time and peak RSS are its own: scenario (A) for its 60 virtual seconds.
var simChildren = []struct{ name, what string }{
	{"engine", "the engine alone, a counting sink"},
	{"summary", "socketlab sim (the summary)"},
	{"outputs", "socketlab sim --ladder --jsonl --pcap"},
}

// BenchmarkSimCLIVersusEngine runs scenario (A) through sim's code path
// (the summary; and the ladder, JSON lines and pcap, written to the null
// device) and through the engine alone, and prints their wall times and
// peak RSS side by side (make bench).
func BenchmarkSimCLIVersusEngine(b *testing.B) {
	type res struct {
		wall   time.Duration
		rssKiB int64
	}
	got := map[string]res{}
	for range b.N {
		for _, c := range simChildren {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSimBenchChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SOCKETLAB_SIM_CHILD="+c.name)
			cmd.Stderr = os.Stderr
			start := time.Now()
			out, err := cmd.Output()
			wall := time.Since(start)
			if err != nil {
				b.Fatalf("%s: %v\n%s", c.name, err, out)
			}
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
			if r, ok := got[c.name]; !ok || wall < r.wall {
				got[c.name] = res{wall, rss} // the fastest of b.N rounds
			}
		}
	}
	e := got["engine"]
	fmt.Printf("scenario (A), 60 virtual s, 3.4 million trace events; each run a child process\n")
	fmt.Printf("%-40s %9s %8s %14s\n", "", "wall", "× engine", "peak RSS")
	for _, c := range simChildren {
		r := got[c.name]
		fmt.Printf("%-40s %8.2fs %7.2f× %10.1f MiB\n", c.what, r.wall.Seconds(), r.wall.Seconds()/e.wall.Seconds(), float64(r.rssKiB)/1024)
	}
	b.ReportMetric(got["summary"].wall.Seconds()/e.wall.Seconds(), "summary/engine")
	b.ReportMetric(float64(got["summary"].rssKiB)/1024, "summary-MiB")
	b.ReportMetric(float64(got["outputs"].rssKiB)/1024, "outputs-MiB")
}

// TestSimBenchChild is one run of BenchmarkSimCLIVersusEngine, chosen by
// SOCKETLAB_SIM_CHILD.
func TestSimBenchChild(t *testing.T) {
	switch os.Getenv("SOCKETLAB_SIM_CHILD") {
	case "":
		t.Skip("a child process of BenchmarkSimCLIVersusEngine")
	case "engine":
		data, err := os.ReadFile(scenarioA)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := sim.ParseScenario(data)
		if err != nil {
			t.Fatal(err)
		}
		var c trace.Counter
		s, err := sim.New(sc, &c)
		if err != nil {
			t.Fatal(err)
		}
		s.RunUntil(time.Duration(sc.Duration))
		if c.Total < 3_000_000 {
			t.Fatalf("%d events: scenario (A) did not run", c.Total)
		}
	case "summary":
		runChildCLI(t, "sim", "--scenario", scenarioA)
	case "outputs":
		runChildCLI(t, "sim", "--scenario", scenarioA, "--ladder", "--jsonl", os.DevNull, "--pcap", os.DevNull)
	default:
		t.Fatalf("SOCKETLAB_SIM_CHILD=%q: not a run", os.Getenv("SOCKETLAB_SIM_CHILD"))
	}
}

func runChildCLI(t *testing.T, args ...string) {
	if err := run(context.Background(), args, stdio{In: eof{}, Out: io.Discard, Err: os.Stderr}); err != nil {
		t.Fatal(err)
	}
}
