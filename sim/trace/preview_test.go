package trace_test

import (
	"strings"
	"testing"

	"socketlab/sim/trace"
)

// One preview rule for every source: the simulator, core's real sockets,
// the browser's bridge.
func TestPreview(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"hello", "hello"},
		{"hello\r\n", "hello\r\n"},
		{"a\x00b", ""},
		{"\x00\x01", ""},
		{"a\x7fb", ""},
		{strings.Repeat("a", 100), strings.Repeat("a", 64) + "…"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{strings.Repeat("é", 40), strings.Repeat("é", 32) + "…"}, // 80 bytes, cut at a character
		{"a" + strings.Repeat("é", 40), "a" + strings.Repeat("é", 31) + "…"},
		{"你好", "你好"},
		{"\xff", ""},
	} {
		if got := trace.Preview([]byte(tc.in)); got != tc.want {
			t.Errorf("Preview(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
