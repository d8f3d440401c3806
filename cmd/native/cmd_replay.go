package main

import (
	"bufio"
	"bytes"
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

	"socketlab/sim/caption"
	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
	"socketlab/sim/view"
)

var replayCmd = &command{
	name: "replay",
	args: "[--ladder [--lang en|zh] [--absolute] [--width N]] [--jsonl FILE] [--pcap FILE] " +
		"[--screenshot FILE.png|FILE.jpg [--at T]] [--size WxH] [--projector] FILE",
	summary: "replay a capture (pcap or pcapng from tcpdump or Wireshark) or a JSON-lines recording: in the playground, as a ladder, JSON lines or pcap",
	parse:   parseReplay,
}

// replayConfig is a checked replay command line.
type replayConfig struct {
	file            string
	ladder          bool
	ladderOpts      trace.LadderOptions
	lang            caption.Lang
	hasLang         bool
	jsonl, pcapFile string
	shot            string
	at              time.Duration
	w, h            int
	projector       bool
}

// window reports whether the command line asks for no output but the
// playground window.
func (c *replayConfig) window() bool {
	return !c.ladder && c.jsonl == "" && c.pcapFile == "" && c.shot == ""
}

func parseReplay(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	ladder := fs.Bool("ladder", false, "draw the capture as a ladder (sequence) diagram")
	width := intFlag(fs, "width", 100, 40, 1000, "ladder width in `columns`")
	lang := fs.String("lang", "", "explain every event in plain language, under the ladder's rows and in the playground: `en` or zh (简体中文)")
	absolute := fs.Bool("absolute", false, "ladder: sequence numbers as on the wire instead of relative to the ISN")
	jsonl := fs.String("jsonl", "", "write every event as JSON lines to `FILE` (- = stdout)")
	pcapFile := fs.String("pcap", "", "write the packets as a pcap capture to `FILE` (- = stdout)")
	shot := fs.String("screenshot", "", "write the playground's frame at --at to this `FILE` (.png, or .jpg/.jpeg) and exit")
	at := durationFlag(fs, "at", 0, 0, 24*time.Hour, "", "with --screenshot: the `time` to show, e.g. 1.5s or 250us; at most the capture's end")
	size := fs.String("size", "1280x800", "window or screenshot size `WxH` in pixels")
	projector := fs.Bool("projector", false, "playground in classroom mode: large type, high contrast, thick lines")
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) == 0:
		return nil, usagef("replay: FILE is missing: give a pcap or pcapng capture or a JSON-lines recording (see 'socketlab replay --help')")
	case len(pos) > 1:
		return nil, usagef("replay: unexpected argument %s; replay reads one FILE", shown(pos[1]))
	case pos[0] == "":
		return nil, usagef("replay: FILE is empty; give a pcap or pcapng capture or a JSON-lines recording")
	case pos[0] == "-":
		return nil, usagef("replay: FILE - (standard input) will not do: replay reads its file twice; save the capture to a file first")
	}
	cfg := &replayConfig{file: pos[0], ladder: *ladder, jsonl: *jsonl, pcapFile: *pcapFile, shot: *shot, at: *at,
		projector: *projector, ladderOpts: trace.LadderOptions{Width: *width, Absolute: *absolute}}
	if !cfg.ladder {
		for _, f := range []string{"width", "absolute"} {
			if wasFlagGiven(fs, f) {
				return nil, usagef("replay: --%s applies to --ladder; add --ladder", f)
			}
		}
	}
	visual := cfg.window() || cfg.shot != ""
	if !visual && !cfg.ladder && wasFlagGiven(fs, "lang") {
		return nil, usagef("replay: --lang applies to --ladder, --screenshot and the window, not to --jsonl or --pcap")
	}
	if !visual {
		for _, f := range []string{"size", "projector"} {
			if wasFlagGiven(fs, f) {
				return nil, usagef("replay: --%s applies to --screenshot and the window", f)
			}
		}
	}
	if wasFlagGiven(fs, "at") && cfg.shot == "" {
		return nil, usagef("replay: --at applies to --screenshot (the window starts at 0 and has a timeline)")
	}
	stdout := 0
	for _, o := range []bool{cfg.ladder, cfg.jsonl == "-", cfg.pcapFile == "-"} {
		if o {
			stdout++
		}
	}
	if stdout > 1 {
		return nil, usagef("replay: --ladder, --jsonl - and --pcap - all write to stdout; give the others a file name")
	}
	if cfg.shot != "" {
		switch strings.ToLower(filepath.Ext(cfg.shot)) {
		case ".png", ".jpg", ".jpeg":
		default:
			return nil, usagef("replay: --screenshot %s: name a .png or .jpg file", shown(cfg.shot))
		}
	}
	if *lang != "" {
		l, ok := caption.ParseLang(*lang)
		if !ok {
			return nil, usagef("replay: --lang %s: want en or zh", strconv.Quote(*lang))
		}
		cfg.lang, cfg.hasLang = l, true
	}
	w, h, ok := parseSize(*size)
	if !ok {
		return nil, usagef("replay: --size %s: want WxH, e.g. 1280x800 (each 200..8192)", strconv.Quote(*size))
	}
	cfg.w, cfg.h = w, h
	return func(ctx context.Context) error { return runReplay(ctx, std, cfg) }, nil
}

