package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// Histogram counts durations in log-linear buckets, like HdrHistogram with
// two significant digits: exact below 128 ns, and above that every power
// of two is cut into 64 buckets, so a reported quantile is within 1/64
// (1.6 %) of the true value. Recording is a few instructions and never
// allocates; a Histogram is about 18 KiB. The zero value is empty and
// ready. A Histogram is not safe for concurrent use: give each worker its
// own and Merge them.
type Histogram struct {
	counts   [numBuckets]uint64
	n        uint64
	sum      time.Duration
	min, max time.Duration
}

const (
	subBits    = 6 // 64 buckets per power of two
	subCount   = 1 << subBits
	maxBits    = 40 // values up to 2^40 ns ≈ 18 min; longer ones are clamped
	numBuckets = (maxBits - subBits + 1) << subBits
	maxValue   = 1<<maxBits - 1
)

// bucket returns the index of v's bucket. Below 2·subCount the index is
// v itself; above, v is shifted right until it has subBits+1 bits, and
// the shift picks the block of buckets.
func bucket(v uint64) int {
	if v < 2*subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return shift<<subBits + int(v>>shift)
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < 2*subCount {
		return uint64(i), uint64(i)
	}
	shift := i>>subBits - 1
	m := uint64(i - shift<<subBits)
	lo = m << shift
	return lo, lo + 1<<shift - 1
}

// Record adds one duration. Negative durations count as 0.
func (h *Histogram) Record(d time.Duration) {
	d = max(d, 0)
	v := min(uint64(d), maxValue)
	h.counts[bucket(v)]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Min and Max return the exact extremes (0 when empty).
func (h *Histogram) Min() time.Duration { return h.min }

// Max returns the largest recorded duration.
func (h *Histogram) Max() time.Duration { return h.max }

// Mean returns the exact arithmetic mean (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the smallest value v such that at least a fraction q
// of the recorded durations are ≤ v, up to bucket precision: it reports
// the top of the bucket that holds the ⌈q·n⌉-th smallest value, clamped to
// the exact Min and Max (which it returns for the first and last rank). q is clamped to [0, 1]; Quantile(0.5) is the
// median, Quantile(0.99) the p99. An empty histogram returns 0.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if math.IsNaN(q) {
		q = 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	switch rank {
	case 1:
		return h.min // the extremes are known exactly
	case h.n:
		return h.max
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bucketRange(i)
			return min(max(time.Duration(hi), h.min), h.max)
		}
	}
	return h.max
}
