package pcap_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"socketlab/sim"
	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
	"socketlab/sim/trace/tracetest"
)

func write(t *testing.T, tr *trace.Trace) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := pcap.Write(&buf, tr); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decoded reads every frame back with gopacket and verifies checksums.
func decoded(t *testing.T, data []byte) []gopacket.Packet {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v", r.LinkType())
	}
	var out []gopacket.Packet
	for {
		b, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default)
		if el := p.ErrorLayer(); el != nil {
			t.Fatalf("frame %d: %v", len(out)+1, el.Error())
		}
		p.Metadata().CaptureInfo = ci
		out = append(out, p)
	}
}

func TestHandshakeFramesDecode(t *testing.T) {
	frames := decoded(t, write(t, tracetest.Handshake()))
	iss, irs := tracetest.ClientISS, tracetest.ServerISS
	want := []struct {
		flags    string
		seq, ack uint32
		len      int
		at       time.Duration
	}{
		{"SYN", iss, 0, 0, 0},
		{"SYN,ACK", irs, iss + 1, 0, 10 * time.Millisecond},
		{"ACK", iss + 1, irs + 1, 0, 20 * time.Millisecond},
		{"PSH,ACK", iss + 1, irs + 1, 5, 20 * time.Millisecond},
		{"PSH,ACK", irs + 1, iss + 6, len(tracetest.Reply), 30 * time.Millisecond},
		{"ACK", iss + 6, irs + 33, 0, 40 * time.Millisecond},
		{"FIN,ACK", iss + 6, irs + 33, 0, 40 * time.Millisecond},
		{"ACK", irs + 33, iss + 7, 0, 50 * time.Millisecond},
		{"FIN,ACK", irs + 33, iss + 7, 0, 50 * time.Millisecond},
		{"ACK", iss + 7, irs + 34, 0, 60 * time.Millisecond},
	}
	if len(frames) != len(want) {
		t.Fatalf("%d frames, want %d", len(frames), len(want))
	}
	for i, f := range frames {
		tcp := f.Layer(layers.LayerTypeTCP).(*layers.TCP)
		ip := f.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		w := want[i]
		var fl trace.TCPFlags
		for _, b := range []struct {
			on bool
			f  trace.TCPFlags
		}{{tcp.SYN, trace.FlagSYN}, {tcp.ACK, trace.FlagACK}, {tcp.FIN, trace.FlagFIN}, {tcp.PSH, trace.FlagPSH}, {tcp.RST, trace.FlagRST}} {
			if b.on {
				fl |= b.f
			}
		}
		if fl.String() != w.flags || tcp.Seq != w.seq || tcp.Ack != w.ack || len(tcp.Payload) != w.len {
			t.Errorf("frame %d: %s seq=%d ack=%d len=%d; want %s seq=%d ack=%d len=%d",
				i+1, fl, tcp.Seq, tcp.Ack, len(tcp.Payload), w.flags, w.seq, w.ack, w.len)
		}
		if got := f.Metadata().Timestamp; !got.Equal(pcap.Epoch.Add(w.at)) {
			t.Errorf("frame %d: timestamp %v, want %v", i+1, got, pcap.Epoch.Add(w.at))
		}
		if int(ip.Length) != 20+int(tcp.DataOffset)*4+w.len {
			t.Errorf("frame %d: IP total length %d", i+1, ip.Length)
		}
		if tcp.SYN && (len(tcp.Options) != 1 || tcp.Options[0].OptionType != layers.TCPOptionKindMSS ||
			!bytes.Equal(tcp.Options[0].OptionData, []byte{0x05, 0xb4})) {
			t.Errorf("frame %d: SYN without MSS 1460 option: %v", i+1, tcp.Options)
		}
		checkChecksums(t, i+1, f)
	}
	eth := frames[0].Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if eth.SrcMAC.String() != pcap.MAC("client").String() || eth.DstMAC.String() != pcap.MAC("server").String() {
		t.Errorf("MACs %v → %v", eth.SrcMAC, eth.DstMAC)
	}
	if eth.SrcMAC[0] != 0x02 {
		t.Errorf("MAC %v is not locally administered unicast", eth.SrcMAC)
	}
}

