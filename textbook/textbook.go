// Package textbook holds the textbook's Python programs, in their
// Python 3 versions: the *.py files beside this one. core's tests run the
// timestamp programs against socketlab's servers and clients in both
// directions; the name chapter's connect.py and fcrdns.py, which need a
// resolver of their own to mean anything, are compiled by this package's
// tests and run against loopback and /etc/hosts. For
// those the simulator's programs stand for (tsTclnt.py for
// tcp-timestamp-client, …) it says which line makes each socket call, so
// that the playground can show the program beside the wire with the line
// the program is in marked: connect() while the SYN flies, recv()
// blocking until data arrives, close() as the FIN leaves.
//
// Each of those programs has a Go equivalent too, in go/NAME/NAME.go: a
// command of its own (so go build and go vet check it), written the way
// a Go teacher would write the textbook's program with package net,
// close to the Python's shape so that the two read side by side, and
// byte for byte the same protocol. This package's tests build and run
// them on loopback against core's servers and clients and the Python
// programs. ForLang gives their listings, each call's line found as for
// the Python: net.Dial for connect(), Read for recv(), ….
package textbook

import (
	"embed"
	"path"
	"slices"
	"strings"

	"socketlab/sim/trace"
)

//go:embed tsTclnt.py tsTserv.py tsUclnt.py tsUserv.py tsTclntSS.py tsTservSS.py connect.py fcrdns.py
//go:embed go/tsTclnt/tsTclnt.go go/tsTserv/tsTserv.go go/tsUclnt/tsUclnt.go go/tsUserv/tsUserv.go
//go:embed go/tsTclntSS/tsTclntSS.go go/tsTservSS/tsTservSS.go go/connect/connect.go go/fcrdns/fcrdns.go
var files embed.FS

// Lang is the language of a listing.
type Lang uint8

// The languages a program is shown in.
const (
	Python Lang = iota // the textbook's own program
	Go                 // its Go equivalent
)

// String names the language as the panel's title does: "Python", "Go".
func (l Lang) String() string {
	if l == Go {
		return "Go"
	}
	return "Python"
}

// CallName names op as a call of the language's API, the way a note on
// a blocked call says it: "recv()" in Python, "Read()" in Go; "" for an
// operation it has no note on.
func (l Lang) CallName(op trace.AppOp) string {
	names := map[trace.AppOp][2]string{
		trace.OpConnect: {"connect()", "net.Dial()"}, trace.OpAccept: {"accept()", "Accept()"},
		trace.OpRead: {"recv()", "Read()"}, trace.OpRecvFrom: {"recvfrom()", "ReadFrom()"},
		trace.OpClose: {"close()", "Close()"},
	}
	n, ok := names[op]
	if !ok || l > Go {
		return ""
	}
	return n[l]
}

// Listing is a program as the playground shows it: from its first line
// of code (the header comment is left out), each call's line found.
type Listing struct {
	Name  string   // the file's name: "tsTclnt.py", "tsTclnt.go"
	Lang  Lang     // the language it is written in
	Lines []string // the lines shown
	calls []call   // piece replaced by its line's index
}

// call says which line makes a socket call: the first line holding
// piece. text, when set, narrows the call to the events whose text
// starts with it — a PTR look-up and an A look-up are one operation on
// two lines, and fcrdns.py prints each outcome on a line of its own.
// last takes the last line holding piece instead of the first.
type call struct {
	op    trace.AppOp
	text  string
	piece string
	last  bool
	line  int
}

// program is a listing's file and its calls, those narrowed by text
// first.
type program struct {
	file  string
	calls []call
}

