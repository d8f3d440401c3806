package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// TestHandshakePresetDecodesInTshark is the simulator's acceptance test:
// the pcap of the handshake preset, opened by the real Wireshark dissector,
// starts with SYN, SYN-ACK, ACK whose raw sequence numbers are the ones the
// simulator's own trace recorded, with good checksums.
func TestHandshakePresetDecodesInTshark(t *testing.T) {
	tsharkPath := needTshark(t)
	dir := t.TempDir()
	pc, jl := filepath.Join(dir, "handshake.pcap"), filepath.Join(dir, "handshake.jsonl")
	if _, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--pcap", pc, "--jsonl", jl); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, stderr)
	}

	f, err := os.Open(jl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := trace.ReadJSONL(f)
	if err != nil {
		t.Fatal(err)
	}
	var sends []trace.Packet
	for _, e := range tr.Events {
		if e.Kind == trace.KindSend && e.Packet.Proto == trace.ProtoTCP && len(sends) < 3 {
			sends = append(sends, e.Packet)
		}
	}
	if len(sends) != 3 {
		t.Fatalf("the trace has %d TCP sends, want at least 3", len(sends))
	}
	iss, irs := sends[0].Seq, sends[1].Seq
	u := func(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
	want := []string{
		"0x0002|" + u(iss) + "|0|1",                  // SYN
		"0x0012|" + u(irs) + "|" + u(iss+1) + "|1",   // SYN-ACK acknowledges ISS+1
		"0x0010|" + u(iss+1) + "|" + u(irs+1) + "|1", // ACK completes the handshake
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tsharkPath, "-n", "-r", pc, "-c", "3", "-o", "tcp.check_checksum:TRUE",
		"-T", "fields", "-E", "separator=|", "-e", "tcp.flags", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.checksum.status")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark: %v: %s", err, errb.String())
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tshark decoded\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// needTshark returns tshark's path, or skips the test where it is
// missing — except in CI, which must have it.
func needTshark(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is not installed; CI needs it (make deps)")
		}
		t.Skip("tshark is not installed")
	}
	return p
}

// The simulated DNS server and resolver speak RFC 1035 on the wire: in
// the pcap of a forward-confirmed reverse look-up, Wireshark's DNS
// dissector reads the PTR query, its answer (the name), the A query for
// that name and its answer, with the IDs matched.
func TestDNSScenarioDecodesInTshark(t *testing.T) {
	tsharkPath := needTshark(t)
	dir := t.TempDir()
	sc, pc := filepath.Join(dir, "fcrdns.json"), filepath.Join(dir, "fcrdns.pcap")
	doc := `{"name": "fcrdns", "seed": 1, "duration": "1s",
	  "hosts": [{"name": "client", "addrs": ["10.0.0.1"]}, {"name": "dns", "addrs": ["10.0.0.53"]}],
	  "links": [{"id": "l1", "a": "client", "b": "dns", "ab": {"delay": "10ms"}, "ba": {"delay": "10ms"}}],
	  "programs": [{"type": "dns-server", "host": "dns", "port": 53,
	      "records": ["10.0.0.4 PTR liar.example.test", "liar.example.test A 192.0.2.4"]},
	    {"type": "fcrdns-client", "host": "client", "server": "dns:53", "address": "10.0.0.4"}]}`
	if err := os.WriteFile(sc, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, context.Background(), "", "sim", "--scenario", sc, "--pcap", pc); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tsharkPath, "-n", "-r", pc, "-Y", "dns", "-T", "fields", "-E", "separator=|",
		"-e", "dns.id", "-e", "dns.flags.response", "-e", "dns.flags.rcode", "-e", "dns.qry.name", "-e", "dns.qry.type",
		"-e", "dns.ptr.domain_name", "-e", "dns.a", "-e", "_ws.malformed")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark: %v: %s", err, errb.String())
	}
	want := []string{
		"0xb800|0||4.0.0.10.in-addr.arpa|12|||", // a query has no RCODE to show
		"0xb800|1|0|4.0.0.10.in-addr.arpa|12|liar.example.test||",
		"0x6132|0||liar.example.test|1|||",
		"0x6132|1|0|liar.example.test|1||192.0.2.4|",
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tshark decoded\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
