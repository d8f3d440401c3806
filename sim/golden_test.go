package sim

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden (expected outputs only, never the presets)")

// canonicalize is separate from -update: presets are inputs, and a run
// meant to refresh expected outputs must never rewrite them.
var canonicalize = flag.Bool("canonicalize-presets", false, "rewrite presets/*.json in the form Encode writes")

// goldenText renders a trace one line per event: every field a kind uses,
// payloads as length plus a short quoted preview. It is the golden format
// of this package: stable, diffable, and small enough to review.
func goldenText(tr *trace.Trace) []byte {
	var b bytes.Buffer
	h := &tr.Header
	fmt.Fprintf(&b, "# %s (seed %d): %s\n", h.Scenario, h.Seed, h.Title)
	for _, n := range h.Nodes {
		fmt.Fprintf(&b, "# node %s %s %v %q\n", n.Name, n.Kind, n.Addrs, n.Role)
	}
	for _, l := range h.Links {
		fmt.Fprintf(&b, "# link %s %s-%s ab=%+v ba=%+v\n", l.ID, l.A, l.B, l.AB, l.BA)
	}
	for i := range tr.Events {
		b.WriteString(eventLine(&tr.Events[i]))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func eventLine(e *trace.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12v %-12s %s", e.At, e.Kind, e.Node)
	switch e.Kind {
	case trace.KindSend, trace.KindEnqueue, trace.KindDrop, trace.KindDuplicate, trace.KindDeliver:
		if e.Peer != "" {
			fmt.Fprintf(&b, ">%s %s", e.Peer, e.Link)
		}
		p := &e.Packet
		fmt.Fprintf(&b, " #%d", p.ID)
		if p.Orig != 0 {
			fmt.Fprintf(&b, "(copy of #%d)", p.Orig)
		}
		fmt.Fprintf(&b, " %s %v>%v ttl=%d", p.Proto, p.Src, p.Dst, p.TTL)
		switch p.Proto {
		case trace.ProtoTCP:
			fmt.Fprintf(&b, " [%s] seq=%d ack=%d win=%d", p.Flags, p.Seq, p.Ack, p.Window)
			if p.MSS != 0 {
				fmt.Fprintf(&b, " mss=%d", p.MSS)
			}
		case trace.ProtoICMP:
			fmt.Fprintf(&b, " type=%d code=%d quote=#%d", p.ICMPType, p.ICMPCode, p.Quote)
		}
		fmt.Fprintf(&b, " len=%d", len(p.Payload))
		if t := trace.Preview(p.Payload); t != "" && p.Proto != trace.ProtoICMP {
			b.WriteString(" " + strconv.Quote(shorten(t)))
		}
		if e.Kind == trace.KindSend {
			fmt.Fprintf(&b, " arrive=%v", e.Arrive)
		}
		if e.Reason != trace.DropNone {
			fmt.Fprintf(&b, " reason=%s", e.Reason)
		}
	case trace.KindState, trace.KindConnStat, trace.KindTimerSet, trace.KindTimerCancel, trace.KindTimerFire:
		c := &e.Conn
		fmt.Fprintf(&b, " %v>%v", c.Local, c.Remote)
		switch e.Kind {
		case trace.KindState:
			fmt.Fprintf(&b, " %s->%s", e.From, e.To)
		case trace.KindConnStat:
			b.WriteString(" " + c.State.String())
		default:
			fmt.Fprintf(&b, " %s", e.Timer)
			if e.Kind == trace.KindTimerSet {
				fmt.Fprintf(&b, " deadline=%v", e.Deadline)
			}
		}
		if e.Kind == trace.KindState || e.Kind == trace.KindConnStat {
			fmt.Fprintf(&b, " iss=%d irs=%d una=%d nxt=%d wnd=%d rcv.nxt=%d rcv.wnd=%d cwnd=%d ssthresh=%d srtt=%v rttvar=%v rto=%v dupacks=%d inflight=%d",
				c.ISS, c.IRS, c.SndUna, c.SndNxt, c.SndWnd, c.RcvNxt, c.RcvWnd, c.Cwnd, c.Ssthresh, c.SRTT, c.RTTVAR, c.RTO, c.DupAcks, c.InFlight)
		}
	case trace.KindApp:
		fmt.Fprintf(&b, " %s %v", e.Op, e.Socket)
		if e.Remote.IsValid() {
			fmt.Fprintf(&b, ">%v", e.Remote)
		}
		fmt.Fprintf(&b, " n=%d", e.N)
		if e.Text != "" {
			b.WriteString(" " + strconv.Quote(shorten(e.Text)))
		}
	case trace.KindNote:
		b.WriteString(" " + strconv.Quote(e.Text))
	}
	return b.String()
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// checkGolden compares got with testdata/name.golden (or rewrites it).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sim -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s: got %d lines, want %d", path, len(gl), len(wl))
	}
}

// TestGoldenPresets runs every preset and compares the whole trace with
// its golden file. The same test runs under GOOS=js GOARCH=wasm against the
// same files: the simulator is byte-for-byte deterministic across platforms.
func TestGoldenPresets(t *testing.T) {
	for _, p := range Presets() {
		t.Run(p.Name, func(t *testing.T) {
			sc, err := LoadPreset(p.Name)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := Run(sc)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, p.Name, goldenText(tr))
		})
	}
}

// TestPresetsAreCanonical: each preset file is exactly what Encode writes,
// so a scenario saved by the renderer looks like the presets.
func TestPresetsAreCanonical(t *testing.T) {
	files, err := presetFS.ReadDir("presets")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(presetOrder) {
		t.Errorf("%d preset files, %d names in presetOrder", len(files), len(presetOrder))
	}
	for _, p := range Presets() {
		sc, err := LoadPreset(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Name != p.Name {
			t.Errorf("preset %s has name %q", p.Name, sc.Name)
		}
		if p.Summary == "" || strings.Contains(p.Summary, "\n") {
			t.Errorf("preset %s: summary %q must be one line", p.Name, p.Summary)
		}
		enc, err := sc.Encode()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("presets", p.Name+".json")
		if *canonicalize {
			if err := os.WriteFile(path, enc, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		raw, _ := presetFS.ReadFile("presets/" + p.Name + ".json")
		if !bytes.Equal(raw, enc) {
			t.Errorf("%s is not in canonical form (go test ./sim -run PresetsAreCanonical -canonicalize-presets rewrites it)", path)
		}
	}
	if len(presetOrder) < 14 {
		t.Errorf("only %d presets", len(presetOrder))
	}
}

var _ = time.Second
