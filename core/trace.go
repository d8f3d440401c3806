package core

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"socketlab/sim/trace"
)

// Node names of the events core emits: a server's own operations are on
// node "server", a client's on node "client", whatever the addresses. A
// packet capture of the same session uses the same two names.
const (
	NodeServer = "server"
	NodeClient = "client"
)

// DefaultStatEvery is how often a traced stream server reads TCP_INFO of
// every connection it serves, on top of the read after each operation,
// when Tracer.StatEvery is 0.
const DefaultStatEvery = 250 * time.Millisecond

// StatGap paces how often a traced connection reads TCP_INFO after its
// data operations: a burst of eight reads and writes in a row is each
// followed by a reading, then one per StatGap. A connection at human
// speed, or a short exchange, is read after every call; a busy one is
// sampled (a reading costs about a microsecond, a tenth of a loopback
// round trip). Connect, accept, shutdown, the end of the stream and
// errors are always followed by a reading, and close is preceded by one
// unless the last is younger than StatGap.
const StatGap = time.Millisecond

// Tracer makes a server or client a source of trace events: every socket
// operation — listen, connect, accept, write and read with their byte
// counts, shutdown, close, sendto, recvfrom, DNS questions and answers,
// HTTP phases, and failures with their class — becomes a trace.Event of
// kind app, stamped with the wall-clock time since Start. For a TCP
// connection on Linux it also reads the kernel's TCP_INFO after every
// operation (a busy connection's reads and writes are sampled, see
// StatGap) and, in a server, every StatEvery while the connection lives,
// and emits a state event when the kernel's TCP state changed and a
// connstat event when its variables did (see ReadTCPInfo).
//
// The zero value is off: no event is built, nothing is allocated, the
// cost is one comparison per operation. A Tracer is a small value that
// servers and clients copy; it must not change once they use it.
type Tracer struct {
	// Sink receives the events; nil turns tracing off. It must be safe for
	// concurrent use: a server emits from the goroutine of every
	// connection at once. trace.Feed is; a trace.JSONLWriter is not (feed
	// it from a trace.Feed, or wrap it with LockedSink). Emit must not
	// block for long: it runs on the connection's goroutine, between its
	// reads and writes.
	Sink trace.Sink
	// Start is the session's start instant. An event's At is the time
	// since Start, measured on the monotonic clock when Start carries one
	// (time.Now does). Every source of one session — server, client, a
	// packet capture — uses the same Start, so their events line up on one
	// time axis; a source with wall-clock timestamps (a capture) subtracts
	// Start's wall time. Zero: At is the time since the Unix epoch.
	Start time.Time
	// StatEvery is how often a stream server reads TCP_INFO of every
	// connection besides after each operation (0 means DefaultStatEvery);
	// negative turns TCP_INFO off: no state and connstat events at all.
	StatEvery time.Duration
}

// NewTracer returns a Tracer that sends to sink with Start set to now.
func NewTracer(sink trace.Sink) Tracer { return Tracer{Sink: sink, Start: time.Now()} }

// On reports whether events are emitted.
func (t Tracer) On() bool { return t.Sink != nil }

// stats reports whether TCP_INFO is read.
func (t Tracer) stats() bool { return t.Sink != nil && t.StatEvery >= 0 }

func (t Tracer) statEvery() time.Duration {
	if t.StatEvery == 0 {
		return DefaultStatEvery
	}
	return t.StatEvery
}

// At returns the time of now on the trace's axis: now minus Start.
func (t Tracer) At(now time.Time) time.Duration {
	if t.Start.IsZero() {
		return time.Duration(now.UnixNano())
	}
	return now.Sub(t.Start)
}

// Emit stamps e.At with the time since Start and passes e to the Sink.
// It does nothing when the Tracer is off.
func (t Tracer) Emit(e *trace.Event) {
	if t.Sink == nil {
		return
	}
	e.At = t.At(time.Now())
	t.Sink.Emit(e)
}

func (t Tracer) emitAt(now time.Time, e *trace.Event) {
	e.At = t.At(now)
	t.Sink.Emit(e)
}

