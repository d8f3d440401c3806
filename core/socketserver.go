package core

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"socketlab/sim/trace"
)

// DefaultMaxLine bounds the line a LineTimestampServer reads when MaxLine
// is 0. Python's readline() has no bound; a server on a network needs one.
const DefaultMaxLine = 64 << 10

// LineTimestampServer is the textbook's SocketServer variant (tsTservSS.py,
// a StreamRequestHandler): for each connection it reads ONE line with
// readline(), writes "[ctime] line" — the line keeps its "\r\n" or "\n",
// and a client that sends nothing before EOF gets "[ctime] " — then shuts
// down its sending side and closes, as socketserver does after handle().
//
// The zero value serves concurrently (like ThreadingTCPServer); Iterative
// gives the textbook's plain TCPServer. Fields, concurrency and shutdown
// are as for TimestampServer.
type LineTimestampServer struct {
	// Iterative serves one connection at a time, like socketserver.TCPServer.
	Iterative bool
	// MaxConns bounds the connections served at once; see TimestampServer.
	MaxConns int
	// IdleTimeout bounds the wait for the whole line, counted from the
	// accept (0 means DefaultIdleTimeout; negative means never): a client
	// that trickles a byte at a time is cut off as one that sends nothing.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing the reply (0 means DefaultWriteTimeout;
	// negative means never), so that a client that does not read cannot
	// hold its connection slot; see TimestampServer.WriteTimeout.
	WriteTimeout time.Duration
	// MaxLine is the longest line accepted, in bytes (0 means
	// DefaultMaxLine). A longer line closes the connection without reply;
	// no more than MaxLine bytes of it are read or kept.
	MaxLine int
	// Now is the clock for the stamp (nil means time.Now).
	Now func() time.Time
	// ConnState, if set, is called as each connection changes state, on
	// the connection's goroutine and in order: StateNew before the first
	// read, StateActive when the first bytes of the line arrive (or, for
	// a client that half-closes without sending anything, before its
	// empty reply), StateClosed after the close. There is no StateIdle:
	// the connection closes after its one reply. Unset, it costs nothing.
	ConnState func(c net.Conn, state ConnState)
	// Trace, if on, receives the server's events as for TimestampServer:
	// accept, the reads of the line, the write of the reply, shutdown (the
	// half-close after it), close.
	Trace Tracer

	srv streamServer
}

// errLineTooLong ends a connection whose line exceeds MaxLine.
var errLineTooLong = errors.New("line too long")

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// Serve accepts connections on l until Shutdown or Close, then returns
// ErrServerClosed. It closes l when it returns.
func (s *LineTimestampServer) Serve(l net.Listener) error {
	return s.srv.serve(l, streamConfig{
		iterative: s.Iterative,
		maxConns:  s.MaxConns,
		handle:    s.handle,
		idle:      timeoutOr(s.IdleTimeout, DefaultIdleTimeout),
		write:     timeoutOr(s.WriteTimeout, DefaultWriteTimeout),
		connState: s.ConnState,
		tr:        s.Trace,
	})
}

// ListenAndServe listens on addr, notes the bound address on Trace and
// serves until ctx is done, then shuts down gracefully and returns nil;
// see TimestampServer.ListenAndServe.
func (s *LineTimestampServer) ListenAndServe(ctx context.Context, network, addr string) error {
	return listenAndServe(ctx, network, addr, "socketserver timestamp server", s.Trace, s.Serve, s.Shutdown)
}

// Shutdown stops accepting, ends connections still waiting for their line
// and waits for the others to finish their reply or for ctx to end; see
// TimestampServer.Shutdown.
func (s *LineTimestampServer) Shutdown(ctx context.Context) error { return s.srv.shutdown(ctx) }

// Close closes the listeners and all connections immediately.
func (s *LineTimestampServer) Close() error { return s.srv.close() }

func (s *LineTimestampServer) handle(c net.Conn, ct *ConnTracer, cfg *streamConfig) error {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	maxLine := s.MaxLine
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	if !s.srv.setReadDeadline(c, time.Now(), cfg.idle) {
		return errShuttingDown
	}
	var r io.Reader = c
	var ar *activeReader
	if cfg.connState != nil || ct != nil {
		ar = &activeReader{c: c, cfg: cfg, ct: ct, srv: &s.srv}
		r = ar
	}
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() { br.Reset(nil); readerPool.Put(br) }()

	line, err := readLineMax(br, maxLine)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if ar != nil {
		ar.activate() // nothing came before EOF: the empty line is answered too
	}
	// One write, like socketserver's unbuffered wfile.write.
	reply := AppendStamp(make([]byte, 0, stampLen+len(line)), now(), line)
	if cfg.write > 0 {
		c.SetWriteDeadline(time.Now().Add(cfg.write))
	}
	if _, err := c.Write(reply); err != nil {
		s.srv.traceFail(ct, "send", err)
		return writeError{err}
	}
	ct.Op(trace.OpWrite, len(reply), reply)
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		// socketserver's shutdown(SHUT_WR) before close
		if err := tc.CloseWrite(); err != nil {
			s.srv.traceFail(ct, "shutdown", err)
		} else {
			ct.Op(trace.OpShutdown, 0, nil)
		}
	}
	return nil
}