// checkChecksums recomputes the IP and transport checksums of a frame
// independently of the writer.
func checkChecksums(t *testing.T, n int, f gopacket.Packet) {
	t.Helper()
	if ip, ok := f.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		if sum := onesSum(ip.Contents, 0); sum != 0xffff {
			t.Errorf("frame %d: IPv4 header checksum wrong (sum %#x)", n, sum)
		}
	}
	var pseudo uint32
	var proto byte
	var seg []byte
	switch ip := f.NetworkLayer().(type) {
	case *layers.IPv4:
		seg = ip.Payload
		proto = byte(ip.Protocol)
		pseudo = onesSum(ip.SrcIP.To4(), 0) + onesSum(ip.DstIP.To4(), 0) + uint32(proto) + uint32(len(seg))
		if ip.Protocol == layers.IPProtocolICMPv4 {
			pseudo = 0 // ICMPv4 has no pseudo-header
		}
	case *layers.IPv6:
		seg = ip.Payload
		proto = byte(ip.NextHeader)
		pseudo = onesSum(ip.SrcIP, 0) + onesSum(ip.DstIP, 0) + uint32(proto) + uint32(len(seg))
	}
	if sum := onesSum(seg, pseudo); sum != 0xffff {
		t.Errorf("frame %d: protocol %d checksum wrong (sum %#x)", n, proto, sum)
	}
}

func onesSum(b []byte, sum uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return sum
}

func TestUDPAndICMPFramesDecode(t *testing.T) {
	frames := decoded(t, write(t, tracetest.UDP()))
	// First-hop sends: datagrams #1 #3 #4 #6 #7 from the client, #2 and the
	// ICMP error #8 from the server. The link-made copy #5 is no frame.
	if len(frames) != 7 {
		t.Fatalf("%d frames, want 7", len(frames))
	}
	for i, f := range frames {
		checkChecksums(t, i+1, f)
	}
	u := frames[0].Layer(layers.LayerTypeUDP).(*layers.UDP)
	if u.SrcPort != 50000 || u.DstPort != 21567 || string(u.Payload) != "one" || u.Length != 11 {
		t.Errorf("first datagram: %v→%v len %d %q", u.SrcPort, u.DstPort, u.Length, u.Payload)
	}
	icmp, ok := frames[6].Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if !ok {
		t.Fatalf("last frame is not ICMP: %v", frames[6])
	}
	if icmp.TypeCode != layers.CreateICMPv4TypeCode(3, 3) {
		t.Errorf("ICMP %v, want port unreachable", icmp.TypeCode)
	}
	// The quote is the offending datagram as it reached the server (TTL 63).
	inner := gopacket.NewPacket(icmp.Payload, layers.LayerTypeIPv4, gopacket.Default)
	iu, ok := inner.Layer(layers.LayerTypeUDP).(*layers.UDP)
	ip := inner.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if !ok || iu.DstPort != 9999 || ip.TTL != 63 || string(iu.Payload) != "ping" {
		t.Errorf("quoted packet: %v", inner)
	}
}

func TestIPv6FramesDecode(t *testing.T) {
	frames := decoded(t, write(t, tracetest.HandshakeV6()))
	if len(frames) != 10 {
		t.Fatalf("%d frames", len(frames))
	}
	fromServer := map[int]bool{1: true, 4: true, 7: true, 8: true}
	for i, f := range frames {
		want := "fd00::1"
		if fromServer[i] {
			want = "fd00::2"
		}
		ip, ok := f.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		if !ok || ip.SrcIP.String() != want {
			t.Errorf("frame %d: %v", i+1, f.NetworkLayer())
		}
		checkChecksums(t, i+1, f)
	}
	syn := frames[0].Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !syn.SYN || syn.Seq != tracetest.ClientISS {
		t.Errorf("first frame %v", syn)
	}
}

