package caption

import (
	"strings"
	"testing"
	"unicode"

	"socketlab/sim"
)

// Every built-in preset's description and every node role in it has its
// Chinese: the playground's title, picker and captions are Chinese
// throughout in Chinese (node names such as c1 or r1 stay as they are).
func TestPresetsInChinese(t *testing.T) {
	hasLatin := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) }) >= 0
	}
	hasHan := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	}
	used := map[string]bool{}
	for _, p := range sim.Presets() {
		sc, err := sim.LoadPreset(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Description == "" {
			t.Errorf("preset %s has no description", p.Name)
		}
		used[sc.Description] = true
		if zh := Text(sc.Description, Chinese); zh == sc.Description || !hasHan(zh) {
			t.Errorf("preset %s: no Chinese for its description %q", p.Name, sc.Description)
		}
		if en := Text(sc.Description, English); en != sc.Description {
			t.Errorf("preset %s: English description changed to %q", p.Name, en)
		}
		for _, n := range append(append([]sim.NodeSpec{}, sc.Hosts...), sc.Routers...) {
			if n.Role == "" {
				continue
			}
			zh := RoleText(n.Role, Chinese)
			if hasLatin(zh) || !hasHan(zh) {
				t.Errorf("preset %s, node %s: no Chinese for its role %q (got %q)", p.Name, n.Name, n.Role, zh)
			}
			if c := role(Who{Name: n.Name, Role: n.Role}, "", Chinese, false); hasLatin(strings.ReplaceAll(c, n.Name, "")) {
				t.Errorf("preset %s, node %s: the Chinese captions name it %q", p.Name, n.Name, c)
			}
			if en := RoleText(n.Role, English); en != n.Role {
				t.Errorf("preset %s: English role %q became %q", p.Name, n.Role, en)
			}
		}
	}
	// No stale entries: every translation belongs to a preset.
	for _, e := range presetTexts {
		if !used[e.en] {
			t.Errorf("presetTexts has %q, which no preset describes itself as", e.en)
		}
	}
	if got := Text("a scenario of my own", Chinese); got != "a scenario of my own" {
		t.Errorf("unknown description in Chinese = %q, want it unchanged", got)
	}
}
