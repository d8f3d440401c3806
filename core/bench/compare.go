package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"socketlab/core/loadgen"
)

// Scenario is one load shape, with the ratios the Go server should reach.
type Scenario struct {
	Name    string
	Conns   int  // clients at once
	NewConn bool // a new connection per request
	// Targets for the report (0 means none): Go's req/s at least this
	// many times Python's, and at least this fraction of the bare loop's.
	MinVsPython, MinVsBare float64
}

// DefaultScenarios are the comparisons `make bench` prints.
var DefaultScenarios = []Scenario{
	{Name: "8 conns", Conns: 8, MinVsBare: 0.85},
	{Name: "64 conns", Conns: 64, MinVsPython: 4, MinVsBare: 0.85},
	{Name: "new conn/req (8 clients)", Conns: 8, NewConn: true, MinVsPython: 3, MinVsBare: 0.85},
}

// Options bound a comparison. Every (scenario, server) pair is measured
// Rounds times, servers interleaved, and the round with the median req/s
// is kept: on a shared 2-core machine single runs are noisy.
type Options struct {
	Scenarios []Scenario
	Duration  time.Duration // per measured run
	Warmup    time.Duration // one unmeasured run per pair before the first round
	Requests  int           // per run; the run ends at whichever bound comes first
	Rounds    int
	// Logf, if set, gets one line per finished run.
	Logf func(format string, args ...any)
}

// Report holds the kept result of each server in each scenario.
type Report struct {
	Scenarios []Scenario
	Servers   []string
	Results   [][]*loadgen.Result // [scenario][server]
	Options   Options
}

// Compare runs every scenario against every server.
func Compare(ctx context.Context, servers []*Server, opt Options) (*Report, error) {
	if opt.Rounds <= 0 {
		opt.Rounds = 1
	}
	rep := &Report{Scenarios: opt.Scenarios, Options: opt}
	for _, s := range servers {
		rep.Servers = append(rep.Servers, s.Name)
	}
	for _, sc := range opt.Scenarios {
		runs := make([][]*loadgen.Result, len(servers))
		if opt.Warmup > 0 {
			for _, s := range servers {
				if _, err := loadgen.Run(ctx, loadConfig(s.Addr, sc, opt.Warmup, opt.Requests)); err != nil {
					return nil, fmt.Errorf("%s, %s server, warm-up: %w", sc.Name, s.Name, err)
				}
			}
		}
		for range opt.Rounds {
			for i, s := range servers {
				res, err := loadgen.Run(ctx, loadConfig(s.Addr, sc, opt.Duration, opt.Requests))
				if err != nil {
					return nil, fmt.Errorf("%s, %s server: %w", sc.Name, s.Name, err)
				}
				if opt.Logf != nil {
					opt.Logf("%-26s %-7s %s", sc.Name, s.Name, res)
				}
				runs[i] = append(runs[i], res)
			}
		}
		row := make([]*loadgen.Result, len(servers))
		for i, rs := range runs {
			row[i] = median(rs)
		}
		rep.Results = append(rep.Results, row)
	}
	return rep, nil
}

// median returns the result with the median rate (the lower middle one
// of an even count).
func median(rs []*loadgen.Result) *loadgen.Result {
	s := slices.Clone(rs)
	slices.SortStableFunc(s, func(a, b *loadgen.Result) int {
		switch {
		case a.Rate() < b.Rate():
			return -1
		case a.Rate() > b.Rate():
			return 1
		}
		return 0
	})
	return s[(len(s)-1)/2]
}

// Result returns the kept result of server in scenario i, or nil.
func (r *Report) Result(i int, server string) *loadgen.Result {
	j := slices.Index(r.Servers, server)
	if i < 0 || i >= len(r.Results) || j < 0 {
		return nil
	}
	return r.Results[i][j]
}

// Ratio returns server a's req/s divided by server b's in scenario i, or
// 0 if either is missing.
func (r *Report) Ratio(i int, a, b string) float64 {
	ra, rb := r.Result(i, a), r.Result(i, b)
	if ra == nil || rb == nil || rb.Rate() == 0 {
		return 0
	}
	return ra.Rate() / rb.Rate()
}

// Format prints the results table and, when the report has the "go",
// "python" and "bare" servers, the ratios with their targets.
func (r *Report) Format(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\tserver\treq/s\tp50\tp99\trequests\terrors\t\n")
	for i, sc := range r.Scenarios {
		for j, name := range r.Servers {
			res := r.Results[i][j]
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%d\t%d\t\n", sc.Name, name, res.Rate(),
				fmtLatency(res.Latency.Quantile(0.5)), fmtLatency(res.Latency.Quantile(0.99)), res.Requests, res.Errors)
		}
	}
	tw.Flush()
	if !slices.Contains(r.Servers, "go") {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\tgo/python\ttarget\tgo/bare\ttarget\t\n")
	for i, sc := range r.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", sc.Name,
			fmtRatio(r.Ratio(i, "go", "python"), "×"), fmtTarget(r.Ratio(i, "go", "python"), sc.MinVsPython, "×"),
			fmtRatio(r.Ratio(i, "go", "bare"), ""), fmtTarget(r.Ratio(i, "go", "bare"), sc.MinVsBare, ""))
	}
	tw.Flush()
}

func fmtLatency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func fmtRatio(x float64, unit string) string {
	if x == 0 {
		return "—"
	}
	return fmt.Sprintf("%.3f%s", x, unit)
}

// fmtTarget shows the target and whether it was met: "≥4× ok",
// "≥0.85 MISSED", or "—" without a target or a ratio.
func fmtTarget(x, min float64, unit string) string {
	if min == 0 || x == 0 {
		return "—"
	}
	verdict := "ok"
	if x < min {
		verdict = "MISSED"
	}
	return strings.TrimRight(fmt.Sprintf("≥%g%s %s", min, unit, verdict), " ")
}
