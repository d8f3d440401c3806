package caption

import (
	"strings"
	"testing"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// runProfile runs preset name with every host on TCP profile p.
func runProfile(t *testing.T, name, p string) (*trace.Trace, []Context) {
	t.Helper()
	sc, err := sim.LoadPreset(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Override(sim.Override{Profile: &p}); err != nil {
		t.Fatal(err)
	}
	tr, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	return tr, Annotate(tr)
}

// keysOf lists the caption keys of the events of kind k (and flags f for
// packets) in order.
func keysOf(tr *trace.Trace, ctx []Context, k trace.Kind, f trace.TCPFlags) []string {
	var out []string
	for i := range tr.Events {
		e := &tr.Events[i]
		if e.Kind == k && (f == 0 || e.Packet.Flags == f) {
			out = append(out, Key(e, &ctx[i]))
		}
	}
	return out
}

// TestCaptionsSayWhereLinuxDiffers: the same lost SYN is explained as the
// textbook's doubling under the rfc profile and as Linux's linear retry
// under the linux one, and a lost data segment names SACK, RACK and the
// tail-loss probe only for a Linux sender.
func TestCaptionsSayWhereLinuxDiffers(t *testing.T) {
	tr, ctx := runProfile(t, "lost-syn", "rfc")
	if got := keysOf(tr, ctx, trace.KindSend, trace.FlagSYN); len(got) < 2 || got[1] != "send.syn.retx" {
		t.Fatalf("rfc: SYN captions %v", got)
	}
	tr, ctx = runProfile(t, "lost-syn", "linux")
	got := keysOf(tr, ctx, trace.KindSend, trace.FlagSYN)
	if len(got) < 2 || got[1] != "send.syn.retx.linear" {
		t.Fatalf("linux: SYN captions %v", got)
	}
	for i := range tr.Events {
		if e := &tr.Events[i]; e.Kind == trace.KindSend && e.Packet.Flags == trace.FlagSYN && ctx[i].Retransmission {
			if s := For(e, &ctx[i], English); !strings.Contains(s, "Linux") || !strings.Contains(s, "keeps the timer at 1 s") {
				t.Fatalf("linux SYN retry caption: %q", s)
			}
		}
	}
	// The zero-window preset's probes: one byte in the textbook, an empty
	// segment at SND.UNA−1 in Linux, never a duplicate ACK.
	for p, want := range map[string]string{"rfc": "send.probe", "linux": "send.probe.empty"} {
		tr, ctx := runProfile(t, "zero-window", p)
		probes := 0
		for i := range tr.Events {
			if e := &tr.Events[i]; e.Kind == trace.KindSend && ctx[i].WindowProbe {
				if k := Key(e, &ctx[i]); k != want {
					t.Fatalf("%s: probe caption %s, want %s", p, k, want)
				}
				if ctx[i].DupAck != 0 {
					t.Fatalf("%s: a probe counted as duplicate ACK %d", p, ctx[i].DupAck)
				}
				probes++
			}
		}
		if probes == 0 {
			t.Fatalf("%s: no window probe", p)
		}
	}
	// The tail loss: the textbook retransmits on its timeout, Linux with a
	// tail loss probe first.
	for p, want := range map[string]string{"rfc": "send.data.timeout", "linux": "send.data.tlp"} {
		tr, ctx := runProfile(t, "lost-data", p)
		for i := range tr.Events {
			if e := &tr.Events[i]; e.Kind == trace.KindSend && ctx[i].Retransmission {
				if k := ownKey(e, &ctx[i]); k != want {
					t.Fatalf("%s: the tail's retransmission is captioned %s, want %s", p, k, want)
				}
				break
			}
		}
	}
	for _, p := range []string{"rfc", "linux"} {
		tr, ctx := runProfile(t, "lost-data", p)
		want := map[string]string{"rfc": "drop.loss.data", "linux": "drop.loss.data.linux"}[p]
		found := false
		for i := range tr.Events {
			if e := &tr.Events[i]; e.Kind == trace.KindDrop && len(e.Packet.Payload) > 0 {
				if k := Key(e, &ctx[i]); k != want {
					t.Fatalf("%s: lost data caption %s, want %s", p, k, want)
				}
				found = true
			}
		}
		if !found {
			t.Fatalf("%s: no lost data segment", p)
		}
	}
}
