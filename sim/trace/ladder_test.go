package trace_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"socketlab/sim/trace"
	"socketlab/sim/trace/tracetest"
)

func ladder(t *testing.T, tr *trace.Trace, opts trace.LadderOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := trace.WriteLadder(&buf, tr, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestLadderGolden(t *testing.T) {
	tests := []struct {
		name string
		tr   *trace.Trace
		opts trace.LadderOptions
	}{
		{"handshake", tracetest.Handshake(), trace.LadderOptions{}},
		{"handshake-absolute-timers", tracetest.Handshake(), trace.LadderOptions{Absolute: true, Timers: true, Width: 120}},
		{"handshake-v6", tracetest.HandshakeV6(), trace.LadderOptions{Width: 80}},
		{"lossy", tracetest.Lossy(), trace.LadderOptions{ConnStat: true}},
		{"udp", tracetest.UDP(), trace.LadderOptions{}},
		{"udp-routers", tracetest.UDP(), trace.LadderOptions{Routers: true, Width: 110}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := ladder(t, tc.tr, tc.opts)
			checkWidth(t, out, tc.opts.Width)
			golden(t, "ladder-"+tc.name+".golden", []byte(out))
		})
	}
}

// checkWidth asserts no line is wider than the requested width.
func checkWidth(t *testing.T, out string, width int) {
	t.Helper()
	if width == 0 {
		width = 100
	}
	for i, line := range strings.Split(out, "\n") {
		if w := trace.StringWidth(line); w > width {
			t.Errorf("line %d is %d columns wide, more than %d:\n%s", i+1, w, width, line)
		}
	}
}

// TestLadderFacts checks the things a teacher points at, independent of
// the exact layout the golden files pin.
// TestLadderOptions: a SYN's RFC 7323 options in the order of Wireshark's
// info column, later windows scaled by the sender's shift, SACK blocks as
// Wireshark's SLE= SRE=, relative.
func TestLadderOptions(t *testing.T) {
	tr := tracetest.Handshake()
	all := trace.OptWScale | trace.OptSACKPerm | trace.OptTimestamps
	for i := range tr.Events {
		p := &tr.Events[i].Packet
		if p.Proto != trace.ProtoTCP {
			continue
		}
		p.Opts, p.TSval, p.TSecr = trace.OptTimestamps, 100+uint32(p.ID), 7
		if p.ID == 5 { // the server's reply SACKs octets 10 to 20 of the client's
			p.SACK = []trace.SACKBlock{{Left: 4294967010, Right: 4294967020}}
		}
		if p.Flags.Has(trace.FlagSYN) {
			p.Opts, p.WScale = all, 7
			if p.Flags.Has(trace.FlagACK) {
				p.Opts, p.WScale = trace.OptWScale|trace.OptTimestamps, 2
			} else {
				p.TSecr = 0
			}
		}
	}
	hs := ladder(t, tr, trace.LadderOptions{})
	for _, want := range []string{
		"#1 SYN seq=0 win=64240 len=0 mss=1460 sack_perm tsval=101 tsecr=0 ws=128",
		"#2 SYN,ACK seq=0 ack=1 win=65535 len=0 mss=1460 tsval=102 tsecr=7 ws=4",
		"#3 ACK seq=1 ack=1 win=8222720 len=0", // 64240 << 7
		"#5 PSH,ACK seq=1 ack=6 win=262140 len=32 sle=10 sre=20",
	} {
		if !strings.Contains(hs, want) {
			t.Errorf("ladder lacks %q:\n%s", want, hs)
		}
	}
}

func TestLadderFacts(t *testing.T) {
	hs := ladder(t, tracetest.Handshake(), trace.LadderOptions{})
	for _, want := range []string{
		"#1 SYN seq=0 win=64240 len=0 mss=1460",
		"#2 SYN,ACK seq=0 ack=1 win=65535 len=0 mss=1460",
		"#3 ACK seq=1 ack=1 win=64240 len=0",
		`#4 PSH,ACK seq=1 ack=1 win=64240 len=5 "hello"`,
		"#7 FIN,ACK seq=6 ack=33",
		"ESTABLISHED", "SYN-SENT", "TIME-WAIT", "LAST-ACK",
		"connect 10.0.0.2:80", `write 5 "hello"`, "read 0 (end of stream)",
	} {
		if !strings.Contains(hs, want) {
			t.Errorf("handshake ladder lacks %q", want)
		}
	}
	abs := ladder(t, tracetest.Handshake(), trace.LadderOptions{Absolute: true})
	if !strings.Contains(abs, "#1 SYN seq=4294967000 win=64240") || !strings.Contains(abs, "ack=4294967001") {
		t.Error("absolute ladder lacks the wire sequence numbers")
	}

	lossy := ladder(t, tracetest.Lossy(), trace.LadderOptions{})
	for _, want := range []string{
		"✕ #1 lost: random loss on c-s",
		"RTO fired (next RTO 2s)",
		"#2 SYN seq=0 win=64240 len=0 mss=1460 [retransmission]",
		"[dup ACK 3]",
		"seq=101 ack=1 win=64240 len=100",
		"[fast retransmission]",
	} {
		if !strings.Contains(lossy, want) {
			t.Errorf("lossy ladder lacks %q", want)
		}
	}

	udp := ladder(t, tracetest.UDP(), trace.LadderOptions{})
	for _, want := range []string{
		"✕ #3 lost: random loss on r1-s",
		"◇ #5 copy of #4",
		"#6 (overtook #4) ─▶",
		"#7 discarded: no socket on port 9999",
		"#8 ICMP port unreachable (about #7)",
		"error: recvfrom: connection refused",
	} {
		if !strings.Contains(udp, want) {
			t.Errorf("udp ladder lacks %q", want)
		}
	}
	if strings.Contains(udp, "r1") && !strings.Contains(udp, "r1-s") {
		t.Error("routers are hidden by default but r1 has a column")
	}
}

func TestLadderCaptionsCJKWidth(t *testing.T) {
	tr := tracetest.Handshake()
	zh := "客户端发送 SYN，请求建立连接：这是三次握手的第一步。序号是随机选择的初始序号（ISN），这里显示为相对序号 0。"
	out := ladder(t, tr, trace.LadderOptions{Width: 72, Caption: func(i int, e *trace.Event) string {
		if e.Kind == trace.KindSend && e.Packet.ID == 1 {
			return zh
		}
		return ""
	}})
	checkWidth(t, out, 72)
	if !strings.Contains(out, "三次握手") && !strings.Contains(out, "三次握") {
		t.Fatalf("caption missing:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimLeft(strings.Trim(line, " │"), " "), "，") {
			t.Errorf("a line starts with closing punctuation: %q", line)
		}
	}
	golden(t, "ladder-handshake-zh.golden", []byte(out))
}

func TestLadderErrors(t *testing.T) {
	var buf bytes.Buffer
	err := trace.WriteLadder(&buf, tracetest.Handshake(), trace.LadderOptions{Width: 30})
	if err == nil || err.Error() != "trace: ladder: 30 columns are too narrow for 2 lifelines (need at least 39)" {
		t.Fatalf("narrow: %v", err)
	}
	err = trace.WriteLadder(&buf, &trace.Trace{}, trace.LadderOptions{})
	if err == nil || !strings.Contains(err.Error(), "no hosts to draw") {
		t.Fatalf("empty: %v", err)
	}
}

// TestLadderWithoutHeader draws a live trace that names nodes only in events.
func TestLadderWithoutHeader(t *testing.T) {
	tr := tracetest.Handshake()
	tr.Header = trace.Header{}
	out := ladder(t, tr, trace.LadderOptions{})
	if !strings.Contains(out, "#1 SYN seq=0") || !strings.Contains(out, "ESTABLISHED") {
		t.Fatalf("headerless ladder:\n%s", out)
	}
}

func TestBinary(t *testing.T) {
	for in, want := range map[string]bool{
		"": false, "hello\r\n": false, "三次握手": false, "\x00\x01ab": true,
		"\xff\xfeabcdef": false, "\xff\xfe\xfdab": true, "[Sat Nov 21 00:00:00 2026] hello": false,
	} {
		if got := trace.Binary([]byte(in)); got != want {
			t.Errorf("Binary(%q) = %v, want %v", in, got, want)
		}
	}
	// A binary payload gets no quoted text on its arrow.
	tr := tracetest.Handshake()
	for i := range tr.Events {
		if tr.Events[i].Packet.ID == 4 {
			tr.Events[i].Packet.Payload = []byte{0, 1, 2, 3, 4}
		}
	}
	out := ladder(t, tr, trace.LadderOptions{})
	if !strings.Contains(out, "#4 PSH,ACK seq=1 ack=1 win=64240 len=5 ") || strings.Contains(out, `len=5 "`) {
		t.Errorf("binary payload label:\n%s", out)
	}
}

func TestStringWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"三次握手", 8}, {"SYN，ACK。", 10}, {"e\u0301", 1},
		{"│─✕◇●○╲", 7}, {"한국어", 6}, {"ｆｕｌｌ", 8}, {"😀", 2}, {"\xff", 1},
	}
	for _, tc := range tests {
		if got := trace.StringWidth(tc.s); got != tc.want {
			t.Errorf("StringWidth(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func BenchmarkWriteLadder(b *testing.B) {
	tr := tracetest.Lossy()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := trace.WriteLadder(&buf, tr, trace.LadderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzWriteLadder: any trace that decodes draws without panicking, within
// the width, or fails with an error.
func FuzzWriteLadder(f *testing.F) {
	for _, tr := range fixtures() {
		for i := 0; i+6 <= len(tr.Events); i += 9 {
			var buf bytes.Buffer
			if err := trace.WriteJSONL(&buf, &trace.Trace{Header: tr.Header, Events: tr.Events[i : i+6]}); err != nil {
				f.Fatal(err)
			}
			f.Add(buf.Bytes(), uint8(0), false)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, width uint8, routers bool) {
		tr, err := trace.ReadJSONL(bytes.NewReader(in))
		if err != nil {
			return
		}
		opts := trace.LadderOptions{Width: int(width), Routers: routers, Timers: true, ConnStat: true, Queue: true,
			Caption: func(i int, e *trace.Event) string { return e.Text }}
		var buf bytes.Buffer
		if err := trace.WriteLadder(&buf, tr, opts); err != nil {
			return
		}
		checkWidth(t, buf.String(), opts.Width)
	})
}

// TestLadderWrapPunctuation: closing punctuation never starts a line and
// never pushes a line past the width (a fuzzer found the latter).
func TestLadderWrapPunctuation(t *testing.T) {
	tr := &trace.Trace{Header: trace.Header{Title: strings.Repeat("0", 47) + " !", Nodes: []trace.Node{{Name: "a"}}}}
	out := ladder(t, tr, trace.LadderOptions{Width: 47})
	checkWidth(t, out, 47)
	if l := strings.Split(out, "\n"); l[0] != strings.Repeat("0", 47) || l[1] != "!" {
		t.Errorf("title lines %q, %q", l[0], l[1])
	}
	tr.Header.Title = strings.Repeat("三", 23) + "。"
	out = ladder(t, tr, trace.LadderOptions{Width: 46})
	checkWidth(t, out, 46)
	lines := strings.Split(out, "\n")
	if lines[0] != strings.Repeat("三", 22) || lines[1] != "三。" {
		t.Errorf("kinsoku: %q / %q", lines[0], lines[1])
	}
}

// TestLadderConnStatSACK: with ConnStat, a connection's SACKed octets and
// pipe show beside cwnd while SACK recovery has them, and not otherwise.
func TestLadderConnStatSACK(t *testing.T) {
	tr := tracetest.Lossy()
	i := slices.IndexFunc(tr.Events, func(e trace.Event) bool { return e.Kind == trace.KindConnStat })
	if i < 0 {
		t.Fatal("no connstat event in the lossy trace")
	}
	if plain := ladder(t, tr, trace.LadderOptions{ConnStat: true}); strings.Contains(plain, "sacked=") {
		t.Fatal("sacked= without SACK")
	}
	tr.Events[i].Conn.Sacked, tr.Events[i].Conn.Pipe = 1460, 2920
	if got := ladder(t, tr, trace.LadderOptions{ConnStat: true}); !strings.Contains(got, " sacked=1460 pipe=2920") {
		t.Fatalf("ladder lacks sacked=1460 pipe=2920:\n%s", got)
	}
}
