package main

import (
	"context"
	"strings"
	"testing"

	"socketlab/sim"
)

func TestScenariosListsPresets(t *testing.T) {
	stdout, stderr, code := runCLI(t, context.Background(), "", "scenarios")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	presets := sim.Presets()
	if len(presets) < 14 {
		t.Fatalf("%d presets", len(presets))
	}
	for i, p := range presets {
		if !strings.HasPrefix(lines[i], p.Name+" ") || !strings.HasSuffix(lines[i], "  "+p.Summary) {
			t.Errorf("line %d = %q, want %s and its summary", i, lines[i], p.Name)
		}
	}
}

func TestScenariosPrintsJSON(t *testing.T) {
	stdout, _, code := runCLI(t, context.Background(), "", "scenarios", "lost-syn")
	sc, _ := sim.LoadPreset("lost-syn")
	want, _ := sc.Encode()
	if code != 0 || stdout != string(want) {
		t.Fatalf("exit %d, stdout\n%s", code, stdout)
	}
	_, stderr, code := runCLI(t, context.Background(), "", "scenarios", "lost")
	if code != 2 || !strings.HasPrefix(stderr, `socketlab: scenarios: no preset named "lost" (one of handshake, `) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
