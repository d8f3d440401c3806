package main

import (
	"strings"
	"testing"

	"socketlab/sim/view"
)

// The fragment wins over the query string; an unknown scenario falls back
// to the default with a notice; the fragment written back reproduces the
// request.
func TestOptionsFromURL(t *testing.T) {
	presets := []string{"handshake", "lost-syn"}
	o, warn := optionsFrom(params("?scenario=handshake&lang=zh", "#scenario=lost-syn&seed=3"), presets)
	if warn != "" || o.Request.Preset != "lost-syn" || !o.Request.HasSeed || o.Request.Seed != 3 || o.Lang != "zh" {
		t.Errorf("got %+v, %q", o, warn)
	}
	o, warn = optionsFrom(params("", "#scenario=no-such&projector=1"), presets)
	if o.Request.Preset != defaultScenario || !o.Projector || !strings.Contains(warn, `no scenario named "no-such"; showing handshake instead`) {
		t.Errorf("got %+v, %q", o, warn)
	}
	if f := fragment(view.Request{Preset: "lost-syn", Seed: 3, HasSeed: true}, "zh", true); f != "lang=zh&projector=1&scenario=lost-syn&seed=3" {
		t.Errorf("fragment %q", f)
	}
	o, _ = optionsFrom(params("", "#"+fragment(view.Request{Preset: "lost-syn", Seed: 7, HasSeed: true}, "en", false)), presets)
	if o.Request.Preset != "lost-syn" || o.Request.Seed != 7 || o.Lang != "en" {
		t.Errorf("round trip: %+v", o)
	}
}
