package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/view"
)

func init() {
	register(command{
		name:    "play",
		args:    "[--scenario NAME|FILE] [--seed N] [--lang en|zh] [--projector] [--select ID] [--whatif ACTION:ID] [--screenshot FILE --at T [--size WxH]]",
		summary: "open the visual playground: topology, ladder diagram and captions on one time cursor",
		run:     runPlay,
	})
}

// playConfig is the parsed command line of play.
type playConfig struct {
	req        view.Request
	lang       string
	projector  bool
	shot       string
	at         time.Duration
	w, h       int
	savePath   string
	scenarioIn string
	sel        uint64
	whatIfs    []whatIfArg
}

// whatIfArg is one --whatif ACTION:PACKET.
type whatIfArg struct {
	action string
	packet uint64
}

func parsePlay(c command, args []string, io stdio) (*playConfig, error) {
	fs := newFlags(c, io)
	scenario := fs.String("scenario", "handshake", "a preset name (see the picker, key P) or a scenario JSON file")
	seed := fs.String("seed", "", "the random seed (default: the scenario's own)")
	lang := fs.String("lang", "en", "caption language: en or zh")
	projector := fs.Bool("projector", false, "classroom mode: large type, high contrast, thick lines")
	shot := fs.String("screenshot", "", "write the frame at --at to this PNG file and exit")
	at := fs.String("at", "0s", "with --screenshot: the virtual time to show, e.g. 1.5s or 25ms")
	size := fs.String("size", "1280x800", "window or screenshot size WxH in pixels")
	save := fs.String("save", "", "where Ctrl+S writes the scenario with its what-ifs (default: NAME-whatif.json)")
	sel := fs.Uint64("select", 0, "select packet ID (as shown in the inspector) at start")
	var whatIfs []whatIfArg
	fs.Func("whatif", "ACTION:PACKET, e.g. drop:3 — apply a what-if (drop, delay, duplicate) at start; repeatable", func(v string) error {
		act, id, ok := strings.Cut(v, ":")
		n, err := strconv.ParseUint(id, 10, 64)
		if !ok || err != nil || (act != "drop" && act != "delay" && act != "duplicate") {
			return fmt.Errorf("want drop:ID, delay:ID or duplicate:ID")
		}
		whatIfs = append(whatIfs, whatIfArg{act, n})
		return nil
	})
	if err := parseFlags(fs, args, io); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("play: unexpected argument %q (use --scenario)", fs.Arg(0))
	}
	cfg := &playConfig{lang: *lang, projector: *projector, shot: *shot, savePath: *save, scenarioIn: *scenario, sel: *sel, whatIfs: whatIfs}
	if cfg.lang != "en" && cfg.lang != "zh" {
		return nil, usagef("play: --lang %q: want en or zh", *lang)
	}
	if *seed != "" {
		n, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			return nil, usagef("play: --seed %q: want a non-negative integer", *seed)
		}
		cfg.req.Seed, cfg.req.HasSeed = n, true
	}
	d, err := time.ParseDuration(*at)
	if err != nil || d < 0 {
		return nil, usagef("play: --at %q: want a duration such as 1.5s or 25ms", *at)
	}
	cfg.at = d
	w, h, ok := parseSize(*size)
	if !ok {
		return nil, usagef("play: --size %q: want WxH, e.g. 1280x800 (each 200..8192)", *size)
	}
	cfg.w, cfg.h = w, h
	if *scenario == "" {
		return nil, usagef("play: --scenario is empty; give a preset name or a JSON file")
	}
	if isPreset(*scenario) {
		cfg.req.Preset = *scenario
	} else {
		doc, err := os.ReadFile(*scenario)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(*scenario, "./\\") {
				return nil, usagef("play: no preset or file %q (presets: %s)", *scenario, playPresetNames())
			}
			return nil, fmt.Errorf("play: read scenario: %w", err)
		}
		cfg.req.Doc, cfg.req.DocName = doc, filepath.Base(*scenario)
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

func runPlay(ctx context.Context, args []string, io stdio) error {
	c := commands["play"]
	cfg, err := parsePlay(c, args, io)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(filepath.Base(cfg.scenarioIn), ".json")
	savePath := cfg.savePath
	if savePath == "" {
		savePath = name + "-whatif.json"
	}
	a, err := view.New(view.Options{
		Source: view.SimSource{}, Request: cfg.req, Lang: cfg.lang, Projector: cfg.projector,
		Save: func(doc []byte) (string, error) { return savePath, os.WriteFile(savePath, doc, 0o644) },
	})
	if err != nil {
		return fmt.Errorf("play: %w", err)
	}
	for _, w := range cfg.whatIfs {
		if !a.SelectPacket(w.packet) {
			return fmt.Errorf("play: --whatif %s:%d: the run has no packet %d", w.action, w.packet, w.packet)
		}
		a.WhatIf(w.action)
		if strings.HasPrefix(a.Status, "error: ") {
			return fmt.Errorf("play: --whatif %s:%d: %s", w.action, w.packet, strings.TrimPrefix(a.Status, "error: "))
		}
	}
	if cfg.sel != 0 && !a.SelectPacket(cfg.sel) {
		return fmt.Errorf("play: --select %d: the run has no packet %d", cfg.sel, cfg.sel)
	}
	if cfg.shot == "" {
		return view.Run(ctx, a, cfg.w, cfg.h, nil)
	}
	var png bytes.Buffer
	if err := view.Run(ctx, a, cfg.w, cfg.h, &view.Shot{At: cfg.at, Width: cfg.w, Height: cfg.h, W: &png}); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.shot, png.Bytes(), 0o644); err != nil {
		return fmt.Errorf("play: %w", err)
	}
	fmt.Fprintf(io.Out, "wrote %s (%dx%d, %s at %s)\n", cfg.shot, cfg.w, cfg.h, name, cfg.at)
	return nil
}
