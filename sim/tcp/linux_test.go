package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

// Tests of the Config knobs the linux profile sets (profile.go), each
// against the rule it replaces.

// TestLinuxRTOFloorsTheVariance: after one sample of 50 ms, RFC 6298 gives
// SRTT + 4·RTTVAR = 50 + 100 = 150 ms, rounded up to MinRTO 200 ms; Linux
// floors only the variance term: 50 + max(100, 200) = 250 ms. A sample of
// 100 ms gives 300 ms both ways (4·RTTVAR = 200 ms).
func TestLinuxRTOFloorsTheVariance(t *testing.T) {
	for _, tc := range []struct {
		linux  bool
		sample time.Duration
		want   time.Duration
	}{
		{false, 50 * time.Millisecond, 200 * time.Millisecond},
		{true, 50 * time.Millisecond, 250 * time.Millisecond},
		{true, 100 * time.Millisecond, 300 * time.Millisecond},
		{true, 0, 200 * time.Millisecond}, // loopback: the floor alone
	} {
		cfg := baseConfig()
		cfg.MinRTO, cfg.LinuxRTO = 200*time.Millisecond, tc.linux
		f := newFixture(t)
		f.dial(cfg)
		f.take()
		f.now += tc.sample
		f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: wnd, MSS: 1460})
		f.take()
		if s := f.c.Snapshot(); s.RTO != tc.want || s.SRTT != tc.sample {
			t.Errorf("LinuxRTO=%v, sample %v: RTO %v SRTT %v, want RTO %v", tc.linux, tc.sample, s.RTO, s.SRTT, tc.want)
		}
	}
	// MaxRTO still caps it.
	cfg := baseConfig()
	cfg.LinuxRTO, cfg.MinRTO, cfg.MaxRTO = true, 200*time.Millisecond, 250*time.Millisecond
	f := newFixture(t)
	f.dial(cfg)
	f.take()
	f.now += 100 * time.Millisecond
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: wnd, MSS: 1460})
	if s := f.c.Snapshot(); s.RTO != 250*time.Millisecond {
		t.Errorf("RTO %v above MaxRTO 250 ms", s.RTO)
	}
}

// TestSynLinearTimeouts: with Linux's four linear timeouts an unanswered
// SYN goes out at 0 s and after each of the first four timeouts 1 s
// later; the fifth timeout (at 5 s) backs off: 7 s; after the sixth
// retransmission (MaxSynRetries 6) the open gives up at 11 s.
// The SYN,ACK of a passive open backs off as usual.
func TestSynLinearTimeouts(t *testing.T) {
	cfg := baseConfig()
	cfg.SynLinearTimeouts, cfg.MaxSynRetries = 4, 6
	syn := Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460}
	f := newFixture(t)
	f.dial(cfg)
	f.want("SYN", syn)
	last := time.Duration(0)
	for _, at := range []time.Duration{1, 2, 3, 4, 5, 7} {
		f.advance(at*time.Second - last - 1)
		f.wantIdle("before the retransmission")
		f.advance(1)
		f.want("SYN retransmitted", syn)
		last = at * time.Second
	}
	f.advance(11*time.Second - last - 1)
	f.wantState(trace.StateSynSent)
	f.advance(1)
	f.wantState(trace.StateClosed)

	f = newFixture(t)
	f.accept(cfg, Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: wnd, MSS: 1460})
	f.take()
	f.advance(time.Second)
	f.take()
	f.advance(2*time.Second - 1)
	f.wantIdle("a passive open backs off: 1 s, then 2 s")
	f.advance(1)
	if out := f.take(); len(out) != 1 || out[0].Flags != trace.FlagSYN|trace.FlagACK {
		t.Fatalf("SYN,ACK at 3 s: %v", out)
	}
}

