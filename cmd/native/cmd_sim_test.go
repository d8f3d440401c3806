package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"socketlab/sim"
	"socketlab/sim/trace"
)

func TestSimSummary(t *testing.T) {
	stdout, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", "handshake")
	want := `scenario handshake (seed 1): TCP three-way handshake, one request and reply, and the close (tsTclnt.py -> tsTserv.py)
simulated 2s: 66 events
  by kind: send 11, deliver 11, state 10, connstat 10, timer-set 7, timer-cancel 6, app 10, note 1
applications: TCP 37 bytes written, 37 bytes read; UDP 0 datagrams sent, 0 received
program output:
  30ms       server: ...connected from: 10.0.0.1:49152
TCP connections at 2s:
  client   10.0.0.1:49152         -> 10.0.0.2:21567         TIME-WAIT
  server   10.0.0.2:21567         -> 10.0.0.1:49152         CLOSED
`
	if code != 0 || stderr != "" || stdout != want {
		t.Fatalf("exit %d, stderr %q, stdout\n%s", code, stderr, stdout)
	}
}

func TestSimOverridesAndUntil(t *testing.T) {
	stdout, _, code := runCLI(t, context.Background(), "", "sim", "--scenario", "udp-impaired", "--loss", "0", "--dup", "0", "--reorder", "0")
	if code != 0 || strings.Contains(stdout, "drops:") || !strings.Contains(stdout, "UDP 24 datagrams sent, 24 received") {
		t.Fatalf("exit %d, stdout\n%s", code, stdout)
	}
	stdout, _, code = runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--loss", "1")
	if code != 0 || !strings.Contains(stdout, "drops: loss ") || !strings.Contains(stdout, "SYN-SENT") {
		t.Fatalf("--loss 1: exit %d, stdout\n%s", code, stdout)
	}
	stdout, _, code = runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--until", "25ms")
	if code != 0 || !strings.Contains(stdout, "simulated 25ms:") || !strings.Contains(stdout, "TCP connections at 25ms:") {
		t.Fatalf("--until: exit %d, stdout\n%s", code, stdout)
	}
	a, _, _ := runCLI(t, context.Background(), "", "sim", "--scenario", "udp-impaired", "--jsonl", "-")
	b, _, _ := runCLI(t, context.Background(), "", "sim", "--scenario", "udp-impaired", "--jsonl", "-", "--seed", "8")
	if a == b || !strings.Contains(b, `"seed":8`) {
		t.Fatal("--seed did not change the run")
	}
}

func TestSimLadder(t *testing.T) {
	stdout, _, code := runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--ladder", "--width", "90")
	if code != 0 || !strings.HasPrefix(stdout, "TCP three-way handshake") || !strings.Contains(stdout, "#1 SYN seq=0") ||
		!strings.Contains(stdout, "TIME-WAIT") {
		t.Fatalf("exit %d, stdout\n%s", code, stdout)
	}
}

func TestSimWritesFiles(t *testing.T) {
	dir := t.TempDir()
	jl, pc := filepath.Join(dir, "run.jsonl"), filepath.Join(dir, "run.pcap")
	stdout, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", "lost-syn", "--jsonl", jl, "--pcap", pc)
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	f, err := os.ReadFile(jl)
	if err != nil {
		t.Fatal(err)
	}
	got, err := trace.ReadJSONL(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := sim.LoadPreset("lost-syn")
	want, _ := sim.Run(sc)
	if len(got.Events) != len(want.Events) || got.Header.Scenario != "lost-syn" {
		t.Fatalf("jsonl has %d events, a run has %d", len(got.Events), len(want.Events))
	}
	p, err := os.ReadFile(pc)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) < 24 || !(bytes.HasPrefix(p, []byte{0xd4, 0xc3, 0xb2, 0xa1}) || bytes.HasPrefix(p, []byte{0xa1, 0xb2, 0xc3, 0xd4}) ||
		bytes.HasPrefix(p, []byte{0x4d, 0x3c, 0xb2, 0xa1})) {
		t.Fatalf("not a pcap file: % x", p[:min(len(p), 24)])
	}
}

