package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

// RFC 7323 tests: window scaling and timestamps, segment by segment.

// ts is our TSval at time at: 1 ms ticks plus the ISS as offset (which,
// with the fixture's ISS near 2^32, wraps after 256 ms).
func ts(at time.Duration) uint32 { return uint32(at/time.Millisecond) + uint32(iss) }

const (
	wsTS = trace.OptWScale | trace.OptTimestamps
	optT = trace.OptTimestamps
)

// modernConfig offers window scale 7 and timestamps with a 1 MiB receive
// buffer, as Linux does.
func modernConfig() Config {
	cfg := baseConfig()
	cfg.WindowScale, cfg.WScaleShift, cfg.Timestamps = true, 7, true
	cfg.RcvBuf, cfg.SndBuf = 1<<20, 1<<20
	return cfg
}

// tsSeg adds a timestamps option to s.
func tsSeg(s Segment, val, ecr uint32) Segment {
	s.Opts |= trace.OptTimestamps
	s.TSval, s.TSecr = val, ecr
	return s
}

// modernEstablished is an active open with modernConfig against a peer
// offering window scale 4 and timestamps, 100 ms handshake RTT; the peer's
// SYN,ACK carries TSval 5000.
func modernEstablished(t *testing.T) *fixture {
	t.Helper()
	return openedBy(t, modernConfig(), Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460,
		Opts: wsTS, WScale: 4, TSval: 5000, TSecr: ts(0)})
}

// TestWindowScaleActiveOpen: RFC 7323 §2.2 and §3.2 on the SYN and the
// SYN,ACK. Our SYN offers WS 7 and TS (TSecr 0) with an unscaled window of
// 65535 although the buffer is 1 MiB; the peer's SYN,ACK window is not
// scaled either; from the third segment on windows are scaled both ways,
// and the handshake's RTT comes from the SYN,ACK's TSecr.
func TestWindowScaleActiveOpen(t *testing.T) {
	f := newFixture(t)
	f.dial(modernConfig())
	f.want("SYN with MSS, TS, WS", Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460,
		Opts: wsTS, WScale: 7, TSval: ts(0), TSecr: 0})
	if got := (Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: wsTS, WScale: 7, TSval: 7, TSecr: 0}).String(); got != "<SEQ=4294967040><CTL=SYN><WND=65535><MSS=1460><WS=7><TSval=7,TSecr=0><LEN=0>" {
		t.Errorf("String = %s", got)
	}
	f.advance(rtt)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460,
		Opts: wsTS, WScale: 4, TSval: 5000, TSecr: ts(0)})
	// 1 MiB free, advertised >> 7 = 8192.
	f.want("ACK: window 1 MiB >> 7, echo of the SYN,ACK's TSval", tsSeg(ack(iss+1, peerISS+1, 8192), ts(rtt), 5000))
	s := f.c.Snapshot()
	if s.SndWnd != 65535 || s.RcvWnd != 1<<20 || s.SRTT != rtt || s.Ssthresh != 65535<<4 || s.Cwnd != 3*1448 {
		t.Fatalf("snapshot %+v: want SND.WND 65535 (a SYN's window is not scaled), RCV.WND 1 MiB, SRTT %v, ssthresh 65535<<4, IW 3·1448", s, rtt)
	}
	// The peer's window of 1000 means 16000 octets: 11 segments of 1448
	// (the MSS less the 12 bytes of the timestamps option) and 72 octets.
	f.handle(tsSeg(ack(peerISS+1, iss+1, 1000), 5001, ts(rtt)))
	if s := f.c.Snapshot(); s.SndWnd != 16000 {
		t.Fatalf("SND.WND = %d, want 1000 << 4", s.SndWnd)
	}
	f.write(string(payload(1500)))
	f.want("data of 1448 + 52 octets, each with timestamps",
		tsSeg(dataNoPush(iss+1, peerISS+1, 8192, payload(1500)[:1448]), ts(rtt), 5001),
		tsSeg(data(iss+1+1448, peerISS+1, 8192, payload(1500)[1448:]), ts(rtt), 5001))
}

// TestWindowScalePassiveOpen: the SYN,ACK carries WS only because the SYN
// did, TSecr echoes the SYN's TSval, and the final ACK's window is scaled.
func TestWindowScalePassiveOpen(t *testing.T) {
	f := newFixture(t)
	f.accept(modernConfig(), Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: wsTS, WScale: 9, TSval: 777})
	f.want("SYN,ACK with WS and the echo", Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460,
		Opts: wsTS, WScale: 7, TSval: ts(0), TSecr: 777})
	f.advance(rtt)
	f.handle(tsSeg(ack(peerISS+1, iss+1, 300), 800, ts(0)))
	f.wantState(trace.StateEstablished)
	if s := f.c.Snapshot(); s.SndWnd != 300<<9 || s.SRTT != rtt {
		t.Fatalf("snapshot %+v: want SND.WND 300<<9, SRTT %v", s, rtt)
	}
}

