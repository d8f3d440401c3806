package view

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"unicode"

	"github.com/hajimehoshi/ebiten/v2"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"socketlab/assets/fonts"
)

// align says where x is on a line of text: at its start, its centre or its end.
type align int

const (
	alignStart align = iota
	alignCenter
	alignEnd
)

// atlasSize is the side of one glyph atlas: about 4,000 glyphs of 13 px.
const atlasSize = 1024

// subpixel is the number of horizontal positions, a pixel apart divided
// evenly, a glyph is rasterised at: a line's glyphs land on quarter pixels,
// evenly spaced, as ebiten's text did (it used eighths for small text).
// Vertically, as there, the baseline is on a whole pixel.
const subpixel = 4

// glyph is a rune's glyph at one size, and the glyph that replaces it
// after a Latin letter (the font's Latin localised form, see latinForms).
type glyph struct {
	id, latin   sfnt.GlyphIndex // 0 is .notdef: the font lacks the rune
	adv, latAdv fixed.Int26_6
	ctl         bool // a control character (a stray newline): no room, nothing drawn
}

// glyphKey is a glyph at one of the subpixel positions.
type glyphKey struct {
	id    sfnt.GlyphIndex
	phase int
}

// glyphImage is a glyph rasterised at one subpixel position.
type glyphImage struct {
	src  *ebiten.Image   // its atlas; nil when it has no ink (a space)
	r    image.Rectangle // where on src
	x, y float64         // its top-left from the pixel the pen is in, on the line's top
}

// glyphFace is the glyphs of one size.
type glyphFace struct {
	ppem   fixed.Int26_6 // the size in pixels (DPI 72)
	ascent fixed.Int26_6 // whole pixels: the baseline below the line's top
	glyphs map[rune]glyph
	images map[glyphKey]glyphImage
}

// glyphCache draws text from glyphs rasterised once per size, glyph and
// subpixel position and kept on a few atlas images, so that ebiten batches
// a line's glyphs (and all text drawn between two shapes) into one draw
// call. Not safe for concurrent use: each painter has its own.
type glyphCache struct {
	font    *sfnt.Font
	latin   map[sfnt.GlyphIndex]sfnt.GlyphIndex // see latinForms
	ascent  float64                             // in font units: the line's top is this far above the baseline
	upem    float64
	faces   map[float64]*glyphFace
	atlases []*ebiten.Image
	ax, ay  int    // the next free spot on the last atlas
	rowH    int    // the height of the atlas's current row
	pix     []byte // scratch: one glyph's pixels on their way to the atlas
	mask    image.Alpha
	rast    vector.Rasterizer
	buf     sfnt.Buffer
	v       []ebiten.Vertex // scratch: the quads of a line's glyphs
	i       []uint16
	op      ebiten.DrawTrianglesOptions
}

var (
	parsedFont  *sfnt.Font
	latinGlyphs map[sfnt.GlyphIndex]sfnt.GlyphIndex
	parsedMono  *sfnt.Font
)

// loadMonoFont parses the embedded monospaced face once.
func loadMonoFont() (*sfnt.Font, error) {
	if parsedMono != nil {
		return parsedMono, nil
	}
	f, err := opentype.Parse(fonts.Mono)
	if err != nil {
		return nil, fmt.Errorf("embedded monospaced font: %w", err)
	}
	parsedMono = f
	return f, nil
}

// loadFont parses the embedded font once.
func loadFont() (*sfnt.Font, error) {
	if parsedFont != nil {
		return parsedFont, nil
	}
	f, err := opentype.Parse(fonts.CJK)
	if err != nil {
		return nil, fmt.Errorf("embedded font: %w", err)
	}
	latinGlyphs = latinForms(fonts.CJK)
	parsedFont = f
	return f, nil
}

func newGlyphCache(f *sfnt.Font) (*glyphCache, error) {
	upem := f.UnitsPerEm()
	// At a ppem of one em the metrics come back in font units (26.6).
	m, err := f.Metrics(nil, fixed.Int26_6(upem)<<6, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("font metrics: %w", err)
	}
	var latin map[sfnt.GlyphIndex]sfnt.GlyphIndex
	if f == parsedFont { // the Latin forms are the CJK face's, by its glyph IDs
		latin = latinGlyphs
	}
	return &glyphCache{
		font:   f,
		latin:  latin,
		ascent: float64(m.Ascent) / 64,
		upem:   float64(upem),
		faces:  map[float64]*glyphFace{},
		op:     ebiten.DrawTrianglesOptions{ColorScaleMode: ebiten.ColorScaleModePremultipliedAlpha},
	}, nil
}

