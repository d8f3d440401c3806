package core

import (
	"context"
	"net"
	"time"

	"socketlab/sim/trace"
)

// BufSize is the textbook's BUFSIZ: the TCP timestamp programs read at most
// this many bytes per recv.
const BufSize = 1024

// stampLen is the length of "[Mon Jan _2 15:04:05 2006] ": time.ANSIC,
// which is Python's time.ctime(), in brackets and followed by a space.
const stampLen = 1 + len(time.ANSIC) + 2

// TimestampServer is the textbook's TCP timestamp server (tsTserv.py): it
// answers every chunk a client sends — whatever one read returns, there is
// no framing — with "[ctime] chunk", where ctime is the time in time.ANSIC
// layout, e.g. "[Sat Nov 21 11:10:46 2026] hello".
//
// The zero value serves concurrently with the defaults below. The
// configuration fields must not change once Serve has been called. Serve,
// Shutdown and Close may be called from different goroutines.
type TimestampServer struct {
	// Iterative serves one client at a time, like the textbook's accept
	// loop: the next connection waits in the listen backlog until the
	// current client leaves.
	Iterative bool
	// MaxConns bounds the connections served at once (0 means
	// DefaultMaxConns). While all are busy the server does not accept:
	// further clients complete the TCP handshake and wait in the kernel's
	// accept queue (the listen backlog) until a slot frees, and once that
	// queue is full the kernel drops their SYNs and they retry. The server
	// itself never goes down for lack of slots.
	MaxConns int
	// IdleTimeout closes a connection that sends nothing for this long
	// (0 means DefaultIdleTimeout; negative means never). It also bounds a
	// client that connects and never sends.
	IdleTimeout time.Duration
	// WriteTimeout closes a connection whose reply cannot be written for
	// this long (0 means DefaultWriteTimeout; negative means never): a
	// client that sends but never reads fills the socket buffers, and
	// without this bound it would hold its handler — and its MaxConns slot
	// — forever. Like the idle deadline, the write deadline is pushed out
	// only once its 1/8 slack is used up (a deadline per write would cost
	// throughput), so a write that cannot complete fails between
	// WriteTimeout and WriteTimeout·9/8 after it began. The log then says
	// "write timed out after …: the client is not reading".
	WriteTimeout time.Duration
	// ReadSize is how many bytes one read takes (0 means BufSize, the
	// textbook's recv(1024)). Each read is answered with one reply.
	ReadSize int
	// Now is the clock for the stamp (nil means time.Now); the stamp is
	// formatted in the location of the time it returns.
	Now func() time.Time
	// ConnState, if set, is called with c and its new state as each
	// connection passes through the states of ConnState: StateNew before
	// the first read, StateActive when a read returned a chunk (before it
	// is answered), StateIdle when the reply has been written, StateClosed
	// after the connection was closed. It is called on the goroutine that
	// serves the connection (Serve's own when Iterative), so calls for one
	// connection come in order and the connection waits while the hook
	// runs; calls for different connections may run at once. A connection
	// accepted while Shutdown is closing the server is closed without
	// being reported. Unset, it costs nothing: no call, no allocation.
	ConnState func(c net.Conn, state ConnState)
	// Trace, if on, receives the server's events on node "server": listen
	// (N is the backlog), accept, every read and write with its byte count
	// and text, the end of stream (a read of 0), failures with their class,
	// close (Text says why, in the words of the log line), and the
	// kernel's TCP state and variables of each connection (TCP_INFO after
	// every operation and every Trace.StatEvery); see Tracer. Notes say
	// what else a log shows: an accept that failed and is retried, and,
	// from ListenAndServe, the bound address and why the server shuts
	// down. These events are the server's whole output: a ServerLog
	// renders them as the lines of a log ("...connected from
	// 127.0.0.1:40000"). Events of one
	// connection come in order; those of different connections interleave.
	// Off (the zero value) it costs nothing: no call, no allocation.
	Trace Tracer

	srv streamServer
}

func (s *TimestampServer) config() streamConfig {
	return streamConfig{
		iterative: s.Iterative,
		maxConns:  s.MaxConns,
		handle:    s.handle,
		idle:      timeoutOr(s.IdleTimeout, DefaultIdleTimeout),
		write:     timeoutOr(s.WriteTimeout, DefaultWriteTimeout),
		connState: s.ConnState,
		tr:        s.Trace,
	}
}

