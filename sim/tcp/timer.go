package tcp

import (
	"time"

	"socketlab/sim/trace"
)

// RFC 6298 §2 constants.
const (
	// "The above SHOULD be computed using alpha=1/8 and beta=1/4 (as
	// suggested in [JK88])." SRTT and RTTVAR are updated as
	// SRTT <- 7/8·SRTT + 1/8·R' and RTTVAR <- 3/4·RTTVAR + 1/4·|SRTT - R'|.
	rttAlphaDen = 8
	rttBetaDen  = 4
	// "RTO <- SRTT + max (G, K*RTTVAR) where K = 4."
	rttK = 4
	// G is the clock granularity. The virtual clock ticks in nanoseconds.
	clockGranularity = time.Nanosecond
	// RFC 6298 §5.7: "If the timer expires awaiting the ACK of a SYN
	// segment and the TCP implementation is using an RTO less than 3
	// seconds, the RTO MUST be re-initialized to 3 seconds when data
	// transmission begins (i.e., after the three-way handshake completes)."
	synFallbackRTO = 3 * time.Second
)

func clampRTO(d time.Duration, cfg *Config) time.Duration {
	// (2.4) "Whenever RTO is computed, if it is less than 1 second, then
	// the RTO SHOULD be rounded up to 1 second" — MinRTO is that second
	// (or Linux's 200 ms). (2.5) "A maximum value MAY be placed on RTO
	// provided it is at least 60 seconds."
	return min(max(d, cfg.MinRTO), cfg.MaxRTO)
}

// sampleRTTn is sampleRTT for one of n samples expected per RTT (RFC 7323
// Appendix G): alpha' = alpha/n, beta' = beta/n, so that a window's worth
// of per-ACK samples moves SRTT and RTTVAR as much as RFC 6298's one
// sample per RTT would.
func (c *Conn) sampleRTTn(r time.Duration, n int) {
	if n <= 1 || !c.hasRTT {
		c.sampleRTT(r)
		return
	}
	r = max(r, 0)
	d := c.srtt - r
	if d < 0 {
		d = -d
	}
	k := time.Duration(n)
	c.rttvar += (d - c.rttvar) / (rttBetaDen * k)
	c.srtt += (r - c.srtt) / (rttAlphaDen * k)
	c.rto = c.computeRTO()
}

// computeRTO is RFC 6298 (2.2)/(2.3) "RTO <- SRTT + max (G, K*RTTVAR)"
// rounded up to MinRTO, or with Config.LinuxRTO Linux's
// SRTT + max(K*RTTVAR, MinRTO); both at most MaxRTO.
func (c *Conn) computeRTO() time.Duration {
	if c.cfg.LinuxRTO {
		return min(c.srtt+max(rttK*c.rttvar, c.cfg.MinRTO), c.cfg.MaxRTO)
	}
	return clampRTO(c.srtt+max(clockGranularity, rttK*c.rttvar), &c.cfg)
}

// sampleRTT folds one round-trip measurement into SRTT, RTTVAR and RTO.
func (c *Conn) sampleRTT(r time.Duration) {
	if r < 0 {
		r = 0
	}
	if !c.hasRTT {
		// (2.2) "When the first RTT measurement R is made, the host MUST set
		// SRTT <- R, RTTVAR <- R/2, RTO <- SRTT + max (G, K*RTTVAR)"
		c.srtt = r
		c.rttvar = r / 2
		c.hasRTT = true
	} else {
		// (2.3) RTTVAR is updated first, with the old SRTT.
		d := c.srtt - r
		if d < 0 {
			d = -d
		}
		c.rttvar = ((rttBetaDen-1)*c.rttvar + d) / rttBetaDen
		c.srtt = ((rttAlphaDen-1)*c.srtt + r) / rttAlphaDen
	}
	c.rto = c.computeRTO()
}

// arm (re)starts timer i to fire after d.
func (c *Conn) arm(now time.Duration, i int, d time.Duration) {
	if d <= 0 {
		d = time.Nanosecond // a timer always lies in the future
	}
	t := &c.timers[i]
	t.armed = true
	t.deadline = now + d
	c.emitTimer(now, trace.KindTimerSet, i)
}

// disarm stops timer i if it is armed.
func (c *Conn) disarm(now time.Duration, i int) {
	if !c.timers[i].armed {
		return
	}
	c.timers[i].armed = false
	c.emitTimer(now, trace.KindTimerCancel, i)
}

func (c *Conn) emitTimer(now time.Duration, k trace.Kind, i int) {
	if c.cfg.Trace == nil {
		return
	}
	e := c.event(now, k)
	e.Timer, e.Deadline = timerKinds[i], c.timers[i].deadline
	c.cfg.Trace.Emit(e)
}

// NextTimeout returns the earliest armed timer's deadline; false when no
// timer is armed (Poll has nothing to do).
func (c *Conn) NextTimeout() (time.Duration, bool) {
	var at time.Duration
	ok := false
	for i := range c.timers {
		if t := c.timers[i]; t.armed && (!ok || t.deadline < at) {
			at, ok = t.deadline, true
		}
	}
	return at, ok
}

