package tcp

import "time"

// Profile is a named set of Config values: which TCP a connection models.
// ProfileRFC, the zero value, is the textbook: RFC 9293 with the defaults
// of RFC 5681, RFC 6582 and RFC 6298 and no option but MSS. ProfileLinux
// is what a student's own Linux kernel (6.x, a fresh network namespace)
// does, as measured; where the two differ the RFC allows both, or Linux
// deviates on purpose and api.go says so.
type Profile uint8

// The profiles.
const (
	ProfileRFC Profile = iota
	ProfileLinux
	profileCount
)

var profileNames = [profileCount]string{"rfc", "linux"}

// String returns the profile's name as scenarios spell it: "rfc", "linux".
func (p Profile) String() string { return nameOf(p, profileNames[:], "profile") }

// ParseProfile returns the profile called name ("" is ProfileRFC).
func ParseProfile(name string) (Profile, error) {
	return parseName[Profile](name, profileNames[:], "a TCP profile")
}

// Apply returns cfg with the profile's values in every field the profile
// sets; the caller applies its explicit settings after it. ProfileRFC sets
// nothing: every zero field keeps its RFC default.
func (p Profile) Apply(cfg Config) Config {
	if p != ProfileLinux {
		return cfg
	}
	// Linux 6.x, measured in a fresh network namespace.
	cfg.InitialSegments = 10                  // IW10 (RFC 6928), in segments
	cfg.MinRTO = 200 * time.Millisecond       // TCP_RTO_MIN
	cfg.LinuxRTO = true                       // SRTT + max(4·RTTVAR, 200 ms)
	cfg.MaxRTO = 120 * time.Second            // TCP_RTO_MAX
	cfg.MaxSynRetries = 6                     // net.ipv4.tcp_syn_retries
	cfg.SynLinearTimeouts = 4                 // net.ipv4.tcp_syn_linear_timeouts
	cfg.EmptyWindowProbes = true              // tcp_xmit_probe_skb
	cfg.ResetWithAck = true                   // tcp_send_active_reset
	cfg.OOWRateLimit = 500 * time.Millisecond // net.ipv4.tcp_invalid_ratelimit
	cfg.ForcedPush = true                     // forced_push: PSH every half window
	cfg.GSOPush = true                        // PSH ends every GSO packet (tcp_tso_autosize)
	cfg.DelayedAck = 40 * time.Millisecond    // TCP_DELACK_MIN
	cfg.QuickAck = true
	cfg.ShrinkDelaysAck = true // __tcp_ack_snd_check's window test
	cfg.MSL = 30 * time.Second // TIME-WAIT is 60 s (TCP_TIMEWAIT_LEN)
	// Shift 10: log2 of the 32 MiB tcp_rmem maximum, less 15.
	cfg.WindowScale, cfg.WScaleShift = true, 10
	// The initial buffers (tcp_rmem[1]); Linux grows them as a transfer
	// needs (autotuning), which the model does not.
	cfg.RcvBuf, cfg.SndBuf = 131072, 131072
	cfg.Timestamps = true
	cfg.SACK = true // net.ipv4.tcp_sack
	cfg.RACK = true // net.ipv4.tcp_recovery = 1 (RACK-TLP)
	// net.ipv4.tcp_congestion_control; without HyStart (api.go).
	cfg.Congestion = CongestionCUBIC
	return cfg
}
