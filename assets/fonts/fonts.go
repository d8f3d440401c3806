// Package fonts embeds the typeface the playground draws with: a subset of
// Noto Sans CJK SC (SIL Open Font License 1.1, see OFL.txt) holding printable
// ASCII and every other character the renderer and the captions use, so
// that Chinese captions render natively and in the browser.
//
// subset.sh regenerates the font and runes.txt; it is run by hand, never by
// tests.
package fonts

import _ "embed"

// Mono is the same family's monospaced face, Noto Sans Mono CJK SC, cut
// to printable ASCII: hex dumps and columns of numbers line up in it.
//
//go:embed NotoSansMonoCJKsc-subset.otf
var Mono []byte

// CJK is the OpenType (CFF) font file.
//
//go:embed NotoSansCJKsc-subset.otf
var CJK []byte

// Runes lists every character in CJK, in code-point order: what the subset
// was cut to.
//
//go:embed runes.txt
var Runes string
