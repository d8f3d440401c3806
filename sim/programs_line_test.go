package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// tcpSends lists every TCP segment a host sends, one a line: time,
// sender, source port, flags, payload length and payload (quoted).
func tcpSends(tr *trace.Trace) string {
	var b strings.Builder
	for _, e := range events(tr, trace.KindSend) {
		if p := &e.Packet; p.Proto == trace.ProtoTCP {
			fmt.Fprintf(&b, "%v %s :%d %s %d %q\n", e.At, e.Node, p.Src.Port(), p.Flags, p.Len(), p.Payload)
		}
	}
	return b.String()
}

// appData lists a node's reads and writes with their bytes.
func appData(tr *trace.Trace, node string) string {
	var b strings.Builder
	for _, e := range events(tr, trace.KindApp) {
		if e.Node == node && (e.Op == trace.OpRead || e.Op == trace.OpWrite) {
			fmt.Fprintf(&b, "%v %s %q\n", e.At, e.Op, e.Text)
		}
	}
	return b.String()
}

// lineRun runs the SocketServer server on port 80 with client c.
func lineRun(t *testing.T, c Program) *trace.Trace {
	t.Helper()
	c.Type, c.Host, c.Server = "tcp-line-client", "client", "server:80"
	return runLab(t, time.Second, nil, Program{Type: "tcp-line-server", Host: "server", Port: 80}, c)
}

// tsTclntSS.py makes a connection per message: two messages, two
// handshakes from two ephemeral ports; the server answers each line and
// closes first (its FIN rides right behind the answer).
func TestLineClientConnectionPerMessage(t *testing.T) {
	tr := lineRun(t, Program{Messages: []string{"hello", "world"}})
	checkText(t, "segments", tcpSends(tr), `0s client :49152 SYN 0 ""
10ms server :80 SYN,ACK 0 ""
20ms client :49152 ACK 0 ""
20ms client :49152 PSH,ACK 7 "hello\r\n"
30ms server :80 ACK 0 ""
30ms server :80 PSH,ACK 34 "[Sat Nov 21 11:10:46 2026] hello\r\n"
30ms server :80 FIN,ACK 0 ""
40ms client :49152 ACK 0 ""
40ms client :49152 FIN,ACK 0 ""
40ms client :49153 SYN 0 ""
40ms client :49152 ACK 0 ""
50ms server :80 ACK 0 ""
50ms server :80 SYN,ACK 0 ""
60ms client :49153 ACK 0 ""
60ms client :49153 PSH,ACK 7 "world\r\n"
70ms server :80 ACK 0 ""
70ms server :80 PSH,ACK 34 "[Sat Nov 21 11:10:46 2026] world\r\n"
70ms server :80 FIN,ACK 0 ""
80ms client :49153 ACK 0 ""
80ms client :49153 FIN,ACK 0 ""
80ms client :49153 ACK 0 ""
90ms server :80 ACK 0 ""
`)
	checkText(t, "server calls", calls(tr, "server"), `0s listen 5
30ms accept 0
30ms note ...connected from: 10.0.0.1:49152
30ms read 7
30ms write 34
30ms shutdown 0
30ms close 0
70ms accept 0
70ms note ...connected from: 10.0.0.1:49153
70ms read 7
70ms write 34
70ms shutdown 0
70ms close 0
`)
	checkText(t, "client calls", calls(tr, "client"), `20ms connect 0
20ms write 7
40ms read 34
40ms close 0
60ms connect 0
60ms write 7
80ms read 34
80ms close 0
`)
}

// A line in pieces 50 ms apart is still one request: readline reads
// until the "\n" has come, and only then the server answers, once.
func TestLineServerBuffersUntilNewline(t *testing.T) {
	tr := lineRun(t, Program{Messages: []string{"hello"}, Chunk: 4, Interval: Duration(50 * time.Millisecond)})
	checkText(t, "server data", appData(tr, "server"), `30ms read "hell"
80ms read "o\r\n"
80ms write "[Sat Nov 21 11:10:46 2026] hello\r\n"
`)
	checkText(t, "client data", appData(tr, "client"), `20ms write "hell"
70ms write "o\r\n"
90ms read "[Sat Nov 21 11:10:46 2026] hello\r\n"
`)
}

// Two lines in one send: the server reads both, answers the first and
// closes; the second is dropped with the handler's buffer (read from the
// kernel, so no RST either), never answered. A client that closes
// before any line ends gets "[ctime] " for the nothing it sent.
func TestLineServerOneLinePerConnection(t *testing.T) {
	tr := lineRun(t, Program{Messages: []string{"hello\r\nworld"}})
	checkText(t, "server data", appData(tr, "server"), `30ms read "hello\r\nworld\r\n"
30ms write "[Sat Nov 21 11:10:46 2026] hello\r\n"
`)
	if strings.Contains(tcpSends(tr), "RST") {
		t.Errorf("a reset:\n%s", tcpSends(tr))
	}

	tr = runLab(t, time.Second, nil, Program{Type: "tcp-line-server", Host: "server", Port: 80},
		Program{Type: "tcp-halfclose-client", Host: "client", Server: "server:80", Messages: []string{"no newline"}})
	checkText(t, "server data", appData(tr, "server"), `30ms read "no newline"
30ms read ""
30ms write "[Sat Nov 21 11:10:46 2026] no newline"
`)
}
