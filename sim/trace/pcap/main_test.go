package pcap_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The tshark tests start processes; their output copiers must be gone
// when the tests end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