// App emits an application event of node: op on the socket local with
// peer remote, n bytes (the backlog for listen), and text.
func (t Tracer) App(node string, op trace.AppOp, local, remote netip.AddrPort, n int, text string) {
	if t.Sink == nil {
		return
	}
	t.Emit(&trace.Event{Kind: trace.KindApp, Node: node, Op: op, Socket: local, Remote: remote, N: n, Text: text})
}

// Fail emits an error event of node: what failed in phase ("connect",
// "send", ...), the cause and its textbook class, as ErrorText writes
// them.
func (t Tracer) Fail(node string, local, remote netip.AddrPort, phase string, err error) {
	if t.Sink == nil {
		return
	}
	t.App(node, trace.OpError, local, remote, 0, ErrorText(phase, err))
}

// Note emits a free-text annotation of node (which may be empty).
func (t Tracer) Note(node, text string) {
	if t.Sink == nil {
		return
	}
	t.Emit(&trace.Event{Kind: trace.KindNote, Node: node, Text: text})
}

// ConnectStart emits connect-start for a connect to addr ("host:port",
// or a Unix socket path): Remote when addr is an IP address and port,
// otherwise Text names it.
func (t Tracer) ConnectStart(node, addr string) {
	if t.Sink == nil {
		return
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		t.App(node, trace.OpConnectStart, netip.AddrPort{}, netip.AddrPort{}, 0, addr)
		return
	}
	t.App(node, trace.OpConnectStart, netip.AddrPort{}, unmapped(ap), 0, "")
}

// ConnectFailed emits the error event of a connect to addr that failed.
func (t Tracer) ConnectFailed(node, addr string, err error) {
	if t.Sink == nil {
		return
	}
	ap, perr := netip.ParseAddrPort(addr)
	if perr != nil {
		t.App(node, trace.OpError, netip.AddrPort{}, netip.AddrPort{}, 0, ErrorText("connect "+addr, err))
		return
	}
	t.Fail(node, netip.AddrPort{}, unmapped(ap), "connect", err)
}

// ErrorText is the Text of an error event: "connect: connection refused
// [socket.error]", the phase, the most specific cause and the class of
// Python exception the textbook would see. An *Error's own phase wins
// over phase.
func ErrorText(phase string, err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		if ce.Phase != "" {
			phase = ce.Phase
		}
		return phase + ": " + causeText(ce.Err) + " [" + ce.Class.String() + "]"
	}
	return phase + ": " + causeText(err) + " [" + Classify(err).String() + "]"
}

// TraceHeader is the header of a live trace of real sockets: Live set,
// and the two host nodes core's events name, "client" and "server".
func TraceHeader(scenario, title string) trace.Header {
	return trace.Header{
		Title:    title,
		Scenario: scenario,
		Live:     true,
		Nodes: []trace.Node{
			{Name: NodeClient, Kind: trace.NodeHost, Role: "client"},
			{Name: NodeServer, Kind: trace.NodeHost, Role: "server"},
		},
	}
}

// LockedSink returns a Sink that passes every event to s under a mutex,
// which makes any Sink — a trace.JSONLWriter, a trace.Trace — safe for
// concurrent use. Emit then waits while another goroutine emits: for a
// sink that may be slow (a file, a terminal), prefer a trace.Feed that
// one goroutine drains.
func LockedSink(s trace.Sink) trace.Sink {
	var mu sync.Mutex
	return trace.SinkFunc(func(e *trace.Event) {
		mu.Lock()
		defer mu.Unlock()
		s.Emit(e)
	})
}