func TestSimScenarioFile(t *testing.T) {
	dir := t.TempDir()
	sc, _ := sim.LoadPreset("refused")
	sc.Name = ""
	b, _ := sc.Encode()
	good := filepath.Join(dir, "mine.json")
	os.WriteFile(good, b, 0o644)
	stdout, _, code := runCLI(t, context.Background(), "", "sim", "--scenario", good)
	if code != 0 || !strings.HasPrefix(stdout, "scenario mine (seed 1)") || !strings.Contains(stdout, "connect: connection refused") {
		t.Fatalf("exit %d, stdout\n%s", code, stdout)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, bytes.Replace(b, []byte(`"delay": "10ms"`), []byte(`"loss": 1.5`), 1), 0o644)
	_, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", bad)
	if want := "socketlab: sim: " + bad + ": links[0].ab.loss: 1.5 is out of range [0, 1]\n"; code != 1 || stderr != want {
		t.Fatalf("exit %d, stderr %q, want %q", code, stderr, want)
	}
}

func TestSimUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sim"}, "socketlab: sim: --scenario is required (one of: handshake, transfer, "},
		{[]string{"sim", "--scenario", "nope"}, `socketlab: sim: no built-in scenario or file named "nope" (scenarios: handshake, `},
		{[]string{"sim", "--scenario", "handshake", "--loss", "1.5"}, "socketlab: sim: --loss 1.5: out of range 0 to 1 (see 'socketlab sim --help')\n"},
		{[]string{"sim", "--scenario", "handshake", "--delay", "-1ms"}, "socketlab: sim: --delay -1ms: out of range 0s to 10s (see 'socketlab sim --help')\n"},
		{[]string{"sim", "--scenario", "handshake", "--bandwidth", "-5"}, "socketlab: sim: --bandwidth -5: out of range 0 to 100000000000 (see 'socketlab sim --help')\n"},
		{[]string{"sim", "--scenario", "handshake", "--until", "0s"}, "socketlab: sim: --until 0s: out of range 1ms to 24h (see 'socketlab sim --help')\n"},
		{[]string{"sim", "--scenario", "handshake", "extra"}, `socketlab: sim: unexpected argument "extra"; the scenario is given with --scenario` + "\n"},
		{[]string{"scenarios", "a", "b"}, "socketlab: scenarios: want at most one scenario name, got 2 arguments\n"},
		{[]string{"sim", "--scenario", "handshake", "--ladder", "--pcap", "-"},
			"socketlab: sim: --ladder, --jsonl - and --pcap - all write to stdout; give the others a file name\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != 2 || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want prefix %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestSimInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, code := runCLI(t, ctx, "", "sim", "--scenario", "handshake")
	if code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
}

func TestSimSummaryShowsDeadlock(t *testing.T) {
	stdout, _, code := runCLI(t, context.Background(), "", "sim", "--scenario", "deadlock")
	want := "TCP 200000 bytes written, 0 bytes read"
	stuck := "ESTABLISHED (unacked 0, peer window 0, our window 0)"
	if code != 0 || !strings.Contains(stdout, want) || strings.Count(stdout, stuck) != 2 {
		t.Fatalf("exit %d, stdout\n%s", code, stdout)
	}
}

// failAfter is a stdout that fails once n bytes have been written.
type failAfter struct{ n int }

func (f *failAfter) Write(b []byte) (int, error) {
	if f.n -= len(b); f.n < 0 {
		return 0, errors.New("no space left")
	}
	return len(b), nil
}

// An output that fails stops the run with one line naming it, whether it
// fails at once or at the end.
func TestSimOutputFails(t *testing.T) {
	for _, tc := range []struct {
		args []string
		n    int
		want string
	}{
		{[]string{"--jsonl", "-"}, 0, "socketlab: sim: writing -: trace: JSON lines: no space left\n"},
		{[]string{"--pcap", "-"}, 100, "socketlab: sim: writing -: no space left\n"},
		{[]string{"--ladder"}, 1000, "socketlab: sim: ladder: no space left\n"},
	} {
		var errb bytes.Buffer
		args := append([]string{"sim", "--scenario", "transfer"}, tc.args...)
		err := run(context.Background(), args, stdio{In: strings.NewReader(""), Out: &failAfter{tc.n}, Err: &errb})
		if code := report(err, &errb); code != 1 || errb.String() != tc.want {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
