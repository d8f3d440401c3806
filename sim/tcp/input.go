package tcp

import (
	"time"

	"socketlab/sim/trace"
)

// Handle processes one arriving segment: RFC 9293 §3.10.7 "SEGMENT
// ARRIVES", step by step. s.Payload is only read (and referenced while held
// out of order), never modified. In CLOSED the answer is ResetFor(s).
func (c *Conn) Handle(now time.Duration, s Segment) {
	c.discarded = false
	c.inTS = s.Opts&trace.OptTimestamps != 0
	c.inTSval, c.inTSecr = s.TSval, s.TSecr
	switch c.state {
	case trace.StateNone, trace.StateClosed, trace.StateListen:
		// §3.10.7.1: "all data in the incoming segment is discarded. An
		// incoming segment containing a RST is discarded. An incoming segment
		// not containing a RST causes a RST to be sent in response."
		c.discarded = true
		if r, ok := ResetFor(s); ok {
			c.transmit(now, r)
		}
		return
	case trace.StateSynSent:
		c.handleSynSent(now, s)
	default:
		c.handleSynchronized(now, s)
	}
	c.finish(now)
}

// handleSynSent is §3.10.7.3.
func (c *Conn) handleSynSent(now time.Duration, s Segment) {
	ackOK := false
	// First, check the ACK bit: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send
	// a reset (unless the RST bit is set, if so drop the segment and return)
	// <SEQ=SEG.ACK><CTL=RST>".
	if s.Flags&trace.FlagACK != 0 {
		if s.Ack.LessEq(c.iss) || s.Ack.GreaterThan(c.sndNxt) {
			if s.Flags&trace.FlagRST == 0 {
				c.transmit(now, Segment{Seq: s.Ack, Flags: trace.FlagRST})
			}
			c.discarded = true
			return
		}
		ackOK = true
	}
	// Second, the RST bit: with an acceptable ACK, "error: connection reset".
	if s.Flags&trace.FlagRST != 0 {
		if ackOK {
			c.notify(now, NoticeReset)
			c.setState(now, trace.StateClosed)
		} else {
			c.discarded = true
		}
		return
	}
	// Fourth, the SYN bit.
	if s.Flags&trace.FlagSYN == 0 {
		c.discarded = true
		return
	}
	c.irs = s.Seq
	c.rcvNxt = s.Seq.Add(1)
	c.rcvAdv = c.rcvNxt.Add(c.synWindow()) // the window our SYN offered
	c.setPeerMSS(s.MSS)
	c.synOptions(now, s)
	c.sndWnd = uint32(s.Window) // never scaled in a SYN (RFC 7323 §2.2)
	c.maxSndWnd = c.sndWnd
	c.sndWl1 = s.Seq
	c.sndWl2 = s.Ack
	if ackOK {
		c.ackOfNewData(now, s.Ack, true)
		c.established(now)
		// "form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send
		// it. Data or controls that were queued for transmission MAY be
		// included" — finish() piggybacks it on queued data. Then "continue
		// processing at the sixth step": text and FIN of the SYN,ACK.
		c.ackNow = true
		c.processText(now, s.Seq.Add(1), s.Payload, s.Flags&trace.FlagFIN != 0)
		return
	}
	// Simultaneous open (Figure 8): "enter SYN-RECEIVED, form a SYN,ACK
	// segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it." Data on the
	// SYN is not accepted (not ACKed; the peer resends it).
	c.setState(now, trace.StateSynReceived)
	c.sendSyn(now)
}

// acceptable is the §3.10.7.4 acceptability test:
//
//	Segment Length  Receive Window  Test
//	0               0               SEG.SEQ = RCV.NXT
//	0               >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//	>0              0               not acceptable
//	>0              >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//	                                or RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND
//
// with one deviation, shared with 4.4BSD and Linux: an empty segment exactly
// at the right window edge (SEG.SEQ = RCV.NXT+RCV.WND) is acceptable too.
// When a sender has filled the window and everything it sent was lost, its
// ACKs carry exactly that sequence number; rejecting them would throw the
// ACK information away and, if both directions are in that situation,
// start an endless exchange of ACKs answering unacceptable ACKs.
func acceptable(seq Seq, segLen int, rcvNxt Seq, wnd uint32) bool {
	if segLen == 0 {
		return uint32(seq-rcvNxt) <= wnd
	}
	if wnd == 0 {
		return false
	}
	return seq.InWindow(rcvNxt, wnd) || seq.Add(segLen-1).InWindow(rcvNxt, wnd)
}