// TestLargestDatagram: 65,507 bytes is the most one UDP datagram over
// IPv4 can carry, and the capture holds it in one frame.
func TestLargestDatagram(t *testing.T) {
	tr := &trace.Trace{Events: []trace.Event{{Kind: trace.KindSend, Node: "a", Peer: "b", Packet: trace.Packet{ID: 1,
		Proto: trace.ProtoUDP, Src: mustAP("10.0.0.1", 1), Dst: mustAP("10.0.0.2", 2), Payload: make([]byte, 65507)}}}}
	frames := decoded(t, write(t, tr))
	ip := frames[0].Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if ip.Length != 65535 || len(frames[0].Data()) != 14+65535 {
		t.Fatalf("IP length %d, frame %d bytes", ip.Length, len(frames[0].Data()))
	}
	checkChecksums(t, 1, frames[0])
}

func TestICMPv6PortUnreachable(t *testing.T) {
	c, s := "fd00::1", "fd00::2"
	tr := &trace.Trace{Events: []trace.Event{
		{Kind: trace.KindSend, Node: "client", Peer: "server", Packet: trace.Packet{ID: 1, Proto: trace.ProtoUDP,
			Src: mustAP(c, 5000), Dst: mustAP(s, 9), TTL: 64, Payload: []byte("hi")}},
		{At: time.Millisecond, Kind: trace.KindSend, Node: "server", Peer: "client", Packet: trace.Packet{ID: 2, Proto: trace.ProtoICMP,
			Src: mustAP(s, 0), Dst: mustAP(c, 0), TTL: 64, ICMPType: 1, ICMPCode: 4, Quote: 1}},
	}}
	frames := decoded(t, write(t, tr))
	if len(frames) != 2 {
		t.Fatalf("%d frames", len(frames))
	}
	for i, f := range frames {
		checkChecksums(t, i+1, f)
	}
	icmp := frames[1].Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
	if icmp.TypeCode != layers.CreateICMPv6TypeCode(1, 4) {
		t.Fatalf("type code %v", icmp.TypeCode)
	}
	// 4 unused bytes, then the quoted IPv6 packet (40 + 8 + 2 bytes).
	if len(icmp.Payload) != 4+50 || !bytes.Equal(icmp.Payload[:4], []byte{0, 0, 0, 0}) {
		t.Fatalf("ICMPv6 body %x", icmp.Payload)
	}
}

func mustAP(a string, port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr(a), port)
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		ev   trace.Event
		want string
	}{
		{"mixed families", trace.Event{Kind: trace.KindSend, Packet: trace.Packet{ID: 3, Proto: trace.ProtoUDP,
			Src: mustAP("10.0.0.1", 1), Dst: mustAP("fd00::1", 2)}},
			"pcap: event 1 (packet #3 at 0s): source 10.0.0.1 and destination fd00::1 are of different address families"},
		{"no address", trace.Event{Kind: trace.KindSend, Packet: trace.Packet{ID: 4, Proto: trace.ProtoUDP}},
			"pcap: event 1 (packet #4 at 0s): packet has no source or destination address"},
		{"no protocol", trace.Event{Kind: trace.KindSend, Packet: trace.Packet{ID: 5, Src: mustAP("10.0.0.1", 1), Dst: mustAP("10.0.0.2", 2)}},
			"pcap: event 1 (packet #5 at 0s): protocol none has no wire format"},
		{"too big", trace.Event{Kind: trace.KindSend, Packet: trace.Packet{ID: 7, Proto: trace.ProtoUDP,
			Src: mustAP("10.0.0.1", 1), Dst: mustAP("10.0.0.2", 2), Payload: make([]byte, 65508)}},
			"pcap: event 1 (packet #7 at 0s): packet #7 carries 65508 bytes, more than one IP packet can hold (65507)"},
		{"unknown quote", trace.Event{Kind: trace.KindSend, Packet: trace.Packet{ID: 6, Proto: trace.ProtoICMP, ICMPType: 3, ICMPCode: 3, Quote: 99,
			Src: mustAP("10.0.0.1", 0), Dst: mustAP("10.0.0.2", 0)}},
			"pcap: event 1 (packet #6 at 0s): the ICMP message quotes packet #99, which the trace does not contain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := pcap.Write(io.Discard, &trace.Trace{Events: []trace.Event{tc.ev}})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestDeterministic pins the file's bytes: same trace, same capture.
func TestDeterministic(t *testing.T) {
	a, b := write(t, tracetest.Lossy()), write(t, tracetest.Lossy())
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of one trace differ")
	}
	// Nanosecond pcap magic, version 2.4, snaplen, Ethernet.
	const header = "4d3cb2a1" + "0200" + "0400" + "00000000" + "00000000" + "00000400" + "01000000"
	if got := hex.EncodeToString(a[:24]); got != header {
		t.Fatalf("file header %s", got)
	}
	sum := sha256.Sum256(write(t, tracetest.Handshake()))
	t.Logf("handshake.pcap sha256 %x", sum)
}

// tshark runs the real Wireshark dissector on a capture. Without tshark
// the test is skipped on a developer machine and fails in CI (CI=true).
func tshark(t *testing.T, file string, args ...string) []string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is not installed; CI needs it (apt-get install tshark)")
		}
		t.Skip("tshark is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-n", "-r", file}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.String())
	}
	// As root tshark warns "Running as user "root" and group "root". This
	// could be dangerous." on stderr; anything else there is a problem.
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if l != "" && !strings.Contains(l, "Running as user") {
			t.Errorf("tshark stderr: %s", l)
		}
	}
	return strings.Split(strings.TrimSpace(stdout.String()), "\n")
}

