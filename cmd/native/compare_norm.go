package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"socketlab/sim/trace"
)

// packetRow is one packet of an exchange reduced to what two TCP stacks
// must agree on, as the linux profile's comparison reads it: when it left
// (since the exchange's first packet) and a text with its direction,
// flags, sequence and acknowledgement numbers relative to each direction's
// initial sequence number (as Wireshark shows them), payload length and
// options — "c→s SYN seq=0 mss=1460 sack_perm ts ws=7". The window is left
// out: it follows each stack's buffer sizes, not its protocol.
type packetRow struct {
	At   time.Duration
	Text string
	// Sometimes marks a row of a documented target that the kernel sends
	// in some runs only; a run without it still matches.
	Sometimes bool
}

// String is the row as the comparison's documentation writes it:
// "1000ms c→s SYN seq=0 mss=1460 sack_perm ts ws=7".
func (r packetRow) String() string {
	return fmt.Sprintf("%dms %s", r.At.Round(time.Millisecond)/time.Millisecond, r.Text)
}

// normalise returns the packets of tr's first exchange as rows: the TCP
// segments of its first connection (trace.Segments), or, without a SYN,
// the UDP datagrams of its first flow and the ICMP errors quoting them.
func normalise(tr *trace.Trace) []packetRow {
	if segs := trace.Segments(tr); segs != nil {
		rows := make([]packetRow, len(segs))
		for i, s := range segs {
			rows[i] = packetRow{At: s.At, Text: segmentRow(s, &tr.Events[s.Event].Packet)}
		}
		return rows
	}
	var rows []packetRow
	var client, server trace.Packet
	var t0 time.Duration
	seen := map[uint64]bool{}
	for i := range tr.Events {
		e := &tr.Events[i]
		p := &e.Packet
		if e.Kind != trace.KindSend || seen[p.ID] {
			continue
		}
		switch {
		case p.Proto == trace.ProtoUDP && client.Proto == 0:
			client, server, t0 = *p, *p, e.At
			server.Src, server.Dst = p.Dst, p.Src
			fallthrough
		case p.Proto == trace.ProtoUDP && (p.Src == client.Src && p.Dst == client.Dst || p.Src == server.Src && p.Dst == server.Dst):
			dir := "c→s"
			if p.Src != client.Src {
				dir = "s→c"
			}
			rows = append(rows, packetRow{At: e.At - t0, Text: fmt.Sprintf("%s UDP len=%d", dir, len(p.Payload))})
		case p.Proto == trace.ProtoICMP && client.Proto != 0:
			// The quote: the offending IP header, the UDP header, and as
			// much of the payload as the sender kept.
			// The simulator's trace keeps the 8-byte UDP header alone and
			// its pcap exporter puts the IP header before it: IP+UDP+0.
			quote := "IP+UDP+0"
			if hl := int(p.Payload[0]&0x0f) * 4; len(p.Payload) != 8 && len(p.Payload) >= hl+8 {
				quote = fmt.Sprintf("IP+UDP+%d", len(p.Payload)-hl-8)
			}
			rows = append(rows, packetRow{At: e.At - t0, Text: fmt.Sprintf("s→c ICMP %d/%d quote=%s", p.ICMPType, p.ICMPCode, quote)})
		default:
			continue
		}
		seen[p.ID] = true
	}
	return rows
}

// segmentRow is the text of a segment's row; p is the packet it was read
// from, for its options.
func segmentRow(s trace.Segment, p *trace.Packet) string {
	var b strings.Builder
	segmentHead(&b, s)
	if p.MSS != 0 {
		fmt.Fprintf(&b, " mss=%d", p.MSS)
	}
	if p.Opts&trace.OptSACKPerm != 0 {
		b.WriteString(" sack_perm")
	}
	if p.Opts&trace.OptTimestamps != 0 {
		b.WriteString(" ts")
	}
	if p.Opts&trace.OptWScale != 0 {
		fmt.Fprintf(&b, " ws=%d", p.WScale)
	}
	// SACK blocks are numbers of the other direction's stream: relative
	// to the acknowledged stream as the ack is (ack - s.Ack is its ISN).
	for _, blk := range p.SACK {
		base := p.Ack - s.Ack
		fmt.Fprintf(&b, " sack=%d-%d", blk.Left-base, blk.Right-base)
	}
	return b.String()
}

