package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

// RFC 8985 (RACK-TLP) tests, segment by segment.

func rackConfig(cwndSegs int) Config {
	cfg := sackConfig()
	cfg.RACK = true
	cfg.InitialCwnd = cwndSegs * 1460
	return cfg
}

// recoveredBy delivers, one RTT later, the ACK of everything, which must
// end recovery and leave nothing to send.
func (f *fixture) recoveredBy(all Segment) {
	f.t.Helper()
	f.advance(rtt)
	f.handle(all)
	f.wantIdle("all acknowledged")
	if f.c.inRecovery {
		f.t.Fatal("still in recovery")
	}
}

// timerEvents lists the fixture's timer events of kind k as "kind@deadline".
func (f *fixture) timerEvents(k trace.TimerKind) []string {
	var s []string
	for _, e := range f.events {
		if e.Timer == k && (e.Kind == trace.KindTimerSet || e.Kind == trace.KindTimerFire || e.Kind == trace.KindTimerCancel) {
			s = append(s, e.Kind.String()+"@"+e.Deadline.String())
		}
	}
	return s
}

// tailLoss sends four segments at 100 ms, the last of which is lost, and
// delivers the ACK of the first three at 200 ms: S3 is the lost tail.
func tailLoss(t *testing.T) *fixture {
	t.Helper()
	f := sackEstablished(t, rackConfig(4), wnd) // SRTT 100 ms, RTO 1 s
	f.write(string(payload(4 * 1460)))
	if out := f.take(); len(out) != 4 {
		t.Fatalf("%d segments, want 4", len(out))
	}
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(3), wnd))
	f.wantIdle("nothing more to send")
	wantWindow(t, f, 5*1460, 65535) // slow start: + 1 SMSS
	return f
}

// TestTLPRepairsTailLoss: RFC 8985 §7. With one segment in flight the PTO
// is 2·SRTT + WCDelAckT = 400 ms after the last ACK; the probe sends the
// last segment again, cwnd unchanged, and rearms the RTO; the probe's
// ACK repairs the tail without a timeout.
func TestTLPRepairsTailLoss(t *testing.T) {
	f := tailLoss(t)
	f.advance(400*time.Millisecond - time.Millisecond)
	f.wantIdle("before the PTO")
	f.advance(time.Millisecond)
	f.want("the probe: S3 again", segOf(3, 4))
	wantWindow(t, f, 5*1460, 65535)
	if at, ok := f.c.NextTimeout(); !ok || at != f.now+time.Second {
		t.Fatalf("RTO at %v, want rearmed to now + 1 s", at)
	}
	got := f.timerEvents(trace.TimerTLP)
	want := []string{"timer-set@300ms", "timer-set@600ms", "timer-fire@600ms"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("TLP timer events %v, want %v", got, want)
	}
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(4), wnd))
	f.wantIdle("all acknowledged")
	wantWindow(t, f, 6*1460, 65535)
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("a timer is still armed")
	}
	if s := f.c.Snapshot(); s.RTO != time.Second {
		t.Fatalf("RTO %v: a probe is no timeout, nothing backs off", s.RTO)
	}
	// The episode is over: the next lost tail is probed again.
	f.write("x")
	f.want("one more segment", data(seqAt(4), peerISS+1, 65535, []byte("x")))
	f.advance(400 * time.Millisecond)
	f.want("the second probe", data(seqAt(4), peerISS+1, 65535, []byte("x")))
}

// TestTLPLostThenRTO: the probe is lost too; the RTO, rearmed when the
// probe left, repairs the tail one RTO later, with the RFC 5681 response
// to a timeout.
func TestTLPLostThenRTO(t *testing.T) {
	f := tailLoss(t)
	f.advance(400 * time.Millisecond)
	f.want("the probe", segOf(3, 4))
	f.advance(time.Second - time.Millisecond)
	f.wantIdle("before the RTO")
	f.advance(time.Millisecond)
	f.want("the RTO: S3 once more", segOf(3, 4))
	wantWindow(t, f, 1460, 2*1460)
	if s := f.c.Snapshot(); s.RTO != 2*time.Second {
		t.Fatalf("RTO %v, want backed off to 2 s", s.RTO)
	}
	f.advance(2*time.Second - time.Millisecond)
	f.wantIdle("no probe after a timeout, until new data is ACKed")
	f.advance(time.Millisecond)
	f.want("the second RTO", segOf(3, 4))
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(4), wnd))
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("a timer is still armed")
	}
}

