package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"socketlab/sim/trace"
)

// Defaults shared by the stream servers.
const (
	// DefaultMaxConns bounds the connections a stream server serves at
	// once when MaxConns is 0.
	DefaultMaxConns = 512
	// DefaultIdleTimeout closes a connection that sends nothing for this
	// long when IdleTimeout is 0.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultWriteTimeout closes a connection whose reply cannot be
	// written for this long — the client sends but does not read, or has
	// vanished — when WriteTimeout is 0.
	DefaultWriteTimeout = 30 * time.Second
	// shutdownGrace bounds how long ListenAndServe waits for connections
	// to finish after its context is cancelled before it closes them.
	shutdownGrace = 5 * time.Second
)

// errShuttingDown ends a handler that finds the server shutting down
// before its next read.
var errShuttingDown = errors.New("server shutting down")

// aLongTimeAgo is a deadline in the past: setting it makes blocked reads
// (or writes) return at once, which is how Shutdown wakes handlers waiting
// for a request without losing a reply that is being written.
var aLongTimeAgo = time.Unix(1, 0)

// writeError marks an error of writing a reply, so that the log can tell
// a client that does not read from one that does not send.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// streamServer is the accept loop, connection tracking and shutdown that
// TimestampServer and LineTimestampServer share.
type streamServer struct {
	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]*ConnTracer // the tracer is nil when tracing is off
	slots     chan struct{}            // one token per running handler; nil until first Serve
	done      chan struct{}            // closed when shutting down
	drained   chan struct{}            // closed when the last handler leaves after shutdown began
	closing   atomic.Bool

	// The TCP_INFO ticker runs while at least one Serve does.
	serving  int           // Serve calls running
	pollStop chan struct{} // closed to stop the ticker
	pollDone chan struct{} // closed when it has stopped

	active atomic.Int64 // connections being served now
	peak   atomic.Int64 // the most served at once, for tests and the CLI
}

// streamConfig is what differs between the stream servers.
type streamConfig struct {
	iterative bool
	maxConns  int
	// handle serves one connection and says why it ended (nil, io.EOF, a
	// timeout, a writeError, ...). It must not close c. It reports
	// StateActive and StateIdle itself; run reports StateNew and
	// StateClosed. It traces its reads and writes on ct; run traces the
	// accept and the close.
	handle func(c net.Conn, ct *ConnTracer, cfg *streamConfig) error
	idle   time.Duration // read timeout; <= 0 means none
	write  time.Duration // write timeout; <= 0 means none
	// connState is the ConnState hook, nil if unset: every call site
	// checks, so an unset hook costs one comparison.
	connState func(net.Conn, ConnState)
	// tr traces the server's sockets; handle gets the connection's
	// tracer (nil when off).
	tr Tracer
}

func (cfg *streamConfig) setState(c net.Conn, st ConnState) {
	if cfg.connState != nil {
		cfg.connState(c, st)
	}
}

// timeoutOr turns a configured timeout into the one in force: 0 means
// def, negative means none (0).
func timeoutOr(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func (s *streamServer) init(maxConns int) {
	if s.done == nil {
		s.done = make(chan struct{})
		s.listeners = make(map[net.Listener]struct{})
		s.conns = make(map[net.Conn]*ConnTracer)
		s.slots = make(chan struct{}, maxConns)
	}
}

// serve accepts on l until shutdown. Excess connections are not accepted
// while all slots are busy: they wait in the kernel's accept queue (the
// listen backlog), exactly where the textbook's listen(5) keeps them.
func (s *streamServer) serve(l net.Listener, cfg streamConfig) error {
	if cfg.maxConns <= 0 {
		cfg.maxConns = DefaultMaxConns
	}
	if cfg.iterative {
		cfg.maxConns = 1
	}
	s.mu.Lock()
	s.init(cfg.maxConns)
	if s.closing.Load() {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	slots, done := s.slots, s.done
	s.startPoll(cfg.tr)
	s.mu.Unlock()
	lt := listenerTrace(cfg.tr, l)
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		stop := s.stopPoll()
		s.mu.Unlock()
		<-stop // the ticker is gone before Serve returns
		l.Close()
		if lt != nil {
			cfg.tr.App(NodeServer, trace.OpClose, lt.addr, netip.AddrPort{}, 0, lt.name)
		}
	}()

	var backoff time.Duration
	for {
		select {
		case slots <- struct{}{}:
		case <-done:
			return ErrServerClosed
		}
		c, err := l.Accept()
		if err != nil {
			<-slots
			if s.closing.Load() {
				return ErrServerClosed
			}
			if !retryableAccept(err) {
				return Wrap("accept", l.Addr().String(), err)
			}
			// Out of file descriptors or buffers: wait for connections to
			// end instead of spinning, like net/http.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			if lt != nil {
				cfg.tr.App(NodeServer, trace.OpError, lt.addr, netip.AddrPort{}, 0,
					ErrorText("accept", err)+"; retrying in "+backoff.String())
				cfg.tr.Note(NodeServer, fmt.Sprintf("accept: %v; retrying in %v", err, backoff))
			}
			select {
			case <-time.After(backoff):
			case <-done:
				return ErrServerClosed
			}
			continue
		}
		backoff = 0
		ct := cfg.tr.Conn(NodeServer, c)
		if !s.track(c, ct) {
			c.Close()
			<-slots
			return ErrServerClosed
		}
		ct.accepted()
		if cfg.iterative {
			s.run(c, ct, &cfg)
			<-slots
			continue
		}
		go func() {
			s.run(c, ct, &cfg)
			<-slots
		}()
	}
}

