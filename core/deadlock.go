package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"socketlab/sim/trace"
)

// The textbook's deadlock lesson (seed 003, "避免死锁"): when a client and a
// server both write a lot without reading, their socket buffers fill up and
// both block in send; when both wait to read first, both block in recv. The
// fixes: read and write at the same time (threads), or receive after each
// send with messages small enough to fit in the buffers. Deadlock acts each
// of these out over a real loopback TCP connection, detects the stall and
// unblocks it, so that a deadlock is a result to look at, never a hang.

// DeadlockMode selects the conversation that Deadlock acts out.
type DeadlockMode int

// Deadlock modes.
const (
	// DeadlockWriteWrite: both sides send everything before reading.
	// The bytes pile up in the sender's send buffer and the receiver's
	// receive buffer; once both are full, both sides block in send.
	DeadlockWriteWrite DeadlockMode = iota
	// DeadlockReadRead: both sides wait to receive before sending; both
	// block in recv at once.
	DeadlockReadRead
	// DeadlockFixedConcurrent: each side sends in one goroutine and
	// receives in another (the textbook's "use threads").
	DeadlockFixedConcurrent
	// DeadlockFixedAlternate: the client sends one chunk and receives the
	// server's chunk before it sends the next (the textbook's "recv after
	// each send" with "send less data").
	DeadlockFixedAlternate
	deadlockModeCount
)

var deadlockModeNames = [deadlockModeCount]string{"write-write", "read-read", "fixed-concurrent", "fixed-alternate"}

// String returns the mode's command-line name, e.g. "write-write".
func (m DeadlockMode) String() string {
	if m >= 0 && m < deadlockModeCount {
		return deadlockModeNames[m]
	}
	return fmt.Sprintf("DeadlockMode(%d)", int(m))
}

// Stalls reports whether the mode is the broken protocol that is expected
// to deadlock (given enough bytes).
func (m DeadlockMode) Stalls() bool { return m == DeadlockWriteWrite || m == DeadlockReadRead }

