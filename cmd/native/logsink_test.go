package main

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"socketlab/core"
	"socketlab/sim/trace"
)

// TestServerTracer checks that a server command's log is a consumer of
// its events: without --trace the Tracer feeds the logSink only and reads
// no TCP_INFO; with --trace the same events reach the trace's Sink too.
func TestServerTracer(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	accept := trace.Event{Kind: trace.KindApp, Node: core.NodeServer, Op: trace.OpAccept, Remote: netip.MustParseAddrPort("127.0.0.1:40000")}

	off := serverTracer(core.Tracer{}, logf, false)
	if !off.On() || off.StatEvery >= 0 {
		t.Fatalf("log-only Tracer: on %v, StatEvery %v; want on, no TCP_INFO", off.On(), off.StatEvery)
	}
	e := accept
	off.Emit(&e)

	var traced []trace.Event
	on := serverTracer(core.Tracer{Sink: trace.SinkFunc(func(e *trace.Event) { traced = append(traced, *e) })}, logf, true)
	if on.StatEvery != 0 {
		t.Errorf("--trace Tracer: StatEvery %v, want the default", on.StatEvery)
	}
	e = accept
	on.Emit(&e)
	e = trace.Event{Kind: trace.KindApp, Node: core.NodeServer, Op: trace.OpRecvFrom, Remote: accept.Remote, N: 5, Text: "hello"}
	on.Emit(&e)

	want := []string{"...connected from 127.0.0.1:40000", "...connected from 127.0.0.1:40000", "got 5 bytes from 127.0.0.1:40000"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if len(traced) != 2 || traced[0].Op != trace.OpAccept || traced[1].Op != trace.OpRecvFrom {
		t.Errorf("trace got %d events, want accept and recvfrom: %+v", len(traced), traced)
	}
}
