package pcap_test

import (
	"bytes"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
)

// optionsTrace is a handshake with RFC 7323 options as Linux sends them:
// the SYN carries MSS, SACK_PERM, TS, NOP, WS; the SYN,ACK the same
// without SACK_PERM (NOP, NOP, TS); the ACK and the data NOP, NOP, TS.
func optionsTrace() *trace.Trace {
	c, s := netip.MustParseAddrPort("10.0.0.1:49152"), netip.MustParseAddrPort("10.0.0.2:80")
	all := trace.OptWScale | trace.OptSACKPerm | trace.OptTimestamps
	pkts := []trace.Packet{
		{Src: c, Dst: s, Seq: 100, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: all, WScale: 7, TSval: 1000},
		{Src: s, Dst: c, Seq: 300, Ack: 101, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460,
			Opts: trace.OptWScale | trace.OptTimestamps, WScale: 4, TSval: 5000, TSecr: 1000},
		{Src: c, Dst: s, Seq: 101, Ack: 301, Flags: trace.FlagACK, Window: 8192, Opts: trace.OptTimestamps, TSval: 1020, TSecr: 5000},
		{Src: c, Dst: s, Seq: 101, Ack: 301, Flags: trace.FlagPSH | trace.FlagACK, Window: 8192, Opts: trace.OptTimestamps,
			TSval: 1021, TSecr: 5000, Payload: []byte("hello")},
		{Src: s, Dst: c, Seq: 301, Ack: 106, Flags: trace.FlagACK, Window: 4096, Opts: trace.OptTimestamps, TSval: 5041, TSecr: 1021},
		{Src: s, Dst: c, Seq: 301, Ack: 106, Flags: trace.FlagACK, Window: 4096, Opts: trace.OptTimestamps, TSval: 5042, TSecr: 1021,
			SACK: []trace.SACKBlock{{Left: 1206, Right: 2206}, {Left: 3206, Right: 4206}}},
	}
	tr := &trace.Trace{Header: trace.Header{Nodes: []trace.Node{
		{Name: "client", Addrs: []netip.Addr{c.Addr()}}, {Name: "server", Addrs: []netip.Addr{s.Addr()}}}}}
	for i, p := range pkts {
		p.ID, p.Proto, p.TTL = uint64(i+1), trace.ProtoTCP, 64
		node, peer := "client", "server"
		if p.Src == s {
			node, peer = peer, node
		}
		tr.Events = append(tr.Events, trace.Event{At: time.Duration(i) * 20 * time.Millisecond, Kind: trace.KindSend,
			Node: node, Peer: peer, Link: "l", Packet: p})
	}
	return tr
}

// TestTsharkOptions: Wireshark decodes the options as written, in Linux's
// order, and scales the windows after the handshake by the shifts.
func TestTsharkOptions(t *testing.T) {
	file := writeFile(t, "options.pcap", optionsTrace())
	args := append([]string{"-T", "fields", "-E", "separator=|",
		"-e", "tcp.hdr_len", "-e", "tcp.options", "-e", "tcp.options.mss_val", "-e", "tcp.options.wscale.shift",
		"-e", "tcp.options.wscale.multiplier", "-e", "tcp.options.sack_perm", "-e", "tcp.options.timestamp.tsval",
		"-e", "tcp.options.timestamp.tsecr", "-e", "tcp.window_size", "-e", "tcp.checksum.status",
		"-e", "tcp.options.sack_le", "-e", "tcp.options.sack_re"}, checksumPrefs...)
	got := tshark(t, file, args...)
	want := []string{
		"40|020405b40402080a000003e80000000001030307|1460|7|128|0402|1000|0|65535|1||",
		"40|020405b40101080a00001388000003e801030304|1460|4|16||5000|1000|65535|1||",
		"32|0101080a000003fc00001388|||||1020|5000|1048576|1||", // 8192 << 7
		"32|0101080a000003fd00001388|||||1021|5000|1048576|1||",
		"32|0101080a000013b1000003fd|||||5041|1021|65536|1||", // 4096 << 4
		// NOP, NOP, TS, NOP, NOP, SACK; Wireshark shows the edges relative.
		"52|0101080a000013b2000003fd01010512000004b60000089e00000c860000106e|||||5042|1021|65536|1|1106,3106|2106,4106",
	}
	wantLines(t, "tshark fields", got, want)
	// The info column, which the ladder's labels follow.
	info := tshark(t, file, "-T", "fields", "-e", "_ws.col.Info")
	for i, w := range []string{
		"49152 → 80 [SYN] Seq=0 Win=65535 Len=0 MSS=1460 SACK_PERM TSval=1000 TSecr=0 WS=128",
		"80 → 49152 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0 MSS=1460 TSval=5000 TSecr=1000 WS=16",
		"49152 → 80 [ACK] Seq=1 Ack=1 Win=1048576 Len=0 TSval=1020 TSecr=5000",
		"49152 → 80 [PSH, ACK] Seq=1 Ack=1 Win=1048576 Len=5 TSval=1021 TSecr=5000 [TCP segment of a reassembled PDU]",
		"80 → 49152 [ACK] Seq=1 Ack=6 Win=65536 Len=0 TSval=5041 TSecr=1021",
		"[TCP Dup ACK 5#1] 80 → 49152 [ACK] Seq=1 Ack=6 Win=65536 Len=0 TSval=5042 TSecr=1021 SLE=1106 SRE=2106 SLE=3106 SRE=4106",
	} {
		if info[i] != w {
			t.Errorf("frame %d info:\n got %s\nwant %s", i+1, info[i], w)
		}
	}
}

