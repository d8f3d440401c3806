package tcp

import (
	"time"

	"socketlab/sim/trace"
)

// canOutput reports whether the state lets data or our FIN go out.
func (c *Conn) canOutput() bool {
	switch c.state {
	case trace.StateEstablished, trace.StateCloseWait, trace.StateFinWait1,
		trace.StateClosing, trace.StateLastAck:
		return true
	}
	return false
}

// sendPending reports whether unsent data or an unsent FIN waits.
func (c *Conn) sendPending() bool {
	if !c.canOutput() {
		return false
	}
	end := c.dataEnd()
	return end.GreaterThan(c.sndNxt) || (c.finQueued && end == c.sndNxt)
}

// output sends as many segments as the peer's window, cwnd and sender SWS
// avoidance allow. RFC 9293 §3.8.6.2.1, with U the usable window and D the
// queued unsent data, sends
//
//	(1) if a maximum-sized segment can be sent: min(D,U) >= Eff.snd.MSS;
//	(2) or if the data is pushed and all queued data can be sent now:
//	    [SND.NXT = SND.UNA and] PUSHed and D <= U;
//	(3) or if at least a fraction Fs = 1/2 of the maximum window can be
//	    sent: [SND.NXT = SND.UNA and] min(D,U) >= Fs * Max(SND.WND);
//	(4) or if the data is PUSHed and the override timeout occurs.
//
// "The bracketed condition is imposed by the Nagle algorithm", which the
// model does not have (as if TCP_NODELAY were set), so the brackets are
// left out; every Write is pushed. U is min(SND.WND, cwnd) - FlightSize.
// The override timeout of (4) is the persist timer, as §3.8.6.2.1 suggests
// ("combine this timer with the timer used to probe zero windows"): see
// onPersist. A go-back-N retransmission after a timeout is not held back:
// it is no new data, and RFC 6298 (5.4) requires it at once.
func (c *Conn) output(now time.Duration) { c.send(now, false) }

// send is output; override is the timeout of rule (4): the first segment
// leaves however small the window is.
func (c *Conn) send(now time.Duration, override bool) {
	if !c.canOutput() {
		return
	}
	mss := c.sndMSS
	if c.dataSent && c.flightSize() == 0 && now-c.lastDataSent > c.rto && c.sendPending() {
		// RFC 5681 §4.1, restarting idle connections: "a TCP SHOULD set cwnd
		// to no more than RW before beginning transmission if the TCP has
		// not sent data in an interval exceeding the retransmission
		// timeout", RW = min(IW, cwnd). Idle means, as in Linux, nothing in
		// flight either.
		c.cwnd = min(c.cwnd, c.initialWindow())
		c.cubic.epoch = false // RFC 9438 §5.8: CUBIC's t excludes the idle time
	}
	if c.inRecovery && c.sackOK {
		c.sendRecovery(now)
		return
	}
	if c.cfg.GSOPush {
		c.gsoSize, c.gsoSent = c.gsoSegments(), 0
		defer func() { c.gsoSize = 0 }()
	}
	for {
		retransmit := c.sndNxt.LessThan(c.sndMax)
		if retransmit && c.sackOK {
			c.sndNxt = c.skipSACKed(c.sndNxt)
			retransmit = c.sndNxt.LessThan(c.sndMax)
		}
		right := c.sndUna.Add(int(c.sndWnd)) // the peer's window edge
		usable := min(int(c.sndWnd)-int(c.flightSize()), int(c.cwnd)-int(c.outstanding()))
		unsent := int(c.dataEnd().Sub(c.sndNxt))
		if unsent > 0 {
			n := min(unsent, mss, usable)
			if retransmit && c.sackOK {
				n = min(n, c.unsackedRun(c.sndNxt))
			}
			if n <= 0 {
				return
			}
			if n < mss && n < unsent && uint32(n) < c.maxSndWnd/2 && !retransmit && !override {
				return // silly window: wait for a bigger window or the override
			}
			override = false
			// A FIN needs one octet of the peer's window, like data: the
			// receiver's acceptability test (§3.10.7.4) rejects it otherwise.
			fin := c.finQueued && n == unsent && c.dataEnd().LessThan(right)
			c.sendSegment(now, c.sndNxt, n, fin, false)
			continue
		}
		if unsent == 0 && c.finQueued && c.dataEnd().LessThan(right) {
			c.sendSegment(now, c.sndNxt, 0, true, false)
		}
		return
	}
}

