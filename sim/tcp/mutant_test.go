package tcp

import (
	"testing"
	"time"
)

// Targeted tests for rules whose removal the rest of the suite did not
// notice (issue 11, item 3): each fails if its rule is dropped.

// TestSsthreshHeldOnRepeatedTimeouts: with five segments in flight the
// first timeout sets ssthresh = max(FlightSize/2, 2·SMSS) = 3650 (RFC 5681
// equation (4)); the later timeouts of the same segment find only the one
// retransmitted segment in flight, and must hold ssthresh constant rather
// than cut it to 2·SMSS ("the given segment has not yet been resent by way
// of the retransmission timer" is the condition of equation (4)).
func TestSsthreshHeldOnRepeatedTimeouts(t *testing.T) {
	f, p := fastRetransmitFixture(t)
	s0 := dataNoPush(seqAt(0), peerISS+1, 65535, p[:1460])
	for i, d := range []time.Duration{1, 2, 4} {
		f.advance(d * time.Second)
		f.want("RTO: S0 only (cwnd = LW = 1 SMSS)", s0)
		s := f.c.Snapshot()
		if s.Ssthresh != 3650 || s.Cwnd != 1460 || s.InFlight != 1460 || s.RTO != 2*d*time.Second {
			t.Fatalf("timeout %d: %+v, want ssthresh 3650, cwnd 1460, 1460 in flight", i+1, s)
		}
	}
	// S0 arrives: the receiver had S1..S4 and ACKs them all.
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(5), wnd))
	f.wantIdle("nothing left")
	if s := f.c.Snapshot(); s.Ssthresh != 3650 || s.Cwnd != 2920 || s.InFlight != 0 {
		t.Fatalf("after the ACK: %+v", s)
	}
}

// TestEmptySegmentAtRightWindowEdgeAccepted: the deliberate deviation from
// the letter of the §3.10.7.4 acceptability test (shared with 4.4BSD and
// Linux): an empty segment at exactly RCV.NXT+RCV.WND is acceptable, so the
// ACK of a peer whose whole window of data was lost still acknowledges our
// data. One octet further it is not acceptable: answered by an ACK.
func TestEmptySegmentAtRightWindowEdgeAccepted(t *testing.T) {
	cfg := baseConfig()
	cfg.RcvBuf = 4000
	f := established(t, cfg, wnd)
	f.write("abc")
	f.want("data", data(iss+1, peerISS+1, 4000, []byte("abc")))
	edge := peerISS + 1 + 4000
	f.handle(ack(edge+1, iss+4, wnd))
	f.want("beyond the edge: not acceptable", ack(iss+4, peerISS+1, 4000))
	if f.c.sndUna != iss+1 || !f.c.Discarded() {
		t.Fatalf("an unacceptable segment's ACK was processed: SND.UNA %#x", uint32(f.c.sndUna))
	}
	f.handle(ack(edge, iss+4, wnd))
	f.wantIdle("at the edge: acceptable, nothing to answer")
	if f.c.sndUna != iss+4 || f.c.Discarded() {
		t.Fatalf("the ACK at the right edge was not processed: SND.UNA %#x", uint32(f.c.sndUna))
	}
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("retransmission timer still armed")
	}
}

