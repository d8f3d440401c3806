package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

// Tests more than 2^31 octets into a connection: every comparison of
// sequence numbers is modulo 2^32 and only meaningful between numbers less
// than 2^31 apart (RFC 9293 §3.4), so a variable that is not kept up to
// date with SND.UNA turns into nonsense after 2^31 octets.

// pumped returns an established fixture (MSS 1460 each way, as usual)
// that has sent, and had acknowledged, more than 2^31 octets without a
// single loss. To be quick it sends them in 64 KiB segments: the MSS is
// negotiated at 65535 for the pumping and set back to 1460 afterwards (a
// white-box shortcut that changes no sequence variable).
func pumped(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	cfg := f.config(baseConfig())
	cfg.Trace = nil // millions of events otherwise
	cfg.MSS = 65535
	cfg.SndBuf = 65535
	cfg.InitialCwnd = 1 << 20
	f.c = Dial(f.now, cfg)
	f.take()
	f.now += rtt
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 65535})
	f.take()
	chunk := payload(65535)
	una := iss + 1
	const total = 1<<31 + 1<<20
	for sent := 0; sent < total; sent += len(chunk) {
		if n := f.c.Write(f.now, chunk); n != len(chunk) {
			t.Fatalf("Write = %d", n)
		}
		if out := f.take(); len(out) != 1 || out[0].Seq != una || len(out[0].Payload) != len(chunk) {
			t.Fatalf("after %d octets: %d segments", sent, len(out))
		}
		f.now += time.Millisecond
		una = una.Add(len(chunk))
		f.handle(ack(peerISS+1, una, 65535))
		if f.c.sndUna != una {
			t.Fatalf("after %d octets: SND.UNA %#x, want %#x", sent, uint32(f.c.sndUna), uint32(una))
		}
	}
	f.take()
	f.c.sndMSS = 1460
	f.c.cwnd = 10 * 1460
	f.notices = nil
	return f
}

// TestAckForUnsentDataAfter2To31Octets: an ACK for data never sent is
// answered by an ACK and dropped (RFC 9293 §3.10.7.4 fifth step), however
// far the connection has come. The end of the last zero-window probe, kept
// as a second upper bound for acceptable ACKs, must not go stale.
func TestAckForUnsentDataAfter2To31Octets(t *testing.T) {
	f := pumped(t)
	una := f.c.sndUna
	f.write("abcd")
	f.want("data", data(una, peerISS+1, 65535, []byte("abcd")))
	for _, a := range []Seq{una.Add(5), una.Add(100000), una.Add(1<<31 - 1)} {
		f.handle(ack(peerISS+1, a, 65535))
		f.want("ACK for unsent data: ACK, drop", ack(una.Add(4), peerISS+1, 65535))
		if !f.c.Discarded() || f.c.sndUna != una {
			t.Fatalf("ACK %#x: discarded %v, SND.UNA %#x moved from %#x", uint32(a), f.c.Discarded(), uint32(f.c.sndUna), uint32(una))
		}
	}
	f.handle(ack(peerISS+1, una.Add(4), 65535))
	f.wantIdle("the right ACK")
	if f.c.Discarded() || f.c.sndUna != una.Add(4) {
		t.Fatalf("the ACK of the data was not taken: SND.UNA %#x", uint32(f.c.sndUna))
	}
}

// TestFastRetransmitAfter2To31Octets: with four segments in flight after
// more than 2^31 loss-free octets, three duplicate ACKs start fast
// retransmit (RFC 5681 §3.2). RFC 6582's recover, initialised to the ISS
// and untouched without loss, must not go stale and block it.
func TestFastRetransmitAfter2To31Octets(t *testing.T) {
	f := pumped(t)
	una := f.c.sndUna
	p := payload(4 * 1460)
	f.write(string(p))
	f.want("four segments", dataNoPush(una, peerISS+1, 65535, p[:1460]),
		dataNoPush(una.Add(1460), peerISS+1, 65535, p[1460:2920]),
		dataNoPush(una.Add(2920), peerISS+1, 65535, p[2920:4380]),
		data(una.Add(4380), peerISS+1, 65535, p[4380:]))
	for range 2 {
		f.handle(ack(peerISS+1, una, 65535))
	}
	f.wantIdle("two duplicate ACKs")
	f.handle(ack(peerISS+1, una, 65535))
	f.want("fast retransmit", dataNoPush(una, peerISS+1, 65535, p[:1460]))
	s := f.c.Snapshot()
	// ssthresh = max(FlightSize/2, 2·SMSS) = 5840/2; cwnd = ssthresh + 3·SMSS.
	if s.Ssthresh != 2920 || s.Cwnd != 2920+3*1460 || s.DupAcks != 3 || !f.c.inRecovery {
		t.Fatalf("after the third duplicate ACK: %+v", s)
	}
	f.handle(ack(peerISS+1, una.Add(4*1460), 65535))
	if s := f.c.Snapshot(); s.Cwnd != 2920 || f.c.inRecovery || s.InFlight != 0 {
		t.Fatalf("after the full ACK: %+v", s)
	}
}
