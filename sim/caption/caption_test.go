package caption

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"socketlab/sim/trace"
	"socketlab/sim/trace/tracetest"
)

var update = flag.Bool("update", false, "rewrite golden files and zh_runes.txt")

func fixtures() map[string]*trace.Trace {
	return map[string]*trace.Trace{
		"handshake":    tracetest.Handshake(),
		"handshake-v6": tracetest.HandshakeV6(),
		"lossy":        tracetest.Lossy(),
		"udp":          tracetest.UDP(),
	}
}

// TestCatalogueComplete: every event kind, drop reason, TCP state, timer
// and application operation has its own entry, in both languages.
func TestCatalogueComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range catalogue {
		if seen[e.key] {
			t.Errorf("key %q appears twice", e.key)
		}
		seen[e.key] = true
		if strings.TrimSpace(e.en) == "" || strings.TrimSpace(e.zh) == "" {
			t.Errorf("key %q lacks a language", e.key)
		}
		if e.key != "note" && !strings.ContainsFunc(e.zh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("key %q: the zh text has no Chinese: %q", e.key, e.zh)
		}
		if e.en == e.zh && e.key != "note" {
			t.Errorf("key %q: zh is a copy of en", e.key)
		}
		// Both languages use the same placeholders (a zh caption must not
		// silently drop a number the en one gives).
		if a, b := placeholders(e.en), placeholders(e.zh); !slices.Equal(a, b) {
			t.Errorf("key %q: placeholders differ: en %v, zh %v", e.key, a, b)
		}
	}
	var want []string
	for k := trace.KindSend; k <= trace.KindNote; k++ {
		want = append(want, k.String())
	}
	for r := trace.DropLoss; r <= trace.DropBadState; r++ {
		want = append(want, "drop."+r.String())
	}
	for s := trace.StateClosed; s <= trace.StateTimeWait; s++ {
		want = append(want, "state."+s.String())
	}
	for _, kind := range []string{"timer-set", "timer-cancel", "timer-fire"} {
		for tk := trace.TimerRetransmit; tk <= trace.TimerReorder; tk++ {
			want = append(want, kind+"."+tk.String())
		}
	}
	for op := trace.OpListen; op <= trace.OpFCrDNS; op++ {
		want = append(want, "app."+op.String())
	}
	for _, k := range want {
		if !seen[k] {
			t.Errorf("no caption for %q", k)
		}
	}
	for tk := trace.TimerRetransmit; tk <= trace.TimerReorder; tk++ {
		if n, ok := timerNames[tk.String()]; !ok || n.en == "" || n.zh == "" {
			t.Errorf("timer %v has no name", tk)
		}
	}
	// The enumerations must end where the loops above stop: a new kind,
	// reason, state, timer or operation needs its caption.
	if trace.Kind(trace.KindNote+1).String() != "kind(13)" || trace.DropReason(trace.DropBadState+1).String() != "drop(9)" ||
		trace.TCPState(trace.StateTimeWait+1).String() != "state(12)" || trace.TimerKind(trace.TimerReorder+1).String() != "timer(8)" ||
		trace.AppOp(trace.OpFCrDNS+1).String() != "op(19)" {
		t.Error("sim/trace has new enumeration values: add their captions and extend this test")
	}
}

func placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name, _, _ := strings.Cut(s[i+1:i+j], "|") // {n|byte}: a count and its noun
		out = append(out, strings.ToLower(name))
		s = s[i+j+1:]
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// synthetic returns events covering every branch of Key.
func synthetic() []trace.Event {
	a := netip.MustParseAddrPort("10.0.0.1:40000")
	b := netip.MustParseAddrPort("10.0.0.2:80")
	tcp := func(f trace.TCPFlags, payload string) trace.Packet {
		p := trace.Packet{ID: 1, Proto: trace.ProtoTCP, Src: a, Dst: b, Flags: f, Seq: 100, Ack: 200, Window: 1000}
		if payload != "" {
			p.Payload = []byte(payload)
		}
		return p
	}
	udp := trace.Packet{ID: 2, Proto: trace.ProtoUDP, Src: a, Dst: b, Payload: []byte("x")}
	icmp := trace.Packet{ID: 3, Proto: trace.ProtoICMP, Src: b, Dst: a, ICMPType: 3, ICMPCode: 3, Quote: 2}
	icmp6 := trace.Packet{ID: 4, Proto: trace.ProtoICMP, Src: netip.MustParseAddrPort("[fd00::2]:0"), Dst: netip.MustParseAddrPort("[fd00::1]:0"), ICMPType: 1, ICMPCode: 4}
	echo := trace.Packet{ID: 5, Proto: trace.ProtoICMP, Src: b, Dst: a, ICMPType: 8}
	none := trace.Packet{ID: 6, Src: a, Dst: b}
	msg := trace.Packet{ID: 7, Proto: trace.ProtoMsg, Dst: b, Payload: []byte("hello")}
	var ev []trace.Event
	for _, p := range []trace.Packet{
		tcp(trace.FlagSYN, ""), tcp(trace.FlagSYN|trace.FlagACK, ""), tcp(trace.FlagACK, ""), tcp(trace.FlagPSH|trace.FlagACK, "data"),
		tcp(trace.FlagFIN|trace.FlagACK, ""), tcp(trace.FlagRST, ""), tcp(trace.FlagRST|trace.FlagACK, ""), udp, icmp, icmp6, echo, none, msg,
	} {
		for _, k := range []trace.Kind{trace.KindSend, trace.KindDeliver, trace.KindEnqueue, trace.KindDuplicate} {
			ev = append(ev, trace.Event{Kind: k, Node: "client", Peer: "server", Link: "c-s", Packet: p})
		}
		for r := trace.DropNone; r <= trace.DropBadState; r++ {
			ev = append(ev, trace.Event{Kind: trace.KindDrop, Node: "client", Peer: "server", Link: "c-s", Packet: p, Reason: r})
		}
	}
	for s := trace.StateNone; s <= trace.StateTimeWait; s++ {
		ev = append(ev, trace.Event{Kind: trace.KindState, Node: "server", From: trace.StateListen, To: s})
	}
	for _, d := range []uint8{0, 1, 3} {
		ev = append(ev, trace.Event{Kind: trace.KindConnStat, Node: "client", Conn: trace.ConnState{Cwnd: 2920, Ssthresh: 1460, DupAcks: d, InFlight: 100}})
	}
	for _, k := range []trace.Kind{trace.KindTimerSet, trace.KindTimerCancel, trace.KindTimerFire} {
		for tk := trace.TimerNone; tk <= trace.TimerReorder; tk++ {
			ev = append(ev, trace.Event{At: time.Second, Kind: k, Node: "client", Timer: tk, Deadline: 3 * time.Second, Conn: trace.ConnState{RTO: 2 * time.Second}})
		}
	}
	for op := trace.OpNone; op <= trace.OpFCrDNS; op++ {
		ev = append(ev, trace.Event{Kind: trace.KindApp, Node: "client", Op: op, Socket: a, Remote: b, N: 3, Text: "abc"})
	}
	ev = append(ev, trace.Event{Kind: trace.KindApp, Node: "client", Op: trace.OpRead},
		trace.Event{Kind: trace.KindApp, Node: "client", Op: trace.OpWrite, N: 8192},
		trace.Event{Kind: trace.KindApp, Node: "client", Op: trace.OpWrite, N: 4, Text: "\x00\xff\x01\x02"},
		trace.Event{Kind: trace.KindSend, Node: "client", Peer: "server", Packet: trace.Packet{ID: 9, Proto: trace.ProtoUDP, Src: a, Dst: b, Payload: []byte{0, 1, 2, 0xff}}},
		trace.Event{Kind: trace.KindNote, Text: "a note"})
	return ev
}

