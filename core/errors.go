// Package core holds socketlab's real sockets: the textbook's servers and
// clients in Go, shaped like net/http (Serve, ListenAndServe, Shutdown,
// ErrServerClosed) and net.Dialer (context first, injectable *net.Dialer and
// *net.Resolver).
package core

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
)

// Class mirrors the four exceptions of Python's socket module that the
// textbook teaches, so that a Go error can be explained in its terms.
type Class int

// Error classes.
const (
	// ClassSocket is socket.error: any other failure of a socket call —
	// connection refused or reset, broken pipe, address in use.
	ClassSocket Class = iota
	// ClassAddress is socket.gaierror: getaddrinfo could not turn a name
	// (or a service) into an address.
	ClassAddress
	// ClassHost is socket.herror: an address-related error of the older
	// host calls, such as gethostbyaddr finding no name for an address.
	ClassHost
	// ClassTimeout is socket.timeout: a deadline or timeout expired.
	ClassTimeout
)

// String returns the Python name of the class, e.g. "socket.gaierror".
func (c Class) String() string {
	switch c {
	case ClassAddress:
		return "socket.gaierror"
	case ClassHost:
		return "socket.herror"
	case ClassTimeout:
		return "socket.timeout"
	default:
		return "socket.error"
	}
}

// Error reports which phase of a socket program failed, on which address,
// with the underlying cause and its textbook class. Callers use errors.As.
type Error struct {
	Phase string // what the program was doing: "look up address", "connect", "send", "receive", ...
	Addr  string // the host, address or service concerned; may be empty
	Class Class
	Err   error // the cause, usually a *net.OpError or *net.DNSError
}

// Error returns one line: "connect 127.0.0.1:9: connection refused [socket.error]".
func (e *Error) Error() string {
	s := e.Phase
	if e.Addr != "" {
		s += " " + e.Addr
	}
	s += ": " + causeText(e.Err) + " [" + e.Class.String() + "]"
	if h := explain(e.Err); h != "" {
		s += " — " + h
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Timeout reports whether the error is a timeout.
func (e *Error) Timeout() bool { return e.Class == ClassTimeout }

// Wrap returns nil for a nil err, and otherwise an *Error for phase and addr
// with the class derived from err. An err that already is an *Error is
// returned unchanged.
func Wrap(phase, addr string, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	return &Error{Phase: phase, Addr: addr, Class: Classify(err), Err: err}
}

// Classify maps a Go network error to the textbook's exception class.
func Classify(err error) Class {
	var dnsErr *net.DNSError
	var addrErr *net.AddrError
	switch {
	case err == nil:
		return ClassSocket
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ClassTimeout
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return ClassTimeout
		}
		return ClassAddress
	case errors.As(err, &addrErr):
		return ClassAddress
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	return ClassSocket
}

// causeText shortens Go's nested "dial tcp 127.0.0.1:9: connect: connection
// refused" to its last, most specific part when the phase already names the
// operation and address.
func causeText(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		inner := op.Err
		var se *os.SyscallError
		if errors.As(inner, &se) {
			return se.Err.Error()
		}
		return inner.Error()
	}
	return err.Error()
}

// explain returns a one-line lesson for the few errors whose bare text
// misleads beginners, or "".
func explain(err error) string {
	if errors.Is(err, syscall.EADDRINUSE) {
		// The textbook blames TIME_WAIT and prescribes SO_REUSEADDR. Go's
		// net.Listen already sets SO_REUSEADDR on Unix, so TIME_WAIT left
		// by an earlier run never blocks a TCP listener here: a live socket
		// holds the port.
		return "another socket is bound to this port (a server still running? see 'ss -ltnup'); " +
			"not TIME_WAIT: Go's net.Listen already sets SO_REUSEADDR on Unix; " +
			"stop the other program or pick another port (port 0 picks a free one)"
	}
	return ""
}