// TestEmptyWindowProbes: Linux probes a zero window with an empty ACK at
// SND.UNA−1 (seq one below what the peer acknowledged), backed off from
// the RTO like RFC 9293's one-octet probe; the peer's answer carries its
// window, and when it opens the data goes out as usual.
func TestEmptyWindowProbes(t *testing.T) {
	cfg := baseConfig()
	cfg.EmptyWindowProbes = true
	f := established(t, cfg, wnd)
	f.write(string(payload(3000)))
	f.take()
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+3001, 0))
	f.write("xyz")
	f.wantIdle("zero window")
	probe := ack(iss+3000, peerISS+1, 65535)
	for _, d := range []time.Duration{1, 2, 4} {
		f.advance(d*time.Second - time.Millisecond)
		f.wantIdle("before the probe")
		f.advance(time.Millisecond)
		f.want("empty probe at SND.UNA-1", probe)
		f.handle(ack(peerISS+1, iss+3001, 0))
		f.wantIdle("answered, still closed")
	}
	f.handle(ack(peerISS+1, iss+3001, 4000))
	f.want("the window opened", data(iss+3001, peerISS+1, 65535, []byte("xyz")))
	if f.c.State() != trace.StateEstablished {
		t.Fatalf("state %v", f.c.State())
	}

	// The receiving side: an empty segment at RCV.NXT−1 is not acceptable
	// (RFC 9293 §3.10.7.4), so it is answered with an ACK carrying the
	// window, as the probing side relies on.
	g := established(t, baseConfig(), wnd)
	g.handle(ack(peerISS, iss+1, wnd))
	g.want("the probe is answered", ack(iss+1, peerISS+1, 65535))
}

func quickAckConfig() Config {
	cfg := baseConfig()
	cfg.DelayedAck, cfg.QuickAck = 40*time.Millisecond, true
	return cfg
}

// TestQuickAckRequestReply is Linux's request/response on loopback: the
// request is ACKed at once (quick-ACK mode at the first data), the reply
// sent within the ACK timeout turns ping-pong mode on, so the next
// request's ACK waits — and rides on the reply when the reply comes in
// time, or leaves alone at 40 ms, which also ends ping-pong mode.
func TestQuickAckRequestReply(t *testing.T) {
	f := established(t, quickAckConfig(), wnd)
	f.handle(data(peerISS+1, iss+1, wnd, []byte("hello")))
	f.want("quick ACK of the first request", ack(iss+1, peerISS+6, 65530))
	f.advance(time.Millisecond)
	f.write("reply")
	f.want("the reply", data(iss+1, peerISS+6, 65530, []byte("reply")))
	f.handle(ack(peerISS+6, iss+6, wnd))
	// Ping-pong: the second request waits for the reply.
	f.handle(data(peerISS+6, iss+6, wnd, []byte("again")))
	f.wantIdle("ping-pong: the ACK waits for the reply")
	f.advance(10 * time.Millisecond)
	f.write("r2")
	f.want("the ACK rides on the reply", data(iss+6, peerISS+11, 65525, []byte("r2")))
	f.handle(ack(peerISS+11, iss+8, wnd))
	// No reply this time: the ACK leaves at 40 ms and ping-pong ends, so
	// quick ACKs (14 left) resume.
	f.handle(data(peerISS+11, iss+8, wnd, []byte("x")))
	f.advance(40*time.Millisecond - 1)
	f.wantIdle("before the ACK timeout")
	f.advance(1)
	f.want("delayed ACK at 40 ms", ack(iss+8, peerISS+12, 65524))
	f.handle(data(peerISS+12, iss+8, wnd, []byte("y")))
	f.want("quick ACK again", ack(iss+8, peerISS+13, 65523))
}

// TestQuickAckCount: quick-ACK mode lasts rcv_wnd/(2·rcv_mss) ACKs, where
// rcv_mss is the largest segment seen (536 at first): 65535/(2·1460) = 22,
// at most 16. Then ACKs wait unless more than one full segment is
// unacknowledged — every second full segment, as RFC 9293 asks.
func TestQuickAckCount(t *testing.T) {
	f := established(t, quickAckConfig(), wnd)
	p := payload(40 * 1460)
	seq := peerISS + 1
	for i := range 16 {
		f.handle(dataNoPush(seq, iss+1, wnd, p[i*1460:(i+1)*1460]))
		seq += 1460
		if out := f.take(); len(out) != 1 || out[0].Ack != seq {
			t.Fatalf("segment %d: %v, want an ACK at once", i, out)
		}
		f.read()
	}
	f.handle(dataNoPush(seq, iss+1, wnd, p[16*1460:17*1460]))
	f.wantIdle("quick ACKs used up: one full segment waits")
	f.handle(dataNoPush(seq+1460, iss+1, wnd, p[17*1460:18*1460]))
	if out := f.take(); len(out) != 1 || out[0].Ack != seq+2920 {
		t.Fatalf("second full segment: %v, want its ACK", out)
	}
	f.read()
	f.take() // a window update
	seq += 2920
	// "More than one full frame": a full segment and a small one.
	f.handle(dataNoPush(seq, iss+1, wnd, p[18*1460:19*1460]))
	f.wantIdle("one full segment waits")
	f.handle(dataNoPush(seq+1460, iss+1, wnd, p[19*1460:19*1460+100]))
	if out := f.take(); len(out) != 1 || out[0].Ack != seq+1560 {
		t.Fatalf("1560 bytes unacknowledged: %v, want an ACK", out)
	}
	f.read()
	f.take()
	seq += 1560
	// A gap longer than the RTO starts quick-ACK mode again.
	f.advance(f.c.Snapshot().RTO + time.Millisecond)
	f.handle(dataNoPush(seq, iss+1, wnd, []byte("z")))
	if out := f.take(); len(out) != 1 || out[0].Ack != seq+1 {
		t.Fatalf("after an idle gap: %v, want a quick ACK", out)
	}
}

