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
