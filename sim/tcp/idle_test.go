package tcp

import (
	"testing"
	"time"
)

// TestRestartAfterIdle: RFC 5681 §4.1. cwnd has grown to 7 segments; after
// more than an RTO without sending, the next burst starts from
// RW = min(IW, cwnd) = 3 segments. After an RTO or less cwnd is kept.
func TestRestartAfterIdle(t *testing.T) {
	for _, tc := range []struct {
		idle  time.Duration
		segs  int
		cwnd  uint32
		label string
	}{
		{time.Second, 7, 7 * 1460, "idle exactly one RTO: cwnd kept"},
		{time.Second + 1, 3, 3 * 1460, "idle longer than the RTO: cwnd = RW = IW"},
	} {
		f := established(t, baseConfig(), wnd) // RTO 1 s
		p := payload(7 * 1460)
		f.write(string(p[:4*1460]))
		f.take() // IW: 3 segments; the fourth waits
		f.advance(rtt)
		f.handle(ack(peerISS+1, seqAt(3), wnd)) // cwnd 4380+1460: the fourth leaves
		f.take()
		f.advance(rtt)
		f.handle(ack(peerISS+1, seqAt(4), wnd)) // cwnd 7300
		if s := f.c.Snapshot(); s.Cwnd != 5*1460 || s.InFlight != 0 {
			t.Fatalf("before idling: %+v", s)
		}
		f.c.cwnd = 7 * 1460      // as if slow start had gone on
		f.advance(tc.idle - rtt) // the fourth segment left rtt ago
		f.wantIdle("idle")
		f.write(string(p))
		out := f.take()
		if len(out) != tc.segs || f.c.cwnd != tc.cwnd {
			t.Fatalf("%s: %d segments, cwnd %d; want %d and %d", tc.label, len(out), f.c.cwnd, tc.segs, tc.cwnd)
		}
		for i, s := range out {
			want := dataNoPush(seqAt(4+i), peerISS+1, 65535, p[i*1460:(i+1)*1460])
			if i == 6 {
				want = data(seqAt(4+i), peerISS+1, 65535, p[i*1460:])
			}
			if !segEqual(s, want) {
				t.Fatalf("%s: segment %d is %s, want %s", tc.label, i, segString(s), segString(want))
			}
		}
	}
}
