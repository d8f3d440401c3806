package httpget_test

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"testing"

	"socketlab/core"
	"socketlab/core/httpget"
	"socketlab/sim/trace"
)

// TestGetTrace: an HTTP/1.0 GET against an in-test server is exactly
// these events: the socket calls and, around them, the HTTP phases.
func TestGetTrace(t *testing.T) {
	const resp = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	port := rawServer(t, func(c *net.TCPConn) error {
		if err := expectRequest(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
			return err
		}
		_, err := io.WriteString(c, resp) // one write: one read on the client
		return err
	})
	var tr trace.Trace
	cl := &httpget.Client{Trace: core.NewTracer(core.LockedSink(&tr))}
	res, err := cl.Get(ctxT(t), io.Discard, "127.0.0.1", port, "/")
	if err != nil {
		t.Fatal(err)
	}
	local := netip.MustParseAddrPort(res.Local.String())
	remote := netip.MustParseAddrPort(res.Remote.String())
	type ev struct {
		Op             trace.AppOp
		Socket, Remote netip.AddrPort
		N              int
		Text           string
	}
	var got []ev
	var states []trace.TCPState
	for _, e := range tr.Events {
		switch e.Kind {
		case trace.KindApp:
			if e.Node != core.NodeClient {
				t.Errorf("event on node %q", e.Node)
			}
			got = append(got, ev{e.Op, e.Socket, e.Remote, e.N, e.Text})
		case trace.KindState:
			states = append(states, e.To)
		}
	}
	req := "GET / HTTP/1.0\r\n\r\n"
	want := []ev{
		{trace.OpConnectStart, netip.AddrPort{}, remote, 0, ""},
		{trace.OpConnect, local, remote, 0, ""},
		{trace.OpHTTP, local, remote, len(req), "request GET / HTTP/1.0"},
		{trace.OpWrite, local, remote, len(req), req},
		{trace.OpShutdown, local, remote, 0, ""},
		{trace.OpRead, local, remote, len(resp), resp},
		{trace.OpHTTP, local, remote, len(resp) - 5, "response HTTP/1.0 200 OK"},
		{trace.OpRead, local, remote, 0, ""},
		{trace.OpHTTP, local, remote, len(resp), "response complete: 43 bytes, body 5 of Content-Length 5"},
		{trace.OpClose, local, remote, 0, ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%s\nwant:\n%s", fmt.Sprint(got), fmt.Sprint(want))
	}
	// After the half-close the client is in FIN-WAIT-1 or -2, or already
	// CLOSED (TIME-WAIT) if the server's answer and FIN came first.
	if len(states) < 2 || states[0] != trace.StateEstablished ||
		slices.ContainsFunc(states[1:], func(s trace.TCPState) bool {
			return s != trace.StateFinWait1 && s != trace.StateFinWait2 && s != trace.StateClosed
		}) {
		t.Errorf("kernel states %v, want ESTABLISHED, then FIN-WAIT-1, -2 or CLOSED after the half-close", states)
	}
}

// TestGetTraceRefused: a refused connect is an error event with its class.
func TestGetTraceRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParseAddrPort(l.Addr().String())
	l.Close()
	var tr trace.Trace
	cl := &httpget.Client{Trace: core.NewTracer(core.LockedSink(&tr))}
	if _, err := cl.Get(ctxT(t), io.Discard, "127.0.0.1", fmt.Sprint(addr.Port()), "/"); err == nil {
		t.Fatal("no error from a closed port")
	}
	if len(tr.Events) != 2 || tr.Events[0].Op != trace.OpConnectStart || tr.Events[1].Op != trace.OpError ||
		tr.Events[1].Remote != addr || tr.Events[1].Text != "connect: connection refused [socket.error]" {
		t.Errorf("events %+v", tr.Events)
	}
}
