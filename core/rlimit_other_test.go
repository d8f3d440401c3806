//go:build !unix

package core

import "testing"

// floodSize is how many connections the flood case opens.
func floodSize(t *testing.T) int { return 2000 }
