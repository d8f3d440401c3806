package main

import (
	"slices"
	"testing"
	"time"
)

func rowsAt(spec ...any) []packetRow {
	var rows []packetRow
	for i := 0; i < len(spec); i += 2 {
		rows = append(rows, packetRow{At: time.Duration(spec[i].(int)) * time.Millisecond, Text: spec[i+1].(string)})
	}
	return rows
}

func TestRowDiffs(t *testing.T) {
	probe, answer := "c→s ACK seq=4344 ack=1 ts", "s→c ACK seq=1 ack=4345 ts"
	for _, tc := range []struct {
		name          string
		model, kernel []packetRow
		want          []string
	}{
		{"the same", rowsAt(0, "c→s SYN seq=0", 0, "s→c RST,ACK seq=1 ack=1"), rowsAt(3, "c→s SYN seq=0", 19, "s→c RST,ACK seq=1 ack=1"), nil},
		// 20 ms + a tenth of the kernel's time.
		{"late", rowsAt(0, "c→s SYN seq=0", 1000, "c→s SYN seq=0"), rowsAt(0, "c→s SYN seq=0", 1140, "c→s SYN seq=0"),
			[]string{"time: c→s SYN seq=0: model 1000ms, kernel 1140ms"}},
		{"in time", rowsAt(1000, "c→s SYN seq=0"), rowsAt(1119, "c→s SYN seq=0"), nil},
		// The directions are aligned apart: their order between them does
		// not count.
		{"crossed", rowsAt(0, "c→s FIN,ACK seq=1 ack=1", 0, "s→c FIN,ACK seq=1 ack=1"), rowsAt(0, "s→c FIN,ACK seq=1 ack=1", 0, "c→s FIN,ACK seq=1 ack=1"), nil},
		// Three probes alike: each pairs with the one nearest in time.
		{"probes", rowsAt(200, probe, 600, probe, 600, answer, 1400, probe),
			rowsAt(256, probe, 256, answer, 696, probe, 1556, probe),
			[]string{"time: " + probe + ": model 200ms, kernel 256ms", "time: " + probe + ": model 600ms, kernel 696ms",
				"time: " + answer + ": model 600ms, kernel 256ms"}},
		{"missing", rowsAt(0, "c→s SYN seq=0", 0, "s→c ACK seq=1 ack=2"), rowsAt(0, "c→s SYN seq=0", 0, "c→s ACK seq=1 ack=1"),
			[]string{"kernel only: 0ms c→s ACK seq=1 ack=1", "model only: 0ms s→c ACK seq=1 ack=2"}},
	} {
		if got := rowDiffs(tc.model, tc.kernel); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	// A row sent sometimes is no difference when missing, and pairs when
	// sent.
	form := rowsAt(0, "s→c ACK seq=1 ack=2", 0, "s→c FIN,ACK seq=1 ack=2")
	form[0].Sometimes = true
	for _, run := range [][]packetRow{form[1:], rowsAt(0, "s→c ACK seq=1 ack=2", 0, "s→c FIN,ACK seq=1 ack=2")} {
		if got := rowDiffs(run, form); got != nil {
			t.Errorf("%v against %v: %q", run, form, got)
		}
	}
}