// probeNewData sends two of three segments (cwnd 2) at 100 ms; nothing
// comes back, and at 300 ms (FlightSize two segments: PTO = 2·SRTT) the
// probe sends the third: new data rather than an old segment, although
// cwnd holds it back.
func probeNewData(t *testing.T) *fixture {
	t.Helper()
	f := sackEstablished(t, rackConfig(2), wnd)
	f.write(string(payload(3 * 1460)))
	f.want("cwnd: two segments", segOf(0, 3), segOf(1, 3))
	f.advance(200 * time.Millisecond)
	f.want("the probe: new data", segOf(2, 3))
	return f
}

// TestTLPSendsNewData: the probe of new data leaves cwnd as it was.
func TestTLPSendsNewData(t *testing.T) {
	f := probeNewData(t)
	wantWindow(t, f, 2*1460, 65535)
	f.handle(ack(peerISS+1, seqAt(3), wnd))
	f.wantIdle("all acknowledged")
}

// TestTLPOff: without Config.RACK, or without SACK in effect, there is no
// probe: the RTO repairs the tail.
func TestTLPOff(t *testing.T) {
	for name, f := range map[string]*fixture{
		"RACK off":    sackEstablished(t, func() Config { c := rackConfig(4); c.RACK = false; return c }(), wnd),
		"SACK absent": established(t, rackConfig(4), wnd),
	} {
		f.write(string(payload(4 * 1460)))
		f.take()
		f.advance(rtt)
		f.handle(ack(peerISS+1, seqAt(3), wnd))
		f.advance(time.Second - time.Millisecond)
		f.wantIdle(name + ": no probe")
		f.advance(time.Millisecond)
		f.want(name+": the RTO", segOf(3, 4))
	}
}

// TestTLPCappedAtRTO: a PTO beyond the RTO's expiry is cut to it (RFC
// 8985 §7.2), and the probe fires instead of the RTO: the RTO does not
// back off, it starts again.
func TestTLPCappedAtRTO(t *testing.T) {
	cfg := rackConfig(4)
	cfg.MinRTO = 100 * time.Millisecond
	f := sackEstablished(t, cfg, wnd) // SRTT 100 ms, RTTVAR 50 ms: RTO 300 ms
	f.write("tail")
	f.want("one segment", data(seqAt(0), peerISS+1, 65535, []byte("tail")))
	f.advance(300*time.Millisecond - time.Millisecond)
	f.wantIdle("PTO 2·SRTT + 200 ms = 400 ms, cut to the RTO's 300 ms")
	f.advance(time.Millisecond)
	f.want("the probe, not an RTO", data(seqAt(0), peerISS+1, 65535, []byte("tail")))
	if s := f.c.Snapshot(); s.RTO != 300*time.Millisecond {
		t.Fatalf("RTO %v, want 300 ms (no back-off)", s.RTO)
	}
	if at, ok := f.c.NextTimeout(); !ok || at != f.now+300*time.Millisecond {
		t.Fatalf("next timeout %v, want the RTO 300 ms after the probe", at)
	}
}

// rackFlight sends four segments at 100 ms with RACK-TLP (SRTT 100 ms)
// and, at 150 ms, delivers the ACK of S1 alone: S0 is missing. RACK's
// RTT sample is 50 ms (RACK.min_RTT too), so reo_wnd = min_RTT/4 =
// 12.5 ms, and S0, sent with S1, is lost at 100 + 50 + 12.5 ms.
func rackFlight(t *testing.T) *fixture {
	t.Helper()
	f := sackEstablished(t, rackConfig(4), wnd)
	f.write(string(payload(4 * 1460)))
	f.take()
	f.advance(50 * time.Millisecond)
	f.handle(sackAck(0, 1, 2))
	f.wantIdle("one SACK: not yet")
	return f
}

// TestRACKOneSACK: RFC 8985 §6.2. One SACK above a hole is enough: the
// reordering timer (no DupThresh) marks S0 lost once RACK.rtt + reo_wnd
// have passed since it was sent, and recovery retransmits it. No tail
// loss probe is scheduled while something is SACKed (§7.2).
func TestRACKOneSACK(t *testing.T) {
	f := rackFlight(t)
	if f.c.timers[tmTLP].armed {
		t.Fatal("a TLP is armed with SACKed data")
	}
	if got := f.timerEvents(trace.TimerReorder); len(got) != 1 || got[0] != "timer-set@162.5ms" {
		t.Fatalf("reordering timer events %v, want one set for 162.5ms", got)
	}
	f.advance(12500*time.Microsecond - 1)
	f.wantIdle("within the reordering window")
	f.advance(1)
	f.want("S0 lost: retransmitted", segOf(0, 4))
	wantWindow(t, f, 2*1460, 2*1460) // FlightSize 4 segments / 2
	// As if a D-SACK had widened reo_wnd one recovery ago: this recovery's
	// end is the 16th without one.
	f.c.rack.reoWndMult, f.c.rack.reoWndPersist = 2, 1
	f.recoveredBy(sackAck(4))
	if f.c.rack.reoWndMult != 1 {
		t.Fatalf("reo_wnd_mult %d after the recovery, want 1", f.c.rack.reoWndMult)
	}
}

