// Package trace defines the one event model of socketlab.
//
// Everything that is drawn or exported is a stream of Events: a packet sent,
// queued, dropped (with the reason), duplicated or delivered; a TCP state
// change or a snapshot of a connection's variables; a timer set, cancelled or
// fired; an application operation. The simulator emits events in virtual time,
// instrumented real connections in wall time, the browser bridge for real
// data-channel messages. Renderers and exporters only ever read events and the
// Header that describes the topology — never the internals of the producer.
//
// The package depends on the standard library only (no net, no clock), so it
// compiles unchanged for the simulator, the native tools and WebAssembly.
package trace

import (
	"net/netip"
	"strconv"
	"time"
)

// Kind says what an Event records.
type Kind uint8

// Event kinds. The order is part of the JSON and golden formats: append only.
const (
	KindInvalid     Kind = iota
	KindSend             // a node put a packet on a link (first bit leaves at At)
	KindEnqueue          // a packet waits in a link's transmit queue
	KindDrop             // a packet was lost; Reason says why and Link where
	KindDuplicate        // a link made a copy; Packet is the copy, Packet.Orig the original's ID
	KindDeliver          // a packet arrived at Node over Link (last bit at At)
	KindState            // a TCP connection changed state: From -> To; Conn holds the new variables
	KindConnStat         // a TCP connection's variables changed (Conn); the state did not
	KindTimerSet         // a timer was armed on Conn: Timer fires at Deadline
	KindTimerCancel      // a timer was stopped before it fired
	KindTimerFire        // a timer fired
	KindApp              // an application operation (Op) on Node
	KindNote             // a free-text annotation (scenario step, live-mode remark)
	kindCount
)

var kindNames = [kindCount]string{
	"invalid", "send", "enqueue", "drop", "duplicate", "deliver",
	"state", "connstat", "timer-set", "timer-cancel", "timer-fire", "app", "note",
}

// String returns the lower-case name used in JSON lines and ladders.
func (k Kind) String() string {
	if k < kindCount {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s && i != 0 {
			return Kind(i), true
		}
	}
	return KindInvalid, false
}

// Proto is the transport carried by a packet.
type Proto uint8

// Transport protocols.
const (
	ProtoNone Proto = iota
	ProtoTCP
	ProtoUDP
	ProtoICMP
	// ProtoMsg is one message of a WebRTC data channel as a page sends or
	// receives it (SCTP over DTLS over UDP underneath, which the page
	// cannot see): the browser's "TCP" and "UDP" through the gateway, and
	// a message between two pages. Payload is the message; it has no
	// wire format of its own in a pcap.
	ProtoMsg
	protoCount
)

var protoNames = [protoCount]string{"none", "tcp", "udp", "icmp", "msg"}

// String returns "tcp", "udp", "icmp" or "msg".
func (p Proto) String() string {
	if p < protoCount {
		return protoNames[p]
	}
	return "proto(" + strconv.Itoa(int(p)) + ")"
}

// TCPFlags is the flags byte of a TCP header, bit for bit (RFC 9293 §3.1).
type TCPFlags uint8

// TCP header flags.
const (
	FlagFIN TCPFlags = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
	FlagECE
	FlagCWR
)

// Has reports whether all flags in f2 are set in f.
func (f TCPFlags) Has(f2 TCPFlags) bool { return f&f2 == f2 }

// String lists the set flags the way ladders label them: "SYN,ACK".
func (f TCPFlags) String() string {
	names := [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}
	// Print in the order people read them: SYN, FIN, RST, PSH, ACK, ...
	order := [...]int{1, 0, 2, 3, 4, 5, 6, 7}
	s := ""
	for _, i := range order {
		if f&(1<<i) != 0 {
			if s != "" {
				s += ","
			}
			s += names[i]
		}
	}
	return s
}

// Packet is one packet on the wire with every header field a reader can
// inspect. Packets are values: copying one is cheap because Payload is shared
// and must never be modified after the packet is emitted.
type Packet struct {
	ID    uint64 // unique within a trace; a duplicate gets a new ID
	Orig  uint64 // for a duplicate, the ID it was copied from; otherwise 0
	Proto Proto
	Src   netip.AddrPort
	Dst   netip.AddrPort
	TTL   uint8 // IP TTL / hop limit as sent

	// TCP header (Proto == ProtoTCP).
	Seq    uint32
	Ack    uint32
	Flags  TCPFlags
	Window uint16 // as on the wire: unscaled (RFC 7323 §2.2 scales it by the peer's shift)
	MSS    uint16 // the MSS option of a SYN; 0 when absent
	// TCP options besides MSS; Opts says which are present, because a
	// shift or a timestamp of 0 is a value too.
	Opts   TCPOpts
	WScale uint8  // window scale shift (OptWScale; RFC 7323 §2.2, on SYNs)
	TSval  uint32 // timestamps option (OptTimestamps; RFC 7323 §3.2)
	TSecr  uint32
	SACK   []SACKBlock // SACK option (RFC 2018 §3): up to 4 blocks, absolute sequence numbers; nil when absent

	// ICMP (Proto == ProtoICMP): Type/Code as on the wire; Quote is the
	// offending packet's ID for a port unreachable (0 when unknown).
	ICMPType uint8
	ICMPCode uint8
	Quote    uint64

	Payload []byte // TCP/UDP payload, or the ICMP quoted bytes
}

