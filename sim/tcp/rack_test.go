package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

// RFC 8985 (RACK-TLP) tests, segment by segment.

func rackConfig(cwndSegs int) Config {
	cfg := sackConfig()
	cfg.RACK = true
	cfg.InitialCwnd = cwndSegs * 1460
	return cfg
}

// timerEvents lists the fixture's timer events of kind k as "kind@deadline".
func (f *fixture) timerEvents(k trace.TimerKind) []string {
	var s []string
	for _, e := range f.events {
		if e.Timer == k && (e.Kind == trace.KindTimerSet || e.Kind == trace.KindTimerFire || e.Kind == trace.KindTimerCancel) {
			s = append(s, e.Kind.String()+"@"+e.Deadline.String())
		}
	}
	return s
}

// tailLoss sends four segments at 100 ms, the last of which is lost, and
// delivers the ACK of the first three at 200 ms: S3 is the lost tail.
func tailLoss(t *testing.T) *fixture {
	t.Helper()
	f := sackEstablished(t, rackConfig(4), wnd) // SRTT 100 ms, RTO 1 s
	f.write(string(payload(4 * 1460)))
	if out := f.take(); len(out) != 4 {
		t.Fatalf("%d segments, want 4", len(out))
	}
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(3), wnd))
	f.wantIdle("nothing more to send")
	wantWindow(t, f, 5*1460, 65535) // slow start: + 1 SMSS
	return f
}

// TestTLPRepairsTailLoss: RFC 8985 §7. With one segment in flight the PTO
// is 2·SRTT + WCDelAckT = 400 ms after the last ACK; the probe sends the
// last segment again, cwnd unchanged, and rearms the RTO; the probe's
// ACK repairs the tail without a timeout.
func TestTLPRepairsTailLoss(t *testing.T) {
	f := tailLoss(t)
	f.advance(400*time.Millisecond - time.Millisecond)
	f.wantIdle("before the PTO")
	f.advance(time.Millisecond)
	f.want("the probe: S3 again", segOf(3, 4))
	wantWindow(t, f, 5*1460, 65535)
	if at, ok := f.c.NextTimeout(); !ok || at != f.now+time.Second {
		t.Fatalf("RTO at %v, want rearmed to now + 1 s", at)
	}
	got := f.timerEvents(trace.TimerTLP)
	want := []string{"timer-set@300ms", "timer-set@600ms", "timer-fire@600ms"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("TLP timer events %v, want %v", got, want)
	}
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(4), wnd))
	f.wantIdle("all acknowledged")
	wantWindow(t, f, 6*1460, 65535)
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("a timer is still armed")
	}
	if s := f.c.Snapshot(); s.RTO != time.Second {
		t.Fatalf("RTO %v: a probe is no timeout, nothing backs off", s.RTO)
	}
	// The episode is over: the next lost tail is probed again.
	f.write("x")
	f.want("one more segment", data(seqAt(4), peerISS+1, 65535, []byte("x")))
	f.advance(400 * time.Millisecond)
	f.want("the second probe", data(seqAt(4), peerISS+1, 65535, []byte("x")))
}

// TestTLPLostThenRTO: the probe is lost too; the RTO, rearmed when the
// probe left, repairs the tail one RTO later, with the RFC 5681 response
// to a timeout.
func TestTLPLostThenRTO(t *testing.T) {
	f := tailLoss(t)
	f.advance(400 * time.Millisecond)
	f.want("the probe", segOf(3, 4))
	f.advance(time.Second - time.Millisecond)
	f.wantIdle("before the RTO")
	f.advance(time.Millisecond)
	f.want("the RTO: S3 once more", segOf(3, 4))
	wantWindow(t, f, 1460, 2*1460)
	if s := f.c.Snapshot(); s.RTO != 2*time.Second {
		t.Fatalf("RTO %v, want backed off to 2 s", s.RTO)
	}
	f.advance(2*time.Second - time.Millisecond)
	f.wantIdle("no probe after a timeout, until new data is ACKed")
	f.advance(time.Millisecond)
	f.want("the second RTO", segOf(3, 4))
	f.advance(rtt)
	f.handle(ack(peerISS+1, seqAt(4), wnd))
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("a timer is still armed")
	}
}

