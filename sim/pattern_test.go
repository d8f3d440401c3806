package sim

import "testing"

// patternAt is the bulk pattern from stream offset at, n bytes, computed
// byte by byte.
func patternAt(at, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = patternByte(at + i)
	}
	return b
}

// TestPatternMismatch: the sink's check finds the first wrong byte
// exactly, also across the pattern's period, and finds a lost or
// repeated chunk.
func TestPatternMismatch(t *testing.T) {
	for _, at := range []int{0, 1448, patternPeriod - 10, 3*patternPeriod + 7} {
		data := patternAt(at, 5000)
		if got := patternMismatch(data, at); got != -1 {
			t.Fatalf("at %d: clean data reported wrong at %d", at, got)
		}
		for _, i := range []int{0, 9, 10, 11, 4999} {
			bad := append([]byte(nil), data...)
			bad[i] ^= 0x40
			if got := patternMismatch(bad, at); got != at+i {
				t.Fatalf("at %d: byte %d flipped, reported %d", at, i, got)
			}
		}
	}
	// A lost 1448-byte segment: what arrives at 1448 is what was sent at 2896.
	if got := patternMismatch(patternAt(2896, 1448), 1448); got != 1448 {
		t.Fatalf("a lost segment: reported %d, want 1448", got)
	}
	// The static pattern is the byte-by-byte one.
	pat := bulkPattern()
	for _, i := range []int{0, 1, 12345, patternPeriod - 1, patternPeriod, len(pat) - 1} {
		if pat[i] != patternByte(i) {
			t.Fatalf("bulkPattern()[%d] = %d, want %d", i, pat[i], patternByte(i))
		}
	}
	if patternByte(patternPeriod+5) != patternByte(5) || patternByte(5) == patternByte(6) && patternByte(6) == patternByte(7) {
		t.Fatal("the pattern's period is not patternPeriod")
	}
}
