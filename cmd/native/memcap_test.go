package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// Caps that overlap keep the floor until the last is released, which puts
// back the limit there was before, whatever the order of release.
func TestMemoryCapRestoresTheLimit(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT decides the limit")
	}
	limit := func() int64 { return debug.SetMemoryLimit(-1) } // -1 reads it
	before := limit()
	a, b := capMemory(), capMemory()
	if got := limit(); got != memoryFloor {
		t.Fatalf("limit %d with two caps, want %d", got, memoryFloor)
	}
	a.release()
	a.release() // twice is once
	if got := limit(); got != memoryFloor {
		t.Fatalf("limit %d after the first release, want %d", got, memoryFloor)
	}
	b.adjust()
	if got := limit(); got < memoryFloor {
		t.Fatalf("adjust lowered the limit to %d", got)
	}
	b.release()
	if got := limit(); got != before {
		t.Fatalf("limit %d after the last release, want %d as before", got, before)
	}
}
