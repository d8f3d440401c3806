// Package loadgen is a small, bounded load generator for request/reply
// servers such as the textbook's timestamp server: a number of clients
// each send a small request and wait for the whole reply, over and over,
// on one persistent connection each or on a new connection per request.
// A run stops at whichever comes first of a request count and a duration,
// and records every round trip's latency in a Histogram, from which it
// reports requests per second, p50 and p99.
//
// It is meant for loopback: every run is bounded in count and in time,
// and a server that fails too often ends the run early.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Config.
const (
	DefaultConns     = 8
	DefaultRequests  = 1_000_000
	DefaultDuration  = 5 * time.Second
	DefaultMaxErrors = 100
	// MaxReply bounds a reply read with one Read when ReplyLen is 0.
	MaxReply = 64 << 10
)

// DefaultPayload is the request the textbook's client sends.
var DefaultPayload = []byte("hello")

// Config describes one run. Only Addr is required.
type Config struct {
	Network string // "tcp" (the default), "tcp4", "tcp6" or "unix"
	Addr    string // "host:port", or a socket path for "unix"

	// Conns is how many clients run at once (default 8). Each keeps one
	// connection open for all its requests unless NewConn is set, in
	// which case it connects, sends one request, reads the reply and
	// closes, for every request; its latency then includes the connect.
	Conns   int
	NewConn bool
	// Abort closes each new connection with SO_LINGER 0, which sends RST
	// instead of FIN: the client's port then skips TIME_WAIT. Thousands of
	// connections a second otherwise fill the 28k ephemeral ports with
	// TIME_WAIT sockets within seconds, and connect slows down hunting for
	// a free one — a measurement of the client's kernel, not the server.
	Abort bool

	// Requests and Duration bound the run; it stops at the first reached
	// (defaults DefaultRequests and DefaultDuration). A round trip cut
	// off by the end of Duration is not counted.
	Requests int
	Duration time.Duration

	// Payload is the request (default DefaultPayload).
	Payload []byte
	// ReplyLen is how many bytes make one complete reply; the client reads
	// until it has them all. 0 means whatever one read returns (at most
	// MaxReply), which is what the textbook's recv(1024) does and is only
	// safe for short replies on loopback.
	ReplyLen int
	// Check, if set, validates each reply; a failure counts as an error.
	Check func(req, reply []byte) error

	// Dialer opens connections (nil means a zero net.Dialer).
	Dialer *net.Dialer
	// MaxErrors ends the run once more than this many requests failed
	// (default DefaultMaxErrors), so a dead server does not spin for the
	// whole duration.
	MaxErrors int
}

// Result is what a run measured.
type Result struct {
	Requests int64 // completed round trips (each one's reply checked)
	Errors   int64 // failed round trips (connect, send, receive or Check)
	Err      error // the first failure, nil if there was none
	Conns    int64 // connections opened
	Elapsed  time.Duration
	Latency  Histogram // one entry per completed round trip
}

// Rate returns completed requests per second of Elapsed.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// String summarizes the run on one line.
func (r *Result) String() string {
	return fmt.Sprintf("%d requests in %v: %.0f req/s, p50 %v, p99 %v, max %v, %d errors",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.Rate(),
		r.Latency.Quantile(0.50), r.Latency.Quantile(0.99), r.Latency.Max(), r.Errors)
}

// ErrTooManyErrors is wrapped by Run's error when MaxErrors was exceeded
// or when no request at all succeeded.
var ErrTooManyErrors = errors.New("too many failed requests")

func (cfg *Config) defaults() error {
	if cfg.Network == "" {
		cfg.Network = "tcp"
	}
	if cfg.Conns == 0 {
		cfg.Conns = DefaultConns
	}
	if cfg.Requests == 0 {
		cfg.Requests = DefaultRequests
	}
	if cfg.Duration == 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.Payload == nil {
		cfg.Payload = DefaultPayload
	}
	if cfg.MaxErrors == 0 {
		cfg.MaxErrors = DefaultMaxErrors
	}
	if cfg.Dialer == nil {
		cfg.Dialer = &net.Dialer{}
	}
	switch {
	case cfg.Addr == "":
		return errors.New("loadgen: no server address; give HOST:PORT")
	case cfg.Conns < 0 || cfg.Conns > 10_000:
		return fmt.Errorf("loadgen: %d connections; use 1 to 10000", cfg.Conns)
	case cfg.Requests < 0:
		return fmt.Errorf("loadgen: request count %d must be positive", cfg.Requests)
	case cfg.Duration < 0:
		return fmt.Errorf("loadgen: duration %v must be positive", cfg.Duration)
	case len(cfg.Payload) == 0:
		return errors.New("loadgen: the request payload is empty; a server cannot answer nothing")
	case cfg.ReplyLen < 0 || cfg.ReplyLen > 16<<20:
		return fmt.Errorf("loadgen: reply length %d out of range 0-16 MiB", cfg.ReplyLen)
	case cfg.MaxErrors < 0:
		return fmt.Errorf("loadgen: max errors %d must be positive", cfg.MaxErrors)
	}
	return nil
}

