package core

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// server here must stop its handlers on Shutdown or Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
