package loadgen_test

import (
	"fmt"
	"time"

	"socketlab/core/loadgen"
)

// A Histogram keeps latencies in log-linear buckets: exact below 128 ns,
// within 1/64 above, and the extremes exactly.
func ExampleHistogram() {
	var h loadgen.Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	fmt.Println("count", h.Count())
	fmt.Println("p50  ", h.Quantile(0.50))
	fmt.Println("p99  ", h.Quantile(0.99))
	fmt.Println("max  ", h.Quantile(1))
	// Output:
	// count 1000
	// p50   503.807µs
	// p99   991.231µs
	// max   1ms
}