// handleSynchronized is §3.10.7.4 for SYN-RECEIVED and every synchronized
// state.
func (c *Conn) handleSynchronized(now time.Duration, s Segment) {
	wndShift := c.sndShift // RFC 7323 §2.2: the window of a SYN is never scaled
	if s.Flags&trace.FlagSYN != 0 {
		wndShift = 0
	}
	if c.tsOK && !c.inTS && s.Flags&trace.FlagRST == 0 {
		// RFC 7323 §3.2: "If a non-<RST> segment is received without a
		// TSopt, a TCP SHOULD silently drop the segment."
		c.discarded = true
		return
	}
	if c.state == trace.StateSynReceived && s.Flags&trace.FlagSYN != 0 &&
		s.Flags&trace.FlagRST == 0 && s.Seq == c.irs {
		if s.Flags&trace.FlagACK == 0 {
			// The peer resent its SYN: our SYN,ACK was lost. Resend it
			// rather than the bare ACK the acceptability test would give,
			// echoing this SYN's TSval (SEG.SEQ = IRS < Last.ACK.sent).
			c.updateTSRecent(now, s)
			c.synLost = true
			c.sendSyn(now)
			c.discarded = true
			return
		}
		// Simultaneous open, Figure 8 line 5: the peer's SYN,ACK completes
		// our handshake. Its SYN was already processed in SYN-SENT, so go on
		// with the rest of the segment (and ACK it).
		s.Flags &^= trace.FlagSYN
		s.Seq = s.Seq.Add(1)
		c.ackNow = true
	}
	if c.state == trace.StateTimeWait && s.Flags&trace.FlagFIN != 0 &&
		s.Flags&(trace.FlagRST|trace.FlagSYN) == 0 && s.Seq.Add(s.Len()) == c.rcvNxt {
		// §3.10.7.4 eighth step, TIME-WAIT: "The only thing that can arrive
		// in this state is a retransmission of the remote FIN. Acknowledge
		// it, and restart the 2 MSL timeout."
		c.ackNow = true
		c.arm(now, tmTimeWait, 2*c.cfg.MSL)
		c.discarded = true
		return
	}

	// RFC 7323 §5.3 R1 (PAWS): "If there is a Timestamps option in the
	// arriving segment, SEG.TSval < TS.Recent, TS.Recent is valid (see
	// Section 5.5), and if the RST bit is not set, then treat the arriving
	// segment as not acceptable: Send an acknowledgment in reply as
	// specified in [RFC0793], page 69 and drop the segment."
	if c.tsOK && c.inTS && s.Flags&trace.FlagRST == 0 && c.tsRecentValid(now) && int32(c.inTSval-c.tsRecent) < 0 {
		c.ackNow = true
		c.discarded = true
		return
	}

	// First, check the sequence number.
	if !acceptable(s.Seq, s.Len(), c.rcvNxt, c.rcvWnd()) {
		// "If an incoming segment is not acceptable, an acknowledgment should
		// be sent in reply (unless the RST bit is set, if so drop the segment
		// and return)".
		if s.Flags&trace.FlagRST == 0 && !c.oowLimited(now, s) {
			end := s.Seq.Add(len(s.Payload))
			old := s.Flags&trace.FlagSYN == 0 && end.LessEq(c.rcvNxt)
			if old {
				c.noteDuplicate(s.Seq, end)
			}
			if old && len(s.Payload) > 0 && c.cfg.ShrinkDelaysAck {
				// Linux's tcp_data_queue: old data enters quick-ACK
				// mode and the usual decision follows, which a filling
				// buffer turns into the delayed ACK.
				c.enterQuickAck()
				c.pingpong = false
				c.decideAck(now)
			} else {
				c.ackNow = true
			}
		}
		c.discarded = true
		return
	}
	c.updateTSRecent(now, s)

	// Second, check the RST bit. In window: reset only on an exact match
	// with RCV.NXT, otherwise a challenge ACK (RFC 9293 adopts RFC 5961 §3.2).
	if s.Flags&trace.FlagRST != 0 {
		if s.Seq != c.rcvNxt {
			c.ackNow = true
			c.discarded = true
			return
		}
		switch c.state {
		case trace.StateClosing, trace.StateLastAck, trace.StateTimeWait:
		default:
			// SYN-RECEIVED from a passive open would return to LISTEN; the
			// listener belongs to the host, so this Conn just ends.
			c.notify(now, NoticeReset)
		}
		c.setState(now, trace.StateClosed)
		return
	}

	// Fourth, check the SYN bit: a SYN in window gets a challenge ACK
	// (RFC 5961 §4.2 as adopted by RFC 9293).
	if s.Flags&trace.FlagSYN != 0 {
		c.ackNow = true
		c.discarded = true
		return
	}

	// Fifth, check the ACK field.
	if s.Flags&trace.FlagACK == 0 {
		c.discarded = true
		return
	}
	if c.state == trace.StateSynReceived {
		if !(c.sndUna.LessThan(s.Ack) && s.Ack.LessEq(c.sndNxt)) {
			c.transmit(now, Segment{Seq: s.Ack, Flags: trace.FlagRST})
			c.discarded = true
			return
		}
		c.sndWnd = uint32(s.Window) << wndShift
		c.maxSndWnd = max(c.maxSndWnd, c.sndWnd)
		c.sndWl1 = s.Seq
		c.sndWl2 = s.Ack
		c.ackOfNewData(now, s.Ack, true)
		c.established(now)
	} else if !c.processAck(now, s, uint32(s.Window)<<wndShift) {
		c.discarded = true
		return
	}
	switch c.state {
	case trace.StateFinWait1:
		if c.finAcked() {
			c.setState(now, trace.StateFinWait2)
		}
	case trace.StateClosing:
		if c.finAcked() {
			c.setState(now, trace.StateTimeWait)
		}
		return
	case trace.StateLastAck:
		if c.finAcked() {
			c.setState(now, trace.StateClosed)
		}
		return
	case trace.StateTimeWait:
		return
	}

	// Seventh and eighth: segment text and FIN.
	switch c.state {
	case trace.StateEstablished, trace.StateFinWait1, trace.StateFinWait2:
		c.processText(now, s.Seq, s.Payload, s.Flags&trace.FlagFIN != 0)
	}
}

