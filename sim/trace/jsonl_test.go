package trace_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
	"socketlab/sim/trace/tracetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func fixtures() map[string]*trace.Trace {
	return map[string]*trace.Trace{
		"handshake":    tracetest.Handshake(),
		"handshake-v6": tracetest.HandshakeV6(),
		"lossy":        tracetest.Lossy(),
		"udp":          tracetest.UDP(),
	}
}

func TestJSONLGolden(t *testing.T) {
	for name, tr := range fixtures() {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := trace.WriteJSONL(&buf, tr); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".jsonl", buf.Bytes())
			back, err := trace.ReadJSONL(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tr) {
				t.Fatalf("round trip changed the trace")
			}
		})
	}
}

// TestJSONLExactLines pins the exact encoding of a few events, so a change
// of the wire format cannot slip through a golden -update unnoticed.
func TestJSONLExactLines(t *testing.T) {
	tr := tracetest.Handshake()
	var buf bytes.Buffer
	if err := trace.WriteJSONL(&buf, tr); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	want := map[int]string{
		0: `{"version":1,"header":{"title":"TCP timestamp client and server: handshake, one exchange, teardown","scenario":"handshake","seed":1,"nodes":[{"name":"client","kind":"host","addrs":["10.0.0.1"],"role":"client"},{"name":"server","kind":"host","addrs":["10.0.0.2"],"role":"server"}],"links":[{"id":"c-s","a":"client","b":"server","ab":{"delay":10000000},"ba":{"delay":10000000}}]}}`,
		1: `{"at":0,"t":"0s","kind":"app","node":"server","op":"listen","socket":"0.0.0.0:80"}`,
		4: `{"at":0,"t":"0s","kind":"send","node":"client","peer":"server","link":"c-s","arrive":10000000,"pkt":{"id":1,"proto":"tcp","src":"10.0.0.1:49152","dst":"10.0.0.2:80","ttl":64,"seq":4294967000,"ack":0,"flags":"SYN","win":64240,"mss":1460}}`,
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], w)
		}
	}
	// The "hello" segment: payload as base64 plus a printable text.
	var hello string
	for _, l := range lines {
		if strings.Contains(l, `"kind":"send"`) && strings.Contains(l, `"len":5`) {
			hello = l
		}
	}
	const wantHello = `{"at":20000000,"t":"20ms","kind":"send","node":"client","peer":"server","link":"c-s","arrive":30000000,"pkt":{"id":4,"proto":"tcp","src":"10.0.0.1:49152","dst":"10.0.0.2:80","ttl":64,"seq":4294967001,"ack":1000001,"flags":"PSH,ACK","win":64240,"len":5,"payload":"aGVsbG8=","text":"hello"}}`
	if hello != wantHello {
		t.Errorf("hello segment:\n got %s\nwant %s", hello, wantHello)
	}
}

// TestJSONLNodeTCP: a host's TCP profile is the node's "tcp", after its
// role, and reads back; a node without one has no key.
func TestJSONLNodeTCP(t *testing.T) {
	tr := &trace.Trace{Header: trace.Header{Nodes: []trace.Node{
		{Name: "c", Kind: trace.NodeHost, Role: "client", TCP: "linux"},
		{Name: "r", Kind: trace.NodeRouter}}}}
	var buf bytes.Buffer
	if err := trace.WriteJSONL(&buf, tr); err != nil {
		t.Fatal(err)
	}
	const want = `{"version":1,"header":{"nodes":[{"name":"c","kind":"host","role":"client","tcp":"linux"},{"name":"r","kind":"router"}]}}` + "\n"
	if buf.String() != want {
		t.Fatalf("got  %swant %s", buf.String(), want)
	}
	back, err := trace.ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tr) {
		t.Fatalf("round trip: %+v", back.Header.Nodes)
	}
}

