package view

import (
	"fmt"
	"strings"
	"testing"

	"socketlab/sim/view/layout"
)

// F steps the type through TypeScales and back, on a copy of the theme:
// the themes themselves never change.
func TestTypeScaleKey(t *testing.T) {
	a, _ := newApp(t, "handshake")
	base := layout.Screen.Text
	for _, s := range append(TypeScales[1:], 1) {
		press(a, KeyF)
		if a.Theme.Text != base*s || !strings.Contains(a.Status, fmt.Sprintf("%d%%", int(s*100+0.5))) {
			t.Fatalf("after F: text %v, status %q; want %v", a.Theme.Text, a.Status, base*s)
		}
	}
	press(a, KeyF, KeyV) // a larger type survives a change of theme
	if a.Theme.Name != "high contrast" || a.Theme.Text != layout.HighContrast.Text*TypeScales[1] {
		t.Fatalf("after F, V: %s at %v", a.Theme.Name, a.Theme.Text)
	}
	if layout.Screen.Text != base || layout.HighContrast.Text != 16 {
		t.Fatal("scaling the type changed the themes themselves")
	}
}

// The largest type still fits where it is meant for: a monitor's themes
// at 1280×800 and up, the projector's at 1600×1000 and up.
func TestLayoutFitsLargeType(t *testing.T) {
	for _, kind := range []string{"handshake", "live-like"} {
		for _, lang := range []string{"en", "zh"} {
			for _, th := range layout.Themes {
				a := fitApp(t, kind, lang, th)
				a.setTheme(th, TypeScales[len(TypeScales)-1])
				for _, sz := range fitSizes {
					if sz[0] < 1280 || th.Name == "projector" && sz[0] < 1600 {
						continue
					}
					name := fmt.Sprintf("%s/%s/%s/%dx%d", kind, lang, th.Name, sz[0], sz[1])
					t.Run(name, func(t *testing.T) { checkFit(t, a, kind, sz[0], sz[1]) })
				}
			}
		}
	}
}
