package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"socketlab/sim"
	"socketlab/sim/caption"
	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
)

var simCmd = &command{
	name: "sim",
	args: "--scenario NAME|FILE [--seed N] [--loss P] [--delay D] [--jitter D] [--dup P] [--reorder P] " +
		"[--bandwidth BPS] [--until D] [--ladder [--lang en|zh] [--absolute] [--routers] [--timers] [--width N]] [--jsonl FILE] [--pcap FILE]",
	summary: "run the deterministic packet-flow simulator on a preset or scenario file and print a ladder, JSON lines, pcap or a summary",
	parse:   parseSim,
}

// simConfig is a checked sim command line.
type simConfig struct {
	scenario        string
	override        sim.Override
	until           time.Duration // 0: the scenario's duration
	ladder          bool
	ladderOpts      trace.LadderOptions
	lang            caption.Lang
	hasLang         bool
	jsonl, pcapFile string
}

func parseSim(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	name := fs.String("scenario", "", "a built-in scenario `NAME` (see 'socketlab scenarios') or a scenario JSON file")
	seed := fs.Uint64("seed", 0, "seed for every random draw (default: the scenario's)")
	profile := profileFlag(fs)
	loss := probabilityFlag(fs, "loss", "loss `probability` on every link direction")
	delay := durationFlag(fs, "delay", 0, 0, 10*time.Second, "", "one-way propagation `delay` of every link direction")
	jitter := durationFlag(fs, "jitter", 0, 0, 10*time.Second, "", "extra random delay in [0, `D`) on every link direction")
	dup := probabilityFlag(fs, "dup", "duplication `probability` on every link direction")
	reorder := probabilityFlag(fs, "reorder", "`probability` that a packet is held back (by the scenario's reorder_by, else one link delay)")
	bandwidth := int64Flag(fs, "bandwidth", 0, 0, 100_000_000_000, "bandwidth of every link direction in bits per second (`BPS`; 0 = unlimited)")
	until := durationFlag(fs, "until", 0, time.Millisecond, 24*time.Hour, "", "simulate this much virtual time (`duration`; default: the scenario's)")
	ladder := fs.Bool("ladder", false, "draw the run as a ladder (sequence) diagram")
	width := intFlag(fs, "width", 100, 40, 1000, "ladder width in `columns`")
	lang := fs.String("lang", "", "explain every ladder row in plain language: `en` or zh (简体中文)")
	absolute := fs.Bool("absolute", false, "ladder: sequence numbers as on the wire instead of relative to the ISN")
	routers := fs.Bool("routers", false, "ladder: give routers a column and draw every hop")
	timers := fs.Bool("timers", false, "ladder: also show timers being armed and cancelled")
	jsonl := fs.String("jsonl", "", "write every event as JSON lines to `FILE` (- = stdout)")
	pcapFile := fs.String("pcap", "", "write the packets as a pcap capture to `FILE` for Wireshark/tshark")
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("sim: unexpected argument %s; the scenario is given with --scenario", strconv.Quote(pos[0]))
	}
	if *name == "" {
		return nil, usagef("sim: --scenario is required (one of: %s; or a JSON file)", presetNames())
	}
	if !*ladder {
		for _, f := range []string{"lang", "width", "absolute", "routers", "timers"} {
			if wasFlagGiven(fs, f) {
				return nil, usagef("sim: --%s applies to --ladder; add --ladder (the summary has no captions)", f)
			}
		}
	}
	if *jsonl == "-" && *pcapFile == "-" {
		return nil, usagef("sim: --jsonl - and --pcap - cannot both write to stdout")
	}
	cfg := &simConfig{scenario: *name, ladder: *ladder, jsonl: *jsonl, pcapFile: *pcapFile,
		ladderOpts: trace.LadderOptions{Width: *width, Absolute: *absolute, Routers: *routers, Timers: *timers}}
	if *lang != "" {
		l, ok := caption.ParseLang(*lang)
		if !ok {
			return nil, usagef("sim: --lang %s: want en or zh", strconv.Quote(*lang))
		}
		cfg.lang, cfg.hasLang = l, true
	}
	o := &cfg.override
	if err := checkProfile("sim", *profile); err != nil {
		return nil, err
	}
	if *profile != "" {
		o.Profile = profile
	}
	if wasFlagGiven(fs, "loss") {
		o.Loss = loss
	}
	if wasFlagGiven(fs, "dup") {
		o.Duplicate = dup
	}
	if wasFlagGiven(fs, "reorder") {
		o.Reorder = reorder
	}
	if wasFlagGiven(fs, "delay") {
		d := sim.Duration(*delay)
		o.Delay = &d
	}
	if wasFlagGiven(fs, "jitter") {
		d := sim.Duration(*jitter)
		o.Jitter = &d
	}
	if wasFlagGiven(fs, "bandwidth") {
		o.Bandwidth = bandwidth
	}
	if wasFlagGiven(fs, "seed") {
		o.Seed = seed
	}
	if wasFlagGiven(fs, "until") {
		cfg.until = *until
	}
	return func(ctx context.Context) error { return runSim(ctx, std, cfg) }, nil
}