// TestTLPSendsNewData: with unsent data that cwnd holds back, the probe
// sends a new segment (within the peer's window) instead of an old one,
// and cwnd stays as it was. FlightSize is two segments: PTO = 2·SRTT.
func TestTLPSendsNewData(t *testing.T) {
	f := sackEstablished(t, rackConfig(2), wnd)
	f.write(string(payload(3 * 1460)))
	f.want("cwnd: two segments", segOf(0, 3), segOf(1, 3))
	f.advance(200 * time.Millisecond)
	f.want("the probe: new data", segOf(2, 3))
	wantWindow(t, f, 2*1460, 65535)
	f.handle(ack(peerISS+1, seqAt(3), wnd))
	f.wantIdle("all acknowledged")
}

// TestTLPOff: without Config.RACK, or without SACK in effect, there is no
// probe: the RTO repairs the tail.
func TestTLPOff(t *testing.T) {
	for name, f := range map[string]*fixture{
		"RACK off":    sackEstablished(t, func() Config { c := rackConfig(4); c.RACK = false; return c }(), wnd),
		"SACK absent": established(t, rackConfig(4), wnd),
	} {
		f.write(string(payload(4 * 1460)))
		f.take()
		f.advance(rtt)
		f.handle(ack(peerISS+1, seqAt(3), wnd))
		f.advance(time.Second - time.Millisecond)
		f.wantIdle(name + ": no probe")
		f.advance(time.Millisecond)
		f.want(name+": the RTO", segOf(3, 4))
	}
}

// TestTLPCappedAtRTO: a PTO beyond the RTO's expiry is cut to it (RFC
// 8985 §7.2), and the probe fires instead of the RTO: the RTO does not
// back off, it starts again.
func TestTLPCappedAtRTO(t *testing.T) {
	cfg := rackConfig(4)
	cfg.MinRTO = 100 * time.Millisecond
	f := sackEstablished(t, cfg, wnd) // SRTT 100 ms, RTTVAR 50 ms: RTO 300 ms
	f.write("tail")
	f.want("one segment", data(seqAt(0), peerISS+1, 65535, []byte("tail")))
	f.advance(300*time.Millisecond - time.Millisecond)
	f.wantIdle("PTO 2·SRTT + 200 ms = 400 ms, cut to the RTO's 300 ms")
	f.advance(time.Millisecond)
	f.want("the probe, not an RTO", data(seqAt(0), peerISS+1, 65535, []byte("tail")))
	if s := f.c.Snapshot(); s.RTO != 300*time.Millisecond {
		t.Fatalf("RTO %v, want 300 ms (no back-off)", s.RTO)
	}
	if at, ok := f.c.NextTimeout(); !ok || at != f.now+300*time.Millisecond {
		t.Fatalf("next timeout %v, want the RTO 300 ms after the probe", at)
	}
}

// TestTLPNotWithSACKedData: once something is SACKed, losses are
// recovery's business: no probe is scheduled (RFC 8985 §7.2).
func TestTLPNotWithSACKedData(t *testing.T) {
	f := sackEstablished(t, rackConfig(4), wnd)
	f.write(string(payload(4 * 1460)))
	f.take()
	f.advance(50 * time.Millisecond)
	f.handle(sackAck(0, 1, 2))
	f.wantIdle("a first SACK: nothing to send")
	if at, ok := f.c.NextTimeout(); !ok || at != 100*time.Millisecond+time.Second {
		t.Fatalf("next timeout %v, want only the RTO (1.1 s)", at)
	}
}