// programs maps a simulator program type to its Python program.
var programs = map[string]program{
	"tcp-timestamp-client": {"tsTclnt.py", []call{
		{op: trace.OpConnect, piece: ".connect("}, {op: trace.OpWrite, piece: ".send("},
		{op: trace.OpRead, piece: ".recv("}, {op: trace.OpClose, piece: ".close()"}}},
	"tcp-timestamp-server": {"tsTserv.py", []call{
		{op: trace.OpListen, piece: ".listen("}, {op: trace.OpAccept, piece: ".accept()"}, {op: trace.OpRead, piece: ".recv("},
		{op: trace.OpWrite, piece: ".send("}, {op: trace.OpClose, piece: "tcpCliSock.close()"}}},
	// SocketServer makes the server's calls inside serve_forever and the
	// handler's file objects: readline() is the recv()s, write() the send.
	"tcp-line-server": {"tsTservSS.py", []call{
		{op: trace.OpListen, piece: "Server(ADDR, MyRequestHandler)"}, {op: trace.OpAccept, piece: ".serve_forever()"},
		{op: trace.OpRead, piece: ".readline()"}, {op: trace.OpWrite, piece: ".wfile.write("}}},
	"tcp-line-client": {"tsTclntSS.py", []call{
		{op: trace.OpConnect, piece: ".connect("}, {op: trace.OpWrite, piece: ".send("},
		{op: trace.OpRead, piece: ".recv("}, {op: trace.OpClose, piece: ".close()"}}},
	"udp-timestamp-client": {"tsUclnt.py", []call{
		{op: trace.OpSendTo, piece: ".sendto("}, {op: trace.OpRecvFrom, piece: ".recvfrom("}, {op: trace.OpClose, piece: ".close()"}}},
	"udp-timestamp-server": {"tsUserv.py", []call{
		{op: trace.OpRecvFrom, piece: ".recvfrom("}, {op: trace.OpSendTo, piece: ".sendto("}}},
	// connect() by name looks the address up first: the look-up is on
	// the connect line. The resolver's own socket calls have no line.
	"info-client": {"connect.py", []call{
		{op: trace.OpGetServByName, piece: ".getservbyname("}, {op: trace.OpDNSQuery, piece: ".connect(("},
		{op: trace.OpDNSAnswer, piece: ".connect(("}, {op: trace.OpConnect, piece: ".connect(("},
		{op: trace.OpGetSockName, piece: ".getsockname()"}, {op: trace.OpGetPeerName, piece: ".getpeername()"}}},
	"fcrdns-client": {"fcrdns.py", []call{
		{op: trace.OpDNSQuery, text: "PTR", piece: "hostname = gethostname("},
		{op: trace.OpDNSAnswer, text: "PTR", piece: "hostname = gethostname("},
		{op: trace.OpFCrDNS, text: "confirmed", piece: `print("Validated hostname:"`},
		{op: trace.OpFCrDNS, text: "no-ptr", piece: `print("No host names available`},
		{op: trace.OpFCrDNS, text: "no-forward", piece: "could not be forward-resolved"},
		{op: trace.OpFCrDNS, text: "mismatch", piece: "but on forward lookup,"},
		{op: trace.OpDNSQuery, piece: "ipaddrs = getipaddrs("}, {op: trace.OpDNSAnswer, piece: "ipaddrs = getipaddrs("}}},
}

