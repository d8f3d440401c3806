package tcp

import (
	"math"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// cubicFixture is an established CUBIC connection whose handshake took r
// (SRTT = r) and that has sent its initial window of segs full segments,
// S0 to S(segs-1). Window scaling is on both sides, so the peer's window
// (65535<<7) never limits the sender, and the send buffer is refilled
// after every round.
func cubicFixture(t *testing.T, r time.Duration, segs int) *fixture {
	t.Helper()
	cfg := baseConfig()
	cfg.Congestion = CongestionCUBIC
	cfg.InitialCwnd = segs * 1460
	cfg.SndBuf = 1 << 20
	cfg.WindowScale, cfg.WScaleShift = true, 7
	f := newFixture(t)
	f.dial(cfg)
	f.take()
	f.now += r
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535,
		MSS: 1460, Opts: trace.OptWScale, WScale: 7})
	f.take()
	f.wantState(trace.StateEstablished)
	f.handle(ack(peerISS+1, iss+1, 65535)) // a SYN's window is never scaled: open it
	f.fill()
	if out := f.out; len(out) != segs {
		t.Fatalf("initial window: %d segments, want %d", len(out), segs)
	}
	return f
}

var fillData = payload(1 << 20)

// fill tops the send buffer up.
func (f *fixture) fill() { f.c.Write(f.now, fillData[:f.c.SendSpace()]) }

// round lets r pass and then delivers one ACK for each segment sent since
// the last round, in order, as a receiver that ACKs every segment would.
func (f *fixture) round(r time.Duration) {
	f.t.Helper()
	segs := f.take()
	f.advance(r)
	for _, s := range segs {
		f.handle(ack(peerISS+1, s.Seq.Add(len(s.Payload)), 65535))
	}
	f.fill()
}

// cubicLoss makes the peer lose S0 of the n segments in flight: the first
// two duplicate ACKs send S(n) and S(n+1) (limited transmit), the third
// starts fast retransmit, and the retransmission's ACK covers all n+2
// (the later duplicate ACKs were lost). It returns with cwnd = ssthresh
// and that window sent.
func (f *fixture) cubicLoss(n int) {
	f.t.Helper()
	f.take()
	f.advance(rtt)
	for range 3 {
		f.handle(ack(peerISS+1, iss+1, 65535))
	}
	f.want("limited transmit, then fast retransmit of S0",
		dataNoPush(seqAt(n), peerISS+1, 511, fillData[n*1460%len(fillData):][:1460]),
		dataNoPush(seqAt(n+1), peerISS+1, 511, fillData[(n+1)*1460%len(fillData):][:1460]),
		dataNoPush(seqAt(0), peerISS+1, 511, fillData[:1460]))
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(n+2), 65535))
	f.fill()
}

func TestParseCongestion(t *testing.T) {
	for name, want := range map[string]Congestion{"": CongestionReno, "reno": CongestionReno, "cubic": CongestionCUBIC} {
		if cc, err := ParseCongestion(name); err != nil || cc != want {
			t.Errorf("ParseCongestion(%q) = %v, %v; want %v", name, cc, err, want)
		}
	}
	if _, err := ParseCongestion("bbr"); err == nil || err.Error() != `"bbr" is not a congestion control (reno, cubic)` {
		t.Errorf("ParseCongestion(bbr) error = %v", err)
	}
	if CongestionCUBIC.String() != "cubic" || CongestionReno.String() != "reno" || Congestion(9).String() != "congestion(9)" {
		t.Errorf("String: %v %v %v", CongestionCUBIC, CongestionReno, Congestion(9))
	}
	if (Config{}).Congestion != CongestionReno {
		t.Error("the zero Config is not Reno")
	}
}

// cubicConn is a bare CUBIC Conn for the rules that need no segments.
func cubicConn(cwnd uint32, srtt time.Duration) *Conn {
	return &Conn{cfg: Config{Congestion: CongestionCUBIC}, sndMSS: 1460, cwnd: cwnd, ssthresh: cwnd, srtt: srtt}
}

