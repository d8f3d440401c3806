package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"socketlab/core"
	"socketlab/sim/trace"
)

// shutdownGrace bounds how long a stopping server waits for the
// connections it serves to finish before it closes them.
const shutdownGrace = 5 * time.Second

// socket is one socket a server command has bound, with the server that
// answers on it.
type socket struct {
	what     string // "tcp timestamp server"
	addr     net.Addr
	serve    func() error
	shutdown func(context.Context) error
	close    func() error // the socket itself, if it is never served
}

type streamService interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

type packetService interface {
	ServePacket(net.PacketConn) error
	Shutdown(context.Context) error
}

// listenStream binds a TCP socket for srv.
func listenStream(ctx context.Context, what, addr string, srv streamService) (socket, error) {
	l, err := core.Listen(ctx, "tcp", addr)
	if err != nil {
		return socket{}, err
	}
	return socket{what: what, addr: l.Addr(), serve: func() error { return srv.Serve(l) }, shutdown: srv.Shutdown, close: l.Close}, nil
}

// listenPacket binds a UDP socket for srv.
func listenPacket(ctx context.Context, what, addr string, srv packetService) (socket, error) {
	pc, err := core.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return socket{}, err
	}
	return socket{what: what, addr: pc.LocalAddr(), serve: func() error { return srv.ServePacket(pc) }, shutdown: srv.Shutdown, close: pc.Close}, nil
}

// bindAll binds every socket in order and returns them, or closes those
// already bound and returns the first error: a server command announces
// nothing until all its sockets are bound.
func bindAll(binds ...func() (socket, error)) ([]socket, error) {
	var socks []socket
	for _, bind := range binds {
		s, err := bind()
		if err != nil {
			for _, s := range socks {
				s.close()
			}
			return nil, err
		}
		socks = append(socks, s)
	}
	return socks, nil
}

// serveAll serves every socket until ctx ends (then it logs why, shuts the
// servers down gracefully and returns nil) or until one fails (then it
// stops the others and returns that error).
func serveAll(ctx context.Context, logf func(string, ...any), socks []socket) error {
	errc := make(chan error, len(socks))
	for _, s := range socks {
		go func() { errc <- s.serve() }()
	}
	running := len(socks)
	var failed error
	select {
	case failed = <-errc:
		running--
	case <-ctx.Done():
		logf("shutting down: %v", context.Cause(ctx))
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var wg sync.WaitGroup
	shutErrs := make([]error, len(socks))
	for i, s := range socks {
		wg.Go(func() { shutErrs[i] = s.shutdown(sctx) })
	}
	wg.Wait()
	for ; running > 0; running-- {
		if err := <-errc; failed == nil && !errors.Is(err, core.ErrServerClosed) {
			failed = err
		}
	}
	if failed != nil && !errors.Is(failed, core.ErrServerClosed) {
		return failed
	}
	if err := errors.Join(shutErrs...); err != nil {
		return core.Wrap("shut down", "", err)
	}
	return nil
}

// logSink renders a server's events as its log lines on the command
// line (see core.ServerLog): "...connected from 127.0.0.1:40000",
// "...closed 127.0.0.1:40000: client closed the connection", "got 5
// bytes from …", the server's notes as they are. The log is one consumer
// of the events the servers emit, --trace another. It is safe for
// concurrent use: its lines go through logf, a lineLogger, which writes
// whole lines one at a time.
type logSink struct{ core.ServerLog }

// newLogSink returns a logSink writing through logf; echo selects the
// echo server's line for a datagram.
func newLogSink(logf func(string, ...any), echo bool) *logSink {
	return &logSink{core.ServerLog{Echo: echo, Line: func(line string) { logf("%s", line) }}}
}

// serverTracer is the Tracer a server command's server runs with: its
// events go to a logSink writing through logf and, with --trace (tr on),
// to tr's Sink as well. Without --trace the Tracer reads no TCP_INFO
// (StatEvery -1): the log does not show it.
func serverTracer(tr core.Tracer, logf func(string, ...any), echo bool) core.Tracer {
	log := newLogSink(logf, echo)
	if !tr.On() {
		return core.Tracer{Sink: log, Start: time.Now(), StatEvery: -1}
	}
	next := tr.Sink
	tr.Sink = trace.SinkFunc(func(e *trace.Event) {
		log.Emit(e)
		next.Emit(e)
	})
	return tr
}

// announce prints a server's start-up line, as the core servers' own
// ListenAndServe does: "tcp timestamp server listening on tcp 127.0.0.1:21567".
func announce(logf func(string, ...any), s socket) {
	logf("%s listening on %s %s", s.what, s.addr.Network(), s.addr)
}

// isLoopback reports whether a bound address is reachable from this
// machine only.
func isLoopback(a net.Addr) bool {
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().IsLoopback()
}

// lanHint says, for a server bound to loopback, how to open it to the
// classroom's LAN; "" for any other address.
func lanHint(a net.Addr, flag string) string {
	if !isLoopback(a) {
		return ""
	}
	port := 0
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		port = int(ap.Port())
	}
	return fmt.Sprintf("(loopback only; %s :%s opens it to the LAN)", flag, strconv.Itoa(port))
}

// serveOne binds one socket, announces it with the LAN hint and serves it
// until ctx ends.
func serveOne(ctx context.Context, errw io.Writer, bind func(logf func(string, ...any)) (socket, error)) error {
	logf := lineLogger(errw)
	s, err := bind(logf)
	if err != nil {
		return err
	}
	announce(logf, s)
	if h := lanHint(s.addr, "--addr"); h != "" {
		logf("%s", h)
	}
	return serveAll(ctx, logf, []socket{s})
}
