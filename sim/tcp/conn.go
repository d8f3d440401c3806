package tcp

import (
	"time"

	"socketlab/sim/trace"
)

// Timer slots of a Conn. Poll fires due timers in deadline order; equal
// deadlines fire in this order, so runs are deterministic. The tail loss
// probe comes first: capped at the RTO's expiry, it replaces the RTO then
// (and rearms it).
const (
	tmTLP = iota
	tmRetransmit
	tmPersist
	tmTimeWait
	tmDelayedAck
	tmReorder
	numTimers
)

var timerKinds = [numTimers]trace.TimerKind{
	trace.TimerTLP, trace.TimerRetransmit, trace.TimerPersist, trace.TimerTimeWait, trace.TimerDelayedAck,
	trace.TimerReorder,
}

type timer struct {
	armed    bool
	deadline time.Duration
}

// span is a half-open range [start, end) of sequence space received out of
// order and already stored in the receive ring.
type span struct{ start, end Seq }

// Conn is one TCP endpoint. It is not safe for concurrent use: its owner
// calls it from one goroutine (the simulator's event loop), and the
// callbacks in Config must not call back into it.
type Conn struct {
	cfg     Config
	state   trace.TCPState
	passive bool // opened by Accept

	// Send sequence variables (RFC 9293 §3.3.1). sndMax is the highest
	// SND.NXT ever reached: after a timeout SND.NXT goes back to SND.UNA
	// (go-back-N) and ACKs up to sndMax stay acceptable.
	iss, sndUna, sndNxt, sndMax Seq
	sndWnd                      uint32
	sndWl1, sndWl2              Seq
	maxSndWnd                   uint32 // largest window the peer offered (sender SWS avoidance)
	sndMSS                      int    // effective send MSS: min(ours, peer's option)
	// probeEnd is the end of the last zero-window probe, or SND.MAX: ACKs
	// up to it are acceptable. It never falls behind sndMax (see
	// advanceSndMax), so the two are always less than 2^31 apart.
	probeEnd Seq

	// Send buffer: the octets from sndBufSeq on, written and not yet
	// acknowledged (buffers.go).
	snd       sendQueue
	sndBufSeq Seq
	finQueued bool // CloseWrite: a FIN follows the data, at sequence dataEnd()

	// Receive sequence variables. rcvAdv is the right edge we advertised:
	// RCV.WND = rcvAdv - RCV.NXT, and it never moves left.
	irs, rcvNxt, rcvAdv Seq
	// Received octets (buffers.go): rcvLen in-order unread ones at the
	// head, then the out-of-order ones of ooo at their offsets from RCV.NXT.
	rq         recvQueue
	rcvLen     int
	ooo        []span
	oooFin     bool // a FIN arrived out of order at oooFinSeq
	oooFinSeq  Seq
	finRcvd    bool // the peer's FIN was processed (EOF after the buffered data)
	readClosed bool // Close was called: data arriving now is answered by RST

	// ACK generation.
	ackNow     bool // send an ACK before returning (unless data carries it)
	ackPending int  // in-order octets received since our last ACK (delayed ACK)
	// Linux's ACK policy (Config.QuickAck): quickAcks ACKs left to send at
	// once, ping-pong mode (interactive: ACKs wait to ride on the reply),
	// rcvMSS the receive-side MSS estimate, lastDataRcvd when in-order
	// data last arrived (dataRcvd: any has).
	lastOOWAck time.Duration // when we last answered an unacceptable empty segment (Config.OOWRateLimit)
	oowAcked   bool
	pushedSeq  Seq // Linux's pushed_seq: the end of the last segment sent with PSH (Config.ForcedPush)
	// gsoSize and gsoSent (Config.GSOPush): during one pass of send, the
	// segments per GSO packet, and the new segments sent so far.
	gsoSize, gsoSent int
	quickAcks        int
	pingpong         bool
	rcvMSS           int
	lastAdvWnd       uint32 // the window our last segment advertised, Linux's rcv_wnd (Config.ShrinkDelaysAck)
	lastDataRcvd     time.Duration
	dataRcvd         bool

	// RFC 6298 state.
	srtt, rttvar, rto time.Duration
	hasRTT            bool
	rttTiming         bool // one segment is timed at a time
	rttSeq            Seq  // its first sequence number
	rttStart          time.Duration
	retries           int           // consecutive timeouts of the oldest segment
	lastDataSent      time.Duration // when data (or a FIN) last left; RFC 5681 §4.1
	dataSent          bool          // lastDataSent is valid
	synTimedOut       bool          // the retransmission timer expired awaiting the ACK of our SYN (RFC 6298 §5.7)
	synLost           bool          // our SYN or SYN,ACK was sent again: it or the answer was lost (RFC 5681 §3.1)

	// RFC 7323 state. sndShift scales the peer's window fields
	// (Snd.Wind.Shift), rcvShift ours (Rcv.Wind.Shift); both stay 0 unless
	// both SYNs carried the window scale option. With timestamps (tsOK),
	// tsRecent is TS.Recent (valid while tsRecentOK; tsRecentAt is when it
	// was last set, for §5.5), lastAckSent is Last.ACK.sent, and inTS,
	// inTSval, inTSecr are the option of the segment being handled.
	sndShift, rcvShift uint8
	peerWS             bool // the peer's SYN carried the window scale option
	tsOK               bool
	tsRecentOK         bool
	tsRecent           uint32
	tsRecentAt         time.Duration
	lastAckSent        Seq
	inTS               bool
	inTSval, inTSecr   uint32

	// RFC 2018 state (sack.go). sackOK: both SYNs carried SACK-permitted.
	// sackOrder lists, most recent first, a sequence number inside each
	// out-of-order span we reported, so that the blocks of the next ACK
	// follow §4's order. dsack is a duplicate range to report first in
	// the next ACK (RFC 2883), while dsackDue. scoreboard is the sender's:
	// the SACKed spans above SND.UNA, sorted and disjoint; dsacks counts
	// the D-SACKs the peer sent. highRxt and rescueEnd follow RFC 6675's
	// HighRxt and RescueRxt (recovery.go).
	peerSACK   bool
	sackOK     bool
	sackOrder  []Seq
	dsack      span
	dsackDue   bool
	scoreboard []span
	dsacks     int
	highRxt    Seq
	rescueEnd  Seq

	// RFC 8985 state (rack.go). tlpOut: a tail loss probe is outstanding,
	// until SND.UNA reaches tlpEnd (TLP.end_seq). tlpRestart: new data left
	// or new data was ACKed, so the PTO starts again.
	tlpOut     bool
	tlpEnd     Seq
	tlpRestart bool
	rack       rackState

	// RFC 5681 / RFC 6582 state, in bytes.
	cwnd, ssthresh uint32
	dupAcks        int
	limitedSent    uint32 // octets sent by limited transmit (RFC 3042) since the last new ACK
	inRecovery     bool
	partialSeen    bool // a partial ACK restarted the timer during this recovery
	recover        Seq
	cubic          cubic // RFC 9438 state (Config.Congestion)

	persistInterval time.Duration // next zero-window probe interval (backs off)

	timers [numTimers]timer

	discarded bool // the last segment given to Handle was discarded (Discarded)

	ev       trace.Event     // reused for every emitted event (see event)
	lastStat trace.ConnState // what the last State/ConnStat event carried
}

