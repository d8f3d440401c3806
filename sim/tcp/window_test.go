package tcp

import (
	"math/rand/v2"
	"testing"
	"time"

	"socketlab/sim/trace"
)

func TestZeroWindowPersistProbes(t *testing.T) {
	f := established(t, baseConfig(), wnd)
	p := payload(3000)
	f.write(string(p))
	f.take()
	f.advance(rtt)
	// The receiver takes everything but its application reads nothing.
	f.handle(ack(peerISS+1, iss+3001, 0))
	f.write("xyz")
	f.wantIdle("zero window")
	at, ok := f.c.NextTimeout()
	if !ok || at != f.now+time.Second {
		t.Fatalf("persist timer at %v (%v), want now+RTO", at, ok)
	}
	probe := dataNoPush(iss+3001, peerISS+1, 65535, []byte("x"))
	// Probes at growing intervals: RTO, 2·RTO, 4·RTO (RFC 9293 §3.8.6.1,
	// backed off like the retransmission timer).
	for _, d := range []time.Duration{1, 2, 4, 8} {
		f.advance(d*time.Second - time.Millisecond)
		f.wantIdle("before the probe")
		f.advance(time.Millisecond)
		f.want("zero-window probe", probe)
		f.handle(ack(peerISS+1, iss+3001, 0)) // still closed
		f.wantIdle("probe answered, window still zero")
	}
	if f.c.State() != trace.StateEstablished {
		t.Fatalf("probes must never give up: %v", f.c.State())
	}
	// The application reads: a window update arrives and the data goes out.
	f.advance(time.Second)
	f.handle(ack(peerISS+1, iss+3001, 4000))
	f.want("resume", data(iss+3001, peerISS+1, 65535, []byte("xyz")))
	f.handle(ack(peerISS+1, iss+3004, 4000))
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("a timer is still armed")
	}
	var probes, cancels int
	for _, e := range f.events {
		if e.Timer == trace.TimerPersist {
			switch e.Kind {
			case trace.KindTimerFire:
				probes++
			case trace.KindTimerCancel:
				cancels++
			}
		}
	}
	if probes != 4 || cancels != 1 {
		t.Fatalf("persist timer: %d fired, %d cancelled; want 4 and 1", probes, cancels)
	}
}

func TestZeroWindowProbeAccepted(t *testing.T) {
	// The window update was lost; the receiver has room and takes the probe.
	f := established(t, baseConfig(), wnd)
	f.write("abc")
	f.take()
	f.handle(ack(peerISS+1, iss+4, 0))
	f.write("def")
	f.advance(time.Second)
	f.want("probe", dataNoPush(iss+4, peerISS+1, 65535, []byte("d")))
	f.handle(ack(peerISS+1, iss+5, 1000))
	f.want("the rest", data(iss+5, peerISS+1, 65535, []byte("ef")))
}

// TestPeerWindowNeverExceeded sends random ACKs with random (even
// shrinking) windows and checks every data segment against the window the
// peer offered last: SEG.SEQ+SEG.LEN <= SND.UNA+SND.WND. The one exception
// is the one-octet zero-window probe.
func TestPeerWindowNeverExceeded(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		cfg := baseConfig()
		cfg.InitialCwnd = []int{0, 20000, 60000}[rng.IntN(3)]
		f := established(t, cfg, uint16(rng.IntN(5000)))
		lastAck, lastWnd := iss+1, uint32(f.c.sndWnd)
		check := func(what string) {
			for _, s := range f.take() {
				end := s.Seq.Add(len(s.Payload))
				if len(s.Payload) == 0 {
					continue
				}
				if lastWnd == 0 && len(s.Payload) == 1 {
					continue // a zero-window probe
				}
				if end.GreaterThan(lastAck.Add(int(lastWnd))) {
					t.Fatalf("seed %d, %s: %v ends at %#x beyond the window %#x+%d",
						seed, what, s, uint32(end), uint32(lastAck), lastWnd)
				}
			}
		}
		for step := range 300 {
			switch r := rng.IntN(10); {
			case r < 3:
				f.c.Write(f.now, payload(rng.IntN(5000)))
				check("write")
			case r < 8:
				// ACK somewhere between SND.UNA and SND.NXT.
				una, nxt := f.c.sndUna, f.c.sndNxt
				a := una.Add(rng.IntN(int(nxt.Sub(una)) + 1))
				w := uint32(rng.IntN(6000))
				if rng.IntN(5) == 0 {
					w = 0
				}
				f.handle(ack(peerISS+1, a, uint16(w)))
				lastAck, lastWnd = a, w
				check("ack")
			case r < 9:
				// Duplicate ACKs with the last window: fast retransmit.
				for range 3 {
					f.handle(ack(peerISS+1, lastAck, uint16(lastWnd)))
				}
				check("duplicate acks")
			default:
				f.advance(time.Duration(rng.IntN(3000)) * time.Millisecond)
				check("timer")
			}
			if f.c.State() != trace.StateEstablished {
				t.Fatalf("seed %d step %d: %v", seed, step, f.c.State())
			}
		}
	}
}

