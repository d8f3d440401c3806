// Package textbook holds the textbook's Python programs, in their
// Python 3 versions: the *.py files beside this one, which core's tests
// run against socketlab's servers and clients in both directions. For
// those the simulator's programs stand for (tsTclnt.py for
// tcp-timestamp-client, …) it says which line makes each socket call, so
// that the playground can show the program beside the wire with the line
// the program is in marked: connect() while the SYN flies, recv()
// blocking until data arrives, close() as the FIN leaves.
package textbook

import (
	"embed"
	"strings"

	"socketlab/sim/trace"
)

//go:embed tsTclnt.py tsTserv.py tsUclnt.py tsUserv.py tsTclntSS.py tsTservSS.py
var files embed.FS

// Listing is a program as the playground shows it: from its first line
// of code (the header comment is left out), each call's line found.
type Listing struct {
	Name  string   // the file's name: "tsTclnt.py"
	Lines []string // the lines shown
	calls map[trace.AppOp]int
}

// programs maps a simulator program type to its file and, per socket
// call, a piece of the line that makes it.
var programs = map[string]struct {
	file  string
	calls map[trace.AppOp]string
}{
	"tcp-timestamp-client": {"tsTclnt.py", map[trace.AppOp]string{
		trace.OpConnect: ".connect(", trace.OpWrite: ".send(", trace.OpRead: ".recv(", trace.OpClose: ".close()"}},
	"tcp-timestamp-server": {"tsTserv.py", map[trace.AppOp]string{
		trace.OpListen: ".listen(", trace.OpAccept: ".accept()", trace.OpRead: ".recv(", trace.OpWrite: ".send(",
		trace.OpClose: "tcpCliSock.close()"}},
	// SocketServer makes the server's calls inside serve_forever and the
	// handler's file objects: readline() is the recv()s, write() the send.
	"tcp-line-server": {"tsTservSS.py", map[trace.AppOp]string{
		trace.OpListen: "Server(ADDR, MyRequestHandler)", trace.OpAccept: ".serve_forever()",
		trace.OpRead: ".readline()", trace.OpWrite: ".wfile.write("}},
	"tcp-line-client": {"tsTclntSS.py", map[trace.AppOp]string{
		trace.OpConnect: ".connect(", trace.OpWrite: ".send(", trace.OpRead: ".recv(", trace.OpClose: ".close()"}},
	"udp-timestamp-client": {"tsUclnt.py", map[trace.AppOp]string{
		trace.OpSendTo: ".sendto(", trace.OpRecvFrom: ".recvfrom(", trace.OpClose: ".close()"}},
	"udp-timestamp-server": {"tsUserv.py", map[trace.AppOp]string{
		trace.OpRecvFrom: ".recvfrom(", trace.OpSendTo: ".sendto("}},
}

// For returns the listing of a simulator program type, nil for a program
// that is not one of the textbook's.
func For(programType string) *Listing {
	p, ok := programs[programType]
	if !ok {
		return nil
	}
	data, err := files.ReadFile(p.file)
	if err != nil {
		panic("textbook: " + err.Error()) // embedded: a build defect
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for len(lines) > 0 && (strings.HasPrefix(lines[0], "#") || lines[0] == "") {
		lines = lines[1:]
	}
	l := &Listing{Name: p.file, Lines: lines, calls: map[trace.AppOp]int{}}
	for op, piece := range p.calls {
		l.calls[op] = -1
		for i, s := range lines {
			if strings.Contains(s, piece) {
				l.calls[op] = i
				break
			}
		}
		if l.calls[op] < 0 {
			panic("textbook: " + p.file + " has no line with " + piece) // caught by the tests
		}
	}
	return l
}

// Line returns the index in Lines of the line that makes call op, and
// false when the program makes no such call.
func (l *Listing) Line(op trace.AppOp) (int, bool) {
	i, ok := l.calls[op]
	return i, ok
}

// Types lists the program types that have a listing.
func Types() []string {
	var ts []string
	for t := range programs {
		ts = append(ts, t)
	}
	return ts
}
