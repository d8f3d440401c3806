package core

import (
	"net/netip"
	"reflect"
	"testing"

	"socketlab/sim/trace"
)

// TestServerLogRender checks the lines of events the servers' tests do
// not reach: a named Unix client, the closes that have no line, the echo
// server's datagram line, other nodes' events.
func TestServerLogRender(t *testing.T) {
	peer := netip.MustParseAddrPort("[::1]:40000")
	app := func(op trace.AppOp, remote netip.AddrPort, n int, text string) trace.Event {
		return trace.Event{Kind: trace.KindApp, Node: NodeServer, Op: op, Remote: remote, N: n, Text: text}
	}
	for _, tc := range []struct {
		name string
		echo bool
		evs  []trace.Event
		want []string
	}{
		{"unix", false, []trace.Event{
			app(trace.OpListen, netip.AddrPort{}, 4096, "/tmp/ts.sock"),
			app(trace.OpAccept, netip.AddrPort{}, 0, "/tmp/ts.sock"),
			app(trace.OpAccept, netip.AddrPort{}, 0, "/tmp/client.sock"),
			app(trace.OpClose, netip.AddrPort{}, 0, "answered"),
			app(trace.OpClose, netip.AddrPort{}, 0, "/tmp/ts.sock"), // the listener
		}, []string{
			"...connected from (unnamed unix socket)",
			"...connected from /tmp/client.sock",
			"...closed (unnamed unix socket): answered",
		}},
		{"udp timestamp", false, []trace.Event{
			app(trace.OpListen, netip.MustParseAddrPort("127.0.0.1:21567"), 0, ""),
			app(trace.OpRecvFrom, peer, 5, "hello"),
			app(trace.OpSendTo, peer, 32, "[...] hello"),
			app(trace.OpClose, netip.AddrPort{}, 0, ""),
		}, []string{"...received from and returned to [::1]:40000"}},
		{"udp echo", true, []trace.Event{
			{Kind: trace.KindNote, Node: NodeServer, Text: "datagram from [::1]:40000 cut to 8192 bytes, as recvfrom(8192) does"},
			app(trace.OpRecvFrom, peer, 8192, "x"),
			app(trace.OpError, peer, 0, "reply: injected [socket.error]"),
			{Kind: trace.KindNote, Node: NodeClient, Text: "not the server's"},
			{Kind: trace.KindApp, Node: NodeClient, Op: trace.OpAccept, Remote: peer},
		}, []string{
			"datagram from [::1]:40000 cut to 8192 bytes, as recvfrom(8192) does",
			"got 8192 bytes from [::1]:40000",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			l := &ServerLog{Echo: tc.echo, Line: func(s string) { got = append(got, s) }}
			for i := range tc.evs {
				l.Emit(&tc.evs[i])
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("lines:\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