// TestJSONLOptions: the options of a Linux SYN and of a data segment, as
// lines, and back; a packet without options reads as before.
func TestJSONLOptions(t *testing.T) {
	syn := trace.Packet{ID: 1, Proto: trace.ProtoTCP, Flags: trace.FlagSYN, Window: 65535, MSS: 1460,
		Opts: trace.OptWScale | trace.OptSACKPerm | trace.OptTimestamps, WScale: 0, TSval: 7}
	data := trace.Packet{ID: 2, Proto: trace.ProtoTCP, Seq: 1, Ack: 1, Flags: trace.FlagACK, Window: 8192,
		Opts: trace.OptTimestamps, TSval: 4294967295, TSecr: 9, SACK: []trace.SACKBlock{{Left: 1449, Right: 2897}, {Left: 4345, Right: 5793}}}
	tr := &trace.Trace{Events: []trace.Event{{Kind: trace.KindSend, Packet: syn}, {Kind: trace.KindSend, Packet: data}}}
	var buf bytes.Buffer
	if err := trace.WriteJSONL(&buf, tr); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	want := []string{
		`{"at":0,"t":"0s","kind":"send","pkt":{"id":1,"proto":"tcp","seq":0,"ack":0,"flags":"SYN","win":65535,"mss":1460,"wscale":0,"sack_perm":true,"tsval":7,"tsecr":0}}`,
		`{"at":0,"t":"0s","kind":"send","pkt":{"id":2,"proto":"tcp","seq":1,"ack":1,"flags":"ACK","win":8192,"tsval":4294967295,"tsecr":9,"sack":[[1449,2897],[4345,5793]]}}`,
	}
	for i, w := range want {
		if lines[i+1] != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+2, lines[i+1], w)
		}
	}
	back, err := trace.ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tr) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back.Events, tr.Events)
	}
	bad := *tr
	bad.Events = []trace.Event{{Kind: trace.KindSend, Packet: trace.Packet{WScale: 3}}}
	if err := trace.WriteJSONL(io.Discard, &bad); err == nil {
		t.Error("a shift without the option was written")
	}
}

