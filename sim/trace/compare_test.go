package trace_test

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"socketlab/sim/trace"
)

var (
	cEnd = netip.MustParseAddrPort("127.0.0.1:40000")
	sEnd = netip.MustParseAddrPort("127.0.0.1:21567")
)

// seg builds a Send event of a segment from the client (c) or the server.
func seg(at time.Duration, id uint64, c bool, flags trace.TCPFlags, seq, ack uint32, win uint16, payload string) trace.Event {
	src, dst := cEnd, sEnd
	if !c {
		src, dst = sEnd, cEnd
	}
	return trace.Event{At: at, Kind: trace.KindSend, Packet: trace.Packet{ID: id, Proto: trace.ProtoTCP, Src: src, Dst: dst,
		Flags: flags, Seq: seq, Ack: ack, Window: win, Payload: []byte(payload)}}
}

const (
	syn    = trace.FlagSYN
	ack    = trace.FlagACK
	fin    = trace.FlagFIN
	rst    = trace.FlagRST
	psh    = trace.FlagPSH
	synack = trace.FlagSYN | trace.FlagACK
	finack = trace.FlagFIN | trace.FlagACK
)

// Relative numbers as Wireshark shows them, time from the first SYN, and
// nothing of a second connection or of another 4-tuple.
func TestSegmentsRelative(t *testing.T) {
	const ci, si = 4294967000, 1000 // the client's ISN wraps
	other := seg(0, 99, true, syn, 5, 0, 100, "")
	other.Packet.Src = netip.MustParseAddrPort("127.0.0.1:40001")
	tr := &trace.Trace{Events: []trace.Event{
		{At: 0, Kind: trace.KindApp, Op: trace.OpConnect},
		seg(2*time.Millisecond, 1, true, syn, ci, 0, 65535, ""),
		other,
		seg(3*time.Millisecond, 2, false, synack, si, ci+1, 65535, ""),
		seg(4*time.Millisecond, 3, true, ack|psh, ci+1, si+1, 512, "hello"),
		{At: 4 * time.Millisecond, Kind: trace.KindDeliver, Packet: trace.Packet{ID: 3, Proto: trace.ProtoTCP, Src: cEnd, Dst: sEnd}},
		seg(5*time.Millisecond, 3, true, ack|psh, ci+1, si+1, 512, "hello"), // a router forwarding it: not counted again
		seg(6*time.Millisecond, 4, false, ack, si+1, ci+6, 512, ""),
	}}
	got := trace.Segments(tr)
	want := []trace.Segment{
		{At: 0, FromClient: true, Flags: syn, Seq: 0, Window: 65535, Event: 1},
		{At: time.Millisecond, Flags: synack, Seq: 0, Ack: 1, Window: 65535, Event: 3},
		{At: 2 * time.Millisecond, FromClient: true, Flags: ack | psh, Seq: 1, Ack: 1, Len: 5, Window: 512, Event: 4},
		{At: 4 * time.Millisecond, Flags: ack, Seq: 1, Ack: 6, Window: 512, Event: 7},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("segments\n got %+v\nwant %+v", got, want)
	}
}

// A refused connection: Linux answers the SYN with RST,ACK seq 0 — the
// server never chose an ISN, so like Wireshark the RST counts as byte 1.
func TestSegmentsRefused(t *testing.T) {
	tr := &trace.Trace{Events: []trace.Event{
		seg(0, 1, true, syn, 777, 0, 65495, ""),
		seg(0, 2, false, rst|ack, 0, 778, 0, ""),
	}}
	got := trace.Segments(tr)
	if len(got) != 2 || got[1].Seq != 1 || got[1].Ack != 1 || got[1].Flags != rst|ack {
		t.Fatalf("%+v", got)
	}
}

