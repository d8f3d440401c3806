package view

import (
	"socketlab/sim"
	"socketlab/sim/trace"
)

// SimSource runs the simulator: presets and scenario documents, with the
// seed, slider overrides and what-ifs of a Request applied. It is the only
// file of the renderer that knows the simulator's API.
type SimSource struct{}

// Presets lists the simulator's built-in scenarios.
func (SimSource) Presets() []Preset {
	var ps []Preset
	for _, p := range sim.Presets() {
		ps = append(ps, Preset{p.Name, p.Summary})
	}
	return ps
}

// Scenario builds the scenario req describes.
func (SimSource) Scenario(req Request) (*sim.Scenario, error) {
	var sc *sim.Scenario
	var err error
	if req.Doc != nil {
		sc, err = sim.ParseScenario(req.Doc)
		if err == nil && sc.Name == "" {
			sc.Name = req.DocName
		}
	} else {
		sc, err = sim.LoadPreset(req.Preset)
	}
	if err != nil {
		return nil, err
	}
	o := sim.Override{}
	if req.HasSeed {
		o.Seed = &req.Seed
	}
	if req.Profile != "" {
		o.Profile = &req.Profile
	}
	if l := req.Links; l != nil {
		d, j := sim.Duration(l.Delay), sim.Duration(l.Jitter)
		o.Delay, o.Jitter, o.Bandwidth = &d, &j, &l.Bandwidth
		o.Loss, o.Duplicate, o.Reorder = &l.Loss, &l.Duplicate, &l.Reorder
	}
	if err := sc.Override(o); err != nil {
		return nil, err
	}
	for _, w := range req.WhatIfs {
		sc.AddFault(sim.Fault{Action: w.Action, Packet: w.Packet, Delay: sim.Duration(w.Delay)})
	}
	return sc, nil
}

// Programs maps each host of req's scenario to the type of the program
// it runs (its first, when it runs several); none when req cannot run.
func (s SimSource) Programs(req Request) map[string]string {
	sc, err := s.Scenario(req)
	if err != nil {
		return nil
	}
	m := map[string]string{}
	for _, p := range sc.Programs {
		if _, ok := m[p.Host]; !ok {
			m[p.Host] = p.Type
		}
	}
	return m
}

// Open starts simulating req; the events arrive as the run goes on (see
// openSim), so that a long run never holds up a frame.
func (s SimSource) Open(req Request) (Stream, error) {
	sc, err := s.Scenario(req)
	if err != nil {
		return nil, err
	}
	return openSim(sc)
}

// Run simulates req to the end and returns the whole trace.
func (s SimSource) Run(req Request) (*trace.Trace, error) {
	sc, err := s.Scenario(req)
	if err != nil {
		return nil, err
	}
	return sim.Run(sc)
}

// Encode returns req as a scenario document, what-ifs included as faults.
func (s SimSource) Encode(req Request) ([]byte, error) {
	sc, err := s.Scenario(req)
	if err != nil {
		return nil, err
	}
	return sc.Encode()
}
