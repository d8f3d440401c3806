package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

const wnd = 65535

func TestDataAndCumulativeAck(t *testing.T) {
	f := established(t, baseConfig(), wnd)
	p := payload(3000)
	f.write(string(p))
	// IW = 3·1460 = 4380 lets all three segments go; the stream crosses 2^32
	// (ISS+1 = 0xFFFFFF01).
	f.want("three segments", dataNoPush(iss+1, peerISS+1, 65535, p[:1460]),
		dataNoPush(iss+1461, peerISS+1, 65535, p[1460:2920]),
		data(iss+2921, peerISS+1, 65535, p[2920:]))
	if s := f.c.Snapshot(); s.InFlight != 3000 || s.SndNxt != uint32(iss+3001) || s.SndNxt != 0xAB9 {
		t.Fatalf("snapshot %+v", s)
	}
	if f.c.SendSpace() != 65535-3000 {
		t.Fatalf("SendSpace %d", f.c.SendSpace())
	}
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+2921, wnd)) // one cumulative ACK for two segments
	f.wantIdle("an ACK needs no answer")
	f.wantNotices(NoticeWritable)
	s := f.c.Snapshot()
	if s.SndUna != uint32(iss+2921) || s.InFlight != 80 || s.Cwnd != 4380+1460 {
		t.Fatalf("after cumulative ACK: %+v", s)
	}
	if f.c.SendSpace() != 65535-80 {
		t.Fatalf("SendSpace %d", f.c.SendSpace())
	}
	if at, ok := f.c.NextTimeout(); !ok || at != f.now+time.Second {
		t.Fatalf("RTO restarted at %v (%v), want now+1s (RFC 6298 5.3)", at, ok)
	}
	f.handle(ack(peerISS+1, iss+3001, wnd))
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("retransmission timer still armed after everything was ACKed (RFC 6298 5.2)")
	}
	// An old ACK changes nothing.
	f.handle(ack(peerISS+1, iss+2921, wnd))
	f.wantIdle("old ACK")
	if s := f.c.Snapshot(); s.SndUna != uint32(iss+3001) {
		t.Fatalf("old ACK moved SND.UNA: %+v", s)
	}
	// An ACK for something never sent is answered by an ACK and dropped.
	f.handle(ack(peerISS+1, iss+5000, wnd))
	f.want("ACK for unsent data", ack(iss+3001, peerISS+1, 65535))
}

func TestRetransmitAfterRTOWithBackoff(t *testing.T) {
	cfg := baseConfig()
	cfg.MaxRetries = 8
	f := established(t, cfg, wnd)
	f.write("abcdef")
	seg := data(iss+1, peerISS+1, 65535, []byte("abcdef"))
	f.want("first send", seg)
	// RFC 6298: 1 s, then doubling (5.5), capped at MaxRTO = 60 s (2.5).
	for i, rto := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60} {
		f.advance(rto*time.Second - time.Millisecond)
		f.wantIdle("before RTO")
		f.advance(time.Millisecond)
		f.want("RFC 6298 (5.4) retransmit", seg)
		if i == 0 {
			// RFC 5681 (4): ssthresh = max(FlightSize/2, 2·SMSS); cwnd = LW = 1 SMSS.
			if s := f.c.Snapshot(); s.Ssthresh != 2920 || s.Cwnd != 1460 || s.RTO != 2*time.Second {
				t.Fatalf("after the first timeout: %+v", s)
			}
		}
	}
	if s := f.c.Snapshot(); s.RTO != 60*time.Second || s.Ssthresh != 2920 {
		t.Fatalf("RTO %v ssthresh %d, want 60 s and 2920 held constant", s.RTO, s.Ssthresh)
	}
	f.notices = nil
	f.advance(60 * time.Second)
	f.wantIdle("giving up sends no RST")
	f.wantState(trace.StateClosed)
	f.wantNotices(NoticeTimeout, NoticeClosed)
	if f.c.Write(f.now, []byte("x")) != 0 {
		t.Fatal("Write accepted data on a closed connection")
	}
}

