package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// ns3Libs are the ns-3 libraries the two programs use, named one by one:
// Debian's pkg-config files for ns-3 3.37 are broken without libgsl-dev.
var ns3Libs = []string{"-lns3-applications", "-lns3-internet", "-lns3-point-to-point",
	"-lns3-traffic-control", "-lns3-network", "-lns3-core"}

// Bounds: one build, one simulator run.
const (
	buildTimeout = 5 * time.Minute
	runTimeout   = 30 * time.Minute
)

// result is one simulator's run of one scenario.
type result struct {
	sim     string
	err     string // why it did not run ("" = it ran)
	wall    time.Duration
	cpu     time.Duration // user + system time of the child
	rssKiB  int64
	events  int64 // ns-3: Simulator::GetEventCount; socketlab: engine steps
	trace   int64 // socketlab: trace events emitted
	hops    int64 // packets that arrived at a node over a link
	bytes   int64 // bytes the sink applications received
	seconds float64
}

func (r result) goodput() float64 { return float64(r.bytes) * 8 / r.seconds }

// TestNS3SideBySide runs scenario (A), one bulk flow, and scenario (B), the
// dumbbell, in ns-3 3.37 and in socketlab, each simulator in a child
// process of its own (wall time, CPU time and peak RSS are the child's),
// and prints one table: wall time, CPU time, peak RSS, events, packet-hops and goodput, then the
// ratios. A speed ratio is printed only when the goodputs agree within
// 10 %. SOCKETLAB_NS3_N lists the dumbbell sizes (default 10,100,1000).
func TestNS3SideBySide(t *testing.T) {
	if os.Getenv("SOCKETLAB_NS3") != "1" {
		t.Skip("the ns-3 side-by-side benchmark runs only with SOCKETLAB_NS3=1 (make bench-ns3: it installs ns-3 3.37 and g++ and takes about 15 minutes)")
	}
	if _, err := exec.LookPath("g++"); err != nil {
		t.Fatal("g++ is missing: apt-get install g++ (make bench-ns3 does)")
	}
	if _, err := os.Stat("/usr/include/ns3/simulator.h"); err != nil {
		t.Fatal("ns-3's headers are missing: apt-get install libns3-dev ns3 (make bench-ns3 does)")
	}
	sizes := []int{10, 100, 1000}
	if s := os.Getenv("SOCKETLAB_NS3_N"); s != "" {
		sizes = nil
		for f := range strings.SplitSeq(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || n > 1000 {
				t.Fatalf("SOCKETLAB_NS3_N: %q is not a size in [1, 1000]", f)
			}
			sizes = append(sizes, n)
		}
	}
	dir := t.TempDir()
	bulkBin := buildNS3(t, dir, "ns3-bulk")
	dumbbellBin := buildNS3(t, dir, "ns3-dumbbell")

	type row struct {
		name    string
		ns3, sl result
	}
	var rows []row

	bulkJSON, err := os.ReadFile(filepath.Join("ns3", "bulk.json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Log("(A) one bulk flow, 60 s")
	rows = append(rows, row{"A bulk 100M 60s",
		runNS3(t, bulkBin), runSocketlab(t, dir, "bulk", bulkJSON)})
	for _, n := range sizes {
		t.Logf("(B) dumbbell, N = %d, 10 s", n)
		starts := Starts(n, 1)
		sf := filepath.Join(dir, fmt.Sprintf("starts-%d.txt", n))
		if err := os.WriteFile(sf, StartsFile(starts), 0o644); err != nil {
			t.Fatal(err)
		}
		js, err := Dumbbell(starts).Encode()
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row{fmt.Sprintf("B dumbbell N=%d", n),
			runNS3(t, dumbbellBin, "--n="+strconv.Itoa(n), "--starts="+sf),
			runSocketlab(t, dir, fmt.Sprintf("dumbbell-%d", n), js)})
	}

	var out strings.Builder
	fmt.Fprintf(&out, "\nns-3 3.37: NewReno (TcpNewReno, TcpClassicRecovery), no SACK, no timestamps, window scaling (shift 5), 1 MiB buffers\n")
	fmt.Fprintf(&out, "socketlab: NewReno (RFC 5681/6582, limited transmit), no SACK, no timestamps, window scale 5, 1 MiB buffers\n")
	fmt.Fprintf(&out, "both: MSS 1448, delayed ACKs (2 segments, 200 ms), min RTO 200 ms, DropTail queues\n\n")
	fmt.Fprintf(&out, "%-18s %-9s %9s %9s %10s %12s %12s %14s\n", "scenario", "simulator", "wall", "cpu", "peak RSS", "events", "packet-hops", "goodput")
	for _, r := range rows {
		for _, x := range []result{r.ns3, r.sl} {
			if x.err != "" {
				fmt.Fprintf(&out, "%-18s %-9s not run: %s\n", r.name, x.sim, x.err)
				continue
			}
			fmt.Fprintf(&out, "%-18s %-9s %8.2fs %8.2fs %6.1f MiB %12s %12s %9.1f Mbit/s\n", r.name, x.sim,
				x.wall.Seconds(), x.cpu.Seconds(), float64(x.rssKiB)/1024, group(x.events), group(x.hops), x.goodput()/1e6)
		}
	}
	fmt.Fprintf(&out, "\nratios (socketlab vs ns-3)\n")
	for _, r := range rows {
		if r.sl.err != "" || r.ns3.err != "" {
			fmt.Fprintf(&out, "%-18s no ratio: socketlab did not run\n", r.name)
			continue
		}
		diff := (r.sl.goodput() - r.ns3.goodput()) / r.ns3.goodput() * 100
		hopRate := func(x result) float64 { return float64(x.hops) / x.wall.Seconds() }
		line := fmt.Sprintf("%-18s goodput %+.1f %%, peak RSS %.2f×, packet-hops/s %s vs %s", r.name, diff,
			float64(r.sl.rssKiB)/float64(r.ns3.rssKiB), group(int64(hopRate(r.sl))), group(int64(hopRate(r.ns3))))
		if diff > 10 || diff < -10 {
			line += fmt.Sprintf(": goodput differs by %.1f %%: speed ratio not counted", abs(diff))
		} else {
			line += fmt.Sprintf(": speed ratio %.2f× (ns-3 wall / socketlab wall), %.2f× in cpu time, %.2f× in packet-hops/s",
				r.ns3.wall.Seconds()/r.sl.wall.Seconds(), r.ns3.cpu.Seconds()/r.sl.cpu.Seconds(), hopRate(r.sl)/hopRate(r.ns3))
		}
		fmt.Fprintln(&out, line)
	}
	t.Log(out.String())
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// buildNS3 compiles ns3/<name>.cc into dir.
func buildNS3(t *testing.T, dir, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	bin := filepath.Join(dir, name)
	args := append([]string{"-O2", "-std=c++17", filepath.Join("ns3", name+".cc"), "-o", bin}, ns3Libs...)
	if out, err := exec.CommandContext(ctx, "g++", args...).CombinedOutput(); err != nil {
		t.Fatalf("g++ %s: %v\n%s", name, err, out)
	}
	return bin
}

// runChild runs cmd, bounded by runTimeout, and reads its key=value lines
// into r with the child's wall time and peak RSS.
func runChild(t *testing.T, r *result, name string, args []string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r.wall = time.Since(start)
	if err != nil {
		t.Fatalf("%s: %s %s: %v\n%s%s", r.sim, name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rssKiB = ru.Maxrss // kilobytes on Linux
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	got := map[string]bool{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		var dst *int64
		switch k {
		case "events":
			dst = &r.events
		case "trace_events":
			dst = &r.trace
		case "hops":
			dst = &r.hops
		case "bytes":
			dst = &r.bytes
		case "seconds":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 {
				t.Fatalf("%s: bad seconds=%q", r.sim, v)
			}
			r.seconds, got[k] = f, true
			continue
		default:
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("%s: bad %s=%q", r.sim, k, v)
		}
		*dst, got[k] = n, true
	}
	for _, k := range []string{"events", "hops", "bytes", "seconds"} {
		if !got[k] {
			t.Fatalf("%s: no %s= line in its output:\n%s%s", r.sim, k, stdout.Bytes(), stderr.Bytes())
		}
	}
	t.Logf("%-9s %6.2fs wall, %6.2fs cpu, %7.1f MiB peak RSS, %s events, %s packet-hops, %.1f Mbit/s", r.sim,
		r.wall.Seconds(), r.cpu.Seconds(), float64(r.rssKiB)/1024, group(r.events), group(r.hops), r.goodput()/1e6)
}

func runNS3(t *testing.T, bin string, args ...string) result {
	r := result{sim: "ns-3"}
	runChild(t, &r, bin, args)
	return r
}

// runSocketlab runs the scenario js in a child process of this test
// binary (TestNS3Child), so that its wall time and peak RSS are its own. A
// scenario the simulator refuses (the dumbbell with N = 1,000 has 2,002
// nodes, over its limit of 1,000) is reported as not run.
func runSocketlab(t *testing.T, dir, name string, js []byte) result {
	r := result{sim: "socketlab"}
	if _, err := sim.ParseScenario(js); err != nil {
		r.err = err.Error()
		t.Logf("socketlab: not run: %v", err)
		return r
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, js, 0o644); err != nil {
		t.Fatal(err)
	}
	runChild(t, &r, os.Args[0], []string{"-test.run=^TestNS3Child$", "-test.count=1"}, "SOCKETLAB_NS3_CHILD="+path)
	return r
}

// TestNS3Child is socketlab's side of one run: it simulates the scenario
// file named by SOCKETLAB_NS3_CHILD with a counting sink and prints the
// engine's steps (events), trace events, packet deliveries (hops) and the
// bytes the applications read, like the ns-3 programs do.
func TestNS3Child(t *testing.T) {
	path := os.Getenv("SOCKETLAB_NS3_CHILD")
	if path == "" {
		t.Skip("a child process of TestNS3SideBySide")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(data)
	if err != nil {
		t.Fatal(err)
	}
	var traceEvents, hops, bytes int64
	sink := trace.SinkFunc(func(e *trace.Event) {
		traceEvents++
		switch {
		case e.Kind == trace.KindDeliver:
			hops++
		case e.Kind == trace.KindApp && e.Op == trace.OpRead:
			bytes += int64(e.N)
		}
	})
	s, err := sim.New(sc, sink)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Duration(sc.Duration)
	var steps int64
	for {
		at, ok := s.NextAt()
		if !ok || at > end {
			break
		}
		s.Step()
		steps++
	}
	fmt.Printf("events=%d\ntrace_events=%d\nhops=%d\nbytes=%d\nseconds=%g\n", steps, traceEvents, hops, bytes, end.Seconds())
}