// ParseDeadlockMode is the inverse of DeadlockMode.String.
func ParseDeadlockMode(s string) (DeadlockMode, error) {
	for i, n := range deadlockModeNames {
		if s == n {
			return DeadlockMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown deadlock mode %q; want one of %s", s, strings.Join(deadlockModeNames[:], ", "))
}

// Defaults for DeadlockConfig.
const (
	// DefaultDeadlockBytes is far more than a loopback connection can
	// buffer with Linux's defaults: the send buffer autotunes up to
	// tcp_wmem[2] (4 MiB), the receive buffer only grows while the
	// application reads, so write-write stalls after about 4 MiB.
	DefaultDeadlockBytes = 32 << 20
	// DefaultDeadlockChunk is the size of one send or receive call.
	DefaultDeadlockChunk = 64 << 10
	// DefaultDeadlockStall is how long no byte may move before Deadlock
	// calls it a deadlock.
	DefaultDeadlockStall = 2 * time.Second
)

// DeadlockConfig configures Deadlock. The zero value runs write-write with
// the defaults above.
type DeadlockConfig struct {
	Mode  DeadlockMode
	Bytes int64         // each side sends this many bytes; 0 means DefaultDeadlockBytes
	Chunk int           // bytes per send/recv call (and per message in fixed-alternate); 0 means DefaultDeadlockChunk
	Stall time.Duration // no progress for this long is a deadlock; 0 means DefaultDeadlockStall

	// SendBuf and RecvBuf, when > 0, set SO_SNDBUF and SO_RCVBUF on both
	// sockets before the transfer (which turns autotuning off): small
	// buffers make the write-write deadlock arrive after fewer bytes.
	SendBuf, RecvBuf int

	// Trace, if on, receives both ends' events: the server's listen and
	// accept on node "server", the client's connect-start and connect on
	// node "client", every send and receive call with its byte count, the
	// closes, the narration, and the kernel's view of both connections
	// (TCP_INFO) after each call and at every check for progress — which
	// shows the windows closing as the buffers fill. The narration — what
	// happens step by step, "connected: …", "progress: …", "DEADLOCK: …" —
	// is notes with no node, emitted from the goroutine running Deadlock:
	// the command line prints them with their time, a trace file keeps
	// them. Off, nothing is narrated.
	Trace Tracer
}

// DeadlockPeer describes one end of the connection after the run.
type DeadlockPeer struct {
	Name     string // "client" or "server"
	Sent     int64  // bytes the application handed to send
	Received int64  // bytes the application got from recv (all verified)
	// Blocked is where the peer was stuck when the stall was detected:
	// "send", "recv", "send and recv", or "" when it was not stuck.
	Blocked string

	// Socket buffer sizes as getsockopt(SO_SNDBUF/SO_RCVBUF) reports them,
	// right after connecting and at the end. BuffersKnown is false where
	// they could not be read.
	SndBufStart, RcvBufStart int
	SndBuf, RcvBuf           int
	BuffersKnown             bool

	// At a stall: bytes in the send queue not yet acknowledged (SIOCOUTQ)
	// and bytes in the receive queue not yet read (SIOCINQ).
	SendQueue, RecvQueue int
	QueuesKnown          bool
}

// DeadlockResult reports what a Deadlock run did.
type DeadlockResult struct {
	Mode           DeadlockMode
	Bytes          int64 // what each side meant to send
	Chunk          int
	Client, Server DeadlockPeer
	Stalled        bool          // the run was stopped because nothing moved for Stall
	Elapsed        time.Duration // from connected to finished or stopped
}

// ErrDeadlock is matched (errors.Is) by every *DeadlockError.
var ErrDeadlock = errors.New("deadlock")

// DeadlockError is returned by Deadlock when no byte moved for the stall
// timeout. It says where each side was blocked and why.
type DeadlockError struct {
	Mode           DeadlockMode
	Stall          time.Duration
	Client, Server DeadlockPeer
}

// Error returns one line: the mode, the explanation and the timeout.
func (e *DeadlockError) Error() string {
	return fmt.Sprintf("deadlock in %s mode: %s (no progress for %v)", e.Mode, e.Explain(), e.Stall)
}

// Is makes errors.Is(err, ErrDeadlock) true.
func (e *DeadlockError) Is(target error) bool { return target == ErrDeadlock }

// Explain says in one sentence why nothing moves.
func (e *DeadlockError) Explain() string {
	c, s := e.Client.Blocked, e.Server.Blocked
	switch {
	case c == "send" && s == "send":
		return "both sides are blocked in send: each one's receive buffer is full because nobody reads"
	case c == "recv" && s == "recv":
		return "both sides are blocked in recv: each waits for the other to send first, and nobody does"
	}
	return fmt.Sprintf("the client is blocked in %s and the server in %s", deadlockOrNothing(c), deadlockOrNothing(s))
}

func deadlockOrNothing(s string) string {
	if s == "" {
		return "nothing (it had finished)"
	}
	return s
}

// Deadlock connects a client and a server over loopback TCP and acts out
// cfg.Mode: each side sends cfg.Bytes of a side-specific pattern and
// receives (and verifies) the other's. If no byte moves for cfg.Stall, it
// unblocks both sides with past deadlines, closes the connection and
// returns the result together with a *DeadlockError. Deadlock always
// returns within about cfg.Stall after the last byte moved, or when ctx is
// done.
func Deadlock(ctx context.Context, cfg DeadlockConfig) (*DeadlockResult, error) {
	if cfg.Bytes == 0 {
		cfg.Bytes = DefaultDeadlockBytes
	}
	if cfg.Chunk == 0 {
		cfg.Chunk = DefaultDeadlockChunk
	}
	if cfg.Stall == 0 {
		cfg.Stall = DefaultDeadlockStall
	}
	switch {
	case cfg.Mode < 0 || cfg.Mode >= deadlockModeCount:
		return nil, fmt.Errorf("deadlock: unknown mode %d", int(cfg.Mode))
	case cfg.Bytes < 0:
		return nil, fmt.Errorf("deadlock: bytes must be positive, not %d", cfg.Bytes)
	case cfg.Chunk < 0 || cfg.Chunk > 16<<20:
		return nil, fmt.Errorf("deadlock: chunk must be between 1 and 16 MiB, not %d", cfg.Chunk)
	case cfg.Stall < 0:
		return nil, fmt.Errorf("deadlock: stall timeout must be positive, not %v", cfg.Stall)
	case cfg.SendBuf < 0 || cfg.RecvBuf < 0:
		return nil, errors.New("deadlock: buffer sizes must be positive")
	}
	client, server, cts, err := deadlockConnect(ctx, cfg.Trace)
	if err != nil {
		return nil, err
	}
	defer func() {
		for i, c := range []*net.TCPConn{client, server} {
			cts[i].Close("")
			c.Close()
		}
	}()
	for _, c := range []*net.TCPConn{client, server} {
		if err := deadlockSetBuffers(c, cfg.SendBuf, cfg.RecvBuf); err != nil {
			return nil, Wrap("set socket buffers", c.LocalAddr().String(), err)
		}
	}

	r := &deadlockRun{cfg: cfg}
	r.peers[0] = newDeadlockPeer("client", client, 1)
	r.peers[1] = newDeadlockPeer("server", server, 2)
	r.peers[0].ct, r.peers[1].ct = cts[0], cts[1]
	r.peers[0].other, r.peers[1].other = r.peers[1], r.peers[0]
	res := &DeadlockResult{Mode: cfg.Mode, Bytes: cfg.Bytes, Chunk: cfg.Chunk}

	start := time.Now()
	say := func(format string, a ...any) {
		if cfg.Trace.On() {
			cfg.Trace.Note("", fmt.Sprintf(format, a...))
		}
	}
	say("connected: client %v ⇄ server %v", client.LocalAddr(), server.LocalAddr())
	for _, p := range r.peers {
		if snd, rcv, ok := deadlockBuffers(p.conn); ok {
			p.info.SndBufStart, p.info.RcvBufStart, p.info.BuffersKnown = snd, rcv, true
			say("%s socket buffers: SO_SNDBUF=%s SO_RCVBUF=%s", p.info.Name, deadlockSize(int64(snd)), deadlockSize(int64(rcv)))
		}
	}
	say("%s", deadlockPlan(cfg))

	r.start()
	stalled, err := r.watch(ctx, say)
	res.Elapsed = time.Since(start)
	res.Stalled = stalled
	for i, p := range r.peers {
		info := p.info
		info.Sent, info.Received = p.sent.Load(), p.recvd.Load()
		if snd, rcv, ok := deadlockBuffers(p.conn); ok {
			info.SndBuf, info.RcvBuf = snd, rcv
		}
		if i == 0 {
			res.Client = info
		} else {
			res.Server = info
		}
	}
	if err != nil {
		return res, err
	}
	if stalled {
		for _, p := range []*DeadlockPeer{&res.Client, &res.Server} {
			say("%s: sent %s, received %s, blocked in %s", p.Name, deadlockSize(p.Sent), deadlockSize(p.Received), deadlockOrNothing(p.Blocked))
		}
		if res.Client.QueuesKnown && res.Server.QueuesKnown && res.Client.Sent+res.Server.Sent > 0 {
			for _, pair := range [][2]*DeadlockPeer{{&res.Client, &res.Server}, {&res.Server, &res.Client}} {
				p, q := pair[0], pair[1]
				say("  where the %s's %s went: %s still in its own send queue + %s in the %s's receive queue + %s read by the %s",
					p.Name, deadlockSize(p.Sent), deadlockSize(int64(p.SendQueue)), deadlockSize(int64(q.RecvQueue)), q.Name, deadlockSize(q.Received), q.Name)
			}
		}
		derr := &DeadlockError{Mode: cfg.Mode, Stall: cfg.Stall, Client: res.Client, Server: res.Server}
		say("DEADLOCK: %s", derr.Explain())
		say("unblocked both sides with a deadline in the past and closed the connection")
		return res, derr
	}
	say("done: each side sent and received %s, verified byte for byte, in %v", deadlockSize(cfg.Bytes), deadlockRound(res.Elapsed))
	return res, nil
}

// deadlockConnect returns both ends of a fresh loopback TCP connection,
// and their tracers (nil when tr is off).
func deadlockConnect(ctx context.Context, tr Tracer) (client, server *net.TCPConn, cts [2]*ConnTracer, err error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, cts, Wrap("listen", "127.0.0.1:0", err)
	}
	defer l.Close()
	lt := listenerTrace(tr, l)
	addr := l.Addr().String()
	var d net.Dialer
	tr.ConnectStart(NodeClient, addr)
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		err = Wrap("connect", addr, err)
		tr.ConnectFailed(NodeClient, addr, err)
		return nil, nil, cts, err
	}
	cts[0] = tr.Conn(NodeClient, c)
	cts[0].Op(trace.OpConnect, 0, nil)
	// The handshake is complete, so the connection already waits in the
	// accept queue; the deadline only guards against the impossible.
	_ = l.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	s, err := l.Accept()
	if err != nil {
		cts[0].Close("")
		c.Close()
		return nil, nil, [2]*ConnTracer{}, Wrap("accept", addr, err)
	}
	cts[1] = tr.Conn(NodeServer, s)
	cts[1].Op(trace.OpAccept, 0, nil)
	if lt != nil {
		tr.App(NodeServer, trace.OpClose, lt.addr, netip.AddrPort{}, 0, "") // one connection is all it takes
	}
	return c.(*net.TCPConn), s.(*net.TCPConn), cts, nil
}

