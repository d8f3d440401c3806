package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"socketlab/core"
	"socketlab/sim/lesson"
	"socketlab/sim/view"
	"socketlab/sim/view/progress"
	"socketlab/textbook"
)

var playCmd = &command{
	name:    "play",
	args:    "[--scenario NAME|FILE] [--seed N] [--lang en|zh] [--projector] [--code [go]] [--select ID] [--whatif ACTION:ID] [--screenshot FILE.png|FILE.jpg --at T [--size WxH]] | --lesson NAME|FILE [--step N] [--try] | --live [--target HOST:PORT] [--run N]... [--record FILE]",
	summary: "open the visual playground: topology, ladder diagram and captions on one time cursor",
	parse:   parsePlay,
}

// playConfig is the parsed command line of play.
type playConfig struct {
	req        view.Request
	lang       string
	projector  bool
	code       codeFlag // the code panel at start, and its language
	shot       string
	at         time.Duration
	w, h       int
	savePath   string
	scenarioIn string
	sel        uint64
	whatIfs    []whatIfArg

	live   bool   // real mode: the servers on loopback, clients from the window
	target string // live: one more server for the TCP client
	runs   []int  // live: clients to start at once (1-based, as the keys)
	record string // live: where Ctrl+S writes the recording

	lessonIn string         // --lesson: a shipped lesson's id or a file
	lesson   *lesson.Lesson // read and checked by runPlay
	step     int            // --step, from 1; 0: where the learner left it
	try      bool           // --try: the screenshot shows the step tried for real
}

// codeFlag is --code: a switch (the textbook's Python) that may name the
// language, --code go or --code=go for the Go equivalent.
type codeFlag struct {
	on   bool
	lang textbook.Lang
}

func (c *codeFlag) String() string {
	if c == nil || !c.on {
		return ""
	}
	return strings.ToLower(c.lang.String())
}

func (c *codeFlag) Set(s string) error {
	switch s {
	case "true", "python":
		*c = codeFlag{on: true, lang: textbook.Python}
	case "go":
		*c = codeFlag{on: true, lang: textbook.Go}
	case "false":
		*c = codeFlag{}
	default:
		return errors.New("want python or go")
	}
	return nil
}

// IsBoolFlag lets --code stand alone.
func (c *codeFlag) IsBoolFlag() bool { return true }

// TakesWord lets --code take its language as the next argument.
func (c *codeFlag) TakesWord(s string) bool { return s == "go" || s == "python" }

// whatIfArg is one --whatif ACTION:PACKET.
type whatIfArg struct {
	action string
	packet uint64
}

// maxWhatIfs bounds --whatif: each one re-simulates the run.
const maxWhatIfs = 100

func parsePlay(c *command, args []string, std stdio) (action, error) {
	cfg, err := parsePlayConfig(c, args, std)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return runPlay(ctx, std, cfg) }, nil
}