// tsRecentValid reports whether TS.Recent may be used for PAWS. RFC 7323
// §5.5: "If a connection has been idle more than 24 days, TS.Recent is
// invalidated" — the TSval clock may have wrapped by half meanwhile.
func (c *Conn) tsRecentValid(now time.Duration) bool {
	if c.tsRecentOK && now-c.tsRecentAt > pawsIdle {
		c.tsRecentOK = false
	}
	return c.tsRecentOK
}

// pawsIdle is the idle time after which TS.Recent is no longer trusted.
const pawsIdle = 24 * 24 * time.Hour

// updateTSRecent is RFC 7323 §4.3 (2): "If SEG.TSval >= TS.Recent and
// SEG.SEQ <= Last.ACK.sent, then SEG.TSval is copied to TS.Recent;
// otherwise, it is ignored." The second condition makes the echo that of
// the segment that filled the hole at RCV.NXT, not of later ones held out
// of order, so that a delayed or out-of-order ACK overstates the RTT
// rather than understating it.
func (c *Conn) updateTSRecent(now time.Duration, s Segment) {
	if !c.tsOK || !c.inTS {
		return
	}
	if (!c.tsRecentValid(now) || int32(c.inTSval-c.tsRecent) >= 0) && s.Seq.LessEq(c.lastAckSent) {
		c.tsRecent, c.tsRecentAt, c.tsRecentOK = c.inTSval, now, true
	}
}