func TestKarnNoSampleFromRetransmission(t *testing.T) {
	cfg := baseConfig()
	cfg.MinRTO = 100 * time.Millisecond
	f := established(t, cfg, wnd) // SRTT 100 ms, RTTVAR 50 ms, RTO 300 ms
	f.write("hello")
	f.take()
	f.advance(300 * time.Millisecond)
	f.want("retransmission", data(iss+1, peerISS+1, 65535, []byte("hello")))
	f.advance(50 * time.Millisecond)
	f.handle(ack(peerISS+1, iss+6, wnd))
	s := f.c.Snapshot()
	if s.SRTT != 100*time.Millisecond || s.RTTVAR != 50*time.Millisecond || s.RTO != 600*time.Millisecond {
		t.Fatalf("Karn: SRTT %v RTTVAR %v RTO %v, want 100ms 50ms and the backed-off 600ms", s.SRTT, s.RTTVAR, s.RTO)
	}
	// The next, fresh segment is timed: R = 300 ms.
	f.write("again")
	f.take()
	f.advance(300 * time.Millisecond)
	f.handle(ack(peerISS+1, iss+11, wnd))
	s = f.c.Snapshot()
	// RTTVAR = 3/4·50 + 1/4·|100-300| = 87.5 ms; SRTT = 7/8·100 + 1/8·300 = 125 ms;
	// RTO = 125 + 4·87.5 = 475 ms.
	if s.SRTT != 125*time.Millisecond || s.RTTVAR != 87500*time.Microsecond || s.RTO != 475*time.Millisecond {
		t.Fatalf("after a clean sample: SRTT %v RTTVAR %v RTO %v", s.SRTT, s.RTTVAR, s.RTO)
	}
}

func TestRTOEstimator(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name              string
		min, max          time.Duration
		samples           []time.Duration
		srtt, rttvar, rto time.Duration
	}{
		{"first sample (2.2)", time.Nanosecond, time.Minute, []time.Duration{100 * ms}, 100 * ms, 50 * ms, 300 * ms},
		{"second sample (2.3)", time.Nanosecond, time.Minute, []time.Duration{100 * ms, 200 * ms}, 112500 * time.Microsecond, 62500 * time.Microsecond, 362500 * time.Microsecond},
		{"steady RTT shrinks RTTVAR", time.Nanosecond, time.Minute, []time.Duration{100 * ms, 100 * ms, 100 * ms}, 100 * ms, 28125 * time.Microsecond, 212500 * time.Microsecond},
		{"a sudden zero RTT", time.Nanosecond, time.Minute, []time.Duration{time.Second, 0}, 875 * ms, 625 * ms, 3375 * ms},
		{"rounded up to MinRTO (2.4)", time.Second, time.Minute, []time.Duration{100 * ms}, 100 * ms, 50 * ms, time.Second},
		{"Linux-like 200 ms minimum", 200 * ms, time.Minute, []time.Duration{10 * ms}, 10 * ms, 5 * ms, 200 * ms},
		{"capped at MaxRTO (2.5)", time.Second, time.Minute, []time.Duration{30 * time.Second}, 30 * time.Second, 15 * time.Second, time.Minute},
		{"G when RTTVAR is 0", time.Nanosecond, time.Minute, []time.Duration{3, 3}, 3, 0, 4},
	}
	for _, tt := range tests {
		cfg := baseConfig()
		cfg.MinRTO, cfg.MaxRTO = tt.min, tt.max
		c := newConn(cfg)
		for _, r := range tt.samples {
			c.sampleRTT(r)
		}
		if c.srtt != tt.srtt || c.rttvar != tt.rttvar || c.rto != tt.rto {
			t.Errorf("%s: SRTT %v RTTVAR %v RTO %v, want %v %v %v", tt.name, c.srtt, c.rttvar, c.rto, tt.srtt, tt.rttvar, tt.rto)
		}
	}
}

func TestSlowStartAndCongestionAvoidance(t *testing.T) {
	f := established(t, baseConfig(), wnd)
	p := payload(40 * 1460)
	f.write(string(p))
	if out := f.take(); len(out) != 3 {
		t.Fatalf("IW: %d segments, want 3", len(out))
	}
	// Slow start: every ACK of a full segment adds one SMSS (RFC 5681 (2))
	// and lets two more segments out.
	next := iss + 1
	for i, want := range []uint32{5840, 7300, 8760} {
		next += 1460
		f.advance(time.Millisecond)
		f.handle(ack(peerISS+1, next, wnd))
		if got := f.c.Snapshot().Cwnd; got != want {
			t.Fatalf("ACK %d: cwnd %d, want %d", i+1, got, want)
		}
		if out := f.take(); len(out) != 2 {
			t.Fatalf("ACK %d: %d segments, want 2", i+1, len(out))
		}
	}
	// Congestion avoidance from cwnd = ssthresh: cwnd += SMSS·SMSS/cwnd per
	// ACK (RFC 5681 (3)), about one SMSS per window of ACKs.
	f.c.ssthresh = f.c.cwnd
	start := f.c.cwnd
	acks := int(start / 1460)
	want := start
	for range acks {
		want += 1460 * 1460 / want
		next += 1460
		f.handle(ack(peerISS+1, next, wnd))
		if got := f.c.Snapshot().Cwnd; got != want {
			t.Fatalf("congestion avoidance: cwnd %d, want %d", got, want)
		}
	}
	if grown := f.c.cwnd - start; grown < 1300 || grown > 1460 {
		t.Fatalf("cwnd grew by %d in one RTT of ACKs, want about one SMSS", grown)
	}
}

