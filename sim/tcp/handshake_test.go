package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

func TestHandshakeActive(t *testing.T) {
	f := newFixture(t)
	f.dial(baseConfig())
	f.want("SYN", Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460})
	f.wantState(trace.StateSynSent)
	f.advance(rtt)
	f.wantIdle("waiting for SYN,ACK")
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 30000, MSS: 1200})
	f.want("ACK of SYN,ACK", ack(iss+1, peerISS+1, 65535))
	f.wantState(trace.StateEstablished)
	f.wantNotices(NoticeEstablished)
	f.wantStates("CLOSED>SYN-SENT", "SYN-SENT>ESTABLISHED")
	s := f.c.Snapshot()
	want := trace.ConnState{
		Local: addrA, Remote: addrB, State: trace.StateEstablished,
		ISS: uint32(iss), IRS: uint32(peerISS),
		SndUna: uint32(iss + 1), SndNxt: uint32(iss + 1), SndWnd: 30000,
		RcvNxt: uint32(peerISS + 1), RcvWnd: 65535,
		Cwnd: 3 * 1200, Ssthresh: 65535, // RFC 5681 IW for 1095 < SMSS <= 2190
		SRTT: 100 * time.Millisecond, RTTVAR: 50 * time.Millisecond, RTO: time.Second,
	}
	if s != want {
		t.Fatalf("snapshot\n got %+v\nwant %+v", s, want)
	}
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("a timer is armed in an idle ESTABLISHED connection")
	}
	// The SYN's MSS option limits our segments: min(1460, 1200).
	f.write(string(payload(1300)))
	out := f.take()
	if len(out) != 2 || len(out[0].Payload) != 1200 || len(out[1].Payload) != 100 {
		t.Fatalf("segments %v, want 1200 + 100 octets", out)
	}
}

func TestHandshakePassive(t *testing.T) {
	f := newFixture(t)
	f.accept(baseConfig(), Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 20000, MSS: 1460})
	f.want("SYN,ACK", Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
	f.wantState(trace.StateSynReceived)
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+1, 20000))
	f.wantIdle("nothing answers the final ACK")
	f.wantState(trace.StateEstablished)
	f.wantNotices(NoticeEstablished)
	f.wantStates("LISTEN>SYN-RECEIVED", "SYN-RECEIVED>ESTABLISHED")
	if s := f.c.Snapshot(); s.SRTT != rtt || s.SndWnd != 20000 || s.SndUna != uint32(iss+1) {
		t.Fatalf("snapshot %+v", s)
	}
}

func TestAcceptRejectsNonSYN(t *testing.T) {
	for _, s := range []Segment{
		ack(1, 2, 100),
		{Seq: 1, Flags: trace.FlagSYN | trace.FlagACK},
		{Seq: 1, Flags: trace.FlagSYN | trace.FlagRST},
	} {
		if c := Accept(0, baseConfig(), s); c != nil {
			t.Errorf("Accept(%v) = %v, want nil", s, c)
		}
	}
}

func TestDefaultMSSWithoutOption(t *testing.T) {
	for _, tt := range []struct {
		remote string
		mss    int
	}{
		{"10.0.0.2:80", 536},   // RFC 9293 §3.7.1: 576 - 40
		{"[fd00::2]:80", 1220}, // 1280 - 60
	} {
		f := newFixture(t)
		cfg := baseConfig()
		cfg.Remote = mustAddrPort(tt.remote)
		f.accept(cfg, Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535})
		f.handle(ack(peerISS+1, iss+1, 65535))
		f.take()
		f.write(string(payload(2000)))
		if out := f.take(); len(out[0].Payload) != tt.mss {
			t.Errorf("%s: first segment %d octets, want %d", tt.remote, len(out[0].Payload), tt.mss)
		}
	}
}

func TestSynRetransmitAndRFC6298Rule57(t *testing.T) {
	f := newFixture(t)
	f.dial(baseConfig())
	syn := Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460}
	f.want("SYN", syn)
	f.advance(time.Second - time.Millisecond)
	f.wantIdle("before the initial RTO")
	f.advance(time.Millisecond)
	f.want("SYN retransmitted at 1 s (RFC 6298 2.1)", syn)
	f.advance(2*time.Second - time.Millisecond)
	f.wantIdle("before the backed-off RTO")
	f.advance(time.Millisecond)
	f.want("SYN again after 2 s more", syn)
	f.advance(100 * time.Millisecond)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
	f.want("ACK", ack(iss+1, peerISS+1, 65535))
	s := f.c.Snapshot()
	// Karn: no sample from a retransmitted SYN. After two back-offs the RTO
	// is 4 s; RFC 6298 (5.7) re-initializes it to 3 s (not only raises it).
	if s.SRTT != 0 || s.RTO != 3*time.Second {
		t.Fatalf("SRTT %v RTO %v, want 0 and 3 s (RFC 6298 5.7)", s.SRTT, s.RTO)
	}

	// One retransmission: RTO 2 s is raised to 3 s when data transmission
	// begins.
	f = newFixture(t)
	f.dial(baseConfig())
	f.advance(time.Second)
	f.take()
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
	if s := f.c.Snapshot(); s.SRTT != 0 || s.RTO != 3*time.Second {
		t.Fatalf("SRTT %v RTO %v, want 0 and 3 s (RFC 6298 5.7)", s.SRTT, s.RTO)
	}
}

