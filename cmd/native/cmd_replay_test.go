package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
)

// replayTool returns the path of a program a replay test runs: missing,
// it skips the test, except in CI (CI=true), where make deps installs it.
func replayTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (make deps installs it)", name)
		}
		t.Skipf("%s is missing (make deps installs it)", name)
	}
	return p
}

// tcpdumpExchange captures, with tcpdump on lo, a real TCP exchange with a
// server on 127.0.0.1: connect, "hello", the reply, the close.
func tcpdumpExchange(t *testing.T) string {
	t.Helper()
	tcpdump := replayTool(t, "tcpdump")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("capturing with tcpdump needs root, and CI runs as root")
		}
		t.Skip("capturing with tcpdump needs root")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	file := filepath.Join(t.TempDir(), "lo.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// -s and -B: room in the kernel's ring for thousands of packets even
	// while other programs flood lo with 64 KiB segments.
	cmd := exec.CommandContext(ctx, tcpdump, "-i", "lo", "-U", "--immediate-mode", "-s", "4096", "-B", "16384", "-w", file,
		"tcp port "+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var errText bytes.Buffer
	listening, copied := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			errText.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "listening on") {
				close(listening)
				io.Copy(&errText, stderr)
				return
			}
		}
	}()
	select {
	case <-listening:
	case <-copied:
		cmd.Wait()
		t.Fatalf("tcpdump stopped before listening: %s", errText.String())
	}
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil {
			served <- err
			return
		}
		_, err = c.Write([]byte("hello back"))
		served <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hello"))
	if reply, err := io.ReadAll(c); err != nil || string(reply) != "hello back" {
		t.Fatalf("reply %q, %v", reply, err)
	}
	c.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	// Done when the frames stop coming: the last ACK follows the FINs.
	last, stable := -1, 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && stable < 4; {
		time.Sleep(50 * time.Millisecond)
		n := 0
		if tr, err := readCaptureFile(file); err == nil {
			n = len(tr.Events)
		}
		if n == last && n > 0 {
			stable++
		} else {
			last, stable = n, 0
		}
	}
	cmd.Process.Signal(os.Interrupt)
	<-copied
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tcpdump: %v: %s", err, errText.String())
	}
	if tr, err := readCaptureFile(file); err != nil || len(tr.Events) == 0 {
		t.Fatalf("tcpdump captured nothing (%v): %s", err, errText.String())
	}
	return file
}

func readCaptureFile(file string) (*trace.Trace, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return pcap.ReadCapture(f, file)
}

// ladderRow is one packet's label in a ladder: "#4 PSH,ACK seq=1 ack=1".
var ladderRow = regexp.MustCompile(`#(\d+) ([A-Z,]+) seq=(\d+)(?: ack=(\d+))?`)

// ladderNumbers returns "flags seq ack" by packet ID as the ladder labels them.
func ladderNumbers(t *testing.T, ladder string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, m := range ladderRow.FindAllStringSubmatch(ladder, -1) {
		got[m[1]] = strings.TrimSpace(m[2] + " " + m[3] + " " + m[4])
	}
	return got
}

// tsharkNumbers returns "flags seq ack" by frame number as tshark reads
// file: relative (Wireshark's default) or raw.
func tsharkNumbers(t *testing.T, file string, raw bool) map[string]string {
	t.Helper()
	tshark := replayTool(t, "tshark")
	seq, ack := "tcp.seq", "tcp.ack"
	if raw {
		seq, ack = "tcp.seq_raw", "tcp.ack_raw"
	}
	out, err := exec.Command(tshark, "-r", file, "-T", "fields", "-e", "frame.number", "-e", "tcp.flags", "-e", seq, "-e", ack).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	want := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		flags, err := strconv.ParseUint(f[1], 0, 16)
		if err != nil {
			t.Fatalf("tshark line %q", line)
		}
		s := trace.TCPFlags(flags).String() + " " + f[2]
		if trace.TCPFlags(flags).Has(trace.FlagACK) {
			s += " " + f[3]
		}
		want[f[0]] = s
	}
	return want
}

// The ladder of a tcpdump capture numbers the segments exactly as
// Wireshark does: relative to each direction's ISN (the SYN is 0, the
// first data byte 1), also for a capture that begins mid-connection;
// --absolute shows the raw numbers.
func TestReplayLadderSequenceNumbersAsWireshark(t *testing.T) {
	file := tcpdumpExchange(t)
	editcap := replayTool(t, "editcap")
	mid := filepath.Join(t.TempDir(), "mid.pcap")
	if out, err := exec.Command(editcap, "-r", file, mid, "4-1000").CombinedOutput(); err != nil {
		t.Fatalf("editcap: %v: %s", err, out)
	}
	for _, tc := range []struct {
		file string
		abs  bool
	}{{file, false}, {file, true}, {mid, false}} {
		args := []string{"replay", tc.file, "--ladder", "--width", "160"}
		if tc.abs {
			args = append(args, "--absolute")
		}
		stdout, stderr, code := runCLI(t, context.Background(), "", args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		got, want := ladderNumbers(t, stdout), tsharkNumbers(t, tc.file, tc.abs)
		if len(want) < 7 || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: the ladder numbers the segments\n%v\ntshark\n%v\n%s", args, got, want, stdout)
		}
		if tc.file == file && !tc.abs && (got["1"] != "SYN 0" || !strings.Contains(stdout, `seq=1 ack=1 win=`) ||
			!strings.Contains(stdout, `len=5 "hello"`)) {
			t.Errorf("the SYN is not seq 0 or the first data not seq 1:\n%s", stdout)
		}
	}
}

