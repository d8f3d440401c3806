package sim

import (
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// flow lists the segments a run put on the wire at their first send, as
// "c:FLAGS" / "s:FLAGS" with the payload length when there is one.
func flow(tr *trace.Trace) string {
	var out []string
	for _, g := range trace.Segments(tr) {
		who := "s"
		if g.FromClient {
			who = "c"
		}
		f := who + ":" + g.Flags.String()
		if g.Len > 0 {
			f += "/d"
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

func runPrograms(t *testing.T, progs ...Program) *trace.Trace {
	t.Helper()
	sc := twoHosts(LinkParams{Delay: Duration(10 * time.Millisecond)}, LinkParams{Delay: Duration(10 * time.Millisecond)})
	sc.Programs = progs
	s, tr := mustNew(t, sc)
	s.RunUntil(time.Duration(sc.Duration))
	return tr
}

// The HTTP/1.0 client's half-close: its FIN follows the request at once,
// the server still answers — after the FIN — and closes; the client reads
// to the end and closes.
func TestHalfCloseClient(t *testing.T) {
	tr := runPrograms(t,
		Program{Type: "tcp-timestamp-server", Host: "server", Port: 80},
		Program{Type: "tcp-halfclose-client", Host: "client", Server: "server:80", Messages: []string{"GET / HTTP/1.0\r\n\r\n"}})
	// The server ACKs the request and the FIN before it answers (the
	// model ACKs a FIN at once), and the client ACKs the answer and then
	// the server's FIN.
	want := "c:SYN s:SYN,ACK c:ACK c:PSH,ACK/d c:FIN,ACK s:ACK s:PSH,ACK/d s:ACK s:FIN,ACK c:ACK c:ACK"
	if got := flow(tr); got != want {
		t.Fatalf("segments\n got %s\nwant %s", got, want)
	}
	var ops []string
	for _, e := range events(tr, trace.KindApp) {
		if e.Node == "client" {
			ops = append(ops, e.Op.String())
		}
	}
	if got := strings.Join(ops, " "); got != "connect write shutdown read read close" {
		t.Fatalf("client calls: %s", got)
	}
}

// TestReadAllServer is the HTTP/1.0 exchange with a server that reads to
// EOF: its one answer acknowledges the client's FIN too (ack = 20), and
// carries the whole request back.
func TestReadAllServer(t *testing.T) {
	req := "GET / HTTP/1.0\r\n\r\n"
	tr := runPrograms(t,
		Program{Type: "tcp-readall-server", Host: "server", Port: 80},
		Program{Type: "tcp-halfclose-client", Host: "client", Server: "server:80", Messages: []string{req}})
	want := "c:SYN s:SYN,ACK c:ACK c:PSH,ACK/d c:FIN,ACK s:ACK s:ACK s:PSH,ACK/d s:FIN,ACK c:ACK c:ACK"
	if got := flow(tr); got != want {
		t.Fatalf("segments\n got %s\nwant %s", got, want)
	}
	var answer *trace.Packet
	for _, e := range events(tr, trace.KindSend) {
		if e.Node == "server" && len(e.Packet.Payload) > 0 {
			answer = &e.Packet
		}
	}
	var isn uint32
	for _, e := range events(tr, trace.KindSend) {
		if e.Node == "client" && e.Packet.Flags == trace.FlagSYN {
			isn = e.Packet.Seq
		}
	}
	// ISN + 1, the request, the FIN: the answer acknowledges all of them.
	if answer == nil || !strings.HasSuffix(string(answer.Payload), "] "+req) || answer.Ack != isn+1+uint32(len(req))+1 {
		t.Fatalf("answer %+v, want the request back acknowledging the FIN (ack %d)", answer, isn+1+uint32(len(req))+1)
	}
}

// Two holders closing within one link delay of each other: both FINs are
// on the wire before either arrives, both ends pass through CLOSING, and
// each ACKs the other's FIN.
func TestHoldProgramsCloseSimultaneously(t *testing.T) {
	tr := runPrograms(t,
		Program{Type: "tcp-hold-server", Host: "server", Port: 80, Work: Duration(50 * time.Millisecond)},
		// established at 20 ms, accepted at 30 ms: both close at 80 ms
		Program{Type: "tcp-hold-client", Host: "client", Server: "server:80", Interval: Duration(60 * time.Millisecond)})
	if got, want := flow(tr), "c:SYN s:SYN,ACK c:ACK c:FIN,ACK s:FIN,ACK s:ACK c:ACK"; got != want {
		t.Fatalf("segments\n got %s\nwant %s", got, want)
	}
	closing := map[string]bool{}
	for _, e := range events(tr, trace.KindState) {
		if e.To == trace.StateClosing {
			closing[e.Node] = true
		}
	}
	if !closing["client"] || !closing["server"] {
		t.Fatalf("CLOSING reached by %v, want both", closing)
	}
}

// A holder with no wait is the bare handshake and close.
func TestHoldClientConnectClose(t *testing.T) {
	tr := runPrograms(t,
		Program{Type: "tcp-timestamp-server", Host: "server", Port: 80},
		Program{Type: "tcp-hold-client", Host: "client", Server: "server:80"})
	// The server ACKs the FIN at once and closes after its read saw EOF.
	if got, want := flow(tr), "c:SYN s:SYN,ACK c:ACK c:FIN,ACK s:ACK s:FIN,ACK c:ACK"; got != want {
		t.Fatalf("segments\n got %s\nwant %s", got, want)
	}
}
