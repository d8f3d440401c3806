package layout

import (
	"strconv"
	"time"
)

// NiceStep rounds v up to 1, 2 or 5 times a power of ten: the step of an
// axis whose ticks people read at a glance.
func NiceStep(v int64) int64 {
	if v <= 1 {
		return 1
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, k := range []int64{1, 2, 5, 10} {
		if k*p >= v {
			return k * p
		}
	}
	return 10 * p
}

// Tick is one labelled mark of an axis.
type Tick struct {
	V     int64 // a sequence number, or a time in nanoseconds
	Label string
}

// SeqAxis returns the time–sequence plot's vertical axis for sequence
// numbers up to max: about n ticks at a nice step from 0, and the top of
// the axis, the first tick at or above max — so the plot ends at 60000,
// labelled "60 000", not at 50002.
func SeqAxis(max int64, n int) (top int64, ticks []Tick) {
	step := NiceStep((max + int64(n) - 1) / int64(n))
	top = (max + step - 1) / step * step
	if top == 0 {
		top = step
	}
	for v := int64(0); v <= top; v += step {
		ticks = append(ticks, Tick{V: v, Label: groupDigits(v)})
	}
	return top, ticks
}

// TimeAxis returns about n ticks at a nice step between from and to, each
// labelled like the ladder's axis ("20 ms", "1.5 s").
func TimeAxis(from, to time.Duration, n int) []Tick {
	if to <= from || n < 1 {
		return nil
	}
	step := time.Duration(NiceStep(int64((to - from) / time.Duration(n))))
	var ticks []Tick
	for t := (from + step - 1) / step * step; t <= to; t += step {
		ticks = append(ticks, Tick{V: int64(t), Label: FormatShort(t)})
	}
	return ticks
}

// groupDigits writes v with a thin space between groups of three digits,
// the way both English and Chinese technical texts print long numbers.
func groupDigits(v int64) string {
	s := strconv.FormatInt(v, 10)
	if len(s) <= 4 {
		return s
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}
