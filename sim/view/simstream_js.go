//go:build js

package view

import (
	"socketlab/sim"
	"socketlab/sim/trace"
)

// openSim runs sc in slices between frames: a browser tab has one thread
// for the page, so each Take simulates only as much as the App is about
// to take, and the page keeps answering during a long re-run.
func openSim(sc *sim.Scenario) (Stream, error) {
	r, err := newSimRun(sc, maxBuffered, func(f *trace.Feed) trace.Sink { return f })
	if err != nil {
		return nil, err
	}
	return &slicedSim{simRun: r}, nil
}

// maxBuffered only guards against a runaway: the run produces no more
// than the App is about to take plus one slice.
const maxBuffered = 1 << 24

type slicedSim struct {
	*simRun
	done bool
}

// advance simulates one slice unless the run is complete or enough is
// already waiting.
func (s *slicedSim) advance(want int) {
	if !s.done && s.feed.Len() < want {
		if s.done = s.step(simSlice); s.done {
			s.feed.End(nil)
		}
	}
}

func (s *slicedSim) Take(dst []trace.Event, max int) ([]trace.Event, bool, error) {
	s.advance(max)
	return s.feed.Take(dst, max)
}
func (s *slicedSim) Wait()  { s.advance(1) }
func (s *slicedSim) Close() { s.feed.Close() }
