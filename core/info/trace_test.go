package info_test

import (
	"io"
	"net"
	"net/netip"
	"slices"
	"testing"

	"socketlab/core"
	"socketlab/core/info"
	"socketlab/sim/trace"
)

// TestRunTrace: the information example's connect, with getsockname and
// getpeername as the event's two addresses, and its close.
func TestRunTrace(t *testing.T) {
	l := listen(t, "tcp", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(l.Addr().String())
	var tr trace.Trace
	c := &info.Client{Trace: core.NewTracer(core.LockedSink(&tr))}
	res, err := c.Run(ctxT(t), io.Discard, "127.0.0.1", port)
	if err != nil {
		t.Fatal(err)
	}
	var ops []trace.AppOp
	for _, e := range tr.Events {
		if e.Kind != trace.KindApp {
			continue
		}
		ops = append(ops, e.Op)
		switch e.Op {
		case trace.OpConnectStart:
			if e.Remote != res.Peer || e.Socket.IsValid() {
				t.Errorf("connect-start %v → %v, want → %v", e.Socket, e.Remote, res.Peer)
			}
		case trace.OpConnect, trace.OpClose:
			if e.Socket != res.Local || e.Remote != res.Peer {
				t.Errorf("%v %v → %v, want %v → %v", e.Op, e.Socket, e.Remote, res.Local, res.Peer)
			}
		}
	}
	if want := []trace.AppOp{trace.OpConnectStart, trace.OpConnect, trace.OpClose}; !slices.Equal(ops, want) {
		t.Errorf("ops %v, want %v", ops, want)
	}
	if !res.Local.Addr().Is4() || res.Local == (netip.AddrPort{}) {
		t.Errorf("local %v", res.Local)
	}
}