// sendSegment transmits n octets of the send buffer from seq (and the FIN
// after them if fin). Sending from SND.NXT advances it; sending below it is a
// retransmission. A zero-window probe moves only probeEnd, so that an ACK
// for it is acceptable, and starts neither timer nor RTT measurement.
func (c *Conn) sendSegment(now time.Duration, seq Seq, n int, fin, probe bool) {
	var payload []byte
	if n > 0 {
		payload = c.snd.slice(int(seq.Sub(c.sndBufSeq)), n)
	}
	flags := trace.FlagACK
	end := seq.Add(n)
	gsoEnd := false
	if c.gsoSize >= 2 && n > 0 && seq.GreaterEq(c.sndMax) {
		c.gsoSent++
		gsoEnd = c.gsoSent%c.gsoSize == 0
	}
	if n > 0 && (end == c.dataEnd() || gsoEnd || c.cfg.ForcedPush && int64(end.Sub(c.pushedSeq)) > int64(c.maxSndWnd/2)) {
		flags |= trace.FlagPSH // the last queued octet, the end of a GSO packet, or Linux's forced push
		if end.GreaterThan(c.pushedSeq) {
			c.pushedSeq = end
		}
	}
	if fin {
		flags |= trace.FlagFIN
		end = end.Add(1)
	}
	if c.cfg.QuickAck && n > 0 && c.dataRcvd && now-c.lastDataRcvd < c.cfg.DelayedAck {
		c.pingpong = true // Linux's tcp_event_data_sent: a reply, an interactive exchange
	}
	c.transmit(now, Segment{Seq: seq, Ack: c.rcvNxt, Flags: flags, Window: c.windowField(), Payload: payload})
	c.ackSent(now)
	c.lastDataSent, c.dataSent = now, true
	if probe {
		c.probeEnd = maxSeq(c.probeEnd, end) // at most one octet beyond SND.MAX
		return
	}
	if c.rackOn() {
		c.rackSent(now, seq, end)
	}
	if seq.GreaterEq(c.sndMax) {
		c.tlpRestart = true // RFC 8985 §7.2: new data left
		if !c.rttTiming {
			c.rttTiming, c.rttSeq, c.rttStart = true, seq, now
		}
	} else if c.rttTiming && c.rttSeq.InRange(seq, end) {
		c.rttTiming = false // Karn's algorithm: the timed segment was sent twice
	}
	if seq == c.sndNxt {
		c.sndNxt = end
	}
	c.advanceSndMax(end)
	// RFC 6298 (5.1) "Every time a packet containing data is sent
	// (including a retransmission), if the timer is not running, start it
	// running so that it will expire after RTO seconds".
	if !c.timers[tmRetransmit].armed {
		c.arm(now, tmRetransmit, c.rto)
	}
}

// gsoSegments is Linux's tcp_tso_autosize for Config.GSOPush: the
// segments of one GSO packet. The pacing rate is Linux's
// tcp_update_pacing_rate (200 % of cwnd per SRTT in slow start, below
// half ssthresh, 120 % after); the min RTT is SRTT's.
func (c *Conn) gsoSegments() int {
	const gsoMax = 65536 // GSO_LEGACY_MAX_SIZE
	srtt := max(c.srtt, time.Microsecond)
	ratio := int64(120)
	if c.cwnd < c.ssthresh/2 {
		ratio = 200
	}
	w := int64(max(c.cwnd, c.flightSize()))
	bytes := w * ratio / 100 * int64(time.Second>>10) / int64(srtt) // sk_pacing_rate >> sk_pacing_shift
	if r := srtt / time.Microsecond >> 9; r < 32 {                  // net.ipv4.tcp_tso_rtt_log = 9
		bytes += gsoMax >> r
	}
	segs := max(int(min(bytes, gsoMax))/c.sndMSS, 2) // net.ipv4.tcp_min_tso_segs = 2
	// tcp_bound_to_half_wnd: no packet beyond half the peer's largest window.
	return min(segs, max(int(c.maxSndWnd/2)/c.sndMSS, 1))
}

// retransmitFirst resends the segment at SND.UNA (fast retransmit, NewReno
// partial ACK), never beyond the peer's window.
func (c *Conn) retransmitFirst(now time.Duration) {
	avail := int(c.dataEnd().Sub(c.sndUna))
	n := min(avail, c.sndMSS, int(c.sndWnd))
	fin := c.finQueued && n == avail && c.sndMax.GreaterThan(c.dataEnd())
	if n <= 0 && !fin {
		return
	}
	c.sendSegment(now, c.sndUna, max(n, 0), fin, false)
}