// TestCubicMultiplicativeDecrease: RFC 9438 §4.6, ssthresh =
// flight_size·β_cubic (0.7), at least 2·SMSS, computed from the octets in
// flight and not from cwnd; W_max and cwnd_prior are cwnd at the loss.
func TestCubicMultiplicativeDecrease(t *testing.T) {
	c := cubicConn(10000, rtt)
	c.congestionAvoidance(0, 1460) // a stage under way: the loss ends it
	c.cwnd = 10000
	if got := c.lossSsthresh(7300, false); got != 5110 {
		t.Fatalf("ssthresh %d, want 7300·0.7 = 5110 (cwnd 10000 would give 7000)", got)
	}
	if c.cubic.wMax != 10000 || c.cubic.cwndPrior != 10000 || c.cubic.epoch {
		t.Fatalf("after the loss: %+v, want W_max = cwnd_prior = 10000 and no epoch", c.cubic)
	}
	if got := c.lossSsthresh(2000, false); got != 2920 {
		t.Fatalf("ssthresh %d, want the floor 2·SMSS = 2920", got)
	}
	// Reno halves.
	c.cfg.Congestion = CongestionReno
	if got := c.lossSsthresh(7300, false); got != 3650 {
		t.Fatalf("Reno ssthresh %d, want 3650", got)
	}
}

// TestCubicFastConvergence: RFC 9438 §4.7, a loss below the last W_max
// remembers cwnd·(1+β_cubic)/2 instead of cwnd.
func TestCubicFastConvergence(t *testing.T) {
	c := cubicConn(10000, rtt)
	c.lossSsthresh(10000, false)
	c.cwnd = 8000 // the next loss comes earlier
	c.lossSsthresh(8000, false)
	if c.cubic.wMax != 6800 || c.cubic.cwndPrior != 8000 {
		t.Fatalf("W_max %d cwnd_prior %d, want 8000·0.85 = 6800 and 8000", c.cubic.wMax, c.cubic.cwndPrior)
	}
	c.cwnd = 6800 // reaching W_max exactly is not "less than"
	c.lossSsthresh(6800, false)
	if c.cubic.wMax != 6800 {
		t.Fatalf("W_max %d, want cwnd 6800", c.cubic.wMax)
	}
}

// TestCubicK: K = ∛((W_max − cwnd_epoch)/C) seconds with W in segments,
// to the nanosecond.
func TestCubicK(t *testing.T) {
	for _, tc := range []struct {
		wMax, epoch uint32
		want        time.Duration
	}{
		{100 * 1460, 70 * 1460, 4217163327},  // ∛75 s = 4.2171633265…
		{4672 + 5000, 5000, 2 * time.Second}, // 0.4·1460·2³ = 4672 octets
		{5000, 5000, 0},
		{5000, 5000 + 4672, -2 * time.Second}, // cwnd_epoch above W_max
	} {
		if got := cubicK(tc.wMax, tc.epoch, 1460); got != tc.want {
			t.Errorf("K(W_max %d, cwnd_epoch %d) = %v, want %v", tc.wMax, tc.epoch, got, tc.want)
		}
	}
}

// TestCbrt: the portable cube root agrees with math.Cbrt to the last bit
// but one.
func TestCbrt(t *testing.T) {
	for _, x := range []float64{8, 27, -27, 1e-9, 0.5, 3.75, 75, 1e6, 123456.789, 1e300} {
		got, want := cbrt(x), math.Cbrt(x)
		if d := math.Abs(got - want); d > math.Abs(want)*2*0x1p-52 {
			t.Errorf("cbrt(%g) = %v, want %v", x, got, want)
		}
	}
	if cbrt(8) != 2 || cbrt(-27) != -3 || cbrt(0) != 0 {
		t.Errorf("cbrt(8, -27, 0) = %v %v %v", cbrt(8), cbrt(-27), cbrt(0))
	}
}

