package view

import (
	"testing"
	"time"

	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
	"socketlab/textbook"
)

// openPreset opens a preset on the simulator.
func openPreset(t *testing.T, preset string, code bool) *App {
	t.Helper()
	a, err := New(Options{Source: SimSource{}, Request: Request{Preset: preset}, Code: code})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// The handshake preset's client runs tsTclnt.py and its server
// tsTserv.py: connect() is the line while the SYN flies, recv() blocks
// until the reply arrives, close() is the line as the FIN leaves; the
// server blocks in accept() until the handshake is done.
func TestCodeLineFollowsTheCalls(t *testing.T) {
	a := openPreset(t, "handshake", true)
	cli, srv := textbook.For("tcp-timestamp-client"), textbook.For("tcp-timestamp-server")
	lineOf := func(l *textbook.Listing, op trace.AppOp) int {
		i, _ := l.Line(op)
		return i
	}
	for _, tc := range []struct {
		at      int // ms
		host    string
		l       *textbook.Listing
		op      trace.AppOp
		blocked bool
		note    string
	}{
		{5, "client", cli, trace.OpConnect, true, "connect() blocks: the handshake is under way"},
		{5, "server", srv, trace.OpAccept, true, "accept() blocks until a client connects"},
		{25, "client", cli, trace.OpRead, true, "recv() blocks until data arrives"},
		{35, "server", srv, trace.OpRead, true, "recv() blocks until data arrives"},
		{45, "client", cli, trace.OpClose, false, "close() sends a FIN"},
	} {
		a.SetTime(ms * time.Duration(tc.at))
		line, op, blocked, ok := a.CodeLine(tc.host)
		if !ok || line != lineOf(tc.l, tc.op) || op != tc.op || blocked != tc.blocked {
			t.Errorf("%s at %dms: line %d (%q) %v blocked %v ok %v; want %q, %v, blocked %v", tc.host, tc.at, line, tc.l.Lines[line], op, blocked, ok,
				tc.l.Lines[lineOf(tc.l, tc.op)], tc.op, tc.blocked)
		}
		if got := a.codeNote(op, blocked); got != tc.note {
			t.Errorf("%s at %dms: note %q, want %q", tc.host, tc.at, got, tc.note)
		}
	}
	// The FIN leaves as close() returns.
	a.SetTime(45 * ms)
	_, _, _, _ = a.CodeLine("client")
	fin := -1
	for i := range a.M.Flights {
		if p := a.M.Packet(i); a.M.Nodes[a.M.Flights[i].From].Name == "client" && p.Flags.Has(trace.FlagFIN) {
			fin = i
			break
		}
	}
	if fin < 0 || a.M.Flights[fin].Start != 40*ms {
		t.Errorf("the client's FIN leaves at %v, want 40ms, when close() returns", a.M.Flights[fin].Start)
	}
}

// The panel takes the right of the ladder's place when asked for and the
// host runs a textbook program; A toggles it; a host running another
// program says so on the status line.
func TestCodePanelRegionAndToggle(t *testing.T) {
	a := openPreset(t, "handshake", false)
	g := a.regions(1280, 800)
	if g.code.W != 0 {
		t.Fatalf("code panel without A: %+v", g.code)
	}
	full := g.ladder
	press(a, KeyA)
	g = a.regions(1280, 800)
	if !a.codeShown() || g.code.W < a.Theme.Small*22 || g.ladder.X+g.ladder.W != g.code.X || g.code.X+g.code.W != full.X+full.W || g.code.Y != full.Y {
		t.Fatalf("with A: ladder %+v code %+v (ladder alone %+v)", g.ladder, g.code, full)
	}
	press(a, KeyA)
	if a.Code {
		t.Fatal("A did not hide the code panel")
	}

	b := openPreset(t, "transfer", false)
	press(b, KeyA)
	if b.codeShown() || b.Status != b.tr("status.code.none", b.codeHost()) {
		t.Errorf("transfer (bulk programs): shown %v, status %q", b.codeShown(), b.Status)
	}
}

// A line too long for the panel ends in "...", in whole characters.
func TestCutMono(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{{"tcpCliSock.close()", 30, "tcpCliSock.close()"}, {"tcpCliSock.close()", 10, "tcpCliS..."}, {"abc", 2, ""}} {
		if got := cutMono(tc.s, tc.n); got != tc.want {
			t.Errorf("cutMono(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// Go's tabs are drawn as Python's indentation: four spaces; a tab inside
// a line is left to the face.
func TestUntab(t *testing.T) {
	for _, tc := range []struct{ s, want string }{
		{"package main", "package main"}, {"\t\tn, err := c.Read(data)", "        n, err := c.Read(data)"}, {"\tx\t// y", "    x\t// y"},
	} {
		if got := untab(tc.s); got != tc.want {
			t.Errorf("untab(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

// The listing scrolls to keep the line in view.
func TestCodeRows(t *testing.T) {
	for _, tc := range []struct{ n, line, rows, want int }{
		{10, 8, 20, 0}, {30, 2, 10, 0}, {30, 15, 10, 10}, {30, 29, 10, 20},
	} {
		if got := codeRows(tc.n, tc.line, tc.rows); got != tc.want {
			t.Errorf("codeRows(%d, %d, %d) = %d, want %d", tc.n, tc.line, tc.rows, got, tc.want)
		}
	}
}

// The SocketServer pair (tcp-line-server, tcp-line-client): between two
// messages the server is back in serve_forever() (its accept) and the
// client in a new connect(); while the line is on its way the server
// blocks in readline().
func TestCodeLineSocketServer(t *testing.T) {
	doc := []byte(`{"name": "ss", "seed": 1, "duration": "1s",
	  "hosts": [{"name": "client", "addrs": ["10.0.0.1"]}, {"name": "server", "addrs": ["10.0.0.2"]}],
	  "links": [{"id": "l1", "a": "client", "b": "server", "ab": {"delay": "10ms"}, "ba": {"delay": "10ms"}}],
	  "programs": [{"type": "tcp-line-server", "host": "server", "port": 21567},
	    {"type": "tcp-line-client", "host": "client", "server": "server:21567", "messages": ["hello", "world"],
	     "chunk": 3, "interval": "10ms"}]}`)
	a, err := New(Options{Source: SimSource{}, Request: Request{Doc: doc, DocName: "ss.json"}, Code: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	for _, tc := range []struct {
		at   int // ms
		host string
		want string
	}{
		{5, "server", "tcpServ.serve_forever()"},
		{35, "server", "        self.wfile.write(b'[%s] %s' % (ctime().encode(), self.rfile.readline()))"},
		{5, "client", "    tcpCliSock.connect(ADDR)"},
		{25, "client", "    tcpCliSock.send(b'%s\\r\\n' % data.encode('utf-8'))"},
		{65, "client", "    tcpCliSock.connect(ADDR)"},
	} {
		a.SetTime(ms * time.Duration(tc.at))
		line, _, _, ok := a.CodeLine(tc.host)
		l := a.listing(tc.host)
		if !ok || l.Lines[line] != tc.want {
			t.Errorf("%s at %dms: line %q (ok %v), want %q", tc.host, tc.at, l.Lines[line], ok, tc.want)
		}
	}
	// The same run in Go: the handler's ReadBytes, the client's new
	// net.Dial, and after the last reply the handler's deferred Close.
	a.CodeLang = textbook.Go
	for _, tc := range []struct {
		at   int // ms
		host string
		want string
	}{
		{5, "server", "\t\tconn, err := tcpServ.Accept()"},
		{35, "server", "\tline, err := bufio.NewReader(conn).ReadBytes('\\n')"},
		{65, "client", "\t\ttcpCliSock, err := net.Dial(\"tcp\", ADDR)"},
		{125, "server", "\tdefer conn.Close()"},
		{130, "client", "\t\ttcpCliSock.Close()"},
	} {
		a.SetTime(ms * time.Duration(tc.at))
		line, _, _, ok := a.CodeLine(tc.host)
		l := a.listing(tc.host)
		if !ok || l.Lang != textbook.Go || l.Lines[line] != tc.want {
			t.Errorf("Go: %s at %dms: %s line %q (ok %v), want %q", tc.host, tc.at, l.Name, l.Lines[line], ok, tc.want)
		}
	}
}

// fcrdns.py: the client's line is the reverse look-up's while the PTR
// query is out, the forward look-up's while the A query is, and then the
// line that prints the outcome; the DNS server runs no textbook program.
func TestCodeLineFCrDNS(t *testing.T) {
	doc := []byte(`{"name": "fcrdns", "seed": 1, "duration": "1s",
	  "hosts": [{"name": "client", "addrs": ["10.0.0.1"]}, {"name": "dns", "addrs": ["10.0.0.53"]}],
	  "links": [{"id": "l1", "a": "client", "b": "dns", "ab": {"delay": "10ms"}, "ba": {"delay": "10ms"}}],
	  "programs": [{"type": "dns-server", "host": "dns", "port": 53,
	      "records": ["10.0.0.4 PTR liar.example.test", "liar.example.test A 192.0.2.4"]},
	    {"type": "fcrdns-client", "host": "client", "server": "dns:53", "address": "10.0.0.4"}]}`)
	a, err := New(Options{Source: SimSource{}, Request: Request{Doc: doc, DocName: "fcrdns.json"}, Code: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	for _, tc := range []struct {
		at   int // ms
		want string
	}{
		{5, "    hostname = gethostname(sys.argv[1])  # could raise socket.herror"},
		{25, "    ipaddrs = getipaddrs(hostname)  # could raise socket.gaierror"},
		{45, `    print("Got hostname %s, but on forward lookup," % hostname)`},
	} {
		a.SetTime(ms * time.Duration(tc.at))
		line, _, _, ok := a.CodeLine("client")
		if l := a.listing("client"); !ok || l.Lines[line] != tc.want {
			t.Errorf("at %dms: line %q (ok %v), want %q", tc.at, l.Lines[line], ok, tc.want)
		}
	}
	if a.listing("dns") != nil {
		t.Error("the DNS server has a listing")
	}
}

// With the code panel asked for, the host shown first is one that runs
// a textbook program: the FCrDNS client, though the DNS server sends
// more bytes; without it, the DNS server.
func TestCodeShowsAProgramsHost(t *testing.T) {
	doc := []byte(`{"name": "fcrdns", "seed": 1, "duration": "1s",
	  "hosts": [{"name": "client", "addrs": ["10.0.0.1"]}, {"name": "dns", "addrs": ["10.0.0.53"]}],
	  "links": [{"id": "l1", "a": "client", "b": "dns", "ab": {"delay": "10ms"}, "ba": {"delay": "10ms"}}],
	  "programs": [{"type": "dns-server", "host": "dns", "port": 53, "records": ["10.0.0.2 PTR www.example.test"]},
	    {"type": "fcrdns-client", "host": "client", "server": "dns:53", "address": "10.0.0.2"}]}`)
	for _, tc := range []struct {
		code bool
		want string
	}{{true, "client"}, {false, "dns"}} {
		a, err := New(Options{Source: SimSource{}, Request: Request{Doc: doc, DocName: "fcrdns.json"}, Code: tc.code})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.codeHost(); got != tc.want {
			t.Errorf("code %v: host %q shown, want %q", tc.code, got, tc.want)
		}
		if tc.code && !a.codeShown() {
			t.Error("the code panel is not shown")
		}
		a.Close()
	}
}

// The Go listing follows the same calls on its own lines: net.Dial while
// the SYN flies, Accept until the handshake is done, Read blocking until
// data arrives, Close as the FIN leaves; the notes name Go's calls.
func TestCodeLineGo(t *testing.T) {
	a, err := New(Options{Source: SimSource{}, Request: Request{Preset: "handshake"}, Code: true, CodeLang: textbook.Go})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	for _, tc := range []struct {
		at         int // ms
		host, want string
		note       string
	}{
		{5, "client", "\ttcpCliSock, err := net.Dial(\"tcp\", ADDR)", "net.Dial() blocks: the handshake is under way"},
		{5, "server", "\t\ttcpCliSock, err := tcpSerSock.Accept()", "Accept() blocks until a client connects"},
		{25, "client", "\t\tn, err := tcpCliSock.Read(data)", "Read() blocks until data arrives"},
		{35, "server", "\t\t\tn, err := tcpCliSock.Read(data)", "Read() blocks until data arrives"},
		{45, "client", "\ttcpCliSock.Close()", "Close() sends a FIN"},
	} {
		a.SetTime(ms * time.Duration(tc.at))
		line, op, blocked, ok := a.CodeLine(tc.host)
		l := a.listing(tc.host)
		if !ok || l.Lang != textbook.Go || l.Lines[line] != tc.want {
			t.Errorf("%s at %dms: %s line %q (ok %v), want %q", tc.host, tc.at, l.Name, l.Lines[line], ok, tc.want)
		}
		if got := a.codeNote(op, blocked); got != tc.note {
			t.Errorf("%s at %dms: note %q, want %q", tc.host, tc.at, got, tc.note)
		}
	}
}

// Shift+A and a click on the panel's title switch Python ⇄ Go, the
// title naming the file and its language and the line found again in
// the other listing; Shift+A with the panel closed opens it.
func TestCodeLangSwitch(t *testing.T) {
	a := openPreset(t, "handshake", true)
	a.SetTime(25 * ms)
	shiftA := func() { _ = a.Update(Input{Keys: []Key{KeyA}, Shift: true, Width: 1280, Height: 800}) }
	check := func(when, name string, lang textbook.Lang, want, head string) {
		t.Helper()
		line, _, _, ok := a.CodeLine("client")
		l := a.listing("client")
		if !a.codeShown() || a.CodeLang != lang || l.Name != name || !ok || l.Lines[line] != want {
			t.Fatalf("%s: shown %v, %v %s line %q; want %v %s line %q", when, a.codeShown(), a.CodeLang, l.Name, l.Lines[line], lang, name, want)
		}
		if got := a.tr("code.head", l.Name, l.Lang, "client", a.otherLang()); got != head {
			t.Errorf("%s: title %q, want %q", when, got, head)
		}
	}
	py, gol := "    data = tcpCliSock.recv(BUFSIZ)", "\t\tn, err := tcpCliSock.Read(data)"
	check("at start", "tsTclnt.py", textbook.Python, py, "tsTclnt.py (Python) on client · Shift+A: Go")
	shiftA()
	check("after Shift+A", "tsTclnt.go", textbook.Go, gol, "tsTclnt.go (Go) on client · Shift+A: Python")
	g := a.regions(1280, 800)
	click(a, layout.Pt{X: g.code.X + g.code.W/2, Y: g.code.Y + g.row*0.7})
	check("after a click on the title", "tsTclnt.py", textbook.Python, py, "tsTclnt.py (Python) on client · Shift+A: Go")
	click(a, layout.Pt{X: g.code.X + g.code.W/2, Y: g.code.Y + g.code.H/2})
	check("after a click on the listing", "tsTclnt.py", textbook.Python, py, "tsTclnt.py (Python) on client · Shift+A: Go")
	press(a, KeyA)
	if a.codeShown() {
		t.Fatal("A did not hide the panel")
	}
	shiftA()
	check("Shift+A on the closed panel", "tsTclnt.go", textbook.Go, gol, "tsTclnt.go (Go) on client · Shift+A: Python")
	a.Lang = "zh"
	if got := a.tr("code.head", "tsTclnt.go", textbook.Go, "client", textbook.Python); got != "tsTclnt.go（Go，在 client 上）· Shift+A：Python" {
		t.Errorf("zh title %q", got)
	}
}
