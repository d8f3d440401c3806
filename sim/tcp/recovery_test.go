package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

// RFC 6675 (SACK-based loss recovery) tests, segment by segment. The
// peer's ACKs carry SACK blocks as RFC 2018 §4 orders them.

// segOf is full segment i (S0 = ISS+1) of a transfer of total segments,
// as the fixture's Conn sends it: PSH on the last one.
func segOf(i, total int) Segment {
	p := payload(total * 1460)[i*1460 : (i+1)*1460]
	if i == total-1 {
		return data(seqAt(i), peerISS+1, 65535, p)
	}
	return dataNoPush(seqAt(i), peerISS+1, 65535, p)
}

// sackAck is the peer's ACK of everything below segment i, with SACK
// blocks given as segment numbers [from, to).
func sackAck(i int, blocks ...int) Segment {
	var edges []Seq
	for _, b := range blocks {
		edges = append(edges, seqAt(b))
	}
	return withSACK(ack(peerISS+1, seqAt(i), wnd), edges...)
}

func wantWindow(t *testing.T, f *fixture, cwnd, ssthresh uint32) {
	t.Helper()
	if s := f.c.Snapshot(); s.Cwnd != cwnd || s.Ssthresh != ssthresh {
		t.Fatalf("at %v: cwnd %d ssthresh %d, want %d and %d", f.now, s.Cwnd, s.Ssthresh, cwnd, ssthresh)
	}
}

func wantPipe(t *testing.T, f *fixture, segs int) {
	t.Helper()
	if got := f.c.pipe(); got != uint32(segs*1460) {
		t.Fatalf("at %v: pipe %d, want %d segments", f.now, got, segs)
	}
}

// TestSACKRecoveryHoles: eight segments in flight, S0 and S2 lost. The
// first two SACKs send new data by cwnd − pipe (§5 step 3); the third
// duplicate enters recovery with ssthresh = cwnd = FlightSize/2 and
// retransmits S0 (4.3); S2 is retransmitted once more than 2·SMSS above
// it are SACKed (IsLost), when pipe leaves room (rule 1); then new data
// (rule 2). The ACK of the repaired S0 is partial: no deflation, recovery
// goes on; the ACK of S2 covers RecoveryPoint and ends it.
func TestSACKRecoveryHoles(t *testing.T) {
	const total = 20
	f := sackFlight(t, 8, total)
	seg := func(i int) Segment { return segOf(i, total) }
	f.advance(rtt)
	f.handle(sackAck(0, 1, 2))
	f.want("limited transmit: 7 in the pipe, cwnd 8", seg(8))
	f.handle(sackAck(0, 3, 4, 1, 2))
	f.want("limited transmit again", seg(9))
	wantWindow(t, f, 8*1460, 65535)
	f.handle(sackAck(0, 3, 5, 1, 2))
	f.want("third duplicate: retransmit S0", seg(0))
	// FlightSize S0 … S9 = 10 segments: ssthresh = cwnd = 5.
	wantWindow(t, f, 5*1460, 5*1460)
	wantPipe(t, f, 7) // S0 again, S2 (not lost: 2 SMSS above), S5 … S9
	if s := f.c.Snapshot(); s.Sacked != 3*1460 || s.Pipe != 7*1460 {
		t.Fatalf("snapshot: sacked %d pipe %d, want S1, S3, S4 and 7 segments", s.Sacked, s.Pipe)
	}
	f.handle(sackAck(0, 3, 6, 1, 2))
	f.wantIdle("S2 is lost now, but the pipe is full: S0, S6 … S9")
	wantPipe(t, f, 5)
	f.handle(sackAck(0, 3, 7, 1, 2))
	f.want("rule 1: the lost S2", seg(2))
	f.handle(sackAck(0, 3, 8, 1, 2))
	f.want("rule 2: new data", seg(10))
	f.handle(sackAck(0, 3, 9, 1, 2))
	f.want("rule 2", seg(11))
	f.handle(sackAck(0, 3, 10, 1, 2))
	f.want("rule 2", seg(12))
	wantWindow(t, f, 5*1460, 5*1460)
	if got := f.c.Snapshot().DupAcks; got != 3 {
		t.Fatalf("DupAcks %d: counted during recovery", got)
	}
	f.advance(rtt)
	f.handle(sackAck(2, 3, 11))
	f.want("partial ACK (S0 repaired): S2 again, S11, S12 in the pipe, room for two", seg(13), seg(14))
	wantWindow(t, f, 5*1460, 5*1460)
	f.handle(sackAck(12))
	f.want("RecoveryPoint (S9) covered: recovery over, cwnd 5 with S12 … S14 out", seg(15), seg(16))
	wantWindow(t, f, 5*1460, 5*1460)
	if s := f.c.Snapshot(); s.Sacked != 0 || s.Pipe != 0 {
		t.Fatalf("snapshot after recovery: sacked %d pipe %d", s.Sacked, s.Pipe)
	}
	if f.c.inRecovery {
		t.Fatal("still in recovery")
	}
}

