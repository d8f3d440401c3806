package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"socketlab/sim/trace"
)

// DefaultUDPTimeout is how long a UDPClient waits for a reply when Timeout
// is 0. UDP cannot tell a lost datagram from a silent server, so a client
// that waits without limit may wait forever.
const DefaultUDPTimeout = 5 * time.Second

// UDPClient is the textbook's UDP client (tsUclnt.py): send a datagram,
// wait for one back. It works with the UDP timestamp and echo servers. The
// zero value is ready to use and may be shared by goroutines.
type UDPClient struct {
	// Dialer creates the socket (nil means a zero net.Dialer).
	Dialer *net.Dialer
	// Timeout bounds each wait for a reply (0 means DefaultUDPTimeout,
	// negative means only ctx bounds it).
	Timeout time.Duration
	// BufSize is the most bytes of a reply that are read (0 means BufSize,
	// the textbook's recvfrom(1024)); the rest of a longer datagram is lost.
	BufSize int
	// Trace, if on, receives the client's events on node "client":
	// connect (a UDP connect sends nothing: it fixes the peer), a sendto
	// and a recvfrom per exchange with sizes and texts, errors with their
	// class (a timeout; "connection refused" from an ICMP port
	// unreachable), close; see Tracer.
	Trace Tracer
}

// UDPClientConn is a UDP socket connected to one server.
//
// Unlike the textbook's sendto/recvfrom on an unconnected socket it is
// connected, so the kernel only delivers datagrams from that server, and
// an ICMP "port unreachable" surfaces as "connection refused" on the next
// Exchange instead of silence.
type UDPClientConn struct {
	conn    net.Conn
	ct      *ConnTracer
	addr    string
	timeout time.Duration
	buf     []byte
}

// Dial creates a UDP socket for the server at addr over network ("udp",
// "udp4", "udp6"). Nothing is sent yet.
func (c *UDPClient) Dial(ctx context.Context, network, addr string) (*UDPClientConn, error) {
	conn, ct, err := dialChecked(ctx, c.Dialer, 0, network, addr, c.Trace)
	if err != nil {
		return nil, err
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultUDPTimeout
	}
	size := c.BufSize
	if size <= 0 {
		size = BufSize
	}
	return &UDPClientConn{conn: conn, ct: ct, addr: addr, timeout: max(timeout, 0), buf: make([]byte, size)}, nil
}

// Exchange sends msg as one datagram and returns the first datagram that
// comes back (a new slice). When none comes within Timeout it returns a
// ClassTimeout *Error saying so.
func (u *UDPClientConn) Exchange(ctx context.Context, msg []byte) ([]byte, error) {
	stop := watchIO(ctx, u.conn, u.timeout)
	defer stop()
	if _, err := u.conn.Write(msg); err != nil {
		err = ioError(ctx, "send", u.addr, u.timeout, err)
		u.ct.Fail("send", err)
		return nil, err
	}
	u.ct.Datagram(trace.OpSendTo, netip.AddrPort{}, len(msg), msg)
	n, err := u.conn.Read(u.buf)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
			err = &Error{Phase: "receive", Addr: u.addr, Class: ClassTimeout,
				Err: fmt.Errorf("no reply within %v (UDP cannot tell a lost datagram from a silent server): %w",
					u.timeout, os.ErrDeadlineExceeded)}
		} else {
			err = ioError(ctx, "receive", u.addr, u.timeout, err)
		}
		u.ct.Fail("receive", err)
		return nil, err
	}
	u.ct.Datagram(trace.OpRecvFrom, netip.AddrPort{}, n, u.buf[:n])
	return append([]byte(nil), u.buf[:n]...), nil
}

// LocalAddr returns the client's address.
func (u *UDPClientConn) LocalAddr() net.Addr { return u.conn.LocalAddr() }

// RemoteAddr returns the server's address.
func (u *UDPClientConn) RemoteAddr() net.Addr { return u.conn.RemoteAddr() }

// Close closes the socket.
func (u *UDPClientConn) Close() error {
	u.ct.Close("")
	return u.conn.Close()
}