// randomEvent builds an arbitrary event with every field drawn at random
// (zero about a third of the time), including values no producer would set.
func randomEvent(r *rand.Rand) trace.Event {
	pick := func() bool { return r.IntN(3) != 0 }
	u32 := func() uint32 {
		if pick() {
			return r.Uint32()
		}
		return 0
	}
	dur := func() time.Duration {
		if pick() {
			return time.Duration(r.Int64N(1e12)) - 1e6
		}
		return 0
	}
	str := func() string {
		if !pick() {
			return ""
		}
		alphabet := []string{"a", "Z", " ", "\"", "\\", "\n", "\t", "\x00", "\x7f", "三次握手", "…", "😀", "\u2028", "/", "<&>"}
		var sb strings.Builder
		for range r.IntN(8) {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return sb.String()
	}
	ap := func() netip.AddrPort {
		switch r.IntN(4) {
		case 0:
			return netip.AddrPort{}
		case 1:
			var a [4]byte
			for i := range a {
				a[i] = byte(r.Uint32())
			}
			return netip.AddrPortFrom(netip.AddrFrom4(a), uint16(r.Uint32()))
		case 2:
			var a [16]byte
			for i := range a {
				a[i] = byte(r.Uint32())
			}
			return netip.AddrPortFrom(netip.AddrFrom16(a), uint16(r.Uint32()))
		default:
			return netip.MustParseAddrPort("[fe80::1%eth0]:443")
		}
	}
	e := trace.Event{
		At:   dur(),
		Kind: trace.Kind(1 + r.IntN(12)),
		Node: str(), Peer: str(), Link: str(),
		Reason: trace.DropReason(r.IntN(9)),
		Arrive: dur(),
		From:   trace.TCPState(r.IntN(12)), To: trace.TCPState(r.IntN(12)),
		Timer: trace.TimerKind(r.IntN(6)), Deadline: dur(),
		Op: trace.AppOp(r.IntN(15)), Socket: ap(), Remote: ap(),
		N: int(r.Int64()) >> r.IntN(64), Text: str(),
	}
	if pick() {
		e.Packet = trace.Packet{
			ID: r.Uint64(), Orig: uint64(u32()), Proto: trace.Proto(r.IntN(4)), Src: ap(), Dst: ap(),
			TTL: uint8(u32()), Seq: u32(), Ack: u32(), Flags: trace.TCPFlags(u32()), Window: uint16(u32()),
			MSS: uint16(u32()), ICMPType: uint8(u32()), ICMPCode: uint8(u32()), Quote: uint64(u32()),
		}
		if pick() {
			p := &e.Packet
			p.Opts = trace.TCPOpts(r.IntN(8))
			if p.Opts&trace.OptWScale != 0 {
				p.WScale = uint8(u32())
			}
			if p.Opts&trace.OptTimestamps != 0 {
				p.TSval, p.TSecr = u32(), u32()
			}
			for range r.IntN(5) {
				p.SACK = append(p.SACK, trace.SACKBlock{Left: u32(), Right: u32()})
			}
		}
		if pick() {
			e.Packet.Payload = make([]byte, 1+r.IntN(100))
			for i := range e.Packet.Payload {
				e.Packet.Payload[i] = byte(r.Uint32())
			}
		}
	}
	if pick() {
		e.Conn = trace.ConnState{
			Local: ap(), Remote: ap(), State: trace.TCPState(r.IntN(12)), ISS: u32(), IRS: u32(),
			SndUna: u32(), SndNxt: u32(), SndWnd: u32(), RcvNxt: u32(), RcvWnd: u32(), Cwnd: u32(),
			Ssthresh: u32(), SRTT: dur(), RTTVAR: dur(), RTO: dur(), DupAcks: uint8(u32()), InFlight: u32(),
			Retrans: u32(), BytesAcked: r.Uint64(), BytesReceived: r.Uint64(), Sacked: u32(), Pipe: u32(),
		}
	}
	return e
}

func randomHeader(r *rand.Rand) trace.Header {
	h := trace.Header{Title: "random 三次握手 \"quoted\"", Scenario: "prop", Seed: r.Uint64(), Live: r.IntN(2) == 0}
	for i := range r.IntN(4) {
		n := trace.Node{Name: string(rune('a' + i)), Kind: trace.NodeKind(r.IntN(2)), Role: "role", TCP: []string{"", "rfc", "linux"}[r.IntN(3)]}
		for range r.IntN(3) {
			n.Addrs = append(n.Addrs, netip.AddrFrom4([4]byte{10, 0, byte(i), byte(r.Uint32())}))
		}
		h.Nodes = append(h.Nodes, n)
	}
	for i := range r.IntN(3) {
		h.Links = append(h.Links, trace.Link{ID: "l" + string(rune('0'+i)), A: "a", B: "b",
			AB: trace.LinkParams{Delay: time.Duration(r.Int64N(1e9)), Loss: r.Float64(), MTU: r.IntN(9000), Bandwidth: r.Int64()},
			BA: trace.LinkParams{Jitter: time.Duration(r.Int64N(1e9)), Duplicate: r.Float64() * 1e-9, Reorder: 1, ReorderBy: 3, Queue: r.IntN(100)}})
	}
	return h
}

// TestJSONLRoundTripProperty: for any trace, ReadJSONL(WriteJSONL(t)) == t.
func TestJSONLRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 300 {
		tr := &trace.Trace{Header: randomHeader(r)}
		for range r.IntN(20) {
			tr.Events = append(tr.Events, randomEvent(r))
		}
		var buf bytes.Buffer
		if err := trace.WriteJSONL(&buf, tr); err != nil {
			t.Fatalf("iteration %d: %v", iter, err)
		}
		back, err := trace.ReadJSONL(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("iteration %d: %v\n%s", iter, err, buf.Bytes())
		}
		if !reflect.DeepEqual(back, tr) {
			for i := range tr.Events {
				if i < len(back.Events) && !reflect.DeepEqual(back.Events[i], tr.Events[i]) {
					t.Fatalf("iteration %d event %d:\n got %+v\nwant %+v", iter, i, back.Events[i], tr.Events[i])
				}
			}
			t.Fatalf("iteration %d: header or event count differ:\n got %+v\nwant %+v", iter, back.Header, tr.Header)
		}
	}
}

func TestJSONLWriterIsASink(t *testing.T) {
	var buf bytes.Buffer
	jw := trace.NewJSONLWriter(&buf)
	var s trace.Sink = jw
	s.Emit(&trace.Event{Kind: trace.KindNote, Text: "too early"})
	if err := jw.Err(); err == nil || !strings.Contains(err.Error(), "before the header") {
		t.Fatalf("Err() = %v, want an error about the header", err)
	}

	buf.Reset()
	jw = trace.NewJSONLWriter(&buf)
	tr := tracetest.Handshake()
	if err := jw.WriteHeader(&tr.Header); err != nil {
		t.Fatal(err)
	}
	for i := range tr.Events {
		jw.Emit(&tr.Events[i])
	}
	if err := jw.Err(); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := trace.WriteJSONL(&want, tr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want.Bytes()) {
		t.Fatal("streaming writer and WriteJSONL differ")
	}
	jw.Emit(&trace.Event{Kind: 99})
	if err := jw.Err(); err == nil || !strings.Contains(err.Error(), "kind 99 has no name") {
		t.Fatalf("Err() = %v, want kind 99 error", err)
	}
}

