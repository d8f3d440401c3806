package tcp

import "time"

// RACK-TLP, RFC 8985, for connections with Config.RACK and SACK in effect.

// wcDelAckT is RFC 8985's WCDelAckT, the worst-case delayed-ACK timer
// the PTO allows for when a single segment is in flight (§7.2).
const wcDelAckT = 200 * time.Millisecond

// linuxTimeoutMin is what Linux adds to 2·SRTT when more than one segment
// is in flight (TCP_TIMEOUT_MIN, two jiffies; 8 ms on the measured kernel,
// HZ = 250), with Config.LinuxRTO: on a microsecond loopback RTT it lets
// the ACKs arrive before the probe.
const linuxTimeoutMin = 8 * time.Millisecond

// rackSeg is one transmitted segment in RACK's per-segment state (RFC 8985
// §6.1): its sequence range, when it was last sent, and what became of it.
type rackSeg struct {
	start, end Seq
	sent       time.Duration // Segment.xmit_ts
	retrans    bool          // sent more than once
	lost       bool          // marked lost and not sent again since
	delivered  bool          // SACKed or cumulatively ACKed
}

// rackState is RFC 8985's RACK state: the segments from SND.UNA on, in
// sequence order; the most recently sent delivered segment (RACK.xmit_ts,
// RACK.end_seq) and its RTT (RACK.rtt); RACK.min_RTT (the smallest RTT
// sample, over the connection's life); RACK.fack; and the reordering
// window's state (RACK.reordering_seen, reo_wnd_mult, reo_wnd_persist,
// dsack_round).
type rackState struct {
	segs           []rackSeg
	xmit           time.Duration
	endSeq         Seq
	rtt, minRTT    time.Duration
	fack           Seq
	reorderingSeen bool
	reoWndMult     int
	reoWndPersist  int
	dsackRound     Seq
	dsackRoundOn   bool
}

// rackOn reports whether RACK-TLP is in effect.
func (c *Conn) rackOn() bool { return c.cfg.RACK && c.sackOK }

// tlpDue reports whether a tail loss probe may be scheduled now (RFC 8985
// §7.2): data in flight and nothing known about losses — no recovery, no
// retransmission timeout since the last ACK of new data, nothing SACKed —
// and no probe outstanding.
func (c *Conn) tlpDue() bool {
	return c.rackOn() && c.canOutput() && c.flightSize() > 0 && !c.inRecovery &&
		c.retries == 0 && len(c.scoreboard) == 0 && !c.tlpOut && c.timers[tmRetransmit].armed
}

// updateTLP (re)starts the PTO after new data left or new data was ACKed,
// and stops it when a probe is not due. RFC 8985 §7.2: "PTO = 2*SRTT; if
// FlightSize is equal to one segment: PTO += WCDelAckT" (1 s before the
// first RTT sample; with Config.LinuxRTO, Linux's two jiffies more for a
// larger flight), and never later than the RTO would fire.
func (c *Conn) updateTLP(now time.Duration) {
	restart := c.tlpRestart
	c.tlpRestart = false
	if !c.tlpDue() {
		c.disarm(now, tmTLP)
		return
	}
	if !restart && c.timers[tmTLP].armed {
		return
	}
	pto := time.Second
	if c.hasRTT {
		pto = 2 * c.srtt
		if c.flightSize() <= uint32(c.sndMSS) {
			pto += wcDelAckT
		} else if c.cfg.LinuxRTO {
			pto += linuxTimeoutMin
		}
	}
	c.arm(now, tmTLP, min(pto, c.timers[tmRetransmit].deadline-now))
}

// onTLP sends the tail loss probe (RFC 8985 §7.3): a segment of new data
// if there is some and the peer's window allows it, else the last segment
// sent again; cwnd is not consulted and not changed. Then the RTO starts
// again from now, so that if the probe is lost too, the RTO repairs the
// tail.
func (c *Conn) onTLP(now time.Duration) {
	if !c.tlpDue() {
		return
	}
	if !c.sendNew(now) {
		end := c.sndMax
		start := maxSeq(c.sndUna, minSeq(end, c.dataEnd()).Add(-c.sndMSS))
		c.sendRange(now, start, int(end.Sub(start)))
	}
	c.tlpOut, c.tlpEnd = true, c.sndMax
	c.arm(now, tmRetransmit, c.rto)
}

// rackSent records a transmission of [seq, end): new data is appended, a
// retransmission renews the segments it covers (RFC 8985 §6.1: xmit_ts is
// the latest transmission).
func (c *Conn) rackSent(now time.Duration, seq, end Seq) {
	r := &c.rack
	if n := len(r.segs); n == 0 || !seq.LessThan(r.segs[n-1].end) {
		r.segs = append(r.segs, rackSeg{start: seq, end: end, sent: now})
		return
	}
	for i := range r.segs {
		s := &r.segs[i]
		if s.start.LessThan(end) && seq.LessThan(s.end) {
			s.sent, s.retrans, s.lost = now, true, false
		}
	}
}

// sentAfter is RACK_sent_after(t1, seq1, t2, seq2): sent later, or at the
// same time with a higher sequence number.
func sentAfter(t1 time.Duration, seq1 Seq, t2 time.Duration, seq2 Seq) bool {
	return t1 > t2 || t1 == t2 && seq1.GreaterThan(seq2)
}