// Serve accepts connections on l and answers them until Shutdown or Close,
// then returns ErrServerClosed. It closes l when it returns. Each
// connection is served on its own goroutine unless Iterative is set.
func (s *TimestampServer) Serve(l net.Listener) error {
	return s.srv.serve(l, s.config())
}

// ListenAndServe listens on addr ("host:port"; network is "tcp", "tcp4" or
// "tcp6"), notes the bound address on Trace ("tcp timestamp server listening
// on tcp 127.0.0.1:21567"), and serves until ctx is
// done; it then shuts down gracefully (waiting up to a few seconds for
// connections to finish) and returns nil. Listening errors are one-line
// *Error values. After Shutdown or Close it returns ErrServerClosed.
func (s *TimestampServer) ListenAndServe(ctx context.Context, network, addr string) error {
	return listenAndServe(ctx, network, addr, "tcp timestamp server", s.Trace, s.Serve, s.Shutdown)
}

// Shutdown stops accepting and ends every connection at its next read:
// a chunk already received is still answered (within WriteTimeout). It
// waits for the handlers to return or for ctx to end; in the latter case
// it closes the remaining connections — a handler blocked writing to a
// client that does not read returns at once — and returns ctx's error.
// Serve then returns ErrServerClosed.
func (s *TimestampServer) Shutdown(ctx context.Context) error { return s.srv.shutdown(ctx) }

// Close closes the listeners and all connections immediately.
func (s *TimestampServer) Close() error { return s.srv.close() }

// handle is the hot path: read a chunk straight behind a reserved stamp
// prefix, write the prefix in front, send both with one write. Nothing is
// allocated per chunk, and the stamp is formatted at most once a second.
func (s *TimestampServer) handle(c net.Conn, ct *ConnTracer, cfg *streamConfig) error {
	size := s.ReadSize
	if size <= 0 {
		size = BufSize
	}
	now, realClock := s.Now, s.Now == nil
	if realClock {
		now = time.Now
	}
	buf := make([]byte, stampLen+size)
	var st stamper
	var idl idler
	for {
		if !idl.rearm(&s.srv, c, cfg.idle) {
			return errShuttingDown
		}
		n, err := c.Read(buf[stampLen:])
		if n > 0 {
			ct.Op(trace.OpRead, n, buf[stampLen:stampLen+n])
			cfg.setState(c, StateActive)
			t := now()
			reply := st.frame(buf, n, t)
			if cfg.write > 0 {
				// Deadlines need the real clock; the stamp's time is it
				// unless Now was injected, which saves a clock read.
				if !realClock {
					t = time.Now()
				}
				idl.rearmWrite(c, t, cfg.write)
			}
			if _, werr := c.Write(reply); werr != nil {
				s.srv.traceFail(ct, "send", werr)
				return writeError{werr}
			}
			ct.Op(trace.OpWrite, len(reply), reply)
			cfg.setState(c, StateIdle)
		}
		if err != nil {
			s.srv.traceReadErr(ct, err)
			return err
		}
	}
}

// stamper caches the formatted "[ctime] " of the current second.
type stamper struct {
	sec    int64
	loc    *time.Location
	prefix []byte
	spill  []byte // used when a stamp is not 24 bytes (years past 9999)
}

// stamp returns "[ctime] " for t; the result is reused by the next call.
func (st *stamper) stamp(t time.Time) []byte {
	if st.prefix == nil || t.Unix() != st.sec || t.Location() != st.loc {
		st.sec, st.loc = t.Unix(), t.Location()
		p := append(st.prefix[:0], '[')
		p = t.AppendFormat(p, time.ANSIC)
		st.prefix = append(p, ']', ' ')
	}
	return st.prefix
}

// frame turns buf, whose chunk of n bytes starts at buf[stampLen:], into
// the reply "[ctime] chunk" and returns it.
func (st *stamper) frame(buf []byte, n int, t time.Time) []byte {
	p := st.stamp(t)
	if len(p) == stampLen {
		copy(buf, p)
		return buf[:stampLen+n]
	}
	st.spill = append(append(st.spill[:0], p...), buf[stampLen:stampLen+n]...)
	return st.spill
}

// AppendStamp appends "[ctime] " + data to dst, the reply of every textbook
// timestamp server, with t in time.ANSIC layout.
func AppendStamp(dst []byte, t time.Time, data []byte) []byte {
	dst = append(dst, '[')
	dst = t.AppendFormat(dst, time.ANSIC)
	dst = append(dst, ']', ' ')
	return append(dst, data...)
}