// contexts varies the flags of a Context so every analysed branch of Key
// is taken at least once.
func contexts() []Context {
	base := Context{Node: Who{Name: "client", Role: "client"}, Peer: Who{Name: "server", Role: "server"}, Sender: Who{Name: "client", Role: "client"},
		Receiver: Who{Name: "server", Role: "server"}, RTO: time.Second, FinalHop: true}
	vary := []func(*Context){
		func(*Context) {},
		func(c *Context) { c.Retransmission = true },
		func(c *Context) { c.Retransmission, c.Waited = true, time.Second }, // RTO not doubled: Linux's linear SYN retries
		func(c *Context) { c.Sender.TCP = "linux" },
		func(c *Context) { c.TailLossProbe = true },
		func(c *Context) { c.Retransmission, c.TailLossProbe = true, true },
		func(c *Context) { c.Retransmission, c.FastRetransmit = true, true },
		func(c *Context) { c.WindowProbe = true },
		func(c *Context) { c.DupAck = 2 },
		func(c *Context) { c.ZeroWindow = true },
		func(c *Context) { c.HandshakeACK = true },
		func(c *Context) { c.Gap, c.Expected = true, 101 },
		func(c *Context) { c.OutOfOrder, c.Overtook = true, 7 },
		func(c *Context) { c.Copy = true },
		func(c *Context) { c.Router, c.Node = true, Who{Name: "r1", Role: "router"} },
		func(c *Context) { c.Hop, c.Node = true, Who{Name: "r1", Role: "router"} },
		func(c *Context) { c.PrevDupAcks = 2 },
		func(c *Context) { c.Proto = trace.ProtoUDP },
	}
	var out []Context
	for _, f := range vary {
		c := base
		f(&c)
		out = append(out, c)
	}
	return out
}

// check asserts one caption is usable on a projector.
func check(t *testing.T, where string, s string, lang Lang) {
	t.Helper()
	switch {
	case strings.TrimSpace(s) == "":
		t.Errorf("%s: empty caption", where)
	case strings.Contains(s, "%!"), strings.ContainsAny(s, "{}"):
		t.Errorf("%s: formatting leftovers: %q", where, s)
	case strings.Contains(s, `""`), strings.Contains(s, " ."), strings.Contains(s, " :"):
		t.Errorf("%s: an empty placeholder left a mark: %q", where, s)
	case strings.Contains(s, "  "), s != strings.TrimSpace(s):
		t.Errorf("%s: stray spaces: %q", where, s)
	}
	if lang == Chinese {
		for _, r := range s {
			if r > unicode.MaxASCII && !slices.Contains(zhRunes, r) && !strings.ContainsRune("…", r) {
				t.Errorf("%s: rune %q is not in Runes(): %q", where, r, s)
			}
		}
	}
}

var zhRunes = Runes()

func TestEveryKeyExistsAndRenders(t *testing.T) {
	used := map[string]bool{}
	for _, e := range synthetic() {
		for _, c := range contexts() {
			k := Key(&e, &c)
			used[k] = true
			if _, ok := index[k]; !ok {
				t.Errorf("Key gives %q for a %v event, and the catalogue has no such entry", k, e.Kind)
			}
			for _, lang := range Langs {
				check(t, k+"/"+string(lang), For(&e, &c, lang), lang)
			}
		}
		for _, lang := range Langs {
			check(t, "nil context", For(&e, nil, lang), lang)
		}
	}
	var all []*trace.Trace
	for _, tr := range fixtures() {
		all = append(all, tr)
	}
	for _, p := range presetTraces(t) {
		all = append(all, p.tr)
	}
	for _, tr := range all {
		ctx := Annotate(tr)
		for i := range tr.Events {
			used[Key(&tr.Events[i], &ctx[i])] = true
			used[ownKey(&tr.Events[i], &ctx[i])] = true
			for _, lang := range Langs {
				check(t, tr.Header.Scenario, For(&tr.Events[i], &ctx[i], lang), lang)
			}
		}
	}
	// Every entry is reachable: no dead text in the catalogue.
	for _, e := range catalogue {
		if !used[e.key] {
			t.Errorf("catalogue entry %q is never used", e.key)
		}
	}
}

// captionOf returns the caption of the first event of tr matching pred:
// its own, as the ladder prints it, not its instant's.
func captionOf(t *testing.T, tr *trace.Trace, lang Lang, pred func(e *trace.Event) bool) string {
	t.Helper()
	ctx := Annotate(tr)
	for i := range tr.Events {
		ctx[i].Shows = nil
	}
	for i := range tr.Events {
		if pred(&tr.Events[i]) {
			return For(&tr.Events[i], &ctx[i], lang)
		}
	}
	t.Fatal("no event matches")
	return ""
}

