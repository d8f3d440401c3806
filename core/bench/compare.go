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
	Rounds    int           // for Compare; a Comparison counts its own
	// Logf, if set, gets one line per finished run.
	Logf func(format string, args ...any)
}

// Report holds the kept result of each server in each scenario.
type Report struct {
	Scenarios []Scenario
	Servers   []string
	Results   [][]*loadgen.Result // [scenario][server]
	Options   Options             // Rounds is the number of rounds measured
}

// Compare runs opt.Rounds rounds (at least one) of every scenario against
// every server, after the warm-up.
func Compare(ctx context.Context, servers []*Server, opt Options) (*Report, error) {
	c := NewComparison(servers, opt)
	if err := c.Warmup(ctx); err != nil {
		return nil, err
	}
	for range max(opt.Rounds, 1) {
		if err := c.Round(ctx); err != nil {
			return nil, err
		}
	}
	return c.Report(), nil
}

// Comparison is a comparison measured one round at a time: what
// BenchmarkServers does once per b.N.
type Comparison struct {
	servers []*Server
	opt     Options
	runs    [][][]*loadgen.Result // [scenario][server][round]
}

// NewComparison prepares a comparison of servers; opt.Rounds is ignored.
func NewComparison(servers []*Server, opt Options) *Comparison {
	c := &Comparison{servers: servers, opt: opt}
	for range opt.Scenarios {
		c.runs = append(c.runs, make([][]*loadgen.Result, len(servers)))
	}
	return c
}

// Warmup runs every (scenario, server) pair once for opt.Warmup, unmeasured.
func (c *Comparison) Warmup(ctx context.Context) error {
	if c.opt.Warmup <= 0 {
		return nil
	}
	for _, sc := range c.opt.Scenarios {
		for _, s := range c.servers {
			if _, err := loadgen.Run(ctx, loadConfig(s.Addr, sc, c.opt.Warmup, c.opt.Requests)); err != nil {
				return fmt.Errorf("%s, %s server, warm-up: %w", sc.Name, s.Name, err)
			}
		}
	}
	return nil
}

// Round measures every server in every scenario once, servers interleaved.
func (c *Comparison) Round(ctx context.Context) error {
	for i, sc := range c.opt.Scenarios {
		for j, s := range c.servers {
			res, err := loadgen.Run(ctx, loadConfig(s.Addr, sc, c.opt.Duration, c.opt.Requests))
			if err != nil {
				return fmt.Errorf("%s, %s server: %w", sc.Name, s.Name, err)
			}
			if c.opt.Logf != nil {
				c.opt.Logf("%-26s %-7s %s", sc.Name, s.Name, res)
			}
			c.runs[i][j] = append(c.runs[i][j], res)
		}
	}
	return nil
}

// Rounds returns the number of rounds measured so far.
func (c *Comparison) Rounds() int {
	if len(c.runs) == 0 || len(c.runs[0]) == 0 {
		return 0
	}
	return len(c.runs[0][0])
}

// Report keeps, for each pair, the round with the median req/s. It needs
// at least one round.
func (c *Comparison) Report() *Report {
	opt := c.opt
	opt.Rounds = c.Rounds()
	rep := &Report{Scenarios: opt.Scenarios, Options: opt}
	for _, s := range c.servers {
		rep.Servers = append(rep.Servers, s.Name)
	}
	for _, byServer := range c.runs {
		row := make([]*loadgen.Result, len(byServer))
		for j, rs := range byServer {
			row[j] = median(rs)
		}
		rep.Results = append(rep.Results, row)
	}
	return rep
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

// Format prints the results table and, when the report has the "go"
// server, the ratios to "python" and "bare" with their targets; with a
// "go-trace" server also its ratio to "bare" (the target is the same as
// go's: tracing on must keep the server at that fraction of the bare
// loop).
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
	traced := slices.Contains(r.Servers, "go-trace")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\tgo/python\ttarget\tgo/bare\ttarget\t")
	if traced {
		fmt.Fprintf(tw, "go-trace/bare\ttarget\t")
	}
	fmt.Fprintln(tw)
	for i, sc := range r.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t", sc.Name,
			fmtRatio(r.Ratio(i, "go", "python"), "×"), fmtTarget(r.Ratio(i, "go", "python"), sc.MinVsPython, "×"),
			fmtRatio(r.Ratio(i, "go", "bare"), ""), fmtTarget(r.Ratio(i, "go", "bare"), sc.MinVsBare, ""))
		if traced {
			fmt.Fprintf(tw, "%s\t%s\t", fmtRatio(r.Ratio(i, "go-trace", "bare"), ""), fmtTarget(r.Ratio(i, "go-trace", "bare"), sc.MinVsBare, ""))
		}
		fmt.Fprintln(tw)
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