// wantLines fails the test unless got is exactly want, line by line.
func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n got %s\nwant %s", what, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func writeFile(t *testing.T, name string, tr *trace.Trace) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, write(t, tr), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

var checksumPrefs = []string{"-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"}

func TestTsharkHandshake(t *testing.T) {
	file := writeFile(t, "handshake.pcap", tracetest.Handshake())
	args := append([]string{"-T", "fields", "-E", "separator=|",
		"-e", "ip.src", "-e", "tcp.flags", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.len",
		"-e", "tcp.options.mss_val", "-e", "ip.checksum.status", "-e", "tcp.checksum.status"}, checksumPrefs...)
	got := tshark(t, file, args...)
	// Checksum status 1 is "Good" (PROTO_CHECKSUM_E_GOOD); 0 would be "Bad".
	want := []string{
		"10.0.0.1|0x0002|4294967000|0|0|1460|1|1",
		"10.0.0.2|0x0012|1000000|4294967001|0|1460|1|1",
		"10.0.0.1|0x0010|4294967001|1000001|0||1|1",
		"10.0.0.1|0x0018|4294967001|1000001|5||1|1",
		"10.0.0.2|0x0018|1000001|4294967006|32||1|1",
		"10.0.0.1|0x0010|4294967006|1000033|0||1|1",
		"10.0.0.1|0x0011|4294967006|1000033|0||1|1",
		"10.0.0.2|0x0010|1000033|4294967007|0||1|1",
		"10.0.0.2|0x0011|1000033|4294967007|0||1|1",
		"10.0.0.1|0x0010|4294967007|1000034|0||1|1",
	}
	wantLines(t, "tshark fields", got, want)
	// Wireshark's own analysis: relative numbers and no complaints.
	summary := tshark(t, file, "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-e", "tcp.seq", "-e", "tcp.ack", "-e", "_ws.expert.message")
	rel := func(i int) string { f := strings.Split(summary[i], "\t"); return f[0] + "/" + f[1] }
	if rel(0) != "0/0" || rel(1) != "0/1" || rel(2) != "1/1" || rel(4) != "1/6" || rel(9) != "7/34" {
		t.Errorf("relative numbers:\n%s", strings.Join(summary, "\n"))
	}
	for i, l := range summary {
		if strings.Contains(l, "checksum") || strings.Contains(l, "Retransmission") || strings.Contains(l, "unseen") {
			t.Errorf("frame %d: tshark complains: %s", i+1, l)
		}
	}
}