// TestCubicEpochWithoutWMax: RFC 9438 §4.10 (and §4.8 after a timeout):
// a congestion-avoidance stage with no W_max to return to sets W_max =
// cwnd_prior = cwnd and K = 0, and W_est starts at cwnd.
func TestCubicEpochWithoutWMax(t *testing.T) {
	c := cubicConn(65535, rtt)
	c.congestionAvoidance(5*time.Second, 2920) // a delayed ACK of two segments
	cu := c.cubic
	if !cu.epoch || cu.tEpoch != 5*time.Second || cu.wMax != 65535 || cu.cwndPrior != 65535 || cu.k != 0 {
		t.Fatalf("first epoch: %+v", cu)
	}
	// At t = 0, W_cubic(0) = W_max = cwnd is below W_est = cwnd +
	// α·SMSS·acked/cwnd: the Reno-friendly region, cwnd = W_est. W_est
	// starts at cwnd_prior, so α_cubic is already 1.
	want := 65535 + 1460.0*2920/65535
	if cu.wEst != want || c.cwnd != uint32(want) {
		t.Fatalf("W_est %v cwnd %d, want %v", cu.wEst, c.cwnd, want)
	}
}

// TestCubicTargetCapped: §4.2, a target above 1.5·cwnd is 1.5·cwnd, so an
// ACK adds (1.5·cwnd − cwnd)/cwnd segments = SMSS/2 octets.
func TestCubicTargetCapped(t *testing.T) {
	c := cubicConn(10*1460, 4*time.Second)
	c.lossSsthresh(10*1460, false)
	c.cwnd = 7 * 1460
	c.congestionAvoidance(0, 1460) // t = 0: Reno-friendly
	before := c.cwnd
	// t = 100 ms: W_cubic(t) = 0.4·(0.1−1.957)³+10 ≈ 7.44 segments is above
	// W_est; W_cubic(t+4 s) ≈ 13.9 segments is above 1.5·cwnd.
	c.congestionAvoidance(100*time.Millisecond, 1460)
	if c.cwnd != before+730 {
		t.Fatalf("cwnd %d, want %d + 730 (the 1.5·cwnd cap)", c.cwnd, before)
	}
}

// TestCubicTargetNotBelowCwnd: a target below cwnd is cwnd: congestion
// avoidance never shrinks the window. And the Reno-friendly region never
// lowers cwnd to a W_est below it.
func TestCubicTargetNotBelowCwnd(t *testing.T) {
	c := cubicConn(146000, rtt)
	c.lossSsthresh(146000, false)
	c.cwnd = 102200
	c.congestionAvoidance(0, 1460) // epoch at 0: K = ∛75 s
	// cwnd high above W_cubic(0.2 s) ≈ 108141; W_est ≈ 102200 below
	// W_cubic(0.1 s) ≈ 105243: the cubic region with target < cwnd.
	c.cwnd = 120000
	c.congestionAvoidance(100*time.Millisecond, 1460)
	if c.cwnd != 120000 {
		t.Fatalf("cwnd %d, want 120000 unchanged", c.cwnd)
	}
	// W_est 110000 above W_cubic(0.1 s): Reno-friendly, but below cwnd.
	c.cubic.wEst = 110000
	c.congestionAvoidance(100*time.Millisecond, 1460)
	if c.cwnd != 120000 {
		t.Fatalf("Reno-friendly: cwnd %d, want 120000 unchanged", c.cwnd)
	}
}