func parsePlayConfig(c *command, args []string, std stdio) (*playConfig, error) {
	fs := newFlags(c)
	scenario := fs.String("scenario", "handshake", "a preset `name` (see the picker, key P) or a scenario JSON file")
	seed := fs.String("seed", "", "the random `seed` (default: the scenario's own)")
	profile := profileFlag(fs)
	lang := fs.String("lang", "en", "caption `language`: en or zh")
	projector := fs.Bool("projector", false, "classroom mode: large type, high contrast, thick lines")
	var code codeFlag
	fs.Var(&code, "code", "open with the code panel (key A): the host's textbook program beside the ladder, the line it is in marked; --code go shows its Go equivalent (Shift+A switches)")
	shot := fs.String("screenshot", "", "write the frame at --at to this `FILE` (.png, or .jpg/.jpeg) and exit")
	at := durationFlag(fs, "at", 0, 0, 24*time.Hour, "", "with --screenshot: the virtual `time` to show, e.g. 1.5s or 25ms; at most the run's end")
	size := fs.String("size", "1280x800", "window or screenshot size `WxH` in pixels")
	save := fs.String("save", "", "where Ctrl+S writes the scenario with its what-ifs (`FILE`; default: NAME-whatif.json)")
	sel := fs.Uint64("select", 0, "select packet `ID` (as shown in the inspector) at start")
	live := fs.Bool("live", false, "real mode: start the textbook servers on loopback and draw your own connections as they happen (keys 1–9 run clients; as root the real segments too)")
	target := fs.String("target", "", "with --live: one more server at `HOST:PORT` for a TCP timestamp client (the last key)")
	record := fs.String("record", "live.jsonl", "with --live: where Ctrl+S records the run as JSON lines (`FILE`; open it again with socketlab replay)")
	var runs []int
	fs.Func("run", "with --live: start client `N` (1–9, as its key) at once; repeatable", func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 9 {
			return fmt.Errorf("want a client number 1 to 9")
		}
		if len(runs) == 100 {
			return fmt.Errorf("at most 100 clients")
		}
		runs = append(runs, n)
		return nil
	})
	lessonIn := fs.String("lesson", "", "open a lesson: a built-in lesson's `name` (see 'socketlab lessons') or a lesson JSON file of your own")
	step := intFlag(fs, "step", 0, 0, 100, "with --lesson: the `step` to open at, from 1 (0, the default: where you left the lesson)")
	try := fs.Bool("try", false, "with --lesson and --screenshot: the picture shows the step tried for real (key I; its question skipped first)")
	var whatIfs []whatIfArg
	fs.Func("whatif", "`ACTION:PACKET`, e.g. drop:3 — apply a what-if (drop, delay, duplicate) at start; repeatable", func(v string) error {
		act, id, ok := strings.Cut(v, ":")
		n, err := strconv.ParseUint(id, 10, 64)
		if !ok || err != nil || (act != "drop" && act != "delay" && act != "duplicate") {
			return fmt.Errorf("want drop:ID, delay:ID or duplicate:ID")
		}
		if len(whatIfs) == maxWhatIfs {
			return fmt.Errorf("at most %d what-ifs", maxWhatIfs)
		}
		whatIfs = append(whatIfs, whatIfArg{act, n})
		return nil
	})
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("play: unexpected argument %s (use --scenario)", strconv.Quote(pos[0]))
	}
	cfg := &playConfig{lang: *lang, projector: *projector, shot: *shot, savePath: *save, scenarioIn: *scenario, sel: *sel, whatIfs: whatIfs, at: *at,
		live: *live, target: *target, runs: runs, record: *record, lessonIn: *lessonIn, step: *step, try: *try, code: code}
	if !*live {
		for _, f := range []string{"target", "run", "record"} {
			if wasFlagGiven(fs, f) {
				return nil, usagef("play: --%s applies to --live", f)
			}
		}
	} else {
		for _, f := range []string{"scenario", "seed", "profile", "whatif", "select", "at"} {
			if wasFlagGiven(fs, f) {
				return nil, usagef("play: --%s applies to simulations, not to --live", f)
			}
		}
		if *target != "" {
			if err := core.CheckHostPort(*target); err != nil {
				return nil, usagef("play: --target: %v", err)
			}
		}
	}
	if *lessonIn != "" {
		// A lesson's steps choose the scenario and the moment.
		for _, f := range []string{"scenario", "seed", "whatif", "select", "at", "live"} {
			if wasFlagGiven(fs, f) {
				return nil, usagef("play: --%s does not apply to --lesson (its steps choose the scenario and the moment; --step chooses the step)", f)
			}
		}
	} else {
		for _, f := range []string{"step", "try"} {
			if wasFlagGiven(fs, f) {
				return nil, usagef("play: --%s applies to --lesson", f)
			}
		}
	}
	if *try && *shot == "" {
		return nil, usagef("play: --try applies to --screenshot (in the window, key I tries a step for real)")
	}
	if cfg.lang != "en" && cfg.lang != "zh" {
		return nil, usagef("play: --lang %s: want en or zh", strconv.Quote(*lang))
	}
	if *seed != "" {
		n, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			return nil, usagef("play: --seed %s: want a non-negative integer", strconv.Quote(*seed))
		}
		cfg.req.Seed, cfg.req.HasSeed = n, true
	}
	if err := checkProfile("play", *profile); err != nil {
		return nil, err
	}
	cfg.req.Profile = *profile
	if wasFlagGiven(fs, "at") && *shot == "" {
		return nil, usagef("play: --at applies to --screenshot (the window starts at 0 and has a timeline)")
	}
	if *shot != "" {
		switch strings.ToLower(filepath.Ext(*shot)) {
		case ".png", ".jpg", ".jpeg":
		default:
			return nil, usagef("play: --screenshot %s: name a .png or .jpg file", shown(*shot))
		}
	}
	w, h, ok := parseSize(*size)
	if !ok {
		return nil, usagef("play: --size %s: want WxH, e.g. 1280x800 (each 200..8192)", strconv.Quote(*size))
	}
	cfg.w, cfg.h = w, h
	if *scenario == "" {
		return nil, usagef("play: --scenario is empty; give a preset name or a JSON file")
	}
	if isPreset(*scenario) {
		cfg.req.Preset = *scenario
	}
	return cfg, nil
}

