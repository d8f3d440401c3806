package textbook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/core"
	"socketlab/sim/trace"
	"socketlab/textbook/texttest"
)

// Each call's line in the Go equivalents is the one a reader would
// point at: net.Dial for connect(), Read for recv(), ….
func TestGoCallLines(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		op   trace.AppOp
		want string
	}{
		{"tcp-timestamp-client", trace.OpConnect, "\ttcpCliSock, err := net.Dial(\"tcp\", ADDR)"},
		{"tcp-timestamp-client", trace.OpWrite, "\t\tif _, err := tcpCliSock.Write(stdin.Bytes()); err != nil {"},
		{"tcp-timestamp-client", trace.OpRead, "\t\tn, err := tcpCliSock.Read(data)"},
		{"tcp-timestamp-client", trace.OpClose, "\ttcpCliSock.Close()"},
		{"tcp-timestamp-server", trace.OpListen, "\ttcpSerSock, err := net.Listen(\"tcp\", ADDR)"},
		{"tcp-timestamp-server", trace.OpAccept, "\t\ttcpCliSock, err := tcpSerSock.Accept()"},
		{"tcp-timestamp-server", trace.OpRead, "\t\t\tn, err := tcpCliSock.Read(data)"},
		{"tcp-timestamp-server", trace.OpWrite, "\t\t\tif _, err := tcpCliSock.Write(fmt.Appendf(nil, \"[%s] %s\", ctime(), data[:n])); err != nil {"},
		{"tcp-timestamp-server", trace.OpClose, "\t\ttcpCliSock.Close()"},
		{"tcp-line-server", trace.OpListen, "\ttcpServ, err := net.Listen(\"tcp\", ADDR)"},
		{"tcp-line-server", trace.OpAccept, "\t\tconn, err := tcpServ.Accept()"},
		{"tcp-line-server", trace.OpRead, "\tline, err := bufio.NewReader(conn).ReadBytes('\\n')"},
		{"tcp-line-server", trace.OpWrite, "\tif _, err := conn.Write(fmt.Appendf(nil, \"[%s] %s\", ctime(), line)); err != nil {"},
		{"tcp-line-server", trace.OpShutdown, "\tconn.(*net.TCPConn).CloseWrite()"},
		{"tcp-line-server", trace.OpClose, "\tdefer conn.Close()"},
		{"tcp-line-client", trace.OpConnect, "\t\ttcpCliSock, err := net.Dial(\"tcp\", ADDR)"},
		{"tcp-line-client", trace.OpWrite, "\t\tif _, err := tcpCliSock.Write([]byte(stdin.Text() + \"\\r\\n\")); err != nil {"},
		{"tcp-line-client", trace.OpRead, "\t\tn, err := tcpCliSock.Read(data)"},
		{"tcp-line-client", trace.OpClose, "\t\ttcpCliSock.Close()"},
		{"udp-timestamp-client", trace.OpSendTo, "\t\tif _, err := udpCliSock.WriteTo(stdin.Bytes(), ADDR); err != nil {"},
		{"udp-timestamp-client", trace.OpRecvFrom, "\t\tn, _, err := udpCliSock.ReadFrom(data)"},
		{"udp-timestamp-client", trace.OpClose, "\tudpCliSock.Close()"},
		{"udp-timestamp-server", trace.OpRecvFrom, "\t\tn, addr, err := udpSerSock.ReadFrom(data)"},
		{"udp-timestamp-server", trace.OpSendTo, "\t\tif _, err := udpSerSock.WriteTo(fmt.Appendf(nil, \"[%s] %s\", ctime(), data[:n]), addr); err != nil {"},
		{"info-client", trace.OpGetServByName, "\tport, err := net.LookupPort(\"tcp\", SERVICE)"},
		{"info-client", trace.OpDNSQuery, "\ts, err := net.Dial(\"tcp\", net.JoinHostPort(HOST, strconv.Itoa(port)))"},
		{"info-client", trace.OpConnect, "\ts, err := net.Dial(\"tcp\", net.JoinHostPort(HOST, strconv.Itoa(port)))"},
		{"info-client", trace.OpGetSockName, "\tfmt.Println(\"Connected from\", s.LocalAddr())"},
		{"info-client", trace.OpGetPeerName, "\tfmt.Println(\"Connected to\", s.RemoteAddr())"},
	} {
		l := ForLang(tc.typ, Go)
		i, ok := l.Line(tc.op)
		if !ok || l.Lines[i] != tc.want {
			t.Errorf("%s %v: line %d %q, want %q", tc.typ, tc.op, i, l.Lines[i], tc.want)
		}
	}
	// The tcp-line-client's close is the one after the reply, the last.
	l := ForLang("tcp-line-client", Go)
	if i, _ := l.Line(trace.OpClose); slices.ContainsFunc(l.Lines[i+1:], func(s string) bool { return strings.Contains(s, ".Close()") }) {
		t.Errorf("tsTclntSS.go's close is line %d, not the last Close", i)
	}
	l = ForLang("tcp-timestamp-client", Go)
	if l.Lines[0] != "package main" || l.Name != "tsTclnt.go" || l.Lang != Go || l.Lang.String() != "Go" {
		t.Errorf("first line %q of %s (%v), want the code after the header comment", l.Lines[0], l.Name, l.Lang)
	}
	if p := For("tcp-timestamp-client"); p.Lang != Python || p.Lang.String() != "Python" {
		t.Errorf("For gives %v, want Python", p.Lang)
	}
	if ForLang("tcp-bulk-sender", Go) != nil {
		t.Error("a program that is not the textbook's has a Go listing")
	}
	if _, ok := ForLang("info-client", Go).Line(trace.OpSendTo); ok {
		t.Error("the resolver's own sendto has a line in connect.go")
	}
}