// TestWindowScaleNeedsBothSYNs: one side without the option means no
// scaling at all, in either direction (RFC 7323 §2.2), and the 1 MiB
// buffer can only advertise 65535.
func TestWindowScaleNeedsBothSYNs(t *testing.T) {
	t.Run("active", func(t *testing.T) {
		f := newFixture(t)
		f.dial(modernConfig())
		f.take()
		f.advance(rtt)
		f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
		// Neither option came back: no timestamps either, full MSS.
		f.want("ACK with an unscaled window, no options", ack(iss+1, peerISS+1, 65535))
		f.handle(ack(peerISS+1, iss+1, 1000))
		if s := f.c.Snapshot(); s.SndWnd != 1000 || s.RcvWnd != 65535 || s.Ssthresh != 65535 || s.Cwnd != 3*1460 {
			t.Fatalf("snapshot %+v", s)
		}
	})
	t.Run("passive", func(t *testing.T) {
		f := newFixture(t)
		f.accept(modernConfig(), Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: optT, TSval: 1})
		f.want("SYN,ACK without WS (the SYN had none)", Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK,
			Window: 65535, MSS: 1460, Opts: optT, TSval: ts(0), TSecr: 1})
		f.handle(tsSeg(ack(peerISS+1, iss+1, 1000), 2, ts(0)))
		if s := f.c.Snapshot(); s.SndWnd != 1000 {
			t.Fatalf("SND.WND = %d, want 1000 unscaled", s.SndWnd)
		}
	})
	t.Run("we do not offer", func(t *testing.T) {
		f := newFixture(t)
		f.accept(baseConfig(), Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: wsTS, WScale: 7, TSval: 1})
		f.want("plain SYN,ACK", Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
		f.handle(ack(peerISS+1, iss+1, 1000))
		if s := f.c.Snapshot(); s.SndWnd != 1000 {
			t.Fatalf("SND.WND = %d, want 1000 unscaled", s.SndWnd)
		}
	})
	t.Run("shift above 14", func(t *testing.T) {
		// §2.3: "MUST use 14 instead of the specified value".
		f := newFixture(t)
		f.accept(modernConfig(), Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: trace.OptWScale, WScale: 15})
		f.take()
		f.handle(ack(peerISS+1, iss+1, 2))
		if s := f.c.Snapshot(); s.SndWnd != 2<<14 {
			t.Fatalf("SND.WND = %d, want 2<<14", s.SndWnd)
		}
	})
}

// TestScaledWindowArithmetic: a 1 MiB buffer with shift 7 across the
// 65,535 boundary. The window field is the free space >> 7, rounded down;
// the right edge we keep never moves left (RFC 7323 §2.4), and reading
// moves it right again.
func TestScaledWindowArithmetic(t *testing.T) {
	f := modernEstablished(t)
	// 70000 octets arrive in 50 segments of 1400; none is read.
	seq := peerISS + 1
	for i := range 50 {
		f.handle(tsSeg(dataNoPush(seq, iss+1, 4096, payload(1400)), 5001+uint32(i), ts(rtt)))
		seq = seq.Add(1400)
	}
	out := f.take()
	last := out[len(out)-1]
	// free = 1048576 - 70000 = 978576; 978576 >> 7 = 7645 (978560 octets).
	if last.Ack != seq || last.Window != 7645 {
		t.Fatalf("last ACK %v, want ACK %d window 7645", last, uint32(seq))
	}
	if s := f.c.Snapshot(); s.RcvWnd != 978576 {
		t.Fatalf("RCV.WND %d, want 978576 (the edge kept is not rounded)", s.RcvWnd)
	}
	// Reading it all moves the edge by 70000 octets: worth an update.
	if got := len(f.read()); got != 70000 {
		t.Fatalf("read %d", got)
	}
	f.want("window update: the whole MiB again", tsSeg(ack(iss+1, seq, 8192), ts(rtt), 5050))

	// Shift 0 with a larger buffer: the field stops at 65535.
	cfg := modernConfig()
	cfg.WScaleShift = 0
	cfg.RcvBuf = 65535
	g := newFixture(t)
	g.accept(cfg, Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: trace.OptWScale, WScale: 2})
	g.want("SYN,ACK offering shift 0", Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460,
		Opts: trace.OptWScale, WScale: 0})
}

// TestTimestampEcho: RFC 7323 §4.3. TSecr is TS.Recent, which only a
// segment at or below Last.ACK.sent updates: an out-of-order segment's
// TSval is not echoed; the one that fills the hole is.
func TestTimestampEcho(t *testing.T) {
	f := modernEstablished(t)
	f.advance(10 * time.Millisecond)
	now := rtt + 10*time.Millisecond
	p := payload(3000)
	f.handle(tsSeg(dataNoPush(peerISS+1, iss+1, 4096, p[:1000]), 6000, ts(rtt)))
	f.want("ACK echoing 6000", tsSeg(ack(iss+1, peerISS+1001, 8192-8), ts(now), 6000))
	f.handle(tsSeg(dataNoPush(peerISS+2001, iss+1, 4096, p[2000:]), 6002, ts(rtt)))
	f.want("duplicate ACK still echoing 6000", tsSeg(ack(iss+1, peerISS+1001, 8192-8), ts(now), 6000))
	f.handle(tsSeg(dataNoPush(peerISS+1001, iss+1, 4096, p[1000:2000]), 6001, ts(rtt)))
	f.want("ACK of all, echoing the hole's 6001", tsSeg(ack(iss+1, peerISS+3001, 8192-24), ts(now), 6001))
}

