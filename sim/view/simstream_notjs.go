//go:build !js

package view

import (
	"socketlab/sim"
	"socketlab/sim/trace"
)

// openSim runs sc on a goroutine of its own, so that a long re-run (a
// what-if, a slider, a seed on a minute of traffic) never holds up a
// frame: the App takes what is ready each tick and draws a progress bar
// until the run is complete. The feed is bounded; the simulation waits
// while the App has not taken what it produced, and stops when the stream
// is closed.
func openSim(sc *sim.Scenario) (Stream, error) {
	r, err := newSimRun(sc, 8*simSlice, func(f *trace.Feed) trace.Sink { return waitingSink{f} })
	if err != nil {
		return nil, err
	}
	go func() {
		// WaitRoom(0) never blocks: it only asks whether the App still
		// wants the run.
		for r.feed.WaitRoom(0) {
			if r.step(simSlice) {
				r.feed.End(nil)
				return
			}
		}
	}()
	return &goSim{r}, nil
}

type goSim struct{ *simRun }

func (s *goSim) Take(dst []trace.Event, max int) ([]trace.Event, bool, error) {
	return s.feed.Take(dst, max)
}
func (s *goSim) Wait()  { s.feed.Wait() }
func (s *goSim) Close() { s.feed.Close() }

// waitingSink hands the simulator's events to the feed, waiting for room
// rather than losing one: a simulation can wait, a real connection cannot.
type waitingSink struct{ f *trace.Feed }

func (w waitingSink) Emit(e *trace.Event) {
	if w.f.WaitRoom(1) {
		w.f.Emit(e)
	}
}