// Poll fires every timer whose deadline is at or before now, earliest
// first (equal deadlines in the fixed order retransmit, persist,
// TIME-WAIT, delayed ACK).
func (c *Conn) Poll(now time.Duration) {
	for c.state != trace.StateClosed {
		next := -1
		for i := range c.timers {
			t := c.timers[i]
			if t.armed && t.deadline <= now && (next < 0 || t.deadline < c.timers[next].deadline) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		c.timers[next].armed = false
		c.emitTimer(now, trace.KindTimerFire, next)
		switch next {
		case tmTLP:
			c.onTLP(now)
		case tmRetransmit:
			c.onRetransmitTimeout(now)
		case tmPersist:
			c.onPersist(now)
		case tmTimeWait:
			c.setState(now, trace.StateClosed)
		case tmDelayedAck:
			c.ackNow = true
			c.pingpong = false // Linux: the ACK found nothing to ride on
		case tmReorder:
			c.rackDetect(now)
		}
		if c.state != trace.StateClosed && c.ackNow {
			c.sendAck(now)
		}
	}
	c.finish(now)
}

// onRetransmitTimeout is RFC 6298 §5.4–5.6 plus the RFC 5681 §3.1 response
// to a timeout.
func (c *Conn) onRetransmitTimeout(now time.Duration) {
	c.retries++
	limit := c.cfg.MaxRetries
	if c.sndUna == c.iss { // our SYN or SYN,ACK is not acknowledged yet
		limit = c.cfg.MaxSynRetries
	}
	if c.retries > limit {
		c.notify(now, NoticeTimeout)
		c.setState(now, trace.StateClosed)
		return
	}
	// (5.5) "The host MUST set RTO <- RTO * 2 ("back off the timer")",
	// except for the first SynLinearTimeouts timeouts of an active open.
	if c.state != trace.StateSynSent || c.retries > c.cfg.SynLinearTimeouts {
		c.rto = min(2*c.rto, c.cfg.MaxRTO)
	}
	// Karn: no RTT sample from anything that is retransmitted.
	c.rttTiming = false
	switch c.state {
	case trace.StateSynSent, trace.StateSynReceived:
		if c.sndUna == c.iss { // our SYN is not acknowledged yet
			c.synTimedOut, c.synLost = true, true
			c.sendSyn(now)
			return
		}
	}
	if c.sndNxt == c.sndUna && c.sndMax == c.sndUna {
		return // nothing outstanding (cannot happen: the timer stops at the last ACK)
	}
	// RFC 5681 (4): ssthresh = max (FlightSize / 2, 2*SMSS) — computed only on
	// the first timeout of a segment: "the value of ssthresh is held
	// constant" when it times out again. "Upon a timeout cwnd MUST be set to
	// no more than the loss window, LW, which equals 1 full-sized segment".
	if c.retries == 1 {
		c.ssthresh = c.lossSsthresh(c.flightSize(), true)
	} else {
		// RFC 6675 §5.1 lets the scoreboard outlive a timeout, and
		// go-back-N skips what it holds. A second timeout of the same
		// segment may mean the receiver discarded what it SACKed (RFC 2018
		// §8, reneging): forget it and resend everything.
		c.scoreboard = c.scoreboard[:0]
	}
	c.cwnd = uint32(c.sndMSS)
	c.dupAcks = 0
	c.limitedSent = 0
	c.inRecovery = false
	// RFC 6582 §3.2 step 4: after a timeout, recover <- highest sequence
	// number transmitted, so stale duplicate ACKs do not trigger a fast
	// retransmit.
	c.recover = c.sndMax.Add(-1)
	// (5.4) retransmit the earliest unacknowledged segment: go back to
	// SND.UNA; output sends one segment (cwnd = 1 SMSS) and (5.6) restarts
	// the timer with the doubled RTO.
	c.sndNxt = c.sndUna
	c.output(now)
}

// onPersist sends a zero-window probe (RFC 9293 §3.8.6.1: "the
// transmitting host SHOULD send at least one octet of new data (if
// available), even if the send window is zero"; or Linux's empty one, see
// Config.EmptyWindowProbes) and backs the persist timer
// off like the retransmission timer, up to MaxRTO. Probes never give up.
// When the window is open but too small for sender SWS avoidance, the timer
// is the override timeout of §3.8.6.2.1 rule (4): as much as the window
// allows goes out as ordinary data.
func (c *Conn) onPersist(now time.Duration) {
	if !c.sendPending() || c.flightSize() != 0 {
		c.persistInterval = 0
		return
	}
	if c.sndWnd != 0 {
		c.persistInterval = 0
		c.send(now, true)
		return
	}
	if c.cfg.EmptyWindowProbes {
		// Linux's tcp_xmit_probe_skb: an ACK the receiver must answer.
		c.transmit(now, Segment{Seq: c.sndUna.Add(-1), Ack: c.rcvNxt, Flags: trace.FlagACK, Window: c.windowField()})
		c.ackSent(now)
	} else if c.dataEnd().GreaterThan(c.sndNxt) {
		c.sendSegment(now, c.sndNxt, 1, false, true)
	} else {
		c.sendSegment(now, c.sndNxt, 0, true, true)
	}
	c.persistInterval = min(2*c.persistInterval, c.cfg.MaxRTO)
	c.arm(now, tmPersist, c.persistInterval)
}

// updatePersist arms the persist timer when data (or the FIN) waits and
// nothing is in flight to bring an ACK back — after output, that means the
// window is closed or too small to send (sender SWS avoidance) — and
// cancels it otherwise.
func (c *Conn) updatePersist(now time.Duration) {
	need := c.sendPending() && c.flightSize() == 0 && !c.timers[tmRetransmit].armed
	switch {
	case need && !c.timers[tmPersist].armed:
		c.persistInterval = c.rto
		c.arm(now, tmPersist, c.persistInterval)
	case !need && c.timers[tmPersist].armed:
		c.disarm(now, tmPersist)
		c.persistInterval = 0
	}
}