// TestTimestampRTTFromRetransmission: RFC 7323 §4.1. Karn's algorithm
// takes no sample from a retransmitted segment because its ACK is
// ambiguous; the TSecr is not: it echoes the retransmission's TSval, so the
// ACK gives a sample and the backed-off RTO comes back at once.
func TestTimestampRTTFromRetransmission(t *testing.T) {
	for _, tsOn := range []bool{true, false} {
		f := newFixture(t)
		cfg := modernConfig()
		cfg.Timestamps = tsOn
		f.dial(cfg)
		f.take()
		f.advance(rtt)
		syn := Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460, Opts: trace.OptWScale, WScale: 4}
		if tsOn {
			syn = tsSeg(syn, 5000, ts(0))
		}
		f.handle(syn)
		f.take()
		f.write("x")
		f.take()
		f.advance(time.Second) // RTO 1 s: the segment is retransmitted, RTO 2 s
		out := f.take()
		if len(out) != 1 || len(out[0].Payload) != 1 {
			t.Fatalf("retransmission %v", out)
		}
		if s := f.c.Snapshot(); s.RTO != 2*time.Second {
			t.Fatalf("RTO after the timeout %v", s.RTO)
		}
		f.advance(rtt)
		a := ack(peerISS+1, iss+2, 100)
		if tsOn {
			if out[0].TSval != ts(rtt+time.Second) {
				t.Fatalf("retransmission's TSval %d, want %d", out[0].TSval, ts(rtt+time.Second))
			}
			a = tsSeg(a, 5001, out[0].TSval)
		}
		f.handle(a)
		s := f.c.Snapshot()
		if tsOn {
			// RTT sample 100 ms: SRTT 100 ms, RTTVAR 3/4·50 ms, RTO back to 1 s.
			if s.SRTT != rtt || s.RTTVAR != 37500*time.Microsecond || s.RTO != time.Second {
				t.Fatalf("with timestamps: SRTT %v RTTVAR %v RTO %v; want 100ms 37.5ms 1s", s.SRTT, s.RTTVAR, s.RTO)
			}
		} else if s.RTTVAR != 50*time.Millisecond || s.RTO != 2*time.Second {
			t.Fatalf("without timestamps (Karn): RTTVAR %v RTO %v; want 50ms and the backed-off 2s kept", s.RTTVAR, s.RTO)
		}
	}
}

// TestPAWS: RFC 7323 §5.3 R1. A segment whose TSval is older than
// TS.Recent is not acceptable: it is answered by an ACK and its data is
// dropped. After 24 days idle TS.Recent is no longer trusted (§5.5).
func TestPAWS(t *testing.T) {
	f := modernEstablished(t)
	f.handle(tsSeg(dataNoPush(peerISS+1, iss+1, 4096, payload(100)), 6000, ts(rtt)))
	f.take()
	f.handle(tsSeg(dataNoPush(peerISS+101, iss+1, 4096, payload(100)), 5999, ts(rtt)))
	f.want("PAWS: an ACK, data dropped", tsSeg(ack(iss+1, peerISS+101, 8191), ts(rtt), 6000))
	if !f.c.Discarded() || f.c.Buffered() != 100 {
		t.Fatalf("discarded %v, buffered %d", f.c.Discarded(), f.c.Buffered())
	}
	// TSval wraps: 6000 + 2^31 - 1 is newer, 6000 + 2^31 is older.
	f.handle(tsSeg(dataNoPush(peerISS+101, iss+1, 4096, payload(100)), 6000+1<<31, ts(rtt)))
	if !f.c.Discarded() {
		t.Fatal("TSval 2^31 ahead was accepted")
	}
	f.take()
	f.now += pawsIdle + time.Millisecond
	f.handle(tsSeg(dataNoPush(peerISS+101, iss+1, 4096, payload(100)), 3, ts(rtt)))
	if f.c.Discarded() || f.c.Buffered() != 200 {
		t.Fatalf("after 24 days idle: discarded %v, buffered %d", f.c.Discarded(), f.c.Buffered())
	}
	if out := f.take(); len(out) != 1 || out[0].TSecr != 3 {
		t.Fatalf("ACK %v, want TSecr 3 (TS.Recent taken anew)", out)
	}
}

// TestTimestampsMissing: RFC 7323 §3.2, a non-RST segment without the
// option once it was negotiated is dropped silently; a RST is not.
func TestTimestampsMissing(t *testing.T) {
	f := modernEstablished(t)
	f.handle(dataNoPush(peerISS+1, iss+1, 4096, payload(100)))
	f.wantIdle("silently dropped")
	if !f.c.Discarded() || f.c.Buffered() != 0 {
		t.Fatal("segment without timestamps was accepted")
	}
	f.handle(Segment{Seq: peerISS + 1, Flags: trace.FlagRST})
	f.wantState(trace.StateClosed)
}