func deadlockPlan(cfg DeadlockConfig) string {
	n, k := deadlockSize(cfg.Bytes), deadlockSize(int64(cfg.Chunk))
	switch cfg.Mode {
	case DeadlockWriteWrite:
		return fmt.Sprintf("both sides: send %s (in %s pieces), and only then receive", n, k)
	case DeadlockReadRead:
		return fmt.Sprintf("both sides: receive %s first, and only then send", n)
	case DeadlockFixedConcurrent:
		return fmt.Sprintf("both sides: send %s in one goroutine while another goroutine receives", n)
	default:
		return fmt.Sprintf("client: send one %s message, receive the server's %s reply, repeat until %s went each way", k, k, n)
	}
}

// deadlockRun is the state shared by the peers' goroutines and the
// watcher.
type deadlockRun struct {
	cfg     DeadlockConfig
	peers   [2]*deadlockPeer
	wg      sync.WaitGroup
	stopped atomic.Bool // the watcher set past deadlines: their errors are expected

	mu   sync.Mutex
	err  error         // the first unexpected error of a peer
	fail chan struct{} // closed when err is set
}

type deadlockPeer struct {
	info    DeadlockPeer
	conn    *net.TCPConn
	ct      *ConnTracer // nil when tracing is off
	pattern []byte      // what this peer sends, repeated
	other   *deadlockPeer

	sent, recvd atomic.Int64
	sending     atomic.Bool // inside its send stage
	receiving   atomic.Bool // inside its receive stage
}