// TestRACKNoTLPInRecovery: a partial ACK that leaves nothing SACKed in
// recovery schedules no probe (RFC 8985 §7.2: not in recovery).
func TestRACKNoTLPInRecovery(t *testing.T) {
	f := rackFlight(t)
	f.advance(12500 * time.Microsecond)
	f.want("S0 lost: retransmitted", segOf(0, 4))
	f.advance(rtt)
	f.handle(sackAck(2))
	if !f.c.inRecovery || len(f.c.scoreboard) != 0 || f.c.timers[tmTLP].armed {
		t.Fatalf("recovery %v, scoreboard %v, TLP armed %v: want recovery, nothing SACKed, no TLP",
			f.c.inRecovery, f.c.scoreboard, f.c.timers[tmTLP].armed)
	}
}

// TestRACKAfterTimeout: after a timeout (RFC 6675 §5.1) a loss RACK
// finds starts no recovery before RecoveryPoint is ACKed, and no probe is
// scheduled while the timeouts go on.
func TestRACKAfterTimeout(t *testing.T) {
	start := func(t *testing.T) *fixture {
		f := rackFlight(t)
		f.advance(12500 * time.Microsecond)
		f.want("S0 lost: retransmitted", segOf(0, 4))
		f.advance(time.Second - 62500*time.Microsecond) // 1.1 s: the RTO of the segments sent at 100 ms
		f.want("RTO", segOf(0, 4))
		return f
	}
	t.Run("loss", func(t *testing.T) {
		f := start(t)
		f.advance(rtt)
		// S3 delivered, S2 (sent with it, lower) not: lost at once (no
		// reordering window after a timeout).
		f.handle(sackAck(0, 3, 4, 1, 2))
		f.wantIdle("no recovery before RecoveryPoint; go-back-N is cwnd-bound")
		if f.c.inRecovery {
			t.Fatal("recovery started before RecoveryPoint was ACKed")
		}
	})
	t.Run("no probe", func(t *testing.T) {
		f := start(t)
		f.advance(2 * time.Second)
		f.want("second RTO", segOf(0, 4))
		if len(f.c.scoreboard) != 0 || f.c.timers[tmTLP].armed {
			t.Fatalf("scoreboard %v, TLP armed %v after the second timeout", f.c.scoreboard, f.c.timers[tmTLP].armed)
		}
	})
}

// TestRACKReordering: the missing segment arrives within the reordering
// window: the timer is cancelled and nothing is sent again.
func TestRACKReordering(t *testing.T) {
	f := rackFlight(t)
	f.advance(10 * time.Millisecond)
	f.handle(sackAck(2))
	f.advance(time.Millisecond)
	f.handle(sackAck(3))
	f.advance(100 * time.Millisecond)
	f.wantIdle("no retransmission")
	if got := f.timerEvents(trace.TimerReorder); len(got) != 2 || got[1] != "timer-cancel@162.5ms" {
		t.Fatalf("reordering timer events %v", got)
	}
	if !f.c.rack.reorderingSeen {
		t.Fatal("S0 was delivered after S1: RACK.reordering_seen")
	}
	if n := len(f.c.rack.segs); n != 1 {
		t.Fatalf("%d segments kept, want S3's only", n)
	}
}

// TestRACKSpuriousRetransmission: the original S0 was only late; its ACK
// arrives 1 ms after the retransmission. An RTT below min_RTT cannot be
// the retransmission's, so RACK's clock stays at S1 and S2, S3 (sent
// after S0 but not delivered yet) are not marked lost; nor is a
// retransmitted segment's late delivery reordering.
func TestRACKSpuriousRetransmission(t *testing.T) {
	f := rackFlight(t)
	f.advance(12500 * time.Microsecond)
	f.want("S0 retransmitted", segOf(0, 4))
	f.advance(time.Millisecond)
	f.handle(sackAck(2))
	f.wantIdle("S2 and S3 are not lost")
	if f.c.rack.reorderingSeen {
		t.Fatal("a retransmitted segment's delivery taken for reordering")
	}
}

// TestRACKLossAtOnce: a segment sent before the delivered one by more
// than RACK.rtt + reo_wnd is lost at once, without the timer — the
// loopback case, where Linux retransmits after one duplicate ACK.
func TestRACKLossAtOnce(t *testing.T) {
	f := sackEstablished(t, rackConfig(4), wnd)
	f.write(string(payload(1460)))
	f.advance(20 * time.Millisecond)
	f.write(string(payload(1460)))
	f.take()
	f.advance(time.Millisecond)
	// The second segment's SACK: RACK.rtt = 1 ms, reo_wnd = 0.25 ms, and
	// the first was sent 21 ms ago.
	f.handle(withSACK(ack(peerISS+1, seqAt(0), wnd), seqAt(1), seqAt(2)))
	f.want("the first segment again, at once", dataNoPush(seqAt(0), peerISS+1, 65535, payload(1460)))
}

