package drawtest

import (
	"fmt"
	"os"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
)

// noDisplay is set when there is no X display: every test skips then.
var noDisplay bool

// game runs the tests from inside its first Update: ebiten can read pixels
// only while its loop runs (ebiten's own internal/testing does the same).
type game struct {
	m    *testing.M
	code int
}

func (g *game) Update() error {
	g.code = g.m.Run()
	return ebiten.Termination
}

func (g *game) Draw(*ebiten.Image) {}

func (g *game) Layout(int, int) (int, int) { return 320, 240 }

func TestMain(m *testing.M) {
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "drawtest: no DISPLAY, but CI=true needs the drawing tests: run them under xvfb-run -a -s '-screen 0 1280x800x24'")
			os.Exit(1)
		}
		noDisplay = true
		os.Exit(m.Run())
	}
	ebiten.SetWindowSize(320, 240)
	ebiten.SetVsyncEnabled(false) // Xvfb has no vsync; do not wait for one
	g := &game{m: m, code: 1}
	if err := ebiten.RunGameWithOptions(g, &ebiten.RunGameOptions{InitUnfocused: true}); err != nil {
		fmt.Fprintln(os.Stderr, "drawtest:", err)
		os.Exit(1)
	}
	os.Exit(g.code)
}

func needDisplay(tb testing.TB) {
	tb.Helper()
	if noDisplay {
		tb.Skip("no DISPLAY: run under xvfb-run -a -s '-screen 0 1280x800x24' (CI=true makes this a failure)")
	}
}
