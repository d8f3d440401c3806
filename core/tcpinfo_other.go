//go:build !linux

package core

import (
	"errors"
	"syscall"

	"socketlab/sim/trace"
)

// errNoTCPInfo: TCP_INFO is read on Linux only.
var errNoTCPInfo = errors.New("TCP_INFO is implemented for Linux only")

// ReadTCPInfo returns the kernel's view of the TCP connection c. Off
// Linux it returns an error: see the Linux documentation for the fields.
func ReadTCPInfo(c syscall.Conn) (trace.ConnState, error) { return trace.ConnState{}, errNoTCPInfo }

func tcpInfo(syscall.RawConn) (trace.ConnState, error) { return trace.ConnState{}, errNoTCPInfo }

// tcpInfoReader reads TCP_INFO on Linux; elsewhere there is none.
type tcpInfoReader struct{}

func newTCPInfoReader(syscall.RawConn, bool) *tcpInfoReader { return nil }

func (*tcpInfoReader) get() (trace.ConnState, error) { return trace.ConnState{}, errNoTCPInfo }