func (cfg *Config) applyDefaults() {
	if cfg.MSS <= 0 {
		cfg.MSS = DefaultMSS
	}
	if cfg.MSS > 65535 {
		cfg.MSS = 65535
	}
	cfg.WScaleShift = min(max(cfg.WScaleShift, 0), maxWScale)
	if !cfg.WindowScale {
		cfg.WScaleShift = 0
	}
	if cfg.RcvBuf <= 0 || cfg.RcvBuf > 65535<<cfg.WScaleShift {
		cfg.RcvBuf = DefaultRcvBuf
	}
	if cfg.SndBuf <= 0 {
		cfg.SndBuf = DefaultSndBuf
	}
	if cfg.InitialRTO <= 0 {
		cfg.InitialRTO = DefaultInitialRTO
	}
	if cfg.MinRTO <= 0 {
		cfg.MinRTO = DefaultMinRTO
	}
	if cfg.MaxRTO <= 0 {
		cfg.MaxRTO = DefaultMaxRTO
	}
	if cfg.MaxRTO < cfg.MinRTO {
		cfg.MaxRTO = cfg.MinRTO
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MaxSynRetries <= 0 {
		cfg.MaxSynRetries = DefaultMaxSynRetries
	}
	if cfg.DelayedAck > maxDelayedAck {
		cfg.DelayedAck = maxDelayedAck
	}
	if cfg.MSL <= 0 {
		cfg.MSL = DefaultMSL
	}
}

func newConn(cfg Config) *Conn {
	cfg.applyDefaults()
	c := &Conn{
		cfg:       cfg,
		state:     trace.StateClosed,
		iss:       cfg.ISS,
		sndUna:    cfg.ISS,
		sndNxt:    cfg.ISS,
		sndMax:    cfg.ISS,
		probeEnd:  cfg.ISS,
		sndBufSeq: cfg.ISS.Add(1),
		pushedSeq: cfg.ISS.Add(1),
		recover:   cfg.ISS,
		highRxt:   cfg.ISS,
		rescueEnd: cfg.ISS,
		rack:      rackState{reoWndMult: 1},
		rto:       clampRTO(cfg.InitialRTO, &cfg),
		// RFC 5681 §3.1: "The initial value of ssthresh SHOULD be set
		// arbitrarily high (e.g., to the size of the largest possible
		// advertised window)" — 65535 without window scaling.
		ssthresh: 65535,
	}
	c.rcvMSS = min(536, cfg.MSS) // Linux's initial receive-MSS guess (tcp_initialize_rcv_mss)
	c.ev.Node = cfg.Node
	c.setPeerMSS(0) // until the peer's SYN says otherwise
	return c
}

// Dial performs an active open (RFC 9293 §3.10.1): CLOSED → SYN-SENT, and
// transmits <SEQ=ISS><CTL=SYN> with the MSS option and the full receive
// buffer as window.
func Dial(now time.Duration, cfg Config) *Conn {
	c := newConn(cfg)
	c.lastStat = c.Snapshot()
	c.setState(now, trace.StateSynSent)
	c.sendSyn(now)
	c.flushStat(now)
	return c
}

// Accept performs the LISTEN half of a passive open. The host owns the
// listening socket; when a SYN arrives for a listening port it calls Accept
// with that SYN, and the new Conn moves LISTEN → SYN-RECEIVED and transmits
// <SEQ=ISS><ACK=SEG.SEQ+1><CTL=SYN,ACK> (RFC 9293 §3.10.7.2). syn must carry
// SYN and neither ACK nor RST — the host answers an ACK with ResetFor and
// ignores a RST — otherwise Accept returns nil. Data on the SYN is not
// accepted (it is not ACKed, so the peer sends it again).
func Accept(now time.Duration, cfg Config, syn Segment) *Conn {
	if syn.Flags&trace.FlagSYN == 0 || syn.Flags&(trace.FlagACK|trace.FlagRST) != 0 {
		return nil
	}
	c := newConn(cfg)
	c.passive = true
	c.state = trace.StateListen
	c.lastStat = c.Snapshot()
	c.irs = syn.Seq
	c.rcvNxt = syn.Seq.Add(1)
	c.rcvAdv = c.rcvNxt.Add(c.synWindow())
	c.setPeerMSS(syn.MSS)
	c.synOptions(now, syn)
	c.sndWnd = uint32(syn.Window) // never scaled in a SYN
	c.maxSndWnd = c.sndWnd
	c.sndWl1 = syn.Seq
	c.sndWl2 = c.iss
	c.setState(now, trace.StateSynReceived)
	c.sendSyn(now)
	c.flushStat(now)
	return c
}

// setPeerMSS applies the peer's MSS option (0 = absent): the effective send
// MSS is the smaller of both, and without an option RFC 9293 §3.7.1 says to
// "assume a default send MSS of 536 (576 - 40) for IPv4 or 1220 (1280 - 60)
// for IPv6". The initial window follows from it.
func (c *Conn) setPeerMSS(opt uint16) {
	peer := int(opt)
	if peer == 0 {
		peer = 536
		if c.cfg.Remote.Addr().Is6() && !c.cfg.Remote.Addr().Is4In6() {
			peer = 1220
		}
	}
	c.sndMSS = min(c.cfg.MSS, peer)
	c.cwnd = c.initialWindow()
}

// maxWScale is the largest shift RFC 7323 §2.3 allows: "If a Window Scale
// option is received with a shift.cnt value larger than 14, the TCP SHOULD
// log the error but MUST use 14 instead of the specified value."
const maxWScale = 14

// tsOptLen is the room the timestamps option takes in every segment
// (NOP, NOP, kind 8, length 10): RFC 6691 subtracts it from the data a
// segment may carry, as Linux does (1448 bytes of data for an MSS of 1460).
const tsOptLen = 12

// synOptions applies the RFC 7323 options of the peer's SYN (or SYN,ACK)
// against what our SYN offered: window scaling and timestamps are on only
// when both carry them, and so is SACK (RFC 2018 §2). Call it after
// setPeerMSS.
func (c *Conn) synOptions(now time.Duration, s Segment) {
	c.peerWS = s.Opts&trace.OptWScale != 0
	if c.cfg.WindowScale && c.peerWS {
		c.sndShift = min(s.WScale, maxWScale)
		c.rcvShift = uint8(c.cfg.WScaleShift)
		// RFC 5681 §3.1: ssthresh starts at "the size of the largest
		// possible advertised window", now 65535 << the peer's shift.
		c.ssthresh = 65535 << c.sndShift
	}
	if c.cfg.Timestamps && s.Opts&trace.OptTimestamps != 0 {
		c.tsOK = true
		c.tsRecent, c.tsRecentAt, c.tsRecentOK = s.TSval, now, true
		c.sndMSS = max(c.sndMSS-tsOptLen, 1)
		c.cwnd = c.initialWindow()
	}
	c.peerSACK = s.Opts&trace.OptSACKPerm != 0
	c.sackOK = c.cfg.SACK && c.peerSACK
}

// tsClock is our TSval at now: 1 ms ticks of virtual time (RFC 7323 §5.4:
// between 1 ms and 1 s per tick) plus a per-connection offset, the ISS, so
// that TSvals do not start from the same number on every connection (§7.1).
func (c *Conn) tsClock(now time.Duration) uint32 {
	return uint32(now/time.Millisecond) + uint32(c.cfg.ISS)
}

// synWindow is the window of our SYN: the receive buffer, but at most
// 65535 because a SYN's window is never scaled (RFC 7323 §2.2).
func (c *Conn) synWindow() int { return min(c.cfg.RcvBuf, 65535) }

// initialWindow is IW: Config.InitialCwnd, Config.InitialSegments
// segments, or the RFC 5681 §3.1 initial
// window for the effective send MSS:
//
//	If SMSS > 2190 bytes: IW = 2 * SMSS bytes ...
//	If (SMSS > 1095 bytes) and (SMSS <= 2190 bytes): IW = 3 * SMSS bytes ...
//	if SMSS <= 1095 bytes: IW = 4 * SMSS bytes ...
func (c *Conn) initialWindow() uint32 {
	if c.cfg.InitialCwnd > 0 {
		return uint32(c.cfg.InitialCwnd)
	}
	if c.cfg.InitialSegments > 0 {
		return uint32(c.cfg.InitialSegments * c.sndMSS)
	}
	switch smss := uint32(c.sndMSS); {
	case smss > 2190:
		return 2 * smss
	case smss > 1095:
		return 3 * smss
	default:
		return 4 * smss
	}
}

// State returns the current RFC 9293 state.
func (c *Conn) State() trace.TCPState { return c.state }

// Snapshot returns a copy of the connection's variables, as trace events
// carry them.
func (c *Conn) Snapshot() trace.ConnState {
	return trace.ConnState{
		Local:    c.cfg.Local,
		Remote:   c.cfg.Remote,
		State:    c.state,
		ISS:      uint32(c.iss),
		IRS:      uint32(c.irs),
		SndUna:   uint32(c.sndUna),
		SndNxt:   uint32(c.sndNxt),
		SndWnd:   c.sndWnd,
		RcvNxt:   uint32(c.rcvNxt),
		RcvWnd:   c.rcvWnd(),
		Cwnd:     c.cwnd,
		Ssthresh: c.ssthresh,
		SRTT:     c.srtt,
		RTTVAR:   c.rttvar,
		RTO:      c.rto,
		DupAcks:  uint8(min(c.dupAcks, 255)),
		InFlight: c.flightSize(),
		Sacked:   c.sackedBytes(),
		Pipe:     c.recoveryPipe(),
	}
}

// recoveryPipe is pipe during a SACK-based recovery, for the snapshot.
func (c *Conn) recoveryPipe() uint32 {
	if c.inRecovery && c.sackOK {
		return c.pipe()
	}
	return 0
}

// flightSize is RFC 5681's FlightSize: "The amount of data that has been
// sent but not yet cumulatively acknowledged". After a retransmission
// timeout everything above SND.NXT is presumed lost — go-back-N sends it
// again, as 4.4BSD (which rewinds snd_nxt) and Linux (which marks it lost)
// do — so it counts from SND.UNA to SND.NXT, not to the highest sequence
// number ever sent. The usable window, the ssthresh of equation (4) on a
// timeout and on fast retransmit, and the snapshot all use it.
func (c *Conn) flightSize() uint32 {
	if d := c.sndNxt.Sub(c.sndUna); d > 0 {
		return uint32(d)
	}
	return 0
}

// advanceSndMax records that sequence space up to end has been sent, and
// keeps probeEnd from falling behind: a stale end of a probe would, 2^31
// octets later, compare as being ahead of SND.MAX and let an ACK for data
// never sent pass.
func (c *Conn) advanceSndMax(end Seq) {
	c.sndMax = maxSeq(c.sndMax, end)
	c.probeEnd = maxSeq(c.probeEnd, c.sndMax)
}

// rcvWnd is RCV.WND: what is left of the window we advertised.
func (c *Conn) rcvWnd() uint32 {
	if d := c.rcvAdv.Sub(c.rcvNxt); d > 0 {
		return uint32(d)
	}
	return 0
}

// Discarded reports whether the segment of the last Handle call was thrown
// away without effect on the connection beyond, possibly, an answer: not
// acceptable (out of window, an old duplicate), a RST or SYN that only drew
// a challenge ACK, an ACK for something never sent, or any segment for a
// CLOSED connection. A host may record such a segment as
// trace.DropBadState. Segments whose text is held out of order or that are
// partly new are not discarded.
func (c *Conn) Discarded() bool { return c.discarded }

// Buffered returns how many received bytes Read can return now.
func (c *Conn) Buffered() int { return c.rcvLen }

// PeerClosed reports whether the peer's FIN has been processed: once
// Buffered is 0 as well, Read will never return data again (end of stream).
func (c *Conn) PeerClosed() bool { return c.finRcvd }

// queued is the number of octets in the send buffer (unacknowledged or not
// yet sent).
func (c *Conn) queued() int { return c.snd.n }

// dataEnd is the sequence number after the last queued octet; the FIN, if
// queued, occupies exactly this number.
func (c *Conn) dataEnd() Seq { return c.sndBufSeq.Add(c.queued()) }

func (c *Conn) canWrite() bool {
	if c.finQueued {
		return false
	}
	switch c.state {
	case trace.StateSynSent, trace.StateSynReceived, trace.StateEstablished, trace.StateCloseWait:
		return true
	}
	return false
}

// SendSpace returns how many bytes Write would accept now.
func (c *Conn) SendSpace() int {
	if !c.canWrite() {
		return 0
	}
	return c.cfg.SndBuf - c.queued()
}

// Write copies as much of p as the send buffer has room for and returns that
// count; segments go out as the peer's window and cwnd allow. Data written
// before the handshake completes waits for ESTABLISHED. Write returns 0 once
// the sending side is closed (after CloseWrite, Close, a reset or a timeout).
func (c *Conn) Write(now time.Duration, p []byte) int { return c.write(now, p, false) }

// WriteStatic is Write for data that never changes: the caller promises
// never to modify p, so the connection keeps references to it instead of
// copying (segments are sub-slices of p), and a bulk transfer from one
// static array costs no send-buffer memory.
func (c *Conn) WriteStatic(now time.Duration, p []byte) int { return c.write(now, p, true) }

func (c *Conn) write(now time.Duration, p []byte, static bool) int {
	n := min(len(p), c.SendSpace())
	if n <= 0 {
		return 0
	}
	c.snd.push(p[:n], static, c.cfg.SndBuf)
	c.finish(now)
	return n
}

// Read copies in-order received data into p and returns the count; 0 means
// nothing is buffered (end of stream if PeerClosed). Reading opens the
// receive window: the right edge moves once it can grow by
// min(RcvBuf/2, MSS) (RFC 9293 §3.8.6.2.2, receiver SWS avoidance), and a
// bare window update is sent when the peer may be waiting for it.
func (c *Conn) Read(now time.Duration, p []byte) int {
	if c.readClosed || c.rcvLen == 0 || len(p) == 0 {
		return 0
	}
	n := min(len(p), c.rcvLen)
	c.rq.read(p, n)
	c.rcvLen -= n
	switch c.state {
	case trace.StateEstablished, trace.StateFinWait1, trace.StateFinWait2:
		if c.windowUpdateDue() {
			c.ackNow = true
		}
	}
	c.finish(now)
	return n
}

// windowUpdateDue decides whether reading should send a bare window update.
// The right edge may move once the SWS rule allows it (advertise), but an
// update of its own is only worth a segment when the peer may be held up:
// the window it knows is below the SWS threshold (closed or nearly so), or
// the edge moves by at least two segments or half the buffer (the rule of
// 4.4BSD's tcp_output). Otherwise the next ACK carries the new window.
func (c *Conn) windowUpdateDue() bool {
	cur, next := c.rcvWnd(), c.advertise()
	if next <= cur {
		return false
	}
	sws := uint32(min(c.cfg.RcvBuf/2, c.sndMSS))
	grow := next - cur
	return cur < sws || grow >= 2*uint32(c.sndMSS) || grow >= uint32(c.cfg.RcvBuf/2)
}

// CloseWrite half-closes the connection, like shutdown(SHUT_WR): a FIN
// follows the queued data. ESTABLISHED moves to FIN-WAIT-1 and CLOSE-WAIT to
// LAST-ACK at once (RFC 9293 §3.10.4), even while data is still queued.
// Reading continues until the peer's FIN. In SYN-RECEIVED the FIN waits for
// ESTABLISHED; in SYN-SENT the connection is simply deleted.
func (c *Conn) CloseWrite(now time.Duration) {
	switch c.state {
	case trace.StateSynSent:
		c.setState(now, trace.StateClosed)
	case trace.StateSynReceived:
		c.finQueued = true
	case trace.StateEstablished:
		c.finQueued = true
		c.setState(now, trace.StateFinWait1)
	case trace.StateCloseWait:
		c.finQueued = true
		c.setState(now, trace.StateLastAck)
	}
	c.finish(now)
}

// Close is CloseWrite plus the end of reading. If received data is still
// unread, or data arrives after Close, the connection is reset instead
// (RFC 1122 §4.2.2.13: "its TCP SHOULD send a RST to show that data was
// lost"), as Linux and the BSDs do.
func (c *Conn) Close(now time.Duration) {
	c.readClosed = true
	if c.rcvLen > 0 || len(c.ooo) > 0 {
		c.Abort(now)
		return
	}
	c.CloseWrite(now)
}

// Abort resets the connection (RFC 9293 §3.10.5 ABORT): in SYN-RECEIVED,
// ESTABLISHED, FIN-WAIT-1/2 and CLOSE-WAIT it sends <SEQ=SND.NXT><CTL=RST>
// (the highest SND.NXT reached, see sendAck); in every state it ends in
// CLOSED.
func (c *Conn) Abort(now time.Duration) {
	switch c.state {
	case trace.StateSynReceived, trace.StateEstablished, trace.StateFinWait1,
		trace.StateFinWait2, trace.StateCloseWait:
		rst := Segment{Seq: c.sndMax, Flags: trace.FlagRST}
		if c.cfg.ResetWithAck {
			rst.Flags, rst.Ack = trace.FlagRST|trace.FlagACK, c.rcvNxt
		}
		c.transmit(now, rst)
	}
	if c.state != trace.StateClosed {
		c.setState(now, trace.StateClosed)
	}
	c.flushStat(now)
}

// setState moves to a new state and emits KindState. Entering CLOSED stops
// every timer and notifies NoticeClosed; entering TIME-WAIT stops every
// timer but the 2·MSL one.
func (c *Conn) setState(now time.Duration, to trace.TCPState) {
	from := c.state
	if from == to {
		return
	}
	switch to {
	case trace.StateClosed:
		for i := range c.timers {
			c.disarm(now, i)
		}
	case trace.StateTimeWait:
		c.disarm(now, tmRetransmit)
		c.disarm(now, tmPersist)
		c.disarm(now, tmDelayedAck)
		c.arm(now, tmTimeWait, 2*c.cfg.MSL)
	}
	c.state = to
	if c.cfg.Trace != nil {
		e := c.event(now, trace.KindState)
		e.From, e.To = from, to
		c.lastStat = e.Conn
		c.cfg.Trace.Emit(e)
	}
	if to == trace.StateClosed {
		c.notify(now, NoticeClosed)
	}
}

// flushStat emits one KindConnStat if any variable changed since the last
// State or ConnStat event.
func (c *Conn) flushStat(now time.Duration) {
	if c.cfg.Trace == nil {
		return
	}
	s := c.Snapshot()
	if s == c.lastStat {
		return
	}
	c.lastStat = s
	c.cfg.Trace.Emit(c.event(now, trace.KindConnStat))
}

// event fills the Conn's reusable event with the fields every event of a
// connection carries and clears the kind-specific ones. Reusing one Event
// (instead of a fresh composite literal) keeps emitting allocation-free and
// cheap: the fields a Conn never sets stay zero from newConn on.
func (c *Conn) event(now time.Duration, k trace.Kind) *trace.Event {
	e := &c.ev
	e.At, e.Kind = now, k
	e.From, e.To = trace.StateNone, trace.StateNone
	e.Timer, e.Deadline = trace.TimerNone, 0
	e.Conn = c.Snapshot()
	return e
}

func (c *Conn) notify(now time.Duration, n Notice) {
	if c.cfg.Notify != nil {
		c.cfg.Notify(now, n)
	}
}

func (c *Conn) transmit(now time.Duration, s Segment) {
	// RFC 7323 §3.2: once negotiated, "the TSopt MUST be sent in every
	// non-<RST> segment for the duration of the connection, and SHOULD be
	// sent in an <RST> segment"; a SYN carries it if we offer it. TSecr is
	// TS.Recent when the ACK bit is on, else 0 (§3.2: "The TSecr field is
	// valid if the ACK bit is set").
	if c.tsOK || (s.Flags&trace.FlagSYN != 0 && c.state == trace.StateSynSent && c.cfg.Timestamps) {
		s.Opts |= trace.OptTimestamps
		s.TSval = c.tsClock(now)
		if s.Flags&trace.FlagACK != 0 {
			s.TSecr = c.tsRecent
		}
	}
	if s.Flags&trace.FlagACK != 0 && s.Flags&trace.FlagRST == 0 {
		c.lastAckSent = s.Ack // Last.ACK.sent (§4.3)
		if c.sackOK {
			s.SACK = c.sackBlocks()
		}
	}
	if c.cfg.Transmit != nil {
		c.cfg.Transmit(now, s)
	}
}

// finish runs at the end of every entry point: send what the windows allow,
// the ACK that is due, settle the persist timer, emit one ConnStat.
func (c *Conn) finish(now time.Duration) {
	if c.state != trace.StateClosed {
		c.output(now)
		if c.ackNow {
			c.sendAck(now)
		}
		c.updatePersist(now)
		c.updateTLP(now)
	}
	c.flushStat(now)
}
