package layout_test

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/bench"
	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
)

// long60s is the congestion preset stretched to a minute: three bulk
// senders sharing a 1 Mbit/s bottleneck for 60 s of virtual time.
func long60s(tb testing.TB) *trace.Trace {
	tb.Helper()
	sc, err := sim.LoadPreset("congestion")
	if err != nil {
		tb.Fatal(err)
	}
	sc.Duration = sim.Duration(60 * time.Second)
	for i := range sc.Programs {
		if sc.Programs[i].Bytes > 0 {
			sc.Programs[i].Bytes = 2_500_000 // 3 × 2.5 MB at 1 Mbit/s ≈ 60 s
		}
	}
	tr, err := sim.Run(sc)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// BenchmarkStepBackAnywhere60s jumps to a random instant of a 60-second
// run, steps back one event and takes the snapshot the views draw: the
// cost of "step back to any instant" (the goal is well under 100 ms).
func BenchmarkStepBackAnywhere60s(b *testing.B) {
	tr := long60s(b)
	m := layout.NewModel(tr)
	b.Logf("%d events, %d flights, end %v", len(tr.Events), len(m.Flights), m.End)
	r := rand.New(rand.NewPCG(1, 2))
	var s layout.Snapshot
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c := m.At(time.Duration(r.Int64N(int64(m.End))))
		m.Take(&s, m.Prev(c))
	}
}

// BenchmarkIndex60s is the one-time cost of indexing a 60-second run
// (after a re-simulation: a what-if, a slider, a new seed).
func BenchmarkIndex60s(b *testing.B) {
	tr := long60s(b)
	b.ResetTimer()
	for range b.N {
		layout.NewModel(tr)
	}
}

// Stepping back from every 997th event of the 60-second run and forward
// again lands on the same snapshot.
func TestStepBackLongRun(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 60 s of traffic")
	}
	tr := long60s(t)
	m := layout.NewModel(tr)
	if m.End < 50*time.Second {
		t.Fatalf("the long run ends at %v", m.End)
	}
	var a, b layout.Snapshot
	for n := 1; n < len(tr.Events); n += 997 {
		c := layout.Cursor{T: tr.Events[n-1].At, N: n}
		m.Take(&a, c)
		back := m.Prev(c)
		if m.Next(back) != c {
			t.Fatalf("Next(Prev(%+v)) = %+v", c, m.Next(back))
		}
		m.Take(&b, m.Next(back))
		if len(a.Flights) != len(b.Flights) || a.Cursor != b.Cursor {
			t.Fatalf("snapshots differ at %+v", c)
		}
	}
}

// BenchmarkAppend60s streams the 60-second run into a Model the way a
// live source does, one event per Append, and reports events per second
// (the goal is at least 1 M/s).
func BenchmarkAppend60s(b *testing.B) { benchAppend(b, 1) }

// BenchmarkAppendBatch60s appends the same run in batches of 1,000 events,
// what the playground hands over per frame when a source is fast.
func BenchmarkAppendBatch60s(b *testing.B) { benchAppend(b, 1000) }

func benchAppend(b *testing.B, batch int) {
	tr := long60s(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m := layout.NewStream(tr.Header)
		for k := 0; k < len(tr.Events); k += batch {
			m.Append(tr.Events[k:min(k+batch, len(tr.Events))]...)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(tr.Events))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

// bulkModel streams scenario (A) of the ns-3 side-by-side benchmark — one
// bulk flow over 100 Mbit/s, 10 ms, a 100-packet DropTail queue — for d of
// virtual time into a Model, 1,000 events per Append as the playground
// hands them over, keeping no trace beside it. It returns the model and
// the heap it holds.
func bulkModel(tb testing.TB, d time.Duration) (*layout.Model, uint64) {
	tb.Helper()
	sc := bench.Bulk()
	sc.Duration = sim.Duration(d)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var m *layout.Model
	batch := make([]trace.Event, 0, 1000)
	s, err := sim.New(sc, trace.SinkFunc(func(e *trace.Event) {
		if batch = append(batch, *e); len(batch) == cap(batch) {
			m.Append(batch...)
			batch = batch[:0]
		}
	}))
	if err != nil {
		tb.Fatal(err)
	}
	m = layout.NewStream(s.Header())
	s.RunUntil(d)
	m.Append(batch...)
	s, batch = nil, nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	return m, after.HeapAlloc - before.HeapAlloc
}

// BenchmarkStepBackBulk60s is the playground's step back on a large
// store: scenario (A) for 60 s (about 3.4 million events), the cursor
// put at a random instant, stepped back one event, and what a frame then
// reads of the events — the snapshot, the ladder's arrows and labels, the
// event list around the cursor — each time from a cold place in the run
// (the goal is at most 16 ms). It reports the memory the model holds.
func BenchmarkStepBackBulk60s(b *testing.B) {
	m, heap := bulkModel(b, 60*time.Second)
	b.Logf("%d events, %d flights: the model holds %.0f MB", m.Len(), len(m.Flights), float64(heap)/1e6)
	r := rand.New(rand.NewPCG(1, 2))
	var s layout.Snapshot
	b.ResetTimer()
	for range b.N {
		c := m.Prev(m.At(time.Duration(r.Int64N(int64(m.End)))))
		m.Take(&s, c)
		p, _, _ := place(m, screens[0], c.T, -1)
		for _, a := range p.Arrows {
			m.FlightLabel(a.Flight)
		}
		for i := max(c.N-30, 0); i < min(c.N+10, m.Len()); i++ {
			m.EventText(i)
		}
	}
	b.ReportMetric(float64(heap)/1e6, "MB-model")
	b.ReportMetric(float64(heap)/float64(m.Len()), "B/event-model")
}
