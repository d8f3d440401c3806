package layout

import (
	"fmt"
	"testing"
	"time"
)

func TestSeqAxis(t *testing.T) {
	for _, c := range []struct {
		max  int64
		top  int64
		want string
	}{
		{50002, 60000, "[{0 0} {20000 20 000} {40000 40 000} {60000 60 000}]"},
		{1, 1, "[{0 0} {1 1}]"},
		{0, 1, "[{0 0} {1 1}]"},
		{9000, 10000, "[{0 0} {2000 2000} {4000 4000} {6000 6000} {8000 8000} {10000 10 000}]"},
	} {
		top, ticks := SeqAxis(c.max, 5)
		if top != c.top || fmt.Sprint(ticks) != c.want {
			t.Errorf("SeqAxis(%d) = %d, %v; want %d, %s", c.max, top, ticks, c.top, c.want)
		}
		if top < c.max {
			t.Errorf("SeqAxis(%d): top %d below the data", c.max, top)
		}
	}
}

func TestTimeAxis(t *testing.T) {
	got := fmt.Sprint(TimeAxis(3*time.Millisecond, 41*time.Millisecond, 4))
	if want := "[{10000000 10 ms} {20000000 20 ms} {30000000 30 ms} {40000000 40 ms}]"; got != want {
		t.Errorf("TimeAxis = %s, want %s", got, want)
	}
	if ticks := TimeAxis(0, 1570*time.Millisecond, 6); ticks[len(ticks)-1].Label != "1.5 s" {
		t.Errorf("TimeAxis to 1.57 s: %v", ticks)
	}
}