func runReplay(ctx context.Context, std stdio, cfg *replayConfig) error {
	in, err := openReplay(cfg.file)
	if errors.Is(err, fs.ErrNotExist) {
		// A mistyped name is a mistake on the command line, as for sim
		// --scenario and play --scenario: exit status 2.
		return usagef("replay %s: %v", shown(cfg.file), err)
	}
	if err != nil {
		return fmt.Errorf("replay %s: %w", shown(cfg.file), err)
	}
	h := in.header
	// Every output gets the events as the file is read; the playground
	// and the ladder's captions (--lang) need the whole trace, and so does
	// a ladder whose header names no node (its columns come from the events).
	var outs outputs
	if err := outs.openFiles("replay", cfg.jsonl, cfg.pcapFile, std.Out, &h); err != nil {
		return err
	}
	streamed := false
	if cfg.ladder && !cfg.hasLang && in.events > 0 { // else "nothing to show", below
		opts := cfg.ladderOpts
		opts.End = in.end
		o, err := ladderOut(std.Out, &h, opts)
		switch {
		case err == nil:
			outs, streamed = append(outs, o), true
		case !errors.Is(err, trace.ErrLadderNeedsTrace):
			outs.finish()
			return fmt.Errorf("replay: ladder: %v", err)
		}
	}
	var tr *trace.Trace
	if cfg.ladder && !streamed || cfg.shot != "" || cfg.window() {
		tr = &trace.Trace{Header: h}
		outs = append(outs, sinkOutput(tr))
	}
	if tr == nil {
		// Nothing holds the trace: keep the garbage in check (memoryCap).
		mc := capMemory()
		defer mc.release()
		n := 0
		outs = append(outs, sinkOutput(trace.SinkFunc(func(*trace.Event) {
			if n++; n%(1<<16) == 0 {
				mc.adjust()
			}
		})))
	}
	err = in.emit(ctx, outs)
	if ferr := outs.finish(); err == nil {
		err = ferr
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return fmt.Errorf("replay %s: %w", shown(cfg.file), err)
	}
	if tr != nil && len(tr.Events) == 0 {
		return fmt.Errorf("replay %s: nothing to show: %s", shown(cfg.file), h.Title)
	}
	if cfg.ladder && tr != nil {
		opts := cfg.ladderOpts
		if cfg.hasLang {
			opts.Caption = caption.Ladder(tr, cfg.lang)
		}
		if err := trace.WriteLadder(std.Out, tr, opts); err != nil {
			return fmt.Errorf("replay: ladder: %v", err)
		}
	}
	if cfg.shot != "" || cfg.window() {
		return replayView(ctx, std, cfg, tr)
	}
	return nil
}

// replayView opens the playground on tr, or takes its screenshot.
func replayView(ctx context.Context, std stdio, cfg *replayConfig, tr *trace.Trace) error {
	lang := "en"
	if cfg.hasLang {
		lang = string(cfg.lang)
	}
	a, err := view.New(view.Options{Source: &replaySource{tr: tr}, Lang: lang, Projector: cfg.projector})
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer a.Close()
	a.Real = true // what happened cannot be re-run with what-ifs
	if cfg.shot == "" {
		return view.Run(ctx, a, cfg.w, cfg.h, nil)
	}
	name := tr.Header.Scenario
	if cfg.at > a.M.End {
		return usagef("replay: --at %v is past the end: %s ends at %v", durationText(cfg.at), name, a.M.End)
	}
	var png bytes.Buffer
	if err := view.Run(ctx, a, cfg.w, cfg.h, &view.Shot{At: cfg.at, Width: cfg.w, Height: cfg.h, W: &png}); err != nil {
		return err
	}
	out := png.Bytes()
	if ext := strings.ToLower(filepath.Ext(cfg.shot)); ext == ".jpg" || ext == ".jpeg" {
		if out, err = pngToJPEG(out); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
	}
	if err := os.WriteFile(cfg.shot, out, 0o644); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	fmt.Fprintf(std.Out, "wrote %s (%dx%d, %s at %s)\n", cfg.shot, cfg.w, cfg.h, name, cfg.at)
	return nil
}

// replaySource shows one finished trace in the playground. A replay is
// what happened: it has no seed, sliders or what-ifs to re-run with; the
// picker's presets are the simulator's.
type replaySource struct{ tr *trace.Trace }

