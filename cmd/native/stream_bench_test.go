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

// childRun is what one child process took.
type childRun struct {
	wall, cpu time.Duration
	rssKiB    int64
}

// outputsRun is the one run of the outputs child per process.
var outputsRun childRun

// BenchmarkSimCLIVersusEngine runs scenario (A) through sim's code path
// (the summary; and the ladder, JSON lines and pcap, written to the null
// device) and through the engine alone, and prints their wall and CPU
// times and peak RSS side by side (make bench). Every round runs the
// engine and the summary (the table keeps each one's fastest round); the
// outputs, which take a minute, run in the first round only.
func BenchmarkSimCLIVersusEngine(b *testing.B) {
	got := map[string]childRun{}
	for round := range b.N {
		for _, c := range simChildren {
			if c.name == "outputs" && (round > 0 || outputsRun.cpu > 0) {
				if r := got[c.name]; r.cpu == 0 {
					got[c.name] = outputsRun // go test's first probe of b.N = 1 ran it
				}
				continue
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestSimBenchChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SOCKETLAB_SIM_CHILD="+c.name)
			cmd.Stderr = os.Stderr
			start := time.Now()
			out, err := cmd.Output()
			wall := time.Since(start)
			if err != nil {
				b.Fatalf("%s: %v\n%s", c.name, err, out)
			}
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			r, ok := got[c.name]
			if !ok || wall < r.wall {
				r.wall = wall
			}
			if !ok || cpu < r.cpu {
				r.cpu = cpu
			}
			r.rssKiB = max(r.rssKiB, ru.Maxrss) // KiB on Linux
			got[c.name] = r
			if c.name == "outputs" {
				outputsRun = r
			}
		}
	}
	e := got["engine"]
	fmt.Printf("scenario (A), 60 virtual s, 3.4 million trace events; each run a child process, the fastest of %d\n", b.N)
	fmt.Printf("%-40s %9s %8s %9s %8s %12s\n", "", "wall", "× engine", "CPU", "× engine", "peak RSS")
	for _, c := range simChildren {
		r := got[c.name]
		fmt.Printf("%-40s %8.2fs %7.2f× %8.2fs %7.2f× %8.1f MiB\n", c.what, r.wall.Seconds(), r.wall.Seconds()/e.wall.Seconds(),
			r.cpu.Seconds(), r.cpu.Seconds()/e.cpu.Seconds(), float64(r.rssKiB)/1024)
	}
	b.ReportMetric(got["summary"].cpu.Seconds()/e.cpu.Seconds(), "summary/engine-cpu")
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
