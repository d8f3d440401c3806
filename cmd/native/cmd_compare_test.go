package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// needCapture skips a test that captures packets when the process may
// not; with CI=true (CI runs as root) that is a failure instead.
func needCapture(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("capturing packets needs root, and CI=true needs this test")
		}
		t.Skip("capturing packets needs root")
	}
}

// The model's column is deterministic and given in full; the kernel's is
// checked for what Linux always does on loopback.
func TestCompareExchanges(t *testing.T) {
	needCapture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stdout, stderr, code := runCLI(t, ctx, "", "compare", "all")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	sections := strings.Split(stdout, "\n\n")
	if len(sections) != len(exchanges) {
		t.Fatalf("%d sections, want %d:\n%s", len(sections), len(exchanges), stdout)
	}
	// A row is "   MODEL(57 columns)  KERNEL(57 columns)  MARK", counted in
	// runes as fmt pads them.
	rows := func(section string) (model, kernel, marks []string) {
		for _, l := range strings.Split(strings.TrimSpace(section), "\n")[2:] {
			r := []rune(l)
			if !strings.HasPrefix(l, "   ") || len(r) < 3+57+2 {
				continue
			}
			model = append(model, strings.TrimSpace(string(r[3:3+57])))
			kernel = append(kernel, strings.TrimSpace(string(r[3+57+2:min(len(r), 3+57+2+57)])))
			marks = append(marks, strings.TrimSpace(string(r[min(len(r), 3+57+2+57):])))
		}
		return
	}
	// request: the textbook exchange, the model's column in full.
	model, kernel, marks := rows(sections[1])
	wantModel := []string{
		"0.000ms c→s SYN seq=0 win=65535 mss=1460",
		"0.020ms s→c SYN,ACK seq=0 ack=1 win=65535 mss=1460",
		"0.040ms c→s ACK seq=1 ack=1 win=65535",
		"0.040ms c→s PSH,ACK seq=1 ack=1 len=5 win=65535",
		"0.060ms s→c ACK seq=1 ack=6 win=65530",
		"0.060ms s→c PSH,ACK seq=1 ack=6 len=32 win=65530",
		"0.080ms c→s ACK seq=6 ack=33 win=65503",
		"0.080ms c→s FIN,ACK seq=6 ack=33 win=65503",
		"0.100ms s→c ACK seq=33 ack=7 win=65529",
		"0.100ms s→c FIN,ACK seq=33 ack=7 win=65529",
		"0.120ms c→s ACK seq=7 ack=34 win=65502",
	}
	var gotModel []string
	for _, m := range model {
		if m != "" {
			gotModel = append(gotModel, m)
		}
	}
	if strings.Join(gotModel, "\n") != strings.Join(wantModel, "\n") {
		t.Errorf("request, the model:\n%s\nwant\n%s", strings.Join(gotModel, "\n"), strings.Join(wantModel, "\n"))
	}
	// Linux on loopback: MSS 65495, the handshake matched row by row, the
	// request and the reply carried whole.
	for i, want := range []string{"c→s SYN seq=0 win=65495 mss=65495", "s→c SYN,ACK seq=0 ack=1 win=65483 mss=65495", "c→s ACK seq=1 ack=1"} {
		if !strings.Contains(kernel[i], want) || !strings.HasPrefix(marks[i], "≠ window") {
			t.Errorf("request row %d: kernel %q, mark %q; want %q and a window difference", i, kernel[i], marks[i], want)
		}
	}
	if !strings.Contains(sections[1], "c→s PSH,ACK seq=1 ack=1 len=5") || !strings.Contains(sections[1], "s→c PSH,ACK seq=1 ack=6 len=32") {
		t.Errorf("request: the data segments are missing:\n%s", sections[1])
	}
	// refused: Linux's RST,ACK is the model's, field for field.
	_, kernel, marks = rows(sections[2])
	if len(kernel) != 2 || !strings.Contains(kernel[1], "s→c RST,ACK seq=1 ack=1 win=0") || marks[1] != "=" {
		t.Errorf("refused:\n%s", sections[2])
	}
	// simultaneous close: both FINs leave before either is acknowledged.
	if !strings.Contains(sections[4], "FINs did not cross") {
		_, kernel, _ = rows(sections[4])
		var order []string
		for _, k := range kernel {
			if f := strings.Fields(k); len(f) > 2 {
				order = append(order, f[2])
			}
		}
		if got := strings.Join(order, " "); got != "SYN SYN,ACK ACK FIN,ACK FIN,ACK ACK ACK" {
			t.Errorf("simultaneous close, the kernel: %s\n%s", got, sections[4])
		}
	}
	for _, s := range sections {
		if !strings.Contains(s, " segments in both, ") {
			t.Errorf("no summary line:\n%s", s)
		}
	}
}

