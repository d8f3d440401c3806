package trace

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// Segment is one TCP segment of a connection as a ladder shows it: who
// sent it, when (since the connection's first SYN) and its header, with
// sequence and acknowledgement numbers relative to each direction's
// initial sequence number, as Wireshark shows them.
type Segment struct {
	At         time.Duration
	FromClient bool // sent by the end that sent the first SYN
	Flags      TCPFlags
	Seq, Ack   uint32 // relative; Ack is 0 without the ACK flag
	Len        int    // payload bytes
	Window     uint16
	MSS        uint16
	Event      int // the Send event's index in its trace
}

// Segments returns the segments of the first TCP connection of tr — the
// 4-tuple of its first SYN — at their first transmission by their sender
// (a router forwarding the same packet does not count again). A trace
// without a SYN has no segments.
func Segments(tr *Trace) []Segment {
	var client, server netip.AddrPort
	var t0 time.Duration
	found := false
	for i := range tr.Events {
		e := &tr.Events[i]
		if e.Kind == KindSend && e.Packet.Proto == ProtoTCP && e.Packet.Flags&(FlagSYN|FlagACK) == FlagSYN {
			client, server, t0, found = e.Packet.Src, e.Packet.Dst, e.At, true
			break
		}
	}
	if !found {
		return nil
	}
	var out []Segment
	seen := map[uint64]bool{}
	var isn [2]uint32 // client's, server's
	var have [2]bool
	for i := range tr.Events {
		e := &tr.Events[i]
		p := &e.Packet
		if e.Kind != KindSend || p.Proto != ProtoTCP || e.At < t0 || seen[p.ID] {
			continue
		}
		var dir int
		switch {
		case p.Src == client && p.Dst == server:
			dir = 0
		case p.Src == server && p.Dst == client:
			dir = 1
		default:
			continue
		}
		seen[p.ID] = true
		if !have[dir] {
			isn[dir], have[dir] = p.Seq, true
			if p.Flags&FlagSYN == 0 {
				isn[dir]-- // joined mid-stream: the first byte seen is byte 1
			}
		}
		s := Segment{At: e.At - t0, FromClient: dir == 0, Flags: p.Flags, Seq: p.Seq - isn[dir],
			Len: len(p.Payload), Window: p.Window, MSS: p.MSS, Event: i}
		if p.Flags&FlagACK != 0 {
			if have[1-dir] {
				s.Ack = p.Ack - isn[1-dir]
			} else {
				s.Ack = p.Ack // the peer's ISN is unknown (a refusal answers a SYN it never acknowledged)
			}
		}
		out = append(out, s)
	}
	// Real sources (a capture read on two CPUs) may hand events over a
	// few microseconds out of order: the ladder is by time.
	slices.SortStableFunc(out, func(x, y Segment) int { return cmp.Compare(x.At, y.At) })
	return out
}

// Field names one header field that differs between two matched segments.
type Field string

// The fields Compare reports.
const (
	FieldFlags  Field = "flags" // the same kind of segment, but PSH differs
	FieldSeq    Field = "seq"
	FieldAck    Field = "ack"
	FieldLen    Field = "len"
	FieldWindow Field = "window"
	FieldMSS    Field = "mss"
	FieldOrder  Field = "order" // sent in another order relative to its neighbours
)

// Match pairs a segment of one run with one of the other: A and B index
// the two segment lists, -1 when the segment exists in the other run only
// (an extra ACK, or an ACK that the other run merged into its FIN).
// Diffs lists the header fields that differ.
type Match struct {
	A, B  int
	Diffs []Field
}

// Compare aligns two runs of the same exchange — the simulator's and a
// real kernel's, say — segment by segment, and reports for each matched
// pair the fields that differ. Only segments of the same kind match
// (direction, SYN/FIN/RST/ACK flags, with or without payload); among the
// alignments with the most matches it takes the one whose matched pairs
// agree best (sequence, acknowledgement and length count more than a
// window). The result is in the order of both lists.
func Compare(a, b []Segment) []Match {
	key := func(s Segment) [3]int {
		data := 0
		if s.Len > 0 {
			data = 1
		}
		dir := 0
		if s.FromClient {
			dir = 1
		}
		return [3]int{dir, int(s.Flags &^ (FlagPSH | FlagURG)), data}
	}
	// score of a matched pair: a match always outweighs any differences.
	score := func(x, y Segment) int {
		sc := 1000
		for _, f := range diffFields(x, y) {
			switch f {
			case FieldSeq, FieldAck, FieldLen:
				sc -= 10
			default:
				sc--
			}
		}
		return sc
	}
	// best[i][j]: the best score aligning a[i:] with b[j:].
	best := make([][]int, len(a)+1)
	for i := range best {
		best[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			best[i][j] = max(best[i+1][j], best[i][j+1])
			if key(a[i]) == key(b[j]) {
				best[i][j] = max(best[i][j], best[i+1][j+1]+score(a[i], b[j]))
			}
		}
	}
	var out []Match
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && key(a[i]) == key(b[j]) && best[i][j] == best[i+1][j+1]+score(a[i], b[j]):
			out = append(out, Match{A: i, B: j, Diffs: diffFields(a[i], b[j])})
			i++
			j++
		case j == len(b) || i < len(a) && best[i][j] == best[i+1][j]:
			out = append(out, Match{A: i, B: -1})
			i++
		default:
			out = append(out, Match{A: -1, B: j})
			j++
		}
	}
	return pairReordered(out, a, b, key)
}

// pairReordered matches what the alignment left over on both sides when
// the two are the same segment (the same numbers and length) sent in
// another order — the two ACKs after a simultaneous close — a place or
// two apart.
func pairReordered(out []Match, a, b []Segment, key func(Segment) [3]int) []Match {
	for i := 0; i < len(out); i++ {
		if out[i].B >= 0 {
			continue
		}
		for j := max(i-2, 0); j <= min(i+2, len(out)-1); j++ {
			if out[j].A >= 0 || key(a[out[i].A]) != key(b[out[j].B]) {
				continue
			}
			x, y := a[out[i].A], b[out[j].B]
			if x.Seq != y.Seq || x.Ack != y.Ack || x.Len != y.Len {
				continue // another segment of the same kind, not this one moved
			}
			m := Match{A: out[i].A, B: out[j].B, Diffs: append(diffFields(x, y), FieldOrder)}
			lo, hi := min(i, j), max(i, j)
			out[lo] = m
			out = append(out[:hi], out[hi+1:]...)
			break
		}
	}
	return out
}

func diffFields(x, y Segment) []Field {
	var d []Field
	if x.Flags != y.Flags {
		d = append(d, FieldFlags)
	}
	if x.Seq != y.Seq {
		d = append(d, FieldSeq)
	}
	if x.Ack != y.Ack {
		d = append(d, FieldAck)
	}
	if x.Len != y.Len {
		d = append(d, FieldLen)
	}
	if x.Window != y.Window {
		d = append(d, FieldWindow)
	}
	if x.MSS != y.MSS {
		d = append(d, FieldMSS)
	}
	return d
}