func TestSynRetriesExhausted(t *testing.T) {
	f := newFixture(t)
	cfg := baseConfig()
	cfg.MaxSynRetries = 3
	f.dial(cfg)
	f.take()
	for i, d := range []time.Duration{1, 2, 4} {
		f.advance(d * time.Second)
		if out := f.take(); len(out) != 1 || out[0].Flags != trace.FlagSYN {
			t.Fatalf("retry %d: %v", i+1, out)
		}
	}
	f.advance(8*time.Second - 1)
	f.wantState(trace.StateSynSent)
	f.advance(1)
	f.wantIdle("giving up sends nothing")
	f.wantState(trace.StateClosed)
	f.wantNotices(NoticeTimeout, NoticeClosed)
}

func TestSimultaneousOpen(t *testing.T) {
	f := newFixture(t)
	f.dial(baseConfig())
	f.want("SYN", Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460})
	f.advance(10 * time.Millisecond)
	// The peer's SYN crosses ours (RFC 9293 Figure 8).
	f.handle(Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460})
	f.want("SYN,ACK", Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
	f.wantState(trace.StateSynReceived)
	f.advance(10 * time.Millisecond)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
	f.want("ACK", ack(iss+1, peerISS+1, 65535))
	f.wantState(trace.StateEstablished)
	f.wantNotices(NoticeEstablished)
	f.wantStates("CLOSED>SYN-SENT", "SYN-SENT>SYN-RECEIVED", "SYN-RECEIVED>ESTABLISHED")
	if s := f.c.Snapshot(); s.SRTT != 0 {
		t.Fatalf("SRTT %v: the SYN was sent twice (as SYN and SYN,ACK), Karn forbids a sample", s.SRTT)
	}
}

// TestSimultaneousOpenTwoConns wires two dialling Conns together.
func TestSimultaneousOpenTwoConns(t *testing.T) {
	a, b := newFixture(t), newFixture(t)
	a.dial(baseConfig())
	cfgB := baseConfig()
	cfgB.ISS, cfgB.Local, cfgB.Remote, cfgB.Node = peerISS, addrB, addrA, "b"
	b.dial(cfgB)
	exchange(t, a, b, 5*time.Millisecond)
	a.wantStates("CLOSED>SYN-SENT", "SYN-SENT>SYN-RECEIVED", "SYN-RECEIVED>ESTABLISHED")
	b.wantStates("CLOSED>SYN-SENT", "SYN-SENT>SYN-RECEIVED", "SYN-RECEIVED>ESTABLISHED")
	a.write("from a")
	b.write("from b")
	exchange(t, a, b, 5*time.Millisecond)
	if got := a.read(); got != "from b" {
		t.Fatalf("a read %q", got)
	}
	if got := b.read(); got != "from a" {
		t.Fatalf("b read %q", got)
	}
}

// exchange delivers the segments each fixture transmitted to the other,
// one hop of delay d at a time, until both are quiet.
func exchange(t *testing.T, a, b *fixture, d time.Duration) {
	t.Helper()
	for range 100 {
		fromA, fromB := a.take(), b.take()
		if len(fromA) == 0 && len(fromB) == 0 {
			return
		}
		a.now += d
		b.now = a.now
		for _, s := range fromB {
			a.handle(s)
		}
		for _, s := range fromA {
			b.handle(s)
		}
	}
	t.Fatal("the two connections never went quiet")
}

func TestSynReceivedResendsSynAckForRetransmittedSyn(t *testing.T) {
	f := newFixture(t)
	syn := Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460}
	f.accept(baseConfig(), syn)
	synAck := Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460}
	f.want("SYN,ACK", synAck)
	f.advance(500 * time.Millisecond)
	f.handle(syn)
	f.want("SYN,ACK again for the peer's retransmitted SYN", synAck)
	f.advance(500*time.Millisecond - 1)
	f.wantIdle("RTO still runs from the first SYN,ACK")
	f.advance(1)
	f.want("SYN,ACK retransmitted at RTO", synAck)
	// An ACK that acknowledges something never sent gets a reset.
	f.handle(ack(peerISS+1, iss+5, 65535))
	f.want("RST for a bad ACK in SYN-RECEIVED", Segment{Seq: iss + 5, Flags: trace.FlagRST})
	f.wantState(trace.StateSynReceived)
}