// run is the state the workers share.
type run struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	end    time.Time    // when the measured time is up
	issued atomic.Int64 // requests started, bounded by cfg.Requests
	errs   atomic.Int64
	conns  atomic.Int64

	mu  sync.Mutex
	res Result
}

// aLongTimeAgo wakes a blocked Read or Write at once.
var aLongTimeAgo = time.Unix(1, 0)

// Run drives the server at cfg.Addr until cfg.Requests round trips were
// started, cfg.Duration passed, ctx ended or more than cfg.MaxErrors
// requests failed, and returns what it measured. With persistent
// connections it opens all cfg.Conns of them first (bounded by
// cfg.Duration) and starts the clock when they are up. The error is
// non-nil for a bad Config, when ctx ended (the partial Result is returned
// too), and, wrapping ErrTooManyErrors, when the error budget ran out or
// nothing succeeded.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg}
	setup, cancelSetup := context.WithTimeout(ctx, cfg.Duration)
	defer cancelSetup()
	var ready, wg sync.WaitGroup
	startc := make(chan struct{})
	ready.Add(cfg.Conns)
	for range cfg.Conns {
		wg.Go(func() { r.worker(setup, &ready, startc) })
	}
	ready.Wait()
	start := time.Now()
	r.end = start.Add(cfg.Duration)
	r.ctx, r.cancel = context.WithDeadline(ctx, r.end)
	defer r.cancel()
	close(startc) // publishes r.ctx to the workers
	wg.Wait()

	res := &r.res
	res.Elapsed = time.Since(start)
	res.Errors = r.errs.Load()
	res.Conns = r.conns.Load()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	switch {
	case res.Errors > int64(cfg.MaxErrors):
		return res, fmt.Errorf("loadgen: %w: %d failed, stopped early; the first: %w", ErrTooManyErrors, res.Errors, res.Err)
	case res.Requests == 0 && res.Errors > 0:
		return res, fmt.Errorf("loadgen: %w: none of %d succeeded; the first: %w", ErrTooManyErrors, res.Errors, res.Err)
	}
	return res, nil
}

// conn is one client connection and the watch that wakes it when the
// run ends.
type conn struct {
	net.Conn
	stop func() bool
}

func (c *conn) close() {
	if c.stop != nil {
		c.stop()
	}
	c.Conn.Close()
}

// dial connects, bounded by ctx.
func (r *run) dial(ctx context.Context) (*conn, error) {
	nc, err := r.cfg.Dialer.DialContext(ctx, r.cfg.Network, r.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	r.conns.Add(1)
	return &conn{Conn: nc}, nil
}

// watch wakes the connection with a past deadline when ctx ends, so that
// no Read or Write outlives the run.
func (c *conn) watch(ctx context.Context) {
	c.stop = context.AfterFunc(ctx, func() { c.SetDeadline(aLongTimeAgo) })
}

func (r *run) worker(setup context.Context, ready *sync.WaitGroup, startc <-chan struct{}) {
	var h Histogram
	var done int64
	var c *conn
	defer func() {
		if c != nil {
			c.close()
		}
		r.mu.Lock()
		r.res.Latency.Merge(&h)
		r.res.Requests += done
		r.mu.Unlock()
	}()
	cfg := &r.cfg
	if !cfg.NewConn {
		// A persistent connection's set-up is not part of any round
		// trip's latency, nor of the measured time.
		var err error
		if c, err = r.dial(setup); err != nil {
			r.fail(err)
		}
	}
	ready.Done()
	<-startc
	if c != nil {
		c.watch(r.ctx)
	}
	req := cfg.Payload
	buf := make([]byte, max(cfg.ReplyLen, MaxReply))
	for !r.over() && r.issued.Add(1) <= int64(cfg.Requests) {
		t0 := time.Now()
		reply, err := r.roundTrip(&c, req, buf)
		lat := time.Since(t0)
		if err == nil && cfg.Check != nil {
			err = cfg.Check(req, reply)
		}
		if err != nil {
			if r.over() {
				return // cut off by the end of the run: not the server's fault
			}
			r.fail(err)
			if c != nil {
				c.close()
				c = nil
			}
			continue
		}
		h.Record(lat)
		done++
		if cfg.NewConn {
			if tc, ok := c.Conn.(*net.TCPConn); ok && cfg.Abort {
				tc.SetLinger(0)
			}
			c.close()
			c = nil
		}
	}
}

// roundTrip sends one request on *c (connecting first if *c is nil) and
// reads one complete reply into buf.
func (r *run) roundTrip(c **conn, req, buf []byte) ([]byte, error) {
	if *c == nil {
		nc, err := r.dial(r.ctx)
		if err != nil {
			return nil, err
		}
		nc.watch(r.ctx)
		*c = nc
	}
	if _, err := (*c).Write(req); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	if n := r.cfg.ReplyLen; n > 0 {
		if _, err := io.ReadFull(*c, buf[:n]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("the server closed the connection before the whole %d-byte reply: %w", n, err)
			}
			return nil, fmt.Errorf("receive: %w", err)
		}
		return buf[:n], nil
	}
	n, err := (*c).Read(buf)
	if n > 0 {
		return buf[:n], nil
	}
	if err == io.EOF {
		err = errors.New("the server closed the connection without a reply")
	}
	return nil, fmt.Errorf("receive: %w", err)
}