// finAcked reports whether our FIN has been acknowledged.
func (c *Conn) finAcked() bool {
	return c.finQueued && c.sndUna.GreaterThan(c.dataEnd())
}

// established enters ESTABLISHED after the handshake.
func (c *Conn) established(now time.Duration) {
	if c.synTimedOut && !c.hasRTT {
		// RFC 6298 (5.7): re-initialized, not merely raised — the SYN's
		// back-off (up to 8 s after three timeouts) ends with the
		// handshake. An InitialRTO of 3 s or more is not "less than 3
		// seconds": the RTO goes back to that initial value.
		c.rto = clampRTO(max(synFallbackRTO, c.cfg.InitialRTO), &c.cfg)
	}
	if c.synLost {
		// RFC 5681 §3.1: "if the SYN or SYN/ACK is lost, the initial window
		// used by a sender after a correctly transmitted SYN MUST be one
		// segment consisting of at most SMSS bytes."
		c.cwnd = min(c.cwnd, uint32(c.sndMSS))
	}
	c.retries = 0
	c.setState(now, trace.StateEstablished)
	c.notify(now, NoticeEstablished)
	if c.finQueued {
		// CloseWrite in SYN-RECEIVED: "queue for processing after entering
		// ESTABLISHED state".
		c.setState(now, trace.StateFinWait1)
	}
}

// processAck is the fifth step for the synchronized states. It returns false
// when the segment must be dropped.
func (c *Conn) processAck(now time.Duration, s Segment, wnd uint32) bool {
	ack := s.Ack
	if ack.GreaterThan(c.probeEnd) { // probeEnd >= sndMax, see advanceSndMax
		// "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then
		// send an ACK, drop the segment, and return."
		c.ackNow = true
		return false
	}
	if ack.LessThan(c.sndUna) {
		return true // an old duplicate ACK: ignore it, process the text
	}
	var sacked uint32 // octets this ACK newly SACKs
	dsacks := c.dsacks
	if c.sackOK && len(s.SACK) > 0 {
		sacked = c.updateScoreboard(ack, s.SACK)
	}
	newData := ack.GreaterThan(c.sndUna)
	// RFC 5681 §2 DUPLICATE ACKNOWLEDGMENT: (a) data outstanding, (b) no
	// data, (c) neither SYN nor FIN, (d) SEG.ACK = SND.UNA, (e) the same
	// window as the last one. A zero window is excluded, a deliberate
	// deviation from the letter of (e): identical zero-window ACKs answer
	// segments the receiver had no room for, not a loss, and fast
	// retransmit could send nothing into the closed window.
	dup := !newData && c.flightSize() > 0 && len(s.Payload) == 0 &&
		s.Flags&(trace.FlagSYN|trace.FlagFIN) == 0 &&
		wnd == c.sndWnd && wnd != 0
	// "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated.
	// If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK))".
	if c.sndWl1.LessThan(s.Seq) || (c.sndWl1 == s.Seq && c.sndWl2.LessEq(ack)) {
		c.sndWnd = wnd
		c.maxSndWnd = max(c.maxSndWnd, c.sndWnd)
		c.sndWl1 = s.Seq
		c.sndWl2 = ack
	}
	switch {
	case newData:
		c.limitedSent = 0
		c.onNewAck(now, ack)
	case dup && !c.sackOK:
		c.onDupAck(now)
	}
	// RFC 6675 counts an ACK as duplicate when it SACKs new data, whether
	// or not it also moves SND.UNA; in recovery the scoreboard is all it
	// changes.
	switch {
	case c.rackOn():
		c.rackOnAck(now, c.dsacks != dsacks)
	case sacked > 0 && !c.inRecovery:
		c.onSACKDupAck(now)
	}
	return true
}

