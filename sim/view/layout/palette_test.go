package layout

import (
	"image/color"
	"math"
	"testing"
)

// contrast is the WCAG 2 contrast ratio of two colours.
func contrast(a, b color.RGBA) float64 {
	lum := func(c color.RGBA) float64 {
		ch := func(v uint8) float64 {
			s := float64(v) / 255
			if s <= 0.03928 {
				return s / 12.92
			}
			return math.Pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(c.R) + 0.7152*ch(c.G) + 0.0722*ch(c.B)
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// Text must be readable on every theme (WCAG AA, 4.5:1, for type and
// dimmed type on the background and on panels); the high-contrast theme
// must reach AAA's 7:1 for all of it and 15:1 for the main type.
func TestThemeContrast(t *testing.T) {
	for _, th := range Themes {
		need := 4.5
		if th == &HighContrast {
			need = 7
			if c := contrast(th.Fg, th.Bg); c < 15 {
				t.Errorf("%s: type on background %.1f:1, want 15:1", th.Name, c)
			}
		}
		for _, pair := range []struct {
			name   string
			fg, bg color.RGBA
		}{
			{"type on background", th.Fg, th.Bg}, {"type on panel", th.Fg, th.Panel},
			{"dim on background", th.Dim, th.Bg}, {"dim on panel", th.Dim, th.Panel},
		} {
			if c := contrast(pair.fg, pair.bg); c < need {
				t.Errorf("%s: %s %.2f:1, want %.1f:1", th.Name, pair.name, c, need)
			}
		}
	}
	if len(Themes) != 3 || Themes[0] != &Screen {
		t.Errorf("themes %v", Themes)
	}
}