// TCPOpts says which TCP options (besides MSS) a segment carries.
type TCPOpts uint8

// TCP options.
const (
	OptWScale     TCPOpts = 1 << iota // window scale, kind 3 (RFC 7323 §2)
	OptSACKPerm                       // SACK permitted, kind 4 (RFC 2018 §2)
	OptTimestamps                     // timestamps, kind 8 (RFC 7323 §3)
	optAll        = OptWScale | OptSACKPerm | OptTimestamps
)

// SACKBlock is one block of a SACK option (RFC 2018 §3): the receiver holds
// [Left, Right) out of order.
type SACKBlock struct{ Left, Right uint32 }

// MaxTCPOptions is the room for options in a TCP header: a data offset of
// 15 words less the 20-byte header.
const MaxTCPOptions = 40

// TCPOptionsLen is the length in bytes of the TCP options p carries as
// AppendTCPOptions lays them out (a multiple of 4): what the header grows by.
func (p *Packet) TCPOptionsLen() int {
	n := 0
	if p.MSS != 0 {
		n += 4
	}
	switch {
	case p.Opts&OptTimestamps != 0:
		n += 12 // SACK_PERM+TS or NOP,NOP,TS
	case p.Opts&OptSACKPerm != 0:
		n += 4 // NOP,NOP,SACK_PERM
	}
	if p.Opts&OptWScale != 0 {
		n += 4 // NOP,WS
	}
	if len(p.SACK) > 0 {
		n += 4 + 8*len(p.SACK) // NOP,NOP,SACK
	}
	return n
}

// AppendTCPOptions appends p's TCP options in the order and padding Linux
// uses (tcp_options_write): MSS; SACK_PERM and TS together, or NOP, NOP,
// TS, or NOP, NOP, SACK_PERM; then NOP, WS. A SYN from Linux with all of
// them is MSS, SACK_PERM, TS, NOP, WS; any other segment NOP, NOP, TS,
// then NOP, NOP, SACK with its blocks.
func (p *Packet) AppendTCPOptions(b []byte) []byte {
	if p.MSS != 0 {
		b = append(b, 2, 4, byte(p.MSS>>8), byte(p.MSS))
	}
	ts := func(b []byte) []byte {
		return append(b, 8, 10, byte(p.TSval>>24), byte(p.TSval>>16), byte(p.TSval>>8), byte(p.TSval),
			byte(p.TSecr>>24), byte(p.TSecr>>16), byte(p.TSecr>>8), byte(p.TSecr))
	}
	switch {
	case p.Opts&OptTimestamps != 0 && p.Opts&OptSACKPerm != 0:
		b = ts(append(b, 4, 2))
	case p.Opts&OptTimestamps != 0:
		b = ts(append(b, 1, 1))
	case p.Opts&OptSACKPerm != 0:
		b = append(b, 1, 1, 4, 2)
	}
	if p.Opts&OptWScale != 0 {
		b = append(b, 1, 3, 3, p.WScale)
	}
	if len(p.SACK) > 0 {
		b = append(b, 1, 1, 5, byte(2+8*len(p.SACK)))
		for _, k := range p.SACK {
			b = append(b, byte(k.Left>>24), byte(k.Left>>16), byte(k.Left>>8), byte(k.Left),
				byte(k.Right>>24), byte(k.Right>>16), byte(k.Right>>8), byte(k.Right))
		}
	}
	return b
}