// TestQuickAckFinWaitsForOurFin: Linux delays the ACK of a FIN received
// in ESTABLISHED (tcp_fin enters ping-pong mode), so when the application
// closes at once the ACK rides on our FIN — the three-segment teardown
// students see in Wireshark; without a close it leaves at 40 ms.
func TestQuickAckFinWaitsForOurFin(t *testing.T) {
	f := established(t, quickAckConfig(), wnd)
	f.handle(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: trace.FlagFIN | trace.FlagACK, Window: wnd})
	f.wantIdle("the FIN's ACK waits")
	f.wantState(trace.StateCloseWait)
	f.advance(time.Millisecond)
	f.c.Close(f.now)
	f.want("FIN,ACK acknowledges the peer's FIN", Segment{Seq: iss + 1, Ack: peerISS + 2, Flags: trace.FlagFIN | trace.FlagACK, Window: 65534})

	f = established(t, quickAckConfig(), wnd)
	f.handle(Segment{Seq: peerISS + 1, Ack: iss + 1, Flags: trace.FlagFIN | trace.FlagACK, Window: wnd})
	f.advance(40 * time.Millisecond)
	f.want("alone at 40 ms", ack(iss+1, peerISS+2, 65534))

	// In FIN-WAIT-2 the peer's FIN is ACKed at once, as RFC 9293 does.
	f = established(t, quickAckConfig(), wnd)
	f.c.Close(f.now)
	f.take()
	f.handle(ack(peerISS+1, iss+2, wnd))
	f.handle(Segment{Seq: peerISS + 1, Ack: iss + 2, Flags: trace.FlagFIN | trace.FlagACK, Window: wnd})
	f.want("ACK of the FIN in FIN-WAIT-2", ack(iss+2, peerISS+2, 65534))
}

// TestResetWithAck: Linux's reset after Close with unread data is
// RST,ACK with ack = RCV.NXT; with timestamps negotiated it carries them
// (RFC 7323 §3.2: TSopt "SHOULD be sent in an <RST> segment"), in both
// profiles.
func TestResetWithAck(t *testing.T) {
	cfg := baseConfig()
	cfg.ResetWithAck = true
	f := established(t, cfg, wnd)
	f.handle(data(peerISS+1, iss+1, wnd, []byte("unread")))
	f.take()
	f.c.Close(f.now)
	f.want("RST,ACK", Segment{Seq: iss + 1, Ack: peerISS + 7, Flags: trace.FlagRST | trace.FlagACK})

	f = modernEstablished(t)
	f.take()
	f.c.Abort(f.now)
	f.want("RST with timestamps", tsSeg(Segment{Seq: iss + 1, Flags: trace.FlagRST}, ts(f.now), 0))
}

// TestOOWRateLimit: unacceptable segments without data are answered at
// most once per OOWRateLimit (Linux's tcp_invalid_ratelimit); one with
// data is always answered.
func TestOOWRateLimit(t *testing.T) {
	cfg := baseConfig()
	cfg.OOWRateLimit = 500 * time.Millisecond
	f := established(t, cfg, wnd)
	old := ack(peerISS, iss+1, wnd) // SEG.SEQ = RCV.NXT−1: a keep-alive or Linux's window probe
	f.handle(old)
	f.want("the first is answered", ack(iss+1, peerISS+1, 65535))
	f.advance(499 * time.Millisecond)
	f.handle(old)
	f.wantIdle("within 500 ms: not answered")
	f.handle(data(peerISS-10, iss+1, wnd, []byte("old")))
	f.want("old data is always answered", ack(iss+1, peerISS+1, 65535))
	f.advance(time.Millisecond)
	f.handle(old)
	f.want("500 ms after the first: answered", ack(iss+1, peerISS+1, 65535))
}

