package view

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: a
// simulation running for a stream must stop when the stream is closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