func (s *replaySource) Presets() []view.Preset { return view.SimSource{}.Presets() }

func (s *replaySource) Open(req view.Request) (view.Stream, error) {
	if req.Preset != "" || req.Doc != nil {
		return view.SimSource{}.Open(req)
	}
	if req.HasSeed || req.Links != nil || len(req.WhatIfs) > 0 {
		return nil, errors.New("a replay is what happened: it cannot be run again with what-ifs, a seed or sliders")
	}
	return view.TraceStream(s.tr), nil
}

func (s *replaySource) Encode(req view.Request) ([]byte, error) {
	if req.Preset != "" || req.Doc != nil {
		return view.SimSource{}.Encode(req)
	}
	return nil, errors.New("a replay has no scenario to save")
}

// replayInput is a file to replay. It is read twice: once to check all of
// it (and, for a capture, to learn its hosts, which the header lists
// before the first event), then again to stream its events to the
// outputs — so an error leaves no half-written output behind, and a long
// capture need not fit in memory unless a view needs all of it.
type replayInput struct {
	header trace.Header
	events int           // how many emit will emit
	end    time.Duration // the last one's time
	emit   func(ctx context.Context, sink trace.Sink) error
}

// openReplay checks path and reads it once: a pcap or pcapng capture or
// JSON lines, told apart by their first bytes.
func openReplay(path string) (*replayInput, error) {
	st, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	switch {
	case st.IsDir():
		return nil, errors.New("is a directory; give a pcap or pcapng capture or a JSON-lines recording")
	case !st.Mode().IsRegular():
		return nil, errors.New("is not a regular file (replay reads it twice; save the capture to a file first)")
	case st.Size() == 0:
		return nil, errors.New("the file is empty; give a pcap or pcapng capture or a JSON-lines recording")
	}
	open := func() (*os.File, error) { return os.Open(path) }
	f, err := open()
	if err != nil {
		return nil, unwrapPath(err)
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, unwrapPath(err)
	}
	head = head[:n]
	if pcap.Sniff(head) != pcap.FormatUnknown {
		return openCapture(path, open)
	}
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		return nil, errors.New("the file is compressed with gzip; gunzip it first")
	}
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return openJSONL(open)
	}
	return nil, fmt.Errorf("byte 0: not a capture or a recording: it starts with % x, where a pcap file starts with "+
		"a1b2c3d4 (or d4c3b2a1, a1b23c4d, 4d3cb2a1), pcapng with 0a0d0d0a and JSON lines with {", head[:min(len(head), 4)])
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func openCapture(path string, open func() (*os.File, error)) (*replayInput, error) {
	c := pcap.NewCapture(path)
	f, err := open()
	if err != nil {
		return nil, unwrapPath(err)
	}
	err = c.Learn(bufio.NewReaderSize(f, 64<<10))
	f.Close()
	if err != nil {
		return nil, err
	}
	return &replayInput{header: c.Header(), events: 2 * c.Stats().Packets, end: c.End(), emit: func(ctx context.Context, sink trace.Sink) error {
		f, err := open()
		if err != nil {
			return unwrapPath(err)
		}
		defer f.Close()
		return c.Replay(ctx, bufio.NewReaderSize(f, 64<<10), sink)
	}}, nil
}

func openJSONL(open func() (*os.File, error)) (*replayInput, error) {
	read := func(ctx context.Context, sink trace.Sink) (trace.Header, error) {
		f, err := open()
		if err != nil {
			return trace.Header{}, unwrapPath(err)
		}
		defer f.Close()
		jr, err := trace.NewJSONLReader(f)
		if err != nil {
			return trace.Header{}, jsonlErr(err)
		}
		for i := 0; ; i++ {
			e, err := jr.Next()
			if err == io.EOF {
				return jr.Header(), nil
			}
			if err != nil {
				return trace.Header{}, jsonlErr(err)
			}
			if i%4096 == 0 && ctx.Err() != nil {
				return trace.Header{}, ctx.Err()
			}
			sink.Emit(&e)
		}
	}
	in := &replayInput{}
	h, err := read(context.Background(), trace.SinkFunc(func(e *trace.Event) { in.events, in.end = in.events+1, e.At }))
	if err != nil {
		return nil, err
	}
	in.header = h
	in.emit = func(ctx context.Context, sink trace.Sink) error {
		_, err := read(ctx, sink)
		return err
	}
	return in, nil
}

// jsonlErr drops the package name from a JSON-lines error: the line
// number says enough ("line 7: field \"pkt.flags\": …").
func jsonlErr(err error) error {
	var je *trace.JSONLError
	if errors.As(err, &je) {
		return errors.New(strings.TrimPrefix(je.Error(), "trace: "))
	}
	return err
}