// TestCubicLossExactSegments: the fast-retransmit fixture with CUBIC.
// ssthresh = 0.7·7300 = 5110 where Reno has 3650, so the inflated window
// lets two new segments out during recovery (Reno's: one), and after the
// full ACK the deflated window lets exactly one more out.
func TestCubicLossExactSegments(t *testing.T) {
	cfg := baseConfig()
	cfg.InitialCwnd = 5 * 1460
	cfg.Congestion = CongestionCUBIC
	f := established(t, cfg, wnd)
	p := payload(12 * 1460)
	f.write(string(p))
	if out := f.take(); len(out) != 5 {
		t.Fatalf("%d segments, want 5", len(out))
	}
	seg := func(i int) Segment { return dataNoPush(seqAt(i), peerISS+1, 65535, p[i*1460:(i+1)*1460]) }
	f.advance(rtt)
	// S0 is lost. The duplicate ACKs of S1 and S2 send S5 and S6 (limited
	// transmit, not counted in FlightSize), the third (S3) retransmits S0.
	for range 3 {
		f.handle(ack(peerISS+1, iss+1, wnd))
	}
	f.want("limited transmit and fast retransmit", seg(5), seg(6), seg(0))
	if s := f.c.Snapshot(); s.Ssthresh != 5110 || s.Cwnd != 5110+3*1460 {
		t.Fatalf("after the third duplicate ACK: %+v, want ssthresh 5110, cwnd 9490", s)
	}
	// S4, S5, S6 arrive: each duplicate ACK adds one SMSS to cwnd; 10220
	// octets are in flight.
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.wantIdle("cwnd 10950: 730 octets of room")
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.want("cwnd 12410: one new segment", seg(7))
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.want("cwnd 13870: one new segment", seg(8))
	// The retransmitted S0 arrives: the full ACK covers S0..S6 and
	// deflates cwnd to ssthresh = 5110 with S7 and S8 in flight.
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(7), wnd))
	f.want("exactly one segment: 5110 − 2920 leaves room for one", seg(9))
	if s := f.c.Snapshot(); s.Cwnd != 5110 || s.InFlight != 3*1460 {
		t.Fatalf("after the full ACK: %+v", s)
	}
	if f.c.cubic.wMax != 7300 || f.c.cubic.cwndPrior != 7300 {
		t.Fatalf("W_max %d cwnd_prior %d, want cwnd at the loss, 7300", f.c.cubic.wMax, f.c.cubic.cwndPrior)
	}
}

// wCubicRef is W_cubic(t) in octets, computed independently of cubic.go
// (math.Cbrt, math.Pow), for W_max = 100 and cwnd_epoch = 70 segments.
func wCubicRef(t time.Duration) float64 {
	return 0.4*1460*math.Pow(t.Seconds()-math.Cbrt(75), 3) + 146000
}

// TestCubicTrajectory: after a loss at 100 segments (W_max = 146000,
// cwnd_epoch = 102200, K = ∛75 s) on a 100 ms path where the receiver ACKs
// every segment, cwnd follows the closed-form W_cubic: through the concave
// region, the plateau at W_max and into the convex region. At the end of
// each round at time t it lies between W_cubic(t) − cwnd/SMSS (an ACK whose
// increase is below one octet is lost to the byte-counted cwnd) and
// W_cubic(t+RTT), the target. Round 0 is Reno-friendly: all its ACKs come
// at t = 0, where W_cubic(0) = cwnd_epoch < W_est.
func TestCubicTrajectory(t *testing.T) {
	f := cubicFixture(t, rtt, 100)
	f.cubicLoss(100)
	if f.c.cwnd != 102200 || f.c.ssthresh != 102200 || f.c.cubic.wMax != 146000 {
		t.Fatalf("after the loss: cwnd %d ssthresh %d W_max %d", f.c.cwnd, f.c.ssthresh, f.c.cubic.wMax)
	}
	start := f.now + rtt
	for i := range 56 { // until t = 5.5 s; at 5.7 s W_est overtakes W_cubic
		f.round(rtt)
		if f.c.cubic.tEpoch != start || f.c.cubic.k != 4217163327 {
			t.Fatalf("round %d: epoch %v K %v, want %v and ∛75 s", i, f.c.cubic.tEpoch, f.c.cubic.k, start)
		}
		el := f.now - start
		cwnd := float64(f.c.cwnd)
		if lo, hi := wCubicRef(el)-cwnd/1460, wCubicRef(el+rtt); cwnd < lo || cwnd > hi {
			t.Fatalf("t = %v: cwnd %v, want within [%.0f, %.0f]", el, cwnd, lo, hi)
		}
	}
	if f.c.cwnd <= 146000 {
		t.Fatalf("cwnd %d did not pass W_max into the convex region", f.c.cwnd)
	}
}

