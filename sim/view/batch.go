package view

import (
	"image"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"
)

// batch collects solid-colour triangles and draws them with as few
// DrawTriangles calls as ebiten allows (65,535 vertices each). Its slices
// are reused frame after frame, so drawing thousands of packets allocates
// nothing in steady state.
type batch struct {
	v     []ebiten.Vertex
	i     []uint16
	white *ebiten.Image
	opt   ebiten.DrawTrianglesOptions
}

func newBatch() *batch {
	img := ebiten.NewImage(3, 3)
	img.Fill(color.White)
	// The centre texel of a white 3×3 image: sampling never bleeds into a
	// neighbour of the atlas.
	return &batch{white: img.SubImage(image.Rect(1, 1, 2, 2)).(*ebiten.Image), opt: ebiten.DrawTrianglesOptions{AntiAlias: false}}
}

func rgba(c color.RGBA) (r, g, b, a float32) {
	return float32(c.R) / 255, float32(c.G) / 255, float32(c.B) / 255, float32(c.A) / 255
}

func (b *batch) room(dst *ebiten.Image, nv int) {
	if len(b.v)+nv > math.MaxUint16 {
		b.flush(dst)
	}
}

func (b *batch) vert(x, y float64, c color.RGBA) {
	r, g, bl, a := rgba(c)
	// Vertex colours are premultiplied alpha.
	b.v = append(b.v, ebiten.Vertex{DstX: float32(x), DstY: float32(y), SrcX: 1.5, SrcY: 1.5, ColorR: r * a, ColorG: g * a, ColorB: bl * a, ColorA: a})
}

// quad adds the quadrilateral p0 p1 p2 p3 (in order around it).
func (b *batch) quad(dst *ebiten.Image, x0, y0, x1, y1, x2, y2, x3, y3 float64, c color.RGBA) {
	b.room(dst, 4)
	n := uint16(len(b.v))
	b.vert(x0, y0, c)
	b.vert(x1, y1, c)
	b.vert(x2, y2, c)
	b.vert(x3, y3, c)
	b.i = append(b.i, n, n+1, n+2, n, n+2, n+3)
}

func (b *batch) rect(dst *ebiten.Image, x, y, w, h float64, c color.RGBA) {
	b.quad(dst, x, y, x+w, y, x+w, y+h, x, y+h, c)
}

func (b *batch) frame(dst *ebiten.Image, x, y, w, h, lw float64, c color.RGBA) {
	b.rect(dst, x, y, w, lw, c)
	b.rect(dst, x, y+h-lw, w, lw, c)
	b.rect(dst, x, y, lw, h, c)
	b.rect(dst, x+w-lw, y, lw, h, c)
}

func (b *batch) line(dst *ebiten.Image, x0, y0, x1, y1, w float64, c color.RGBA) {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	nx, ny := -dy/l*w/2, dx/l*w/2
	b.quad(dst, x0+nx, y0+ny, x1+nx, y1+ny, x1-nx, y1-ny, x0-nx, y0-ny, c)
}

// dashed draws a dashed line: the ghost of a previous branch.
func (b *batch) dashed(dst *ebiten.Image, x0, y0, x1, y1, w, dash float64, c color.RGBA) {
	l := math.Hypot(x1-x0, y1-y0)
	if l == 0 {
		return
	}
	for s := 0.0; s < l; s += 2 * dash {
		e := min(s+dash, l)
		b.line(dst, x0+(x1-x0)*s/l, y0+(y1-y0)*s/l, x0+(x1-x0)*e/l, y0+(y1-y0)*e/l, w, c)
	}
}

const circleSegs = 20

func (b *batch) circle(dst *ebiten.Image, cx, cy, r float64, c color.RGBA) {
	b.room(dst, circleSegs+1)
	n := uint16(len(b.v))
	b.vert(cx, cy, c)
	for k := 0; k < circleSegs; k++ {
		a := 2 * math.Pi * float64(k) / circleSegs
		b.vert(cx+r*math.Cos(a), cy+r*math.Sin(a), c)
	}
	for k := uint16(0); k < circleSegs; k++ {
		b.i = append(b.i, n, n+1+k, n+1+(k+1)%circleSegs)
	}
}

func (b *batch) ring(dst *ebiten.Image, cx, cy, r, w float64, c color.RGBA) {
	b.room(dst, 2*circleSegs)
	n := uint16(len(b.v))
	for k := 0; k < circleSegs; k++ {
		a := 2 * math.Pi * float64(k) / circleSegs
		cs, sn := math.Cos(a), math.Sin(a)
		b.vert(cx+(r-w/2)*cs, cy+(r-w/2)*sn, c)
		b.vert(cx+(r+w/2)*cs, cy+(r+w/2)*sn, c)
	}
	for k := uint16(0); k < circleSegs; k++ {
		i0, i1 := n+2*k, n+2*((k+1)%circleSegs)
		b.i = append(b.i, i0, i0+1, i1+1, i0, i1+1, i1)
	}
}

// cross draws ✕: the shape of a drop, so a loss never rests on colour.
func (b *batch) cross(dst *ebiten.Image, cx, cy, s, w float64, c color.RGBA) {
	b.line(dst, cx-s, cy-s, cx+s, cy+s, w, c)
	b.line(dst, cx-s, cy+s, cx+s, cy-s, w, c)
}

// arrow draws a line with a filled head at (x1, y1) when head is set.
func (b *batch) arrow(dst *ebiten.Image, x0, y0, x1, y1, w float64, head bool, c color.RGBA) {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	hl := min(4*w+6, l)
	if !head {
		b.line(dst, x0, y0, x1, y1, w, c)
		return
	}
	ux, uy := dx/l, dy/l
	bx, by := x1-ux*hl, y1-uy*hl
	b.line(dst, x0, y0, bx, by, w, c)
	hw := hl * 0.45
	b.room(dst, 3)
	n := uint16(len(b.v))
	b.vert(x1, y1, c)
	b.vert(bx-uy*hw, by+ux*hw, c)
	b.vert(bx+uy*hw, by-ux*hw, c)
	b.i = append(b.i, n, n+1, n+2)
}

func (b *batch) flush(dst *ebiten.Image) {
	if len(b.i) > 0 {
		dst.DrawTriangles(b.v, b.i, b.white, &b.opt)
	}
	b.v, b.i = b.v[:0], b.i[:0]
}
