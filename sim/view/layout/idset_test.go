package layout

import "testing"

// TestIDSet: packet IDs in bits up to idSetDense, in a map beyond.
func TestIDSet(t *testing.T) {
	var s idSet
	ids := []uint64{0, 1, 63, 64, 1000, idSetDense - 1, idSetDense, 1 << 40}
	for _, id := range ids {
		if s.has(id) {
			t.Fatalf("%d in an empty set", id)
		}
		s.add(id)
	}
	for _, id := range ids {
		if !s.has(id) {
			t.Fatalf("%d not in the set", id)
		}
	}
	for _, id := range []uint64{2, 62, 65, 999, idSetDense + 1, 1<<40 + 1} {
		if s.has(id) {
			t.Fatalf("%d in the set", id)
		}
	}
	if len(s.bits) != idSetDense/64 || len(s.far) != 2 {
		t.Fatalf("%d words, %d far IDs", len(s.bits), len(s.far))
	}
}
