package sim

import (
	"embed"
	"fmt"
	"strings"
)

// The presets are ordinary scenario files, embedded so that they also
// document the format.
//
//go:embed presets/*.json
var presetFS embed.FS

// presetOrder is the teaching order: connection life first, then loss and
// its repair, then flow and congestion control, then UDP, then servers.
var presetOrder = []string{
	"handshake", "transfer", "teardown",
	"lost-syn", "lost-synack", "lost-data", "fast-retransmit", "reorder", "duplicate",
	"zero-window", "congestion", "refused",
	"udp-timestamp", "udp-refused", "udp-impaired",
	"iterative-vs-concurrent", "deadlock",
}

// PresetInfo names a built-in scenario.
type PresetInfo struct {
	Name    string // what the CLI and the renderer accept
	Summary string // one line
}

// Presets lists the built-in scenarios in a stable (teaching) order.
func Presets() []PresetInfo {
	out := make([]PresetInfo, 0, len(presetOrder))
	for _, n := range presetOrder {
		sc, err := LoadPreset(n)
		if err != nil {
			panic("sim: broken preset " + n + ": " + err.Error()) // caught by TestPresets
		}
		out = append(out, PresetInfo{Name: n, Summary: sc.Description})
	}
	return out
}

// LoadPreset returns a fresh copy of the named built-in scenario.
func LoadPreset(name string) (*Scenario, error) {
	known := false
	for _, n := range presetOrder {
		known = known || n == name
	}
	if !known {
		return nil, fmt.Errorf("no preset named %q (one of %s)", name, strings.Join(presetOrder, ", "))
	}
	data, err := presetFS.ReadFile("presets/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("preset %s: %v", name, err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("preset %s: %v", name, err)
	}
	return sc, nil
}