// face returns the glyphs of size pixels.
func (c *glyphCache) face(size float64) *glyphFace {
	f, ok := c.faces[size]
	if ok {
		return f
	}
	f = &glyphFace{
		ppem:   fixed.Int26_6(0.5 + size*64), // as opentype.NewFace rounds it
		ascent: fixed.I(int(c.ascent * size / c.upem)),
		glyphs: map[rune]glyph{},
		images: map[glyphKey]glyphImage{},
	}
	c.faces[size] = f
	return f
}

// glyph returns r's glyphs at f's size.
func (c *glyphCache) glyph(f *glyphFace, r rune) glyph {
	if g, ok := f.glyphs[r]; ok {
		return g
	}
	g := glyph{ctl: r < ' ' || r == 0x7f}
	if !g.ctl {
		g.id, _ = c.font.GlyphIndex(&c.buf, r)
		g.adv, _ = c.font.GlyphAdvance(&c.buf, g.id, f.ppem, font.HintingNone)
		g.latin, g.latAdv = g.id, g.adv
		if l, ok := c.latin[g.id]; ok {
			g.latin = l
			g.latAdv, _ = c.font.GlyphAdvance(&c.buf, l, f.ppem, font.HintingNone)
		}
	}
	f.glyphs[r] = g
	return g
}

// image returns glyph id at f's size with its origin phase/subpixel of a
// pixel right of a pixel's left edge, rasterising it onto an atlas the
// first time.
func (c *glyphCache) image(f *glyphFace, id sfnt.GlyphIndex, phase int) glyphImage {
	k := glyphKey{id, phase}
	if g, ok := f.images[k]; ok {
		return g
	}
	var g glyphImage
	// The dot on the baseline, the line's top at y = 0.
	dot := fixed.Point26_6{X: fixed.Int26_6(phase * 64 / subpixel), Y: f.ascent}
	if dr, ok := c.rasterise(f, id, dot); ok {
		g = glyphImage{x: float64(dr.Min.X), y: float64(dr.Min.Y)}
		g.src, g.r = c.put(&c.mask)
	}
	f.images[k] = g
	return g
}

// rasterise draws glyph id's outline with its origin at dot into c.mask,
// which covers dr, as opentype's Face.Glyph does for a rune.
func (c *glyphCache) rasterise(f *glyphFace, id sfnt.GlyphIndex, dot fixed.Point26_6) (dr image.Rectangle, ok bool) {
	segs, err := c.font.LoadGlyph(&c.buf, id, f.ppem, nil)
	if err != nil {
		return dr, false
	}
	b := segs.Bounds().Add(dot)
	dr = image.Rect(b.Min.X.Floor(), b.Min.Y.Floor(), b.Max.X.Ceil(), b.Max.Y.Ceil())
	w, h := dr.Dx(), dr.Dy()
	if w <= 0 || h <= 0 {
		return dr, false
	}
	bx := float32(dot.X-fixed.I(dr.Min.X)) / 64
	by := float32(dot.Y-fixed.I(dr.Min.Y)) / 64
	pt := func(p fixed.Point26_6) (float32, float32) { return float32(p.X)/64 + bx, float32(p.Y)/64 + by }
	c.rast.Reset(w, h)
	c.rast.DrawOp = draw.Src
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			c.rast.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			c.rast.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			c.rast.QuadTo(x1, y1, x2, y2)
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x3, y3 := pt(s.Args[2])
			c.rast.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
	if cap(c.mask.Pix) < w*h {
		c.mask.Pix = make([]uint8, 2*w*h)
	}
	c.mask.Pix = c.mask.Pix[:w*h]
	c.mask.Stride = w
	c.mask.Rect = image.Rect(0, 0, w, h)
	c.rast.Draw(&c.mask, c.mask.Rect, image.Opaque, image.Point{})
	return dr, true
}

