package tcp

import "testing"

func TestSeqArithmetic(t *testing.T) {
	tests := []struct {
		a, b           Seq
		sub            int32
		less, lessEq   bool
		greater, gtrEq bool
	}{
		{0, 0, 0, false, true, false, true},
		{1, 2, -1, true, true, false, false},
		{2, 1, 1, false, false, true, true},
		{0xFFFFFFFF, 0, -1, true, true, false, false}, // across the wrap
		{0, 0xFFFFFFFF, 1, false, false, true, true},
		{0xFFFFFF00, 0x100, -0x200, true, true, false, false},
		{0x7FFFFFFF, 0, 0x7FFFFFFF, false, false, true, true},
		{0, 0x7FFFFFFF, -0x7FFFFFFF, true, true, false, false},
	}
	for _, tt := range tests {
		if got := tt.a.Sub(tt.b); got != tt.sub {
			t.Errorf("%#x.Sub(%#x) = %d, want %d", tt.a, tt.b, got, tt.sub)
		}
		if got := tt.a.LessThan(tt.b); got != tt.less {
			t.Errorf("%#x.LessThan(%#x) = %v", tt.a, tt.b, got)
		}
		if got := tt.a.LessEq(tt.b); got != tt.lessEq {
			t.Errorf("%#x.LessEq(%#x) = %v", tt.a, tt.b, got)
		}
		if got := tt.a.GreaterThan(tt.b); got != tt.greater {
			t.Errorf("%#x.GreaterThan(%#x) = %v", tt.a, tt.b, got)
		}
		if got := tt.a.GreaterEq(tt.b); got != tt.gtrEq {
			t.Errorf("%#x.GreaterEq(%#x) = %v", tt.a, tt.b, got)
		}
	}
	addTests := []struct {
		s    Seq
		n    int
		want Seq
	}{
		{0xFFFFFFFF, 1, 0},
		{0xFFFFFF00, 0x200, 0x100},
		{0, -1, 0xFFFFFFFF},
		{5, 0, 5},
	}
	for _, tt := range addTests {
		if got := tt.s.Add(tt.n); got != tt.want {
			t.Errorf("%#x.Add(%d) = %#x, want %#x", tt.s, tt.n, got, tt.want)
		}
	}
	winTests := []struct {
		s, start Seq
		size     uint32
		want     bool
	}{
		{0xFFFFFFF0, 0xFFFFFFF0, 1, true},
		{0xFFFFFFF0, 0xFFFFFFF0, 0, false}, // an empty window holds nothing
		{5, 0xFFFFFFF0, 0x20, true},        // wraps
		{0x10, 0xFFFFFFF0, 0x20, false},    // the right edge is excluded
		{0xFFFFFFEF, 0xFFFFFFF0, 0x20, false},
	}
	for _, tt := range winTests {
		if got := tt.s.InWindow(tt.start, tt.size); got != tt.want {
			t.Errorf("%#x.InWindow(%#x, %d) = %v, want %v", tt.s, tt.start, tt.size, got, tt.want)
		}
	}
	if !Seq(3).InRange(0xFFFFFFFE, 4) || Seq(4).InRange(0xFFFFFFFE, 4) || Seq(0xFFFFFFFD).InRange(0xFFFFFFFE, 4) {
		t.Error("InRange across the wrap is wrong")
	}
}

// FuzzSeq checks that the order is antisymmetric and transitive for numbers
// less than 2^31 apart, and that Add and Sub are inverses.
func FuzzSeq(f *testing.F) {
	f.Add(uint32(0), uint32(1), uint32(2))
	f.Add(uint32(0xFFFFFFFF), uint32(0), uint32(0x7FFFFFFE))
	f.Add(uint32(0x80000000), uint32(0), uint32(0x40000000))
	f.Add(uint32(0xFFFFFF00), uint32(0xFFFFFF00), uint32(0x100))
	f.Fuzz(func(t *testing.T, x, y, z uint32) {
		a, b, c := Seq(x), Seq(y), Seq(z)
		if a.Add(int(b.Sub(a))) != b {
			t.Fatalf("%#x + (%#x - %#x) != %#x", a, b, a, b)
		}
		if uint32(a-b) != 1<<31 { // exactly 2^31 apart the order is undefined
			if a.LessThan(b) == b.LessThan(a) && a != b {
				t.Fatalf("antisymmetry: %#x < %#x is %v both ways", a, b, a.LessThan(b))
			}
			if a.LessThan(b) != b.GreaterThan(a) || a.LessEq(b) != !a.GreaterThan(b) {
				t.Fatalf("inconsistent comparisons of %#x and %#x", a, b)
			}
		}
		if a == b && (a.LessThan(b) || !a.LessEq(b)) {
			t.Fatalf("reflexivity fails for %#x", a)
		}
		// Transitivity holds when all three lie within a half of the space.
		if a.LessThan(b) && b.LessThan(c) && uint32(c-a) < 1<<31 && !a.LessThan(c) {
			t.Fatalf("transitivity: %#x < %#x < %#x but not %#x < %#x", a, b, c, a, c)
		}
		if got := c.InWindow(a, uint32(b-a)); got != (uint32(c-a) < uint32(b-a)) || got != c.InRange(a, b) {
			t.Fatalf("InWindow/InRange disagree for %#x in [%#x, %#x)", c, a, b)
		}
	})
}