func isPreset(name string) bool {
	for _, p := range (view.SimSource{}).Presets() {
		if p.Name == name {
			return true
		}
	}
	return false
}

func playPresetNames() string {
	var ns []string
	for _, p := range (view.SimSource{}).Presets() {
		ns = append(ns, p.Name)
	}
	return strings.Join(ns, ", ")
}

func parseSize(s string) (w, h int, ok bool) {
	ws, hs, found := strings.Cut(strings.ToLower(s), "x")
	if !found {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || w < 200 || h < 200 || w > 8192 || h > 8192 {
		return 0, 0, false
	}
	return w, h, true
}

// readLesson finds --lesson: a built-in lesson by its name, else a file,
// parsed strictly and every answer checked against the simulator, as
// 'socketlab lessons check' does; a mistake is one line naming the field.
func readLesson(in string) (*lesson.Lesson, error) {
	if l, err := lesson.Load(in); err == nil {
		return l, nil
	}
	data, err := readLessonFile(in)
	if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(in, "./\\") {
		var ids []string
		for _, l := range lesson.List() {
			ids = append(ids, l.ID)
		}
		return nil, usagef("play: --lesson: no lesson or file %s (lessons: %s)", strconv.Quote(in), strings.Join(ids, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("play: --lesson: %v", err)
	}
	l, err := lesson.Parse(data)
	if err == nil {
		err = l.Verify()
	}
	if err != nil {
		return nil, fmt.Errorf("play: %s: %v", in, err)
	}
	return l, nil
}

// playGCPercent is the collector's headroom while the playground is open.
// The playground holds a run's index for as long as it shows the run — for
// 60 s of a 100 Mbit/s flow about 300 MB — and the default headroom (as
// much again as is live) takes the heap to twice that while a long run
// opens; half as much again keeps it under 500 MB, for a few per cent more
// CPU while it opens. GOGC, when set, decides instead.
const playGCPercent = 50

func runPlay(ctx context.Context, std stdio, cfg *playConfig) error {
	if cfg.lessonIn != "" {
		l, err := readLesson(cfg.lessonIn)
		if err != nil {
			return err
		}
		if cfg.step > len(l.Steps) {
			return usagef("play: --step %d: lesson %s has %d steps", cfg.step, l.ID, len(l.Steps))
		}
		cfg.lesson = l
		cfg.req, cfg.scenarioIn = view.Request{Preset: "lesson"}, l.ID // the lesson's steps choose the runs
	}
	if cfg.req.Preset == "" {
		doc, err := readScenarioFile(cfg.scenarioIn)
		if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(cfg.scenarioIn, "./\\") {
			return usagef("play: no preset or file %s (presets: %s)", strconv.Quote(cfg.scenarioIn), playPresetNames())
		}
		if err != nil {
			return fmt.Errorf("play: read scenario: %w", err)
		}
		cfg.req.Doc, cfg.req.DocName = doc, filepath.Base(cfg.scenarioIn)
	}
	name := strings.TrimSuffix(filepath.Base(cfg.scenarioIn), ".json")
	savePath := cfg.savePath
	if savePath == "" {
		savePath = name + "-whatif.json"
	}
	var src view.Source = view.SimSource{}
	if cfg.lesson != nil {
		ts := &tryRealSource{ctx: ctx}
		defer ts.Close()
		src = ts
	}
	var live *liveSession
	if cfg.live {
		var err error
		if live, err = startLive(ctx, cfg.target); err != nil {
			return fmt.Errorf("play: %w", err)
		}
		defer live.Close()
		src, cfg.req, name = live, view.Request{Preset: livePreset}, livePreset
		if live.captureErr != nil {
			fmt.Fprintln(std.Err, "socketlab: play:", live.captureErr)
		}
	}
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(playGCPercent))
	}
	var store progress.Store
	if cfg.lesson != nil && cfg.shot == "" { // a screenshot leaves the learner's progress alone
		store = progress.Local()
	}
	a, err := view.New(view.Options{
		Source: src, Request: cfg.req, Lang: cfg.lang, Projector: cfg.projector,
		Save:   func(doc []byte) (string, error) { return savePath, os.WriteFile(savePath, doc, 0o644) },
		Record: func(doc []byte) (string, error) { return cfg.record, os.WriteFile(cfg.record, doc, 0o644) },
		Lesson: cfg.lesson, Step: cfg.step, Progress: store, Code: cfg.code.on, CodeLang: cfg.code.lang,
	})
	if err != nil {
		return fmt.Errorf("play: %w", err)
	}
	defer a.Close()
	if live != nil {
		for _, n := range cfg.runs {
			a.Act(n - 1)
			if strings.HasPrefix(a.Status, "error: ") {
				return fmt.Errorf("play: --run %d: %s", n, strings.TrimPrefix(a.Status, "error: "))
			}
		}
		if cfg.shot != "" {
			live.clients.Wait()
			time.Sleep(100 * time.Millisecond) // the capture reads the last segments
			a.CatchUp()
			cfg.at = -1 // the live edge
		}
	}
	for _, w := range cfg.whatIfs {
		if !a.SelectPacket(w.packet) {
			return fmt.Errorf("play: --whatif %s:%d: the run has no packet %d", w.action, w.packet, w.packet)
		}
		if err := a.WhatIf(w.action); err != nil {
			return fmt.Errorf("play: --whatif %s:%d: %w", w.action, w.packet, err)
		}
		a.Settle() // the next what-if builds on this one's run
	}
	if cfg.sel != 0 && !a.SelectPacket(cfg.sel) {
		return fmt.Errorf("play: --select %d: the run has no packet %d", cfg.sel, cfg.sel)
	}
	if cfg.shot == "" {
		return view.Run(ctx, a, cfg.w, cfg.h, nil)
	}
	if cfg.lesson != nil {
		a.Settle()
		cfg.at = -1 // the step's moment
		if cfg.try {
			a.Skip()
			if a.TryReal(); !a.TryRunning() {
				return fmt.Errorf("play: --try: %s", a.Status)
			}
			a.SettleTry()
		}
	}
	if cfg.at > a.M.End && !cfg.live {
		return usagef("play: --at %v is past the end of the run: %s ends at %v", durationText(cfg.at), name, a.M.End)
	}
	var png bytes.Buffer
	if err := view.Run(ctx, a, cfg.w, cfg.h, &view.Shot{At: cfg.at, Width: cfg.w, Height: cfg.h, W: &png}); err != nil {
		return err
	}
	out := png.Bytes()
	if ext := strings.ToLower(filepath.Ext(cfg.shot)); ext == ".jpg" || ext == ".jpeg" {
		if out, err = pngToJPEG(out); err != nil {
			return fmt.Errorf("play: %w", err)
		}
	}
	if err := os.WriteFile(cfg.shot, out, 0o644); err != nil {
		return fmt.Errorf("play: %w", err)
	}
	at := cfg.at.String()
	if cfg.live {
		at = "its live edge"
	}
	if cfg.lesson != nil {
		i, n := a.LessonStep()
		at = fmt.Sprintf("step %d/%d", i+1, n)
	}
	fmt.Fprintf(std.Out, "wrote %s (%dx%d, %s at %s)\n", cfg.shot, cfg.w, cfg.h, name, at)
	return nil
}

// pngToJPEG re-encodes a PNG picture as JPEG.
func pngToJPEG(b []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 92}); err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return out.Bytes(), nil
}

// haveDisplay reports whether a window could open: on Linux and the BSDs
// only with an X or Wayland display.
func haveDisplay() bool {
	switch runtime.GOOS {
	case "darwin", "windows", "ios", "android", "js":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// tryRealSource is the playground's source in a lesson: the simulator,
// and for a step tried for real (key I) live mode's session — the
// textbook's servers on loopback, started the first time a step is
// tried, closed with the window.
type tryRealSource struct {
	view.SimSource
	ctx  context.Context
	mu   sync.Mutex
	live *liveSession
}

// Try runs the step's real program in the session, starting it first.
func (s *tryRealSource) Try(program string) (view.Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == nil {
		l, err := startLive(s.ctx, "")
		if err != nil {
			return nil, err
		}
		s.live = l
	}
	return s.live.Try(program)
}

// Close stops the session, if a step was tried.
func (s *tryRealSource) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live != nil {
		s.live.Close()
		s.live = nil
	}
}
