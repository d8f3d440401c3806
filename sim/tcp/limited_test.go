package tcp

import (
	"testing"
)

// TestLimitedTransmit: RFC 3042 (RFC 5681 §3.2 step 1). Five segments S0..S4
// in flight, cwnd 5·SMSS, two more segments queued. The first and the
// second duplicate ACK each send one new segment (FlightSize stays within
// cwnd + 2·SMSS), cwnd does not change, and the third starts fast
// retransmit with an ssthresh that leaves the two limited-transmit
// segments out of FlightSize.
func TestLimitedTransmit(t *testing.T) {
	f, p := fastRetransmitFixture(t)
	f.write(string(p[5*1460:]))
	f.wantIdle("cwnd full")
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.want("first duplicate ACK: S5", dataNoPush(seqAt(5), peerISS+1, 65535, p[5*1460:6*1460]))
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.want("second duplicate ACK: S6", data(seqAt(6), peerISS+1, 65535, p[6*1460:]))
	if s := f.c.Snapshot(); s.Cwnd != 5*1460 || s.InFlight != 7*1460 || s.DupAcks != 2 {
		t.Fatalf("after two duplicate ACKs: %+v", s)
	}
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.want("fast retransmit of S0", dataNoPush(seqAt(0), peerISS+1, 65535, p[:1460]))
	// ssthresh = (FlightSize - limited transmit)/2 = 7300/2, not 10220/2.
	if s := f.c.Snapshot(); s.Ssthresh != 3650 || s.Cwnd != 3650+3*1460 {
		t.Fatalf("after the third duplicate ACK: %+v", s)
	}
	f.handle(ack(peerISS+1, iss+1, wnd))
	f.wantIdle("fourth duplicate ACK: cwnd 9490 < 10220 in flight")
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(7), wnd))
	if s := f.c.Snapshot(); s.Cwnd != 3650 || s.InFlight != 0 {
		t.Fatalf("after the full ACK: %+v", s)
	}
}

// TestLimitedTransmitLimits: no segment beyond the peer's window (a), and
// none when there is no new data (c).
func TestLimitedTransmitLimits(t *testing.T) {
	cfg := baseConfig()
	cfg.InitialCwnd = 5 * 1460
	f := established(t, cfg, 5*1460)
	p := payload(7 * 1460)
	f.write(string(p))
	if out := f.take(); len(out) != 5 {
		t.Fatalf("%d segments, want 5", len(out))
	}
	f.handle(ack(peerISS+1, iss+1, 5*1460))
	f.handle(ack(peerISS+1, iss+1, 5*1460))
	f.wantIdle("the peer's window is full: no limited transmit")

	f2, _ := fastRetransmitFixture(t)
	f2.handle(ack(peerISS+1, iss+1, wnd))
	f2.handle(ack(peerISS+1, iss+1, wnd))
	f2.wantIdle("no new data: no limited transmit")
}
