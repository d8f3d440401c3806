package trace_test

import (
	"slices"
	"testing"
	"time"

	"socketlab/sim/trace"
)

func ats(evs []trace.Event) []time.Duration {
	var out []time.Duration
	for _, e := range evs {
		out = append(out, e.At)
	}
	return out
}

func TestReorderer(t *testing.T) {
	ev := func(at int, n int) trace.Event { return trace.Event{At: time.Duration(at), N: n} }
	r := trace.Reorderer{Hold: 2}
	r.Push([]trace.Event{ev(10, 0), ev(30, 0)}) // round 1
	if got := r.Pop(nil, 100, false); len(got) != 0 {
		t.Fatalf("round 1 released %v", ats(got))
	}
	r.Push([]trace.Event{ev(20, 0), ev(30, 1)}) // round 2: a latecomer stamped 20
	if got := r.Pop(nil, 100, false); len(got) != 0 {
		t.Fatalf("round 2 released %v", ats(got))
	}
	r.Push(nil) // round 3: round 1's events are due, but 20 (round 2) holds 30 back
	if got := r.Pop(nil, 100, false); !slices.Equal(ats(got), []time.Duration{10}) {
		t.Fatalf("round 3 released %v, want [10]", ats(got))
	}
	r.Push(nil) // round 4
	got := r.Pop(nil, 1, false)
	if !slices.Equal(ats(got), []time.Duration{20}) || r.Len() != 2 {
		t.Fatalf("round 4 with max 1 released %v, %d held", ats(got), r.Len())
	}
	got = r.Pop(nil, 100, false)
	// Equal times keep their arrival order.
	if len(got) != 2 || got[0].At != 30 || got[0].N != 0 || got[1].N != 1 {
		t.Fatalf("round 4 released %+v", got)
	}
	r.Push([]trace.Event{ev(40, 0)})
	if got := r.Pop(nil, 100, true); !slices.Equal(ats(got), []time.Duration{40}) {
		t.Fatalf("all released %v", ats(got))
	}
	var zero trace.Reorderer // holds nothing back
	zero.Push([]trace.Event{ev(2, 0), ev(1, 0)})
	if got := zero.Pop(nil, 100, false); !slices.Equal(ats(got), []time.Duration{1, 2}) {
		t.Fatalf("zero value released %v", ats(got))
	}
}