// TestSACKRescueRetransmission: seven segments, the first and the last
// two lost, nothing more to send. Recovery retransmits S0. S5 and S6 are
// never IsLost (nothing is SACKed above them): once the partial ACK has
// passed RescueRxt, NextSeg() rule 4 resends the segment that ends with
// the highest octet not SACKed, S6, once; when S6's SACK puts S5 below
// the highest SACKed octet, rule 3 resends S5 although it is not lost.
func TestSACKRescueRetransmission(t *testing.T) {
	const total = 7
	f := sackFlight(t, 7, total)
	seg := func(i int) Segment { return segOf(i, total) }
	f.advance(rtt)
	f.handle(sackAck(0, 1, 2))
	f.handle(sackAck(0, 1, 3))
	f.wantIdle("two duplicates, nothing new to send")
	f.handle(sackAck(0, 1, 4))
	f.want("third: S0", seg(0))
	wantWindow(t, f, 5110, 5110) // FlightSize 7 segments / 2
	f.handle(sackAck(0, 1, 5))
	f.wantIdle("pipe S0, S5, S6 leaves room, but HighACK is not above RescueRxt")
	f.advance(rtt)
	f.handle(sackAck(5))
	f.want("partial ACK: the rescue retransmission of S6, not S5", seg(6))
	f.handle(sackAck(5))
	f.wantIdle("one rescue per recovery")
	f.handle(sackAck(5, 6, 7))
	f.want("rule 3: S5, below the highest SACK, not lost", seg(5))
	f.handle(sackAck(7))
	f.wantIdle("all acknowledged")
	wantWindow(t, f, 5110, 5110)
	if f.c.inRecovery {
		t.Fatal("still in recovery")
	}
}

// TestSACKRecoveryFIN: S4 and the FIN after it are lost with S0. They
// are never IsLost (nothing above them); the rescue retransmission after
// the partial ACK resends them in one segment: SMSS counts data, not the
// FIN.
func TestSACKRecoveryFIN(t *testing.T) {
	const total = 5
	f := sackFlight(t, 5, total)
	f.c.CloseWrite(f.now)
	f.want("FIN", fin(seqAt(5), peerISS+1, 65535))
	f.advance(rtt)
	for i := 2; i <= 4; i++ {
		f.handle(sackAck(0, 1, i))
	}
	f.want("third duplicate: S0", segOf(0, total))
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(4), wnd))
	last := segOf(4, total)
	last.Flags |= trace.FlagFIN
	f.want("the rescue: S4 with the FIN", last)
	f.handle(ack(peerISS+1, seqAt(5)+1, wnd))
	f.wantState(trace.StateFinWait2)
}

// TestSACKSmallSegments: §5 step (1). Three duplicates that SACK 300
// octets in one block do not make S0 IsLost(), but DupAcks reaches
// DupThresh: recovery. After a timeout go-back-N resends S0 alone, not
// the SACKed octets after it, and then S4.
func TestSACKSmallSegments(t *testing.T) {
	f := sackEstablished(t, sackConfig(), wnd)
	p := payload(500)
	for i := range 5 {
		f.write(string(p[i*100 : i*100+100]))
	}
	small := func(i int) Segment { return data(iss+1+Seq(i*100), peerISS+1, 65535, p[i*100:i*100+100]) }
	f.want("five small segments", small(0), small(1), small(2), small(3), small(4))
	f.advance(rtt)
	at := func(i int) Seq { return iss + 1 + Seq(i*100) }
	f.handle(withSACK(ack(peerISS+1, at(0), wnd), at(1), at(2)))
	f.handle(withSACK(ack(peerISS+1, at(0), wnd), at(1), at(3)))
	f.wantIdle("two duplicates")
	f.handle(withSACK(ack(peerISS+1, at(0), wnd), at(1), at(4)))
	again := dataNoPush(at(0), peerISS+1, 65535, p[:100]) // no longer the last queued octet: no PSH
	f.want("DupThresh reached: S0", again)
	f.advance(time.Second - rtt)
	f.want("RTO: S0 alone, then S4", again, small(4))
}

