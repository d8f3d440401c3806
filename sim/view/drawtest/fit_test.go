package drawtest

import "testing"

// The classroom projector's 1280×800 in projector mode, in English and
// Chinese, a packet selected: one row of buttons, a whole connection in
// the host panel, the inspector above the plot, the title and the event
// lines ending in "…" rather than cut at the edge. The geometry itself is
// checked at every size by sim/view's TestLayoutFits; these frames show
// it drawn.
func TestFitGoldens(t *testing.T) {
	needDisplay(t)
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			a := newApp(t, "handshake", lang, true)
			if !a.SelectPacket(4) {
				t.Fatal("no packet 4")
			}
			compareGolden(t, "fit-projector-1280x800-"+lang, render(t, a, 25*ms, 1280, 800))
		})
	}
}