// segmentHead writes what every row of a segment starts with:
// "c→s SYN,ACK seq=0 ack=1 len=5" (ack only with the ACK flag, len only
// for data).
func segmentHead(b *strings.Builder, s trace.Segment) {
	dir := "s→c"
	if s.FromClient {
		dir = "c→s"
	}
	fmt.Fprintf(b, "%s %s seq=%d", dir, s.Flags, s.Seq)
	if s.Flags&trace.FlagACK != 0 {
		fmt.Fprintf(b, " ack=%d", s.Ack)
	}
	if s.Len > 0 {
		fmt.Fprintf(b, " len=%d", s.Len)
	}
}

// timeTolerance is how far a kernel's time may be from the expected one
// and still agree: 20 ms (an application woken late on a busy machine, a
// jiffy) plus a tenth of the time (a timer's slack grows with it).
func timeTolerance(want time.Duration) time.Duration {
	return 20*time.Millisecond + want/10
}

// closeInTime reports whether got is within the tolerance of want.
func closeInTime(got, want time.Duration) bool {
	d := got - want
	return max(d, -d) <= timeTolerance(want)
}

// rowMatch pairs the rows of two runs: A and B index them, -1 when the row
// is in the other run only.
type rowMatch struct{ A, B int }

// alignRows aligns two runs by their texts: the most rows paired, and
// among such alignments the one whose pairs are closest in time (the
// second of three probes alike pairs with the second). Ties go to the
// first run's rows first, so the result is the same every time for the
// same runs.
func alignRows(a, b []packetRow) []rowMatch {
	// A pair is worth far more than any time apart (in µs, capped).
	pair := func(x, y packetRow) int64 {
		d := int64((x.At - y.At) / time.Microsecond)
		return 1<<40 - min(max(d, -d), 1<<39)
	}
	best := make([][]int64, len(a)+1)
	for i := range best {
		best[i] = make([]int64, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			best[i][j] = max(best[i+1][j], best[i][j+1])
			if a[i].Text == b[j].Text {
				best[i][j] = max(best[i][j], best[i+1][j+1]+pair(a[i], b[j]))
			}
		}
	}
	var out []rowMatch
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i].Text == b[j].Text && best[i][j] == best[i+1][j+1]+pair(a[i], b[j]):
			out = append(out, rowMatch{i, j})
			i++
			j++
		case j == len(b) || i < len(a) && best[i][j] == best[i+1][j]:
			out = append(out, rowMatch{i, -1})
			i++
		default:
			out = append(out, rowMatch{-1, j})
			j++
		}
	}
	return out
}

// rowDiffs lists how the model's rows differ from the kernel's, one line
// each: a row of one run only (unless marked Sometimes), or a matched row
// sent at another time (beyond timeTolerance of the kernel's). Each direction is aligned on its
// own: on loopback, packets that two ends send within microseconds of
// each other reach the capture from two CPUs in either order, so only the
// order within a direction, and the times, say what a stack did.
func rowDiffs(model, kernel []packetRow) []string {
	var out []string
	for _, dir := range []string{"c→s", "s→c"} {
		m, k := direction(model, dir), direction(kernel, dir)
		for _, p := range alignRows(m, k) {
			switch {
			case p.B < 0 && m[p.A].Sometimes || p.A < 0 && k[p.B].Sometimes:
				// sent in some runs only: missing is no difference
			case p.B < 0:
				out = append(out, "model only: "+m[p.A].String())
			case p.A < 0:
				out = append(out, "kernel only: "+k[p.B].String())
			case !closeInTime(m[p.A].At, k[p.B].At):
				out = append(out, fmt.Sprintf("time: %s: model %s, kernel %s", m[p.A].Text, fmtMs(m[p.A].At), fmtMs(k[p.B].At)))
			}
		}
	}
	return out
}