// lineWriter records each Write call, to check one call per line.
type lineWriter struct{ writes []string }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestJSONLWriterOneWritePerLine(t *testing.T) {
	lw := &lineWriter{}
	jw := trace.NewJSONLWriter(lw)
	tr := tracetest.UDP()
	if err := jw.WriteHeader(&tr.Header); err != nil {
		t.Fatal(err)
	}
	for i := range tr.Events {
		if err := jw.WriteEvent(&tr.Events[i]); err != nil {
			t.Fatal(err)
		}
	}
	if len(lw.writes) != 1+len(tr.Events) {
		t.Fatalf("%d writes for %d lines", len(lw.writes), 1+len(tr.Events))
	}
	for i, w := range lw.writes {
		if strings.Count(w, "\n") != 1 || !strings.HasSuffix(w, "\n") {
			t.Fatalf("write %d is not one whole line: %q", i, w)
		}
	}
}

func TestJSONLStreamingReader(t *testing.T) {
	var buf bytes.Buffer
	tr := tracetest.Lossy()
	if err := trace.WriteJSONL(&buf, tr); err != nil {
		t.Fatal(err)
	}
	jr, err := trace.NewJSONLReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if h := jr.Header(); h.Scenario != "lossy" || h.Seed != 7 {
		t.Fatalf("header = %+v", h)
	}
	n := 0
	for {
		e, err := jr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(e, tr.Events[n]) {
			t.Fatalf("event %d differs", n)
		}
		n++
	}
	if n != len(tr.Events) {
		t.Fatalf("read %d events, want %d", n, len(tr.Events))
	}
}

const hdr = `{"version":1,"header":{"title":"t"}}` + "\n"

func TestReadJSONLErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		line           int
		field          string
	}{
		{"empty", "", "trace: line 1: empty input: a trace starts with a header line", 1, ""},
		{"no header", `{"at":0,"kind":"note"}` + "\n", `trace: line 1: field "at": unknown field`, 1, "at"},
		{"header without version", `{"header":{}}`, `trace: line 1: field "version": missing`, 1, "version"},
		{"future version", `{"version":2,"header":{}}`, `trace: line 1: field "version": version 2 is not supported (this program reads version 1)`, 1, "version"},
		{"bad node kind", `{"version":1,"header":{"nodes":[{"name":"a","kind":"switch"}]}}`, `trace: line 1: field "header.nodes.0.kind": unknown node kind "switch" (host or router)`, 1, "header.nodes.0.kind"},
		{"bad addr", `{"version":1,"header":{"nodes":[{"name":"a","addrs":["10.0.0.300"]}]}}`, `trace: line 1: field "header.nodes.0.addrs.0": "10.0.0.300" is not an IP address`, 1, "header.nodes.0.addrs.0"},
		{"loss as string", `{"version":1,"header":{"links":[{"id":"l","ab":{"loss":"0.1"}}]}}`, `trace: line 1: field "header.links.0.ab.loss": want a number, found a string`, 1, "header.links.0.ab.loss"},
		{"blank line", hdr + "\n" + `{"at":0,"kind":"note"}`, `trace: line 2: empty line (one JSON object per line, no blank lines)`, 2, ""},
		{"unknown kind", hdr + `{"at":0,"kind":"sned"}`, `trace: line 2: field "kind": unknown kind "sned"`, 2, "kind"},
		{"missing kind", hdr + `{"at":0}`, `trace: line 2: field "kind": missing`, 2, "kind"},
		{"missing at", hdr + `{"kind":"note"}`, `trace: line 2: field "at": missing`, 2, "at"},
		{"fractional at", hdr + `{"at":1.5,"kind":"note"}`, `trace: line 2: field "at": want a whole number, found 1.5`, 2, "at"},
		{"t disagrees", hdr + `{"at":1000000,"t":"2ms","kind":"note"}`, `trace: line 2: field "t": "2ms" disagrees with at=1000000 (1ms)`, 2, "t"},
		{"repeated key", hdr + `{"at":0,"kind":"note","kind":"app"}`, `trace: line 2: field "kind": repeated key`, 2, "kind"},
		{"unknown field", hdr + `{"at":0,"kind":"note","colour":"red"}`, `trace: line 2: field "colour": unknown field`, 2, "colour"},
		{"bad flag", hdr + `{"at":0,"kind":"send","pkt":{"proto":"tcp","flags":"SNY"}}`, `trace: line 2: field "pkt.flags": unknown flag "SNY" (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR)`, 2, "pkt.flags"},
		{"seq overflow", hdr + `{"at":0,"kind":"send","pkt":{"seq":4294967296}}`, `trace: line 2: field "pkt.seq": 4294967296 does not fit in 32 bits`, 2, "pkt.seq"},
		{"negative win", hdr + `{"at":0,"kind":"send","pkt":{"win":-1}}`, `trace: line 2: field "pkt.win": want a whole number ≥ 0, found -1`, 2, "pkt.win"},
		{"bad base64", hdr + `{"at":0,"kind":"send","pkt":{"payload":"aGVsbG8"}}`, `trace: line 2: field "pkt.payload": not standard padded base64: illegal base64 data at input byte 4`, 2, "pkt.payload"},
		{"len mismatch", hdr + `{"at":0,"kind":"send","pkt":{"len":4,"payload":"aGVsbG8="}}`, `trace: line 2: field "pkt.len": 4 but the payload has 5 bytes`, 2, "pkt.len"},
		{"wscale overflow", hdr + `{"at":0,"kind":"send","pkt":{"wscale":256}}`, `trace: line 2: field "pkt.wscale": 256 does not fit in 8 bits`, 2, "pkt.wscale"},
		{"sack_perm false", hdr + `{"at":0,"kind":"send","pkt":{"sack_perm":false}}`, `trace: line 2: field "pkt.sack_perm": false is written by leaving the field out`, 2, "pkt.sack_perm"},
		{"sack empty", hdr + `{"at":0,"kind":"send","pkt":{"sack":[]}}`, `trace: line 2: field "pkt.sack": empty: a SACK option has 1 to 4 blocks (leave the field out for none)`, 2, "pkt.sack"},
		{"sack five", hdr + `{"at":0,"kind":"send","pkt":{"sack":[[1,2],[3,4],[5,6],[7,8],[9,10]]}}`, `trace: line 2: field "pkt.sack.4": more than 4 SACK blocks`, 2, "pkt.sack.4"},
		{"sack half block", hdr + `{"at":0,"kind":"send","pkt":{"sack":[[1, 2],[3]]}}`, `trace: line 2: field "pkt.sack.1": a SACK block is [left, right]`, 2, "pkt.sack.1"},
		{"sack triple", hdr + `{"at":0,"kind":"send","pkt":{"sack":[[1,2,3]]}}`, `trace: line 2: field "pkt.sack.0.2": a SACK block is [left, right]`, 2, "pkt.sack.0.2"},
		{"sack overflow", hdr + `{"at":0,"kind":"send","pkt":{"sack":[[1,4294967296]]}}`, `trace: line 2: field "pkt.sack.0.1": 4294967296 does not fit in 32 bits`, 2, "pkt.sack.0.1"},
		{"tsval alone", hdr + `{"at":0,"kind":"send","pkt":{"tsval":5}}`, `trace: line 2: field "pkt.tsecr": missing (the timestamps option carries tsval and tsecr)`, 2, "pkt.tsecr"},
		{"tsecr alone", hdr + `{"at":0,"kind":"send","pkt":{"tsecr":5}}`, `trace: line 2: field "pkt.tsval": missing (the timestamps option carries tsval and tsecr)`, 2, "pkt.tsval"},
		{"bad state", hdr + `{"at":0,"kind":"state","to":"ESTABLISHD"}`, `trace: line 2: field "to": unknown TCP state "ESTABLISHD"`, 2, "to"},
		{"empty enum", hdr + `{"at":0,"kind":"state","to":""}`, `trace: line 2: field "to": unknown TCP state ""`, 2, "to"},
		{"bad conn", hdr + `{"at":0,"kind":"connstat","conn":{"rto":"1s"}}`, `trace: line 2: field "conn.rto": want a number, found a string`, 2, "conn.rto"},
		{"bad addrport", hdr + `{"at":0,"kind":"app","op":"connect","remote":"fd00::1:80"}`, `trace: line 2: field "remote": "fd00::1:80" is not an address:port (IPv6 in brackets: "[fd00::1]:80")`, 2, "remote"},
		{"trailing data", hdr + `{"at":0,"kind":"note"} x`, `trace: line 2: at byte 24: unexpected 'x' after the object`, 2, ""},
		{"truncated", hdr + `{"at":0,"kind":"note"`, `trace: line 2: unexpected end of line inside an object`, 2, ""},
		{"second header", hdr + `{"header":{}}`, `trace: line 2: field "header": a header may only be the first line`, 2, "header"},
		{"bad escape", hdr + `{"at":0,"kind":"note","text":"\x41"}`, `trace: line 2: field "text": bad escape \x in string`, 2, "text"},
		{"lone surrogate", hdr + `{"at":0,"kind":"note","text":"\ud800"}`, `trace: line 2: field "text": lone UTF-16 surrogate in a \u escape`, 2, "text"},
		{"raw control char", hdr + "{\"at\":0,\"kind\":\"note\",\"text\":\"a\tb\"}", `trace: line 2: field "text": control character in string (escape it)`, 2, "text"},
		{"null", hdr + `{"at":null,"kind":"note"}`, `trace: line 2: field "at": want a number, found null`, 2, "at"},
		{"leading zero", hdr + `{"at":01,"kind":"note"}`, `trace: line 2: field "at": malformed number "01"`, 2, "at"},
		{"invalid utf8", hdr + "{\"at\":0,\"kind\":\"note\",\"text\":\"\xff\"}", `trace: line 2: field "text": string is not valid UTF-8`, 2, "text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := trace.ReadJSONL(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("no error; trace = %+v", tr)
			}
			if err.Error() != tc.want {
				t.Fatalf("error:\n got %s\nwant %s", err, tc.want)
			}
			var je *trace.JSONLError
			if !errors.As(err, &je) {
				t.Fatalf("%T is not a *JSONLError", err)
			}
			if je.Line != tc.line || je.Field != tc.field {
				t.Fatalf("line, field = %d, %q; want %d, %q", je.Line, je.Field, tc.line, tc.field)
			}
		})
	}
}