// ackOfNewData advances SND.UNA to ack (SND.UNA < ack <= sndMax): RTT
// sample, send buffer, retransmission timer (restarted only if restart).
// It returns the data octets acknowledged.
func (c *Conn) ackOfNewData(now time.Duration, ack Seq, restart bool) int {
	if c.tsOK {
		// RFC 7323 §4.1: "A TSecr value received in a segment is used to
		// update the averaged RTT measurement only if the segment advances
		// the left edge of the send window, i.e., SND.UNA is increased."
		// The echo names the transmission that reached the peer, so
		// retransmitted segments are measured too (no Karn ambiguity).
		// §4.2: with a sample per ACK the RFC 6298 gains are divided by
		// the samples expected per RTT, ceil(FlightSize/(2·SMSS))
		// (Appendix G).
		if r := int32(c.tsClock(now) - c.inTSecr); c.inTS && r >= 0 {
			c.rttTiming = false
			smss2 := 2 * uint32(c.sndMSS)
			c.sampleRTTn(time.Duration(r)*time.Millisecond, int((c.flightSize()+smss2-1)/smss2))
		}
	} else if c.rttTiming && ack.GreaterThan(c.rttSeq) {
		c.rttTiming = false
		c.sampleRTT(now - c.rttStart)
	}
	acked := 0
	if d := int(ack.Sub(c.sndBufSeq)); d > 0 {
		acked = min(d, c.queued())
		c.snd.drop(acked)
		c.sndBufSeq = c.sndBufSeq.Add(acked)
	}
	c.sndUna = ack
	c.pruneScoreboard()
	c.tlpRestart = true // RFC 8985 §7.2: new data was ACKed
	if c.tlpOut && !ack.LessThan(c.tlpEnd) {
		c.tlpOut = false // the probe's episode is over
	}
	if c.sndNxt.LessThan(ack) {
		c.sndNxt = ack // the receiver had what we had not resent yet, or took a probe
		c.advanceSndMax(ack)
	}
	c.retries = 0
	// (5.2) "When all outstanding data has been acknowledged, turn off the
	// retransmission timer." (5.3) "When an ACK is received that
	// acknowledges new data, restart the retransmission timer".
	if c.sndNxt == c.sndUna {
		c.disarm(now, tmRetransmit)
	} else if restart {
		c.arm(now, tmRetransmit, c.rto)
	}
	if acked > 0 && c.canWrite() {
		c.notify(now, NoticeWritable)
	}
	return acked
}

// onNewAck handles an ACK of new data: congestion control (RFC 5681 §3.1,
// RFC 6582 §3.2).
func (c *Conn) onNewAck(now time.Duration, ack Seq) {
	// RFC 6582 §3.2 step 3 ("Impatient" variant): during recovery only the
	// first partial ACK restarts the retransmission timer.
	partial := c.inRecovery && !ack.GreaterThan(c.recover)
	acked := c.ackOfNewData(now, ack, !partial || !c.partialSeen)
	if !c.inRecovery && ack.GreaterThan(c.recover) {
		// recover only matters while it lies ahead of SND.UNA. Trailing
		// behind, it keeps its meaning ("the Cumulative Acknowledgment field
		// covers more than recover") and never falls 2^31 behind, where the
		// comparison would wrap and block fast retransmit for good.
		c.recover = ack.Add(-1)
	}
	smss := uint32(c.sndMSS)
	if c.inRecovery {
		if ack.GreaterThan(c.recover) {
			// Full acknowledgment: "Set cwnd to ... (2) ssthresh" — the
			// deflation of RFC 5681 §3.2 step 6 / RFC 6582 §3.2 step 3.
			c.cwnd = c.ssthresh
			c.inRecovery = false
			c.dupAcks = 0
			c.rackRecoveryOver()
			return
		}
		if c.sackOK {
			// RFC 6675 (B): a partial ACK only updates the scoreboard;
			// output sends as cwnd − pipe allows.
			return
		}
		// Partial acknowledgment (RFC 6582 §3.2 step 3): retransmit the first
		// unacknowledged segment, "deflate the congestion window by the
		// amount of new data acknowledged by the Cumulative Acknowledgment
		// field. If the partial ACK acknowledges at least one SMSS of new
		// data, then add back SMSS bytes", and reset the timer only for the
		// first partial ACK.
		c.retransmitFirst(now)
		c.cwnd -= min(c.cwnd, uint32(acked))
		if uint32(acked) >= smss {
			c.cwnd += smss
		}
		c.cwnd = max(c.cwnd, smss)
		c.partialSeen = true
		return
	}
	c.dupAcks = 0
	if acked == 0 {
		return // only our SYN or FIN was acknowledged
	}
	if c.cwnd < c.ssthresh {
		// Slow start, RFC 5681 (2): cwnd += min (N, SMSS).
		c.cwnd += min(uint32(acked), smss)
	} else {
		c.congestionAvoidance(now, acked)
	}
}

