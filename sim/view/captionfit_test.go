package view

import (
	"strings"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/caption"
)

// Every key moment's caption of every preset is read whole at 1280×800,
// on the classroom projector's theme and the screen's, in both languages:
// the caption bar sets it smaller before it would cut it.
func TestKeyCaptionsFitTheProjector(t *testing.T) {
	for _, p := range sim.Presets() {
		for _, lang := range []string{"en", "zh"} {
			for _, projector := range []bool{true, false} {
				a, err := New(Options{Source: SimSource{}, Request: Request{Preset: p.Name}, Lang: lang, Projector: projector})
				if err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(30 * time.Second)
				for a.M.Len() == 0 || a.Streaming() || a.caps.Len() < a.M.Len() {
					if time.Now().After(deadline) {
						t.Fatalf("%s never loaded", p.Name)
					}
					_ = a.Update(Input{Width: 1280, Height: 800})
					time.Sleep(time.Millisecond)
				}
				g := a.regions(1280, 800)
				th := a.Theme
				m := a.painter().width
				checked := 0
				for i := range a.M.Len() {
					e := a.M.Event(i)
					if caption.Rank(caption.Key(e, a.caps.At(i))) < 3 {
						continue
					}
					text := caption.For(e, a.caps.At(i), a.capLang())
					lines, size := fitCaption(m, text, g.caption.W-40, g.caption.H, th.Text*1.1, th.Small, 0, a.tr("caption.join"))
					if last := lines[len(lines)-1]; strings.HasSuffix(last, "…") && !strings.HasSuffix(text, "…") {
						t.Errorf("%s/%s event %d: the caption is cut at size %.1f: %q", p.Name, lang, i, size, text)
					}
					if size < th.Small-1e-9 {
						t.Errorf("%s/%s event %d: type %.1f below the small type %.1f", p.Name, lang, i, size, th.Small)
					}
					checked++
				}
				if checked == 0 {
					t.Errorf("%s/%s: no key moment checked", p.Name, lang)
				}
				a.Close()
			}
		}
	}
}

// fitCaption keeps the large type when the caption fits, goes smaller
// when it does not, and only at the smallest cuts it.
func TestFitCaption(t *testing.T) {
	m := func(s string, size float64) float64 { return float64(len([]rune(s))) * size / 2 } // every rune half an em
	lines, size := fitCaption(m, "short", 200, 80, 20, 12, 0, " ")
	if size != 20 || len(lines) != 1 {
		t.Errorf("short: %v at %v", lines, size)
	}
	long := strings.Repeat("word ", 20)
	lines, size = fitCaption(m, long, 200, 80, 20, 12, 0, " ")
	if size >= 20 || strings.HasSuffix(lines[len(lines)-1], "…") {
		t.Errorf("long: %q at %v, want smaller type and no cut", lines, size)
	}
	lines, size = fitCaption(m, strings.Repeat(long, 4), 200, 80, 20, 12, 0, " ")
	if !strings.HasSuffix(lines[len(lines)-1], "…") || size < 12 {
		t.Errorf("too long: %q at %v, want a cut at the smallest type", lines, size)
	}
}
