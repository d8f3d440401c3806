package view

import (
	"testing"

	"socketlab/sim/view/layout"
)

// The key help stays on the screen in every theme at the largest type:
// in one column where it fits, else in two across the screen.
func TestHelpBoxFits(t *testing.T) {
	for _, th := range layout.Themes {
		a := openPreset(t, "handshake", false)
		a.setTheme(th, TypeScales[len(TypeScales)-1])
		for _, sz := range [][2]int{{1024, 768}, {1280, 800}, {1600, 1000}} {
			g := a.regions(sz[0], sz[1])
			r, cols, per := helpBox(&g, len(helpKeys), float64(sz[1]))
			if r.Y+r.H > float64(sz[1]) || r.X < 0 || r.X+r.W > float64(sz[0]) || cols*per < len(helpKeys) {
				t.Errorf("%s %v: help %+v in %d columns of %d rows, off the screen or short of %d keys", th.Name, sz, r, cols, per, len(helpKeys))
			}
		}
	}
	a := openPreset(t, "handshake", false)
	g := a.regions(1280, 800)
	if _, cols, _ := helpBox(&g, len(helpKeys), 800); cols != 1 {
		t.Errorf("the screen theme at 1280x800 folds the help into %d columns, want 1", cols)
	}
}
