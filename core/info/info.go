// Package info is the textbook's "information example": connect to a host
// by name on the port of a service, then ask the socket for both ends of
// the connection — getsockname (our address, with the port the kernel
// chose) and getpeername (the server's address).
package info

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"

	"socketlab/core"
	"socketlab/core/services"
	"socketlab/sim/trace"
)

// Phases named in errors.
const (
	PhaseLookupPort = "look up port"
	PhaseLookupAddr = "look up address"
	PhaseConnect    = "connect"
)

// Client runs the example. The zero value is ready to use; a Client is safe
// for concurrent use as long as its fields do not change.
type Client struct {
	// Dialer connects; nil means a zero net.Dialer.
	Dialer *net.Dialer
	// Resolver, if set, replaces the Dialer's resolver.
	Resolver *net.Resolver
	// Services maps a service name to a port; nil means services.Default().
	Services *services.Table
	// Trace, if on, receives the client's events on node "client":
	// connect-start (naming the host until it is resolved), connect with
	// both addresses — getsockname and getpeername — or the error with its
	// class, the kernel's view of the connection (TCP_INFO), and close.
	Trace core.Tracer
}

// Result holds both ends of the connection.
type Result struct {
	Port  int
	Local netip.AddrPort // getsockname()
	Peer  netip.AddrPort // getpeername()
}

// Run prints the textbook's step lines to w while it works:
//
//	Creating socket... done.
//	Looking up port number... done.
//	Connecting to remote host on port 80... done.
//	Connected from 127.0.0.1:54321
//	Connected to 127.0.0.1:80
//
// service is a name looked up over tcp ("http") or a number ("8080").
//
// Go has no separate socket() call: DialContext creates the socket, picks
// the address family from the resolved address and connects. So the first
// step here prepares the Dialer, and the socket itself appears during the
// connect step — the textbook's AF_INET is chosen per address (IPv4 or
// IPv6). A failed step ends its line with "failed." and Run returns a
// *core.Error naming the phase.
func (c *Client) Run(ctx context.Context, w io.Writer, host, service string) (*Result, error) {
	res := &Result{}
	fmt.Fprint(w, "Creating socket... ")
	var d net.Dialer
	if c.Dialer != nil {
		d = *c.Dialer
	}
	if c.Resolver != nil {
		d.Resolver = c.Resolver
	}
	fmt.Fprintln(w, "done.")

	fmt.Fprint(w, "Looking up port number... ")
	tab := c.Services
	if tab == nil {
		tab = services.Default()
	}
	port, err := tab.ParsePort(service, "tcp")
	if err != nil {
		fmt.Fprintln(w, "failed.")
		return nil, &core.Error{Phase: PhaseLookupPort, Addr: service, Class: core.ClassSocket, Err: err}
	}
	res.Port = port
	fmt.Fprintln(w, "done.")

	fmt.Fprintf(w, "Connecting to remote host on port %d... ", port)
	target := net.JoinHostPort(host, strconv.Itoa(port))
	c.Trace.ConnectStart(core.NodeClient, target)
	conn, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		fmt.Fprintln(w, "failed.")
		if ctx.Err() == context.Canceled {
			c.Trace.ConnectFailed(core.NodeClient, target, ctx.Err())
			return nil, ctx.Err()
		}
		var de *net.DNSError
		if errors.As(err, &de) {
			err = core.Wrap(PhaseLookupAddr, host, err)
		} else {
			err = core.Wrap(PhaseConnect, target, err)
		}
		c.Trace.ConnectFailed(core.NodeClient, target, err)
		return nil, err
	}
	ct := c.Trace.Conn(core.NodeClient, conn)
	ct.Op(trace.OpConnect, 0, nil)
	defer func() {
		ct.Close("")
		conn.Close()
	}()
	fmt.Fprintln(w, "done.")

	// LocalAddr and RemoteAddr are what getsockname and getpeername
	// returned when the connection was made.
	res.Local = addrPort(conn.LocalAddr())
	res.Peer = addrPort(conn.RemoteAddr())
	fmt.Fprintln(w, "Connected from", res.Local)
	fmt.Fprintln(w, "Connected to", res.Peer)
	return res, nil
}

func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}
