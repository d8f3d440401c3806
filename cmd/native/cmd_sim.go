package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"socketlab/sim"
	"socketlab/sim/caption"
	"socketlab/sim/trace"
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
	if *ladder && (*jsonl == "-" || *pcapFile == "-") {
		// They are written as the run goes: on one stdout they would mix.
		return nil, usagef("sim: --ladder, --jsonl - and --pcap - all write to stdout; give the others a file name")
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

	// Every output is written as the events happen: memory follows the
	// packets in flight, not the length of the run. Only the ladder's
	// captions (--lang) look at the whole run, so they keep it.
	var outs outputs
	s, err := sim.New(sc, &outs)
	if err != nil {
		return fmt.Errorf("sim: %v", err)
	}
	h := s.Header()
	var tr *trace.Trace // the run, for the captions
	var sum *simSummary
	if err := outs.openFiles("sim", cfg.jsonl, cfg.pcapFile, std.Out, &h); err != nil {
		return err
	}
	switch {
	case cfg.ladder && cfg.hasLang:
		tr = &trace.Trace{Header: h}
		outs = append(outs, sinkOutput(tr))
	case cfg.ladder:
		opts := cfg.ladderOpts
		opts.End = end
		o, err := ladderOut(std.Out, &h, opts)
		if err != nil {
			outs.finish()
			return fmt.Errorf("sim: ladder: %v", err)
		}
		outs = append(outs, o)
	case len(outs) == 0:
		sum = newSimSummary()
		outs = append(outs, sinkOutput(sum))
	}

	// Virtual time runs as fast as the CPU allows; check for ^C and for a
	// failed output between slices.
	mc := capMemory()
	defer mc.release()
	for t := time.Duration(0); t < end && err == nil && outs.err() == nil; {
		t = min(end, t+time.Second)
		s.RunUntil(t)
		mc.adjust()
		err = ctx.Err()
	}
	// An output's error is finish's, which names the output.
	if ferr := outs.finish(); err == nil && ferr != nil {
		err = fmt.Errorf("sim: %v", ferr)
	}
	if err != nil {
		return err
	}
	if tr != nil {
		opts := cfg.ladderOpts
		opts.Caption = caption.Ladder(tr, cfg.lang)
		if err := trace.WriteLadder(std.Out, tr, opts); err != nil {
			return fmt.Errorf("sim: ladder: %v", err)
		}
	}
	if sum != nil {
		sum.write(std.Out, &h, end, s.Now())
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

// simSummary counts what a run does as it happens, for the summary sim
// prints when it writes nothing else: events by kind, drops by reason,
// bytes the applications moved, notes, and where every TCP connection
// ended up. It keeps one line per note and per connection.
type simSummary struct {
	c                                     trace.Counter
	drops                                 map[trace.DropReason]int
	written, read, sentDgrams, recvDgrams int
	conns                                 []connEnd
	index                                 map[connKey]int
	notes                                 []string
}

type connKey struct {
	node          string
	local, remote netip.AddrPort
}

type connEnd struct {
	node, local, remote string
	last                trace.ConnState
}

func newSimSummary() *simSummary {
	return &simSummary{drops: map[trace.DropReason]int{}, index: map[connKey]int{}}
}

// Emit counts e.
func (s *simSummary) Emit(e *trace.Event) {
	s.c.Emit(e)
	switch e.Kind {
	case trace.KindDrop:
		s.drops[e.Reason]++
	case trace.KindApp:
		switch e.Op {
		case trace.OpWrite:
			s.written += e.N
		case trace.OpRead:
			s.read += e.N
		case trace.OpSendTo:
			s.sentDgrams++
		case trace.OpRecvFrom:
			s.recvDgrams++
		case trace.OpError:
			s.notes = append(s.notes, fmt.Sprintf("%-10v %s: %s", e.At, e.Node, e.Text))
		}
	case trace.KindNote:
		s.notes = append(s.notes, fmt.Sprintf("%-10v %s: %s", e.At, e.Node, e.Text))
	case trace.KindState, trace.KindConnStat:
		key := connKey{e.Node, e.Conn.Local, e.Conn.Remote}
		if i, ok := s.index[key]; ok {
			s.conns[i].last = e.Conn
		} else if e.Kind == trace.KindState {
			s.index[key] = len(s.conns)
			s.conns = append(s.conns, connEnd{e.Node, e.Conn.Local.String(), e.Conn.Remote.String(), e.Conn})
		}
	}
}

// write prints the summary of a run simulated until end, its clock at now.
func (s *simSummary) write(w io.Writer, h *trace.Header, end, now time.Duration) {
	fmt.Fprintf(w, "scenario %s (seed %d): %s\n", h.Scenario, h.Seed, h.Title)
	fmt.Fprintf(w, "simulated %v: %d events\n", end, s.c.Total)
	var kinds []string
	for k := trace.KindSend; k <= trace.KindNote; k++ {
		if n := s.c.ByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	fmt.Fprintf(w, "  by kind: %s\n", strings.Join(kinds, ", "))
	if len(s.drops) > 0 {
		var ds []string
		for r := trace.DropLoss; r <= trace.DropBadState; r++ {
			if n := s.drops[r]; n > 0 {
				ds = append(ds, fmt.Sprintf("%s %d", r, n))
			}
		}
		fmt.Fprintf(w, "  drops: %s\n", strings.Join(ds, ", "))
	}
	fmt.Fprintf(w, "applications: TCP %d bytes written, %d bytes read; UDP %d datagrams sent, %d received\n",
		s.written, s.read, s.sentDgrams, s.recvDgrams)
	if len(s.notes) > 0 {
		fmt.Fprintln(w, "program output:")
		for _, n := range s.notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
	if len(s.conns) > 0 {
		fmt.Fprintf(w, "TCP connections at %v:\n", now)
		for _, c := range s.conns {
			line := fmt.Sprintf("  %-8s %-22s -> %-22s %s", c.node, c.local, c.remote, c.last.State)
			if st := c.last.State; st != trace.StateClosed && st != trace.StateTimeWait {
				// What a stuck connection is waiting for: the deadlock lesson.
				line += fmt.Sprintf(" (unacked %d, peer window %d, our window %d)", c.last.InFlight, c.last.SndWnd, c.last.RcvWnd)
			}
			fmt.Fprintln(w, line)
		}
	}
}