// put copies a glyph's coverage mask onto an atlas as white with the
// coverage as alpha, and returns the atlas and where on it. It returns no
// atlas for a glyph without ink.
func (c *glyphCache) put(mask *image.Alpha) (*ebiten.Image, image.Rectangle) {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	if w <= 0 || h <= 0 {
		return nil, image.Rectangle{}
	}
	n := 4 * w * h
	if cap(c.pix) < n {
		c.pix = make([]byte, n)
	}
	pix := c.pix[:n]
	ink := false
	for y := range h {
		for x := range w {
			a := mask.Pix[mask.PixOffset(mask.Rect.Min.X+x, mask.Rect.Min.Y+y)]
			i := 4 * (y*w + x)
			pix[i], pix[i+1], pix[i+2], pix[i+3] = a, a, a, a // premultiplied white
			ink = ink || a != 0
		}
	}
	if !ink {
		return nil, image.Rectangle{}
	}
	const pad = 1 // transparent pixels between glyphs: no bleeding when scaled
	if w+2*pad > atlasSize || h+2*pad > atlasSize {
		img := ebiten.NewImage(w, h) // a glyph bigger than an atlas has its own image
		img.WritePixels(pix)
		return img, img.Bounds()
	}
	if len(c.atlases) > 0 && c.ax+w+pad > atlasSize { // the row is full: start the next
		c.ax, c.ay, c.rowH = 0, c.ay+c.rowH, 0
	}
	if len(c.atlases) == 0 || c.ay+h+2*pad > atlasSize { // the atlas is full
		c.atlases = append(c.atlases, ebiten.NewImage(atlasSize, atlasSize))
		c.ax, c.ay, c.rowH = 0, 0, 0
	}
	x0, y0 := c.ax+pad, c.ay+pad
	c.ax = x0 + w
	c.rowH = max(c.rowH, h+pad)
	atlas, r := c.atlases[len(c.atlases)-1], image.Rect(x0, y0, x0+w, y0+h)
	atlas.SubImage(r).(*ebiten.Image).WritePixels(pix)
	return atlas, r
}

// kern is the adjustment of the advance between glyphs a and b, from the
// font's kerning (its GPOS table).
func (c *glyphCache) kern(f *glyphFace, a, b sfnt.GlyphIndex) fixed.Int26_6 {
	if a == 0 || b == 0 {
		return 0
	}
	k, err := c.font.Kern(&c.buf, a, b, f.ppem, font.HintingNone)
	if err != nil { // no kerning, or no pair
		return 0
	}
	return k
}

// layout calls fn with each glyph of s to draw at size pixels and its pen
// position from the start, kerning and Latin forms applied, and returns
// the advance of the whole line.
func (c *glyphCache) layout(s string, f *glyphFace, fn func(id sfnt.GlyphIndex, pen fixed.Int26_6)) fixed.Int26_6 {
	var pen fixed.Int26_6
	var prev sfnt.GlyphIndex
	script := 0 // of the last letter: 0 none yet, 1 Latin, 2 another
	for i, r := range s {
		g := c.glyph(f, r)
		if g.ctl {
			continue
		}
		if unicode.IsLetter(r) {
			script = 2
			if unicode.Is(unicode.Latin, r) {
				script = 1
			}
		}
		id, adv := g.id, g.adv
		if g.latin != g.id && (script == 1 || script == 0 && firstLetterLatin(s[i:])) {
			id, adv = g.latin, g.latAdv
		}
		pen += c.kern(f, prev, id)
		if fn != nil {
			fn(id, pen)
		}
		pen += adv
		prev = id
	}
	return pen
}

// firstLetterLatin reports whether the first letter in s is a Latin one.
func firstLetterLatin(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return unicode.Is(unicode.Latin, r)
		}
	}
	return false
}

// width is the advance of s at size pixels.
func (c *glyphCache) width(s string, size float64) float64 {
	return float64(c.layout(s, c.face(size), nil)) / 64
}

// start is where the pen starts for s drawn at size with x at its start,
// centre or end: x rounded to a whole pixel, less all or half the advance.
func (c *glyphCache) start(s string, x, size float64, al align) float64 {
	x = math.Round(x)
	switch al {
	case alignCenter:
		x -= c.width(s, size) / 2
	case alignEnd:
		x -= c.width(s, size)
	}
	return x
}

// draw paints s in colour col with the top of its line at y and x at its
// start, centre or end. Each glyph lands on the nearest subpixel position.
// The line's glyphs go to dst in one DrawTriangles call per atlas they
// are on (one, but for a line with glyphs new to a full atlas).
func (c *glyphCache) draw(dst *ebiten.Image, s string, x, y, size float64, col color.RGBA, al align) {
	if s == "" {
		return
	}
	f := c.face(size)
	x0 := c.start(s, x, size, al)
	y = math.Round(y)
	// color.RGBA is premultiplied, as the vertex colours are here.
	cr, cg, cb, ca := float32(col.R)/255, float32(col.G)/255, float32(col.B)/255, float32(col.A)/255
	var src *ebiten.Image
	c.layout(s, f, func(id sfnt.GlyphIndex, pen fixed.Int26_6) {
		q := math.Round((x0 + float64(pen)/64) * subpixel) // the pen in subpixels
		px := math.Floor(q / subpixel)
		gi := c.image(f, id, int(q-px*subpixel))
		if gi.src == nil {
			return
		}
		if gi.src != src || len(c.v)+4 > math.MaxUint16 {
			c.flush(dst, src)
			src = gi.src
		}
		dx, dy := float32(px+gi.x), float32(y+gi.y)
		w, h := float32(gi.r.Dx()), float32(gi.r.Dy())
		sx, sy := float32(gi.r.Min.X), float32(gi.r.Min.Y)
		n := uint16(len(c.v))
		c.v = append(c.v,
			ebiten.Vertex{DstX: dx, DstY: dy, SrcX: sx, SrcY: sy, ColorR: cr, ColorG: cg, ColorB: cb, ColorA: ca},
			ebiten.Vertex{DstX: dx + w, DstY: dy, SrcX: sx + w, SrcY: sy, ColorR: cr, ColorG: cg, ColorB: cb, ColorA: ca},
			ebiten.Vertex{DstX: dx + w, DstY: dy + h, SrcX: sx + w, SrcY: sy + h, ColorR: cr, ColorG: cg, ColorB: cb, ColorA: ca},
			ebiten.Vertex{DstX: dx, DstY: dy + h, SrcX: sx, SrcY: sy + h, ColorR: cr, ColorG: cg, ColorB: cb, ColorA: ca})
		c.i = append(c.i, n, n+1, n+2, n, n+2, n+3)
	})
	c.flush(dst, src)
}