// TestForcedPush: with a peer window of 8192, Linux marks PSH on the
// segment that ends more than 4096 bytes after the last PSH (the third of
// five, at 4380), not only on the one that empties the queue.
func TestForcedPush(t *testing.T) {
	cfg := baseConfig()
	cfg.ForcedPush, cfg.InitialCwnd = true, 10*1460
	f := established(t, cfg, 8192)
	p := payload(5 * 1460)
	f.write(string(p))
	f.want("PSH on the third and the last",
		dataNoPush(iss+1, peerISS+1, 65535, p[:1460]),
		dataNoPush(iss+1461, peerISS+1, 65535, p[1460:2920]),
		data(iss+2921, peerISS+1, 65535, p[2920:4380]),
		dataNoPush(iss+4381, peerISS+1, 65535, p[4380:5840]),
		data(iss+5841, peerISS+1, 65535, p[5840:]))
}

// TestShrinkDelaysAck is Linux's receiver whose buffer fills (4380 bytes,
// three segments, the application not reading): the first segment gets
// its quick ACK; the third makes two full segments unacknowledged, but
// the window offered now (0) would be smaller than the last one (2920),
// so the ACK waits for the 40 ms timer. The sender's tail-loss probe sends
// the third segment again meanwhile: old data enters quick-ACK mode, but
// with less than half the buffer free working out the window ends it
// again, so the copy is reported (D-SACK) on the delayed ACK, not at once.
// With room in the buffer a copy is answered at once, in ping-pong mode
// and after the quick ACKs are used up too.
func TestShrinkDelaysAck(t *testing.T) {
	cfg := quickAckConfig()
	cfg.SACK, cfg.ShrinkDelaysAck, cfg.RcvBuf = true, true, 3*1460
	f := sackEstablished(t, cfg, wnd)
	p := payload(3 * 1460)
	f.handle(dataNoPush(peerISS+1, iss+1, wnd, p[:1460]))
	f.want("quick ACK of the first segment", ack(iss+1, peerISS+1461, 2920))
	f.handle(dataNoPush(peerISS+1461, iss+1, wnd, p[1460:2920]))
	f.wantIdle("one full segment waits")
	f.handle(dataNoPush(peerISS+2921, iss+1, wnd, p[2920:]))
	f.wantIdle("two full segments, but the window would shrink to 0: the ACK waits")
	f.advance(8 * time.Millisecond)
	f.handle(dataNoPush(peerISS+2921, iss+1, wnd, p[2920:]))
	f.wantIdle("the copy waits for the delayed ACK too")
	f.advance(32*time.Millisecond - 1)
	f.wantIdle("before the delayed-ACK timeout")
	f.advance(1)
	f.want("the delayed ACK reports the copy", withSACK(ack(iss+1, peerISS+4381, 0), peerISS+2921, peerISS+4381))

	cfg.RcvBuf = 65535
	f = sackEstablished(t, cfg, wnd)
	f.handle(dataNoPush(peerISS+1, iss+1, wnd, p[:1460]))
	f.want("quick ACK", ack(iss+1, peerISS+1461, 64075))
	f.handle(dataNoPush(peerISS+1, iss+1, wnd, p[:1460]))
	f.want("room in the buffer: the copy is answered at once", withSACK(ack(iss+1, peerISS+1461, 64075), peerISS+1, peerISS+1461))

	// A copy also ends ping-pong mode (tcp_enter_quickack_mode): after a
	// reply, a repeated request is answered at once.
	f = sackEstablished(t, cfg, wnd)
	f.handle(data(peerISS+1, iss+1, wnd, []byte("hello")))
	f.take()
	f.advance(time.Millisecond)
	f.write("reply")
	f.want("the reply: ping-pong mode", data(iss+1, peerISS+6, 65530, []byte("reply")))
	f.handle(ack(peerISS+6, iss+6, wnd))
	f.handle(data(peerISS+1, iss+6, wnd, []byte("hello")))
	f.want("the repeated request is answered at once", withSACK(ack(iss+6, peerISS+6, 65530), peerISS+1, peerISS+6))

	// And once the quick ACKs are used up (16 segments read at once), a
	// copy starts them again.
	f = sackEstablished(t, cfg, wnd)
	seq := peerISS + 1
	for range 17 {
		f.handle(dataNoPush(seq, iss+1, wnd, p[:1460]))
		seq += 1460
		f.read()
		f.take()
	}
	f.handle(dataNoPush(seq-1460, iss+1, wnd, p[:1460]))
	if out := f.take(); len(out) != 1 || len(out[0].SACK) != 1 || out[0].Ack != seq {
		t.Fatalf("a copy after the quick ACKs: %v, want its ACK at once", out)
	}

	// Without the knob the third segment is ACKed at once (more than one
	// full segment unacknowledged), the RFC's every second segment.
	cfg.ShrinkDelaysAck, cfg.RcvBuf = false, 3*1460
	f = sackEstablished(t, cfg, wnd)
	f.handle(dataNoPush(peerISS+1, iss+1, wnd, p[:1460]))
	f.take()
	f.handle(dataNoPush(peerISS+1461, iss+1, wnd, p[1460:2920]))
	f.handle(dataNoPush(peerISS+2921, iss+1, wnd, p[2920:]))
	f.want("ACK at once", ack(iss+1, peerISS+4381, 0))
}