// deadlockPatternLen is prime so that a lost, repeated or reordered
// chunk of any power-of-two size shows up as a mismatch.
const deadlockPatternLen = 65521

func newDeadlockPeer(name string, c *net.TCPConn, seed uint32) *deadlockPeer {
	p := &deadlockPeer{info: DeadlockPeer{Name: name}, conn: c, pattern: make([]byte, deadlockPatternLen)}
	x := seed*2654435761 + 1
	for i := range p.pattern {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		p.pattern[i] = byte(x >> 24)
	}
	return p
}

// deadlockFill fills b with pattern bytes starting at stream offset off.
func deadlockFill(pattern, b []byte, off int64) {
	i := int(off % int64(len(pattern)))
	for len(b) > 0 {
		n := copy(b, pattern[i:])
		b, i = b[n:], 0
	}
}

// deadlockCheck returns -1 if b equals the pattern at stream offset off,
// otherwise the index of the first byte that differs.
func deadlockCheck(pattern, b []byte, off int64) int {
	i := int(off % int64(len(pattern)))
	done := 0
	for done < len(b) {
		n := min(len(b)-done, len(pattern)-i)
		if !bytes.Equal(b[done:done+n], pattern[i:i+n]) {
			for j := range n {
				if b[done+j] != pattern[i+j] {
					return done + j
				}
			}
		}
		done += n
		i = 0
	}
	return -1
}