// --pcap saves the real segments; tshark reads the same handshake.
func TestComparePcap(t *testing.T) {
	needCapture(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is missing (make deps installs it)")
		}
		t.Skip("tshark is missing")
	}
	file := t.TempDir() + "/refused.pcap"
	_, stderr, code := runCLI(t, context.Background(), "", "compare", "--pcap", file, "refused")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out, err := exec.Command(tshark, "-r", file, "-T", "fields", "-e", "tcp.flags.str").Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(strings.ReplaceAll(string(out), "·", ""))
	if len(got) != 2 || !strings.Contains(got[0], "S") || !strings.Contains(got[1], "R") {
		t.Fatalf("tshark reads %q", out)
	}
}

func TestCompareMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", "nosuch"}, "socketlab: compare: no exchange \"nosuch\"; choose one of handshake, request, refused, half-close, simultaneous-close, " +
			"syn-lost, syn-lost-2, syn-lost-3, synack-lost, segment-lost, tail-lost, tail-lost-2, udp-closed, zero-window, " +
			"request-rtt, segment-lost-rtt, tail-lost-2-rtt, or all\n"},
		{[]string{"compare", "handshake", "refused"}, "socketlab: compare: give one exchange, not 2\n"},
		{[]string{"compare", "--profile", "bsd", "handshake"}, "socketlab: compare: --profile \"bsd\": choose rfc or linux\n"},
		{[]string{"compare", "--profile=", "handshake"}, "socketlab: compare: --profile \"\": choose rfc or linux\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != 2 || stderr != tc.want {
			t.Errorf("%q: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}

// Without the privilege to capture: one line saying so, exit 1.
func TestCompareWithoutPrivilege(t *testing.T) {
	needCapture(t) // only root can drop to another user
	stderr, code, _ := runAsNobody(t, "compare", "refused")
	want := "socketlab: compare refused: comparing needs the real segments, and capturing them needs root or CAP_NET_RAW: run it with sudo\n"
	if code != 1 || stderr != want {
		t.Fatalf("exit %d, stderr %q\nwant   %q", code, stderr, want)
	}
}

// --profile linux: the model's linux profile beside the kernel in a fresh
// namespace, row by row. A refusal is the same packet for packet, and a
// lost SYN comes again after a second in both (the times within the
// tolerance).
func TestCompareLinuxProfile(t *testing.T) {
	needCapture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stdout, stderr, code := runCLI(t, ctx, "", "compare", "--profile", "linux", "refused")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	head := "   the model (socketlab's linux profile)          " + kernelName() + " (a fresh network namespace)"
	want := []string{
		"refused — connect to a port where nothing listens",
		head,
		"   0ms c→s SYN seq=0 mss=1460 sack_perm ts ws=10  0ms c→s SYN seq=0 mss=1460 sack_perm ts ws=10  =",
		"   0ms s→c RST,ACK seq=1 ack=1                    0ms s→c RST,ACK seq=1 ack=1                    =",
		"the same: 2; at another time: 0; only in the model: 0; only in your kernel: 0",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("compare --profile linux refused:\n%s\nwant\n%s", stdout, strings.Join(want, "\n"))
	}
	stdout, _, code = runCLI(t, ctx, "", "compare", "--profile", "linux", "syn-lost")
	if code != 0 || !strings.Contains(stdout, "   1000ms c→s SYN seq=0 mss=1460 sack_perm ts ws=10") ||
		!strings.Contains(stdout, "the same: 7; at another time: 0; only in the model: 0; only in your kernel: 0") {
		t.Errorf("compare --profile linux syn-lost: exit %d\n%s", code, stdout)
	}
}

// Without root, the linux profile's namespace cannot be made: one line
// saying so, exit 1.
func TestCompareLinuxWithoutPrivilege(t *testing.T) {
	needCapture(t) // only root can drop to another user
	stderr, code, _ := runAsNobody(t, "compare", "--profile", "linux", "refused")
	want := "socketlab: compare refused: a fresh network namespace needs root (CAP_SYS_ADMIN): run it with sudo\n"
	if code != 1 || stderr != want {
		t.Fatalf("exit %d, stderr %q\nwant   %q", code, stderr, want)
	}
}