// TestWriteTooManyOptions: five SACK blocks with timestamps do not fit in
// a TCP header.
func TestWriteTooManyOptions(t *testing.T) {
	tr := optionsTrace()
	p := &tr.Events[4].Packet
	p.SACK = make([]trace.SACKBlock, 3) // 12 + 4 + 24 = 40: fits
	if err := pcap.Write(io.Discard, tr); err != nil {
		t.Fatal(err)
	}
	p.SACK = make([]trace.SACKBlock, 4)
	if err := pcap.Write(io.Discard, tr); err == nil || !strings.Contains(err.Error(), "TCP options take 48 bytes") {
		t.Fatalf("error %v", err)
	}
}

// TestReadCaptureOptions: what the writer wrote, the reader reads back.
func TestReadCaptureOptions(t *testing.T) {
	tr := optionsTrace()
	var buf bytes.Buffer
	if err := pcap.Write(&buf, tr); err != nil {
		t.Fatal(err)
	}
	back, err := pcap.ReadCapture(&buf, "options.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var got []trace.Packet
	for _, e := range back.Events {
		if e.Kind == trace.KindSend {
			got = append(got, e.Packet)
		}
	}
	if len(got) != len(tr.Events) {
		t.Fatalf("%d packets read back, want %d", len(got), len(tr.Events))
	}
	for i, e := range tr.Events {
		w, g := e.Packet, got[i]
		type opts struct {
			MSS          uint16
			Opts         trace.TCPOpts
			WScale       uint8
			TSval, TSecr uint32
			SACK         []trace.SACKBlock
		}
		if a, b := (opts{g.MSS, g.Opts, g.WScale, g.TSval, g.TSecr, g.SACK}), (opts{w.MSS, w.Opts, w.WScale, w.TSval, w.TSecr, w.SACK}); !reflect.DeepEqual(a, b) {
			t.Errorf("packet %d: options %+v, want %+v", i+1, a, b)
		}
	}
}

// TestTsharkSimulatedSACK: a simulated connection with "sack": true, as
// Wireshark decodes it. Both SYNs carry SACK_PERM; the second of three
// segments is lost, so the ACKs of the third and of the FIN report the
// third with a SACK block (the FIN's ACK with the FIN in it, as Linux),
// which Wireshark shows relative to the ISN like the ACK; after the
// timeout only the lost segment is sent again.
func TestTsharkSimulatedSACK(t *testing.T) {
	sc, err := sim.LoadPreset("transfer")
	if err != nil {
		t.Fatal(err)
	}
	on := true
	sc.TCP.SACK = &on
	sc.Programs[1].Bytes = 3 * 1460
	sc.Faults = []sim.Fault{{Action: "drop", Data: true, Seq: 1461, From: "client"}}
	tr, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	info := tshark(t, writeFile(t, "sack.pcap", tr), "-T", "fields", "-e", "_ws.col.Info")
	want := []string{
		"49152 → 5001 [SYN] Seq=0 Win=65535 Len=0 MSS=1460 SACK_PERM",
		"5001 → 49152 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0 MSS=1460 SACK_PERM",
		"49152 → 5001 [ACK] Seq=1 Ack=1 Win=65535 Len=0",
		"49152 → 5001 [ACK] Seq=1 Ack=1 Win=65535 Len=1460",
		"49152 → 5001 [ACK] Seq=1461 Ack=1 Win=65535 Len=1460",
		"49152 → 5001 [PSH, ACK] Seq=2921 Ack=1 Win=65535 Len=1460",
		"49152 → 5001 [FIN, ACK] Seq=4381 Ack=1 Win=65535 Len=0",
		"5001 → 49152 [ACK] Seq=1 Ack=1461 Win=65535 Len=0 SLE=2921 SRE=4381",
		"[TCP Dup ACK 8#1] 5001 → 49152 [ACK] Seq=1 Ack=1461 Win=65535 Len=0 SLE=2921 SRE=4382",
		"[TCP Retransmission] 49152 → 5001 [ACK] Seq=1461 Ack=1 Win=65535 Len=1460",
		"5001 → 49152 [ACK] Seq=1 Ack=4382 Win=62614 Len=0",
		"5001 → 49152 [FIN, ACK] Seq=1 Ack=4382 Win=65535 Len=0",
		"49152 → 5001 [ACK] Seq=4382 Ack=2 Win=65534 Len=0",
	}
	wantLines(t, "tshark info", info, want)
}
