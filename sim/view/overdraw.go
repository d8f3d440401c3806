package view

import (
	"image/color"
	"math"
)

// overdraw remembers, for one frame, the shapes already drawn, by their
// position rounded to the pixel: in a crowd — ten thousand packets in
// flight — most packets land exactly on top of others, and drawing each
// costs the GPU (a software one especially) while changing no pixel. A
// shape whose rounded corners and colour were drawn already is skipped.
// Only crowds use it (see crowdTopo and crowdLadder), so a readable scene
// is drawn exactly as before.
type overdraw struct {
	seen map[shapeKey]struct{}
}

type shapeKey struct {
	x0, y0, x1, y1 int32
	c              color.RGBA
	kind           uint8
}

// Kinds of shape, so that a packet and an arrow at the same place differ.
const (
	shapePacket uint8 = iota
	shapeArrow
	shapeArrowHead
)

// reset forgets the previous frame (keeping the map's memory).
func (o *overdraw) reset() {
	if o.seen == nil {
		o.seen = map[shapeKey]struct{}{}
	}
	clear(o.seen)
}

// first reports whether a shape of kind from (x0, y0) to (x1, y1) in c
// is new this frame, and remembers it.
func (o *overdraw) first(kind uint8, x0, y0, x1, y1 float64, c color.RGBA) bool {
	k := shapeKey{px(x0), px(y0), px(x1), px(y1), c, kind}
	if _, ok := o.seen[k]; ok {
		return false
	}
	o.seen[k] = struct{}{}
	return true
}

func px(v float64) int32 { return int32(math.Round(v)) }

// Above these counts a scene is a crowd: the topology's packets and the
// ladder's arrows are drawn once per pixel position.
const (
	crowdTopo   = 150
	crowdLadder = 400
)