// TestTsharkSeesBadChecksum is the negative control: one corrupted
// checksum byte must turn tshark's verdict for that frame to Bad (0).
func TestTsharkSeesBadChecksum(t *testing.T) {
	data := write(t, tracetest.Handshake())
	// File header 24 + record header 16 + Ethernet 14 + IPv4 20 + 16 into TCP.
	const tcpChecksum = 24 + 16 + 14 + 20 + 16
	data[tcpChecksum] ^= 0xff
	file := filepath.Join(t.TempDir(), "bad.pcap")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got := tshark(t, file, "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-e", "tcp.checksum.status")
	if got[0] != "0" || got[1] != "1" {
		t.Fatalf("checksum status of frames 1 and 2: %q, %q; want 0 (bad), 1 (good)", got[0], got[1])
	}
}

func TestTsharkUDPAndICMP(t *testing.T) {
	file := writeFile(t, "udp.pcap", tracetest.UDP())
	args := append([]string{"-T", "fields", "-E", "separator=|", "-E", "aggregator=+",
		"-e", "frame.protocols", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.length", "-e", "data.text",
		"-e", "icmp.type", "-e", "icmp.code", "-e", "icmp.checksum.status", "-e", "udp.checksum.status", "-e", "ip.ttl",
		"-o", "data.show_as_text:TRUE"}, checksumPrefs...)
	got := tshark(t, file, args...)
	want := []string{
		"eth:ethertype:ip:udp:data|50000|21567|11|one||||1|64",
		"eth:ethertype:ip:udp:data|21567|50000|38|[Sat Nov 21 00:00:00 2026] one||||1|64",
		"eth:ethertype:ip:udp:data|50000|21567|11|two||||1|64",
		"eth:ethertype:ip:udp:data|50000|21567|13|three||||1|64",
		"eth:ethertype:ip:udp:data|50000|21567|12|four||||1|64",
		"eth:ethertype:ip:udp:data|50000|9999|12|ping||||1|64",
		// The ICMP error quotes the datagram: its UDP header appears inside.
		"eth:ethertype:ip:icmp:ip:udp:data|50000|9999|12|ping|3|3|1|1|64+63",
	}
	wantLines(t, "tshark fields", got, want)
}

