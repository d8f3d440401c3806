// Package netns builds test rigs out of Linux network namespaces: a fresh
// namespace with its own loopback, its own firewall and its own sysctls,
// where a test can run real sockets, drop chosen packets with iptables and
// capture what the kernel sends, without touching the machine's own
// network and without being disturbed by it.
//
// A namespace made by New is anonymous: no name is bound under
// /run/netns, only this process holds it (by a file descriptor, and by the
// sockets made inside it). It disappears when Close has run and its last
// socket is closed — or when the process dies, so an interrupted test
// leaves nothing behind. Its name is a label for messages only, unique
// within the process. Tests may make as many namespaces as they like in
// parallel.
//
// Sockets are made inside a namespace with Do, which runs a function on an
// OS thread switched into it; a socket keeps its namespace afterwards, so
// it can be used from any goroutine. Commands run by Command (iptables)
// start inside the namespace too.
//
// A Link joins two namespaces through a third, where a relay forwards the
// frames after a fixed delay: a round-trip time where an exchange needs
// one (netem is not in every kernel).
//
// Making a namespace needs root (CAP_SYS_ADMIN); New returns
// ErrNoPrivilege otherwise. The package is Linux-only; elsewhere New
// returns ErrUnsupported.
package netns

import (
	"errors"
	"syscall"
)

// ErrNoPrivilege is returned by New when the process may not make a
// network namespace. Its message is one line meant for the user.
var ErrNoPrivilege = errors.New("a fresh network namespace needs root (CAP_SYS_ADMIN): run it with sudo")

// ErrUnsupported is returned by New on systems other than Linux.
var ErrUnsupported = errors.New("network namespaces exist on Linux only")

// Control returns a Control function for net.Dialer and net.ListenConfig
// that sets the TCP congestion control algorithm of every socket it sees
// (TCP_CONGESTION, "cubic", "reno", …) before it connects or listens: a
// fresh namespace's default (net.ipv4.tcp_congestion_control) may be
// another than the machine's, and setting it per socket is what makes a
// rig's runs comparable.
func Control(algorithm string) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		return SetCongestion(c, algorithm)
	}
}
