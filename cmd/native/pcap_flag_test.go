package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"socketlab/core"
	"socketlab/sim/trace"
)

// --pcap captures the command's own segments from the wire: tshark reads
// the textbook exchange from the file, and --trace holds the same
// segments beside the socket calls, in time order.
func TestPcapFlagTCPClient(t *testing.T) {
	needCapture(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is missing (make deps installs it)")
		}
		t.Skip("tshark is missing")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.TimestampServer{}
	go srv.Serve(l)
	defer srv.Close()
	dir := t.TempDir()
	pcapFile, traceFile := filepath.Join(dir, "c.pcap"), filepath.Join(dir, "c.jsonl")
	stdout, stderr, code := runCLI(t, context.Background(), "hello\n", "tcp-client", l.Addr().String(), "--pcap", pcapFile, "--trace", traceFile)
	if code != 0 || !strings.HasSuffix(stdout, "] hello\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	out, err := exec.Command(tshark, "-r", pcapFile, "-T", "fields", "-e", "tcp.flags.str", "-e", "tcp.len").Output()
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(strings.ReplaceAll(line, "·", ""))
		flags = append(flags, strings.Join(f, "/"))
	}
	if len(flags) < 9 || flags[0] != "S/0" || flags[1] != "AS/0" || flags[2] != "A/0" || flags[3] != "AP/5" {
		t.Fatalf("tshark reads %q", flags)
	}
	f, err := os.Open(traceFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := trace.ReadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	segs := trace.Segments(tr)
	if len(segs) != len(flags) || !segs[0].FromClient || segs[0].Flags != trace.FlagSYN || segs[3].Len != 5 {
		t.Fatalf("the trace has %d segments (the pcap %d): %+v", len(segs), len(flags), segs[:min(4, len(segs))])
	}
	for i := 1; i < len(tr.Events); i++ {
		if tr.Events[i].At < tr.Events[i-1].At {
			t.Fatalf("event %d is earlier than the one before: %v < %v", i, tr.Events[i].At, tr.Events[i-1].At)
		}
	}
	for _, e := range tr.Events {
		if e.Kind == trace.KindSend && e.Packet.Flags == trace.FlagSYN && e.Node != "client" {
			t.Fatalf("the SYN is on node %q", e.Node)
		}
	}
}

func TestPcapFlagMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tcp-client", "--pcap", "-", "127.0.0.1:1"}, "socketlab: tcp-client: --pcap -: a pcap file is binary; give a file name, e.g. --pcap run.pcap\n"},
		{[]string{"tcp-client", "--pcap", "x", "--trace", "x", "127.0.0.1:1"}, "socketlab: tcp-client: --trace and --pcap name the same file\n"},
		{[]string{"unix-client", "--pcap", "x", "/tmp/x.sock"}, "socketlab: unix-client: unknown flag --pcap (see 'socketlab unix-client --help')\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != 2 || stderr != tc.want {
			t.Errorf("%q: exit %d, stderr %q\nwant %q", tc.args, code, stderr, tc.want)
		}
	}
}

// Without the privilege: one line before anything is sent, exit 1, and
// no file left behind.
func TestPcapFlagWithoutPrivilege(t *testing.T) {
	needCapture(t) // only root can drop to another user
	stderr, code, dir := runAsNobody(t, "tcp-client", "--pcap", "$DIR/x.pcap", "127.0.0.1:1")
	if want := "socketlab: tcp-client: --pcap: capturing packets needs root or CAP_NET_RAW: run it with sudo, or drop --pcap\n"; code != 1 || stderr != want {
		t.Fatalf("exit %d, stderr %q\nwant   %q", code, stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.pcap")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the pcap file was left: %v", err)
	}
}
