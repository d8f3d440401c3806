package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// errPeerClosed is the cause when a server closes the connection instead
// of answering; it wraps io.EOF so errors.Is(err, io.EOF) holds.
var errPeerClosed = fmt.Errorf("the server closed the connection: %w", io.EOF)

// TimestampClient is the textbook's TCP timestamp client (tsTclnt.py). The
// zero value is ready to use. A TimestampClient may be used by several
// goroutines; each TimestampConn belongs to one.
type TimestampClient struct {
	// Dialer opens the connection (nil means a zero net.Dialer); tests and
	// callers inject timeouts, local addresses or a custom Resolver here.
	Dialer *net.Dialer
	// Timeout bounds the connect and each wait for a reply (0 means only
	// ctx bounds them).
	Timeout time.Duration
	// BufSize is how many bytes one Exchange reads (0 means BufSize, the
	// textbook's recv(1024)).
	BufSize int
}

// TimestampConn is one connection to a timestamp server.
type TimestampConn struct {
	conn    net.Conn
	addr    string
	timeout time.Duration
	buf     []byte
}

func orZeroDialer(d *net.Dialer) *net.Dialer {
	if d == nil {
		return &net.Dialer{}
	}
	return d
}

// dialChecked connects like net.Dialer.DialContext and returns one-line *Error
// values: a bad "host:port" is ClassAddress before anything is sent. Other
// networks ("unix") pass their address to the Dialer unchecked.
func dialChecked(ctx context.Context, d *net.Dialer, timeout time.Duration, network, addr string) (net.Conn, error) {
	if err := checkNetAddr(network, addr); err != nil {
		return nil, err
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	c, err := orZeroDialer(d).DialContext(ctx, network, addr)
	if err != nil {
		return nil, Wrap("connect", addr, err)
	}
	return c, nil
}

// Dial connects to the server at addr ("host:port", "[::1]:21567") over
// network ("tcp", "tcp4", "tcp6").
func (c *TimestampClient) Dial(ctx context.Context, network, addr string) (*TimestampConn, error) {
	conn, err := dialChecked(ctx, c.Dialer, c.Timeout, network, addr)
	if err != nil {
		return nil, err
	}
	size := c.BufSize
	if size <= 0 {
		size = BufSize
	}
	return &TimestampConn{conn: conn, addr: addr, timeout: c.Timeout, buf: make([]byte, size)}, nil
}

// Exchange sends msg as it is (the textbook sends the line without its
// newline) and returns what one read of up to BufSize bytes brings back,
// as the textbook's single recv(1024) does. That is the lesson of the
// unframed protocol: a reply longer than BufSize, or one the network
// splits, arrives partly in the next Exchange. The result is a new slice.
//
// A server that closes the connection gives an error wrapping io.EOF; ctx
// ending or Timeout expiring gives a ClassTimeout or context error; after
// a cancelled ctx the connection is done with and should be closed.
func (tc *TimestampConn) Exchange(ctx context.Context, msg []byte) ([]byte, error) {
	stop := watchIO(ctx, tc.conn, tc.timeout)
	defer stop()
	if _, err := tc.conn.Write(msg); err != nil {
		return nil, ioError(ctx, "send", tc.addr, tc.timeout, err)
	}
	n, err := tc.conn.Read(tc.buf)
	if n == 0 && err != nil {
		return nil, ioError(ctx, "receive", tc.addr, tc.timeout, err)
	}
	return append([]byte(nil), tc.buf[:n]...), nil
}

// LocalAddr returns the client's end of the connection.
func (tc *TimestampConn) LocalAddr() net.Addr { return tc.conn.LocalAddr() }

// RemoteAddr returns the server's end of the connection.
func (tc *TimestampConn) RemoteAddr() net.Addr { return tc.conn.RemoteAddr() }

// Close closes the connection.
func (tc *TimestampConn) Close() error { return tc.conn.Close() }

// watchIO bounds the I/O that follows by timeout and by ctx: a deadline for
// the first, and for the second a past deadline set the moment ctx ends,
// which wakes a blocked read or write. stop undoes the watch.
func watchIO(ctx context.Context, c interface{ SetDeadline(time.Time) error }, timeout time.Duration) (stop func()) {
	var dl time.Time
	if timeout > 0 {
		dl = time.Now().Add(timeout)
	}
	if d, ok := ctx.Deadline(); ok && (dl.IsZero() || d.Before(dl)) {
		dl = d
	}
	c.SetDeadline(dl)
	after := context.AfterFunc(ctx, func() { c.SetDeadline(aLongTimeAgo) })
	return func() { after() }
}

// ioError turns a failed read or write into a one-line *Error: the
// context's own error if it ended, "no reply within ..." for a timeout,
// "the server closed the connection" for EOF.
func ioError(ctx context.Context, phase, addr string, timeout time.Duration, err error) error {
	switch {
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Wrap(phase, addr, ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		what := "no reply"
		if phase == "send" {
			what = "could not send"
		}
		if timeout > 0 {
			what += " within " + timeout.String()
		} else {
			what += " before the deadline"
		}
		return &Error{Phase: phase, Addr: addr, Class: ClassTimeout, Err: fmt.Errorf("%s: %w", what, os.ErrDeadlineExceeded)}
	case errors.Is(err, io.EOF):
		return &Error{Phase: phase, Addr: addr, Class: ClassSocket, Err: errPeerClosed}
	}
	return Wrap(phase, addr, err)
}
