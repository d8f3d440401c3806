package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// wire lists the segments of a run's first connection at their first
// send, one a line: time, c(lient) or s(erver), flags, relative seq and
// ack, payload length and the raw window.
func wire(tr *trace.Trace) string {
	var b strings.Builder
	for _, g := range trace.Segments(tr) {
		who := "s"
		if g.FromClient {
			who = "c"
		}
		fmt.Fprintf(&b, "%v %s %s seq=%d ack=%d len=%d win=%d\n", g.At, who, g.Flags, g.Seq, g.Ack, g.Len, g.Window)
	}
	return b.String()
}

// calls lists a node's socket calls and notes, one a line.
func calls(tr *trace.Trace, node string) string {
	var b strings.Builder
	for _, e := range tr.Events {
		switch {
		case e.Node != node:
		case e.Kind == trace.KindApp:
			fmt.Fprintf(&b, "%v %s %d\n", e.At, e.Op, e.N)
		case e.Kind == trace.KindNote:
			fmt.Fprintf(&b, "%v note %s\n", e.At, e.Text)
		}
	}
	return b.String()
}

// runLab runs progs for d over twoHosts (10 ms each way, MSS 1000) with
// a 3000-byte receive buffer on the server, so three segments fill it.
func runLab(t *testing.T, d time.Duration, client *TCPSpec, progs ...Program) *trace.Trace {
	t.Helper()
	l := LinkParams{Delay: Duration(10 * time.Millisecond)}
	sc := twoHosts(l, l)
	sc.TCP = TCPSpec{MSS: 1000}
	sc.Hosts[0].TCP, sc.Hosts[1].TCP = client, &TCPSpec{RcvBuf: 3000}
	sc.Programs = progs
	s, tr := mustNew(t, sc)
	s.RunUntil(d)
	return tr
}

func checkText(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s\n got:\n%s\nwant:\n%s", what, got, want)
	}
}

// labHandshake is the three-way handshake of runLab's connection.
const labHandshake = `0s c SYN seq=0 ack=0 len=0 win=65535
10ms s SYN,ACK seq=0 ack=1 len=0 win=3000
20ms c ACK seq=1 ack=1 len=0 win=65535
`

// stalledStart is how a 5000-byte sendall meets a stalled reader in
// runLab: three segments fill the 3000-byte buffer, the third's ACK
// closes the window, and at 1 s the persist timer sends a one-byte probe,
// refused with a zero window.
const stalledStart = labHandshake + `20ms c ACK seq=1 ack=1 len=1000 win=65535
20ms c ACK seq=1001 ack=1 len=1000 win=65535
20ms c ACK seq=2001 ack=1 len=1000 win=65535
30ms s ACK seq=1 ack=1001 len=0 win=2000
30ms s ACK seq=1 ack=2001 len=0 win=1000
30ms s ACK seq=1 ack=3001 len=0 win=0
1.04s c ACK seq=3001 ack=1 len=1 win=65535
1.05s s ACK seq=1 ack=3001 len=0 win=0
`

// A reader that never reads: three segments fill its buffer, its last ACK
// closes the window, and the sender's persist timer probes it with one
// byte at 1 s, 3 s and 7 s (RTO backing off); each probe is refused with
// a zero window. The sink only accepts.
func TestStalledSinkForever(t *testing.T) {
	tr := runLab(t, 8*time.Second, nil,
		Program{Type: "stalled-sink", Host: "server", Port: 80},
		Program{Type: "bulk-sender", Host: "client", Server: "server:80", Bytes: 5000, Chunk: 5000})
	checkText(t, "segments", wire(tr), stalledStart+`3.04s c ACK seq=3001 ack=1 len=1 win=65535
3.05s s ACK seq=1 ack=3001 len=0 win=0
7.04s c ACK seq=3001 ack=1 len=1 win=65535
7.05s s ACK seq=1 ack=3001 len=0 win=0
`)
	checkText(t, "server calls", calls(tr, "server"), "0s listen 5\n30ms accept 0\n")
	persist := 0
	for _, e := range events(tr, trace.KindTimerFire) {
		if e.Node == "client" && e.Timer == trace.TimerPersist {
			persist++
		}
	}
	if persist != 3 {
		t.Errorf("%d persist timeouts, want 3", persist)
	}

	// Linux probes with an empty segment one below SND.UNA, from 200 ms
	// on (its RTO of SRTT + 200 ms), backing off.
	tr = runLab(t, 4*time.Second, &TCPSpec{Profile: "linux"},
		Program{Type: "stalled-sink", Host: "server", Port: 80},
		Program{Type: "bulk-sender", Host: "client", Server: "server:80", Bytes: 5000, Chunk: 5000})
	var probes []string
	for _, l := range strings.Split(wire(tr), "\n") {
		if strings.Contains(l, " c ") && strings.Contains(l, "seq=3000") {
			probes = append(probes, l)
		}
	}
	checkText(t, "linux probes", strings.Join(probes, "\n"), `260ms c ACK seq=3000 ack=1 len=0 win=65535
700ms c ACK seq=3000 ack=1 len=0 win=65535
1.58s c ACK seq=3000 ack=1 len=0 win=65535
3.34s c ACK seq=3000 ack=1 len=0 win=65535`)
}