// sendSyn sends (or resends) our SYN: <SEQ=ISS><CTL=SYN> in SYN-SENT,
// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> in SYN-RECEIVED, both with the MSS
// option and the whole receive buffer as window.
func (c *Conn) sendSyn(now time.Duration) {
	s := Segment{Seq: c.iss, Flags: trace.FlagSYN, Window: uint16(c.synWindow()), MSS: uint16(c.cfg.MSS)}
	// RFC 7323 §2.2: a SYN may offer window scaling; a SYN,ACK only if the
	// SYN it answers did. RFC 2018 §2 is the same for SACK-permitted.
	// (Timestamps: see transmit.)
	offerWS, offerSACK := c.cfg.WindowScale, c.cfg.SACK
	if c.state == trace.StateSynReceived {
		s.Flags |= trace.FlagACK
		s.Ack = c.rcvNxt
		c.rcvAdv = c.rcvNxt.Add(c.synWindow())
		offerWS = c.cfg.WindowScale && c.peerWS
		offerSACK = c.cfg.SACK && c.peerSACK
	}
	if offerWS {
		s.Opts |= trace.OptWScale
		s.WScale = uint8(c.cfg.WScaleShift)
	}
	if offerSACK {
		s.Opts |= trace.OptSACKPerm
	}
	c.lastAdvWnd = uint32(s.Window)
	c.transmit(now, s)
	if c.sndNxt == c.iss {
		c.sndNxt = c.iss.Add(1)
		c.advanceSndMax(c.sndNxt)
		c.rttTiming, c.rttSeq, c.rttStart = true, c.iss, now
	} else {
		c.rttTiming = false // Karn
	}
	if !c.timers[tmRetransmit].armed {
		c.arm(now, tmRetransmit, c.rto)
	}
}

// sendAck sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with the current window.
// While retransmitting after a timeout SND.NXT lags behind what the peer may
// already hold, so the sequence number is sndMax instead (as in 4.4BSD's
// tcp_output): an ACK below the peer's RCV.NXT would fail its
// acceptability test and be answered by another ACK, for ever.
func (c *Conn) sendAck(now time.Duration) {
	c.transmit(now, Segment{Seq: c.sndMax, Ack: c.rcvNxt, Flags: trace.FlagACK, Window: c.windowField()})
	c.ackSent(now)
}

// ackSent records that a segment carrying our current ACK left.
func (c *Conn) ackSent(now time.Duration) {
	if c.quickAcks > 0 && (c.ackPending > 0 || c.ackNow) {
		c.quickAcks-- // Linux's tcp_dec_quickack_mode: an ACK of new data left
	}
	c.ackNow = false
	c.ackPending = 0
	c.disarm(now, tmDelayedAck)
}

// advertise is the window to offer now, with receiver SWS avoidance
// (RFC 9293 §3.8.6.2.2): the right edge moves only when
// RCV.BUFF - RCV.USER - RCV.WND >= min(Fr * RCV.BUFF, Eff.snd.MSS), Fr = 1/2;
// otherwise the old edge is kept (a window never shrinks).
func (c *Conn) advertise() uint32 {
	// Without scaling nothing above 65535 can be said (RcvBuf may be larger
	// when we offered scaling and the peer did not).
	free := min(uint32(c.cfg.RcvBuf-c.rcvLen), 65535<<c.rcvShift)
	cur := c.rcvWnd()
	if free > cur && free-cur >= uint32(min(c.cfg.RcvBuf/2, c.sndMSS)) {
		return free
	}
	return cur
}

// windowField computes the window for an outgoing segment and records the
// advertised right edge. With window scaling the field is the window >>
// Rcv.Wind.Shift, rounded down: the peer may see an edge up to 2^shift - 1
// octets left of the one we keep, but ours never moves left (RFC 7323
// §2.4), so nothing once advertised is refused.
func (c *Conn) windowField() uint16 {
	f := c.advertise() >> c.rcvShift
	c.lastAdvWnd = f << c.rcvShift
	c.rcvAdv = maxSeq(c.rcvAdv, c.rcvNxt.Add(int(c.lastAdvWnd)))
	return uint16(f)
}