func TestCompare(t *testing.T) {
	s := func(c bool, flags trace.TCPFlags, seq, ack uint32, n int, win uint16) trace.Segment {
		return trace.Segment{FromClient: c, Flags: flags, Seq: seq, Ack: ack, Len: n, Window: win}
	}
	// The textbook model sends the ACK of the client's FIN and then its
	// own FIN; this kernel merged them, and advertises other windows.
	model := []trace.Segment{
		s(true, syn, 0, 0, 0, 65535), s(false, synack, 0, 1, 0, 65535), s(true, ack, 1, 1, 0, 65535),
		s(true, ack|psh, 1, 1, 5, 65535), s(true, finack, 6, 1, 0, 65535),
		s(false, ack, 1, 7, 0, 65529), s(false, finack, 1, 7, 0, 65529), s(true, ack, 7, 2, 0, 65535),
	}
	kernel := []trace.Segment{
		s(true, syn, 0, 0, 0, 65495), s(false, synack, 0, 1, 0, 65483), s(true, ack, 1, 1, 0, 512),
		s(true, ack|psh, 1, 1, 5, 512), s(false, ack, 1, 6, 0, 512), s(true, finack, 6, 1, 0, 512),
		s(false, finack, 1, 7, 0, 512), s(true, ack, 7, 2, 0, 512),
	}
	got := trace.Compare(model, kernel)
	w := []trace.Field{trace.FieldWindow}
	want := []trace.Match{
		{A: 0, B: 0, Diffs: w}, {A: 1, B: 1, Diffs: w}, {A: 2, B: 2, Diffs: w}, {A: 3, B: 3, Diffs: w},
		{A: -1, B: 4}, // the kernel ACKed the data at once; the model's delayed ACK rode on later segments
		{A: 4, B: 5, Diffs: w},
		{A: 5, B: -1}, // the model's separate ACK of the FIN: the kernel merged it into its FIN
		{A: 6, B: 6, Diffs: w}, {A: 7, B: 7, Diffs: w},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("matches\n got %+v\nwant %+v", got, want)
	}
	// The same run against itself: every segment matched, nothing differs.
	for k, m := range trace.Compare(kernel, kernel) {
		if m.A != k || m.B != k || m.Diffs != nil {
			t.Fatalf("self-comparison %d: %+v", k, m)
		}
	}
	// Field differences are named one by one.
	d := trace.Compare([]trace.Segment{s(true, ack|psh, 1, 1, 5, 10)}, []trace.Segment{s(true, ack, 2, 3, 6, 10)})
	if len(d) != 1 || !reflect.DeepEqual(d[0].Diffs, []trace.Field{trace.FieldFlags, trace.FieldSeq, trace.FieldAck, trace.FieldLen}) {
		t.Fatalf("field diffs %+v", d)
	}
	// The same segments in another order — the two ACKs that end a
	// simultaneous close — are paired, marked as reordered.
	d = trace.Compare(
		[]trace.Segment{s(true, finack, 1, 1, 0, 9), s(false, finack, 1, 1, 0, 9), s(false, ack, 2, 2, 0, 9), s(true, ack, 2, 2, 0, 9)},
		[]trace.Segment{s(true, finack, 1, 1, 0, 9), s(false, finack, 1, 1, 0, 9), s(true, ack, 2, 2, 0, 9), s(false, ack, 2, 2, 0, 9)})
	if want := []trace.Match{{A: 0, B: 0}, {A: 1, B: 1}, {A: 2, B: 3, Diffs: []trace.Field{trace.FieldOrder}}, {A: 3, B: 2}}; !reflect.DeepEqual(d, want) {
		t.Fatalf("reordered\n got %+v\nwant %+v", d, want)
	}
	// Nothing in common: everything unmatched, in order.
	d = trace.Compare([]trace.Segment{s(true, syn, 0, 0, 0, 1)}, []trace.Segment{s(false, rst|ack, 1, 1, 0, 0)})
	if !reflect.DeepEqual(d, []trace.Match{{A: 0, B: -1}, {A: -1, B: 0}}) {
		t.Fatalf("disjoint %+v", d)
	}
}
