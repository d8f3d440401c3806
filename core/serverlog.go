package core

import (
	"strconv"
	"sync"

	"socketlab/sim/trace"
)

// ServerLog is a trace.Sink that renders the events of a server — node
// "server" of a TimestampServer, LineTimestampServer, UDPTimestampServer
// or UDPEchoServer, or of ListenAndServeUnix — as the lines of its log,
// the server's output on the command line:
//
//   - accept: "...connected from 127.0.0.1:40000"
//   - close of a connection: "...closed 127.0.0.1:40000: client closed
//     the connection" (the event's Text is the reason)
//   - recvfrom: "...received from and returned to 127.0.0.1:40000", or
//     with Echo "got 5 bytes from 127.0.0.1:40000"
//   - a note: its Text, as it is ("shutting down: interrupt", "datagram
//     from … cut to 1024 bytes, as recvfrom(1024) does", an accept or
//     receive that failed and is retried, "listening on unix …")
//
// Every other event (reads, writes, errors, TCP state) has no line: the
// log is one rendering of the events, a --trace file another. A Unix
// client that did not bind has no address: it is "(unnamed unix
// socket)"; so is a named one in its close line, which carries no name.
//
// Serve the server with a Tracer whose Sink is (or fans out to) the
// ServerLog; StatEvery -1 spares the TCP_INFO readings nobody reads. A
// ServerLog is safe for concurrent use; Line must be too.
type ServerLog struct {
	// Line receives every line, without a newline.
	Line func(line string)
	// Echo renders a datagram as the echo server's line ("got 5 bytes
	// from …") instead of the timestamp server's.
	Echo bool

	mu    sync.Mutex
	paths map[string]bool // the Unix socket paths listened on
}

// Emit renders e and passes its line, if it has one, to Line.
func (l *ServerLog) Emit(e *trace.Event) {
	if line, ok := l.Render(e); ok && l.Line != nil {
		l.Line(line)
	}
}

// Render returns the log line of e, or false for an event the log does
// not show.
func (l *ServerLog) Render(e *trace.Event) (string, bool) {
	if e.Node != NodeServer {
		return "", false
	}
	switch e.Kind {
	case trace.KindNote:
		return e.Text, e.Text != ""
	case trace.KindApp:
	default:
		return "", false
	}
	switch e.Op {
	case trace.OpListen:
		if e.Text != "" { // a Unix socket's path
			l.mu.Lock()
			if l.paths == nil {
				l.paths = make(map[string]bool)
			}
			l.paths[e.Text] = true
			l.mu.Unlock()
		}
	case trace.OpAccept:
		return "...connected from " + l.peer(e), true
	case trace.OpClose:
		// A listener's or a datagram socket's close has no reason, or
		// (a Unix listener) the path in Text.
		if e.Text == "" || !e.Remote.IsValid() && l.listened(e.Text) {
			return "", false
		}
		return "...closed " + l.peer(e) + ": " + e.Text, true
	case trace.OpRecvFrom:
		if l.Echo {
			return "got " + strconv.Itoa(e.N) + " bytes from " + e.Remote.String(), true
		}
		return "...received from and returned to " + e.Remote.String(), true
	}
	return "", false
}

func (l *ServerLog) listened(path string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.paths[path]
}

// peer names the client of a connection's event.
func (l *ServerLog) peer(e *trace.Event) string {
	if e.Remote.IsValid() {
		return e.Remote.String()
	}
	// An accepted Unix connection's Text is the client's path if it bound
	// one, else the listener's.
	if e.Op == trace.OpAccept && e.Text != "" && !l.listened(e.Text) {
		return e.Text
	}
	return "(unnamed unix socket)"
}