// fcrdns.go's lines, as fcrdns.py's: the look-ups told apart by the
// question's type, each outcome the line that prints it.
func TestGoCallLinesByText(t *testing.T) {
	l := ForLang("fcrdns-client", Go)
	for _, tc := range []struct {
		op         trace.AppOp
		text, want string
	}{
		{trace.OpDNSQuery, "PTR 4.0.0.10.in-addr.arpa", "\thostname, err := gethostname(os.Args[1])"},
		{trace.OpDNSAnswer, "PTR 4.0.0.10.in-addr.arpa: liar.example.test", "\thostname, err := gethostname(os.Args[1])"},
		{trace.OpDNSQuery, "A liar.example.test", "\tipaddrs, err := getipaddrs(hostname)"},
		{trace.OpDNSAnswer, "AAAA liar.example.test: no records", "\tipaddrs, err := getipaddrs(hostname)"},
		{trace.OpFCrDNS, "confirmed", "\tfmt.Println(\"Validated hostname:\", hostname)"},
		{trace.OpFCrDNS, "no-ptr", "\t\tfmt.Printf(\"No host names available for %s; this may be normal.\\n\", os.Args[1])"},
		{trace.OpFCrDNS, "no-forward", "\t\tfmt.Printf(\"Got hostname %s, but it could not be forward-resolved: %v\\n\","},
		{trace.OpFCrDNS, "mismatch", "\t\tfmt.Printf(\"Got hostname %s, but on forward lookup,\\n\", hostname)"},
	} {
		i, ok := l.LineOf(tc.op, tc.text)
		if !ok || l.Lines[i] != tc.want {
			t.Errorf("%v %q: line %d %q, want %q", tc.op, tc.text, i, l.Lines[i], tc.want)
		}
	}
}

// Every program with a Python listing has a Go one, and each makes the
// same calls: a call the Python shows has a line in the Go too.
func TestEveryProgramHasGo(t *testing.T) {
	if len(goPrograms) != len(programs) {
		t.Errorf("%d Go listings for %d Python ones", len(goPrograms), len(programs))
	}
	for _, typ := range Types() {
		g := ForLang(typ, Go)
		if g == nil {
			t.Errorf("%s has no Go listing", typ)
			continue
		}
		for _, c := range programs[typ].calls {
			if _, ok := g.LineOf(c.op, c.text); !ok {
				t.Errorf("%s: %s makes %v %q, %s has no line for it", typ, programs[typ].file, c.op, c.text, g.Name)
			}
		}
	}
}

// goTool returns the go command, which builds the Go equivalents.
// Missing, the test is skipped, unless CI=true.
func goTool(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "js" {
		t.Skip("WebAssembly starts no process")
	}
	p, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("go is not on PATH; CI=true requires it")
		}
		t.Skip("go is not on PATH")
	}
	return p
}

// buildGo builds (and so compiles, vet having run as go test runs) all
// the Go equivalents into a temporary directory and returns it.
func buildGo(t *testing.T) string {
	t.Helper()
	gocmd := goTool(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, gocmd, "build", "-o", dir+string(filepath.Separator), "./go/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./go/...: %v\n%s", err, out)
	}
	for _, p := range goPrograms {
		if _, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(filepath.Base(p.file), ".go"))); err != nil {
			t.Fatalf("%s was not built: %v", p.file, err)
		}
	}
	return dir
}