// rackOnAck is RFC 8985 §6.2 for an arriving ACK: steps 1–3 for every
// segment it newly delivers (cumulatively or by SACK), then step 4 and 5
// (the reordering window, loss marking) in rackDetect. dsack: the ACK
// carried a D-SACK.
func (c *Conn) rackOnAck(now time.Duration, dsack bool) {
	r := &c.rack
	for i := range r.segs {
		s := &r.segs[i]
		if s.delivered || !(s.end.LessEq(c.sndUna) || c.sackedRange(s.start, s.end)) {
			continue
		}
		s.delivered = true
		c.rackDelivered(now, s)
	}
	k := 0
	for k < len(r.segs) && r.segs[k].end.LessEq(c.sndUna) {
		k++
	}
	r.segs = append(r.segs[:0], r.segs[k:]...)
	// Step 4: a D-SACK widens the reordering window for 16 recoveries.
	if r.dsackRoundOn && !c.sndUna.LessThan(r.dsackRound) {
		r.dsackRoundOn = false
	}
	if dsack && !r.dsackRoundOn {
		r.dsackRoundOn, r.dsackRound = true, c.sndNxt
		r.reoWndMult++
		r.reoWndPersist = 16
	}
	c.rackDetect(now)
}

// rackDelivered is RFC 8985 §6.2 steps 3 and 2 for one delivered segment:
// "RACK_detect_reordering()" (delivered below RACK.fack, and never sent
// twice), and "RACK_update()" — an RTT sample and the most recently sent
// delivered segment, unless the ACK may answer an earlier transmission of
// a retransmitted segment.
func (c *Conn) rackDelivered(now time.Duration, s *rackSeg) {
	r := &c.rack
	if s.end.GreaterThan(r.fack) {
		r.fack = s.end
	} else if s.end.LessThan(r.fack) && !s.retrans {
		r.reorderingSeen = true
	}
	rtt := now - s.sent
	if s.retrans {
		if c.tsOK && c.inTS && int32(c.inTSecr-c.tsClock(s.sent)) < 0 {
			return // the echo is older than the retransmission
		}
		if rtt < r.minRTT {
			return // too fast to answer the retransmission
		}
	}
	r.rtt = rtt
	if r.minRTT == 0 || rtt < r.minRTT {
		r.minRTT = rtt
	}
	if sentAfter(s.sent, s.end, r.xmit, r.endSeq) {
		r.xmit, r.endSeq = s.sent, s.end
	}
}

// sackedRange reports whether the scoreboard holds all of [a, b).
func (c *Conn) sackedRange(a, b Seq) bool {
	for _, sp := range c.scoreboard {
		if !a.LessThan(sp.start) && !sp.end.LessThan(b) {
			return true
		}
	}
	return false
}

// reoWnd is RFC 8985's RACK_update_reo_wnd() result: no reordering window
// before any reordering was seen once recovery is under way or DupThresh
// segments are SACKed; otherwise reo_wnd_mult · min_RTT/4, at most SRTT.
func (c *Conn) reoWnd() time.Duration {
	r := &c.rack
	if !r.reorderingSeen {
		sacked := 0
		for _, s := range r.segs {
			if s.delivered {
				sacked++
			}
		}
		if c.inRecovery || c.retries > 0 || sacked >= dupThresh {
			return 0
		}
	}
	return min(time.Duration(r.reoWndMult)*r.minRTT/4, c.srtt)
}

// rackDetect is RFC 8985 §6.2 step 5, RACK_detect_loss(): a segment sent
// before the most recently sent delivered one is lost once RACK.rtt +
// reo_wnd have passed since it was sent; for the others the reordering
// timer waits for the soonest such moment. A loss starts recovery (after
// a timeout, only once RecoveryPoint is ACKed, RFC 6675 §5.1).
func (c *Conn) rackDetect(now time.Duration) {
	r := &c.rack
	reo := c.reoWnd()
	var timeout time.Duration
	lost := false
	for i := range r.segs {
		s := &r.segs[i]
		if s.delivered || s.lost || !sentAfter(r.xmit, r.endSeq, s.sent, s.end) {
			continue
		}
		if remaining := s.sent + r.rtt + reo - now; remaining <= 0 {
			s.lost, lost = true, true
		} else {
			timeout = max(timeout, remaining)
		}
	}
	if timeout > 0 {
		c.arm(now, tmReorder, timeout)
	} else {
		c.disarm(now, tmReorder)
	}
	if lost && !c.inRecovery && c.sndUna.GreaterThan(c.recover) && c.canOutput() {
		c.enterRecovery(now)
	}
}

// rackRetransmitLost sends the first segment marked lost; false if none.
func (c *Conn) rackRetransmitLost(now time.Duration) bool {
	for _, s := range c.rack.segs {
		if s.lost && !s.delivered {
			c.sendRange(now, s.start, int(s.end.Sub(s.start)))
			return true
		}
	}
	return false
}

// rackPipe is what RACK counts in flight (as Linux does): the segments
// neither delivered nor marked lost (a lost one counts again once sent
// again).
func (c *Conn) rackPipe() uint32 {
	var n uint32
	for _, s := range c.rack.segs {
		if !s.delivered && !s.lost {
			n += uint32(s.end.Sub(s.start))
		}
	}
	return n
}

// rackRecoveryOver ends a recovery for the reordering window (RFC 8985
// §6.2 step 4): after 16 recoveries without a D-SACK its multiplier
// returns to 1.
func (c *Conn) rackRecoveryOver() {
	r := &c.rack
	if r.reoWndPersist--; r.reoWndPersist <= 0 {
		r.reoWndMult = 1
	}
}