// ConnTracer traces the operations of one socket — a TCP or Unix stream
// connection, or a UDP socket — for one node. Tracer.Conn makes one; it
// is nil when tracing is off, and every method of a nil *ConnTracer does
// nothing and allocates nothing. Its methods are safe for concurrent use:
// a server's TCP_INFO ticker reads a connection while its handler works.
// Events of one ConnTracer are emitted in the order of the calls.
type ConnTracer struct {
	t             Tracer
	node          string
	local, remote netip.AddrPort
	name          string         // a Unix socket's path, for listen, connect and accept
	info          *tcpInfoReader // TCP on Linux with TCP_INFO on; nil otherwise

	mu     sync.Mutex
	ev     trace.Event // reused for every emit: the Sink copies it
	last   trace.ConnState
	seen   bool      // last holds a TCP_INFO reading
	statAt time.Time // when TCP_INFO was last read
	budget time.Time // data operations may read TCP_INFO once this is past; see statAfterData
}

// Conn returns the tracer of connection c for node, or nil when t is
// off. Its events carry c's local and remote addresses (IPv4-mapped
// addresses unmapped); for a Unix socket, which has no IP address, they
// are empty and listen, connect and accept name the path in Text.
func (t Tracer) Conn(node string, c net.Conn) *ConnTracer {
	if t.Sink == nil {
		return nil
	}
	ct := &ConnTracer{t: t, node: node, local: addrPortOf(c.LocalAddr()), remote: addrPortOf(c.RemoteAddr())}
	if ua, ok := c.LocalAddr().(*net.UnixAddr); ok && ua != nil {
		ct.name = ua.Name
	}
	if ua, ok := c.RemoteAddr().(*net.UnixAddr); ok && ua != nil && ua.Name != "" && ua.Name != "@" {
		ct.name = ua.Name
	}
	if tc, ok := c.(*net.TCPConn); ok && t.stats() {
		if rc, err := tc.SyscallConn(); err == nil {
			// A client's connections are the ones it dialed; a server's
			// the ones it accepted.
			ct.info = newTCPInfoReader(rc, node == NodeClient)
		}
	}
	return ct
}

// packetConn returns the tracer of a datagram socket (no peer of its own).
func (t Tracer) packetConn(node string, pc net.PacketConn) *ConnTracer {
	if t.Sink == nil {
		return nil
	}
	return &ConnTracer{t: t, node: node, local: addrPortOf(pc.LocalAddr())}
}

// Local returns the socket's own address as the events carry it.
func (ct *ConnTracer) Local() netip.AddrPort {
	if ct == nil {
		return netip.AddrPort{}
	}
	return ct.local
}

