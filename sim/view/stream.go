package view

import (
	"math"
	"sync/atomic"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// Stream is a run as its source delivers it: a header, then events as
// they happen, possibly without end (a live connection). A finished
// simulation is merely a stream that is already complete.
//
// The App calls Take once per tick from its own goroutine and never
// blocks on it; the producer may run on any goroutine. Close may be
// called at any time, also before the stream ended, and stops the
// producer.
type Stream interface {
	Header() trace.Header
	// Take appends to dst at most max of the events that arrived since the
	// last call, without waiting. ended reports that no more will come;
	// err then says why the run stopped early (nil for a complete run).
	Take(dst []trace.Event, max int) (evs []trace.Event, ended bool, err error)
	// Wait blocks until Take has something to return or the stream ended.
	Wait()
	// Live reports that the stream follows wall time and may never end:
	// the cursor then follows its live edge.
	Live() bool
	// Progress is how far a finite run has got, from 0 to 1.
	Progress() float64
	Close()
}

// TraceStream returns a finished trace as a Stream that is already
// complete.
func TraceStream(tr *trace.Trace) Stream { return &traceStream{tr: tr} }

type traceStream struct {
	tr   *trace.Trace
	next int
}

func (s *traceStream) Header() trace.Header { return s.tr.Header }
func (s *traceStream) Wait()                {}
func (s *traceStream) Live() bool           { return false }
func (s *traceStream) Close()               {}

func (s *traceStream) Progress() float64 {
	if len(s.tr.Events) == 0 {
		return 1
	}
	return float64(s.next) / float64(len(s.tr.Events))
}

func (s *traceStream) Take(dst []trace.Event, max int) ([]trace.Event, bool, error) {
	k := min(len(s.tr.Events)-s.next, max)
	dst = append(dst, s.tr.Events[s.next:s.next+k]...)
	s.next += k
	return dst, s.next == len(s.tr.Events), nil
}

// FeedStream returns a live stream of the events real sources emit to f
// (see trace.Feed): real connections, a packet capture, the gateway. The
// view takes what has arrived once per tick; Close closes f.
//
// Sources on different goroutines hand their events over a little out of
// order (a capture reads the segments of a write a few hundred
// microseconds after the write's own event), so the stream holds each
// event back for two ticks and releases them in the order of their times.
func FeedStream(h trace.Header, f *trace.Feed) Stream {
	return &feedStream{h: h, f: f, r: trace.Reorderer{Hold: feedHold}}
}

// feedHold is how many Take calls (ticks, 1/60 s each) an event waits for
// earlier-stamped events that arrive after it.
const feedHold = 2

type feedStream struct {
	h   trace.Header
	f   *trace.Feed
	r   trace.Reorderer
	buf []trace.Event
}

func (s *feedStream) Header() trace.Header { return s.h }
func (s *feedStream) Live() bool           { return true }
func (s *feedStream) Progress() float64    { return 0 }
func (s *feedStream) Close()               { s.f.Close() }

func (s *feedStream) Wait() {
	if s.r.Len() == 0 {
		s.f.Wait()
	}
}

func (s *feedStream) Take(dst []trace.Event, max int) ([]trace.Event, bool, error) {
	var ended bool
	var err error
	s.buf, ended, err = s.f.Take(s.buf[:0], max)
	s.r.Push(s.buf)
	clear(s.buf)
	dst = s.r.Pop(dst, max, ended)
	return dst, ended && s.r.Len() == 0, err
}

// simSlice is how many events a simulation runs on before it looks at
// the clock of the run and whether it is still wanted.
const simSlice = 4096

// simRun is a simulation run in slices: on a goroutine of its own where
// there are goroutines (simstream_notjs.go), between frames in a browser
// (simstream_js.go). Either way the frame never waits for a whole run.
type simRun struct {
	s     *sim.Sim
	until time.Duration
	hdr   trace.Header
	feed  *trace.Feed
	prog  atomic.Uint64 // math.Float64bits of the progress
}

// newSimRun prepares sc with a feed of the given limit; sink says how the
// simulator's events enter it.
func newSimRun(sc *sim.Scenario, limit int, sink func(*trace.Feed) trace.Sink) (*simRun, error) {
	r := &simRun{until: time.Duration(sc.Duration), feed: trace.NewFeed(limit)}
	s, err := sim.New(sc, sink(r.feed))
	if err != nil {
		return nil, err
	}
	r.s, r.hdr = s, s.Header()
	return r, nil
}

// step runs the simulation on by about n events and reports whether the
// run is complete.
func (r *simRun) step(n int) (done bool) {
	defer func() { r.prog.Store(math.Float64bits(r.progress())) }()
	for i := 0; i < n; i++ {
		at, ok := r.s.NextAt()
		if !ok || at > r.until {
			r.s.RunUntil(r.until)
			return true
		}
		r.s.Step()
	}
	return false
}

func (r *simRun) progress() float64 {
	if r.until <= 0 {
		return 1
	}
	return min(float64(r.s.Now())/float64(r.until), 1)
}

func (r *simRun) Header() trace.Header { return r.hdr }
func (r *simRun) Live() bool           { return false }
func (r *simRun) Progress() float64    { return math.Float64frombits(r.prog.Load()) }