// send writes n more bytes of the peer's pattern in chunks.
func (p *deadlockPeer) send(n int64, buf []byte) error {
	for end := p.sent.Load() + n; ; {
		off := p.sent.Load()
		if off >= end {
			return nil
		}
		b := buf[:min(int64(len(buf)), end-off)]
		deadlockFill(p.pattern, b, off)
		w, err := p.conn.Write(b)
		p.sent.Add(int64(w))
		if w > 0 {
			p.ct.Op(trace.OpWrite, w, b[:w])
		}
		if err != nil {
			return Wrap("send", p.conn.RemoteAddr().String(), err)
		}
	}
}

// recv reads exactly n more bytes and checks them against the other
// peer's pattern.
func (p *deadlockPeer) recv(n int64, buf []byte) error {
	for end := p.recvd.Load() + n; ; {
		off := p.recvd.Load()
		if off >= end {
			return nil
		}
		b := buf[:min(int64(len(buf)), end-off)]
		r, err := p.conn.Read(b)
		if r > 0 {
			p.ct.Op(trace.OpRead, r, b[:r])
		} else if err == io.EOF {
			p.ct.Op(trace.OpRead, 0, nil)
		}
		if i := deadlockCheck(p.other.pattern, b[:r], off); i >= 0 {
			return fmt.Errorf("%s received a wrong byte at offset %d: the stream is corrupt", p.info.Name, off+int64(i))
		}
		p.recvd.Add(int64(r))
		if err == io.EOF {
			return Wrap("receive", p.conn.RemoteAddr().String(), io.ErrUnexpectedEOF)
		}
		if err != nil {
			return Wrap("receive", p.conn.RemoteAddr().String(), err)
		}
	}
}

// deadlockStage runs f with flag set, so the watcher can tell where a peer is.
func deadlockStage(flag *atomic.Bool, f func() error) error {
	flag.Store(true)
	defer flag.Store(false)
	return f()
}

func (r *deadlockRun) goPeer(f func() error) {
	r.wg.Go(func() {
		if err := f(); err != nil && !r.stopped.Load() {
			r.mu.Lock()
			if r.err == nil {
				r.err = err
				close(r.fail)
			}
			r.mu.Unlock()
		}
	})
}

func (r *deadlockRun) start() {
	r.fail = make(chan struct{})
	n, chunk := r.cfg.Bytes, r.cfg.Chunk
	for _, p := range r.peers {
		switch r.cfg.Mode {
		case DeadlockWriteWrite, DeadlockReadRead:
			r.goPeer(func() error {
				sbuf, rbuf := make([]byte, chunk), make([]byte, chunk)
				first, second := func() error { return deadlockStage(&p.sending, func() error { return p.send(n, sbuf) }) },
					func() error { return deadlockStage(&p.receiving, func() error { return p.recv(n, rbuf) }) }
				if r.cfg.Mode == DeadlockReadRead {
					first, second = second, first
				}
				if err := first(); err != nil {
					return err
				}
				return second()
			})
		case DeadlockFixedConcurrent:
			r.goPeer(func() error {
				buf := make([]byte, chunk)
				return deadlockStage(&p.sending, func() error { return p.send(n, buf) })
			})
			r.goPeer(func() error {
				buf := make([]byte, chunk)
				return deadlockStage(&p.receiving, func() error { return p.recv(n, buf) })
			})
		case DeadlockFixedAlternate:
			isClient := p == r.peers[0]
			r.goPeer(func() error {
				sbuf, rbuf := make([]byte, chunk), make([]byte, chunk)
				for done := int64(0); done < n; {
					k := min(int64(chunk), n-done)
					snd := func() error { return deadlockStage(&p.sending, func() error { return p.send(k, sbuf) }) }
					rcv := func() error { return deadlockStage(&p.receiving, func() error { return p.recv(k, rbuf) }) }
					if !isClient {
						snd, rcv = rcv, snd // the server answers
					}
					if err := snd(); err != nil {
						return err
					}
					if err := rcv(); err != nil {
						return err
					}
					done += k
				}
				return nil
			})
		}
	}
}

