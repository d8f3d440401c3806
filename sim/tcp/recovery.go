package tcp

import "time"

// SACK-based loss recovery, RFC 6675, for connections that negotiated SACK
// (the others keep RFC 5681/6582 NewReno, input.go). Sequence ranges are
// half-open here: where the RFC names the highest octet of a range
// (HighACK, HighData, HighRxt, RescueRxt), the model keeps the first
// octet after it (SND.UNA, SND.MAX, highRxt, rescueEnd).

// dupThresh is RFC 6675's DupThresh: "The number of duplicate
// acknowledgments required to trigger a retransmission ... 3".
const dupThresh = 3

// lostEnd returns the sequence number below which every octet that is not
// SACKed is lost by RFC 6675's IsLost(): "The routine returns true when
// either DupThresh discontiguous SACKed sequences have arrived above
// 'SeqNum' or more than (DupThresh - 1) * SMSS bytes with sequence numbers
// greater than 'SeqNum' have been SACKed." Both counts only grow toward
// SND.UNA, so the lost octets are those below the start of the highest
// SACKed span that, with the spans above it, meets either rule. SND.UNA
// when nothing is lost.
func (c *Conn) lostEnd() Seq {
	var bytes uint32
	for k := len(c.scoreboard) - 1; k >= 0; k-- {
		sp := c.scoreboard[k]
		bytes += uint32(sp.end.Sub(sp.start))
		if len(c.scoreboard)-k >= dupThresh || bytes > (dupThresh-1)*uint32(c.sndMSS) {
			return sp.start
		}
	}
	return c.sndUna
}

// isLost is IsLost(seq) for an octet that is not SACKed.
func (c *Conn) isLost(seq Seq) bool { return seq.LessThan(c.lostEnd()) }

// holes calls f for each range of [SND.UNA, SND.MAX) that is not SACKed,
// in order, until f returns false.
func (c *Conn) holes(f func(a, b Seq) bool) {
	at := c.sndUna
	for _, sp := range c.scoreboard {
		if at.LessThan(sp.start) && !f(at, sp.start) {
			return
		}
		at = sp.end
	}
	if at.LessThan(c.sndMax) {
		f(at, c.sndMax)
	}
}

// pipe is RFC 6675's SetPipe(): for every octet from SND.UNA to SND.MAX
// that is not SACKed, one if IsLost() is false (the original is still
// in the network) and one more if it was retransmitted in this recovery
// (below HighRxt).
func (c *Conn) pipe() uint32 {
	if c.rackOn() {
		return c.rackPipe()
	}
	lost := c.lostEnd()
	var n uint32
	c.holes(func(a, b Seq) bool {
		if lo := maxSeq(a, lost); lo.LessThan(b) {
			n += uint32(b.Sub(lo))
		}
		if hi := minSeq(b, c.highRxt); a.LessThan(hi) {
			n += uint32(hi.Sub(a))
		}
		return true
	})
	return n
}

// outstanding is what limits new data against cwnd outside SACK recovery:
// FlightSize less what the scoreboard holds, which is RFC 6675's pipe
// while no octet is lost (its limited transmit, §5 step 3) and, after a
// timeout, lets go-back-N count only what it sends again.
func (c *Conn) outstanding() uint32 {
	flight := c.flightSize()
	if !c.sackOK {
		return flight
	}
	for _, sp := range c.scoreboard {
		if !sp.start.LessThan(c.sndNxt) {
			break
		}
		flight -= min(flight, uint32(minSeq(sp.end, c.sndNxt).Sub(sp.start)))
	}
	return flight
}

// skipSACKed returns seq, or the end of the SACKed span holding it: a
// go-back-N retransmission after a timeout does not send again what the
// receiver holds.
func (c *Conn) skipSACKed(seq Seq) Seq {
	for _, sp := range c.scoreboard {
		if seq.InRange(sp.start, sp.end) {
			return minSeq(sp.end, c.sndMax)
		}
	}
	return seq
}

// unsackedRun returns how many octets from seq on are not SACKed, up to
// the next SACKed span (or SND.MAX).
func (c *Conn) unsackedRun(seq Seq) int {
	for _, sp := range c.scoreboard {
		if seq.LessThan(sp.start) {
			return int(sp.start.Sub(seq))
		}
	}
	return int(c.sndMax.Sub(seq))
}

// onSACKDupAck is RFC 6675 §5 for a duplicate acknowledgment in its sense
// ("a segment that arrives carrying a SACK block that identifies
// previously unacknowledged and un-SACKed octets between HighACK and
// HighData", even if it also advances SND.UNA) outside loss recovery.
func (c *Conn) onSACKDupAck(now time.Duration) {
	c.dupAcks++
	// §5.1: after a timeout "a new recovery phase ... MUST NOT be
	// initiated until HighACK is greater than or equal to the new value
	// of RecoveryPoint"; recover is RecoveryPoint (as NewReno's recover).
	if !c.sndUna.GreaterThan(c.recover) {
		return
	}
	// (1) DupAcks >= DupThresh, or (2) IsLost (HighACK + 1): go to (4).
	// Otherwise (3): limited transmit as cwnd − pipe allows, with HighRxt
	// = HighACK, which output does (pipe is then outstanding).
	if c.dupAcks < dupThresh && !c.isLost(c.sndUna) {
		return
	}
	c.enterRecovery(now)
}