// SetTCPOptions reads the options area of a TCP header (the bytes between
// the 20-byte header and the data offset) into p: MSS, window scale,
// SACK permitted, timestamps and SACK blocks; other kinds are skipped. It stops at an
// end-of-list option or at a malformed length, keeping what it read so
// far, as Wireshark shows what it can.
func (p *Packet) SetTCPOptions(opts []byte) {
	for len(opts) > 0 {
		switch opts[0] {
		case 0: // end of option list
			return
		case 1: // no-operation
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || int(opts[1]) < 2 || int(opts[1]) > len(opts) {
			return
		}
		o := opts[:opts[1]]
		switch {
		case o[0] == 2 && len(o) == 4:
			p.MSS = uint16(o[2])<<8 | uint16(o[3])
		case o[0] == 3 && len(o) == 3:
			p.Opts |= OptWScale
			p.WScale = o[2]
		case o[0] == 4 && len(o) == 2:
			p.Opts |= OptSACKPerm
		case o[0] == 8 && len(o) == 10:
			p.Opts |= OptTimestamps
			p.TSval = uint32(o[2])<<24 | uint32(o[3])<<16 | uint32(o[4])<<8 | uint32(o[5])
			p.TSecr = uint32(o[6])<<24 | uint32(o[7])<<16 | uint32(o[8])<<8 | uint32(o[9])
		case o[0] == 5 && len(o) >= 10 && (len(o)-2)%8 == 0:
			p.SACK = p.SACK[:0]
			for k := o[2:]; len(k) >= 8; k = k[8:] {
				p.SACK = append(p.SACK, SACKBlock{
					Left:  uint32(k[0])<<24 | uint32(k[1])<<16 | uint32(k[2])<<8 | uint32(k[3]),
					Right: uint32(k[4])<<24 | uint32(k[5])<<16 | uint32(k[6])<<8 | uint32(k[7])})
			}
		}
		opts = opts[len(o):]
	}
}

// Len returns the payload length.
func (p *Packet) Len() int { return len(p.Payload) }

// SegLen returns the sequence space a TCP segment occupies: payload plus one
// for SYN and one for FIN (RFC 9293 §3.4).
func (p *Packet) SegLen() uint32 {
	n := uint32(len(p.Payload))
	if p.Flags&FlagSYN != 0 {
		n++
	}
	if p.Flags&FlagFIN != 0 {
		n++
	}
	return n
}

// DropReason says why a packet was lost.
type DropReason uint8

// Drop reasons.
const (
	DropNone      DropReason = iota
	DropLoss                 // random loss on the link
	DropQueueFull            // tail drop: the link's queue was full
	DropScripted             // a scripted fault (a lesson or a "what if") removed it
	DropMTU                  // larger than the link MTU (no fragmentation in the model)
	DropNoRoute              // no link leads towards the destination
	DropNoSocket             // nothing listens at the destination port (TCP answers RST, UDP ICMP)
	DropTTL                  // hop limit exhausted
	DropBadState             // a TCP endpoint discarded it (out of window, wrong state)
	dropCount
)

var dropNames = [dropCount]string{
	"", "loss", "queue-full", "scripted", "mtu", "no-route", "no-socket", "ttl", "bad-state",
}

// String returns the reason's short name.
func (r DropReason) String() string {
	if r < dropCount {
		return dropNames[r]
	}
	return "drop(" + strconv.Itoa(int(r)) + ")"
}

// ParseDropReason is the inverse of DropReason.String.
func ParseDropReason(s string) (DropReason, bool) {
	for i, n := range dropNames {
		if n == s {
			return DropReason(i), true
		}
	}
	return DropNone, false
}

// TCPState is a state of RFC 9293 §3.3.2. It prints with the RFC's name.
type TCPState uint8

// The eleven TCP states, plus StateNone for "no connection yet".
const (
	StateNone TCPState = iota
	StateClosed
	StateListen
	StateSynSent
	StateSynReceived
	StateEstablished
	StateFinWait1
	StateFinWait2
	StateCloseWait
	StateClosing
	StateLastAck
	StateTimeWait
	stateCount
)

var stateNames = [stateCount]string{
	"", "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED",
	"FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
}

// String returns the RFC name, e.g. "SYN-SENT".
func (s TCPState) String() string {
	if s < stateCount {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// ParseTCPState is the inverse of TCPState.String.
func ParseTCPState(s string) (TCPState, bool) {
	for i, n := range stateNames {
		if n == s {
			return TCPState(i), true
		}
	}
	return StateNone, false
}

// TimerKind names a TCP timer.
type TimerKind uint8

// TCP timers.
const (
	TimerNone       TimerKind = iota
	TimerRetransmit           // RFC 6298 retransmission timer
	TimerPersist              // zero-window probe timer (RFC 9293 §3.8.6.1)
	TimerTimeWait             // 2·MSL in TIME-WAIT
	TimerDelayedAck           // RFC 9293 §3.8.6.3 / RFC 1122 delayed ACK
	TimerApp                  // an application's own timer (sleep, timeout)
	TimerTLP                  // RFC 8985 §7 tail loss probe timeout (PTO)
	TimerReorder              // RFC 8985 §6.2 RACK reordering timer
	timerCount
)

var timerNames = [timerCount]string{"", "retransmit", "persist", "time-wait", "delayed-ack", "app", "tlp", "rack-reorder"}

// String returns the timer's short name.
func (t TimerKind) String() string {
	if t < timerCount {
		return timerNames[t]
	}
	return "timer(" + strconv.Itoa(int(t)) + ")"
}

// ParseTimerKind is the inverse of TimerKind.String.
func ParseTimerKind(s string) (TimerKind, bool) {
	for i, n := range timerNames {
		if n == s {
			return TimerKind(i), true
		}
	}
	return TimerNone, false
}

// AppOp is an application-level socket operation.
type AppOp uint8

// Application operations, named like the socket calls of the textbook.
const (
	OpNone AppOp = iota
	OpListen
	OpConnect
	OpAccept
	OpWrite // send / sendall on a stream
	OpRead  // recv on a stream; N == 0 with no Err means end of stream
	OpShutdown
	OpClose
	OpSendTo
	OpRecvFrom
	OpError // an operation failed; Text says which and why

	// Appended for real sockets (package core), which see what the
	// simulator shows as packets only as the calls that caused them.

	// OpConnectStart: connect() was called and the handshake is under way;
	// Remote is the target (zero, with Text naming it, while it is still a
	// host name). OpConnect follows when connect() returns, OpError when it
	// fails.
	OpConnectStart
	OpDNSQuery  // a name look-up starts; Text is the question: "A/AAAA www.example.com", "PTR 192.0.2.1"
	OpDNSAnswer // the look-up answered; N is the number of answers, Text lists them
	OpHTTP      // an HTTP phase; Text says which: "request GET / HTTP/1.0", "response HTTP/1.0 200 OK", ...

	// Appended for the simulator's client examples: calls that send no
	// packet, so that a ladder shows which calls cause packets and which
	// do not.

	OpGetServByName // a service's port looked up in the local table; Text is the call and its result
	OpGetSockName   // Socket is the address returned, Text it as Python prints it
	OpGetPeerName   // Remote is the address returned, Text it as Python prints it
	OpFCrDNS        // a forward-confirmed reverse look-up's outcome; Text is confirmed, no-ptr, no-forward or mismatch
	opCount
)

var opNames = [opCount]string{
	"", "listen", "connect", "accept", "write", "read", "shutdown", "close", "sendto", "recvfrom", "error",
	"connect-start", "dns-query", "dns-answer", "http",
	"getservbyname", "getsockname", "getpeername", "fcrdns",
}

// String returns the operation's socket-call name.
func (o AppOp) String() string {
	if o < opCount {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// ParseAppOp is the inverse of AppOp.String.
func ParseAppOp(s string) (AppOp, bool) {
	for i, n := range opNames {
		if n == s {
			return AppOp(i), true
		}
	}
	return OpNone, false
}

// ConnState is a copy of a TCP connection's state at one instant, in the
// style of gVisor's TCPEndpointState. Sequence numbers are absolute (as on
// the wire), windows and cwnd in bytes.
type ConnState struct {
	Local    netip.AddrPort
	Remote   netip.AddrPort
	State    TCPState
	ISS      uint32
	IRS      uint32
	SndUna   uint32
	SndNxt   uint32
	SndWnd   uint32
	RcvNxt   uint32
	RcvWnd   uint32
	Cwnd     uint32
	Ssthresh uint32
	SRTT     time.Duration // 0 before the first RTT sample
	RTTVAR   time.Duration
	RTO      time.Duration
	DupAcks  uint8
	InFlight uint32 // SND.NXT - SND.UNA
	Sacked   uint32 // octets above SND.UNA the peer has SACKed (RFC 2018); 0 without SACK
	Pipe     uint32 // RFC 6675's pipe while a SACK-based recovery is under way, else 0

	// Appended for kernel connections (Linux TCP_INFO); the simulator
	// leaves them zero.
	Retrans       uint32 // segments retransmitted so far (tcpi_total_retrans)
	BytesAcked    uint64 // bytes of ours the peer has acknowledged (tcpi_bytes_acked)
	BytesReceived uint64 // bytes received in sequence (tcpi_bytes_received)
}

// Event is one thing that happened. Which fields are meaningful depends on
// Kind; the others are zero. Events are plain values: producers build them on
// the stack and consumers may keep copies.
type Event struct {
	At   time.Duration // since the start of the run (virtual or wall)
	Kind Kind
	Node string // where it happened: sender (Send), receiver (Deliver), owner (State, App)
	Peer string // the node at the other end of Link (Send, Enqueue, Drop, Deliver)
	Link string // link ID for packet events

	Packet Packet        // Send, Enqueue, Drop, Duplicate, Deliver
	Reason DropReason    // Drop
	Arrive time.Duration // Send: when the last bit reaches Peer if nothing interferes

	From TCPState  // State
	To   TCPState  // State
	Conn ConnState // State, ConnStat, Timer*: the connection's variables after the event

	Timer    TimerKind     // Timer*
	Deadline time.Duration // TimerSet: when it will fire

	Op     AppOp          // App
	Socket netip.AddrPort // App: the local address of the socket
	Remote netip.AddrPort // App: the peer (connect, accept, sendto, recvfrom)
	N      int            // App: bytes written/read; for listen, the backlog
	Text   string         // App: the data as text (may be shortened); Note, Error: the message; Deliver: a remark on the arrival ("rtt 412µs")
}

// Sink receives events in the order they happen. Emit must not keep the
// pointer; it may copy the value (producers reuse one Event).
//
// A Sink is not safe for concurrent use unless its documentation says so:
// the simulator emits from one goroutine, and a Trace or a Counter expects
// exactly that. Producers on many goroutines — real connections, the
// gateway — share a Feed, which is.
type Sink interface {
	Emit(e *Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(e *Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e *Event) { f(e) }

// Discard is a Sink that keeps nothing; a run with it uses memory bounded by
// the packets in flight, not by its length.
var Discard Sink = SinkFunc(func(*Event) {})

// Counter is a Sink that counts events by kind and keeps nothing else.
type Counter struct {
	Total  int
	ByKind [kindCount]int
}

// Emit counts e.
func (c *Counter) Emit(e *Event) {
	c.Total++
	if e.Kind < kindCount {
		c.ByKind[e.Kind]++
	}
}

// NodeKind distinguishes end hosts from forwarding nodes.
type NodeKind uint8

// Node kinds.
const (
	NodeHost   NodeKind = iota // runs programs, terminates TCP and UDP
	NodeRouter                 // forwards packets between links
)

// String returns "host" or "router".
func (k NodeKind) String() string {
	if k == NodeRouter {
		return "router"
	}
	return "host"
}

// ModelPrefix begins the names of the nodes of a simulated model drawn
// beside a real run ("model client", "model server"): the ladder puts
// their columns after the real ones.
const ModelPrefix = "model "

// RealPrefix begins the names of the nodes of a real run drawn beside a
// simulated one ("real client", "real server": a lesson's step tried for
// real): the ladder puts their columns after the simulated ones.
const RealPrefix = "real "

// Node describes one node of the topology.
type Node struct {
	Name  string
	Kind  NodeKind
	Addrs []netip.Addr
	Role  string // free text for labels: "server", "client 1"
	// TCP names the TCP a simulated host runs, as scenarios spell its
	// profile: "rfc" (the textbook) or "linux", so that a consumer can say
	// "Linux does X here; the textbook does Y". Empty for routers and for
	// nodes of a trace that does not say.
	TCP string
}

// LinkParams are the per-direction impairments of a link.
type LinkParams struct {
	Delay     time.Duration // propagation delay
	Jitter    time.Duration // uniform extra delay in [0, Jitter)
	Bandwidth int64         // bits per second; 0 = infinite (no serialization delay)
	Queue     int           // packets the transmit queue holds; 0 = unbounded
	Loss      float64       // probability in [0, 1]
	Duplicate float64       // probability in [0, 1]
	Reorder   float64       // probability in [0, 1] that a packet is held back ...
	ReorderBy time.Duration // ... by this much extra delay
	MTU       int           // bytes of IP packet; 0 = 1500
}

// Link describes one point-to-point link of the topology. AB applies to
// packets from A to B, BA to the reverse direction.
type Link struct {
	ID string
	A  string
	B  string
	AB LinkParams
	BA LinkParams
}

// Header describes the run a trace belongs to: what the renderer needs to
// lay out the topology before the first event arrives.
type Header struct {
	Title    string // human title, e.g. the preset's one-line description
	Scenario string // preset name or file name
	Seed     uint64
	Live     bool // wall-clock events from real sockets rather than the simulator
	Nodes    []Node
	Links    []Link
}

// Trace is a recorded run: its header and every event in order. It is also
// a Sink that appends.
type Trace struct {
	Header Header
	Events []Event
}

// Emit appends a copy of e.
func (t *Trace) Emit(e *Event) { t.Events = append(t.Events, *e) }

// Node returns the node with the given name.
func (h *Header) Node(name string) (Node, bool) {
	for _, n := range h.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}