// TestTLPRevealsLoss: the probe of new data is SACKed; its SACK shows the
// segments sent before it lost, and recovery repairs them.
func TestTLPRevealsLoss(t *testing.T) {
	f := probeNewData(t)
	f.advance(rtt)
	f.handle(sackAck(0, 2, 3))
	// cwnd = ssthresh = max(FlightSize/2, 2·SMSS): S0 at entry, then pipe
	// (S0 again) leaves room for S1.
	f.want("S0 and S1 lost: recovery repairs both", segOf(0, 3), segOf(1, 3))
	wantWindow(t, f, 2*1460, 2*1460)
	f.recoveredBy(sackAck(3))
}

// TestRACKReoWnd: RFC 8985 §6.2 step 4. reo_wnd is min_RTT/4, at most
// SRTT; 0 once DupThresh segments are SACKed or in recovery, unless
// reordering was seen; a D-SACK multiplies it for 16 recoveries, one
// D-SACK round at a time.
func TestRACKReoWnd(t *testing.T) {
	f := rackFlight(t) // min_RTT 50 ms, SRTT 100 ms, S1 SACKed
	c := f.c
	want := func(what string, d time.Duration) {
		t.Helper()
		if got := c.reoWnd(); got != d {
			t.Fatalf("%s: reo_wnd %v, want %v", what, got, d)
		}
	}
	want("min_RTT/4", 12500*time.Microsecond)
	c.rack.minRTT = time.Second
	want("at most SRTT", 100*time.Millisecond)
	c.rack.minRTT = 50 * time.Millisecond
	c.inRecovery = true
	want("in recovery", 0)
	c.rack.reorderingSeen = true
	want("in recovery, reordering seen", 12500*time.Microsecond)
	c.inRecovery, c.rack.reorderingSeen = false, false
	c.rack.segs[2].delivered, c.rack.segs[3].delivered = true, true
	want("DupThresh SACKed", 0)
	c.rack.segs[3].delivered = false
	want("two SACKed", 12500*time.Microsecond)
	c.retries = 1
	want("after a timeout", 0)
	c.retries = 0

	c.rackOnAck(f.now, true)
	want("after a D-SACK", 25*time.Millisecond)
	c.rackOnAck(f.now, true)
	want("a second D-SACK in the same round", 25*time.Millisecond)
	for range 15 {
		c.rackRecoveryOver()
	}
	want("15 recoveries later", 25*time.Millisecond)
	c.rackRecoveryOver()
	want("16 recoveries later", 12500*time.Microsecond)
	c.sndUna = c.sndNxt // the D-SACK round is over
	c.rackOnAck(f.now, true)
	want("a D-SACK in the next round", 25*time.Millisecond)
	c.rackDelivered(f.now, &rackSeg{sent: f.now - 20*time.Millisecond})
	want("a smaller RTT sample", 10*time.Millisecond)
}

// TestRACKTimestampsTellTheOriginal: with timestamps, the ACK of a
// retransmitted segment whose TSecr echoes the original transmission is
// not the retransmission's (RFC 8985 §6.2 step 2), even when its RTT is
// plausible: S2 and S3, sent before the retransmission, are not lost.
func TestRACKTimestampsTellTheOriginal(t *testing.T) {
	cfg := modernConfig()
	cfg.SACK, cfg.RACK, cfg.InitialCwnd = true, true, 4*1448
	f := openedBy(t, cfg, Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460,
		Opts: wsTS | trace.OptSACKPerm, WScale: 4, TSval: 5000, TSecr: ts(0)})
	f.write(string(payload(4 * 1448)))
	if out := f.take(); len(out) != 4 {
		t.Fatalf("%d segments, want 4", len(out))
	}
	at := func(i int) Seq { return iss + 1 + Seq(i*1448) }
	f.advance(50 * time.Millisecond)
	f.handle(tsSeg(withSACK(ack(peerISS+1, at(0), 4096), at(1), at(2)), 5001, ts(rtt)))
	f.advance(12500 * time.Microsecond)
	if out := f.take(); len(out) != 1 || out[0].Seq != at(0) {
		t.Fatalf("reordering timer: sent %v, want S0 again", out)
	}
	// The original S0 was only late: its ACK echoes the TSval of 100 ms,
	// 60 ms after the retransmission (more than min_RTT, 50 ms).
	f.advance(60 * time.Millisecond)
	f.handle(tsSeg(ack(peerISS+1, at(2), 4096), 5002, ts(rtt)))
	f.wantIdle("S2 and S3 are not lost")
}
