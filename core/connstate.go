package core

import "strconv"

// ConnState is a stream server's view of one client connection, reported
// to the server's ConnState hook like net/http's ConnState. A connection
// goes StateNew → (StateActive → StateIdle)* → StateClosed; a
// LineTimestampServer answers one line per connection and never reports
// StateIdle. Every served connection ends in StateClosed, whatever ended it
// (the client, a timeout, Shutdown or Close).
type ConnState int

// The states, in the order a connection passes through them.
const (
	// StateNew: the connection was accepted and its handler started; the
	// server has not read from it yet. Reported once, first.
	StateNew ConnState = iota
	// StateActive: a read returned bytes of a request and the server is
	// about to answer (TimestampServer: each chunk; LineTimestampServer:
	// the first bytes of the line, or its EOF if the client sent nothing).
	StateActive
	// StateIdle: the reply has been written in full and the server waits
	// for the client's next bytes (TimestampServer only).
	StateIdle
	// StateClosed: the server has closed the connection. Reported once,
	// last, after Close returned.
	StateClosed
)

// String returns "new", "active", "idle" or "closed".
func (s ConnState) String() string {
	switch s {
	case StateNew:
		return "new"
	case StateActive:
		return "active"
	case StateIdle:
		return "idle"
	case StateClosed:
		return "closed"
	}
	return "ConnState(" + strconv.Itoa(int(s)) + ")"
}