func sendOf(id uint64) func(e *trace.Event) bool {
	return func(e *trace.Event) bool { return e.Kind == trace.KindSend && e.Packet.ID == id }
}

func kindOf(k trace.Kind, id uint64) func(e *trace.Event) bool {
	return func(e *trace.Event) bool { return e.Kind == k && e.Packet.ID == id }
}

func TestCaptionsExact(t *testing.T) {
	hs, lossy, udp := tracetest.Handshake(), tracetest.Lossy(), tracetest.UDP()
	tests := []struct {
		name string
		tr   *trace.Trace
		pred func(e *trace.Event) bool
		lang Lang
		want string
	}{
		{"SYN lost en", lossy, kindOf(trace.KindDrop, 1), English,
			"The SYN was lost on link c-s: no SYN-ACK will come, so after RTO = 1 s the client sends the SYN again."},
		{"SYN lost zh", lossy, kindOf(trace.KindDrop, 1), Chinese,
			"SYN 在链路 c-s 上丢失：不会有 SYN-ACK 回来，所以等 RTO = 1 秒超时后，客户端会重新发送 SYN。"},
		{"SYN", hs, sendOf(1), English,
			"The client calls connect(): TCP sends a SYN with its initial sequence number, ISN = 4294967000, chosen at random (the ladder counts from it, so it shows 0), and MSS 1460. Step 1 of the three-way handshake."},
		{"SYN zh", hs, sendOf(1), Chinese,
			"客户端调用 connect()：TCP 发出 SYN，带上随机选取的初始序号 ISN = 4294967000（图中的相对序号从它算起，所以显示为 0）和 MSS 1460。这是三次握手的第一步。"},
		{"SYN-ACK", hs, sendOf(2), English,
			"The server answers with SYN-ACK: ack=1, that is ISN + 1 (4294967000 + 1 on the wire), because the SYN occupies one sequence number. It also carries its own ISN, 1000000. Step 2 of the three-way handshake."},
		{"handshake ACK", hs, sendOf(3), English,
			"The client acknowledges the SYN-ACK: ack=1, the peer's ISN + 1. Step 3: the three-way handshake is complete, and the client may send data at once."},
		{"data", hs, sendOf(4), English,
			`The client sends 5 bytes "hello": sequence numbers 1 to 6. They stay in its send buffer until the peer acknowledges them.`},
		{"SYN retransmitted", lossy, sendOf(2), English,
			"No SYN-ACK came within RTO = 1 s, so the client sends the same SYN again (same ISN) and doubles RTO to 2 s: exponential back-off (RFC 6298), in case the network is congested."},
		{"RTO fired zh", lossy, func(e *trace.Event) bool { return e.Kind == trace.KindTimerFire }, Chinese,
			"在 RTO = 1 秒内没有收到确认：重传计时器超时。客户端重发最早未被确认的报文段，并把 RTO 加倍为 2 秒（指数退避，RFC 6298：给拥塞的网络更多时间）。"},
		{"data lost", lossy, kindOf(trace.KindDrop, 6), English,
			"The segment with bytes 101 to 201 was lost on link c-s. The receiver will see a gap; the client resends after three duplicate ACKs or after RTO = 1 s."},
		{"gap", lossy, kindOf(trace.KindDeliver, 7), English,
			"The server receives 100 bytes while the bytes from 101 before them are still missing. TCP keeps them and answers with ack=101 again: a duplicate ACK."},
		{"dup ack", lossy, sendOf(13), English,
			"A segment arrived out of order: bytes from 101 are still missing. The server repeats ack=101, duplicate ACK number 3. After three, the sender retransmits."},
		{"dup ack zh", lossy, sendOf(12), Chinese,
			"收到了乱序的报文段：从 101 开始的数据还没到。服务器重复发送 ack=101，这是第 2 个重复确认。收到三个后，发送方就会重传。"},
		{"fast retransmit", lossy, sendOf(14), English,
			"Three duplicate ACKs say: the segment at 101 is missing but later ones arrived. The client resends it at once, without waiting for the timer: fast retransmit."},
		{"fast recovery", lossy, func(e *trace.Event) bool { return e.Kind == trace.KindConnStat && e.Conn.DupAcks == 3 }, English,
			"Third duplicate ACK: the client halves its slow-start threshold to 2920 bytes and enters fast recovery (congestion window 7300)."},
		{"udp lost", udp, kindOf(trace.KindDrop, 3), English,
			"The datagram was lost on link r1-s. UDP does not retransmit: unless the application sends again, it is gone, and recvfrom() on the other side waits in vain."},
		{"udp copy zh", udp, func(e *trace.Event) bool {
			return e.Kind == trace.KindDeliver && e.Node == "server" && e.Packet.ID == 5
		}, Chinese,
			"第 4 号数据报的副本到达服务器：UDP 不检测重复，应用程序会收到同一条消息两次。"},
		{"udp reordered", udp, func(e *trace.Event) bool {
			return e.Kind == trace.KindDeliver && e.Node == "server" && e.Packet.ID == 6
		}, English,
			"This datagram overtook #4, which was sent earlier: UDP keeps no order, so the application sees them in the order they arrive."},
		{"forward", udp, func(e *trace.Event) bool { return e.Kind == trace.KindSend && e.Node == "r1" }, English,
			"Router r1 forwards #1 towards the server."},
		{"port unreachable", udp, sendOf(8), English,
			`Nothing listens on UDP port 9999 at the server, so it answers with an ICMP "port unreachable" error quoting the datagram.`},
		{"no socket zh", udp, kindOf(trace.KindDrop, 7), Chinese,
			"服务器的 UDP 端口 9999 上没有套接字：数据报被丢弃，并回送一个 ICMP “端口不可达”。"},
		{"connection refused", udp, func(e *trace.Event) bool { return e.Kind == trace.KindApp && e.Op == trace.OpError }, English,
			"A socket call on the client fails: recvfrom: connection refused."},
		{"TIME-WAIT", hs, func(e *trace.Event) bool { return e.Kind == trace.KindState && e.To == trace.StateTimeWait }, English,
			`The client enters TIME-WAIT for 2·MSL = 60 s, twice a segment's longest life: if its last ACK is lost, the peer resends its FIN and the client must answer again; and old duplicates must die out before the ports are reused (hence "Address already in use" without SO_REUSEADDR).`},
		{"EOF zh", hs, func(e *trace.Event) bool { return e.Kind == trace.KindApp && e.Op == trace.OpRead && e.N == 0 }, Chinese,
			"服务器上的 recv() 返回 0 字节：数据流结束，对方已关闭它的方向。"},
		{"TIME-WAIT timer", hs, func(e *trace.Event) bool { return e.Kind == trace.KindTimerSet && e.Timer == trace.TimerTimeWait }, English,
			"The client starts the TIME-WAIT timer: 2·MSL = 60 s."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := captionOf(t, tc.tr, tc.lang, tc.pred); got != tc.want {
				t.Fatalf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestAnnotate(t *testing.T) {
	lossy := tracetest.Lossy()
	ctx := Annotate(lossy)
	byID := func(k trace.Kind, id uint64) *Context {
		for i := range lossy.Events {
			if e := &lossy.Events[i]; e.Kind == k && e.Packet.ID == id {
				return &ctx[i]
			}
		}
		t.Fatalf("no %v of #%d", k, id)
		return nil
	}
	if c := byID(trace.KindDrop, 1); !c.Lost || c.RTO != time.Second || c.Sender.Name != "client" {
		t.Errorf("lost SYN: %+v", c)
	}
	if c := byID(trace.KindSend, 2); !c.Retransmission || c.FastRetransmit {
		t.Errorf("second SYN: %+v", c)
	}
	if c := byID(trace.KindSend, 4); !c.HandshakeACK {
		t.Errorf("handshake ACK not recognised: %+v", c)
	}
	for _, id := range []uint64{7, 8, 9} {
		if c := byID(trace.KindDeliver, id); !c.Gap || c.Expected != 101 {
			t.Errorf("#%d: gap %v expected %d", id, c.Gap, c.Expected)
		}
	}
	if c := byID(trace.KindDeliver, 14); c.Gap || !c.FastRetransmit {
		t.Errorf("retransmission fills the gap: %+v", c)
	}
	for id, dup := range map[uint64]int{10: 0, 11: 1, 12: 2, 13: 3} {
		if c := byID(trace.KindSend, id); c.DupAck != dup {
			t.Errorf("#%d: dup ACK %d, want %d", id, c.DupAck, dup)
		}
		if c := byID(trace.KindDeliver, id); c.DupAck != dup {
			t.Errorf("#%d delivered: dup ACK %d, want %d", id, c.DupAck, dup)
		}
	}

	// The transport of a socket call comes from the packets of its socket.
	hs := tracetest.Handshake()
	hc := Annotate(hs)
	for i := range hs.Events {
		if e := &hs.Events[i]; e.Kind == trace.KindApp && hc[i].Proto != trace.ProtoTCP {
			t.Errorf("handshake %v on %v: proto %v", e.Op, e.Socket, hc[i].Proto)
		}
	}
	udp := tracetest.UDP()
	uc := Annotate(udp)
	for i := range udp.Events {
		if e := &udp.Events[i]; e.Kind == trace.KindApp && uc[i].Proto != trace.ProtoUDP {
			t.Errorf("udp %v on %v: proto %v", e.Op, e.Socket, uc[i].Proto)
		}
	}
	if got := For(&udp.Events[0], &uc[0], English); !strings.HasPrefix(got, "The server program binds 203.0.113.5:21567: from now on") {
		t.Errorf("UDP bind: %s", got)
	}
	for i := range udp.Events {
		e := &udp.Events[i]
		if e.Kind != trace.KindDeliver || e.Node != "server" {
			continue
		}
		c := &uc[i]
		wantOOO := e.Packet.ID == 6
		if c.OutOfOrder != wantOOO || wantOOO && c.Overtook != 4 || !c.FinalHop {
			t.Errorf("#%d at the server: out of order %v (overtook #%d), final %v", e.Packet.ID, c.OutOfOrder, c.Overtook, c.FinalHop)
		}
		if e.Packet.ID == 5 && !c.Copy {
			t.Error("#5 is a copy")
		}
	}
}

// TestWindowProbe builds a zero-window stall by hand: the receiver
// advertises 0, the sender's persist timer fires and it probes with one byte.
func TestWindowProbe(t *testing.T) {
	a := netip.MustParseAddrPort("10.0.0.1:40000")
	b := netip.MustParseAddrPort("10.0.0.2:80")
	seg := func(id uint64, src, dst netip.AddrPort, f trace.TCPFlags, seq, ack uint32, win uint16, data string) trace.Event {
		p := trace.Packet{ID: id, Proto: trace.ProtoTCP, Src: src, Dst: dst, Flags: f, Seq: seq, Ack: ack, Window: win}
		if data != "" {
			p.Payload = []byte(data)
		}
		node, peer := "client", "server"
		if src == b {
			node, peer = peer, node
		}
		return trace.Event{Kind: trace.KindSend, Node: node, Peer: peer, Link: "c-s", Packet: p}
	}
	tr := &trace.Trace{Header: trace.Header{Nodes: []trace.Node{{Name: "client", Role: "client"}, {Name: "server", Role: "server"}}},
		Events: []trace.Event{
			seg(1, a, b, trace.FlagSYN, 4294967290, 0, 1000, ""),
			seg(2, b, a, trace.FlagSYN|trace.FlagACK, 7, 4294967291, 4, ""),
			seg(3, a, b, trace.FlagACK, 4294967291, 8, 1000, ""),
			seg(4, a, b, trace.FlagPSH|trace.FlagACK, 4294967291, 8, 1000, "abcd"),
			seg(5, b, a, trace.FlagACK, 8, 4294967295, 0, ""),
			{At: time.Second, Kind: trace.KindTimerFire, Node: "client", Timer: trace.TimerPersist},
			seg(6, a, b, trace.FlagACK, 4294967295, 8, 1000, "e"),
			seg(7, b, a, trace.FlagACK, 8, 4294967295, 0, ""),
		}}
	ctx := Annotate(tr)
	if !ctx[4].ZeroWindow || Key(&tr.Events[4], &ctx[4]) != "send.zerowindow" {
		t.Errorf("zero window: %+v %s", ctx[4].Analysis, Key(&tr.Events[4], &ctx[4]))
	}
	if !ctx[6].WindowProbe || ctx[6].Retransmission || ctx[6].RelSeq != 5 {
		t.Errorf("probe: %+v", ctx[6].Analysis)
	}
	if ctx[7].DupAck != 0 || Key(&tr.Events[7], &ctx[7]) != "send.zerowindow" {
		t.Errorf("the answer to a probe is no duplicate ACK: %+v", ctx[7].Analysis)
	}
	want := "The peer's window is 0, so the client may not send. When its persist timer fires it sends a window probe, 1 byte beyond the window, to make the peer answer with its current window: a lost window update must not stall the connection for ever."
	if got := For(&tr.Events[6], &ctx[6], English); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	if got := For(&tr.Events[5], &ctx[5], Chinese); got != "持续计时器到时：客户端发送窗口探测，看对方窗口是否已经打开。" {
		t.Errorf("persist fired: %s", got)
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		w      Who
		en, zh string
	}{
		{Who{Name: "client", Role: "client"}, "the client", "客户端"},
		{Who{Name: "r1", Role: "router"}, "router r1", "路由器 r1"},
		{Who{Name: "alice", Role: ""}, "alice", "alice"},
		{Who{Name: "c1", Role: "client 1"}, "client 1", "客户端 1"},
		{Who{Name: "db", Role: "database"}, "database", "database"},
		{Who{Name: "", Role: ""}, "the peer", "对端"},
		{Who{Name: "r1", Role: "bottleneck router"}, "bottleneck router", "瓶颈路由器"},
		{Who{Name: "c2", Role: "sender 2"}, "sender 2", "发送方 2"},
		{Who{Name: "server", Role: "sink"}, "sink", "接收方"},
	}
	for _, tc := range tests {
		if got := role(tc.w, "", English, false); got != tc.en {
			t.Errorf("role(%v, en) = %q, want %q", tc.w, got, tc.en)
		}
		if got := role(tc.w, "", Chinese, false); got != tc.zh {
			t.Errorf("role(%v, zh) = %q, want %q", tc.w, got, tc.zh)
		}
	}
	if got := role(Who{Name: "client", Role: "client"}, "", English, true); got != "The client" {
		t.Errorf("capitalised: %q", got)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration][2]string{
		time.Second:              {"1 s", "1 秒"},
		200 * time.Millisecond:   {"200 ms", "200 毫秒"},
		1500 * time.Millisecond:  {"1500 ms", "1500 毫秒"},
		60 * time.Second:         {"60 s", "60 秒"},
		12500 * time.Millisecond: {"12.5 s", "12.5 秒"},
		1500 * time.Microsecond:  {"1.5 ms", "1.5 毫秒"},
		0:                        {"?", "?"},
	} {
		if got := duration(d, English); got != want[0] {
			t.Errorf("duration(%v, en) = %q, want %q", d, got, want[0])
		}
		if got := duration(d, Chinese); got != want[1] {
			t.Errorf("duration(%v, zh) = %q, want %q", d, got, want[1])
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "",
		"hello":                       `"hello"`,
		"a\nb":                        `"a\nb"`,
		"\x00\x01\x02\xff":            "",
		"三次握手":                        `"三次握手"`,
		"abcdefghijklmnopqrstuvwxyz0": `"abcdefghijklmnopqrstuvw…"`,
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
	e := trace.Event{Kind: trace.KindApp, Node: "client", Op: trace.OpWrite, N: 8192}
	if got := For(&e, &Context{Node: Who{Name: "client", Role: "client"}}, English); got != "The program on the client writes 8192 bytes. send() returns as soon as they are in the send buffer, not when they arrive." {
		t.Errorf("write without data: %s", got)
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"en": English, "EN-us": English, "zh": Chinese, "zh-CN": Chinese, "zh_Hans": Chinese} {
		if got, ok := ParseLang(in); !ok || got != want {
			t.Errorf("ParseLang(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "fr", "zhx"} {
		if _, ok := ParseLang(in); ok {
			t.Errorf("ParseLang(%q) accepted", in)
		}
	}
}

func TestRunes(t *testing.T) {
	rs := Runes()
	if !slices.IsSorted(rs) || len(slices.Compact(slices.Clone(rs))) != len(rs) {
		t.Fatal("Runes is not sorted and unique")
	}
	for _, r := range "三次握手套接字超时重传窗口序号确认丢失“端口不可达”（）：，。秒毫 AZaz09[]" {
		if !slices.Contains(rs, r) {
			t.Errorf("Runes lacks %q", r)
		}
	}
	if !slices.Contains(rs, '·') {
		t.Error("Runes lacks the middle dot of 2·MSL")
	}
	if slices.Contains(rs, '{') != true || slices.Contains(rs, '车') {
		t.Error("Runes must hold printable ASCII and nothing the catalogue does not use")
	}
}

// TestZhRunesFile keeps zh_runes.txt, the input of the font-subsetting
// script (pyftsubset --text-file), in step with the catalogue.
func TestZhRunesFile(t *testing.T) {
	want := []byte(string(Runes()) + "\n")
	const path = "zh_runes.txt"
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./sim/caption (or go test -run TestZhRunesFile -update)", path)
	}
}

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
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n%s", name, got)
	}
}

// TestLadderWithCaptions draws the fixtures with captions in both
// languages: what a teacher projects.
func TestLadderWithCaptions(t *testing.T) {
	for _, name := range []string{"handshake", "lossy", "udp"} {
		tr := fixtures()[name]
		for _, lang := range Langs {
			var buf bytes.Buffer
			opts := trace.LadderOptions{Caption: Ladder(tr, lang)}
			if err := trace.WriteLadder(&buf, tr, opts); err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(buf.String(), "\n") {
				if w := trace.StringWidth(line); w > 100 {
					t.Errorf("%s/%s line %d: %d columns", name, lang, i+1, w)
				}
			}
			golden(t, "ladder-"+name+"-"+string(lang)+".golden", buf.Bytes())
		}
	}
}

func BenchmarkAnnotate(b *testing.B) {
	tr := tracetest.Lossy()
	b.ReportAllocs()
	for b.Loop() {
		Annotate(tr)
	}
}

func BenchmarkFor(b *testing.B) {
	tr := tracetest.Lossy()
	ctx := Annotate(tr)
	b.ReportAllocs()
	for b.Loop() {
		for i := range tr.Events {
			For(&tr.Events[i], &ctx[i], Chinese)
		}
	}
}

// FuzzCaptions: every event of any decodable trace gets a caption in both
// languages without a panic or a formatting leftover.
func FuzzCaptions(f *testing.F) {
	for _, tr := range fixtures() {
		for i := 0; i+6 <= len(tr.Events); i += 9 {
			var buf bytes.Buffer
			if err := trace.WriteJSONL(&buf, &trace.Trace{Header: tr.Header, Events: tr.Events[i : i+6]}); err != nil {
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
		ctx := Annotate(tr)
		for i := range tr.Events {
			for _, lang := range Langs {
				s := For(&tr.Events[i], &ctx[i], lang)
				if strings.Contains(s, "%!") || strings.ContainsAny(s, "{}") && !strings.ContainsAny(tr.Events[i].Text, "{}") {
					t.Fatalf("event %d: %q", i, s)
				}
			}
		}
	})
}

// TestBackoffFromRearm: a producer may report the connection at the timer
// event before the back-off; the re-armed timer tells the real next RTO.
func TestBackoffFromRearm(t *testing.T) {
	tr := tracetest.Lossy()
	fire := slices.IndexFunc(tr.Events, func(e trace.Event) bool { return e.Kind == trace.KindTimerFire })
	tr.Events[fire].Conn.RTO = time.Second // as before the back-off
	ctx := Annotate(tr)
	if got := For(&tr.Events[fire], &ctx[fire], English); !strings.Contains(got, "doubles RTO to 2 s") {
		t.Errorf("caption: %s", got)
	}
	var buf bytes.Buffer
	if err := trace.WriteLadder(&buf, tr, trace.LadderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "RTO fired (next RTO 2s)") {
		t.Errorf("ladder:\n%s", buf.String())
	}
	// Without a re-arm the ladder claims nothing about the next RTO.
	tr.Events = slices.Delete(tr.Events, fire+1, fire+3)
	buf.Reset()
	if err := trace.WriteLadder(&buf, tr, trace.LadderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "○ RTO fired") || strings.Contains(buf.String(), "next RTO") {
		t.Errorf("ladder without re-arm:\n%s", buf.String())
	}
}