// goPrograms maps a simulator program type to the Go equivalent of its
// Python program. Go's net package joins calls the socket API makes
// apart: net.Listen is socket, bind and listen; net.Dial is socket, the
// name's look-up and connect.
var goPrograms = map[string]program{
	"tcp-timestamp-client": {"go/tsTclnt/tsTclnt.go", []call{
		{op: trace.OpConnect, piece: "net.Dial("}, {op: trace.OpWrite, piece: ".Write("},
		{op: trace.OpRead, piece: ".Read("}, {op: trace.OpClose, piece: "tcpCliSock.Close()"}}},
	"tcp-timestamp-server": {"go/tsTserv/tsTserv.go", []call{
		{op: trace.OpListen, piece: "net.Listen("}, {op: trace.OpAccept, piece: ".Accept()"}, {op: trace.OpRead, piece: ".Read("},
		{op: trace.OpWrite, piece: ".Write("}, {op: trace.OpClose, piece: "tcpCliSock.Close()"}}},
	// handle's deferred Close is the close: the line that asked for it.
	"tcp-line-server": {"go/tsTservSS/tsTservSS.go", []call{
		{op: trace.OpListen, piece: "net.Listen("}, {op: trace.OpAccept, piece: ".Accept()"},
		{op: trace.OpRead, piece: ".ReadBytes("}, {op: trace.OpWrite, piece: ".Write("},
		{op: trace.OpShutdown, piece: ".CloseWrite()"}, {op: trace.OpClose, piece: "conn.Close()"}}},
	// The close after the reply, not the one of the connection that
	// sends nothing.
	"tcp-line-client": {"go/tsTclntSS/tsTclntSS.go", []call{
		{op: trace.OpConnect, piece: "net.Dial("}, {op: trace.OpWrite, piece: ".Write("},
		{op: trace.OpRead, piece: ".Read("}, {op: trace.OpClose, piece: "tcpCliSock.Close()", last: true}}},
	"udp-timestamp-client": {"go/tsUclnt/tsUclnt.go", []call{
		{op: trace.OpSendTo, piece: ".WriteTo("}, {op: trace.OpRecvFrom, piece: ".ReadFrom("}, {op: trace.OpClose, piece: ".Close()"}}},
	"udp-timestamp-server": {"go/tsUserv/tsUserv.go", []call{
		{op: trace.OpRecvFrom, piece: ".ReadFrom("}, {op: trace.OpSendTo, piece: ".WriteTo("}}},
	"info-client": {"go/connect/connect.go", []call{
		{op: trace.OpGetServByName, piece: "net.LookupPort("}, {op: trace.OpDNSQuery, piece: "net.Dial("},
		{op: trace.OpDNSAnswer, piece: "net.Dial("}, {op: trace.OpConnect, piece: "net.Dial("},
		{op: trace.OpGetSockName, piece: ".LocalAddr()"}, {op: trace.OpGetPeerName, piece: ".RemoteAddr()"}}},
	"fcrdns-client": {"go/fcrdns/fcrdns.go", []call{
		{op: trace.OpDNSQuery, text: "PTR", piece: "hostname, err := gethostname("},
		{op: trace.OpDNSAnswer, text: "PTR", piece: "hostname, err := gethostname("},
		{op: trace.OpFCrDNS, text: "confirmed", piece: `fmt.Println("Validated hostname:"`},
		{op: trace.OpFCrDNS, text: "no-ptr", piece: `"No host names available`},
		{op: trace.OpFCrDNS, text: "no-forward", piece: "could not be forward-resolved"},
		{op: trace.OpFCrDNS, text: "mismatch", piece: "but on forward lookup,"},
		{op: trace.OpDNSQuery, piece: "ipaddrs, err := getipaddrs("}, {op: trace.OpDNSAnswer, piece: "ipaddrs, err := getipaddrs("}}},
}

// For returns the Python listing of a simulator program type, nil for a
// program that is not one of the textbook's.
func For(programType string) *Listing { return ForLang(programType, Python) }

// ForLang returns the listing of a simulator program type in lang, nil
// for a program that is not one of the textbook's.
func ForLang(programType string, lang Lang) *Listing {
	p, ok := programs[programType]
	comment := "#"
	if lang == Go {
		p, ok = goPrograms[programType]
		comment = "//"
	}
	if !ok {
		return nil
	}
	data, err := files.ReadFile(p.file)
	if err != nil {
		panic("textbook: " + err.Error()) // embedded: a build defect
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for len(lines) > 0 && (strings.HasPrefix(lines[0], comment) || lines[0] == "") {
		lines = lines[1:]
	}
	l := &Listing{Name: path.Base(p.file), Lang: lang, Lines: lines}
	for _, c := range p.calls {
		c.line = slices.IndexFunc(lines, func(s string) bool { return strings.Contains(s, c.piece) })
		if c.last {
			for i := len(lines) - 1; i > c.line; i-- {
				if strings.Contains(lines[i], c.piece) {
					c.line = i
					break
				}
			}
		}
		if c.line < 0 {
			panic("textbook: " + p.file + " has no line with " + c.piece) // caught by the tests
		}
		l.calls = append(l.calls, c)
	}
	return l
}

// Line returns the index in Lines of the line that makes call op, and
// false when the program makes no such call.
func (l *Listing) Line(op trace.AppOp) (int, bool) { return l.LineOf(op, "") }

// LineOf is Line for an event with this text: a call narrowed by text
// (the look-up of a PTR record, one outcome) has a line of its own.
func (l *Listing) LineOf(op trace.AppOp, text string) (int, bool) {
	for _, c := range l.calls {
		if c.op == op && strings.HasPrefix(text, c.text) {
			return c.line, true
		}
	}
	return 0, false
}

// Types lists the program types that have a listing.
func Types() []string {
	var ts []string
	for t := range programs {
		ts = append(ts, t)
	}
	return ts
}
