// Package httpget is the textbook's "error handling example": an HTTP/1.0
// GET over a plain TCP socket that reports which phase failed — looking up
// the port, looking up the address, connecting, sending, shutting down the
// sending side, receiving — with the underlying cause.
//
// The request is sent in one write and then the sending side is closed with
// (*net.TCPConn).CloseWrite, Go's spelling of the textbook's shutdown(1):
// the server reads end-of-file after the request, and the client keeps
// reading the response until the server closes its side.
package httpget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"socketlab/core"
	"socketlab/core/services"
	"socketlab/sim/trace"
)

// The phases a Get can fail in, as they appear in *core.Error.Phase.
const (
	PhaseLookupPort = "look up port"    // getservbyname for a port given by name
	PhaseLookupAddr = "look up address" // the host name has no address
	PhaseConnect    = "connect"         // refused, unreachable, timed out
	PhaseSend       = "send"            // writing the request
	PhaseShutdown   = "shutdown"        // closing the sending side: shutdown(1)
	PhaseReceive    = "receive"         // reading the response
	PhaseOutput     = "write output"    // the local writer refused the response
)

// Request returns the textbook's request for path: "GET path HTTP/1.0"
// and an empty line. With a non-empty host it adds a Host header, which
// HTTP/1.0 does not require but name-based virtual hosts do.
func Request(path, host string) string {
	if host == "" {
		return "GET " + path + " HTTP/1.0\r\n\r\n"
	}
	return "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n"
}

// Client fetches with the textbook's steps. The zero value is ready to use;
// a Client is safe for concurrent use as long as its fields do not change.
type Client struct {
	// Dialer connects; nil means a zero net.Dialer.
	Dialer *net.Dialer
	// Resolver, if set, replaces the Dialer's resolver.
	Resolver *net.Resolver
	// Services maps a port name to a number; nil means services.Default().
	Services *services.Table
	// HostHeader adds "Host: host[:port]" to the request.
	HostHeader bool
	// Pause waits this long between connecting and sending, like the
	// textbook's time.sleep(10): time to stop the server or pull a cable
	// and see which phase notices.
	Pause time.Duration
	// Log, if set, receives one line per step ("connected ...", "sent ...").
	Log io.Writer
	// Trace, if on, receives the client's events on node "client":
	// connect-start and connect (or the error, with its class), the HTTP
	// phases as http events — "request GET / HTTP/1.0", "response
	// HTTP/1.0 200 OK" once the head has arrived, "response complete: ..."
	// — around the socket calls that carry them: the write of the request,
	// shutdown, every read, the read of 0 at the end, close; failures with
	// their phase and class; and the kernel's view of the connection
	// (TCP_INFO) after each call. See core.Tracer.
	Trace core.Tracer
}

// Result describes a completed exchange.
type Result struct {
	Port          int
	Request       string
	Local, Remote net.Addr
	Received      int64  // bytes of response, head included
	Status        string // the status line, if the response is HTTP
	ContentLength int64  // from the head; -1 if absent
	BodyBytes     int64  // bytes after the head
}