// A replayed capture written as JSON lines reads back as the same events;
// written as pcap, it replays to the same segments.
func TestReplayCaptureRoundTrips(t *testing.T) {
	file := tcpdumpExchange(t)
	want, err := readCaptureFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jl, pc := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "out.pcap")
	if _, stderr, code := runCLI(t, context.Background(), "", "replay", file, "--jsonl", jl, "--pcap", pc); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(jl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := trace.ReadJSONL(f)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("--jsonl read back differs (%v)", err)
	}
	again, err := readCaptureFile(pc)
	if err != nil {
		t.Fatal(err)
	}
	again.Header.Scenario, again.Header.Title = want.Header.Scenario, want.Header.Title
	if !reflect.DeepEqual(again, want) {
		var a, b bytes.Buffer
		trace.WriteJSONL(&a, again)
		trace.WriteJSONL(&b, want)
		t.Errorf("--pcap replays differently:\n%s\nwant\n%s", a.String(), b.String())
	}
}

// A recording of the simulator replays to the simulator's own outputs:
// the same ladder (with captions too), JSON lines and pcap, byte for byte.
func TestReplaySimulatorRecording(t *testing.T) {
	dir := t.TempDir()
	jl, pc := filepath.Join(dir, "lost-data.jsonl"), filepath.Join(dir, "lost-data.pcap")
	if _, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", "lost-data", "--jsonl", jl, "--pcap", pc); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, stderr)
	}
	for _, extra := range [][]string{nil, {"--lang", "zh"}, {"--absolute", "--width", "140"}} {
		simOut, _, _ := runCLI(t, context.Background(), "", append([]string{"sim", "--scenario", "lost-data", "--ladder"}, extra...)...)
		out, stderr, code := runCLI(t, context.Background(), "", append([]string{"replay", jl, "--ladder"}, extra...)...)
		if code != 0 || out != simOut || !strings.Contains(out, "✕") {
			t.Errorf("replay --ladder %q: exit %d %s\n%s\nsim --ladder:\n%s", extra, code, stderr, out, simOut)
		}
	}
	out, _, code := runCLI(t, context.Background(), "", "replay", jl, "--jsonl", "-")
	if data, _ := os.ReadFile(jl); code != 0 || out != string(data) {
		t.Errorf("replay --jsonl - of a recording is not the recording (exit %d)", code)
	}
	out, _, code = runCLI(t, context.Background(), "", "replay", jl, "--pcap", "-")
	if data, _ := os.ReadFile(pc); code != 0 || out != string(data) {
		t.Errorf("replay --pcap - of a recording differs from sim --pcap (exit %d, %d bytes, want %d)", code, len(out), len(data))
	}
}

