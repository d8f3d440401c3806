package view

import (
	"math"
	"testing"
)

// The hex dump's face is monospaced: every printable ASCII character has
// the same advance, so bytes and digits line up in columns; and it is a
// different face from the text's, whose "i" and "W" differ.
func TestMonoFaceIsMonospaced(t *testing.T) {
	f, err := loadMonoFont()
	if err != nil {
		t.Fatal(err)
	}
	m, err := newGlyphCache(f)
	if err != nil {
		t.Fatal(err)
	}
	const size = 14
	one := m.width("0", size)
	if one <= 0 {
		t.Fatalf("width of 0: %v", one)
	}
	for c := rune(0x20); c < 0x7f; c++ {
		if w := m.width(string(c), size); math.Abs(w-one) > 1e-9 {
			t.Errorf("%q is %.3f wide, 0 is %.3f", c, w, one)
		}
	}
	if w := m.width("48 65 6c 6c 6f", size); math.Abs(w-14*one) > 1e-9 {
		t.Errorf("a hex row of 14 characters is %.3f wide, want %.3f", w, 14*one)
	}
	tf, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	g, err := newGlyphCache(tf)
	if err != nil {
		t.Fatal(err)
	}
	if g.width("i", size) == g.width("W", size) {
		t.Error("the text face is monospaced too: the test cannot tell them apart")
	}
}