// TestCubicRenoFriendly: on a 1 ms path the cubic curve grows by a few
// octets per RTT while a Reno flow would add half a segment: the
// Reno-friendly region (§4.3) takes over from the first ACK and cwnd is
// W_est, which grows by α_cubic = 9/17 · SMSS·acked/cwnd per ACK, and by
// SMSS·acked/cwnd (α_cubic = 1) once W_est has reached cwnd_prior.
func TestCubicRenoFriendly(t *testing.T) {
	const r = time.Millisecond
	f := cubicFixture(t, r, 100)
	f.cubicLoss(100)
	f.c.srtt = r // cubicLoss's retransmission took 100 ms: keep 1 ms
	wEst := 102200.0
	var alpha1 int
	for round := 0; f.c.cwnd < 150000; round++ {
		segs := f.take()
		f.advance(r)
		for _, s := range segs {
			alpha := 9.0 / 17
			if wEst >= 146000 {
				alpha = 1
				alpha1++
			}
			wEst += alpha * 1460 * 1460 / float64(f.c.cwnd)
			f.handle(ack(peerISS+1, s.Seq.Add(len(s.Payload)), 65535))
			if f.c.cwnd != uint32(wEst) {
				t.Fatalf("round %d: cwnd %d, want W_est %v", round, f.c.cwnd, wEst)
			}
		}
		f.fill()
		if round > 200 {
			t.Fatal("cwnd did not reach 150000 in 200 rounds")
		}
	}
	if alpha1 == 0 {
		t.Fatal("W_est never reached cwnd_prior")
	}
	if el := f.now - f.c.cubic.tEpoch; f.c.cubic.wCubic(el, 1460) >= float64(f.c.cwnd)-40000 {
		t.Fatalf("W_cubic(%v) = %.0f: not far below cwnd %d", el, f.c.cubic.wCubic(el, 1460), f.c.cwnd)
	}
}

// TestCubicTimeout: RFC 9438 §4.8. The timeout sets ssthresh = 0.7·FlightSize
// and cwnd = 1 SMSS; slow start climbs back to ssthresh, and that
// congestion-avoidance stage starts with K = 0 and W_max = W_est =
// cwnd_epoch, while cwnd_prior is cwnd at the timeout.
func TestCubicTimeout(t *testing.T) {
	f := cubicFixture(t, rtt, 100)
	f.take()
	f.advance(time.Second) // RTO = 1 s (minimum)
	f.want("RTO: S0 again", dataNoPush(seqAt(0), peerISS+1, 511, fillData[:1460]))
	if f.c.ssthresh != 102200 || f.c.cwnd != 1460 || f.c.cubic.wMax != 0 || f.c.cubic.cwndPrior != 146000 {
		t.Fatalf("after the timeout: cwnd %d ssthresh %d %+v", f.c.cwnd, f.c.ssthresh, f.c.cubic)
	}
	// The receiver had S1..S99: the ACK covers all; then slow start.
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(100), 65535))
	f.fill()
	for f.c.cwnd < f.c.ssthresh {
		if f.c.cubic.epoch {
			t.Fatal("an epoch began in slow start")
		}
		f.round(rtt)
	}
	cu := f.c.cubic
	if !cu.epoch || cu.k != 0 || cu.wMax != 102200 || cu.cwndPrior != 146000 {
		t.Fatalf("first stage after the timeout: %+v, want K 0, W_max 102200, cwnd_prior 146000", cu)
	}
	if got := cu.wCubic(cu.tEpoch+time.Second-cu.tEpoch, 1460); got != 102200+584 {
		t.Fatalf("W_cubic(1 s) = %v, want cwnd_epoch + C·SMSS·1³ = 102784", got)
	}
}

// TestCubicIdleRestartsEpoch: after an idle period longer than the RTO the
// next congestion-avoidance stage is a new epoch (RFC 9438 §5.8: t must
// not include the idle time), not the old one seen through a huge t.
func TestCubicIdleRestartsEpoch(t *testing.T) {
	cfg := baseConfig()
	cfg.Congestion = CongestionCUBIC
	f := established(t, cfg, wnd)
	f.c.ssthresh = f.c.cwnd // congestion avoidance from the start
	f.write(string(payload(3 * 1460)))
	f.take()
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(3), wnd))
	if !f.c.cubic.epoch || f.c.cubic.tEpoch != f.now {
		t.Fatalf("no epoch at the ACK: %+v", f.c.cubic)
	}
	f.advance(5 * time.Second)
	f.write("x")
	f.want("restart after idle", data(seqAt(3), peerISS+1, 65535, []byte("x")))
	if f.c.cubic.epoch {
		t.Fatal("the epoch survived 5 s of idleness")
	}
}