// onDupAck counts a duplicate ACK; the third starts fast retransmit and fast
// recovery (RFC 5681 §3.2 steps 2–4, RFC 6582 §3.2 steps 1–2).
func (c *Conn) onDupAck(now time.Duration) {
	c.dupAcks++
	smss := uint32(c.sndMSS)
	if c.inRecovery {
		// Step 4: "For each additional duplicate ACK received (after the
		// third), cwnd MUST be incremented by SMSS." output() then sends new
		// data if the inflated window allows.
		c.cwnd += smss
		return
	}
	if c.dupAcks < 3 {
		c.limitedTransmit(now)
		return
	}
	if c.dupAcks > 3 {
		return
	}
	// RFC 6582 step 2: enter fast retransmit only if "the Cumulative
	// Acknowledgment field covers more than recover".
	if !c.sndUna.GreaterThan(c.recover) {
		return
	}
	// Step 2: ssthresh = max (FlightSize / 2, 2*SMSS)  (RFC 5681 (4)).
	// "When [RFC3042] is in use, additional data sent in limited transmit
	// MUST NOT be included in this calculation."
	c.ssthresh = c.lossSsthresh(c.flightSize()-min(c.limitedSent, c.flightSize()), false)
	c.limitedSent = 0
	c.recover = c.sndMax.Add(-1)
	c.inRecovery = true
	c.partialSeen = false
	// Step 3: retransmit the lost segment and set cwnd = ssthresh + 3*SMSS.
	c.retransmitFirst(now)
	c.cwnd = c.ssthresh + 3*smss
}

// limitedTransmit is RFC 3042, as RFC 5681 §3.2 step 1 puts it: "On the
// first and second duplicate ACKs received at a sender, a TCP SHOULD send a
// segment of previously unsent data per [RFC3042] provided that the
// receiver's advertised window allows, the total FlightSize would remain
// less than or equal to cwnd plus 2*SMSS, and that new data is available
// for transmission. Further, the TCP sender MUST NOT change cwnd to reflect
// these two segments."
func (c *Conn) limitedTransmit(now time.Duration) {
	if !c.canOutput() || c.sndNxt != c.sndMax { // only new data, never during go-back-N
		return
	}
	unsent := int(c.dataEnd().Sub(c.sndNxt))
	n := min(unsent, c.sndMSS)
	right := c.sndUna.Add(int(c.sndWnd))
	if n <= 0 || c.sndNxt.Add(n).GreaterThan(right) || c.flightSize()+uint32(n) > c.cwnd+2*uint32(c.sndMSS) {
		return
	}
	fin := c.finQueued && n == unsent && c.dataEnd().LessThan(right)
	c.sendSegment(now, c.sndNxt, n, fin, false)
	c.limitedSent += uint32(n)
}

