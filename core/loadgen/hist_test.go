package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketRangeCoversEveryValue(t *testing.T) {
	// Every value lies in its own bucket, buckets are contiguous and
	// ordered, and above 128 ns no bucket is wider than 1/64 of its start.
	prevHi := uint64(0)
	for i := range numBuckets {
		lo, hi := bucketRange(i)
		if i > 0 && lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if bucket(lo) != i || bucket(hi) != i {
			t.Fatalf("bucket %d = [%d,%d] but bucket(lo)=%d bucket(hi)=%d", i, lo, hi, bucket(lo), bucket(hi))
		}
		if lo >= 2*subCount && float64(hi-lo+1) > float64(lo)/subCount {
			t.Fatalf("bucket %d [%d,%d] is wider than 1/64 of its start", i, lo, hi)
		}
		prevHi = hi
	}
	if prevHi != maxValue {
		t.Fatalf("last bucket ends at %d, want %d", prevHi, uint64(maxValue))
	}
}

func TestQuantileExactBelow128ns(t *testing.T) {
	var h Histogram
	for v := 100; v >= 1; v-- { // order must not matter
		h.Record(time.Duration(v))
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.01, 1}, {0.5, 50}, {0.505, 51}, {0.99, 99}, {1, 100}, {-3, 1}, {7, 100}} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if h.Count() != 100 || h.Min() != 1 || h.Max() != 100 || h.Mean() != 50 { // 5050/100 = 50.5 → 50 ns
		t.Errorf("count %d min %v max %v mean %v", h.Count(), h.Min(), h.Max(), h.Mean())
	}
}

func TestQuantileWithinBucketPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	vals := make([]time.Duration, 10_000)
	for i := range vals {
		// log-uniform between 1 µs and 100 ms, like real latencies
		vals[i] = time.Duration(1000 * pow10(rng.Float64()*5))
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.1, 0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1] // the ⌈q·n⌉-th smallest
		got := h.Quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/subCount {
			t.Errorf("Quantile(%v) = %v, exact %v: off by more than 1/64", q, got, exact)
		}
	}
	if h.Quantile(1) != vals[len(vals)-1] || h.Quantile(0) != vals[0] {
		t.Errorf("extremes %v/%v, want exact %v/%v", h.Quantile(0), h.Quantile(1), vals[0], vals[len(vals)-1])
	}
}

func pow10(x float64) float64 {
	r := 1.0
	for x >= 1 {
		r *= 10
		x--
	}
	// 10^x for x in [0,1) by a few Taylor terms of e^(x ln 10) is close
	// enough for test data.
	y, term := 1.0, 1.0
	for k := 1; k < 20; k++ {
		term *= x * 2.302585092994046 / float64(k)
		y += term
	}
	return r * y
}

func TestHistogramMergeEmptyAndClamp(t *testing.T) {
	var empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 || empty.Count() != 0 {
		t.Error("empty histogram is not all zero")
	}
	var a, b Histogram
	a.Record(10 * time.Microsecond)
	a.Record(20 * time.Microsecond)
	b.Record(5 * time.Microsecond)
	b.Record(time.Hour) // beyond the range: counted in the last bucket, Max stays exact
	b.Record(-time.Second)
	a.Merge(&b)
	a.Merge(&empty)
	if a.Count() != 5 || a.Min() != 0 || a.Max() != time.Hour {
		t.Fatalf("merged count %d min %v max %v", a.Count(), a.Min(), a.Max())
	}
	if got := a.Quantile(0.6); got < 10*time.Microsecond || got > 10*time.Microsecond+10*time.Microsecond/subCount {
		t.Errorf("p60 = %v, want ≈10µs", got)
	}
	if got := a.Quantile(1); got != time.Hour {
		t.Errorf("p100 = %v, want 1h", got)
	}
	var c Histogram
	c.Merge(&a)
	if c.Count() != 5 || c.Min() != 0 || c.Quantile(0.6) != a.Quantile(0.6) {
		t.Error("merging into an empty histogram lost something")
	}
}

func FuzzHistogram(f *testing.F) {
	f.Add(uint64(0), uint64(127), uint64(128), 0.5)
	f.Add(uint64(1<<40), uint64(1<<63), uint64(12345), 0.99)
	f.Fuzz(func(t *testing.T, a, b, c uint64, q float64) {
		var h Histogram
		vals := []time.Duration{time.Duration(a >> 1), time.Duration(b >> 1), time.Duration(c >> 1)}
		for _, v := range vals {
			h.Record(v)
		}
		got := h.Quantile(q)
		if got < h.Min() || got > h.Max() {
			t.Fatalf("Quantile(%v) = %v outside [%v, %v]", q, got, h.Min(), h.Max())
		}
		if q2 := q + 0.3; q2 <= 1 && q >= 0 && h.Quantile(q2) < got {
			t.Fatalf("quantiles not monotonic: Q(%v)=%v > Q(%v)=%v", q, got, q2, h.Quantile(q2))
		}
	})
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	d := 137 * time.Microsecond
	for b.Loop() {
		h.Record(d)
		d += 7
	}
}