// A reader that stalls for 2 s after accepting (30 ms): one probe meets
// the zero window, then its first read opens the window and the rest of
// the data and the FIN follow; it checks every byte.
func TestStalledSinkResumes(t *testing.T) {
	tr := runLab(t, 5*time.Second, nil,
		Program{Type: "stalled-sink", Host: "server", Port: 80, Stall: Duration(2 * time.Second)},
		Program{Type: "bulk-sender", Host: "client", Server: "server:80", Bytes: 5000, Chunk: 5000})
	checkText(t, "segments", wire(tr), stalledStart+`2.03s s ACK seq=1 ack=3001 len=0 win=3000
2.04s c ACK seq=3001 ack=1 len=1000 win=65535
2.04s c FIN,PSH,ACK seq=4001 ack=1 len=1000 win=65535
2.05s s ACK seq=1 ack=4001 len=0 win=2000
2.05s s ACK seq=1 ack=5002 len=0 win=2000
2.05s s FIN,ACK seq=1 ack=5002 len=0 win=3000
2.06s c ACK seq=5002 ack=2 len=0 win=65534
`)
	checkText(t, "server calls", calls(tr, "server"), `0s listen 5
30ms accept 0
2.03s read 3000
2.05s read 1000
2.05s read 1000
2.05s read 0
2.05s close 0
2.05s note stalled-sink: 10.0.0.1:49152: 5000 bytes, all in order
`)
}

// Paced writes: 250 bytes, 100 at a time, one sendall every 50 ms; each
// chunk is its own segment, and the FIN follows the last chunk at once.
func TestPacedSender(t *testing.T) {
	tr := runLab(t, time.Second, nil,
		Program{Type: "bulk-sink", Host: "server", Port: 80},
		Program{Type: "paced-sender", Host: "client", Server: "server:80", Bytes: 250, Chunk: 100, Interval: Duration(50 * time.Millisecond)})
	checkText(t, "segments", wire(tr), labHandshake+`20ms c PSH,ACK seq=1 ack=1 len=100 win=65535
30ms s ACK seq=1 ack=101 len=0 win=2900
70ms c PSH,ACK seq=101 ack=1 len=100 win=65535
80ms s ACK seq=1 ack=201 len=0 win=2800
120ms c PSH,ACK seq=201 ack=1 len=50 win=65535
120ms c FIN,ACK seq=251 ack=1 len=0 win=65535
130ms s ACK seq=1 ack=251 len=0 win=2750
130ms s ACK seq=1 ack=252 len=0 win=2749
130ms s FIN,ACK seq=1 ack=252 len=0 win=2749
140ms c ACK seq=252 ack=2 len=0 win=65534
`)
	checkText(t, "client calls", calls(tr, "client"), "20ms connect 0\n20ms write 100\n70ms write 100\n120ms write 50\n120ms close 0\n")
	if !strings.Contains(calls(tr, "server"), "note bulk-sink: 10.0.0.1:49152: 250 bytes, all in order") {
		t.Errorf("the sink did not get the pattern:\n%s", calls(tr, "server"))
	}
}