// processText is the seventh and eighth steps in ESTABLISHED, FIN-WAIT-1
// and FIN-WAIT-2: accept the octets of [seq, seq+len(payload)) that fall in
// the receive window (earlier ones are duplicates, later ones are beyond the
// window), hold out-of-order ones, then the FIN.
func (c *Conn) processText(now time.Duration, seq Seq, payload []byte, fin bool) {
	if len(payload) == 0 && !fin {
		return
	}
	if c.readClosed && len(payload) > 0 {
		// RFC 1122 §4.2.2.13: data arriving after CLOSE is answered by RST.
		c.transmit(now, Segment{Seq: c.sndMax, Flags: trace.FlagRST})
		c.setState(now, trace.StateClosed)
		return
	}
	finSeq := seq.Add(len(payload))
	// Trim to [RCV.NXT, right edge).
	if d := int(c.rcvNxt.Sub(seq)); d > 0 {
		c.noteDuplicate(seq, seq.Add(min(d, len(payload))))
		if d >= len(payload) {
			payload = nil
		} else {
			payload = payload[d:]
		}
		seq = c.rcvNxt
	}
	room := int(c.rcvWnd()) - int(seq.Sub(c.rcvNxt))
	if room < len(payload) {
		payload = payload[:max(room, 0)]
	}
	if fin && !finSeq.InWindow(c.rcvNxt, c.rcvWnd()) {
		fin = false // beyond the window: trimmed like data
	}
	if (len(payload) == 0 && !(c.cfg.QuickAck && fin && seq == c.rcvNxt)) || seq != c.rcvNxt {
		// Duplicate or out of order: ACK at once (RFC 5681 §4.2). Linux
		// treats a FIN next in sequence like data (see processFin).
		c.ackNow = true
	}
	if len(payload) > 0 {
		off := int(seq.Sub(c.rcvNxt))
		c.storeRcv(c.rcvLen+off, payload)
		if off == 0 {
			next := seq.Add(len(payload))
			if len(c.ooo) > 0 {
				// Merge the held segments this one reaches; filling a gap is
				// ACKed at once (RFC 5681 §4.2).
				c.ackNow = true
				i := 0
				for i < len(c.ooo) && c.ooo[i].start.LessEq(next) {
					next = maxSeq(next, c.ooo[i].end)
					i++
				}
				c.ooo = append(c.ooo[:0], c.ooo[i:]...)
			}
			adv := int(next.Sub(c.rcvNxt))
			if c.cfg.QuickAck {
				c.linuxDataReceived(now, len(payload))
			}
			c.rcvNxt = next
			c.rcvLen += adv
			c.ackPending += adv
			c.notify(now, NoticeReadable)
		} else {
			if sp, ok := c.oooSpan(seq); ok && seq.Add(len(payload)).LessEq(sp.end) {
				c.noteDuplicate(seq, seq.Add(len(payload)))
			}
			c.insertOOO(seq, seq.Add(len(payload)))
			if c.sackOK {
				c.noteOOO(seq)
			}
		}
	}
	if fin {
		if finSeq == c.rcvNxt {
			c.processFin(now)
		} else {
			c.oooFin, c.oooFinSeq = true, finSeq
			c.ackNow = true
		}
	} else if c.oooFin && c.oooFinSeq == c.rcvNxt {
		c.processFin(now)
	}
	if !c.ackNow && c.ackPending > 0 {
		c.decideAck(now)
	}
}

// decideAck sends the ACK now or arms the delayed-ACK timer (if it is not
// running already, the first unacknowledged octet sets the deadline).
func (c *Conn) decideAck(now time.Duration) {
	if c.ackAtOnce() {
		c.ackNow = true
	} else if !c.timers[tmDelayedAck].armed {
		c.arm(now, tmDelayedAck, c.cfg.DelayedAck)
	}
}

// ackAtOnce decides whether in-order data just received is ACKed now
// rather than after the delayed-ACK timeout.
func (c *Conn) ackAtOnce() bool {
	switch {
	case c.cfg.DelayedAck == 0:
		return true
	case c.cfg.QuickAck:
		// Linux: more than one full segment unacknowledged (and the
		// window kept), or quick-ACK mode outside ping-pong mode.
		if c.ackPending > c.rcvMSS && c.windowKept() {
			return true
		}
		return c.quickAcks > 0 && !c.pingpong
	default:
		// RFC 9293 §3.8.6.3: "an ACK SHOULD be generated for at least
		// every second full-sized segment", otherwise delayed by under 0.5 s.
		return c.ackPending >= 2*c.sndMSS
	}
}

// windowKept is Linux's __tcp_select_window(sk) >= rcv_wnd for
// Config.ShrinkDelaysAck: with at least half the receive buffer free the
// window Linux offers (capped by its slowly growing rcv_ssthresh) keeps
// up with the last one; with less, __tcp_select_window ends quick-ACK
// mode and the window offered now must be no smaller than the last.
func (c *Conn) windowKept() bool {
	if !c.cfg.ShrinkDelaysAck || c.cfg.RcvBuf-c.rcvLen >= c.cfg.RcvBuf/2 {
		return true
	}
	c.quickAcks = 0
	return c.advertise() >= c.lastAdvWnd
}

