package tcp

import "time"

// The congestion controller's two decisions, kept apart from the loss
// recovery mechanics around them (fast retransmit and NewReno recovery in
// input.go, the retransmission timeout in timer.go) so that every recovery
// algorithm asks the same questions.

// lossSsthresh returns the slow-start threshold after a congestion event
// with flight octets outstanding: the start of loss recovery, or (timeout)
// the first retransmission timeout of a segment. The caller sets ssthresh
// to it and decides cwnd. Reno: RFC 5681 equation (4) for both events,
// ssthresh = max (FlightSize / 2, 2*SMSS); CUBIC: cubicLoss.
func (c *Conn) lossSsthresh(flight uint32, timeout bool) uint32 {
	if c.cfg.Congestion == CongestionCUBIC {
		return c.cubicLoss(flight, timeout)
	}
	return max(flight/2, 2*uint32(c.sndMSS))
}

// congestionAvoidance grows cwnd for an ACK of acked new octets while
// cwnd ≥ ssthresh and no recovery is under way. Reno: RFC 5681 equation
// (3), cwnd += SMSS*SMSS/cwnd, and at least one byte, whatever now and
// acked are; CUBIC: cubicAvoidance.
func (c *Conn) congestionAvoidance(now time.Duration, acked int) {
	if c.cfg.Congestion == CongestionCUBIC {
		c.cubicAvoidance(now, acked)
		return
	}
	smss := uint32(c.sndMSS)
	c.cwnd += max(1, smss*smss/c.cwnd)
}