// Get connects to host on port (a number or a service name), sends the GET
// for path, half-closes, and copies the response to w as it arrives. The
// error is a *core.Error naming the phase, except that a cancelled ctx
// gives ctx.Err() (the deadline of ctx is a socket.timeout in the phase it
// interrupts). A response that ends before the length its Content-Length
// header announced is a receive error wrapping io.ErrUnexpectedEOF.
func (c *Client) Get(ctx context.Context, w io.Writer, host, port, path string) (*Result, error) {
	res := &Result{ContentLength: -1}
	tab := c.Services
	if tab == nil {
		tab = services.Default()
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	n, err := tab.ParsePort(port, "tcp")
	if err != nil {
		err = &core.Error{Phase: PhaseLookupPort, Addr: port, Class: core.ClassSocket, Err: err}
		c.Trace.Fail(core.NodeClient, netip.AddrPort{}, netip.AddrPort{}, PhaseLookupPort, err)
		return res, err
	}
	res.Port = n
	addr := net.JoinHostPort(host, fmt.Sprint(n))

	var d net.Dialer
	if c.Dialer != nil {
		d = *c.Dialer
	}
	if c.Resolver != nil {
		d.Resolver = c.Resolver
	}
	c.Trace.ConnectStart(core.NodeClient, addr)
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() == context.Canceled {
			c.Trace.ConnectFailed(core.NodeClient, addr, ctx.Err())
			return res, ctx.Err()
		}
		var de *net.DNSError
		if errors.As(err, &de) {
			err = core.Wrap(PhaseLookupAddr, host, err)
		} else {
			err = core.Wrap(PhaseConnect, addr, err)
		}
		c.Trace.ConnectFailed(core.NodeClient, addr, err)
		return res, err
	}
	ct := c.Trace.Conn(core.NodeClient, conn)
	ct.Op(trace.OpConnect, 0, nil)
	defer func() {
		ct.Close("")
		conn.Close()
	}()
	res.Local, res.Remote = conn.LocalAddr(), conn.RemoteAddr()
	c.logf("connected from %s to %s", res.Local, res.Remote)

	// Reads and writes honour ctx: its deadline becomes the socket's, and
	// cancelling it expires the deadline at once.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	fail := func(phase string, err error) (*Result, error) {
		if ctx.Err() == context.Canceled {
			ct.Fail(phase, ctx.Err())
			return res, ctx.Err()
		}
		err = core.Wrap(phase, addr, err)
		ct.Fail(phase, err)
		return res, err
	}

	if c.Pause > 0 {
		c.logf("sleeping %v", c.Pause)
		c.Trace.Note(core.NodeClient, "sleeping "+c.Pause.String()+" before sending, like the textbook's time.sleep")
		t := time.NewTimer(c.Pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fail(PhaseSend, ctx.Err())
		}
		c.logf("continuing")
	}

	hostHeader := ""
	if c.HostHeader {
		hostHeader = host
		if strings.Contains(host, ":") {
			hostHeader = "[" + host + "]"
		}
		if n != 80 {
			hostHeader = addr
		}
	}
	res.Request = Request(path, hostHeader)
	if ct != nil {
		ct.OpText(trace.OpHTTP, len(res.Request), "request "+strings.TrimSpace(firstLineOf(res.Request)))
	}
	// One Write is the textbook's write + flush: a Go net.Conn is not
	// buffered, so there is nothing left to flush.
	if _, err := io.WriteString(conn, res.Request); err != nil {
		return fail(PhaseSend, err)
	}
	ct.Op(trace.OpWrite, len(res.Request), []byte(res.Request))
	c.logf("sent %d bytes: %q", len(res.Request), res.Request)
	cw, ok := conn.(interface{ CloseWrite() error })
	if !ok {
		return fail(PhaseShutdown, fmt.Errorf("%T cannot half-close", conn))
	}
	if err := cw.CloseWrite(); err != nil {
		return fail(PhaseShutdown, err)
	}
	ct.Op(trace.OpShutdown, 0, nil)
	c.logf("shut down the sending side (FIN sent); reading until the server closes")

	tr := &tracker{res: res}
	buf := make([]byte, 2048) // the textbook reads 2048 bytes at a time
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			ct.Op(trace.OpRead, n, buf[:n])
			inBody := tr.inBody
			tr.see(buf[:n])
			if ct != nil && !inBody && tr.inBody && res.Status != "" {
				ct.OpText(trace.OpHTTP, int(res.Received-res.BodyBytes), "response "+res.Status)
			}
			if _, werr := w.Write(buf[:n]); werr != nil {
				err := &core.Error{Phase: PhaseOutput, Class: core.ClassSocket, Err: werr}
				ct.Fail(PhaseOutput, err)
				return res, err
			}
		}
		if err == io.EOF {
			ct.Op(trace.OpRead, 0, nil)
			break
		}
		if err != nil {
			return fail(PhaseReceive, err)
		}
	}
	c.logf("received %d bytes; the server closed the connection", res.Received)
	if err := tr.complete(); err != nil {
		err := &core.Error{Phase: PhaseReceive, Addr: addr, Class: core.ClassSocket, Err: err}
		ct.Fail(PhaseReceive, err)
		return res, err
	}
	if ct != nil {
		ct.OpText(trace.OpHTTP, int(res.Received), completeText(res))
	}
	return res, nil
}