// TestSACKIsLost: RFC 6675's IsLost() by its two rules, DupThresh = 3
// discontiguous SACKed sequences above, or more than 2·SMSS SACKed bytes
// above.
func TestSACKIsLost(t *testing.T) {
	f := sackFlight(t, 8, 8)
	c := f.c
	for _, tt := range []struct {
		name  string
		board []span
		lost  bool
	}{
		{"nothing SACKed", nil, false},
		{"two small blocks", []span{{seqAt(1), seqAt(1) + 100}, {seqAt(2), seqAt(2) + 100}}, false},
		{"three small blocks", []span{{seqAt(1), seqAt(1) + 100}, {seqAt(2), seqAt(2) + 100}, {seqAt(3), seqAt(3) + 100}}, true},
		{"2·SMSS SACKed", []span{{seqAt(1), seqAt(3)}}, false},
		{"2·SMSS + 1 SACKed", []span{{seqAt(1), seqAt(3) + 1}}, true},
		{"2·SMSS + 1 in two blocks", []span{{seqAt(1), seqAt(2)}, {seqAt(3), seqAt(4) + 1}}, true},
	} {
		c.scoreboard = tt.board
		if got := c.isLost(seqAt(0)); got != tt.lost {
			t.Errorf("%s: IsLost(S0) = %v, want %v", tt.name, got, tt.lost)
		}
	}
	// Only what lies above counts: with three blocks above S0, the hole
	// between the first and the second block has two above it.
	c.scoreboard = []span{{seqAt(1), seqAt(1) + 100}, {seqAt(2), seqAt(2) + 100}, {seqAt(3), seqAt(3) + 100}}
	if c.isLost(seqAt(1)+100) || c.lostEnd() != seqAt(1) {
		t.Fatalf("lostEnd %#x, want S1", uint32(c.lostEnd()))
	}
}

// TestSACKLostBeforeThirdDup: §5 step (2). One ACK that SACKs three
// segments makes S0 IsLost(): recovery starts at the first duplicate.
func TestSACKLostBeforeThirdDup(t *testing.T) {
	f := sackFlight(t, 5, 5)
	f.advance(rtt)
	f.handle(sackAck(0, 1, 4))
	f.want("fast retransmit at the first duplicate", segOf(0, 5))
	wantWindow(t, f, 2*1460+730, 2*1460+730) // FlightSize 5 segments / 2
}

// TestDSACKIsNoDuplicateAck: ACKs whose only block is a D-SACK are RFC
// 5681 duplicates but SACK nothing new, so with SACK they are no
// duplicate acknowledgments (RFC 6675 §2): no fast retransmit. Without
// SACK, three of them would start one (TestFastRetransmitAndRecovery).
func TestDSACKIsNoDuplicateAck(t *testing.T) {
	f := sackFlight(t, 5, 5)
	f.advance(rtt)
	for range 4 {
		f.handle(withSACK(ack(peerISS+1, seqAt(0), wnd), seqAt(0)-1000, seqAt(0)))
	}
	f.wantIdle("four D-SACKs")
	if s := f.c.Snapshot(); s.DupAcks != 0 || f.c.inRecovery || f.c.dsacks != 4 {
		t.Fatalf("DupAcks %d, recovery %v, %d D-SACKs", s.DupAcks, f.c.inRecovery, f.c.dsacks)
	}
}

// TestSACKTimeout: RFC 6675 §5.1. A timeout ends recovery; go-back-N
// resends S0 and then skips what the scoreboard holds, counting only what
// it resends against cwnd; duplicate ACKs do not start a new recovery
// before RecoveryPoint is acknowledged. A
// second timeout of the same segment forgets the scoreboard (the
// receiver may have reneged) and resends everything.
func TestSACKTimeout(t *testing.T) {
	const total = 10
	seg := func(i int) Segment { return segOf(i, total) }
	start := func(t *testing.T) *fixture {
		f := sackFlight(t, 8, total)
		f.advance(rtt)
		f.handle(sackAck(0, 1, 2))
		f.handle(sackAck(0, 3, 4, 1, 2))
		f.handle(sackAck(0, 3, 5, 1, 2))
		f.want("limited transmit, then S0", seg(8), seg(9), seg(0))
		return f
	}
	t.Run("skip SACKed", func(t *testing.T) {
		f := start(t)
		f.advance(time.Second - rtt)
		f.want("RTO: S0 only (cwnd 1 SMSS)", seg(0))
		wantWindow(t, f, 1460, 5*1460)
		if f.c.inRecovery {
			t.Fatal("a timeout ends recovery")
		}
		f.advance(rtt)
		f.handle(sackAck(2, 3, 5))
		f.want("slow start, cwnd 2: S2, then S5 (S3, S4 skipped)", seg(2), seg(5))
		f.handle(sackAck(2, 3, 6))
		f.handle(sackAck(2, 3, 7))
		f.handle(sackAck(2, 3, 8))
		f.want("go-back-N goes on as SACKs shrink what is outstanding", seg(6), seg(7), seg(8))
		if f.c.inRecovery {
			t.Fatal("recovery before RecoveryPoint was acknowledged")
		}
	})
	t.Run("second timeout", func(t *testing.T) {
		f := start(t)
		f.advance(time.Second - rtt)
		f.want("RTO", seg(0))
		f.advance(2 * time.Second)
		f.want("second RTO", seg(0))
		if len(f.c.scoreboard) != 0 {
			t.Fatalf("scoreboard %v kept after the second timeout", f.c.scoreboard)
		}
		f.advance(rtt)
		f.handle(ack(peerISS+1, seqAt(2), wnd))
		f.want("go-back-N without skipping", seg(2), seg(3))
	})
}