func TestReadJSONLAccepts(t *testing.T) {
	// Escapes JSON allows, a missing final newline, CRLF, and no "t".
	in := hdr + `{"at":5,"kind":"note","text":"a\/b\u00e9\ud83d\ude00\n"}` + "\r\n" + `{"at":6,"kind":"note"}`
	tr, err := trace.ReadJSONL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Events) != 2 || tr.Events[0].Text != "a/bé😀\n" || tr.Events[1].At != 6 {
		t.Fatalf("events = %+v", tr.Events)
	}
}

func TestWriteJSONLRejects(t *testing.T) {
	tests := []struct {
		name string
		tr   trace.Trace
		want string
	}{
		{"nan loss", trace.Trace{Header: trace.Header{Links: []trace.Link{{ID: "l", AB: trace.LinkParams{Loss: nan()}}}}},
			`trace: JSON lines: header: link "l": ab: loss is NaN, which JSON cannot hold`},
		{"invalid kind", trace.Trace{Events: []trace.Event{{At: time.Millisecond}}},
			`trace: JSON lines: event 1 (invalid at 1ms): kind 0 has no name`},
		{"bad reason", trace.Trace{Events: []trace.Event{{Kind: trace.KindDrop, Reason: 77}}},
			`trace: JSON lines: event 1 (drop at 0s): reason 77 has no name`},
		{"port without address", trace.Trace{Events: []trace.Event{{Kind: trace.KindApp, Remote: netip.AddrPortFrom(netip.Addr{}, 80)}}},
			`trace: JSON lines: event 1 (app at 0s): remote has port 80 but no address`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := trace.WriteJSONL(io.Discard, &tc.tr)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error:\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestJSONLInvalidUTF8IsReplaced(t *testing.T) {
	tr := &trace.Trace{Events: []trace.Event{{Kind: trace.KindNote, Text: "ok\xffok"}}}
	var buf bytes.Buffer
	if err := trace.WriteJSONL(&buf, tr); err != nil {
		t.Fatal(err)
	}
	back, err := trace.ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Events[0].Text; got != "ok\uFFFDok" {
		t.Fatalf("text = %q", got)
	}
}

func TestParseTCPFlags(t *testing.T) {
	for f := range 256 {
		s := trace.TCPFlags(f).String()
		got, err := trace.ParseTCPFlags(s)
		if err != nil || got != trace.TCPFlags(f) {
			t.Fatalf("ParseTCPFlags(%q) = %v, %v; want %v", s, got, err, f)
		}
	}
	if _, err := trace.ParseTCPFlags("SYN,SYN"); err == nil || err.Error() != "flag SYN repeated" {
		t.Fatalf("repeated flag: %v", err)
	}
}

func FuzzReadJSONL(f *testing.F) {
	// Seeds are short on purpose: the fuzzer minimises every new input, and
	// minimising a whole 20 kB fixture stalls it for minutes.
	for _, tr := range fixtures() {
		for i := 0; i+4 <= len(tr.Events); i += 7 {
			var buf bytes.Buffer
			if err := trace.WriteJSONL(&buf, &trace.Trace{Header: tr.Header, Events: tr.Events[i : i+4]}); err != nil {
				f.Fatal(err)
			}
			f.Add(buf.Bytes())
		}
	}
	f.Add([]byte(hdr + `{"at":0,"kind":"note","text":"\ud83d\ude00"}`))
	f.Add([]byte(hdr + `{"at":-1,"kind":"send","pkt":{"payload":"AA==","len":1}}`))
	f.Add([]byte(`{"version":1,"header":{"links":[{"ab":{"loss":1e308}}]}}`))
	f.Add([]byte(`{"version":1,"header":{"nodes":[{"name":"c","kind":"host","tcp":"linux"}]}}`))
	f.Add([]byte(hdr + `{"at":0,"kind":"send","pkt":{"proto":"tcp","seq":0,"ack":0,"flags":"SYN","win":65535,"mss":1460,"wscale":7,"sack_perm":true,"tsval":1,"tsecr":0}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := trace.ReadJSONL(bytes.NewReader(in))
		if err != nil {
			var je *trace.JSONLError
			if !errors.As(err, &je) {
				t.Fatalf("error %v is a %T, not a *JSONLError", err, err)
			}
			return
		}
		// Whatever decodes must re-encode and decode to the same trace.
		var buf bytes.Buffer
		if err := trace.WriteJSONL(&buf, tr); err != nil {
			t.Fatalf("re-encoding a decoded trace: %v", err)
		}
		back, err := trace.ReadJSONL(&buf)
		if err != nil {
			t.Fatalf("decoding our own output: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(back, tr) {
			t.Fatalf("not stable:\n%+v\n%+v", back, tr)
		}
	})
}

func BenchmarkWriteJSONL(b *testing.B) {
	tr := tracetest.Lossy()
	b.ReportAllocs()
	for b.Loop() {
		if err := trace.WriteJSONL(io.Discard, tr); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tr.Events)), "events/op")
}

func BenchmarkReadJSONL(b *testing.B) {
	var buf bytes.Buffer
	if err := trace.WriteJSONL(&buf, tracetest.Lossy()); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := trace.ReadJSONL(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// A payload's bytes that are not UTF-8 show in "text" as \xHH, two
// lower-case hex digits each.
func TestJSONLTextOfBinaryPayload(t *testing.T) {
	var buf bytes.Buffer
	jw := trace.NewJSONLWriter(&buf)
	jw.WriteHeader(&trace.Header{})
	e := trace.Event{Kind: trace.KindSend, Packet: trace.Packet{ID: 1, Proto: trace.ProtoUDP,
		Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("10.0.0.2:2"),
		Payload: []byte{0xff, 'a', 0x80, 0x0f, 0xc3}}}
	if err := jw.WriteEvent(&e); err != nil {
		t.Fatal(err)
	}
	if want := `"text":"\\xffa\\x80\\x0f\\xc3"`; !strings.Contains(buf.String(), want) {
		t.Errorf("line %s\nwant %s", buf.String(), want)
	}
}