// Without their arguments, the Go programs say how to call them.
func TestGoUsage(t *testing.T) {
	bin := buildGo(t)
	for _, p := range goPrograms {
		name := strings.TrimSuffix(filepath.Base(p.file), ".go")
		out, err := exec.Command(filepath.Join(bin, name)).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "usage: "+name+" ") || strings.Count(string(out), "\n") != 1 {
			t.Errorf("%s without arguments: %v, %q", name, err, out)
		}
	}
}

// runClient runs a client against addr with stdin and returns its stdout.
func runClient(t *testing.T, addr, stdin string, argv ...string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], host, port)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v; stderr:\n%s", argv, err, stderr.String())
	}
	return string(out)
}

// python3 returns python3's path, skipping without it unless CI=true,
// and under WebAssembly, which starts no process.
func python3(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "js" {
		t.Skip("WebAssembly starts no process")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is not on PATH; CI=true requires it")
		}
		t.Skip("python3 is not on PATH")
	}
	return py
}

// The fixed clock of core's servers here, and the stamp it gives.
func fixedNow() time.Time { return time.Date(2026, time.November, 21, 11, 10, 46, 0, time.UTC) }

const stamp = "[Sat Nov 21 11:10:46 2026] "

// stampRE matches the stamp of a server on the real clock.
var stampRE = regexp.MustCompile(`\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d \d{4}\] `)

// unstamp checks that reply starts with a ctime stamp near now and
// returns the rest.
func unstamp(t *testing.T, reply []byte) string {
	t.Helper()
	m := stampRE.Find(reply)
	if m == nil || !bytes.HasPrefix(reply, m) {
		t.Fatalf("reply %q has no ctime stamp", reply)
	}
	ts, err := time.ParseInLocation(time.ANSIC, string(m[1:len(m)-2]), time.Local)
	if err != nil {
		t.Fatalf("stamp %q is not time.ANSIC: %v", m, err)
	}
	if d := time.Since(ts); d < -time.Minute || d > time.Minute {
		t.Fatalf("stamp %q is %v away from now", m, d)
	}
	return string(reply[len(m):])
}

// serveCore serves a core stream server on a loopback listener until the
// end of the test.
func serveCore(t *testing.T, serve func(net.Listener) error, closeSrv func() error) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- serve(l) }()
	t.Cleanup(func() {
		closeSrv()
		if err := <-errc; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return l.Addr().String()
}

// The Go clients against socketlab's own servers (core, on a fixed
// clock): they print exactly what the Python clients print against the
// same servers (core's interop tests hold those to it).
func TestGoClients(t *testing.T) {
	bin := buildGo(t)
	const in = "hello\nworld\n"
	want := "> " + stamp + "hello\n> " + stamp + "world\n> "
	ts := &core.TimestampServer{Now: fixedNow}
	ls := &core.LineTimestampServer{Now: fixedNow}
	us := &core.UDPTimestampServer{Now: fixedNow}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uerr := make(chan error, 1)
	go func() { uerr <- us.ServePacket(pc) }()
	defer func() {
		us.Close()
		if err := <-uerr; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("ServePacket returned %v", err)
		}
	}()
	for _, tc := range []struct{ prog, addr string }{
		{"tsTclnt", serveCore(t, ts.Serve, ts.Close)},
		{"tsTclntSS", serveCore(t, ls.Serve, ls.Close)},
		{"tsUclnt", pc.LocalAddr().String()},
	} {
		if got := runClient(t, tc.addr, in, filepath.Join(bin, tc.prog)); got != want {
			t.Errorf("%s printed\n%q\nwant\n%q", tc.prog, got, want)
		}
	}
}

// exchange sends each message in one write and checks that the one read
// after it is the message stamped.
func exchange(t *testing.T, c net.Conn, msgs ...string) {
	t.Helper()
	buf := make([]byte, 2048)
	for _, msg := range msgs {
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if rest := unstamp(t, buf[:n]); rest != msg {
			t.Fatalf("reply carries %q, want %q", rest, msg)
		}
	}
}

