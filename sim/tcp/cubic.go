package tcp

import (
	"math"
	"time"
)

// Congestion is a connection's congestion control algorithm: what sets
// ssthresh at a loss and how cwnd grows in congestion avoidance. Slow
// start, fast retransmit, NewReno recovery and the timeout's loss window
// are the same for all of them.
type Congestion uint8

// The congestion control algorithms.
const (
	// CongestionReno, the zero value, is RFC 5681: ssthresh =
	// max(FlightSize/2, 2·SMSS) and one SMSS more per RTT.
	CongestionReno Congestion = iota
	// CongestionCUBIC is RFC 9438, Linux's default: ssthresh =
	// 0.7·FlightSize and a window that grows as a cubic function of the
	// time since the last loss.
	CongestionCUBIC
	congestionCount
)

var congestionNames = [congestionCount]string{"reno", "cubic"}

// String returns the algorithm's name as scenarios spell it: "reno", "cubic".
func (cc Congestion) String() string { return nameOf(cc, congestionNames[:], "congestion") }

// ParseCongestion returns the algorithm called name ("" is CongestionReno).
func ParseCongestion(name string) (Congestion, error) {
	return parseName[Congestion](name, congestionNames[:], "a congestion control")
}

// RFC 9438 §4.1.1 constants. β_cubic, the fast-convergence factor
// (1+β_cubic)/2 = 17/20 and α_cubic = 3(1−β_cubic)/(1+β_cubic) = 9/17
// are kept as fractions so that ssthresh and W_max are exact integers.
const (
	cubicC                     = 0.4 // segments per second³
	cubicBetaNum, cubicBetaDen = 7, 10
	cubicFastNum, cubicFastDen = cubicBetaDen + cubicBetaNum, 2 * cubicBetaDen
	cubicAlpha                 = 3.0 * (cubicBetaDen - cubicBetaNum) / (cubicBetaDen + cubicBetaNum)
)

// cubic is the state of RFC 9438 §4.1.2, in bytes and virtual time.
//
// The float64 arithmetic never adds a product directly: the Go
// specification lets a compiler fuse x*y+z into one rounding, which would
// make arm64 and amd64 replay a scenario differently. A product that is
// added is either divided first or rounded by an explicit float64()
// conversion, which forbids the fusion. For the same reason the cube root
// is cbrt below, not math.Cbrt.
type cubic struct {
	// wMax is W_max, the window just before the last reduction (§4.7 may
	// lower it); 0 means the next congestion-avoidance stage sets it to its
	// own cwnd with K = 0: before any loss (§4.10) and after a timeout
	// (§4.8).
	wMax uint32
	// cwndPrior is cwnd_prior, cwnd when ssthresh was last set (§4.6):
	// once W_est reaches it, α_cubic becomes 1 (§4.3).
	cwndPrior uint32
	// epoch says a congestion-avoidance stage is under way and tEpoch
	// (t_epoch, when it began), k (K) and wEst (W_est, fractional bytes:
	// one ACK may add less than a byte to it) belong to it.
	epoch  bool
	tEpoch time.Duration
	k      time.Duration
	wEst   float64
}

// cubicLoss is lossSsthresh for CUBIC: the multiplicative decrease of
// RFC 9438 §4.6 and fast convergence (§4.7). It ends the
// congestion-avoidance stage; the next one starts a new epoch.
func (c *Conn) cubicLoss(flight uint32, timeout bool) uint32 {
	cu := &c.cubic
	// §4.7: a flow whose window stopped short of the last W_max probably
	// lost bandwidth to a new flow, and releases more of it.
	if c.cwnd < cu.wMax {
		cu.wMax = uint32(uint64(c.cwnd) * cubicFastNum / cubicFastDen)
	} else {
		cu.wMax = c.cwnd
	}
	if timeout {
		cu.wMax = 0 // §4.8: the first stage after a timeout starts with K = 0
	}
	cu.cwndPrior = c.cwnd
	cu.epoch = false
	// §4.6: ssthresh = flight_size·β_cubic, and at least 2·SMSS — from the
	// octets in flight, not cwnd, which may exceed what the sender used.
	return max(uint32(uint64(flight)*cubicBetaNum/cubicBetaDen), 2*uint32(c.sndMSS))
}

