package trace

import (
	"cmp"
	"slices"
)

// Reorderer puts the events of several sources back in time order.
// Sources on different goroutines — a program's socket calls, a packet
// capture, a gateway — hand their events over a little late and not in
// the order of their times: the capture reads a write's segment a few
// hundred microseconds after the write's own event was queued. Events
// pushed in one round are held for Hold rounds (a round is one Take of a
// consumer: a frame, a write batch) and released in the order of At;
// events with equal times keep the order they came in.
//
// The zero value holds nothing back. A Reorderer is not safe for
// concurrent use.
type Reorderer struct {
	Hold    int // rounds an event waits for earlier-stamped latecomers
	round   int
	pending []heldEvent
}

type heldEvent struct {
	e     Event
	round int
}

// Push adds the events that arrived this round and starts the next round.
func (r *Reorderer) Push(evs []Event) {
	r.round++
	for i := range evs {
		r.pending = append(r.pending, heldEvent{evs[i], r.round})
	}
	slices.SortStableFunc(r.pending, func(x, y heldEvent) int { return cmp.Compare(x.e.At, y.e.At) })
}

// Pop appends to dst, in time order, at most max of the events that have
// waited Hold rounds — every event when all is set (the sources ended) —
// and returns it. It stops at the first event still held, so that no
// event is released before an earlier one.
func (r *Reorderer) Pop(dst []Event, max int, all bool) []Event {
	n := 0
	for n < len(r.pending) && n < max && (all || r.pending[n].round <= r.round-r.Hold) {
		dst = append(dst, r.pending[n].e)
		n++
	}
	r.pending = r.pending[:copy(r.pending, r.pending[n:])]
	return dst
}

// Len returns how many events are held.
func (r *Reorderer) Len() int { return len(r.pending) }