func runSim(ctx context.Context, std stdio, cfg *simConfig) error {
	sc, err := loadScenario(cfg.scenario)
	if err != nil {
		return err
	}
	if err := sc.Override(cfg.override); err != nil {
		return fmt.Errorf("sim: %v", err)
	}
	end := time.Duration(sc.Duration)
	if cfg.until > 0 {
		end = cfg.until
	}

	tr := &trace.Trace{}
	s, err := sim.New(sc, tr)
	if err != nil {
		return fmt.Errorf("sim: %v", err)
	}
	tr.Header = s.Header()
	// Virtual time runs as fast as the CPU allows; check for ^C between
	// slices so a long run can be interrupted.
	for t := time.Duration(0); t < end; {
		t = min(end, t+time.Second)
		s.RunUntil(t)
		if err := ctx.Err(); err != nil {
			return err
		}
	}

	wrote := false
	if cfg.jsonl != "" {
		if err := writeOut(cfg.jsonl, std.Out, func(w io.Writer) error { return trace.WriteJSONL(w, tr) }); err != nil {
			return err
		}
		wrote = true
	}
	if cfg.pcapFile != "" {
		if err := writeOut(cfg.pcapFile, std.Out, func(w io.Writer) error { return pcap.Write(w, tr) }); err != nil {
			return err
		}
		wrote = true
	}
	if cfg.ladder {
		opts := cfg.ladderOpts
		if cfg.hasLang {
			opts.Caption = caption.Ladder(tr, cfg.lang)
		}
		if err := trace.WriteLadder(std.Out, tr, opts); err != nil {
			return fmt.Errorf("sim: ladder: %v", err)
		}
		wrote = true
	}
	if !wrote {
		writeSummary(std.Out, tr, s, end)
	}
	return nil
}

func presetNames() string {
	var names []string
	for _, p := range sim.Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// loadScenario reads a preset by name, or else a scenario file.
func loadScenario(name string) (*sim.Scenario, error) {
	if sc, err := sim.LoadPreset(name); err == nil {
		return sc, nil
	}
	data, err := readScenarioFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usagef("sim: no built-in scenario or file named %q (scenarios: %s)", name, presetNames())
	}
	if err != nil {
		return nil, fmt.Errorf("sim: %v", err)
	}
	sc, err := sim.ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("sim: %s: %v", name, err)
	}
	if sc.Name == "" {
		sc.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	return sc, nil
}

// writeOut writes to path, or to stdout for "-".
func writeOut(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("sim: %v", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("sim: writing %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sim: writing %s: %v", path, err)
	}
	return nil
}

// writeSummary prints what a run did: events by kind, drops by reason,
// bytes the applications moved, notes, and where every TCP connection
// ended up.
func writeSummary(w io.Writer, tr *trace.Trace, s *sim.Sim, end time.Duration) {
	h := tr.Header
	fmt.Fprintf(w, "scenario %s (seed %d): %s\n", h.Scenario, h.Seed, h.Title)
	fmt.Fprintf(w, "simulated %v: %d events\n", end, len(tr.Events))
	var c trace.Counter
	drops := map[trace.DropReason]int{}
	var written, read, sentDgrams, recvDgrams int
	type connEnd struct {
		node, local, remote string
		last                trace.ConnState
	}
	var conns []connEnd
	index := map[string]int{}
	var notes []string
	for i := range tr.Events {
		e := &tr.Events[i]
		c.Emit(e)
		switch e.Kind {
		case trace.KindDrop:
			drops[e.Reason]++
		case trace.KindApp:
			switch e.Op {
			case trace.OpWrite:
				written += e.N
			case trace.OpRead:
				read += e.N
			case trace.OpSendTo:
				sentDgrams++
			case trace.OpRecvFrom:
				recvDgrams++
			case trace.OpError:
				notes = append(notes, fmt.Sprintf("%-10v %s: %s", e.At, e.Node, e.Text))
			}
		case trace.KindNote:
			notes = append(notes, fmt.Sprintf("%-10v %s: %s", e.At, e.Node, e.Text))
		case trace.KindState, trace.KindConnStat:
			key := e.Node + " " + e.Conn.Local.String() + " " + e.Conn.Remote.String()
			if i, ok := index[key]; ok {
				conns[i].last = e.Conn
			} else if e.Kind == trace.KindState {
				index[key] = len(conns)
				conns = append(conns, connEnd{e.Node, e.Conn.Local.String(), e.Conn.Remote.String(), e.Conn})
			}
		}
	}
	var kinds []string
	for k := trace.KindSend; k <= trace.KindNote; k++ {
		if n := c.ByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	fmt.Fprintf(w, "  by kind: %s\n", strings.Join(kinds, ", "))
	if len(drops) > 0 {
		var ds []string
		for r := trace.DropLoss; r <= trace.DropBadState; r++ {
			if n := drops[r]; n > 0 {
				ds = append(ds, fmt.Sprintf("%s %d", r, n))
			}
		}
		fmt.Fprintf(w, "  drops: %s\n", strings.Join(ds, ", "))
	}
	fmt.Fprintf(w, "applications: TCP %d bytes written, %d bytes read; UDP %d datagrams sent, %d received\n",
		written, read, sentDgrams, recvDgrams)
	if len(notes) > 0 {
		fmt.Fprintln(w, "program output:")
		for _, n := range notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
	if len(conns) > 0 {
		fmt.Fprintf(w, "TCP connections at %v:\n", s.Now())
		for _, c := range conns {
			line := fmt.Sprintf("  %-8s %-22s -> %-22s %s", c.node, c.local, c.remote, c.last.State)
			if st := c.last.State; st != trace.StateClosed && st != trace.StateTimeWait {
				// What a stuck connection is waiting for: the deadlock lesson.
				line += fmt.Sprintf(" (unacked %d, peer window %d, our window %d)", c.last.InFlight, c.last.SndWnd, c.last.RcvWnd)
			}
			fmt.Fprintln(w, line)
		}
	}
}