func TestReceiveWindowAndSWSAvoidance(t *testing.T) {
	cfg := baseConfig()
	cfg.RcvBuf = 4000
	f := newFixture(t)
	f.accept(cfg, Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460})
	f.want("SYN,ACK offers the whole buffer", Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 4000, MSS: 1460})
	f.handle(ack(peerISS+1, iss+1, 65535))
	p := payload(4000)
	f.handle(data(peerISS+1, iss+1, 65535, p[:1460]))
	f.want("ACK, window shrinks by the data", ack(iss+1, peerISS+1461, 2540))
	f.handle(data(peerISS+1461, iss+1, 65535, p[1460:2920]))
	f.want("ACK", ack(iss+1, peerISS+2921, 1080))
	f.handle(data(peerISS+2921, iss+1, 65535, p[2920:]))
	f.want("window closed", ack(iss+1, peerISS+4001, 0))
	// Beyond the window: not acceptable, answered by an ACK.
	f.handle(data(peerISS+4001, iss+1, 65535, []byte("z")))
	f.want("zero window rejects data", ack(iss+1, peerISS+4001, 0))
	buf := make([]byte, 1000)
	if n := f.c.Read(f.now, buf); n != 1000 || string(buf) != string(p[:1000]) {
		t.Fatalf("Read = %d", n)
	}
	// 1000 free < min(RcvBuf/2, MSS) = 1460: no window update yet (SWS).
	f.wantIdle("a small window is not advertised")
	buf = make([]byte, 500)
	f.c.Read(f.now, buf)
	f.want("window update once 1500 >= 1460 are free", ack(iss+1, peerISS+4001, 1500))
	if f.c.Buffered() != 2500 {
		t.Fatalf("Buffered %d", f.c.Buffered())
	}
}

func TestDelayedAck(t *testing.T) {
	cfg := baseConfig()
	cfg.DelayedAck = 200 * time.Millisecond
	f := established(t, cfg, wnd)
	f.handle(data(peerISS+1, iss+1, wnd, []byte("hi")))
	f.wantIdle("delayed")
	f.advance(200*time.Millisecond - 1)
	f.wantIdle("still delayed")
	f.advance(1)
	f.want("delayed ACK", ack(iss+1, peerISS+3, 65533))
	// Two full-sized segments are ACKed at once (RFC 9293 §3.8.6.3).
	p := payload(2920)
	f.handle(dataNoPush(peerISS+3, iss+1, wnd, p[:1460]))
	f.wantIdle("one full segment")
	f.handle(data(peerISS+1463, iss+1, wnd, p[1460:]))
	f.want("second full segment", ack(iss+1, peerISS+2923, 65535-2922))
	// Data of ours carries the pending ACK.
	f.handle(data(peerISS+2923, iss+1, wnd, []byte("q")))
	f.write("reply")
	f.want("piggybacked ACK", data(iss+1, peerISS+2924, 65535-2923, []byte("reply")))
	if f.c.timers[tmDelayedAck].armed {
		t.Fatal("delayed-ACK timer armed after the ACK went out")
	}
	// Out-of-order data is ACKed at once.
	f.handle(data(peerISS+3000, iss+6, wnd, []byte("later")))
	f.want("immediate duplicate ACK", ack(iss+6, peerISS+2924, 65535-2923))
}
