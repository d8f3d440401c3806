package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/caption"
	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
)

// wholeTrace is what sim printed before it streamed: the run recorded
// whole, then each output written from the finished trace.
type wholeTrace struct {
	t   *testing.T
	tr  *trace.Trace
	end time.Duration
}

func runWhole(t *testing.T, preset string, o sim.Override) wholeTrace {
	t.Helper()
	sc, err := sim.LoadPreset(preset)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Override(o); err != nil {
		t.Fatal(err)
	}
	tr, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	return wholeTrace{t, tr, time.Duration(sc.Duration)}
}

func (w wholeTrace) out(write func(*bytes.Buffer) error) string {
	w.t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		w.t.Fatal(err)
	}
	return b.String()
}

func (w wholeTrace) summary() string {
	s := newSimSummary()
	for i := range w.tr.Events {
		s.Emit(&w.tr.Events[i])
	}
	var b bytes.Buffer
	s.write(&b, &w.tr.Header, w.end, w.end)
	return b.String()
}

// Every preset, with and without loss, through sim's streaming outputs and
// through the whole trace: the same bytes for the summary, JSON lines,
// pcap and every kind of ladder; and replay's streaming ladder and pcap of
// the JSON lines are the whole trace's too.
func TestSimStreamsWhatTheWholeTraceWrites(t *testing.T) {
	dir := t.TempDir()
	seed := uint64(3)
	loss := 0.2
	for _, p := range sim.Presets() {
		for _, variant := range []struct {
			name  string
			flags []string
			o     sim.Override
		}{
			{"", nil, sim.Override{}},
			{" lossy", []string{"--loss", "0.2", "--seed", "3"}, sim.Override{Loss: &loss, Seed: &seed}},
		} {
			name := p.Name + variant.name
			w := runWhole(t, p.Name, variant.o)
			cli := func(args ...string) string {
				t.Helper()
				args = append(append([]string{"sim", "--scenario", p.Name}, variant.flags...), args...)
				stdout, stderr, code := runCLI(t, context.Background(), "", args...)
				if code != 0 || stderr != "" {
					t.Fatalf("%s: %v: exit %d, stderr %q", name, args, code, stderr)
				}
				return stdout
			}
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s: %s: streaming gives %d bytes, the whole trace %d; first difference at byte %d",
						name, what, len(got), len(want), firstDiff(got, want))
				}
			}
			check("summary", cli(), w.summary())
			jsonl := w.out(func(b *bytes.Buffer) error { return trace.WriteJSONL(b, w.tr) })
			check("--jsonl", cli("--jsonl", "-"), jsonl)
			wantPcap := w.out(func(b *bytes.Buffer) error { return pcap.Write(b, w.tr) })
			check("--pcap", cli("--pcap", "-"), wantPcap)
			for _, lo := range []struct {
				flags []string
				opts  trace.LadderOptions
			}{
				{nil, trace.LadderOptions{Width: 100}},
				{[]string{"--absolute", "--routers", "--timers", "--width", "160"},
					trace.LadderOptions{Width: 160, Absolute: true, Routers: true, Timers: true}},
				{[]string{"--width", "88"}, trace.LadderOptions{Width: 88}},
			} {
				want := w.out(func(b *bytes.Buffer) error { return trace.WriteLadder(b, w.tr, lo.opts) })
				check("--ladder "+strings.Join(lo.flags, " "), cli(append([]string{"--ladder"}, lo.flags...)...), want)
			}
			lo := trace.LadderOptions{Width: 100, Caption: caption.Ladder(w.tr, caption.Chinese)}
			check("--ladder --lang zh", cli("--ladder", "--lang", "zh"),
				w.out(func(b *bytes.Buffer) error { return trace.WriteLadder(b, w.tr, lo) }))

			// replay streams a recording's ladder and pcap as sim does.
			file := filepath.Join(dir, "run.jsonl")
			if err := os.WriteFile(file, []byte(jsonl), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"--ladder"}, {"--pcap", "-"}} {
				stdout, stderr, code := runCLI(t, context.Background(), "", append([]string{"replay", file}, args...)...)
				if code != 0 || stderr != "" {
					t.Fatalf("%s: replay %v: exit %d, stderr %q", name, args, code, stderr)
				}
				want := wantPcap
				if args[0] == "--ladder" {
					want = w.out(func(b *bytes.Buffer) error { return trace.WriteLadder(b, w.tr, trace.LadderOptions{}) })
				}
				check("replay "+args[0], stdout, want)
			}
		}
	}
}

func firstDiff(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
