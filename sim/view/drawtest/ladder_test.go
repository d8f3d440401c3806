package drawtest

import (
	"testing"
	"time"

	"socketlab/sim/view"
)

// The ladder's placement, drawn: every packet has a label or a marker,
// packets sent together are drawn apart, and a lost packet's arrow ends in
// its ✕ with nothing carrying on from it.
func TestGoldenLadder(t *testing.T) {
	needDisplay(t)
	for _, tc := range []struct {
		name, preset string
		whatIfs      []view.WhatIf
		at           time.Duration
		projector    bool
	}{
		// Both FINs, each sent at the same instant as an ACK, have
		// arrived: each of the eleven arrows carries its label.
		{"ladder-teardown-fins-65ms", "teardown", nil, 65 * ms, false},
		{"ladder-teardown-fins-projector-65ms", "teardown", nil, 65 * ms, true},
		// What if the handshake's ACK (#3) is lost (selected, then D, as
		// in class): its arrow stops at the ✕, the PSH,ACK sent with it
		// runs clear of the ✕, and the previous run, dashed, is not drawn
		// on from it.
		{"ladder-whatif-drop-40ms", "handshake", []view.WhatIf{{Packet: 3, Action: "drop"}}, 40 * ms, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := view.New(view.Options{Source: view.SimSource{}, Request: view.Request{Preset: tc.preset}, Projector: tc.projector})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.whatIfs {
				a.SetTime(tc.at)
				if !a.SelectPacket(w.Packet) {
					t.Fatalf("no packet #%d", w.Packet)
				}
				if err := a.WhatIf(w.Action); err != nil {
					t.Fatal(err)
				}
				a.Settle()
			}
			if len(tc.whatIfs) > 0 && (a.Ghost == nil || !a.ShowGhost) {
				t.Fatal("no previous run to draw beside the what-if")
			}
			compareGolden(t, tc.name, render(t, a, tc.at, 960, 600))
		})
	}
}