// direction returns the rows sent in direction dir ("c→s" or "s→c").
func direction(rows []packetRow, dir string) []packetRow {
	var out []packetRow
	for _, r := range rows {
		if strings.HasPrefix(r.Text, dir) {
			out = append(out, r)
		}
	}
	return out
}

func fmtMs(d time.Duration) string {
	return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
}

// writeRows prints two runs side by side, each direction aligned as
// rowDiffs aligns it and the two merged in the order the packets were
// sent, each row marked: "=" the same (within the time tolerance),
// "≠ time", or the run it is missing from.
func writeRows(w io.Writer, ex exchange, model, kernel []packetRow, modelName, kernelName string) {
	width := len([]rune(modelName))
	for _, r := range model {
		width = max(width, len([]rune(r.String())))
	}
	fmt.Fprintf(w, "%s — %s\n", ex.name, ex.title)
	fmt.Fprintf(w, "   %-*s  %s\n", width, modelName, kernelName)
	var same, onlyModel, onlyKernel, late int
	for _, m := range alignedRows(model, kernel) {
		var left, right, mark string
		if m.A >= 0 {
			left = model[m.A].String()
		}
		if m.B >= 0 {
			right = kernel[m.B].String()
		}
		switch {
		case m.B < 0:
			mark = "- only in the model"
			onlyModel++
		case m.A < 0:
			mark = "+ only in your kernel"
			onlyKernel++
		case !closeInTime(model[m.A].At, kernel[m.B].At):
			mark = "≠ time"
			late++
		default:
			mark = "="
			same++
		}
		fmt.Fprintf(w, "   %-*s  %-*s  %s\n", width, left, width, right, mark)
	}
	fmt.Fprintf(w, "the same: %d; at another time: %d; only in the model: %d; only in your kernel: %d\n", same, late, onlyModel, onlyKernel)
}

// alignedRows pairs the rows of two runs direction by direction (as
// rowDiffs does) and merges the two directions back in the order of the
// runs: by the model's order where both rows have one, else the kernel's,
// else by time.
func alignedRows(model, kernel []packetRow) []rowMatch {
	var dirs [2][]rowMatch
	for d, dir := range []string{"c→s", "s→c"} {
		var mi, ki []int // the rows of this direction, as indexes of the runs
		for i, r := range model {
			if strings.HasPrefix(r.Text, dir) {
				mi = append(mi, i)
			}
		}
		for i, r := range kernel {
			if strings.HasPrefix(r.Text, dir) {
				ki = append(ki, i)
			}
		}
		for _, p := range alignRows(direction(model, dir), direction(kernel, dir)) {
			m := rowMatch{-1, -1}
			if p.A >= 0 {
				m.A = mi[p.A]
			}
			if p.B >= 0 {
				m.B = ki[p.B]
			}
			dirs[d] = append(dirs[d], m)
		}
	}
	at := func(m rowMatch) time.Duration {
		if m.A >= 0 {
			return model[m.A].At
		}
		return kernel[m.B].At
	}
	before := func(x, y rowMatch) bool {
		switch {
		case x.A >= 0 && y.A >= 0:
			return x.A < y.A
		case x.B >= 0 && y.B >= 0:
			return x.B < y.B
		}
		return at(x) <= at(y)
	}
	var out []rowMatch
	c, s := dirs[0], dirs[1]
	for len(c) > 0 || len(s) > 0 {
		if len(s) == 0 || len(c) > 0 && before(c[0], s[0]) {
			out, c = append(out, c[0]), c[1:]
		} else {
			out, s = append(out, s[0]), s[1:]
		}
	}
	return out
}