// over reports whether the run has ended. The clock is asked too: a
// connection's deadline timer can fire a moment before the context's, and
// the "i/o timeout" it causes is the end of the run, not a failure.
func (r *run) over() bool {
	return r.ctx.Err() != nil || !time.Now().Before(r.end)
}

func (r *run) fail(err error) {
	n := r.errs.Add(1)
	if n == 1 {
		r.mu.Lock()
		r.res.Err = err
		r.mu.Unlock()
	}
	if n > int64(r.cfg.MaxErrors) && r.cancel != nil {
		r.cancel()
	}
}

// TimestampOverhead is what the timestamp servers add to each chunk:
// "[Mon Jan _2 15:04:05 2006] " (time.ANSIC in brackets and a space).
const TimestampOverhead = 1 + len(time.ANSIC) + 2

// CheckTimestamp is a Config.Check for the textbook's timestamp servers:
// the reply must be "[ctime] " followed by the request, with ctime in
// time.ANSIC layout.
func CheckTimestamp(req, reply []byte) error {
	if len(reply) != TimestampOverhead+len(req) || reply[0] != '[' || reply[TimestampOverhead-2] != ']' || reply[TimestampOverhead-1] != ' ' {
		return fmt.Errorf("reply %q is not \"[ctime] \" + the %d-byte request", truncate(reply), len(req))
	}
	if !isCtime(reply[1 : TimestampOverhead-2]) {
		return fmt.Errorf("reply %q: the stamp is not a ctime like %q", truncate(reply), time.ANSIC)
	}
	if !bytes.Equal(reply[TimestampOverhead:], req) {
		return fmt.Errorf("reply %q does not end with the request %q", truncate(reply), truncate(req))
	}
	return nil
}

// isCtime reports whether b has the shape of time.ANSIC, "Mon Jan _2
// 15:04:05 2006": names from the lists, digits where digits go. It checks
// every reply on the load generator's hot path, so unlike time.Parse it
// does not allocate; it does not check calendar validity.
func isCtime(b []byte) bool {
	const days, months = "SunMonTueWedThuFriSat", "JanFebMarAprMayJunJulAugSepOctNovDec"
	if len(b) != len(time.ANSIC) || !isName(days, b[0:3]) || !isName(months, b[4:7]) {
		return false
	}
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i, c := range b {
		switch i {
		case 3, 7, 10, 19:
			if c != ' ' {
				return false
			}
		case 8: // the day is space-padded
			if c != ' ' && !digit(c) {
				return false
			}
		case 13, 16:
			if c != ':' {
				return false
			}
		case 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23:
			if !digit(c) {
				return false
			}
		}
	}
	return true
}

func isName(list string, b []byte) bool {
	for i := 0; i+3 <= len(list); i += 3 {
		if list[i:i+3] == string(b) {
			return true
		}
	}
	return false
}

// CheckEcho is a Config.Check for echo servers: the reply equals the
// request.
func CheckEcho(req, reply []byte) error {
	if !bytes.Equal(req, reply) {
		return fmt.Errorf("reply %q is not the request %q", truncate(reply), truncate(req))
	}
	return nil
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
