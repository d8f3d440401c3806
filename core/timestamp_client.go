package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"socketlab/sim/trace"
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
	// Trace, if on, receives the client's events on node "client":
	// connect-start, then connect (or an error: refused, timed out, with
	// its class), each write and read with its byte count and text, the
	// end of stream, shutdown, close, and the kernel's view of the
	// connection (TCP_INFO) after each of them; see Tracer.
	Trace Tracer
}

// TimestampConn is one connection to a timestamp server.
type TimestampConn struct {
	conn    net.Conn
	ct      *ConnTracer
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
//
// With tr on it traces the connect on node "client": connect-start and
// connect for a stream, connect alone for a datagram socket (a UDP
// connect sends nothing), or the error; the returned tracer is the
// connection's (nil when tr is off).
func dialChecked(ctx context.Context, d *net.Dialer, timeout time.Duration, network, addr string, tr Tracer) (net.Conn, *ConnTracer, error) {
	if err := checkNetAddr(network, addr); err != nil {
		return nil, nil, err
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	stream := !strings.HasPrefix(network, "udp")
	if stream {
		tr.ConnectStart(NodeClient, addr)
	}
	c, err := orZeroDialer(d).DialContext(ctx, network, addr)
	if err != nil {
		err = Wrap("connect", addr, err)
		tr.ConnectFailed(NodeClient, addr, err)
		return nil, nil, err
	}
	ct := tr.Conn(NodeClient, c)
	ct.Op(trace.OpConnect, 0, nil)
	return c, ct, nil
}

// Dial connects to the server at addr ("host:port", "[::1]:21567") over
// network ("tcp", "tcp4", "tcp6").
func (c *TimestampClient) Dial(ctx context.Context, network, addr string) (*TimestampConn, error) {
	conn, ct, err := dialChecked(ctx, c.Dialer, c.Timeout, network, addr, c.Trace)
	if err != nil {
		return nil, err
	}
	size := c.BufSize
	if size <= 0 {
		size = BufSize
	}
	return &TimestampConn{conn: conn, ct: ct, addr: addr, timeout: c.Timeout, buf: make([]byte, size)}, nil
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
		err = ioError(ctx, "send", tc.addr, tc.timeout, err)
		tc.ct.Fail("send", err)
		return nil, err
	}
	tc.ct.Op(trace.OpWrite, len(msg), msg)
	n, err := tc.conn.Read(tc.buf)
	if n == 0 && err != nil {
		traceClientReadErr(tc.ct, err, ctx, tc.addr, tc.timeout)
		return nil, ioError(ctx, "receive", tc.addr, tc.timeout, err)
	}
	tc.ct.Op(trace.OpRead, n, tc.buf[:n])
	return append([]byte(nil), tc.buf[:n]...), nil
}

// traceClientReadErr traces a read that returned nothing: the end of
// stream as a read of 0, any other failure as an error.
func traceClientReadErr(ct *ConnTracer, err error, ctx context.Context, addr string, timeout time.Duration) {
	switch {
	case ct == nil:
	case errors.Is(err, io.EOF):
		ct.Op(trace.OpRead, 0, nil)
	default:
		ct.Fail("receive", ioError(ctx, "receive", addr, timeout, err))
	}
}

// CloseWrite shuts down the sending side of the connection —
// shutdown(SHUT_WR): the server reads the end of the stream, and replies
// it still sends can be read. It fails for a connection that cannot
// half-close.
func (tc *TimestampConn) CloseWrite() error {
	cw, ok := tc.conn.(interface{ CloseWrite() error })
	if !ok {
		return &Error{Phase: "shutdown", Addr: tc.addr, Class: ClassSocket, Err: fmt.Errorf("%T cannot half-close", tc.conn)}
	}
	if err := cw.CloseWrite(); err != nil {
		err = Wrap("shutdown", tc.addr, err)
		tc.ct.Fail("shutdown", err)
		return err
	}
	tc.ct.Op(trace.OpShutdown, 0, nil)
	return nil
}

// LocalAddr returns the client's end of the connection.
func (tc *TimestampConn) LocalAddr() net.Addr { return tc.conn.LocalAddr() }

// RemoteAddr returns the server's end of the connection.
func (tc *TimestampConn) RemoteAddr() net.Addr { return tc.conn.RemoteAddr() }

// Close closes the connection.
func (tc *TimestampConn) Close() error {
	tc.ct.Close("")
	return tc.conn.Close()
}

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