// fastRetransmitFixture sends five segments S0..S4 with cwnd 5·SMSS.
func fastRetransmitFixture(t *testing.T) (*fixture, []byte) {
	cfg := baseConfig()
	cfg.InitialCwnd = 5 * 1460
	f := established(t, cfg, wnd)
	p := payload(7 * 1460)
	f.write(string(p[:5*1460]))
	if out := f.take(); len(out) != 5 {
		t.Fatalf("%d segments, want 5", len(out))
	}
	return f, p
}

func seqAt(i int) Seq { return iss + 1 + Seq(i*1460) }

func TestFastRetransmitAndRecovery(t *testing.T) {
	f, p := fastRetransmitFixture(t)
	f.advance(rtt)
	// S0 is lost; S1, S2, S3 arrive and each produces a duplicate ACK.
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.wantIdle("two duplicate ACKs")
	// A window update is not a duplicate ACK (RFC 5681 condition (e)).
	f.handle(ack(peerISS+1, iss+1, wnd-1))
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.wantIdle("window changes reset nothing but do not count")
	if got := f.c.Snapshot().DupAcks; got != 2 {
		t.Fatalf("DupAcks %d, want 2", got)
	}
	f.write(string(p[5*1460:])) // queued: the window has no room for it yet
	f.wantIdle("cwnd full")
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.want("fast retransmit of exactly S0", dataNoPush(seqAt(0), peerISS+1, 65535, p[:1460]))
	s := f.c.Snapshot()
	// ssthresh = max(FlightSize/2, 2·SMSS) = 7300/2; cwnd = ssthresh + 3·SMSS.
	if s.Ssthresh != 3650 || s.Cwnd != 3650+3*1460 || s.DupAcks != 3 {
		t.Fatalf("after the third duplicate ACK: %+v", s)
	}
	// S4's duplicate ACK inflates cwnd by one SMSS: 9490 - 7300 in flight
	// lets one new segment out.
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.want("new data during recovery", dataNoPush(seqAt(5), peerISS+1, 65535, p[5*1460:6*1460]))
	if s := f.c.Snapshot(); s.Cwnd != 9490 {
		t.Fatalf("cwnd %d, want 9490", s.Cwnd)
	}
	// The retransmission fills the hole: a full ACK deflates cwnd to ssthresh.
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(5), wnd))
	s = f.c.Snapshot()
	if s.Cwnd != 3650 || s.DupAcks != 0 {
		t.Fatalf("after the full ACK: %+v", s)
	}
	f.want("cwnd 3650 with 1460 in flight lets S6 out", data(seqAt(6), peerISS+1, 65535, p[6*1460:]))
}

func TestNewRenoPartialAck(t *testing.T) {
	f, p := fastRetransmitFixture(t)
	f.advance(rtt)
	// S0 and S2 are lost: S1, S3, S4 give three duplicate ACKs.
	for range 3 {
		f.handle(ack(peerISS+1, iss+1, wnd))
	}
	f.want("fast retransmit of S0", dataNoPush(seqAt(0), peerISS+1, 65535, p[:1460]))
	f.advance(rtt)
	// The repaired S0 makes the receiver ACK up to S2: a partial ACK.
	f.handle(ack(peerISS+1, seqAt(2), wnd))
	f.want("RFC 6582: retransmit the next hole at once", dataNoPush(seqAt(2), peerISS+1, 65535, p[2*1460:3*1460]))
	// cwnd deflated by the 2920 octets acknowledged, plus one SMSS back.
	if s := f.c.Snapshot(); s.Cwnd != 8030-2920+1460 || s.Ssthresh != 3650 {
		t.Fatalf("after the partial ACK: %+v", s)
	}
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(5), wnd))
	if s := f.c.Snapshot(); s.Cwnd != 3650 || s.InFlight != 0 {
		t.Fatalf("after the full ACK: %+v", s)
	}
}

func TestRTOAfterFastRetransmitGoesBackN(t *testing.T) {
	f, p := fastRetransmitFixture(t)
	f.advance(time.Second)
	f.want("RTO retransmits S0 only (cwnd = 1 SMSS)", dataNoPush(seqAt(0), peerISS+1, 65535, p[:1460]))
	// The receiver had S1..S4: the ACK jumps over what was not resent.
	f.handle(ack(peerISS+1, seqAt(5), wnd))
	f.wantIdle("nothing left to send")
	if s := f.c.Snapshot(); s.SndNxt != uint32(seqAt(5)) || s.InFlight != 0 || s.Cwnd != 1460+1460 {
		t.Fatalf("%+v", s)
	}
}
