package capture

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"socketlab/sim/trace"
)

// TestMain fails the package if any test leaves a goroutine behind: a
// capture's reader must be gone when Close returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// inCI reports whether the tests run in CI, where a missing privilege or
// tool is a failure rather than a reason to skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// startOrSkip starts a capture, skipping the test without the privilege
// outside CI and failing it in CI (which runs as root). The capture is
// closed at the end of the test.
func startOrSkip(t testing.TB, cfg Config) *Capture {
	t.Helper()
	c, err := Start(context.Background(), cfg)
	if errors.Is(err, ErrNoPrivilege) {
		if inCI() {
			t.Fatalf("CI=true but %v", err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// recorder is a Sink safe for concurrent use that keeps every event.
type recorder struct {
	mu  sync.Mutex
	evs []trace.Event
}

func (r *recorder) Emit(e *trace.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, *e)
	r.mu.Unlock()
}

func (r *recorder) events() []trace.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

// waitFor polls until ok holds for the events so far, or fails the test
// after d.
func (r *recorder) waitFor(t testing.TB, d time.Duration, what string, ok func([]trace.Event) bool) []trace.Event {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		evs := r.events()
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			for _, e := range evs {
				t.Logf("%v %v %s→%s #%d %v %v→%v seq=%d ack=%d len=%d", e.At, e.Kind, e.Node, e.Peer, e.Packet.ID, e.Packet.Flags, e.Packet.Src, e.Packet.Dst, e.Packet.Seq, e.Packet.Ack, len(e.Packet.Payload))
			}
			t.Fatalf("after %v: still waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