// Op emits op with n bytes and data (written or read; its text preview
// becomes Text), then, for a TCP connection, reads TCP_INFO. For listen,
// connect and accept on a Unix socket Text is the path instead.
func (ct *ConnTracer) Op(op trace.AppOp, n int, data []byte) {
	if ct == nil {
		return
	}
	var text string
	switch op {
	case trace.OpListen, trace.OpConnect, trace.OpAccept:
		text = ct.pathText()
	default:
		text = Preview(data)
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	now := ct.emitLocked(op, ct.remote, n, text)
	if !isData(op, n) || ct.statAfterData(now) {
		ct.statLocked()
	}
}

// isData reports whether op moved data: TCP_INFO is sampled after those.
func isData(op trace.AppOp, n int) bool {
	return n > 0 && (op == trace.OpRead || op == trace.OpWrite)
}

// statBurst is how many data operations in a row read TCP_INFO before
// StatGap paces them: a short exchange is read after every call.
const statBurst = 8

// statAfterData reports whether the data operation at now may read
// TCP_INFO: a token bucket of statBurst readings refilled one per
// StatGap (kept as the time the bucket is empty until, GCRA style).
func (ct *ConnTracer) statAfterData(now time.Time) bool {
	if ct.info == nil {
		return false
	}
	if ct.budget.Sub(now) > (statBurst-1)*StatGap {
		return false
	}
	ct.budget = later(ct.budget, now).Add(StatGap)
	return true
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// OpText is Op with a text of its own (a close's reason, an HTTP phase).
func (ct *ConnTracer) OpText(op trace.AppOp, n int, text string) {
	if ct == nil {
		return
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	now := ct.emitLocked(op, ct.remote, n, text)
	if !isData(op, n) || ct.statAfterData(now) {
		ct.statLocked()
	}
}

// Datagram emits sendto or recvfrom of n bytes of data to or from peer
// (zero: the socket's connected peer).
func (ct *ConnTracer) Datagram(op trace.AppOp, peer netip.AddrPort, n int, data []byte) {
	if ct == nil {
		return
	}
	if !peer.IsValid() {
		peer = ct.remote
	}
	text := Preview(data)
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.emitLocked(op, peer, n, text)
}

// Fail emits an error event: phase failed with err (see ErrorText).
func (ct *ConnTracer) Fail(phase string, err error) {
	if ct == nil {
		return
	}
	text := ErrorText(phase, err)
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.emitLocked(trace.OpError, ct.remote, 0, text)
	ct.statLocked()
}

// FailTo is Fail for a datagram exchanged with peer.
func (ct *ConnTracer) FailTo(peer netip.AddrPort, phase string, err error) {
	if ct == nil {
		return
	}
	text := ErrorText(phase, err)
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.emitLocked(trace.OpError, peer, 0, text)
}

// Stat reads TCP_INFO and emits a state event if the kernel's TCP state
// changed since the last reading (the first reading changes it from
// none), else a connstat event if any variable changed. It does nothing
// for a socket that is not TCP, off Linux, or with TCP_INFO turned off.
func (ct *ConnTracer) Stat() {
	if ct == nil || ct.info == nil {
		return
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.statLocked()
}

// Close emits close with reason as Text after a last TCP_INFO reading
// (unless the last one is younger than StatGap): call it just before
// closing the socket, which has no kernel state to read afterwards.
func (ct *ConnTracer) Close(reason string) {
	if ct == nil {
		return
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if ct.info != nil && time.Since(ct.statAt) >= StatGap {
		ct.statLocked()
	}
	ct.emitLocked(trace.OpClose, ct.remote, 0, reason)
}

// accepted emits accept without reading TCP_INFO: the accept loop must
// not wait for it; the connection's handler reads it (Stat) first thing.
func (ct *ConnTracer) accepted() {
	if ct == nil {
		return
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.emitLocked(trace.OpAccept, ct.remote, 0, ct.pathText())
}

// pathText is the Text of listen, connect and accept: a Unix socket's path.
func (ct *ConnTracer) pathText() string {
	if !ct.local.IsValid() {
		return ct.name
	}
	return ""
}

func (ct *ConnTracer) emitLocked(op trace.AppOp, remote netip.AddrPort, n int, text string) time.Time {
	now := time.Now()
	ct.ev = trace.Event{Kind: trace.KindApp, Node: ct.node, Op: op, Socket: ct.local, Remote: remote, N: n, Text: text}
	ct.t.emitAt(now, &ct.ev)
	return now
}

func (ct *ConnTracer) statLocked() {
	if ct.info == nil {
		return
	}
	cs, err := ct.info.get()
	ct.statAt = time.Now()
	if err != nil {
		return // closed under us, or not Linux
	}
	cs.Local, cs.Remote = ct.local, ct.remote
	switch {
	case !ct.seen || cs.State != ct.last.State:
		ct.ev = trace.Event{Kind: trace.KindState, Node: ct.node, From: ct.last.State, To: cs.State, Conn: cs}
	case cs != ct.last:
		ct.ev = trace.Event{Kind: trace.KindConnStat, Node: ct.node, Conn: cs}
	default:
		return
	}
	ct.last, ct.seen = cs, true
	ct.t.emitAt(ct.statAt, &ct.ev)
}

// addrPortOf returns a TCP or UDP address as an AddrPort, IPv4-mapped
// addresses unmapped; zero for anything else (a Unix socket).
func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		if a != nil {
			return unmapped(a.AddrPort())
		}
	case *net.UDPAddr:
		if a != nil {
			return unmapped(a.AddrPort())
		}
	}
	return netip.AddrPort{}
}

func unmapped(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Preview is the Text of a write or read event: trace.Preview, the rule
// every source shares.
func Preview(b []byte) string { return trace.Preview(b) }
