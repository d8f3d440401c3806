package textbook

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// Each call's line is the one a reader would point at.
func TestCallLines(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		op   trace.AppOp
		want string
	}{
		{"tcp-timestamp-client", trace.OpConnect, "tcpCliSock.connect(ADDR)"},
		{"tcp-timestamp-client", trace.OpWrite, "    tcpCliSock.send(bytes(data, 'utf-8'))"},
		{"tcp-timestamp-client", trace.OpRead, "    data = tcpCliSock.recv(BUFSIZ)"},
		{"tcp-timestamp-client", trace.OpClose, "tcpCliSock.close()"},
		{"tcp-timestamp-server", trace.OpListen, "tcpSerSock.listen(5)"},
		{"tcp-timestamp-server", trace.OpAccept, "    tcpCliSock, addr = tcpSerSock.accept()"},
		{"tcp-timestamp-server", trace.OpRead, "        data = tcpCliSock.recv(BUFSIZ)"},
		{"tcp-timestamp-server", trace.OpClose, "    tcpCliSock.close()"},
		{"tcp-line-server", trace.OpListen, "tcpServ = Server(ADDR, MyRequestHandler)"},
		{"tcp-line-server", trace.OpAccept, "tcpServ.serve_forever()"},
		{"tcp-line-server", trace.OpRead, "        self.wfile.write(b'[%s] %s' % (ctime().encode(), self.rfile.readline()))"},
		{"tcp-line-client", trace.OpConnect, "    tcpCliSock.connect(ADDR)"},
		{"tcp-line-client", trace.OpWrite, "    tcpCliSock.send(b'%s\\r\\n' % data.encode('utf-8'))"},
		{"tcp-line-client", trace.OpClose, "    tcpCliSock.close()"},
		{"info-client", trace.OpGetServByName, "port = socket.getservbyname(SERVICE, 'tcp')"},
		{"info-client", trace.OpDNSQuery, "s.connect((HOST, port))"},
		{"info-client", trace.OpConnect, "s.connect((HOST, port))"},
		{"info-client", trace.OpGetSockName, `print("Connected from", s.getsockname())`},
		{"info-client", trace.OpGetPeerName, `print("Connected to", s.getpeername())`},
		{"udp-timestamp-client", trace.OpRecvFrom, "    data, ADDR = udpCliSock.recvfrom(BUFSIZ)"},
		{"udp-timestamp-server", trace.OpSendTo, "    udpSerSock.sendto(b'[%s] %s' % (ctime().encode(), data), addr)"},
	} {
		l := For(tc.typ)
		i, ok := l.Line(tc.op)
		if !ok || l.Lines[i] != tc.want {
			t.Errorf("%s %v: line %d %q, want %q", tc.typ, tc.op, i, l.Lines[i], tc.want)
		}
	}
	l := For("tcp-timestamp-client")
	if l.Lines[0] != "import sys" || l.Name != "tsTclnt.py" {
		t.Errorf("first line %q of %s, want the code after the header comment", l.Lines[0], l.Name)
	}
	if _, ok := l.Line(trace.OpAccept); ok {
		t.Error("the client has an accept line")
	}
	if For("tcp-bulk-sender") != nil {
		t.Error("a program that is not the textbook's has a listing")
	}
	if !slices.Contains(Types(), "udp-timestamp-server") {
		t.Error("Types misses udp-timestamp-server")
	}
	if _, ok := For("info-client").Line(trace.OpSendTo); ok {
		t.Error("the resolver's own sendto has a line in connect.py")
	}
}

// fcrdns.py's look-ups are one operation on two lines, told apart by the
// question's type, and each outcome is the line that prints it.
func TestCallLinesByText(t *testing.T) {
	l := For("fcrdns-client")
	for _, tc := range []struct {
		op         trace.AppOp
		text, want string
	}{
		{trace.OpDNSQuery, "PTR 4.0.0.10.in-addr.arpa", "    hostname = gethostname(sys.argv[1])  # could raise socket.herror"},
		{trace.OpDNSAnswer, "PTR 4.0.0.10.in-addr.arpa: liar.example.test", "    hostname = gethostname(sys.argv[1])  # could raise socket.herror"},
		{trace.OpDNSQuery, "A liar.example.test", "    ipaddrs = getipaddrs(hostname)  # could raise socket.gaierror"},
		{trace.OpDNSAnswer, "AAAA liar.example.test: no records", "    ipaddrs = getipaddrs(hostname)  # could raise socket.gaierror"},
		{trace.OpFCrDNS, "confirmed", `print("Validated hostname:", hostname)`},
		{trace.OpFCrDNS, "no-ptr", `    print("No host names available for %s; this may be normal." % sys.argv[1])`},
		{trace.OpFCrDNS, "no-forward", `    print("Got hostname %s, but it could not be forward-resolved: %s" %`},
		{trace.OpFCrDNS, "mismatch", `    print("Got hostname %s, but on forward lookup," % hostname)`},
	} {
		i, ok := l.LineOf(tc.op, tc.text)
		if !ok || l.Lines[i] != tc.want {
			t.Errorf("%v %q: line %d %q, want %q", tc.op, tc.text, i, l.Lines[i], tc.want)
		}
	}
	if _, ok := l.LineOf(trace.OpFCrDNS, "unheard-of"); ok {
		t.Error("an outcome fcrdns.py does not print has a line")
	}
	if l.Lines[0] != "import sys" {
		t.Errorf("first line %q", l.Lines[0])
	}
}

// connect.py and fcrdns.py are real Python: fcrdns.py confirms
// 127.0.0.1 through /etc/hosts (localhost both ways), and connect.py,
// pointed at a free port of localhost, gets as far as connect() and
// fails there, after its first two steps.
func TestNameProgramsRun(t *testing.T) {
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "fcrdns.py", "127.0.0.1").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "Validated hostname: ") {
		t.Errorf("fcrdns.py 127.0.0.1: %v: %s", err, out)
	}
	if _, err := os.Stat("/etc/services"); err != nil {
		t.Skip("no /etc/services: getservbyname has no table to read")
	}
	// "discard" (port 9) has nothing listening on a test machine.
	out, err = exec.CommandContext(ctx, py, "connect.py", "localhost", "discard").CombinedOutput()
	if err == nil || !strings.HasPrefix(string(out), "Creating socket... done.\nLooking up port number... done.\nConnecting to remote host on port 9...") ||
		!strings.Contains(string(out), "ConnectionRefusedError") {
		t.Errorf("connect.py localhost discard: %v: %s", err, out)
	}
}