// enterRecovery is RFC 6675 §5 step (4), entered by DupThresh or IsLost,
// or by RACK's loss marks (RFC 8985 §6.2).
func (c *Conn) enterRecovery(now time.Duration) {
	// (4.1) RecoveryPoint = HighData. (4.2) ssthresh = cwnd = FlightSize/2
	// by RFC 5681 equation (4).
	c.recover = c.sndMax.Add(-1)
	c.ssthresh = c.lossSsthresh(c.flightSize(), false)
	c.cwnd = c.ssthresh
	c.inRecovery = true
	c.partialSeen = false
	// (4.3) Retransmit the segment at HighACK + 1 (with RACK, the first
	// one marked lost) and set HighRxt and RescueRxt to its end. (4.4,
	// 4.5) output goes on with step (C).
	c.highRxt = c.sndUna
	if c.rackOn() {
		c.rackRetransmitLost(now)
	} else {
		c.sendRange(now, c.sndUna, c.unsackedRun(c.sndUna))
	}
	c.rescueEnd = c.highRxt
}

// sendRange sends one segment from seq of at most SMSS octets and at most
// limit octets of sequence space (the FIN counts as one), and returns
// where it ends. A retransmission below SND.MAX moves HighRxt.
func (c *Conn) sendRange(now time.Duration, seq Seq, limit int) Seq {
	n := max(min(c.sndMSS, limit, int(c.dataEnd().Sub(seq))), 0)
	fin := c.finQueued && seq.Add(n) == c.dataEnd() && limit > n && c.sndMax.GreaterThan(c.dataEnd())
	if n == 0 && !fin {
		return seq
	}
	c.sendSegment(now, seq, n, fin, false)
	end := seq.Add(n)
	if fin {
		end = end.Add(1)
	}
	if seq.LessThan(c.sndMax) {
		c.highRxt = maxSeq(c.highRxt, end)
	}
	return end
}

// sendRecovery is RFC 6675 §5 step (C): while cwnd − pipe ≥ 1 SMSS, send
// what NextSeg() returns.
func (c *Conn) sendRecovery(now time.Duration) {
	for c.cwnd >= c.pipe()+uint32(c.sndMSS) && c.nextSeg(now) {
	}
}

// candidate returns the first octet that NextSeg() rules (1) and (3) may
// retransmit: above HighRxt (1.a), not SACKed, below the highest SACKed
// octet (1.b); and whether IsLost() is true for it (1.c). The lost octets
// are a prefix of the holes, so if the first candidate is not lost, no
// later one is.
func (c *Conn) candidate() (seq Seq, lost, ok bool) {
	k := len(c.scoreboard)
	if k == 0 {
		return 0, false, false
	}
	highest := c.scoreboard[k-1].start // a hole below it lies below the highest SACKed octet
	from := maxSeq(c.highRxt, c.sndUna)
	c.holes(func(a, b Seq) bool {
		if !a.LessThan(highest) {
			return false
		}
		if a = maxSeq(a, from); !a.LessThan(b) {
			return true // retransmitted already
		}
		seq, ok = a, true
		return false
	})
	return seq, ok && c.isLost(seq), ok
}

// nextSeg is RFC 6675's NextSeg() and sends the segment it picks; false
// when there is none.
func (c *Conn) nextSeg(now time.Duration) bool {
	if c.rackOn() {
		// RFC 8985 replaces IsLost() with its own marks; rules 3 and 4 are
		// left to its reordering timer and the RTO.
		return c.rackRetransmitLost(now) || c.sendNew(now)
	}
	seq, lost, found := c.candidate()
	if found && lost { // (1)
		c.sendRange(now, seq, c.unsackedRun(seq))
		return true
	}
	// (2) new data, if the peer's window allows.
	if c.sendNew(now) {
		return true
	}
	if found { // (3)
		c.sendRange(now, seq, c.unsackedRun(seq))
		return true
	}
	// (4) one rescue retransmission per recovery, if HighACK > RescueRxt:
	// a segment ending with the highest octet not SACKed. HighRxt stays;
	// RescueRxt = RecoveryPoint.
	if !c.sndUna.GreaterThan(c.rescueEnd) {
		return false
	}
	var top, topEnd Seq // the last hole
	c.holes(func(a, b Seq) bool { top, topEnd = a, b; return true })
	if top == topEnd {
		return false // nothing outstanding is un-SACKed
	}
	// SMSS counts data: a lost FIN rides along with the last SMSS of data.
	start := maxSeq(top, minSeq(topEnd, c.dataEnd()).Add(-c.sndMSS))
	high := c.highRxt
	c.sendRange(now, start, int(topEnd.Sub(start)))
	c.highRxt = high
	c.rescueEnd = c.recover.Add(1)
	return true
}

// sendNew sends one segment of new data (or the FIN) within the peer's
// window: NextSeg() rule (2).
func (c *Conn) sendNew(now time.Duration) bool {
	right := c.sndUna.Add(int(c.sndWnd))
	unsent := int(c.dataEnd().Sub(c.sndNxt))
	n := min(unsent, c.sndMSS, int(right.Sub(c.sndNxt)))
	fin := c.finQueued && n == unsent && c.dataEnd().LessThan(right) && !c.sndMax.GreaterThan(c.dataEnd())
	if n <= 0 && !fin {
		return false
	}
	c.sendSegment(now, c.sndNxt, max(n, 0), fin, false)
	return true
}