// Close after a delay, server first: the holder closes 50 ms after its
// accept (30 ms); the client, holding for 200 ms after its connect (20
// ms), sits in CLOSE-WAIT until then, and the server ends in TIME-WAIT.
func TestHoldServerClosesFirst(t *testing.T) {
	tr := runLab(t, time.Second, nil,
		Program{Type: "tcp-hold-server", Host: "server", Port: 80, Work: Duration(50 * time.Millisecond)},
		Program{Type: "tcp-hold-client", Host: "client", Server: "server:80", Interval: Duration(200 * time.Millisecond)})
	checkText(t, "segments", wire(tr), labHandshake+`80ms s FIN,ACK seq=1 ack=1 len=0 win=3000
90ms c ACK seq=1 ack=2 len=0 win=65534
220ms c FIN,ACK seq=1 ack=2 len=0 win=65534
230ms s ACK seq=2 ack=2 len=0 win=2999
`)
	var states []string
	for _, e := range events(tr, trace.KindState) {
		states = append(states, fmt.Sprintf("%v %s %s", e.At, e.Node, e.To))
	}
	checkText(t, "states", strings.Join(states, "\n"), `0s client SYN-SENT
10ms server SYN-RECEIVED
20ms client ESTABLISHED
30ms server ESTABLISHED
80ms server FIN-WAIT-1
90ms client CLOSE-WAIT
100ms server FIN-WAIT-2
220ms client LAST-ACK
230ms server TIME-WAIT
240ms client CLOSED`)
}

// Close after a delay, client first: 100 ms after its connect.
func TestHoldClientClosesAfterInterval(t *testing.T) {
	tr := runLab(t, time.Second, nil,
		Program{Type: "tcp-timestamp-server", Host: "server", Port: 80},
		Program{Type: "tcp-hold-client", Host: "client", Server: "server:80", Interval: Duration(100 * time.Millisecond)})
	checkText(t, "segments", wire(tr), labHandshake+`120ms c FIN,ACK seq=1 ack=1 len=0 win=65535
130ms s ACK seq=1 ack=2 len=0 win=2999
130ms s FIN,ACK seq=1 ack=2 len=0 win=2999
140ms c ACK seq=2 ack=2 len=0 win=65534
`)
	checkText(t, "client calls", calls(tr, "client"), "20ms connect 0\n120ms close 0\n")
}

func TestProgramFieldErrors(t *testing.T) {
	client := func(prog string) string {
		return edit(`{"type": "udp-echo-client", "host": "a", "server": "b:7"}`, prog)
	}
	for _, tc := range []struct{ doc, want string }{
		{client(`{"type": "paced-sender", "host": "a", "server": "b:7", "bytes": 10, "interval": "1s"}`),
			"programs[1].chunk: 0 is out of range [1, 16777216]: give the size of each write"},
		{client(`{"type": "paced-sender", "host": "a", "server": "b:7", "bytes": 10, "chunk": 5}`),
			"programs[1].interval: 0s is out of range [1ns, 1h0m0s]: give the pause between writes"},
		{client(`{"type": "paced-sender", "host": "a", "server": "b:7", "chunk": 5, "interval": "1s"}`),
			"programs[1].bytes: 0 is out of range [1, 1073741824]"},
		{client(`{"type": "paced-sender", "host": "a", "server": "b:7", "bytes": 10, "chunk": 5, "interval": "1s"}`), ""},
		{edit(`"port": 7}`, `"port": 7, "stall": "-1s"}`), "programs[0].stall: -1s is out of range [0s, 1h0m0s]"},
		{edit(`"udp-echo-server", "host": "b", "port": 7}`, `"stalled-sink", "host": "b", "port": 7, "stall": "2h"}`), "programs[0].stall: 2h0m0s is out of range [0s, 1h0m0s]"},
		{edit(`"udp-echo-server", "host": "b", "port": 7}`, `"stalled-sink", "host": "b", "port": 7, "stall": "2s"}`), ""},
	} {
		_, err := ParseScenario([]byte(tc.doc))
		if tc.want == "" {
			if err != nil {
				t.Errorf("unexpected error %v", err)
			}
			continue
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("got error %v\nwant       %s", err, tc.want)
		}
	}
}

// Every program is documented where its neighbours are: the package
// comment's list and the README's table.
func TestProgramsDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ProgramTypes() {
		if !strings.Contains(string(doc), "//\t"+p[0]+" ") {
			t.Errorf("program %s is not in the package comment's list", p[0])
		}
		if !strings.Contains(string(readme), "| `"+p[0]+"` | ") {
			t.Errorf("program %s is not in the README's table", p[0])
		}
	}
}