// The Go servers on the wire, byte for byte: the TCP server answers each
// chunk and closes when the client does; the SocketServer one answers
// one line per connection, its "\r\n" kept (and an empty connection with
// the stamp alone), then shuts down its side; the UDP one answers each
// datagram, on IPv6 too.
func TestGoServers(t *testing.T) {
	bin := buildGo(t)
	dial := func(t *testing.T, network, addr string) net.Conn {
		t.Helper()
		c, err := net.DialTimeout(network, addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c
	}
	t.Run("tsTserv", func(t *testing.T) {
		c := dial(t, "tcp", texttest.StartServer(t, "127.0.0.1", filepath.Join(bin, "tsTserv")))
		exchange(t, c, "hello", "\x00\xff binary")
		c.(*net.TCPConn).CloseWrite()
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Fatalf("after our FIN: %d bytes, %v; want the server's close", n, err)
		}
	})
	t.Run("tsTservSS", func(t *testing.T) {
		addr := texttest.StartServer(t, "127.0.0.1", filepath.Join(bin, "tsTservSS"))
		for _, msg := range []string{"fds\r\n", "no newline", ""} {
			c := dial(t, "tcp", addr)
			if _, err := c.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(msg, "\n") {
				c.(*net.TCPConn).CloseWrite()
			}
			reply, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			if rest := unstamp(t, reply); rest != msg {
				t.Fatalf("reply carries %q, want %q", rest, msg)
			}
		}
	})
	t.Run("tsUserv", func(t *testing.T) {
		host := "::1"
		if l, err := net.ListenPacket("udp6", "[::1]:0"); err != nil {
			host = "127.0.0.1" // no IPv6 here
		} else {
			l.Close()
		}
		exchange(t, dial(t, "udp", texttest.StartServer(t, host, filepath.Join(bin, "tsUserv"))), "fds", "\x00\xff")
	})
}

// The textbook's Python clients against the Go servers: they print what
// they print against the Python servers.
func TestPythonClientsGoServers(t *testing.T) {
	py := python3(t)
	bin := buildGo(t)
	line := regexp.MustCompile(`^> ` + stampRE.String() + `hello\n> ` + stampRE.String() + `world\n> $`)
	for _, tc := range []struct{ script, server string }{
		{"tsTclnt.py", "tsTserv"}, {"tsTclntSS.py", "tsTservSS"}, {"tsUclnt.py", "tsUserv"},
	} {
		addr := texttest.StartServer(t, "127.0.0.1", filepath.Join(bin, tc.server))
		if got := runClient(t, addr, "hello\nworld\n", py, tc.script); !line.MatchString(got) {
			t.Errorf("%s against %s printed %q", tc.script, tc.server, got)
		}
	}
}

// connect.go looks a port up (a number is its own port), connects and
// prints both ends; pointed at a port nobody listens on, it fails at
// net.Dial. fcrdns.go confirms 127.0.0.1 through /etc/hosts, printing
// what fcrdns.py prints.
func TestGoNamePrograms(t *testing.T) {
	bin := buildGo(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			peer <- err.Error()
			return
		}
		peer <- c.RemoteAddr().String()
		c.Close()
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "connect"), "127.0.0.1", port).Output()
	from := <-peer
	want := "Looking up port number... done.\nConnecting to remote host on port " + port + "... done.\n" +
		"Connected from " + from + "\nConnected to 127.0.0.1:" + port + "\n"
	if err != nil || string(out) != want {
		t.Errorf("connect 127.0.0.1 %s: %v\n%q\nwant\n%q", port, err, out, want)
	}
	l.Close() // now nobody listens there
	out, err = exec.CommandContext(ctx, filepath.Join(bin, "connect"), "127.0.0.1", port).CombinedOutput()
	if err == nil || !strings.HasPrefix(string(out), "Looking up port number... done.\nConnecting to remote host on port "+port+"... ") ||
		!strings.Contains(string(out), "connection refused") {
		t.Errorf("connect to a closed port: %v: %s", err, out)
	}

	out, err = exec.CommandContext(ctx, filepath.Join(bin, "fcrdns"), "127.0.0.1").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "Validated hostname: ") {
		t.Errorf("fcrdns 127.0.0.1: %v: %s", err, out)
	}
	if py, err := exec.LookPath("python3"); err == nil {
		if pout, err := exec.CommandContext(ctx, py, "fcrdns.py", "127.0.0.1").CombinedOutput(); err != nil || !bytes.Equal(pout, out) {
			t.Errorf("fcrdns.py 127.0.0.1 printed %q (%v), fcrdns %q", pout, err, out)
		}
	}
}

// A note on a blocked call names it as the listing's language does.
func TestCallName(t *testing.T) {
	for _, tc := range []struct {
		lang Lang
		op   trace.AppOp
		want string
	}{
		{Python, trace.OpConnect, "connect()"}, {Go, trace.OpConnect, "net.Dial()"},
		{Python, trace.OpRecvFrom, "recvfrom()"}, {Go, trace.OpRead, "Read()"},
		{Go, trace.OpClose, "Close()"}, {Go, trace.OpListen, ""}, {Lang(7), trace.OpRead, ""},
	} {
		if got := tc.lang.CallName(tc.op); got != tc.want {
			t.Errorf("%v.CallName(%v) = %q, want %q", tc.lang, tc.op, got, tc.want)
		}
	}
}
