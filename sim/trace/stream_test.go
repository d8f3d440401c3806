package trace_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
	"socketlab/sim/trace/tracetest"
)

func streamLadder(t *testing.T, tr *trace.Trace, opts trace.LadderOptions) string {
	t.Helper()
	var buf bytes.Buffer
	lw, err := trace.NewLadderWriter(&buf, &tr.Header, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.Events {
		lw.Emit(&tr.Events[i])
	}
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// A LadderWriter given the events one at a time draws WriteLadder's
// ladder, with every option the golden files use, captions included.
func TestLadderWriterDrawsWriteLadder(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   *trace.Trace
	}{{"handshake", tracetest.Handshake()}, {"handshake-v6", tracetest.HandshakeV6()}, {"lossy", tracetest.Lossy()}, {"udp", tracetest.UDP()}} {
		for _, opts := range []trace.LadderOptions{
			{}, {Absolute: true, Timers: true, Width: 120}, {ConnStat: true, Queue: true, NoLegend: true},
			{Routers: true, Width: 110},
			{Width: 90, Caption: func(i int, e *trace.Event) string { return strings.Repeat(e.Kind.String()+" ", i%3) }},
		} {
			opts.End = tc.tr.Events[len(tc.tr.Events)-1].At
			want, got := ladder(t, tc.tr, opts), streamLadder(t, tc.tr, opts)
			if got != want {
				t.Errorf("%s %+v: LadderWriter draws\n%s\nWriteLadder\n%s", tc.name, opts, got, want)
			}
		}
	}
}

// The stream's documented differences: the time column follows End, and a
// packet in flight for more than MaxFlightLines lines has no diagonal.
func TestLadderWriterBounds(t *testing.T) {
	tr := tracetest.Handshake()
	got := streamLadder(t, tr, trace.LadderOptions{End: 2000 * time.Second})
	if !strings.Contains(got, "\n         ms   client") || !strings.Contains(got, "\n      0.000   │") {
		t.Errorf("End 2000s: the time column is not 11 wide:\n%s", got)
	}

	// One packet crosses 5,000 notes: WriteLadder draws its diagonal
	// through them, the stream leaves it out after MaxFlightLines lines.
	long := &trace.Trace{Header: tr.Header}
	var send trace.Event
	for _, e := range tr.Events {
		if e.Kind == trace.KindSend {
			send = e
			break
		}
	}
	long.Events = append(long.Events, send)
	for i := range trace.MaxFlightLines + 904 {
		long.Events = append(long.Events, trace.Event{At: send.At + time.Duration(i+1)*time.Microsecond,
			Kind: trace.KindNote, Node: send.Node, Text: "tick"})
	}
	deliver := send
	deliver.Kind, deliver.Node, deliver.Peer, deliver.At = trace.KindDeliver, send.Peer, send.Node, send.At+time.Second
	long.Events = append(long.Events, deliver)
	noLegend := trace.LadderOptions{NoLegend: true}
	whole, stream := ladder(t, long, noLegend), streamLadder(t, long, noLegend)
	if n := strings.Count(whole, "╲"); n < 1000 {
		t.Errorf("WriteLadder draws %d cells of the diagonal, want one per line", n)
	}
	if n := strings.Count(stream, "╲"); n != 0 {
		t.Errorf("the stream draws %d cells of a diagonal longer than MaxFlightLines", n)
	}
	if strings.ReplaceAll(whole, "╲", " ") != stream {
		t.Error("the stream differs from WriteLadder by more than the diagonal")
	}
}

// Analyzer.Next gives every event Analyze's analysis but the fate.
func TestAnalyzerIsAnalyze(t *testing.T) {
	for _, tr := range []*trace.Trace{tracetest.Handshake(), tracetest.HandshakeV6(), tracetest.Lossy(), tracetest.UDP()} {
		want := trace.Analyze(tr)
		z := trace.NewAnalyzer(&tr.Header)
		for i := range tr.Events {
			got := z.Next(&tr.Events[i])
			w := want[i]
			w.Lost, w.DropIndex = false, -1
			if got != w {
				t.Errorf("%s event %d: Next = %+v, Analyze %+v", tr.Header.Scenario, i, got, w)
			}
		}
	}
}

// A LadderWriter without nodes in the header cannot know its columns.
func TestLadderWriterNeedsNodes(t *testing.T) {
	if _, err := trace.NewLadderWriter(&bytes.Buffer{}, &trace.Header{}, trace.LadderOptions{}); err != trace.ErrLadderNeedsTrace {
		t.Fatalf("err = %v, want ErrLadderNeedsTrace", err)
	}
}