// completeText is the Text of the last http event of a response.
func completeText(r *Result) string {
	s := fmt.Sprintf("response complete: %d bytes", r.Received)
	switch {
	case r.Status == "":
		return s + " (not HTTP)"
	case r.ContentLength >= 0:
		return s + fmt.Sprintf(", body %d of Content-Length %d", r.BodyBytes, r.ContentLength)
	}
	return s + fmt.Sprintf(", body %d (no Content-Length: the close ended it)", r.BodyBytes)
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func (c *Client) logf(format string, a ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", a...)
	}
}

// maxHead bounds how much of a response head is kept for checking.
const maxHead = 64 << 10

// tracker watches the response go by to tell a complete response from a
// truncated one: HTTP/1.0 ends the body by closing the connection, so only
// Content-Length can reveal that the close came too early.
type tracker struct {
	res    *Result
	head   []byte
	inBody bool // the head has been seen (or given up on)
	noBody bool // status 1xx, 204 or 304: no body whatever the headers say
}

func (t *tracker) see(p []byte) {
	t.res.Received += int64(len(p))
	if t.inBody {
		t.res.BodyBytes += int64(len(p))
		return
	}
	t.head = append(t.head, p...)
	// The head ends at the first blank line, CRLF or (leniently) bare LF,
	// looked for only within maxHead bytes so that the verdict does not
	// depend on how reads split the stream.
	window := string(t.head[:min(len(t.head), maxHead)])
	end, sep := -1, 0
	if i := strings.Index(window, "\r\n\r\n"); i >= 0 {
		end, sep = i, 4
	}
	if i := strings.Index(window, "\n\n"); i >= 0 && (end < 0 || i < end) {
		end, sep = i, 2
	}
	switch {
	case end >= 0:
		t.parseHead(string(t.head[:end]))
		t.res.BodyBytes = int64(len(t.head) - end - sep)
		t.inBody, t.head = true, nil
	case len(t.head) >= maxHead:
		t.inBody, t.head = true, nil // not HTTP as we know it: no check
	}
}

func (t *tracker) parseHead(head string) {
	lines := strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n")
	if !strings.HasPrefix(lines[0], "HTTP/") {
		return
	}
	t.res.Status = lines[0]
	if f := strings.Fields(lines[0]); len(f) >= 2 {
		code := f[1]
		t.noBody = strings.HasPrefix(code, "1") || code == "204" || code == "304"
	}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
			t.res.ContentLength = n
		}
	}
}

// ErrNoResponse is wrapped when the server closes without sending anything.
var ErrNoResponse = errors.New("the server closed the connection without sending a response")

func (t *tracker) complete() error {
	r := t.res
	switch {
	case r.Received == 0:
		return fmt.Errorf("%w", ErrNoResponse)
	case !t.inBody && strings.HasPrefix(string(t.head), "HTTP/"):
		return fmt.Errorf("connection closed in the middle of the response head (%d bytes): %w", len(t.head), io.ErrUnexpectedEOF)
	case r.ContentLength >= 0 && !t.noBody && r.BodyBytes < r.ContentLength:
		return fmt.Errorf("connection closed after %d of %d body bytes (Content-Length): %w",
			r.BodyBytes, r.ContentLength, io.ErrUnexpectedEOF)
	}
	return nil
}
