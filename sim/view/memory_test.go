package view

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/bench"
)

// BenchmarkOpenBulk10s opens 10 s of scenario (A) — one bulk flow over
// 100 Mbit/s, 10 ms, a 100-packet queue: 567,552 events — in the
// playground, as `socketlab play` opens a scenario file, and reports the
// heap the open playground holds and the highest heap seen while it
// opened (sampled every 10 ms).
func BenchmarkOpenBulk10s(b *testing.B) { benchmarkOpenBulk(b, 10*time.Second) }

// BenchmarkOpenBulk60s is BenchmarkOpenBulk10s for the whole 60 s of
// scenario (A), 3.4 million events: the run the 500 MB goal is for.
func BenchmarkOpenBulk60s(b *testing.B) { benchmarkOpenBulk(b, 60*time.Second) }

func benchmarkOpenBulk(b *testing.B, d time.Duration) {
	defer debug.SetGCPercent(debug.SetGCPercent(50)) // as socketlab play runs
	sc := bench.Bulk()
	sc.Duration = sim.Duration(d)
	doc, err := sc.Encode()
	if err != nil {
		b.Fatal(err)
	}
	var held, peak uint64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		done, sampled := make(chan struct{}), make(chan uint64)
		go func() {
			var m runtime.MemStats
			hi := uint64(0)
			for {
				runtime.ReadMemStats(&m)
				hi = max(hi, m.HeapAlloc)
				select {
				case <-done:
					sampled <- hi
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		a, err := New(Options{Source: SimSource{}, Request: Request{Doc: doc, DocName: "bulk.json"}})
		close(done)
		hi := <-sampled
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held, peak = after.HeapAlloc-before.HeapAlloc, hi-before.HeapAlloc
		runtime.KeepAlive(a)
	}
	b.ReportMetric(float64(held)/1e6, "MB-held")
	b.ReportMetric(float64(peak)/1e6, "MB-peak")
}

// TestTextCacheIsBounded: the event list's lines and the ladder's labels
// are kept for what was drawn lately, not one string per event of the run.
func TestTextCacheIsBounded(t *testing.T) {
	var c textCache
	made := 0
	mk := func(i int) func() string { return func() string { made++; return "line" } }
	for i := range 3 * textCacheSize {
		c.get(i, mk(i))
	}
	if len(c) > textCacheSize {
		t.Fatalf("%d texts kept, at most %d wanted", len(c), textCacheSize)
	}
	made = 0
	last := 3*textCacheSize - 1
	if c.get(last, mk(last)); made != 0 {
		t.Fatal("the latest text was made again")
	}
	c.forget(last)
	if c.get(last, mk(last)); made != 1 {
		t.Fatal("a forgotten text was not made again")
	}
}