func retryableAccept(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

func (s *streamServer) track(c net.Conn, ct *ConnTracer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.conns[c] = ct
	return true
}

func (s *streamServer) run(c net.Conn, ct *ConnTracer, cfg *streamConfig) {
	n := s.active.Add(1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	ct.Stat() // the kernel's state at accept, off the accept loop
	cfg.setState(c, StateNew)
	err := cfg.handle(c, ct, cfg)
	if ct != nil {
		ct.Close(s.endReason(err, cfg)) // the log renders it: "...closed 127.0.0.1:40000: answered"
	}
	c.Close()
	s.active.Add(-1)
	cfg.setState(c, StateClosed)

	s.mu.Lock()
	delete(s.conns, c)
	if s.drained != nil && len(s.conns) == 0 {
		close(s.drained)
		s.drained = nil
	}
	s.mu.Unlock()
}

// endReason says in a few words why a connection ended.
func (s *streamServer) endReason(err error, cfg *streamConfig) string {
	var we writeError
	switch {
	case err == nil:
		return "answered"
	case errors.Is(err, errShuttingDown):
		return "server shutting down"
	case errors.Is(err, io.EOF):
		return "client closed the connection"
	case errors.Is(err, os.ErrDeadlineExceeded) && s.closing.Load():
		return "server shutting down"
	case errors.Is(err, os.ErrDeadlineExceeded) && errors.As(err, &we):
		return "write timed out after " + cfg.write.String() + ": the client is not reading"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "idle for " + cfg.idle.String()
	case errors.Is(err, net.ErrClosed) && s.closing.Load():
		return "server closed"
	case errors.Is(err, errLineTooLong):
		return err.Error()
	}
	return Wrap("serve", "", err).Error()
}

// setReadDeadline arms the idle timer (on the real clock: Now only
// stamps replies) before a read and reports false if
// the server is shutting down. The order matters: Shutdown sets closing
// and then a past deadline; a handler sets its deadline and then checks
// closing, so one of the two always sees the other.
func (s *streamServer) setReadDeadline(c net.Conn, now time.Time, idle time.Duration) bool {
	if idle > 0 {
		c.SetReadDeadline(now.Add(idle))
	}
	return !s.closing.Load()
}

// idler re-arms a connection's idle (read) and write deadlines lazily.
// Setting a deadline on every chunk costs a few percent of a request/reply
// loop (it reprograms the runtime's timer), so a deadline is set 1/8
// further than needed and pushed out only once that slack is used up: a
// silent client is closed after between idle and idle·9/8 of silence, and
// a reply that cannot be written fails after between WriteTimeout and
// WriteTimeout·9/8.
type idler struct{ read, write time.Time }

// rearm readies c for a read; false means the server is shutting down.
func (d *idler) rearm(s *streamServer, c net.Conn, idle time.Duration) bool {
	if idle > 0 {
		now := time.Now()
		if d.read.Sub(now) < idle {
			d.read = now.Add(idle + idle/8)
			c.SetReadDeadline(d.read)
		}
	}
	return !s.closing.Load()
}

// rearmWrite readies c for a write at now, which must be the real clock.
// It does not look at shutdown: a reply that is being sent is finished.
func (d *idler) rearmWrite(c net.Conn, now time.Time, timeout time.Duration) {
	if timeout > 0 && d.write.Sub(now) < timeout {
		d.write = now.Add(timeout + timeout/8)
		c.SetWriteDeadline(d.write)
	}
}

// beginClose marks the server as closing and closes its listeners.
func (s *streamServer) beginClose() []net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init(1)
	if !s.closing.Swap(true) {
		close(s.done)
	}
	for l := range s.listeners {
		l.Close()
	}
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}

// shutdown stops accepting, wakes every handler blocked in a read (a
// reply already being written is still sent, within its write timeout)
// and waits for them to leave or for ctx to end, in which case it cuts
// what is left, blocked writes included.
func (s *streamServer) shutdown(ctx context.Context) error {
	for _, c := range s.beginClose() {
		c.SetReadDeadline(aLongTimeAgo)
	}
	s.mu.Lock()
	if len(s.conns) == 0 {
		s.mu.Unlock()
		return nil
	}
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	drained := s.drained
	s.mu.Unlock()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		s.close()
		return ctx.Err()
	}
}

// close closes the listeners and every connection at once, which also
// ends handlers blocked writing to a client that does not read. The past
// deadlines come first because not every net.Conn's Close interrupts a
// blocked Write: a *tls.Conn's waits for it.
func (s *streamServer) close() error {
	for _, c := range s.beginClose() {
		c.SetWriteDeadline(aLongTimeAgo)
		c.SetReadDeadline(aLongTimeAgo)
		c.Close()
	}
	return nil
}

