package view

import (
	"errors"

	"socketlab/sim/view/fixture"
)

// FixtureSource serves the hand-made traces of package fixture. It ignores
// seeds, overrides and what-ifs (a recorded trace cannot be re-run), which
// is what input tests want: they check the requests, not the traces. It
// lives in a test file so that the product binaries do not link the
// fixtures (make check verifies it); sim/view/drawtest has its own copy.
type FixtureSource struct{}

// Presets lists the fixtures.
func (FixtureSource) Presets() []Preset {
	var ps []Preset
	for _, n := range fixture.Names() {
		ps = append(ps, Preset{n, fixture.Summary(n)})
	}
	return ps
}

// Open builds the named fixture: a run that is complete at once.
func (FixtureSource) Open(req Request) (Stream, error) {
	if req.Doc != nil {
		return nil, errors.New("fixtures cannot load scenario files")
	}
	tr, err := fixture.Build(req.Preset)
	if err != nil {
		return nil, err
	}
	return TraceStream(tr), nil
}

// Encode is not supported for fixtures.
func (FixtureSource) Encode(Request) ([]byte, error) {
	return nil, errors.New("fixtures cannot be saved as scenarios")
}