// cubicAvoidance is congestionAvoidance for CUBIC (RFC 9438 §4.2 to §4.5):
// one ACK of acked new octets at time now.
func (c *Conn) cubicAvoidance(now time.Duration, acked int) {
	cu := &c.cubic
	smss := float64(c.sndMSS)
	cwnd := float64(c.cwnd)
	if !cu.epoch {
		// A new congestion-avoidance stage: cwnd_epoch is cwnd now.
		cu.epoch, cu.tEpoch, cu.wEst = true, now, cwnd
		if cu.wMax == 0 {
			// §4.8, §4.10: no W_max to return to; start at the inflection.
			cu.wMax = c.cwnd
			if cu.cwndPrior == 0 {
				cu.cwndPrior = c.cwnd
			}
		}
		cu.k = cubicK(cu.wMax, c.cwnd, c.sndMSS)
	}
	t := now - cu.tEpoch
	// §4.3: W_est grows like Reno with α_cubic, and at Reno's rate once it
	// has reached the window the last loss cut.
	alpha := cubicAlpha
	if cu.wEst >= float64(cu.cwndPrior) {
		alpha = 1
	}
	cu.wEst += alpha * float64(acked) * smss / cwnd
	if cu.wCubic(t, smss) < cu.wEst {
		// Reno-friendly region: cwnd = W_est (never lower: W_est can trail
		// a cwnd that the cubic curve grew in an earlier RTT).
		c.cwnd = uint32(min(max(cu.wEst, cwnd), math.MaxUint32))
		return
	}
	// §4.2 target, §4.4 and §4.5: concave below W_max, convex above, the
	// same per-ACK step (target − cwnd)/cwnd segments. A target above
	// 1.5·cwnd is 1.5·cwnd; one below cwnd is cwnd (no growth).
	target := min(max(cu.wCubic(t+c.srtt, smss), cwnd), 1.5*cwnd)
	c.cwnd = uint32(min(cwnd+(target-cwnd)*smss/cwnd, math.MaxUint32))
}

// wCubic is W_cubic(t) = C·(t−K)³ + W_max (RFC 9438 §4.2, Figure 1) in
// bytes: C is in segments per second³, so it is scaled by SMSS.
func (cu *cubic) wCubic(t time.Duration, smss float64) float64 {
	d := (t - cu.k).Seconds()
	return float64(cubicC*smss*d*d*d) + float64(cu.wMax)
}

// cubicK is K = ∛((W_max − cwnd_epoch)/C) (RFC 9438 §4.2, Figure 2): how
// long the cubic curve takes from cwnd_epoch back to W_max. It is negative
// when cwnd_epoch lies above W_max (a floor of 2·SMSS can put it there):
// the curve is then already past its plateau.
func cubicK(wMax, cwndEpoch uint32, smss int) time.Duration {
	segs := float64(int64(wMax)-int64(cwndEpoch)) / float64(smss)
	return time.Duration(math.Round(cbrt(segs/cubicC) * float64(time.Second)))
}

// cbrt is the real cube root by Newton's method from above, each step
// rounded on its own (see cubic) so that it is the same on every
// architecture.
func cbrt(x float64) float64 {
	if x < 0 {
		return -cbrt(-x)
	}
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	_, e := math.Frexp(x)     // x < 2^e
	y := math.Ldexp(1, e/3+1) // ≥ ∛x: e/3 truncates toward zero
	for {
		next := (float64(2*y) + x/float64(y*y)) / 3
		if next >= y { // converged: Newton from above only decreases
			return y
		}
		y = next
	}
}