// listenAndServe listens on addr, notes the bound address ("tcp
// timestamp server listening on tcp 127.0.0.1:21567"), serves until ctx
// is done and then shuts down gracefully within shutdownGrace.
func listenAndServe(ctx context.Context, network, addr, what string, tr Tracer,
	serve func(net.Listener) error, shutdown func(context.Context) error) error {
	l, err := Listen(ctx, network, addr)
	if err != nil {
		return err
	}
	if tr.On() {
		tr.Note(NodeServer, fmt.Sprintf("%s listening on %s %s", what, l.Addr().Network(), l.Addr()))
	}
	return serveUntil(ctx, func() error { return serve(l) }, shutdown, tr)
}

// serveUntil runs serve until it returns or ctx is done; then it calls
// shutdown with shutdownGrace to finish and returns nil if the server
// stopped cleanly. An early return of serve is returned as is.
// It notes why it shuts down ("shutting down: interrupt") on tr.
func serveUntil(ctx context.Context, serve func() error, shutdown func(context.Context) error, tr Tracer) error {
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if tr.On() {
		tr.Note(NodeServer, fmt.Sprintf("shutting down: %v", context.Cause(ctx)))
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	err := shutdown(sctx)
	cancel()
	if serr := <-errc; serr != nil && !stoppedCleanly(serr) {
		return serr
	}
	if err != nil {
		return Wrap("shut down", "", err)
	}
	return nil
}

// stoppedCleanly reports whether a Serve error after Shutdown only says
// that the server was shut down: a closed-server error or, from a server
// that leaves its listener to the caller, the listener closed under it.
func stoppedCleanly(err error) bool {
	return serverClosed(err) || errors.Is(err, net.ErrClosed)
}

// serverClosed reports whether err is ErrServerClosed or net/http's
// ErrServerClosed: Serve's answer to Shutdown or Close, not a failure.
func serverClosed(err error) bool {
	return errors.Is(err, ErrServerClosed) || errors.Is(err, http.ErrServerClosed)
}

// listenerTraced is what the events of a traced listener carry.
type listenerTraced struct {
	addr netip.AddrPort
	name string // a Unix socket's path
}

// listenerTrace emits listen for l, with the backlog the kernel uses, and
// returns what its later events carry; nil when tr is off.
func listenerTrace(tr Tracer, l net.Listener) *listenerTraced {
	if !tr.On() {
		return nil
	}
	lt := &listenerTraced{addr: addrPortOf(l.Addr())}
	if ua, ok := l.Addr().(*net.UnixAddr); ok && ua != nil {
		lt.name = ua.Name
	}
	tr.App(NodeServer, trace.OpListen, lt.addr, netip.AddrPort{}, ListenBacklog(), lt.name)
	return lt
}

// startPoll starts the TCP_INFO ticker if tr reads TCP_INFO and it is not
// running; s.mu must be held. Every Serve calls it once and stopPoll once.
func (s *streamServer) startPoll(tr Tracer) {
	s.serving++
	if !tr.stats() || s.pollStop != nil {
		return
	}
	s.pollStop, s.pollDone = make(chan struct{}), make(chan struct{})
	go s.poll(tr.statEvery(), s.pollStop, s.pollDone)
}

// stopPoll stops the ticker when the last Serve leaves and returns a
// channel closed once it has stopped; s.mu must be held.
func (s *streamServer) stopPoll() <-chan struct{} {
	s.serving--
	if s.pollStop == nil {
		return closedChan
	}
	done := s.pollDone
	if s.serving == 0 {
		close(s.pollStop)
		s.pollStop, s.pollDone = nil, nil
		return done
	}
	return closedChan
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// poll reads TCP_INFO of every connection each interval until stop. The
// work of a tick is bounded by the connections served at once (MaxConns).
func (s *streamServer) poll(every time.Duration, stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	var cts []*ConnTracer
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		cts = cts[:0]
		for _, ct := range s.conns {
			if ct != nil {
				cts = append(cts, ct)
			}
		}
		s.mu.Unlock()
		for _, ct := range cts {
			select {
			case <-stop:
				return
			default:
			}
			ct.Stat()
		}
		clear(cts)
	}
}

// traceReadErr traces a read that failed with err: a read of 0 for the
// end of stream, an error event for anything but the past deadline of
// Shutdown (the close event says the server is shutting down).
func (s *streamServer) traceReadErr(ct *ConnTracer, err error) {
	switch {
	case ct == nil:
	case errors.Is(err, io.EOF):
		ct.Op(trace.OpRead, 0, nil)
	default:
		s.traceFail(ct, "receive", err)
	}
}

// traceFail traces a failed read or write, unless Shutdown or Close
// caused it.
func (s *streamServer) traceFail(ct *ConnTracer, phase string, err error) {
	if ct != nil && !s.closing.Load() {
		ct.Fail(phase, err)
	}
}