// activeReader reports StateActive when the first bytes of a request
// arrive, and traces every read; it is used only when a ConnState hook is
// set or tracing is on.
type activeReader struct {
	c     net.Conn
	cfg   *streamConfig
	ct    *ConnTracer
	srv   *streamServer
	fired bool
}

func (r *activeReader) Read(p []byte) (int, error) {
	n, err := r.c.Read(p)
	if n > 0 {
		r.ct.Op(trace.OpRead, n, p[:n])
		r.activate()
	}
	if err != nil {
		r.srv.traceReadErr(r.ct, err)
	}
	return n, err
}

func (r *activeReader) activate() {
	if !r.fired {
		r.fired = true
		r.cfg.setState(r.c, StateActive)
	}
}

// readLineMax is Python's readline(): bytes up to and including "\n", or
// whatever came before EOF (possibly nothing, with io.EOF). It fails with
// errLineTooLong past limit bytes.
func readLineMax(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line)+len(frag) > limit {
			return nil, fmt.Errorf("%w (more than %d bytes)", errLineTooLong, limit)
		}
		line = append(line, frag...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// LineTimestampClient is the textbook's SocketServer client (tsTclntSS.py):
// every message opens a new connection, sends the message and "\r\n",
// reads the reply and closes. The zero value is ready to use and may be
// shared by goroutines.
type LineTimestampClient struct {
	// Dialer opens each connection (nil means a zero net.Dialer).
	Dialer *net.Dialer
	// Timeout bounds each connect and each wait for a reply (0 means only
	// ctx bounds them).
	Timeout time.Duration
	// BufSize bounds the reply read (0 means BufSize, as the textbook's
	// recv(1024)).
	BufSize int
	// Trace, if on, receives the client's events on node "client" for
	// every exchange: connect-start, connect, the write, each read of the
	// reply, the read of 0 that ends it, and close; see Tracer.
	Trace Tracer
}

// Exchange connects to addr, sends line followed by "\r\n", and returns the
// server's reply as sent, e.g. "[Sat Nov 21 11:10:46 2026] hello\r\n" (the
// textbook prints it with strip()). Because the server closes after its
// reply, the client reads until EOF — the connection's end is the frame —
// up to BufSize bytes.
func (c *LineTimestampClient) Exchange(ctx context.Context, network, addr string, line []byte) ([]byte, error) {
	conn, ct, err := dialChecked(ctx, c.Dialer, c.Timeout, network, addr, c.Trace)
	if err != nil {
		return nil, err
	}
	defer func() {
		ct.Close("")
		conn.Close()
	}()
	stop := watchIO(ctx, conn, c.Timeout)
	defer stop()
	msg := append(append(make([]byte, 0, len(line)+2), line...), '\r', '\n')
	if _, err := conn.Write(msg); err != nil {
		err = ioError(ctx, "send", addr, c.Timeout, err)
		ct.Fail("send", err)
		return nil, err
	}
	ct.Op(trace.OpWrite, len(msg), msg)
	size := c.BufSize
	if size <= 0 {
		size = BufSize
	}
	reply, err := ReadToEOF(conn, size, ct)
	if err != nil {
		err = ioError(ctx, "receive", addr, c.Timeout, err)
		ct.Fail("receive", err)
		return nil, err
	}
	if len(reply) == 0 {
		return nil, ioError(ctx, "receive", addr, c.Timeout, io.EOF)
	}
	return reply, nil
}

// ReadToEOF reads from r until the end of the stream or until it has
// limit bytes, like io.ReadAll(io.LimitReader(r, limit)), and traces
// every read on ct (which may be nil): the reads that bring data and the
// read of 0 that ends the stream. What was read comes back with a read
// error too.
func ReadToEOF(r io.Reader, limit int, ct *ConnTracer) ([]byte, error) {
	buf := make([]byte, 0, min(limit, 512))
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(limit, 2*cap(buf))-len(buf))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		if n > 0 {
			ct.Op(trace.OpRead, n, buf[len(buf):len(buf)+n])
			buf = buf[:len(buf)+n]
		}
		if errors.Is(err, io.EOF) {
			ct.Op(trace.OpRead, 0, nil)
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
