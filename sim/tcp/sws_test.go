package tcp

import (
	"testing"
	"time"
)

// TestSenderSWSAvoidanceRFC9293 walks the four rules of RFC 9293
// §3.8.6.2.1 with exact segments (Nagle's brackets left out: the model
// sends as with TCP_NODELAY, and every write is pushed). The peer offered
// 65535 once, so Fs·Max(SND.WND) = 32767.
func TestSenderSWSAvoidanceRFC9293(t *testing.T) {
	f := established(t, baseConfig(), wnd)
	p := payload(3000)
	f.write(string(p))
	f.take()
	f.advance(rtt)
	// Everything is acknowledged, and the peer's window is down to 1000.
	f.handle(ack(peerISS+1, iss+3001, 1000))
	f.wantIdle("nothing queued")

	// D = 2000 > U = 1000 < Eff.snd.MSS and < 32767: none of (1)-(3)
	// holds, although nothing is in flight. A 1000-octet segment would be
	// the silly window the rule is there to prevent.
	q := payload(2000)
	f.write(string(q))
	f.wantIdle("silly window: not even with nothing in flight")
	at, ok := f.c.NextTimeout()
	if !ok || at != f.now+time.Second || !f.c.timers[tmPersist].armed {
		t.Fatalf("override timer (the persist timer) at %v (%v), want now+RTO", at, ok)
	}
	// (4) the override timeout: what the window allows goes out, as data
	// (SND.NXT advances, the retransmission timer runs).
	f.advance(time.Second)
	f.want("override: 1000 octets", dataNoPush(iss+3001, peerISS+1, 65535, q[:1000]))
	if s := f.c.Snapshot(); s.SndNxt != uint32(iss+4001) || !f.c.timers[tmRetransmit].armed || f.c.timers[tmPersist].armed {
		t.Fatalf("after the override: %+v", s)
	}
	// (2) all queued data fits: D = 1000 <= U = 1000, pushed.
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+4001, 1000))
	f.want("(2) the rest, pushed", data(iss+4001, peerISS+1, 65535, q[1000:]))

	// (2) also with data in flight (no Nagle): a small write goes at once.
	f.handle(ack(peerISS+1, iss+5001, 65535))
	f.write("ab")
	f.write("cd")
	f.want("(2) two small writes, two segments", data(iss+5001, peerISS+1, 65535, []byte("ab")),
		data(iss+5003, peerISS+1, 65535, []byte("cd")))
	f.handle(ack(peerISS+1, iss+5005, 65535))

	// (1) full segments, then a tail that is all the queued data.
	r := payload(3000)
	f.write(string(r))
	f.want("(1) and (2)", dataNoPush(iss+5005, peerISS+1, 65535, r[:1460]),
		dataNoPush(iss+6465, peerISS+1, 65535, r[1460:2920]), data(iss+7925, peerISS+1, 65535, r[2920:]))
}

// TestSenderSWSHalfMaxWindow: rule (3). The peer's largest window was
// 1200, so a 600-octet usable window is half of it: it is sent though
// shorter than the MSS and than the queued data, even with data in flight.
func TestSenderSWSHalfMaxWindow(t *testing.T) {
	f := established(t, baseConfig(), 1200)
	p := payload(3000)
	f.write(string(p))
	f.want("the whole window", dataNoPush(iss+1, peerISS+1, 65535, p[:1200]))
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+601, 1200)) // U = 601+1200-1201 = 600
	f.want("(3) 600 >= 1200/2", dataNoPush(iss+1201, peerISS+1, 65535, p[1200:1800]))
	f.handle(ack(peerISS+1, iss+1201, 1000)) // U = 1201+1000-1801 = 400 < 600
	f.wantIdle("400 < 1200/2: wait")
	if f.c.timers[tmPersist].armed {
		t.Fatal("persist timer armed with data in flight: the ACK of it will reopen the window")
	}
}

// TestGoBackNIgnoresSWS: after a timeout the retransmission of data sent
// before is not held back by sender SWS avoidance (RFC 6298 (5.4):
// retransmit at once), even into a window smaller than a segment.
func TestGoBackNIgnoresSWS(t *testing.T) {
	f := established(t, baseConfig(), wnd)
	p := payload(2920)
	f.write(string(p))
	f.take()
	f.handle(ack(peerISS+1, iss+1, 1000)) // the window shrinks to 1000
	f.advance(time.Second)
	f.want("RTO: what the window allows of S0", dataNoPush(iss+1, peerISS+1, 65535, p[:1000]))
}
