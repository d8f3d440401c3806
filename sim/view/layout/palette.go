package layout

import (
	"image/color"

	"socketlab/sim/trace"
)

// Okabe–Ito colours (Okabe & Ito 2008, "Color Universal Design"): eight
// hues that stay distinct for the common forms of colour blindness. The
// views never let colour carry meaning alone: flags are labelled, a drop is
// a ✕ shape with its reason, a duplicate carries a "DUP" badge.
var (
	OIBlack         = color.RGBA{0x00, 0x00, 0x00, 0xff}
	OIOrange        = color.RGBA{0xe6, 0x9f, 0x00, 0xff}
	OISkyBlue       = color.RGBA{0x56, 0xb4, 0xe9, 0xff}
	OIBluishGreen   = color.RGBA{0x00, 0x9e, 0x73, 0xff}
	OIYellow        = color.RGBA{0xf0, 0xe4, 0x42, 0xff}
	OIBlue          = color.RGBA{0x00, 0x72, 0xb2, 0xff}
	OIVermillion    = color.RGBA{0xd5, 0x5e, 0x00, 0xff}
	OIReddishPurple = color.RGBA{0xcc, 0x79, 0xa7, 0xff}
)

// Theme is a complete set of colours and sizes for one display situation.
type Theme struct {
	Name                    string
	Bg, Panel, Fg, Dim      color.RGBA
	Grid, Link, Cursor, Sel color.RGBA
	Control, Data, Ack, UDP color.RGBA // packet classes
	Drop, Dup, Ghost        color.RGBA
	Line                    float64 // base stroke width in pixels
	Text, Small             float64 // font sizes in pixels
}

// Screen is the default theme: dark background for a monitor.
var Screen = Theme{
	Name: "screen",
	Bg:   color.RGBA{0x16, 0x18, 0x1d, 0xff}, Panel: color.RGBA{0x22, 0x25, 0x2c, 0xff},
	Fg: color.RGBA{0xee, 0xee, 0xee, 0xff}, Dim: color.RGBA{0x9a, 0x9f, 0xa8, 0xff},
	Grid: color.RGBA{0x3a, 0x3e, 0x47, 0xff}, Link: color.RGBA{0x80, 0x86, 0x90, 0xff},
	Cursor: OIYellow, Sel: OIYellow,
	Control: OIOrange, Data: OISkyBlue, Ack: OIBluishGreen, UDP: OIReddishPurple,
	Drop: OIVermillion, Dup: OIReddishPurple, Ghost: color.RGBA{0x70, 0x70, 0x70, 0x90},
	Line: 1.5, Text: 15, Small: 13,
}

// Projector is the classroom theme: white background, black type, thick
// lines, large text; the hues are the darker Okabe–Ito ones that survive a
// washed-out beamer.
var Projector = Theme{
	Name: "projector",
	Bg:   color.RGBA{0xff, 0xff, 0xff, 0xff}, Panel: color.RGBA{0xf0, 0xf0, 0xf0, 0xff},
	Fg: OIBlack, Dim: color.RGBA{0x40, 0x40, 0x40, 0xff},
	Grid: color.RGBA{0xc8, 0xc8, 0xc8, 0xff}, Link: color.RGBA{0x30, 0x30, 0x30, 0xff},
	Cursor: OIVermillion, Sel: OIOrange,
	Control: OIOrange, Data: OIBlue, Ack: OIBluishGreen, UDP: OIReddishPurple,
	Drop: OIVermillion, Dup: OIReddishPurple, Ghost: color.RGBA{0xa0, 0xa0, 0xa0, 0xa0},
	Line: 3.5, Text: 22, Small: 18,
}

// HighContrast is the theme for a bright room or weak eyes: black
// background, white type, the full-strength Okabe–Ito hues, thicker lines
// and larger type than Screen.
var HighContrast = Theme{
	Name: "high contrast",
	Bg:   OIBlack, Panel: color.RGBA{0x0c, 0x0c, 0x0c, 0xff},
	Fg: color.RGBA{0xff, 0xff, 0xff, 0xff}, Dim: color.RGBA{0xd8, 0xd8, 0xd8, 0xff},
	Grid: color.RGBA{0x70, 0x70, 0x70, 0xff}, Link: color.RGBA{0xe0, 0xe0, 0xe0, 0xff},
	Cursor: OIYellow, Sel: OIYellow,
	Control: OIOrange, Data: OISkyBlue, Ack: OIBluishGreen, UDP: OIReddishPurple,
	Drop: OIVermillion, Dup: OIReddishPurple, Ghost: color.RGBA{0x90, 0x90, 0x90, 0xc0},
	Line: 2.5, Text: 16, Small: 14,
}

// Themes are the themes V cycles through, in order.
var Themes = []*Theme{&Screen, &HighContrast, &Projector}

// PacketColor returns the colour class of a packet: control segments (SYN,
// FIN, RST), data, pure ACKs, UDP and other datagrams.
func (th *Theme) PacketColor(p *trace.Packet) color.RGBA {
	switch {
	case p.Proto != trace.ProtoTCP:
		return th.UDP
	case p.Flags&(trace.FlagSYN|trace.FlagFIN|trace.FlagRST) != 0:
		return th.Control
	case p.Len() > 0:
		return th.Data
	}
	return th.Ack
}
