package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

// Exact-segment tests for what a lost SYN or SYN,ACK changes after the
// handshake (issue 11, B2 and B3).

// TestLostSynInitialWindowOneSegment: the SYN times out once; after the
// SYN,ACK the sender's initial window is one segment (RFC 5681 §3.1:
// "if the SYN or SYN/ACK is lost, the initial window used by a sender after
// a correctly transmitted SYN MUST be one segment consisting of at most
// SMSS bytes"), then slow start grows it as usual.
func TestLostSynInitialWindowOneSegment(t *testing.T) {
	f := newFixture(t)
	f.dial(baseConfig())
	f.take()
	f.advance(time.Second)
	f.want("SYN retransmitted", Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460})
	f.advance(rtt)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: wnd, MSS: 1460})
	f.want("ACK", ack(iss+1, peerISS+1, 65535))
	if s := f.c.Snapshot(); s.Cwnd != 1460 || s.Ssthresh != 65535 {
		t.Fatalf("cwnd %d ssthresh %d, want IW = 1 SMSS = 1460 and ssthresh untouched", s.Cwnd, s.Ssthresh)
	}
	p := payload(4 * 1460)
	f.write(string(p))
	f.want("one segment only", dataNoPush(iss+1, peerISS+1, 65535, p[:1460]))
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+1461, wnd))
	f.want("slow start: two more", dataNoPush(iss+1461, peerISS+1, 65535, p[1460:2920]),
		dataNoPush(iss+2921, peerISS+1, 65535, p[2920:4380]))
	if s := f.c.Snapshot(); s.Cwnd != 2920 || s.InFlight != 2920 {
		t.Fatalf("after the first ACK: %+v", s)
	}
}

// TestLostSynAckInitialWindowOneSegment: the passive side learns that its
// SYN,ACK was lost from the peer's retransmitted SYN (or from its own
// timer) and also starts with one segment.
func TestLostSynAckInitialWindowOneSegment(t *testing.T) {
	syn := Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: wnd, MSS: 1460}
	synAck := Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460}
	for _, how := range []string{"retransmitted SYN", "SYN,ACK timeout"} {
		f := newFixture(t)
		f.accept(baseConfig(), syn)
		f.want("SYN,ACK", synAck)
		if how == "retransmitted SYN" {
			f.advance(500 * time.Millisecond)
			f.handle(syn)
		} else {
			f.advance(time.Second)
		}
		f.want(how+": SYN,ACK again", synAck)
		f.advance(rtt)
		f.handle(ack(peerISS+1, iss+1, wnd))
		f.wantState(trace.StateEstablished)
		if s := f.c.Snapshot(); s.Cwnd != 1460 {
			t.Fatalf("%s: cwnd %d, want 1460", how, s.Cwnd)
		}
		p := payload(3 * 1460)
		f.write(string(p))
		f.want(how+": one segment", dataNoPush(iss+1, peerISS+1, 65535, p[:1460]))
	}
	// Control: without a loss the IW is 3 segments (SMSS 1460).
	f := newFixture(t)
	f.accept(baseConfig(), syn)
	f.take()
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+1, wnd))
	if s := f.c.Snapshot(); s.Cwnd != 3*1460 {
		t.Fatalf("no loss: cwnd %d, want 4380", s.Cwnd)
	}
}

// TestSynBackoffRTOReinitialisedTo3s: three SYN timeouts back the RTO off
// to 8 s; when data transmission begins it is re-initialised to 3 s (RFC
// 6298 §5.7), so the first data segment is retransmitted 3 s after it left,
// not 8 s.
func TestSynBackoffRTOReinitialisedTo3s(t *testing.T) {
	f := newFixture(t)
	f.dial(baseConfig())
	f.take()
	for _, d := range []time.Duration{1, 2, 4} {
		f.advance(d * time.Second)
		f.want("SYN", Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460})
	}
	if s := f.c.Snapshot(); s.RTO != 8*time.Second {
		t.Fatalf("RTO %v after three SYN timeouts, want 8 s", s.RTO)
	}
	f.advance(rtt)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: wnd, MSS: 1460})
	f.want("ACK", ack(iss+1, peerISS+1, 65535))
	if s := f.c.Snapshot(); s.RTO != 3*time.Second || s.SRTT != 0 {
		t.Fatalf("RTO %v SRTT %v, want 3 s and no sample", s.RTO, s.SRTT)
	}
	f.write("data")
	seg := data(iss+1, peerISS+1, 65535, []byte("data"))
	f.want("data", seg)
	f.advance(3*time.Second - 1)
	f.wantIdle("before 3 s")
	f.advance(1)
	f.want("retransmitted after 3 s", seg)

	// With an InitialRTO of 3 s or more RFC 6298 (5.7) does not apply; the
	// SYN's back-off still ends: the RTO is the initial one again.
	f = newFixture(t)
	cfg := baseConfig()
	cfg.InitialRTO = 5 * time.Second
	f.dial(cfg)
	f.advance(5 * time.Second)
	f.take()
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: wnd, MSS: 1460})
	if s := f.c.Snapshot(); s.RTO != 5*time.Second {
		t.Fatalf("InitialRTO 5 s: RTO %v after the handshake, want 5 s", s.RTO)
	}
}

// TestConnectGivesUpAfterThreeMinutes: an unanswered SYN is retransmitted
// for at least 3 minutes (RFC 9293 §3.8.3: "R2 for a SYN segment MUST be
// set large enough to provide retransmission of the segment for at least 3
// minutes"): with the default RTOs at 1, 3, 7, 15, 31, 63 and 123 s, and
// the open gives up at 183 s, not after MaxRetries (15) timeouts, which
// took 11 minutes. The SYN,ACK of a passive open obeys the same limit.
func TestConnectGivesUpAfterThreeMinutes(t *testing.T) {
	syn := Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460}
	f := newFixture(t)
	f.dial(baseConfig())
	f.want("SYN", syn)
	last := time.Duration(0)
	for _, at := range []time.Duration{1, 3, 7, 15, 31, 63, 123} {
		f.advance(at*time.Second - last - 1)
		f.wantIdle("before the retransmission")
		f.advance(1)
		f.want("SYN retransmitted", syn)
		last = at * time.Second
	}
	f.advance(183*time.Second - last - 1)
	f.wantIdle("still waiting")
	f.wantState(trace.StateSynSent)
	f.notices = nil
	f.advance(1)
	f.wantIdle("giving up sends nothing")
	f.wantState(trace.StateClosed)
	f.wantNotices(NoticeTimeout, NoticeClosed)

	f = newFixture(t)
	f.accept(baseConfig(), Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: wnd, MSS: 1460})
	f.take()
	for range 182 {
		f.advance(time.Second)
	}
	f.advance(time.Second - 1)
	if out := f.take(); len(out) != 7 {
		t.Fatalf("passive open: %d SYN,ACK retransmissions, want 7", len(out))
	}
	f.wantState(trace.StateSynReceived)
	f.advance(1)
	f.wantState(trace.StateClosed)
}
