package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode"
)

// ErrServerClosed is returned by the servers' Serve, ServePacket and
// ListenAndServe methods after a call to Shutdown or Close, like
// net/http.ErrServerClosed.
var ErrServerClosed = errors.New("socketlab: server closed")

// CheckHostPort reports, as one line, what is wrong with a "host:port"
// address string, or returns nil. The host may be empty (":21567", all
// interfaces), a name, an IPv4 address or a bracketed IPv6 address
// ("[::1]:21567"); the port is a number 0–65535 or a service name such as
// "http". It does not resolve anything. The error is an *Error of class
// ClassAddress wrapping a *net.AddrError.
func CheckHostPort(addr string) error {
	bad := func(why string) error {
		return &Error{Phase: "parse address", Addr: strconv.Quote(addr), Class: ClassAddress,
			Err: &net.AddrError{Err: why}}
	}
	if addr == "" {
		return bad("empty address; write HOST:PORT, e.g. 127.0.0.1:21567 or [::1]:21567")
	}
	if strings.IndexFunc(addr, unicode.IsControl) >= 0 {
		// The advice below repeats the address: a line break in it
		// would break the one-line error.
		return bad("the address contains control characters; write HOST:PORT, e.g. 127.0.0.1:21567")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		switch {
		case isDigits(addr):
			return bad("a port alone is not an address; write :" + addr + " (all interfaces) or 127.0.0.1:" + addr)
		case !strings.Contains(addr, ":"):
			return bad("missing port; write HOST:PORT, e.g. " + addr + ":21567")
		case strings.Count(addr, ":") > 1 && !strings.HasPrefix(addr, "["):
			return bad("an IPv6 address needs brackets: [ADDR]:PORT, e.g. [::1]:21567")
		default:
			var ae *net.AddrError
			if errors.As(err, &ae) {
				return bad(ae.Err + "; write HOST:PORT, e.g. 127.0.0.1:21567 or [::1]:21567")
			}
			return bad(err.Error())
		}
	}
	if strings.ContainsAny(host, " \t\r\n/[]") || strings.ContainsRune(host, 0) {
		return bad(fmt.Sprintf("invalid host %q", host))
	}
	if strings.Contains(host, ":") {
		if _, err := netip.ParseAddr(host); err != nil {
			return bad(fmt.Sprintf("invalid IPv6 address %q", host))
		}
	}
	if port == "" {
		return bad("missing port number after the colon")
	}
	if isDigits(port) {
		if n, err := strconv.Atoi(port); err != nil || n > 65535 {
			return bad(fmt.Sprintf("port %s is out of range 0-65535", port))
		}
		return nil
	}
	// A service name, looked up in /etc/services later ("http", "domain").
	for i, r := range port {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter || !(letter && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return bad(fmt.Sprintf("invalid port %q: use a number 0-65535 or a service name such as http", port))
		}
	}
	return nil
}

// checkNetAddr applies CheckHostPort to the IP networks only.
func checkNetAddr(network, addr string) error {
	if strings.HasPrefix(network, "tcp") || strings.HasPrefix(network, "udp") {
		return CheckHostPort(addr)
	}
	return nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Listen announces a stream listener on addr ("tcp", "tcp4" or "tcp6"),
// like net.ListenConfig.Listen, and returns failures as one-line *Error
// values: a malformed address is ClassAddress; "address already in use"
// carries an explanation of who holds the port.
//
// Go sets SO_REUSEADDR on Unix listeners itself, which is the flag the
// textbook adds by hand against TIME_WAIT.
func Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if err := checkNetAddr(network, addr); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, network, addr)
	if err != nil {
		return nil, Wrap("listen "+network, addr, err)
	}
	return l, nil
}

// ListenPacket is Listen for datagram sockets ("udp", "udp4", "udp6").
func ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	if err := checkNetAddr(network, addr); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, Wrap("listen "+network, addr, err)
	}
	return pc, nil
}

// ListenBacklog returns the length of the accept queue a listener gets:
// Go's net.Listen asks for net.core.somaxconn on Linux (read from /proc;
// 4096 by default since Linux 5.4), the most the kernel allows, and
// syscall.SOMAXCONN where it cannot tell. A listen event carries it as N.
func ListenBacklog() int {
	backlogOnce.Do(func() {
		backlog = syscall.SOMAXCONN
		b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
		if err != nil {
			return
		}
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			backlog = n
		}
	})
	return backlog
}

var (
	backlogOnce sync.Once
	backlog     int
)