// TestRecoverGuardAfterTimeout: RFC 6582 §3.2 step 4 sets recover to the
// highest sequence number sent when the retransmission timer expires;
// step 2 then refuses fast retransmit for duplicate ACKs that do not cover
// more than recover — they may be answers to the go-back-N
// retransmissions of data the receiver already holds.
func TestRecoverGuardAfterTimeout(t *testing.T) {
	f, p := fastRetransmitFixture(t)
	f.advance(time.Second)
	f.want("RTO: S0", dataNoPush(seqAt(0), peerISS+1, 65535, p[:1460]))
	f.advance(rtt)
	// S0 repaired, S1 had been lost too: the ACK stops at S1.
	f.handle(ack(peerISS+1, seqAt(1), wnd))
	f.want("slow start after the timeout: S1, S2 again",
		dataNoPush(seqAt(1), peerISS+1, 65535, p[1460:2920]),
		dataNoPush(seqAt(2), peerISS+1, 65535, p[2920:4380]))
	// Stale duplicates: S2, S3, S4 of the first flight arrive (S1 is on its
	// way again).
	for range 3 {
		f.handle(ack(peerISS+1, seqAt(1), wnd))
	}
	f.wantIdle("no fast retransmit: the ACK does not cover more than recover")
	s := f.c.Snapshot()
	if f.c.inRecovery || s.Ssthresh != 3650 || s.Cwnd != 2920 || s.DupAcks != 3 {
		t.Fatalf("after three duplicate ACKs below recover: %+v (in recovery %v)", s, f.c.inRecovery)
	}
	// Once the ACK covers more than recover, loss is news again.
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(5), wnd))
	if f.c.recover.GreaterEq(seqAt(5)) {
		t.Fatalf("recover %#x not behind SND.UNA %#x", uint32(f.c.recover), uint32(seqAt(5)))
	}
}

// TestZeroWindowAcksAreNotDuplicates: four segments in flight, the
// receiver takes the first and its buffer is full; the other three arrive
// outside its (zero) window and each is answered by the same ACK with
// window 0. Those ACKs say "no room", not "a segment is missing": they do
// not count as duplicate ACKs (no fast retransmit into a zero window, no
// cut of ssthresh), and the persist timer takes over once the
// retransmission timer has expired.
func TestZeroWindowAcksAreNotDuplicates(t *testing.T) {
	cfg := baseConfig()
	cfg.InitialCwnd = 4 * 1460
	f := established(t, cfg, wnd)
	p := payload(4 * 1460)
	f.write(string(p))
	if out := f.take(); len(out) != 4 {
		t.Fatalf("%d segments, want 4", len(out))
	}
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(1), 0))
	for range 3 {
		f.handle(ack(peerISS+1, seqAt(1), 0))
	}
	f.wantIdle("zero window: nothing to send, nothing retransmitted")
	s := f.c.Snapshot()
	if s.DupAcks != 0 || f.c.inRecovery || s.Ssthresh != 65535 || s.Cwnd != 4*1460+1460 {
		t.Fatalf("after three zero-window ACKs: %+v (in recovery %v)", s, f.c.inRecovery)
	}
}

// TestKarnFastRetransmitOfTimedSegment: the timed segment S0 is resent by
// fast retransmit; the ACK that covers it cannot tell which copy it
// answers, so it gives no RTT sample (RFC 6298 §3, Karn's algorithm: "RTT
// samples MUST NOT be made using segments that were retransmitted").
func TestKarnFastRetransmitOfTimedSegment(t *testing.T) {
	f, p := fastRetransmitFixture(t)
	f.advance(rtt)
	for range 3 {
		f.handle(ack(peerISS+1, iss+1, wnd))
	}
	f.want("fast retransmit of S0", dataNoPush(seqAt(0), peerISS+1, 65535, p[:1460]))
	f.advance(700 * time.Millisecond)
	f.handle(ack(peerISS+1, seqAt(5), wnd))
	if s := f.c.Snapshot(); s.SRTT != rtt || s.RTTVAR != rtt/2 || s.RTO != time.Second {
		t.Fatalf("SRTT %v RTTVAR %v RTO %v: a sample from the retransmitted S0", s.SRTT, s.RTTVAR, s.RTO)
	}
	// The next segment is timed again: R = 300 ms.
	f.write(string(p[5*1460 : 5*1460+10]))
	f.take()
	f.advance(300 * time.Millisecond)
	f.handle(ack(peerISS+1, seqAt(5)+10, wnd))
	if s := f.c.Snapshot(); s.SRTT != 125*time.Millisecond {
		t.Fatalf("SRTT %v after a clean 300 ms sample, want 125 ms", s.SRTT)
	}
}
