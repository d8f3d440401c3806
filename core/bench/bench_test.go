package bench

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"socketlab/core/loadgen"
)

func TestMain(m *testing.M) {
	// The benchmark runs the Go servers in children of this test binary.
	if kind := ChildKind(); kind != "" {
		if err := ServeChild(kind); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

const pythonScript = "../loadgen/testdata/ts_threading_server.py"

// startAll starts the three servers in the report's column order: the Go
// ones in this process, or each in a child process of its own.
func startAll(tb testing.TB, ctx context.Context, children bool) []*Server {
	tb.Helper()
	return startServers(tb, ctx, children, "go", "python", "bare")
}

// startServers starts the servers of kinds ("go", "go-trace", "python",
// "bare") in that order.
func startServers(tb testing.TB, ctx context.Context, children bool, kinds ...string) []*Server {
	tb.Helper()
	var servers []*Server
	for _, kind := range kinds {
		var start func(context.Context) (*Server, error)
		switch {
		case kind == "python":
			start = func(ctx context.Context) (*Server, error) { return StartPython(ctx, pythonScript) }
		case children:
			start = func(ctx context.Context) (*Server, error) { return StartChild(ctx, kind) }
		case kind == "go":
			start = StartGo
		case kind == "go-trace":
			start = StartGoTraced
		default:
			start = StartBare
		}
		s, err := start(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			if err := s.Close(); err != nil {
				tb.Errorf("stop %s: %v", s.Name, err)
			}
		})
		servers = append(servers, s)
	}
	return servers
}

// benchOutput gets BenchmarkServers' table.
var benchOutput io.Writer = os.Stdout

// BenchmarkServers prints the side-by-side table: the Go timestamp server,
// Python's ThreadingTCPServer and the bare Go loop, with 8 and 64
// persistent connections and with a new connection per request. It is a
// measurement, not an assertion: the targets are printed, not enforced.
//
// One iteration (one b.N) is one round: every server in every scenario
// for 1.2 s, servers interleaved, about 11 s; the table keeps each pair's
// median round, so -benchtime 5x gives the median of 5 rounds (what make
// bench runs, about 60 s) and ns/op is the time of a round. A time-based
// -benchtime also works: -benchtime 30s measures about 3 rounds.
// SOCKETLAB_BENCH_DURATION (a Go duration) changes the length of each run.
func BenchmarkServers(b *testing.B) {
	runComparison(b, startAll(b, context.Background(), true), "")
}

// BenchmarkTracedServers is BenchmarkServers for tracing's cost: the Go
// server without and with tracing on (into a bounded feed that is
// drained, see StartGoTraced) against the bare loop, each in its own
// process; Python is left out. The extra column go-trace/bare is the
// figure the target ≥ 0.85 applies to.
func BenchmarkTracedServers(b *testing.B) {
	runComparison(b, startServers(b, context.Background(), true, "go", "go-trace", "bare"), ", tracing on and off")
}

// runComparison runs BenchmarkServers' rounds against servers and prints
// the table, what adding to its title.
func runComparison(b *testing.B, servers []*Server, what string) {
	ctx := context.Background()
	opt := Options{
		Scenarios: DefaultScenarios,
		Duration:  1200 * time.Millisecond,
		Warmup:    300 * time.Millisecond,
		Requests:  5_000_000,
	}
	if s := os.Getenv("SOCKETLAB_BENCH_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > time.Minute {
			b.Fatalf("SOCKETLAB_BENCH_DURATION=%q: want a duration up to 1m, such as 2s", s)
		}
		opt.Duration = d
		opt.Warmup = min(opt.Warmup, d/4)
	}
	c := NewComparison(servers, opt)
	if err := c.Warmup(ctx); err != nil { // before b.Loop: not timed
		b.Fatal(err)
	}
	for b.Loop() {
		if err := c.Round(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if c.Rounds() != b.N {
		b.Fatalf("%d rounds measured for b.N = %d", c.Rounds(), b.N)
	}
	rep := c.Report()
	var out bytes.Buffer
	fmt.Fprintf(&out, "\nserver comparison on loopback%s (loadgen: \"hello\" → \"[ctime] hello\", median of %d runs of %v):\n", what, rep.Options.Rounds, opt.Duration)
	rep.Format(&out)
	benchOutput.Write(out.Bytes())
	for i, sc := range rep.Scenarios {
		unit := strings.NewReplacer(" ", "-", "/", "-", "(", "", ")", "").Replace(sc.Name)
		b.ReportMetric(rep.Result(i, "go").Rate(), "go-req/s-"+unit)
		if r := rep.Ratio(i, "go", "python"); r > 0 {
			b.ReportMetric(r, "go/python-"+unit)
		}
		b.ReportMetric(rep.Ratio(i, "go", "bare"), "go/bare-"+unit)
		if r := rep.Ratio(i, "go-trace", "bare"); r > 0 {
			b.ReportMetric(r, "go-trace/bare-"+unit)
		}
	}
}

// BenchmarkServers does b.N rounds, not a fixed amount of work:
// -benchtime 3x gives the median of 3 rounds.
func TestBenchmarkServersHonoursN(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the three servers and runs the benchmark")
	}
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set("3x"); err != nil {
		t.Fatal(err)
	}
	defer bt.Value.Set(old)
	// Long enough that 64 connects finish within the warm-up (a quarter
	// of it) on a loaded machine.
	t.Setenv("SOCKETLAB_BENCH_DURATION", "100ms")
	var out bytes.Buffer
	benchOutput = &out
	defer func() { benchOutput = os.Stdout }()
	res := testing.Benchmark(BenchmarkServers)
	if res.N != 3 {
		t.Fatalf("b.N = %d with -benchtime 3x; output:\n%s", res.N, out.String())
	}
	if want := "median of 3 runs of 100ms"; !strings.Contains(out.String(), want) {
		t.Errorf("the table does not say %q:\n%s", want, out.String())
	}
	if res.Extra["go-req/s-64-conns"] <= 0 || res.Extra["go/python-new-conn-req-8-clients"] <= 0 {
		t.Errorf("metrics missing: %v", res.Extra)
	}
}

// Every server under test speaks the timestamp protocol that loadgen
// checks, in every scenario, and a short bounded run completes exactly
// the requested count.
func TestServersAnswerTimestamps(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := startServers(t, ctx, false, "go", "go-trace", "python", "bare")
	for _, sc := range DefaultScenarios {
		for _, s := range servers {
			res, err := loadgen.Run(ctx, loadConfig(s.Addr, sc, 10*time.Second, 200))
			if err != nil {
				t.Fatalf("%s, %s: %v", sc.Name, s.Name, err)
			}
			if res.Requests != 200 || res.Errors != 0 || res.Latency.Count() != 200 {
				t.Errorf("%s, %s: %d requests, %d errors, %d latencies; want 200, 0, 200", sc.Name, s.Name, res.Requests, res.Errors, res.Latency.Count())
			}
			wantConns := int64(sc.Conns)
			if sc.NewConn {
				wantConns = 200
			}
			if res.Conns != wantConns {
				t.Errorf("%s, %s: %d connections, want %d", sc.Name, s.Name, res.Conns, wantConns)
			}
		}
	}
}

func TestCompareAndFormat(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	servers := startAll(t, ctx, true) // the children the benchmark uses
	opt := Options{Scenarios: DefaultScenarios, Duration: 5 * time.Second, Requests: 50, Rounds: 3}
	rep, err := Compare(ctx, servers, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 3 || len(rep.Results[0]) != 3 {
		t.Fatalf("results %d×%d, want 3×3", len(rep.Results), len(rep.Results[0]))
	}
	for i := range rep.Scenarios {
		for _, name := range []string{"go", "python", "bare"} {
			if r := rep.Result(i, name); r == nil || r.Requests != 50 {
				t.Errorf("scenario %d, %s: %v, want 50 requests", i, name, r)
			}
		}
	}
	var out bytes.Buffer
	rep.Format(&out)
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	// header + 9 rows, blank, header + 3 ratio rows
	if len(lines) != 15 || !strings.Contains(lines[0], "req/s") || !strings.Contains(lines[11], "go/python") || !strings.Contains(lines[13], "64 conns") {
		t.Fatalf("table:\n%s", out.String())
	}
	if !strings.Contains(lines[13], "≥4×") || !strings.Contains(lines[14], "≥3×") {
		t.Errorf("targets missing from the ratio table:\n%s", out.String())
	}
}

func TestMedianAndRatio(t *testing.T) {
	mk := func(n int64) *loadgen.Result { return &loadgen.Result{Requests: n, Elapsed: time.Second} }
	if got := median([]*loadgen.Result{mk(30), mk(10), mk(20)}); got.Requests != 20 {
		t.Errorf("median of 30,10,20 = %d", got.Requests)
	}
	if got := median([]*loadgen.Result{mk(40), mk(10)}); got.Requests != 10 {
		t.Errorf("median of 40,10 = %d, want the lower middle 10", got.Requests)
	}
	rep := &Report{
		Scenarios: []Scenario{{Name: "x", MinVsPython: 4, MinVsBare: 0.85}},
		Servers:   []string{"go", "python", "bare"},
		Results:   [][]*loadgen.Result{{mk(900), mk(200), mk(1000)}},
	}
	if r := rep.Ratio(0, "go", "python"); r != 4.5 {
		t.Errorf("go/python = %v, want 4.5", r)
	}
	if r := rep.Ratio(0, "go", "nobody"); r != 0 {
		t.Errorf("ratio with a missing server = %v, want 0", r)
	}
	var out bytes.Buffer
	rep.Format(&out)
	for _, want := range []string{"4.500×", "≥4× ok", "0.900", "≥0.85 ok"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	rep.Results[0][0] = mk(700)
	out.Reset()
	rep.Format(&out)
	if !strings.Contains(out.String(), "≥4× MISSED") || !strings.Contains(out.String(), "≥0.85 MISSED") {
		t.Errorf("missed targets not flagged:\n%s", out.String())
	}
}

// With a "go-trace" server the ratio table gains its column.
func TestFormatTraced(t *testing.T) {
	mk := func(n int64) *loadgen.Result { return &loadgen.Result{Requests: n, Elapsed: time.Second} }
	rep := &Report{
		Scenarios: []Scenario{{Name: "x", MinVsBare: 0.85}},
		Servers:   []string{"go", "go-trace", "bare"},
		Results:   [][]*loadgen.Result{{mk(950), mk(800), mk(1000)}},
	}
	var out bytes.Buffer
	rep.Format(&out)
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(lines[len(lines)-2], "go-trace/bare") || !strings.Contains(last, "0.950") ||
		!strings.Contains(last, "0.800  ≥0.85 MISSED") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestStartServerErrors(t *testing.T) {
	_, err := StartPython(context.Background(), "testdata/does-not-exist.py")
	if err == nil || !strings.Contains(err.Error(), "did not print a port") || !strings.Contains(err.Error(), "No such file") {
		t.Fatalf("err = %v", err)
	}
	if _, err := StartChild(context.Background(), "nginx"); err == nil || !strings.Contains(err.Error(), `unknown benchmark server "nginx"`) {
		t.Fatalf("err = %v", err)
	}
}