func TestTsharkIPv6(t *testing.T) {
	file := writeFile(t, "v6.pcap", tracetest.HandshakeV6())
	args := append([]string{"-T", "fields", "-E", "separator=|",
		"-e", "ipv6.src", "-e", "tcp.flags", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.checksum.status"}, checksumPrefs...)
	got := tshark(t, file, args...)
	if len(got) != 10 {
		t.Fatalf("%d frames:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, want := range map[int]string{
		0: "fd00::1|0x0002|4294967000|0|1",
		1: "fd00::2|0x0012|1000000|4294967001|1",
		2: "fd00::1|0x0010|4294967001|1000001|1",
	} {
		if got[i] != want {
			t.Errorf("frame %d: got %s, want %s", i+1, got[i], want)
		}
	}
	for i, l := range got {
		if !strings.HasSuffix(l, "|1") {
			t.Errorf("frame %d: checksum not good: %s", i+1, l)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	tr := tracetest.Lossy()
	b.ReportAllocs()
	for b.Loop() {
		if err := pcap.Write(io.Discard, tr); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleWrite() {
	var buf bytes.Buffer
	if err := pcap.Write(&buf, tracetest.Handshake()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(buf.Len(), "bytes: a 24-byte file header and 10 frames")
	// Output: 810 bytes: a 24-byte file header and 10 frames
}

// FuzzWrite: any decodable trace either writes a capture gopacket reads
// back frame by frame, or fails with an error; never a panic.
func FuzzWrite(f *testing.F) {
	for _, tr := range []*trace.Trace{tracetest.Handshake(), tracetest.UDP(), tracetest.HandshakeV6()} {
		for i := 0; i+5 <= len(tr.Events); i += 8 {
			var buf bytes.Buffer
			if err := trace.WriteJSONL(&buf, &trace.Trace{Header: tr.Header, Events: tr.Events[i : i+5]}); err != nil {
				f.Fatal(err)
			}
			f.Add(buf.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := trace.ReadJSONL(bytes.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := pcap.Write(&buf, tr); err != nil {
			return
		}
		r, err := pcapgo.NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, _, err := r.ReadPacketData(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestTsharkUDPRefusedPreset writes the capture of the real udp-refused
// preset, whose ICMP error the simulator records with only the quoted UDP
// header as payload: the frame must still quote the offending IP header
// and the first bytes of its datagram (RFC 792), so that tshark decodes the
// quote (no "bogus version") and finds the datagram's ports in it.
func TestTsharkUDPRefusedPreset(t *testing.T) {
	sc, err := sim.LoadPreset("udp-refused")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "udp-refused.pcap", tr)
	args := append([]string{"-T", "fields", "-E", "separator=|", "-E", "aggregator=+",
		"-e", "frame.protocols", "-e", "icmp.type", "-e", "icmp.code", "-e", "ip.src", "-e", "ip.dst",
		"-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.length", "-e", "icmp.checksum.status", "-e", "ip.checksum.status"}, checksumPrefs...)
	got := tshark(t, file, args...)
	want := []string{
		"eth:ethertype:ip:udp:echo|||10.0.0.1|10.0.0.2|49152|7|12||1",
		// The quote: the datagram's IP header, then its UDP header (and data).
		"eth:ethertype:ip:icmp:ip:udp:echo|3|3|10.0.0.2+10.0.0.1|10.0.0.1+10.0.0.2|49152|7|12|1|1+1",
	}
	wantLines(t, "tshark fields", got, want)
	verbose := strings.Join(tshark(t, file, "-V"), "\n")
	for _, bad := range []string{"bogus", "Malformed", "Bad", "[Expert Info (Error"} {
		if strings.Contains(verbose, bad) {
			t.Errorf("tshark -V says %q:\n%s", bad, verbose)
		}
	}
}

// TestICMPQuoteOfBareTransportHeader: an ICMP error whose Payload is only
// the quoted UDP header (as the simulator records it) and whose packet the
// trace does not hold still quotes an IP header first, from the error's
// destination to its source, for IPv4 and IPv6.
func TestICMPQuoteOfBareTransportHeader(t *testing.T) {
	udpHdr := []byte{0xc0, 0x00, 0x00, 0x07, 0x00, 0x0c, 0x00, 0x00} // 49152 → 7, length 12
	for _, tc := range []struct {
		c, s      string
		typ, code uint8
		first     gopacket.LayerType
	}{{"10.0.0.1", "10.0.0.2", 3, 3, layers.LayerTypeIPv4}, {"fd00::1", "fd00::2", 1, 4, layers.LayerTypeIPv6}} {
		tr := &trace.Trace{Events: []trace.Event{{Kind: trace.KindSend, Node: "server", Peer: "client", Packet: trace.Packet{ID: 2,
			Proto: trace.ProtoICMP, Src: mustAP(tc.s, 0), Dst: mustAP(tc.c, 0), TTL: 64, ICMPType: tc.typ, ICMPCode: tc.code,
			Payload: udpHdr}}}}
		frames := decoded(t, write(t, tr))
		checkChecksums(t, 1, frames[0])
		var body []byte
		if tc.first == layers.LayerTypeIPv4 {
			body = frames[0].Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4).Payload
		} else {
			body = frames[0].Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6).Payload[4:]
		}
		inner := gopacket.NewPacket(body, tc.first, gopacket.Default)
		nl := inner.NetworkLayer()
		u, ok := inner.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if nl == nil || !ok || nl.NetworkFlow().Src().String() != tc.c || nl.NetworkFlow().Dst().String() != tc.s ||
			u.SrcPort != 49152 || u.DstPort != 7 {
			t.Errorf("%s: quote %x decodes as %v", tc.first, body, inner)
		}
	}
}