// flush draws the glyph quads collected from src.
func (c *glyphCache) flush(dst, src *ebiten.Image) {
	if len(c.i) > 0 {
		dst.DrawTriangles(c.v, c.i, src, &c.op)
	}
	c.v, c.i = c.v[:0], c.i[:0]
}

// size is the number of glyph images cached, over all sizes.
func (c *glyphCache) size() int {
	n := 0
	for _, f := range c.faces {
		n += len(f.images)
	}
	return n
}

// latinForms reads the single substitutions of the OpenType font's 'locl'
// feature for Latin text (GSUB, script latn, default language) from its
// raw bytes. Noto Sans CJK's ellipsis, for one, is a centred CJK one: after
// Latin letters it has a Latin one on the baseline, which a shaper applies
// by default and sfnt, which does not shape, would not. The map is empty
// when the font has no such feature; a malformed table gives what was read
// before the fault.
func latinForms(b []byte) (m map[sfnt.GlyphIndex]sfnt.GlyphIndex) {
	m = map[sfnt.GlyphIndex]sfnt.GlyphIndex{}
	defer func() {
		if recover() != nil { // an offset out of range: a malformed table
			m = map[sfnt.GlyphIndex]sfnt.GlyphIndex{}
		}
	}()
	u16 := func(o int) int { return int(binary.BigEndian.Uint16(b[o:])) }
	u32 := func(o int) int { return int(binary.BigEndian.Uint32(b[o:])) }
	g := -1
	for i := range u16(4) { // the table directory
		if r := 12 + 16*i; string(b[r:r+4]) == "GSUB" {
			g = u32(r + 8)
		}
	}
	if g < 0 {
		return m
	}
	scripts, features, lookups := g+u16(g+4), g+u16(g+6), g+u16(g+8)
	ls := -1
	for i := range u16(scripts) {
		if r := scripts + 2 + 6*i; string(b[r:r+4]) == "latn" {
			if s := scripts + u16(r+4); u16(s) != 0 {
				ls = s + u16(s)
			}
		}
	}
	if ls < 0 {
		return m
	}
	for k := range u16(ls + 4) {
		fr := features + 2 + 6*u16(ls+6+2*k)
		if string(b[fr:fr+4]) != "locl" {
			continue
		}
		f := features + u16(fr+4)
		for j := range u16(f + 2) {
			l := lookups + u16(lookups+2+2*u16(f+4+2*j))
			for s := range u16(l + 4) {
				st, typ := l+u16(l+6+2*s), u16(l)
				if typ == 7 { // an extension: its subtable further on
					typ, st = u16(st+2), st+u32(st+4)
				}
				if typ != 1 { // only single substitutions
					continue
				}
				cov := st + u16(st+2)
				n := 0 // coverage index
				each := func(id int) {
					var out int
					if u16(st) == 1 {
						out = (id + u16(st+4)) & 0xffff // format 1: a delta
					} else {
						out = u16(st + 6 + 2*n) // format 2: a substitute per covered glyph
					}
					if _, ok := m[sfnt.GlyphIndex(id)]; !ok { // the first lookup's
						m[sfnt.GlyphIndex(id)] = sfnt.GlyphIndex(out)
					}
					n++
				}
				switch u16(cov) {
				case 1:
					for i := range u16(cov + 2) {
						each(u16(cov + 4 + 2*i))
					}
				case 2:
					for i := range u16(cov + 2) {
						r := cov + 4 + 6*i
						for id := u16(r); id <= u16(r+2); id++ {
							each(id)
						}
					}
				}
			}
		}
	}
	return m
}
