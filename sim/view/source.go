package view

import (
	"time"
)

// Preset is one entry of the scenario picker.
type Preset struct{ Name, Summary string }

// WhatIf is a fault the user scripted on one packet of the current run:
// "what if this packet were dropped / delayed / duplicated?".
type WhatIf struct {
	Packet uint64        // the trace packet ID
	Action string        // "drop", "delay" or "duplicate"
	Delay  time.Duration // for "delay": the extra one-way delay
}

// LinkOverride replaces the impairments of every direction of every link:
// what the sliders set.
type LinkOverride struct {
	Delay, Jitter            time.Duration
	Bandwidth                int64 // bits per second; 0 = unlimited
	Loss, Duplicate, Reorder float64
}

// Request says what to run: a preset or a scenario document, with the
// seed, the slider overrides and the what-ifs applied on top.
type Request struct {
	Preset  string // a preset name, used when Doc is nil
	Doc     []byte // a scenario document (a file the user opened)
	DocName string
	Seed    uint64
	HasSeed bool
	Links   *LinkOverride
	WhatIfs []WhatIf
	// Profile, if set, is the TCP profile every host runs ("rfc",
	// "linux"), in place of the scenario's own (sim.Override.Profile).
	Profile string
}

// Clone returns a copy that shares nothing mutable with r.
func (r Request) Clone() Request {
	r.WhatIfs = append([]WhatIf(nil), r.WhatIfs...)
	if r.Links != nil {
		l := *r.Links
		r.Links = &l
	}
	return r
}

// Action is something the user can make happen in a live run: a real
// client run against a real server, say.
type Action struct {
	Name      string // short, for its button: "tcp-client"
	Summary   string // one line for the status bar and the help
	SummaryZH string // the same in Chinese ("" falls back to Summary)
}

// Actor is implemented by a Source whose live runs the user can act on.
// While a real run is shown the playground numbers the actions 1–9, as
// buttons and keys, in place of the simulator's what-ifs.
type Actor interface {
	Actions() []Action
	// Do starts action i and returns at once: what it does arrives on the
	// live stream. An error (a server that is gone) goes to the status line.
	Do(i int) error
}

// Targeter is implemented by a live source whose TCP client the user can
// point at a server of their own: T opens a prompt for HOST:PORT.
type Targeter interface {
	// SetTarget checks hostport and makes it the TCP client's target (an
	// action of its own); the error says what is wrong with it.
	SetTarget(hostport string) error
}

// Source produces the runs the playground shows. The simulator is one
// (simsource.go); tests have fixtures.
type Source interface {
	Presets() []Preset
	// Open starts producing req's run. The same request gives the same
	// events. A request that cannot run (a bad scenario file, an unknown
	// preset) fails here, before any event.
	Open(req Request) (Stream, error)
	// Encode returns req as a scenario document that Open accepts as Doc.
	Encode(req Request) ([]byte, error)
}
