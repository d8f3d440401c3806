//go:build race

package core

// raceEnabled: the race detector instruments allocations, so the
// allocation tests skip under -race and run in the plain test pass.
const raceEnabled = true