// storeRcv keeps p at offset off from the first unread octet.
func (c *Conn) storeRcv(off int, p []byte) { c.rq.store(off, p) }

// insertOOO records [a, b) as held out of order, merging overlapping and
// adjacent ranges so the list stays sorted and disjoint.
func (c *Conn) insertOOO(a, b Seq) { c.ooo = insertSpan(c.ooo, a, b) }

// insertSpan adds [a, b) to a sorted list of disjoint spans, merging
// overlapping and adjacent ones, and returns the list.
func insertSpan(list []span, a, b Seq) []span {
	i := 0
	for i < len(list) && list[i].end.LessThan(a) {
		i++
	}
	j := i
	for j < len(list) && list[j].start.LessEq(b) {
		if list[j].start.LessThan(a) {
			a = list[j].start
		}
		b = maxSeq(b, list[j].end)
		j++
	}
	if i == j {
		list = append(list, span{})
		copy(list[i+1:], list[i:])
		list[i] = span{a, b}
		return list
	}
	list[i] = span{a, b}
	return append(list[:i+1], list[j:]...)
}

// processFin is the eighth step: the peer's FIN is next in sequence.
func (c *Conn) processFin(now time.Duration) {
	c.oooFin = false
	c.rcvNxt = c.rcvNxt.Add(1)
	c.finRcvd = true
	c.notify(now, NoticeEOF)
	if c.cfg.QuickAck && (c.state == trace.StateSynReceived || c.state == trace.StateEstablished) {
		// Linux's tcp_fin: the peer is done talking; our ACK waits for
		// our answer or FIN, up to the delayed-ACK timeout.
		c.pingpong = true
		c.ackPending++
	} else {
		c.ackNow = true
	}
	switch c.state {
	case trace.StateSynReceived, trace.StateEstablished:
		c.setState(now, trace.StateCloseWait)
	case trace.StateFinWait1:
		if c.finAcked() {
			c.setState(now, trace.StateTimeWait)
		} else {
			c.setState(now, trace.StateClosing)
		}
	case trace.StateFinWait2:
		c.setState(now, trace.StateTimeWait)
	}
}

// linuxDataReceived is Linux's receive-side ACK bookkeeping for n in-order
// octets (tcp_measure_rcv_mss and tcp_event_data_recv, Config.QuickAck):
// the first data, or data after a gap longer than the RTO, starts quick-ACK
// mode.
func (c *Conn) linuxDataReceived(now time.Duration, n int) {
	if n >= c.rcvMSS {
		c.rcvMSS = min(n, c.cfg.MSS)
	}
	if !c.dataRcvd || now-c.lastDataRcvd > c.rto {
		c.enterQuickAck()
	}
	c.dataRcvd, c.lastDataRcvd = true, now
}

// enterQuickAck is Linux's tcp_incr_quickack: quick-ACK mode for the next
// rcv_wnd/(2·rcv_mss) ACKs (2 when that is 0, at most 16), unless more
// are left already.
func (c *Conn) enterQuickAck() {
	quick := int(c.rcvWnd()) / (2 * c.rcvMSS)
	if quick == 0 {
		quick = 2
	}
	c.quickAcks = max(c.quickAcks, min(quick, maxQuickAcks))
}

// maxQuickAcks is Linux's TCP_MAX_QUICKACKS.
const maxQuickAcks = 16

// oowLimited reports whether the ACK answering unacceptable segment s is
// skipped by Config.OOWRateLimit: only a segment without data or SYN is
// limited (data is no ACK loop), and the first one is always answered.
func (c *Conn) oowLimited(now time.Duration, s Segment) bool {
	if c.cfg.OOWRateLimit <= 0 || len(s.Payload) > 0 || s.Flags&trace.FlagSYN != 0 {
		return false
	}
	if c.oowAcked && now-c.lastOOWAck < c.cfg.OOWRateLimit {
		return true
	}
	c.lastOOWAck, c.oowAcked = now, true
	return false
}
