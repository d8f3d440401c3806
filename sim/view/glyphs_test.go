package view

import (
	"image"
	"math"
	"slices"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"socketlab/assets/fonts"
)

func testGlyphCache(t *testing.T) *glyphCache {
	t.Helper()
	f, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	c, err := newGlyphCache(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The width of a string is the sum of its glyphs' advances and of the
// kerning between them, as the font gives them on its own.
func TestGlyphWidthIsSumOfAdvances(t *testing.T) {
	c := testGlyphCache(t)
	face, err := opentype.NewFace(c.font, &opentype.FaceOptions{Size: 13, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"hello", "拓扑 seed 42", "W", "To the Wave"} {
		var sum fixed.Int26_6
		var buf sfnt.Buffer
		var prev sfnt.GlyphIndex
		for _, r := range s {
			a, ok := face.GlyphAdvance(r)
			if !ok || a <= 0 {
				t.Fatalf("%q: no advance", r)
			}
			// Not face.Kern: it scales the kerning to a ppem of the font's
			// units per em (1000/64 px), whatever the face's size.
			id, err := c.font.GlyphIndex(&buf, r)
			if err != nil || id == 0 {
				t.Fatalf("%q: no glyph (%v)", r, err)
			}
			if prev != 0 {
				k, err := c.font.Kern(&buf, prev, id, fixed.I(13), font.HintingNone)
				if err != nil && err != sfnt.ErrNotFound { // not found: no pair
					t.Fatal(err)
				}
				sum += k
			}
			sum += a
			prev = id
		}
		if got, want := c.width(s, 13), float64(sum)/64; got != want {
			t.Errorf("width(%q) = %v, want %v", s, got, want)
		}
	}
	// "hello" has no kerning pair: its width is its advances alone.
	var hello fixed.Int26_6
	for _, r := range "hello" {
		a, _ := face.GlyphAdvance(r)
		hello += a
	}
	if got := c.width("hello", 13); got != float64(hello)/64 {
		t.Errorf("width(hello) = %v, the sum of its advances is %v", got, float64(hello)/64)
	}
	// "To" is kerned: narrower than T and o apart.
	if to, apart := c.width("To", 13), c.width("T", 13)+c.width("o", 13); to >= apart-0.5 {
		t.Errorf("To is %v wide, T and o %v: not kerned", to, apart)
	}
	if w := c.width("hello", 26); math.Abs(w-2*c.width("hello", 13)) > 0.1 {
		t.Errorf("hello at 26 px is %v wide, at 13 px %v: not twice", w, c.width("hello", 13))
	}
	// Noto Sans CJK's ideographs are a full em wide.
	if w := c.width("拓", 20); w != 20 {
		t.Errorf("拓 at 20 px is %v wide, want 20", w)
	}
	if w := c.width("", 13); w != 0 {
		t.Errorf("the empty string is %v wide", w)
	}
}

// A glyph is rasterised with ink, within the line: between its top and the
// descent below the baseline, a space without; asking again reuses it.
func TestGlyphRasterisedOnce(t *testing.T) {
	c := testGlyphCache(t)
	const size = 16
	f := c.face(size)
	img := func(r rune, phase int) glyphImage { return c.image(f, c.glyph(f, r).id, phase) }
	m, err := c.font.Metrics(nil, f.ppem, font.HintingNone)
	if err != nil {
		t.Fatal(err)
	}
	lineH := float64(f.ascent+m.Descent) / 64
	for _, r := range "gW拓p" {
		g := img(r, 0)
		if g.src == nil {
			t.Fatalf("%q has no image", r)
		}
		b := g.r
		if b.Dx() < 3 || b.Dy() < 3 {
			t.Errorf("%q is %v: too small", r, b.Size())
		}
		if g.y < 0 || g.y+float64(b.Dy()) > math.Ceil(lineH) {
			t.Errorf("%q spans %v..%v below the line's top, outside the line 0..%v", r, g.y, g.y+float64(b.Dy()), lineH)
		}
	}
	// The pixels that went to the atlas, still in scratch: the last glyph's.
	if b := img('p', 0).r; !hasInk(c.pix[:4*b.Dx()*b.Dy()]) {
		t.Error("p rasterised blank")
	}
	// ASCII lands on the baseline, a whole pixel: 'x' is an x-height tall
	// and sits on it, 'p' reaches below.
	x, p := img('x', 0), img('p', 0)
	base := float64(f.ascent) / 64
	if base != math.Floor(base) || base < size {
		t.Errorf("the baseline is %v below the line's top, want a whole pixel at least the size", base)
	}
	if bottom := x.y + float64(x.r.Dy()); math.Abs(bottom-base) > 1 {
		t.Errorf("x ends %v below the top, the baseline is at %v", bottom, base)
	}
	if bottom := p.y + float64(p.r.Dy()); bottom < base+2 {
		t.Errorf("p ends %v below the top, above the baseline %v plus its descender", bottom, base)
	}
	if g := img(' ', 0); g.src != nil || c.glyph(f, ' ').adv <= 0 {
		t.Errorf("a space has an image (%v) or no advance (%v)", g.src != nil, c.glyph(f, ' ').adv)
	}
	// Three quarters of a pixel right, 'l' (a vertical stroke) spreads
	// into the next pixel column.
	l0, l3 := img('l', 0), img('l', 3)
	if l3.x+float64(l3.r.Dx()) <= l0.x+float64(l0.r.Dx()) {
		t.Errorf("l at phase 3 spans %v+%d, at phase 0 %v+%d: not further right", l3.x, l3.r.Dx(), l0.x, l0.r.Dx())
	}

	n, atlases := c.size(), len(c.atlases)
	for range 3 {
		for _, r := range "gW拓p xl" {
			img(r, 0)
		}
		img('l', 3)
		c.width("gW拓p xl", size)
	}
	if c.size() != n || len(c.atlases) != atlases {
		t.Errorf("asking for cached glyphs again grew the cache from %d glyphs on %d atlases to %d on %d", n, atlases, c.size(), len(c.atlases))
	}
	img('q', 0)
	if c.size() != n+1 {
		t.Errorf("a new glyph made %d entries from %d, want one more", c.size(), n)
	}
	img('q', 1)
	f1 := c.face(size + 1)
	c.image(f1, c.glyph(f1, 'q').id, 0)
	if c.size() != n+3 {
		t.Errorf("a new phase and a new size made %d entries from %d, want two more", c.size(), n+1)
	}
	// Every glyph so far shares one atlas: ebiten draws them in one batch.
	if len(c.atlases) != 1 {
		t.Errorf("%d atlases for a few glyphs", len(c.atlases))
	}
}

func hasInk(pix []byte) bool {
	for i := 3; i < len(pix); i += 4 {
		if pix[i] != 0 {
			return true
		}
	}
	return false
}

// Glyphs fill an atlas row by row without overlapping, and a full atlas
// starts another.
func TestGlyphAtlasPacking(t *testing.T) {
	c := testGlyphCache(t)
	f := c.face(60)
	type placed struct {
		r     rune
		atlas *ebiten.Image
		at    image.Rectangle
	}
	var all []placed
	for _, r := range fonts.Runes {
		if len(all) == 400 {
			break
		}
		id := c.glyph(f, r).id
		if _, ok := f.images[glyphKey{id, 0}]; ok {
			continue
		}
		g := c.image(f, id, 0)
		if g.src == nil {
			continue
		}
		if !g.r.In(g.src.Bounds()) || g.src.Bounds() != image.Rect(0, 0, atlasSize, atlasSize) {
			t.Fatalf("%q at %v: outside its atlas %v", r, g.r, g.src.Bounds())
		}
		all = append(all, placed{r, g.src, g.r})
	}
	if len(all) < 400 {
		t.Fatalf("only %d glyphs with ink in runes.txt", len(all))
	}
	if len(c.atlases) < 2 {
		t.Fatalf("400 glyphs of 60 px fit on %d atlas of %d²", len(c.atlases), atlasSize)
	}
	for i, a := range all {
		for _, b := range all[i+1:] {
			if a.atlas == b.atlas && a.at.Overlaps(b.at) {
				t.Fatalf("%q %v and %q %v overlap on one atlas", a.r, a.at, b.r, b.at)
			}
		}
	}
}

// x is a line's start, centre or end, rounded to a whole pixel, exactly.
func TestGlyphAlignment(t *testing.T) {
	c := testGlyphCache(t)
	for _, s := range []string{"hello", "拓扑 seed 42", "i"} {
		for _, x := range []float64{100, 100.4, 99.6, 0} {
			w := c.width(s, 13)
			rx := math.Round(x)
			if got := c.start(s, x, 13, alignStart); got != rx {
				t.Errorf("%q start at %v: pen at %v, want %v", s, x, got, rx)
			}
			if got := c.start(s, x, 13, alignEnd); got+w != rx {
				t.Errorf("%q end at %v: pen at %v ends at %v, want %v", s, x, got, got+w, rx)
			}
			if got := c.start(s, x, 13, alignCenter); got+w/2 != rx || got != rx-w/2 {
				t.Errorf("%q centre at %v: pen at %v centred on %v, want %v", s, x, got, got+w/2, rx)
			}
		}
	}
}

// After a Latin letter the ellipsis is the font's Latin one, on the
// baseline and narrower; alone or after Chinese it stays the centred
// full-width CJK one, as a shaper would draw them.
func TestGlyphLatinForms(t *testing.T) {
	c := testGlyphCache(t)
	f := c.face(20)
	g := c.glyph(f, '…')
	if g.latin == g.id || g.latin == 0 {
		t.Fatalf("the ellipsis (glyph %d) has no Latin form (%d): %d Latin forms read from GSUB", g.id, g.latin, len(c.latin))
	}
	if g.adv != fixed.I(20) || g.latAdv <= 0 || g.latAdv == g.adv {
		t.Errorf("the ellipsis is %v wide, its Latin form %v: want a full em and another width", g.adv, g.latAdv)
	}
	for _, tc := range []struct {
		s     string
		latin bool
	}{
		{"three…", true}, {"… more", true}, {"simulating… 5%", true}, {"a … b", true},
		{"…", false}, {"模拟中…", false}, {"模拟中… 5%", false}, {"1…2", false},
	} {
		var ids []sfnt.GlyphIndex
		c.layout(tc.s, f, func(id sfnt.GlyphIndex, _ fixed.Int26_6) { ids = append(ids, id) })
		want := g.id
		if tc.latin {
			want = g.latin
		}
		if !slices.Contains(ids, want) {
			t.Errorf("%q is glyphs %v, want the ellipsis as %d", tc.s, ids, want)
		}
	}
	// What ebiten's text/v2 (go-text's HarfBuzz) measured at 20 px.
	if w := c.width("three…", 20); math.Abs(w-70.58) > 0.05 {
		t.Errorf("three… is %v wide, want 70.58", w)
	}
}

// TestWrapKeepsPunctuationOffLineStarts: a Chinese line never begins
// with a comma or a full stop; the character before it moves down too.
func TestWrapKeepsPunctuationOffLineStarts(t *testing.T) {
	m := func(s string, size float64) float64 { return float64(len([]rune(s))) * size }
	lines := wrapM(m, "尾部丢包探测计时器到时，拥塞窗口保持不变。", 1, 11)
	if len(lines) != 2 || lines[0] != "尾部丢包探测计时器到" || lines[1] != "时，拥塞窗口保持不变。" {
		t.Fatalf("lines %q", lines)
	}
	// English still breaks at spaces.
	if got := wrapM(m, "abc def ghi", 1, 8); len(got) != 2 || got[0] != "abc def" || got[1] != "ghi" {
		t.Fatalf("english %q", got)
	}
}
