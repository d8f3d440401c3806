package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"socketlab/core"
	"socketlab/sim/trace"
)

var socketServerServerCmd = &command{
	name:    "socketserver-server",
	args:    "[--addr 127.0.0.1:21567] [--iterative] [--max-conns N] [--idle 30s] [--trace FILE]",
	summary: "the textbook's SocketServer timestamp server (tsTservSS.py): one line per connection, '[ctime] line', close",
	parse:   parseSocketServerServer,
}

var socketServerClientCmd = &command{
	name:    "socketserver-client",
	args:    "[--timeout 10s] [--trace FILE] HOST:PORT",
	summary: "the textbook's SocketServer client (tsTclntSS.py): a new connection for every input line",
	parse:   parseSocketServerClient,
}

func parseSocketServerServer(c *command, args []string, std stdio) (action, error) {
	return parseStreamServer(c, args, std, "socketserver timestamp server", func(f streamServerFlags, logf func(string, ...any), tr core.Tracer) streamService {
		return &core.LineTimestampServer{Iterative: *f.iterative, MaxConns: *f.maxConns, IdleTimeout: *f.idle, Trace: serverTracer(tr, logf, false)}
	})
}

func parseSocketServerClient(c *command, args []string, std stdio) (action, error) {
	return parseTCPClientArgs(c, args, std, func(ctx context.Context, fs *flag.FlagSet, timeout time.Duration, addr string, tr core.Tracer) error {
		return withHint(chat(ctx, std, func(ctx context.Context, line []byte) ([]byte, error) {
			reply, err := lineExchange(ctx, timeout, addr, line, tr)
			// The textbook prints data.strip(): the reply without its "\r\n".
			return bytes.TrimSpace(reply), err
		}), fs)
	})
}

// notClosedError is a reply that arrived from a server that then kept the
// connection open: the SocketServer protocol frames a reply by closing,
// so the server most likely speaks another protocol.
type notClosedError struct {
	addr    string
	reply   []byte
	timeout time.Duration
}

func (e *notClosedError) Error() string {
	r := bytes.TrimSpace(e.reply)
	if len(r) > 60 {
		r = append(r[:57:57], "..."...)
	}
	return fmt.Sprintf("receive %s: a reply arrived (%s), but the server did not close the connection within %v: "+
		"it is probably not a SocketServer-style server (one line per connection); try 'socketlab tcp-client %s'",
		e.addr, strconv.Quote(string(r)), e.timeout, e.addr)
}

// Timeout reports that the client gave up waiting, like a net.Error.
func (e *notClosedError) Timeout() bool { return true }

// lineExchange is the textbook's SocketServer client exchange, like
// core.LineTimestampClient.Exchange: connect, send line+"\r\n", read the
// reply until the server closes. Unlike it, it tells a server that answers
// but never closes (a plain tcp-server) from one that does not answer.
// tr traces it as core.LineTimestampClient does.
func lineExchange(ctx context.Context, timeout time.Duration, addr string, line []byte, tr core.Tracer) ([]byte, error) {
	dctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var d net.Dialer
	tr.ConnectStart(core.NodeClient, addr)
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			tr.ConnectFailed(core.NodeClient, addr, ctx.Err())
			return nil, ctx.Err()
		}
		err = core.Wrap("connect", addr, err)
		tr.ConnectFailed(core.NodeClient, addr, err)
		return nil, err
	}
	ct := tr.Conn(core.NodeClient, conn)
	ct.Op(trace.OpConnect, 0, nil)
	defer func() {
		ct.Close("")
		conn.Close()
	}()
	if timeout > 0 {
		conn.SetDeadline(time.Now().Add(timeout))
	}
	// Ctrl-C wakes a blocked read or write at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	msg := append(append(make([]byte, 0, len(line)+2), line...), '\r', '\n')
	if _, err := conn.Write(msg); err != nil {
		err = lineIOError(ctx, "send", addr, timeout, nil, err)
		ct.Fail("send", err)
		return nil, err
	}
	ct.Op(trace.OpWrite, len(msg), msg)
	reply, err := core.ReadToEOF(conn, core.BufSize, ct)
	switch {
	case err != nil:
		err = lineIOError(ctx, "receive", addr, timeout, reply, err)
		ct.Fail("receive", err)
		return nil, err
	case len(reply) == 0:
		return nil, &core.Error{Phase: "receive", Addr: addr, Class: core.ClassSocket,
			Err: fmt.Errorf("the server closed the connection without a reply: %w", io.EOF)}
	}
	return reply, nil
}

func lineIOError(ctx context.Context, phase, addr string, timeout time.Duration, partial []byte, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, os.ErrDeadlineExceeded) && len(partial) > 0:
		return &notClosedError{addr, partial, timeout}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &core.Error{Phase: phase, Addr: addr, Class: core.ClassTimeout,
			Err: fmt.Errorf("no reply within %v: %w", timeout, os.ErrDeadlineExceeded)}
	}
	return core.Wrap(phase, addr, err)
}
