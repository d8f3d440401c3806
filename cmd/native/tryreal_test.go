package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"socketlab/sim/lesson"
	"socketlab/sim/trace"
	"socketlab/sim/view"
)

// tryStep opens the playground on a lesson's step with the lesson
// source, skips the step's question and tries the step for real: the
// textbook's servers start on loopback, the real client runs, and its
// run is drawn beside the step's, the simulated run untouched, the real
// client's socket calls those of wantClient. It returns the run's events,
// or nil in the parent of the process that ran the test.
func tryStep(t *testing.T, id string, step int, wantClient string) []trace.Event {
	t.Helper()
	if !inFreshProcess(t) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	src := &tryRealSource{ctx: ctx}
	t.Cleanup(src.Close)
	l, err := lesson.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := view.New(view.Options{Source: src, Lesson: l, Step: step, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Settle()
	n := a.M.Len()
	a.Skip()
	if a.TryReal(); !a.TryRunning() {
		t.Fatalf("nothing runs: %s", a.Status)
	}
	a.SettleTry()
	if a.Tried() == nil || !strings.Contains(a.Status, ", for real: ") {
		t.Fatalf("no real run beside the step: %s", a.Status)
	}
	var own int
	for _, e := range a.M.Events() {
		if !strings.HasPrefix(e.Node, trace.RealPrefix) {
			own++
		}
	}
	if own != n {
		t.Errorf("%d simulated events beside the real run, want the step's %d", own, n)
	}
	evs := a.M.Events()
	if got := appOps(evs, "real client"); got != wantClient {
		t.Errorf("real client calls %q, want %q", got, wantClient)
	}
	return evs
}

// inFreshProcess runs the calling test again in a child process of its
// own and reports whether this is that child. A lesson's App measures its
// text with ebiten, which refuses once a window of the process has closed
// (the screenshot tests before this one); the child has opened none.
func inFreshProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv("SOCKETLAB_TEST_FRESH") == t.Name() {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "SOCKETLAB_TEST_FRESH="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a process of its own: %v\n%s", err, out)
	}
	return false
}

// sent returns the flags of the TCP segments node sent, in order.
func sent(evs []trace.Event, node string) (flags []string) {
	for _, e := range evs {
		if e.Kind == trace.KindSend && e.Node == node && e.Packet.Proto == trace.ProtoTCP {
			flags = append(flags, e.Packet.Flags.String())
		}
	}
	return flags
}

// Handshake step 4 tried for real: tsTclnt.py against the real timestamp
// server on loopback, its socket calls and the server's on the real
// columns beside the simulated handshake, starting at the step's moment;
// as root, the real segments too.
func TestTryRealHandshake(t *testing.T) {
	evs := tryStep(t, "handshake", 4, "connect-start connect write read close")
	if evs == nil {
		return // the child process ran it
	}
	if got := appOps(evs, "real server"); !strings.HasPrefix(got, "accept read write read close") {
		t.Errorf("real server calls %q", got)
	}
	if got, want := appOps(evs, "client"), "connect write read close"; got != want {
		t.Errorf("simulated client calls %q, want %q (the model's, untouched)", got, want)
	}
	var first time.Duration = -1
	for _, e := range evs {
		if strings.HasPrefix(e.Node, trace.RealPrefix) && first < 0 {
			first = e.At
		}
	}
	if first != 20*time.Millisecond { // the step: the client's ACK, sent at 20 ms
		t.Errorf("the real run starts at %v, want the step's moment, 20ms", first)
	}
	if os.Geteuid() != 0 {
		return
	}
	c, s := sent(evs, "real client"), sent(evs, "real server")
	if len(c) < 3 || c[0] != "SYN" || c[1] != "ACK" || len(s) < 1 || s[0] != "SYN,ACK" {
		t.Errorf("real segments: client %v, server %v", c, s)
	}
}

// Connect-errors step 3 tried for real: a connect to a loopback port
// where nothing listens fails with "connection refused"; as root, the
// kernel's RST is on the wire.
func TestTryRealRefused(t *testing.T) {
	evs := tryStep(t, "connect-errors", 3, "connect-start error")
	if evs == nil {
		return // the child process ran it
	}
	for _, e := range evs {
		if e.Kind == trace.KindApp && e.Op == trace.OpError && !strings.Contains(e.Text, "refused") {
			t.Errorf("the error says %q, want connection refused", e.Text)
		}
	}
	if os.Geteuid() != 0 {
		return
	}
	if c, s := sent(evs, "real client"), sent(evs, "real server"); len(c) != 1 || c[0] != "SYN" || len(s) != 1 || s[0] != "RST,ACK" {
		t.Errorf("real segments: client %v, server %v; want SYN, RST,ACK", c, s)
	}
}

// --try belongs to a lesson's screenshot.
func TestPlayTryFlag(t *testing.T) {
	for _, args := range [][]string{{"--try"}, {"--lesson", "handshake", "--try"}} {
		_, err := parsePlayConfig(playCmd, args, stdio{Out: &strings.Builder{}, Err: &strings.Builder{}})
		if err == nil || !strings.Contains(err.Error(), "--try") {
			t.Errorf("%v: %v", args, err)
		}
	}
}