// A file replay cannot read is one line naming what is wrong, exit 1;
// no FILE, or one that does not exist, is a usage error, exit 2 (as for
// sim --scenario and play --scenario).
func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "handshake.pcap")
	if _, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--pcap", good); code != 0 {
		t.Fatalf("sim: %s", stderr)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	rec2 := 24 + 16 + int(binary.LittleEndian.Uint32(data[24+8:]))
	caplen2 := binary.LittleEndian.Uint32(data[rec2+8:])
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cut := write("cut.pcap", data[:rec2+16+20])
	garbage := write("garbage.bin", []byte("\x00\x01\x02\x03 not a capture"))
	empty := write("empty.pcap", nil)
	text := write("notes.txt", []byte("hello\n"))
	gz := write("x.pcap.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
	badJSONL := write("bad.jsonl", []byte(`{"version":1,"header":{"title":"x"}}`+"\n"+`{"at":0,"kind":"send","pkt":{"flags":"SNY"}}`+"\n"))
	// A capture of one ARP request: nothing to replay.
	arp := make([]byte, 24+16+42)
	copy(arp, []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0})
	binary.LittleEndian.PutUint32(arp[16:], 65535)
	binary.LittleEndian.PutUint32(arp[20:], 1) // Ethernet
	binary.LittleEndian.PutUint32(arp[24+8:], 42)
	binary.LittleEndian.PutUint32(arp[24+12:], 42)
	copy(arp[40:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06})
	arpOnly := write("arp.pcap", arp)
	sub := filepath.Join(dir, "captures")
	os.Mkdir(sub, 0o755)
	missing := filepath.Join(dir, "nope.pcap")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{cut}, 1, fmt.Sprintf("replay %s: byte %d: packet record truncated (caplen %d, 20 bytes left)", cut, rec2, caplen2)},
		{[]string{garbage, "--ladder"}, 1, "replay " + garbage + ": byte 0: not a capture or a recording: it starts with 00 01 02 03, " +
			"where a pcap file starts with a1b2c3d4 (or d4c3b2a1, a1b23c4d, 4d3cb2a1), pcapng with 0a0d0d0a and JSON lines with {"},
		{[]string{text, "--jsonl", "-"}, 1, "replay " + text + ": byte 0: not a capture or a recording: it starts with 68 65 6c 6c, " +
			"where a pcap file starts with a1b2c3d4 (or d4c3b2a1, a1b23c4d, 4d3cb2a1), pcapng with 0a0d0d0a and JSON lines with {"},
		{[]string{empty}, 1, "replay " + empty + ": the file is empty; give a pcap or pcapng capture or a JSON-lines recording"},
		{[]string{sub}, 1, "replay " + sub + ": is a directory; give a pcap or pcapng capture or a JSON-lines recording"},
		{[]string{missing, "--ladder"}, 2, "replay " + missing + ": no such file or directory"},
		{[]string{"-"}, 2, "replay: FILE - (standard input) will not do: replay reads its file twice; save the capture to a file first"},
		{[]string{arpOnly, "--ladder"}, 1, "replay " + arpOnly + ": nothing to show: capture of 0 packets; skipped 1 frame (1 not IP)"},
		{[]string{gz}, 1, "replay " + gz + ": the file is compressed with gzip; gunzip it first"},
		{[]string{badJSONL, "--ladder"}, 1, "replay " + badJSONL + `: line 2: field "pkt.flags": unknown flag "SNY" (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR)`},
		{nil, 2, "replay: FILE is missing: give a pcap or pcapng capture or a JSON-lines recording (see 'socketlab replay --help')"},
		{[]string{good, good}, 2, "replay: unexpected argument " + good + "; replay reads one FILE"},
		{[]string{good, "--width", "80"}, 2, "replay: --width applies to --ladder; add --ladder"},
		{[]string{good, "--jsonl", "x.jsonl", "--lang", "zh"}, 2, "replay: --lang applies to --ladder, --screenshot and the window, not to --jsonl or --pcap"},
		{[]string{good, "--at", "1ms"}, 2, "replay: --at applies to --screenshot (the window starts at 0 and has a timeline)"},
		{[]string{good, "--ladder", "--size", "400x300"}, 2, "replay: --size applies to --screenshot and the window"},
		{[]string{good, "--ladder", "--jsonl", "-"}, 2, "replay: --ladder, --jsonl - and --pcap - all write to stdout; give the others a file name"},
		{[]string{good, "--screenshot", "x.gif"}, 2, "replay: --screenshot x.gif: name a .png or .jpg file"},
		{[]string{good, "--ladder", "--lang", "fr"}, 2, `replay: --lang "fr": want en or zh`},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", append([]string{"replay"}, tc.args...)...)
		if code != tc.code || stdout != "" || stderr != "socketlab: "+tc.want+"\n" {
			t.Errorf("replay %q: exit %d, stdout %q\nstderr %q\nwant   %q", tc.args, code, stdout, stderr, "socketlab: "+tc.want+"\n")
		}
	}
	// A bad file leaves no output file behind half written.
	out := filepath.Join(dir, "out.jsonl")
	runCLI(t, context.Background(), "", "replay", cut, "--jsonl", out)
	if _, err := os.Stat(out); err == nil {
		t.Errorf("replay of a truncated capture created %s", out)
	}
}

// Without a display, replay says so in the one line play says it in.
func TestReplayWithoutWindowSystem(t *testing.T) {
	file := filepath.Join(t.TempDir(), "handshake.jsonl")
	if _, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--jsonl", file); code != 0 {
		t.Fatalf("sim: %s", stderr)
	}
	stderr, code := runBinary(t, []string{"DISPLAY=", "WAYLAND_DISPLAY="}, "replay", file)
	if want := "socketlab: no window system is available (set DISPLAY, or run under xvfb-run)\n"; code != 1 || stderr != want {
		t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr, want)
	}
}

// --screenshot of a replayed capture writes the playground's frame as a
// PNG. It needs an X server: under xvfb-run when there is one.
func TestReplayScreenshot(t *testing.T) {
	xvfb, err := exec.LookPath("xvfb-run")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xvfb-run is missing (make deps installs it)")
		}
		t.Skip("no xvfb-run")
	}
	dir := t.TempDir()
	capture, shot := filepath.Join(dir, "handshake.pcap"), filepath.Join(dir, "replay.png")
	if _, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--pcap", capture); code != 0 {
		t.Fatalf("sim: %s", stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, xvfb, "-a", "-s", "-screen 0 640x480x24", os.Args[0])
	cmd.Env = append(os.Environ(), "SOCKETLAB_TEST_ARGS=replay "+capture+" --screenshot "+shot+" --at 25ms --size 400x300")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if want := "wrote " + shot + " (400x300, handshake.pcap at 25ms)\n"; string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 400 || img.Bounds().Dy() != 300 {
		t.Fatalf("not a 400x300 PNG: %v", err)
	}
}