// longAgo is a deadline in the past: it wakes a blocked Read or Write at
// once with os.ErrDeadlineExceeded.
var longAgo = time.Unix(1, 0)

// unblock wakes every blocked call and waits (bounded) for the peers.
func (r *deadlockRun) unblock() error {
	r.stopped.Store(true)
	for _, p := range r.peers {
		_ = p.conn.SetDeadline(longAgo)
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		for _, p := range r.peers {
			p.conn.Close()
		}
		<-done
		return errors.New("deadlock: peers did not stop after their deadlines passed")
	}
}

// watch waits until both peers are done, fails, ctx ends, or no byte moved
// for cfg.Stall; it narrates stage changes and progress.
func (r *deadlockRun) watch(ctx context.Context, say func(string, ...any)) (stalled bool, err error) {
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()

	poll := min(max(r.cfg.Stall/50, time.Millisecond), 20*time.Millisecond)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	// Progress counts what the applications moved and what sits in the
	// kernel's queues: a Write that is still copying into the send queue
	// has not returned its count yet, but the queue grows.
	progress := func() (snap [2][4]int64) {
		for i, p := range r.peers {
			snap[i][0], snap[i][1] = p.sent.Load(), p.recvd.Load()
			if out, in, ok := deadlockQueues(p.conn); ok {
				snap[i][2], snap[i][3] = int64(out), int64(in)
			}
		}
		return snap
	}
	type stageState struct{ sending, receiving bool }
	var seen [2]stageState
	last, lastAt, lastReport := progress(), time.Now(), time.Now()
	for {
		select {
		case <-done:
			return false, nil
		case <-ctx.Done():
			if err := r.unblock(); err != nil {
				return false, err
			}
			return false, ctx.Err()
		case <-r.fail:
			if err := r.unblock(); err != nil {
				return false, err
			}
			return false, r.err
		case now := <-tick.C:
			for _, p := range r.peers {
				p.ct.Stat()
			}
			for i, p := range r.peers {
				s := stageState{p.sending.Load(), p.receiving.Load()}
				if r.cfg.Mode != DeadlockFixedAlternate && s != seen[i] {
					switch {
					case s.sending && s.receiving:
						say("%s: sending and receiving", p.info.Name)
					case s.sending:
						say("%s: sending (received %s so far)", p.info.Name, deadlockSize(p.recvd.Load()))
					case s.receiving:
						say("%s: receiving (sent %s so far)", p.info.Name, deadlockSize(p.sent.Load()))
					}
					seen[i] = s
				}
			}
			if cur := progress(); cur != last {
				last, lastAt = cur, now
				if now.Sub(lastReport) >= time.Second {
					lastReport = now
					say("progress: %s", r.progressText())
				}
				continue
			}
			if now.Sub(lastAt) < r.cfg.Stall {
				continue
			}
			say("no byte moved for %v", r.cfg.Stall)
			for _, p := range r.peers {
				snd, rcv := p.sending.Load(), p.receiving.Load()
				switch {
				case snd && rcv:
					p.info.Blocked = "send and recv"
				case snd:
					p.info.Blocked = "send"
				case rcv:
					p.info.Blocked = "recv"
				}
				// Read the queues before the deadlines: nothing moves now.
				if out, in, ok := deadlockQueues(p.conn); ok {
					p.info.SendQueue, p.info.RecvQueue, p.info.QueuesKnown = out, in, true
				}
			}
			return true, r.unblock()
		}
	}
}

func (r *deadlockRun) progressText() string {
	var parts []string
	for _, p := range r.peers {
		parts = append(parts, fmt.Sprintf("%s sent %s, received %s", p.info.Name, deadlockSize(p.sent.Load()), deadlockSize(p.recvd.Load())))
	}
	return strings.Join(parts, "; ")
}

// deadlockRound keeps about three significant digits of a run's time.
func deadlockRound(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// deadlockSize formats a byte count for people: "512 B", "64.0 KiB".
func deadlockSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