// TestGSOPush: Linux sends new data in GSO packets of tcp_tso_autosize
// segments and PSH ends each one. With an RTT of 100 ms the pacing rate
// fills less than a segment per 2^-10 s, so packets hold the minimum, 2
// segments: a write of five goes out with PSH on the second, the fourth
// and the last. With an RTT of 40 µs a packet holds all five (PSH on the
// last only), and so do ten with an RTT of 2 ms; against a window of 4380 a packet may not exceed half of
// it, one segment, and only the last carries PSH too. Retransmissions
// are no GSO packets: after a timeout, go-back-N resends two segments
// in one pass without PSH.
func TestGSOPush(t *testing.T) {
	cfg := baseConfig()
	cfg.GSOPush, cfg.InitialCwnd = true, 10*1460
	p := payload(5 * 1460)
	seg := func(i int, push bool) Segment {
		s := dataNoPush(iss+1+Seq(i*1460), peerISS+1, 65535, p[i*1460:min((i+1)*1460, len(p))])
		if push {
			s.Flags |= trace.FlagPSH
		}
		return s
	}
	f := established(t, cfg, wnd)
	f.write(string(p))
	f.want("PSH ends every packet of two", seg(0, false), seg(1, true), seg(2, false), seg(3, true), seg(4, true))

	// openedAfter is an active open whose handshake took d.
	openedAfter := func(d time.Duration) *fixture {
		f := newFixture(t)
		f.dial(cfg)
		f.take()
		f.advance(d)
		f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: wnd, MSS: 1460})
		f.take()
		return f
	}
	f = openedAfter(40 * time.Microsecond)
	f.write(string(p))
	f.want("40 µs: one packet", seg(0, false), seg(1, false), seg(2, false), seg(3, false), seg(4, true))

	// 2 ms: the pacing rate fills 9 segments per 2^-10 s, and the min-RTT
	// term adds 64 KiB >> 3: 15, so ten segments are one packet.
	f = openedAfter(2 * time.Millisecond)
	f.write(string(payload(10 * 1460)))
	if out := f.take(); len(out) != 10 || out[8].Flags&trace.FlagPSH != 0 || out[9].Flags&trace.FlagPSH == 0 {
		t.Fatalf("2 ms: %v, want ten segments, PSH on the last only", out)
	}

	f = established(t, cfg, 3*1460)
	f.write(string(p[:3*1460]))
	f.want("half a window of 4380: packets of one segment", seg(0, false), seg(1, false), seg(2, true))

	f = established(t, cfg, wnd)
	f.write(string(p[:4*1460]))
	f.want("two packets", seg(0, false), seg(1, true), seg(2, false), seg(3, true))
	f.advance(f.c.Snapshot().RTO)
	f.want("the RTO resends the first", seg(0, false))
	f.handle(ack(peerISS+1, iss+1461, wnd))
	f.want("go-back-N: two retransmissions, no PSH", seg(1, false), seg(2, false))
}

// TestPersistTimerIsTheRTO: Linux's probe timer is its RTO
// (tcp_probe0_base), not the minimum: after a 100 ms RTT the RTO is
// 100 + max(4·37.5, 200) = 300 ms, and the first probe goes out 300 ms
// after the window closed, the next ones 600 and 1200 ms apart.
func TestPersistTimerIsTheRTO(t *testing.T) {
	cfg := baseConfig()
	cfg.EmptyWindowProbes, cfg.LinuxRTO, cfg.MinRTO = true, true, 200*time.Millisecond
	f := established(t, cfg, wnd)
	f.write(string(payload(3000)))
	f.take()
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+3001, 0))
	if rto := f.c.Snapshot().RTO; rto != 300*time.Millisecond {
		t.Fatalf("RTO %v, want 300ms", rto)
	}
	f.write("xyz")
	probe := ack(iss+3000, peerISS+1, 65535)
	for _, d := range []time.Duration{300, 600, 1200} {
		f.advance(d*time.Millisecond - 1)
		f.wantIdle("before the probe")
		f.advance(1)
		f.want("empty probe", probe)
		f.handle(ack(peerISS+1, iss+3001, 0))
	}
}
