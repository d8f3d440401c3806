package layout

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/dns"
	"socketlab/sim/trace"
)

// DropText is a drop reason as the view says it: "loss", "queue-full",
// and for a packet a what-if (or a lesson) removed, "lost (what-if)" —
// not the trace's "scripted", which means nothing to a student.
func DropText(r trace.DropReason) string {
	if r == trace.DropScripted {
		return "lost (what-if)"
	}
	return r.String()
}

// inLang returns a chooser of English or, when zh, Chinese text.
func inLang(zh bool) func(en, cn string) string {
	return func(en, cn string) string {
		if zh {
			return cn
		}
		return en
	}
}

// FormatTime prints a virtual time the way the views label it: "0 s",
// "12.5 ms", "1.020 s".
func FormatTime(d time.Duration) string {
	switch {
	case d == 0:
		return "0 s"
	case d < time.Millisecond && d > -time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', -1, 64) + " µs"
	case d < time.Second && d > -time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
}

// FormatShort prints a time for axis ticks: no trailing zeros, at most
// microsecond precision ("990 ms", "1.02 s", "12.5 ms").
func FormatShort(d time.Duration) string {
	d = d.Round(time.Microsecond)
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond && d > -time.Millisecond:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + " µs"
	case d < time.Second && d > -time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + " ms"
	}
	// float64(d)/1e9 rather than d.Seconds(), which adds the whole and
	// fractional seconds and prints 1.57 s as 1.5699999999999998.
	return strconv.FormatFloat(float64(d)/float64(time.Second), 'f', -1, 64) + " s"
}

// Round3 rounds d to three significant digits, for labels of lengths.
func Round3(d time.Duration) time.Duration {
	u := time.Duration(1)
	for v := d; v >= 1000 || v <= -1000; v /= 10 {
		u *= 10
	}
	return d.Round(u)
}

// RelSeq returns p's sequence number relative to its flow's ISN, as
// Wireshark shows it (the SYN is 0, the first data byte 1).
func (m *Model) RelSeq(p *trace.Packet) uint32 {
	if isn, ok := m.isn[flowKey{p.Src, p.Dst}]; ok {
		return p.Seq - isn
	}
	return p.Seq
}

// relAckOf returns a sequence number of the reverse flow (a SACK block's
// edge) relative to that flow's ISN, like RelAck.
func (m *Model) relAckOf(p *trace.Packet, seq uint32) uint32 {
	if isn, ok := m.isn[flowKey{p.Dst, p.Src}]; ok {
		return seq - isn
	}
	return seq
}

// RelAck returns p's acknowledgment number relative to the reverse flow's ISN.
func (m *Model) RelAck(p *trace.Packet) uint32 {
	if isn, ok := m.isn[flowKey{p.Dst, p.Src}]; ok {
		return p.Ack - isn
	}
	return p.Ack
}

// WindowShift returns the window scale shift that applies to p's window
// field: the one its sender's SYN announced, when both SYNs of the
// connection carried the option (RFC 7323 §2.2) and p is no SYN (a SYN's
// window is never scaled). Like Wireshark, it knows only what the trace
// showed: without the handshake there is no shift.
func (m *Model) WindowShift(p *trace.Packet) (uint8, bool) {
	if p.Proto != trace.ProtoTCP || p.Flags.Has(trace.FlagSYN) {
		return 0, false
	}
	s, ok := m.wscale[flowKey{p.Src, p.Dst}]
	if _, rev := m.wscale[flowKey{p.Dst, p.Src}]; !ok || !rev {
		return 0, false
	}
	return min(s, 14), true
}

// Window returns p's window as Wireshark's "Win=" shows it: the field
// scaled by WindowShift (the calculated window size).
func (m *Model) Window(p *trace.Packet) uint64 {
	s, _ := m.WindowShift(p)
	return uint64(p.Window) << s
}

