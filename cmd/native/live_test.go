package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
	"socketlab/sim/view"
)

// takeUntil reads the live stream until have says enough arrived, or fails
// after a bounded wait.
func takeUntil(t *testing.T, st view.Stream, have func([]trace.Event) bool) []trace.Event {
	t.Helper()
	var evs []trace.Event
	deadline := time.Now().Add(10 * time.Second)
	for !have(evs) {
		if time.Now().After(deadline) {
			t.Fatalf("the live run did not show what was expected; %d events arrived", len(evs))
		}
		time.Sleep(10 * time.Millisecond)
		evs, _, _ = st.Take(evs, 100000)
	}
	return evs
}

func appOps(evs []trace.Event, node string) string {
	var ops []string
	for _, e := range evs {
		if e.Kind == trace.KindApp && e.Node == node {
			ops = append(ops, e.Op.String())
		}
	}
	return strings.Join(ops, " ")
}

// Real mode: a client started from the window talks to the traced server
// on loopback; its socket calls, the server's, the kernel's TCP state and
// — as root — the real segments arrive on one live stream, on one clock.
func TestLiveSessionTCPClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := startLive(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Open(view.Request{Preset: livePreset})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Live() || st.Header().Scenario != livePreset {
		t.Fatalf("live %v, header %+v", st.Live(), st.Header())
	}
	names := s.Actions()
	if len(names) != 7 || names[0].Name != "tcp-client" {
		t.Fatalf("actions %+v", names)
	}
	if err := s.Do(0); err != nil {
		t.Fatal(err)
	}
	evs := takeUntil(t, st, func(evs []trace.Event) bool {
		return strings.HasSuffix(appOps(evs, "client"), "close") && strings.Contains(appOps(evs, "server"), "close")
	})
	if got, want := appOps(evs, "client"), "connect-start connect write read close"; got != want {
		t.Errorf("client calls %q, want %q", got, want)
	}
	if got := appOps(evs, "server"); !strings.HasPrefix(got, "accept read write read close") {
		t.Errorf("server calls %q", got)
	}
	// The kernel's view (TCP_INFO): an established connection with an RTT,
	// a congestion window and Linux's 200 ms minimum RTO.
	var established bool
	for i, e := range evs {
		if i > 0 && e.At < evs[i-1].At {
			t.Fatalf("event %d is earlier than the one before: %v < %v", i, e.At, evs[i-1].At)
		}
		c := e.Conn
		if (e.Kind == trace.KindState || e.Kind == trace.KindConnStat) && c.State == trace.StateEstablished &&
			c.SRTT > 0 && c.Cwnd > 0 && c.RTO >= 200*time.Millisecond {
			established = true
		}
	}
	if !established {
		t.Error("no kernel state of an established connection with RTT, cwnd and RTO")
	}
	if os.Geteuid() != 0 {
		if s.captureErr == nil {
			t.Error("no capture error without root")
		}
		return
	}
	if s.captureErr != nil {
		t.Fatalf("capture as root: %v", s.captureErr)
	}
	// The segments: the handshake on the wire, sent by the client's node.
	sends := func(evs []trace.Event) (n int) {
		for _, e := range evs {
			if e.Kind == trace.KindSend && e.Packet.Proto == trace.ProtoTCP {
				n++
			}
		}
		return n
	}
	if sends(evs) < 8 { // SYN, SYN-ACK, ACK, data, ACK, data, FIN, FIN…
		evs = append(evs, takeUntil(t, st, func(more []trace.Event) bool { return sends(evs)+sends(more) >= 8 })...)
	}
	segs := trace.Segments(&trace.Trace{Events: evs})
	if len(segs) < 3 || segs[0].Flags != trace.FlagSYN || segs[1].Flags != trace.FlagSYN|trace.FlagACK || !segs[0].FromClient || segs[0].MSS != 65495 {
		t.Fatalf("segments %+v", segs[:min(3, len(segs))])
	}
	for _, e := range evs {
		if e.Kind == trace.KindSend && e.Packet.Flags == trace.FlagSYN && e.Node != "client" {
			t.Errorf("the SYN is on node %q", e.Node)
		}
	}
}

// The picker still offers the simulator, and a live run is recorded, not
// saved as a scenario.
func TestLiveSessionSource(t *testing.T) {
	s, err := startLive(context.Background(), "127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ps := s.Presets()
	if ps[0].Name != livePreset || len(ps) < 10 {
		t.Fatalf("presets %+v", ps)
	}
	st, err := s.Open(view.Request{Preset: "handshake"})
	if err != nil || st.Live() {
		t.Fatalf("a preset opens %v, %v", st, err)
	}
	st.Close()
	if _, err := s.Encode(view.Request{Preset: livePreset}); err == nil {
		t.Fatal("a live run encoded as a scenario")
	}
	if acts := s.Actions(); len(acts) != 8 || acts[7].Name != "tcp → 127.0.0.1:9" {
		t.Fatalf("with --target: %+v", acts)
	}
	if err := s.Do(42); err == nil {
		t.Fatal("action 43 ran")
	}
	// A target typed in the window replaces the one of --target.
	for _, bad := range []string{"nohost", "127.0.0.1:0", "[::1"} {
		if err := s.SetTarget(bad); err == nil {
			t.Errorf("SetTarget(%q) accepted", bad)
		}
	}
	if err := s.SetTarget("127.0.0.1:21567"); err != nil {
		t.Fatal(err)
	}
	if acts := s.Actions(); len(acts) != 8 || acts[7].Name != "tcp → 127.0.0.1:21567" || !s.isServerPort(21567) {
		t.Fatalf("after SetTarget: %+v", acts)
	}
}

func TestPlayLiveMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"play", "--target", "127.0.0.1:80"}, "socketlab: play: --target applies to --live\n"},
		{[]string{"play", "--run", "1"}, "socketlab: play: --run applies to --live\n"},
		{[]string{"play", "--live", "--scenario", "lost-syn"}, "socketlab: play: --scenario applies to simulations, not to --live\n"},
		{[]string{"play", "--live", "--run", "0"}, "socketlab: play: --run 0: want a client number 1 to 9 (see 'socketlab play --help')\n"},
		{[]string{"play", "--live", "--target", "nohost"}, "socketlab: play: --target: parse address \"nohost\": missing port; write HOST:PORT, e.g. nohost:21567 [socket.gaierror]\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != 2 || stderr != tc.want {
			t.Errorf("%q: exit %d, stderr %q\nwant %q", tc.args, code, stderr, tc.want)
		}
	}
}

// The whole real mode in a real window: clients 1 and 3 run at once, the
// screenshot shows the live edge, Ctrl+S's recording opens in replay.
func TestPlayLiveScreenshot(t *testing.T) {
	xvfb, err := exec.LookPath("xvfb-run")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xvfb-run is missing (make deps installs it)")
		}
		t.Skip("xvfb-run is missing")
	}
	dir := t.TempDir()
	shot := filepath.Join(dir, "live.png")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, xvfb, "-a", "-s", "-screen 0 1280x800x24", os.Args[0])
	cmd.Env = append(os.Environ(), "SOCKETLAB_TEST_ARGS=play --live --run 1 --run 3 --screenshot "+shot)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "wrote "+shot+" (1280x800, live at its live edge)") {
		t.Fatalf("output %q", out)
	}
	b, err := os.ReadFile(shot)
	if err != nil || len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Fatalf("no PNG written: %v", err)
	}
}
