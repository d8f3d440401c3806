package main

import (
	"context"
	"fmt"
	"net"
	"text/tabwriter"
	"time"

	"socketlab/core"
	"socketlab/core/loadgen"
)

var loadgenCmd = &command{
	name:    "loadgen",
	args:    "HOST:PORT [--conns 8] [--requests N] [--duration 5s] [--new-conn] [--proto timestamp|echo|any]",
	summary: "load a request/reply server (the timestamp servers by default): req/s and latency p50/p99, bounded in count and time",
	parse:   parseLoadgen,
}

func parseLoadgen(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	conns := intFlag(fs, "conns", loadgen.DefaultConns, 1, 10_000, "`N` clients at once, each on its own persistent connection (or, with --new-conn, opening one per request)")
	requests := intFlag(fs, "requests", 100_000, 1, 100_000_000, "stop after `N` requests in all")
	duration := durationFlag(fs, "duration", loadgen.DefaultDuration, time.Millisecond, time.Hour, "", "stop after this `duration` (whichever bound comes first)")
	newConn := fs.Bool("new-conn", false, "open a new connection for every request (latency then includes the connect)")
	rst := fs.Bool("rst", false, "with --new-conn: close with RST (SO_LINGER 0) so the client's ports skip TIME_WAIT")
	payload := fs.String("payload", "hello", "the request `TEXT`, sent without a newline")
	proto := fs.String("proto", "timestamp", "what a reply is: timestamp ('[ctime] ' + request, checked), echo (the request, checked) or any (whatever one read returns)")
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) != 1:
		return nil, usagef("loadgen: want one HOST:PORT, e.g. socketlab loadgen 127.0.0.1:21567 --conns 64")
	case *payload == "" || len(*payload) > core.BufSize:
		return nil, usagef("loadgen: --payload must be 1 to %d bytes (one recv of the textbook server)", core.BufSize)
	case *rst && !*newConn:
		return nil, usagef("loadgen: --rst only applies with --new-conn")
	}
	addr := pos[0]
	if err := core.CheckHostPort(addr); err != nil {
		return nil, usagef("loadgen: %v", err)
	}
	cfg := loadgen.Config{
		Addr:     addr,
		Conns:    *conns,
		NewConn:  *newConn,
		Abort:    *rst,
		Requests: *requests,
		Duration: *duration,
		Payload:  []byte(*payload),
		Dialer:   &net.Dialer{Timeout: 5 * time.Second},
	}
	switch *proto {
	case "timestamp":
		cfg.ReplyLen, cfg.Check = loadgen.TimestampOverhead+len(*payload), loadgen.CheckTimestamp
	case "echo":
		cfg.ReplyLen, cfg.Check = len(*payload), loadgen.CheckEcho
	case "any":
	default:
		return nil, usagef("loadgen: --proto must be timestamp, echo or any, not %q", *proto)
	}
	return func(ctx context.Context) error {
		if err := checkPortName(ctx, fs, "tcp", addr, ""); err != nil {
			return err
		}
		how := "persistent connections"
		switch {
		case *newConn && *conns == 1:
			how = "client, a new connection per request"
		case *newConn:
			how = "clients, a new connection per request"
		case *conns == 1:
			how = "persistent connection"
		}
		fmt.Fprintf(std.Out, "loadgen: %d %s to %s, %q → %s replies, for %v or %d requests\n",
			*conns, how, addr, *payload, *proto, *duration, *requests)
		res, err := loadgen.Run(ctx, cfg)
		if res != nil {
			printLoadResult(std, res)
		}
		return err
	}, nil
}

func printLoadResult(io stdio, res *loadgen.Result) {
	h := &res.Latency
	tw := tabwriter.NewWriter(io.Out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "requests\terrors\tconns\telapsed\treq/s\tp50\tp90\tp99\tmax\t")
	fmt.Fprintf(tw, "%d\t%d\t%d\t%v\t%.0f\t%v\t%v\t%v\t%v\t\n", res.Requests, res.Errors, res.Conns,
		res.Elapsed.Round(time.Millisecond), res.Rate(),
		roundLatency(h.Quantile(0.5)), roundLatency(h.Quantile(0.9)), roundLatency(h.Quantile(0.99)), roundLatency(h.Max()))
	tw.Flush()
	if res.Err != nil {
		fmt.Fprintf(io.Out, "first error: %v\n", res.Err)
	}
}

// roundLatency keeps three significant digits, which is all the
// histogram holds anyway.
func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Nanosecond)
}
