package tcp

import (
	"reflect"
	"testing"
	"time"
)

func TestParseProfile(t *testing.T) {
	for name, want := range map[string]Profile{"": ProfileRFC, "rfc": ProfileRFC, "linux": ProfileLinux} {
		if p, err := ParseProfile(name); err != nil || p != want {
			t.Errorf("ParseProfile(%q) = %v, %v; want %v", name, p, err, want)
		}
	}
	if _, err := ParseProfile("bsd"); err == nil || err.Error() != `"bsd" is not a TCP profile (rfc, linux)` {
		t.Errorf("ParseProfile(bsd) error = %v", err)
	}
	if got := ProfileLinux.String(); got != "linux" {
		t.Errorf("String = %q", got)
	}
}

// TestProfileRFCSetsNothing: the textbook profile is today's defaults.
func TestProfileRFCSetsNothing(t *testing.T) {
	if got := ProfileRFC.Apply(Config{}); !reflect.DeepEqual(got, Config{}) {
		t.Fatalf("ProfileRFC.Apply changed the config: %+v", got)
	}
}

// TestInitialSegments: IW10 sends ten full segments at once (Linux, RFC
// 6928), where RFC 5681 allows three of 1460 bytes.
func TestInitialSegments(t *testing.T) {
	cfg := baseConfig()
	cfg.InitialSegments = 10
	cfg.SndBuf = 20 * 1460
	f := established(t, cfg, 65535)
	f.write(string(payload(12 * 1460)))
	if out := f.take(); len(out) != 10 {
		t.Fatalf("IW10 sent %d segments, want 10", len(out))
	}
	// InitialCwnd in bytes wins over it.
	cfg.InitialCwnd = 2 * 1460
	f = established(t, cfg, 65535)
	f.write(string(payload(12 * 1460)))
	if out := f.take(); len(out) != 2 {
		t.Fatalf("InitialCwnd 2 segments: sent %d", len(out))
	}
}

// TestProfileLinuxValues pins the measured Linux values the profile sets.
func TestProfileLinuxValues(t *testing.T) {
	c := ProfileLinux.Apply(Config{})
	if c.InitialSegments != 10 || c.MinRTO != 200*time.Millisecond || c.MaxRTO != 120*time.Second ||
		c.MaxSynRetries != 6 || c.DelayedAck != 40*time.Millisecond || c.MSL != 30*time.Second ||
		!c.WindowScale || c.WScaleShift != 10 || c.RcvBuf != 131072 || c.SndBuf != 131072 || !c.Timestamps ||
		!c.LinuxRTO || c.SynLinearTimeouts != 4 || !c.EmptyWindowProbes || !c.QuickAck || !c.SACK || !c.RACK ||
		c.Congestion != CongestionCUBIC || !c.ResetWithAck || c.OOWRateLimit != 500*time.Millisecond || !c.ForcedPush ||
		!c.ShrinkDelaysAck || !c.GSOPush {
		t.Fatalf("linux profile: %+v", c)
	}
}