// Label is the text beside a packet's ladder arrow: flags, seq, ack, len,
// win for TCP ("SYN seq=0 win=65535 mss=1460"), the window scaled as
// Wireshark calculates it; ports and length for UDP. A SYN lists its
// options in the order Wireshark's info column does for Linux's SYNs,
// "mss=1460 sack_perm tsval=1000 tsecr=0 ws=128" (ws is the multiplier,
// 2^shift); other segments leave their timestamps to the inspector. SACK
// blocks follow as Wireshark's "SLE=… SRE=…", relative.
func (m *Model) Label(p *trace.Packet) string {
	var b strings.Builder
	switch p.Proto {
	case trace.ProtoTCP:
		f := p.Flags.String()
		if f == "" {
			f = "<none>"
		}
		b.WriteString(f)
		b.WriteString(" seq=")
		b.WriteString(strconv.FormatUint(uint64(m.RelSeq(p)), 10))
		if p.Flags.Has(trace.FlagACK) {
			b.WriteString(" ack=")
			b.WriteString(strconv.FormatUint(uint64(m.RelAck(p)), 10))
		}
		if n := p.Len(); n > 0 {
			b.WriteString(" len=")
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteString(" win=")
		b.WriteString(strconv.FormatUint(m.Window(p), 10))
		if p.MSS != 0 {
			b.WriteString(" mss=")
			b.WriteString(strconv.Itoa(int(p.MSS)))
		}
		if p.Flags.Has(trace.FlagSYN) {
			if p.Opts&trace.OptSACKPerm != 0 {
				b.WriteString(" sack_perm")
			}
			if p.Opts&trace.OptTimestamps != 0 {
				fmt.Fprintf(&b, " tsval=%d tsecr=%d", p.TSval, p.TSecr)
			}
			if p.Opts&trace.OptWScale != 0 {
				fmt.Fprintf(&b, " ws=%d", wsMultiplier(p.WScale))
			}
		}
		for _, k := range p.SACK { // relative, as Wireshark's SLE= SRE=
			fmt.Fprintf(&b, " sle=%d sre=%d", m.relAckOf(p, k.Left), m.relAckOf(p, k.Right))
		}
	case trace.ProtoUDP:
		if s, ok := dnsLabel(p); ok {
			b.WriteString(s)
			break
		}
		fmt.Fprintf(&b, "UDP %d→%d len=%d", p.Src.Port(), p.Dst.Port(), p.Len())
	case trace.ProtoICMP:
		fmt.Fprintf(&b, "ICMP type=%d code=%d", p.ICMPType, p.ICMPCode)
	case trace.ProtoMsg:
		// A page's message: what it said matters more than its size.
		fmt.Fprintf(&b, "%s len=%d", strconv.Quote(shorten(string(p.Payload), 20)), p.Len())
	default:
		fmt.Fprintf(&b, "%s len=%d", p.Proto, p.Len())
	}
	return b.String()
}

// dnsLabel labels a datagram to or from port 53 that parses as a DNS
// message as Wireshark's info column names it — "DNS 49152→53 query PTR
// 2.0.0.10.in-addr.arpa", "DNS 53→49152 answer A www.example.test:
// 10.0.0.2" — rather than by its length: the question and the answer are
// what a look-up's packets teach. Anything else is an ordinary datagram.
func dnsLabel(p *trace.Packet) (string, bool) {
	if p.Src.Port() != 53 && p.Dst.Port() != 53 || len(p.Payload) == 0 {
		return "", false
	}
	sum := dns.Summary(p.Payload)
	what, ok := strings.CutPrefix(sum, "DNS ")
	if !ok {
		return "", false // "DNS? …": not a message
	}
	return "DNS " + strconv.Itoa(int(p.Src.Port())) + "→" + strconv.Itoa(int(p.Dst.Port())) + " " + what, true
}

// wsMultiplier is 2^shift, with a shift above 14 taken as 14 as RFC 7323
// §2.3 (and Wireshark) do.
func wsMultiplier(shift uint8) int { return 1 << min(shift, 14) }

// FlightLabel is the packet's ID (as in the inspector, the text ladder and
// a what-if) and Label, plus the markers that carry meaning without
// colour: "DUP" for a copy, "RETX" for a retransmission, "LATE" for a
// packet that was overtaken, "× reason" for a loss.
func (m *Model) FlightLabel(fi int) string { return m.FlightLabelIn(fi, false) }

// FlightLabelIn is FlightLabel in English or, when zh, with the markers
// and the drop reason in Chinese (重传, 窗口探测, 重复, 迟到); the packet's
// own label stays as the wire says it.
func (m *Model) FlightLabelIn(fi int, zh bool) string {
	w := inLang(zh)
	f := &m.Flights[fi]
	s := "#" + strconv.FormatUint(f.ID, 10) + " " + m.Label(m.Packet(fi))
	if f.Retrans {
		s += w(" RETX", " 重传")
	}
	if f.Probe {
		s += w(" window probe", " 窗口探测")
	}
	if f.Dup {
		s += w(" DUP", " 重复")
	}
	if f.Late {
		s += w(" LATE", " 迟到")
	}
	if f.Dropped {
		s += " × " + w(DropText(f.Reason), DropTextZH(f.Reason))
	}
	if f.EndEv >= 0 {
		if e := m.Event(f.EndEv); e.Kind == trace.KindDeliver && e.Text != "" {
			s += " · " + e.Text // live: the measured round trip
		}
	}
	return s
}

// EventText is one line of the event list: time, where, what.
func (m *Model) EventText(i int) string { return m.EventTextIn(i, false) }

// EventTextIn is EventText in English or, when zh, in Chinese: the verbs
// and remarks are translated; flags, field names, socket calls, states
// and node names stay as the program and the wire say them.
func (m *Model) EventTextIn(i int, zh bool) string {
	e := m.Event(i)
	t := FormatTime(e.At)
	w := inLang(zh)
	switch e.Kind {
	case trace.KindSend:
		return fmt.Sprintf("%s  %s → %s  %s  %s", t, e.Node, e.Peer, w("send", "发送"), m.Label(&e.Packet))
	case trace.KindDeliver:
		return fmt.Sprintf("%s  %s → %s  %s  %s", t, e.Peer, e.Node, w("deliver", "送达"), m.Label(&e.Packet))
	case trace.KindDrop:
		if zh {
			return fmt.Sprintf("%s  %s  × 丢弃（%s）  %s", t, e.Node, DropTextZH(e.Reason), m.Label(&e.Packet))
		}
		return fmt.Sprintf("%s  %s  × drop (%s)  %s", t, e.Node, DropText(e.Reason), m.Label(&e.Packet))
	case trace.KindDuplicate:
		if zh {
			return fmt.Sprintf("%s  %s → %s  复制自第 %d 号  %s", t, e.Node, e.Peer, e.Packet.Orig, m.Label(&e.Packet))
		}
		return fmt.Sprintf("%s  %s → %s  duplicate of #%d  %s", t, e.Node, e.Peer, e.Packet.Orig, m.Label(&e.Packet))
	case trace.KindEnqueue:
		if zh {
			return fmt.Sprintf("%s  %s  排队等待发往 %s  %s", t, e.Node, e.Peer, m.Label(&e.Packet))
		}
		return fmt.Sprintf("%s  %s  queued for %s  %s", t, e.Node, e.Peer, m.Label(&e.Packet))
	case trace.KindState:
		return fmt.Sprintf("%s  %s  %s → %s", t, e.Node, stateName(e.From), stateName(e.To))
	case trace.KindConnStat:
		c := &e.Conn
		return fmt.Sprintf("%s  %s  cwnd=%d in-flight=%d rto=%s", t, e.Node, c.Cwnd, c.InFlight, FormatTime(c.RTO))
	case trace.KindTimerSet:
		if zh {
			return fmt.Sprintf("%s  %s  %s定时器启动，%s 触发", t, e.Node, timerZH(e.Timer), FormatTime(e.Deadline))
		}
		return fmt.Sprintf("%s  %s  %s timer set, fires at %s", t, e.Node, e.Timer, FormatTime(e.Deadline))
	case trace.KindTimerCancel:
		return fmt.Sprintf("%s  %s  %s", t, e.Node, w(e.Timer.String()+" timer cancelled", timerZH(e.Timer)+"定时器取消"))
	case trace.KindTimerFire:
		return fmt.Sprintf("%s  %s  %s", t, e.Node, w(e.Timer.String()+" timer fired", timerZH(e.Timer)+"定时器触发"))
	case trace.KindApp:
		if e.Op == trace.OpListen { // N is the backlog here, not a byte count
			if e.N > 0 {
				return fmt.Sprintf("%s  %s  listen(%s, backlog %d)", t, e.Node, e.Socket, e.N)
			}
			return fmt.Sprintf("%s  %s  listen(%s)", t, e.Node, e.Socket)
		}
		s := fmt.Sprintf("%s  %s  %s()", t, e.Node, e.Op)
		switch {
		case !dataOp(e.Op): // N counts something else: a look-up's answers
		case e.N > 0 && zh:
			s += fmt.Sprintf(" %d 字节", e.N)
		case e.N == 1:
			s += " 1 byte"
		case e.N > 0:
			s += fmt.Sprintf(" %d bytes", e.N)
		}
		if e.Text != "" {
			s += " " + strconv.Quote(shorten(e.Text, 24))
		}
		return s
	case trace.KindNote:
		return t + "  " + e.Text
	}
	return t + "  " + e.Kind.String()
}

// dataOp reports whether op's N is a number of bytes, the data it moved.
func dataOp(op trace.AppOp) bool {
	switch op {
	case trace.OpWrite, trace.OpRead, trace.OpSendTo, trace.OpRecvFrom, trace.OpHTTP:
		return true
	}
	return false
}

// timerZH names a timer in Chinese.
func timerZH(k trace.TimerKind) string {
	switch k {
	case trace.TimerRetransmit:
		return "重传"
	case trace.TimerPersist:
		return "坚持（零窗口探测）"
	case trace.TimerTimeWait:
		return "TIME-WAIT "
	case trace.TimerDelayedAck:
		return "延迟确认"
	case trace.TimerApp:
		return "程序"
	case trace.TimerTLP:
		return "尾部丢包探测（TLP）"
	case trace.TimerReorder:
		return "RACK 乱序"
	}
	return k.String() + " "
}

// DropTextZH is DropText in Chinese.
func DropTextZH(r trace.DropReason) string {
	switch r {
	case trace.DropLoss:
		return "链路随机丢包"
	case trace.DropQueueFull:
		return "队列已满"
	case trace.DropScripted:
		return "假设实验中被删除"
	case trace.DropMTU:
		return "超过 MTU"
	case trace.DropNoRoute:
		return "没有路由"
	case trace.DropNoSocket:
		return "端口没有套接字"
	case trace.DropTTL:
		return "TTL 耗尽"
	case trace.DropBadState:
		return "TCP 状态不接受"
	}
	return r.String()
}

func stateName(s trace.TCPState) string {
	if s == trace.StateNone {
		return "(none)"
	}
	return s.String()
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Field is one row of the packet inspector.
type Field struct{ Name, Value string }

// Inspect lists every header field of a flight's packet, then where and
// when it flew.
func (m *Model) Inspect(fi int) []Field { return m.InspectIn(fi, false) }

// InspectIn is Inspect in English or, when zh, in Chinese: the rows about
// the flight (packet, link, sent, dropped...) are translated; the header
// fields keep the names the wire gives them (seq, ack, flags, window...),
// as in EventTextIn.
func (m *Model) InspectIn(fi int, zh bool) []Field {
	w := inLang(zh)
	f := &m.Flights[fi]
	p := m.Packet(fi)
	fs := []Field{
		{w("packet", "分组"), "#" + strconv.FormatUint(p.ID, 10)},
		{w("link", "链路"), f.Link + "  " + m.Nodes[f.From].Name + " → " + m.Nodes[f.To].Name},
		{w("sent", "发出"), FormatTime(f.Start)},
	}
	switch {
	case f.Dropped:
		fs = append(fs, Field{w("dropped", "丢弃"), FormatTime(m.Event(f.EndEv).At) + "  × " + w(DropText(f.Reason), DropTextZH(f.Reason))})
	case f.EndEv >= 0:
		fs = append(fs, Field{w("delivered", "送达"), FormatTime(f.End)})
	}
	if p.Orig != 0 {
		fs = append(fs, Field{w("copy of", "复制自"), "#" + strconv.FormatUint(p.Orig, 10)})
	}
	fs = append(fs,
		Field{"proto", p.Proto.String()},
		Field{"src", p.Src.String()},
		Field{"dst", p.Dst.String()},
		Field{"ttl", strconv.Itoa(int(p.TTL))},
	)
	switch p.Proto {
	case trace.ProtoTCP:
		ack := fmt.Sprintf(w("%d (relative %d)", "%d（相对 %d）"), p.Ack, m.RelAck(p))
		if !p.Flags.Has(trace.FlagACK) {
			// Without the ACK flag the field means nothing (RFC 9293
			// §3.1), so there is nothing to count from.
			ack = fmt.Sprintf(w("%d (no ACK flag: not used)", "%d（无 ACK 标志：不使用）"), p.Ack)
		}
		fs = append(fs,
			Field{"seq", fmt.Sprintf(w("%d (relative %d)", "%d（相对 %d）"), p.Seq, m.RelSeq(p))},
			Field{"ack", ack},
			Field{"flags", fmt.Sprintf("%s (0x%02x)", p.Flags, uint8(p.Flags))},
			Field{"window", strconv.Itoa(int(p.Window))},
		)
		if sh, ok := m.WindowShift(p); ok {
			fs[len(fs)-1].Value = fmt.Sprintf(w("%d (scaled ×%d = %d)", "%d（缩放 ×%d = %d）"), p.Window, wsMultiplier(sh), m.Window(p))
		}
		if p.MSS != 0 {
			fs = append(fs, Field{"mss", strconv.Itoa(int(p.MSS))})
		}
		if p.Opts&trace.OptSACKPerm != 0 {
			fs = append(fs, Field{"sack_perm", w("yes", "是")})
		}
		if p.Opts&trace.OptTimestamps != 0 {
			fs = append(fs, Field{"tsval", strconv.FormatUint(uint64(p.TSval), 10)}, Field{"tsecr", strconv.FormatUint(uint64(p.TSecr), 10)})
		}
		if p.Opts&trace.OptWScale != 0 {
			fs = append(fs, Field{"wscale", fmt.Sprintf(w("%d (×%d)", "%d（×%d）"), p.WScale, wsMultiplier(p.WScale))})
		}
		if len(p.SACK) > 0 {
			var sb strings.Builder
			for i, k := range p.SACK {
				if i > 0 {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "%d–%d", m.relAckOf(p, k.Left), m.relAckOf(p, k.Right))
			}
			fs = append(fs, Field{"sack", sb.String() + w(" (relative)", "（相对）")})
		}
	case trace.ProtoICMP:
		fs = append(fs, Field{"type", strconv.Itoa(int(p.ICMPType))}, Field{"code", strconv.Itoa(int(p.ICMPCode))})
		if p.Quote != 0 {
			fs = append(fs, Field{w("quotes", "引用"), "#" + strconv.FormatUint(p.Quote, 10)})
		}
	}
	fs = append(fs, Field{w("length", "长度"), strconv.Itoa(p.Len())})
	switch s, ok := dnsLabel(p); {
	case ok: // binary: the message says more than its bytes as text
		_, what, _ := strings.Cut(strings.TrimPrefix(s, "DNS "), " ")
		fs = append(fs, Field{"dns", what})
	case p.Len() > 0:
		fs = append(fs, Field{w("text", "文本"), strconv.Quote(shorten(string(p.Payload), 48))})
	}
	return fs
}

// HexLines renders up to max bytes of payload as a classic hex dump:
// "0000  68 65 6c 6c 6f  hello".
func HexLines(payload []byte, max int) []string { return HexLinesIn(payload, max, false) }

// HexLinesIn is HexLines with its last line ("… 3 more bytes") in
// English or, when zh, in Chinese.
func HexLinesIn(payload []byte, max int, zh bool) []string {
	var out []string
	n := min(len(payload), max)
	for off := 0; off < n; off += 16 {
		row := payload[off:min(off+16, n)]
		var b strings.Builder
		fmt.Fprintf(&b, "%04x  ", off)
		h := hex.EncodeToString(row)
		for i := 0; i < 16; i++ {
			if i < len(row) {
				b.WriteString(h[2*i : 2*i+2])
			} else {
				b.WriteString("  ")
			}
			b.WriteByte(' ')
		}
		b.WriteByte(' ')
		for _, c := range row {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			b.WriteByte(c)
		}
		out = append(out, b.String())
	}
	if len(payload) > max {
		more := "… %d more bytes"
		if zh {
			more = "… 还有 %d 字节"
		}
		out = append(out, fmt.Sprintf(more, len(payload)-max))
	}
	return out
}

// HostLines is the host panel's text for one connection.
func HostLines(c *trace.ConnState) []string {
	rel := func(v, base uint32) string { return strconv.FormatUint(uint64(v-base), 10) }
	lines := []string{
		fmt.Sprintf("%s  %s → %s", stateName(c.State), c.Local, c.Remote),
	}
	if c.State == trace.StateListen || c.State == trace.StateClosed {
		return lines
	}
	srtt := "—"
	if c.SRTT > 0 {
		srtt = FormatTime(c.SRTT)
	}
	return append(lines,
		fmt.Sprintf("SND.UNA=%s SND.NXT=%s RCV.NXT=%s", rel(c.SndUna, c.ISS), rel(c.SndNxt, c.ISS), rel(c.RcvNxt, c.IRS)),
		fmt.Sprintf("SND.WND=%d RCV.WND=%d in-flight=%d", c.SndWnd, c.RcvWnd, c.InFlight),
		fmt.Sprintf("cwnd=%d ssthresh=%d dupacks=%d", c.Cwnd, c.Ssthresh, c.DupAcks),
		fmt.Sprintf("SRTT=%s RTTVAR=%s RTO=%s", srtt, FormatTime(c.RTTVAR), FormatTime(c.RTO)),
	)
}
