package drawtest

import (
	"errors"

	"socketlab/sim/view"
	"socketlab/sim/view/fixture"
)

// fixtureSource serves the hand-made traces of package fixture to the
// renderer. Package view's tests have the same source (FixtureSource in
// a test file): the product binaries must not link the fixtures.
type fixtureSource struct{}

func (fixtureSource) Presets() []view.Preset {
	var ps []view.Preset
	for _, n := range fixture.Names() {
		ps = append(ps, view.Preset{Name: n, Summary: fixture.Summary(n)})
	}
	return ps
}

func (fixtureSource) Open(req view.Request) (view.Stream, error) {
	if req.Doc != nil {
		return nil, errors.New("fixtures cannot load scenario files")
	}
	tr, err := fixture.Build(req.Preset)
	if err != nil {
		return nil, err
	}
	return view.TraceStream(tr), nil
}

func (fixtureSource) Encode(view.Request) ([]byte, error) {
	return nil, errors.New("fixtures cannot be saved as scenarios")
}
