package netns

import (
	"errors"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fresh makes a namespace closed at the end of the test; without root
// the test is skipped, except in CI (CI=true runs as root), where it fails.
func fresh(t *testing.T) *NS {
	t.Helper()
	n, err := New("netns-test")
	if errors.Is(err, ErrNoPrivilege) || errors.Is(err, ErrUnsupported) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %v", err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}
