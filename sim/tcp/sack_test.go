package tcp

import (
	"testing"

	"socketlab/sim/trace"
)

// RFC 2018 (SACK), RFC 2883 (D-SACK) and RFC 6675 (SACK-based loss
// recovery) tests, segment by segment.

func sackConfig() Config {
	cfg := baseConfig()
	cfg.SACK = true
	return cfg
}

// withSACK adds SACK blocks to s, given as left, right pairs.
func withSACK(s Segment, edges ...Seq) Segment {
	for i := 0; i+1 < len(edges); i += 2 {
		s.SACK = append(s.SACK, trace.SACKBlock{Left: uint32(edges[i]), Right: uint32(edges[i+1])})
	}
	return s
}

// sackEstablished is an active open with SACK offered, against a peer
// whose SYN,ACK permits SACK too (window wnd, MSS 1460, 100 ms RTT).
func sackEstablished(t *testing.T, cfg Config, wnd uint16) *fixture {
	t.Helper()
	return openedBy(t, cfg, Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: wnd, MSS: 1460, Opts: trace.OptSACKPerm})
}

// TestSACKPermittedActive: our SYN offers SACK-permitted (RFC 2018 §2)
// only when Config.SACK is set, and SACK is in effect only if the SYN,ACK
// carries the option too: without it, out-of-order data is ACKed without
// blocks.
func TestSACKPermittedActive(t *testing.T) {
	f := newFixture(t)
	f.dial(sackConfig())
	f.want("SYN with SACK_PERM", Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: trace.OptSACKPerm})
	f.advance(rtt)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460})
	f.want("ACK without options", ack(iss+1, peerISS+1, 65535))
	f.handle(data(peerISS+1001, iss+1, 65535, payload(1000)))
	f.want("out of order, but the peer did not permit SACK", ack(iss+1, peerISS+1, 65535))

	f = newFixture(t)
	f.dial(baseConfig())
	f.want("no SACK_PERM by default", Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460})
	f.advance(rtt)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460, Opts: trace.OptSACKPerm})
	f.take()
	f.handle(data(peerISS+1001, iss+1, 65535, payload(1000)))
	f.want("we did not offer SACK: no blocks", ack(iss+1, peerISS+1, 65535))
}

// TestSACKPermittedPassive: the SYN,ACK carries SACK-permitted only when
// the SYN did and Config.SACK is set.
func TestSACKPermittedPassive(t *testing.T) {
	syn := Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460, Opts: trace.OptSACKPerm}
	synAck := Segment{Seq: iss, Ack: peerISS + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460}
	f := newFixture(t)
	f.accept(sackConfig(), syn)
	withPerm := synAck
	withPerm.Opts = trace.OptSACKPerm
	f.want("SYN,ACK with SACK_PERM", withPerm)
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+1, 65535))
	f.handle(data(peerISS+1001, iss+1, 65535, payload(1000)))
	f.want("SACK block", withSACK(ack(iss+1, peerISS+1, 65535), peerISS+1001, peerISS+2001))

	for name, tt := range map[string]struct {
		cfg Config
		syn Segment
	}{
		"SYN without it": {sackConfig(), Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 65535, MSS: 1460}},
		"SACK off":       {baseConfig(), syn},
	} {
		f := newFixture(t)
		f.accept(tt.cfg, tt.syn)
		f.want(name+": SYN,ACK without SACK_PERM", synAck)
	}
}

// TestSACKBlocksOrder: RFC 2018 §4. The first block covers the segment
// that triggered the ACK, the others repeat the most recently reported
// blocks; at most four fit without timestamps; a segment that joins two
// blocks reports the joined block first; a segment that fills the hole
// at RCV.NXT moves the ACK and leaves the other blocks.
func TestSACKBlocksOrder(t *testing.T) {
	f := sackEstablished(t, sackConfig(), 65535)
	p := payload(10000)
	at := func(k int) Seq { return peerISS + 1 + Seq(k) }
	seg := func(k int) Segment { return dataNoPush(at(k), iss+1, 65535, p[k:k+1000]) }
	dupAck := ack(iss+1, peerISS+1, 65535)

	f.handle(seg(1000))
	f.want("first hole", withSACK(dupAck, at(1000), at(2000)))
	f.handle(seg(3000))
	f.want("newest first", withSACK(dupAck, at(3000), at(4000), at(1000), at(2000)))
	f.handle(seg(5000))
	f.handle(seg(7000))
	f.want("third and fourth block",
		withSACK(dupAck, at(5000), at(6000), at(3000), at(4000), at(1000), at(2000)),
		withSACK(dupAck, at(7000), at(8000), at(5000), at(6000), at(3000), at(4000), at(1000), at(2000)))
	f.handle(seg(9000))
	f.want("five spans, four blocks: the oldest report is left out",
		withSACK(dupAck, at(9000), at(10000), at(7000), at(8000), at(5000), at(6000), at(3000), at(4000)))
	f.handle(seg(2000))
	f.want("the joined span first",
		withSACK(dupAck, at(1000), at(4000), at(9000), at(10000), at(7000), at(8000), at(5000), at(6000)))
	f.handle(seg(0))
	f.want("the hole at RCV.NXT filled: ACK 4000, the rest still reported",
		withSACK(ack(iss+1, at(4000), 65535-4000), at(9000), at(10000), at(7000), at(8000), at(5000), at(6000)))
	f.handle(seg(4000))
	f.handle(seg(6000))
	f.handle(seg(8000))
	f.want("no more holes, no more blocks",
		withSACK(ack(iss+1, at(6000), 65535-6000), at(9000), at(10000), at(7000), at(8000)),
		withSACK(ack(iss+1, at(8000), 65535-8000), at(9000), at(10000)),
		ack(iss+1, at(10000), 65535-10000))
}

// TestSACKBlocksJoined: a segment that joins two spans is reported as
// one block, once, although both spans were reported before.
func TestSACKBlocksJoined(t *testing.T) {
	f := sackEstablished(t, sackConfig(), 65535)
	at := func(k int) Seq { return peerISS + 1 + Seq(k) }
	dupAck := ack(iss+1, peerISS+1, 65535)
	for _, k := range []int{1000, 3000, 2000} {
		f.handle(dataNoPush(at(k), iss+1, 65535, payload(1000)))
	}
	f.want("two spans, then one",
		withSACK(dupAck, at(1000), at(2000)),
		withSACK(dupAck, at(3000), at(4000), at(1000), at(2000)),
		withSACK(dupAck, at(1000), at(4000)))
}

// TestSACKBlockCoversFIN: a FIN held out of order right after a span is
// part of its block (Linux counts it like data), so the sender need not
// send it again.
func TestSACKBlockCoversFIN(t *testing.T) {
	f := sackEstablished(t, sackConfig(), 65535)
	at := func(k int) Seq { return peerISS + 1 + Seq(k) }
	last := data(at(1000), iss+1, 65535, payload(1000))
	last.Flags |= trace.FlagFIN
	f.handle(last)
	f.want("the block ends after the FIN", withSACK(ack(iss+1, peerISS+1, 65535), at(1000), at(2000)+1))
}

// TestSACKBlocksWithTimestamps: beside the timestamps option only three
// blocks fit in the 40 bytes of option space (12 + 2 + 2 + 3·8 = 40).
func TestSACKBlocksWithTimestamps(t *testing.T) {
	cfg := modernConfig()
	cfg.SACK = true
	f := newFixture(t)
	f.dial(cfg)
	f.want("SYN with all options", Segment{Seq: iss, Flags: trace.FlagSYN, Window: 65535, MSS: 1460,
		Opts: wsTS | trace.OptSACKPerm, WScale: 7, TSval: ts(0)})
	f.advance(rtt)
	f.handle(Segment{Seq: peerISS, Ack: iss + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460,
		Opts: wsTS | trace.OptSACKPerm, WScale: 4, TSval: 5000, TSecr: ts(0)})
	f.take()
	at := func(k int) Seq { return peerISS + 1 + Seq(k) }
	for i, k := range []int{1000, 3000, 5000, 7000} {
		f.handle(tsSeg(dataNoPush(at(k), iss+1, 1000, payload(1000)), 5001+uint32(i), ts(rtt)))
	}
	out := f.take()
	last := out[len(out)-1]
	want := withSACK(tsSeg(ack(iss+1, peerISS+1, 8192), ts(rtt), 5000), at(7000), at(8000), at(5000), at(6000), at(3000), at(4000))
	if len(out) != 4 || !segEqual(last, want) {
		t.Fatalf("last ACK %s, want %s", segString(last), segString(want))
	}
}

func TestSegmentStringSACK(t *testing.T) {
	s := withSACK(ack(1, 2, 3), 10, 20, 30, 40)
	s.Opts = trace.OptSACKPerm
	if got := s.String(); got != "<SEQ=1><ACK=2><CTL=ACK><WND=3><SACK_PERM><SACK=10-20,30-40><LEN=0>" {
		t.Fatalf("String = %s", got)
	}
}

// TestDSACKBelowAck: RFC 2883 §4 (1). A segment that arrives again after
// it was ACKed is reported in the first block although it lies below the
// ACK, once; a partly duplicate one reports the duplicate part.
func TestDSACKBelowAck(t *testing.T) {
	f := sackEstablished(t, sackConfig(), 65535)
	at := func(k int) Seq { return peerISS + 1 + Seq(k) }
	p := payload(2000)
	f.handle(data(at(0), iss+1, 65535, p[:1000]))
	f.want("in order: no blocks", ack(iss+1, at(1000), 65535-1000))
	f.handle(data(at(0), iss+1, 65535, p[:1000]))
	f.want("D-SACK of the whole duplicate", withSACK(ack(iss+1, at(1000), 65535-1000), at(0), at(1000)))
	f.handle(data(at(500), iss+1, 65535, p[500:1500]))
	f.want("D-SACK of the duplicate half", withSACK(ack(iss+1, at(1500), 65535-1500), at(500), at(1000)))
	f.handle(ack(at(1500), iss+1, 65535))
	f.c.Write(f.now, []byte("x"))
	f.want("the next segment reports nothing", data(iss+1, at(1500), 65535-1500, []byte("x")))
}

// TestDSACKAboveAck: RFC 2883 §4 (2). A duplicate of data held out of
// order is the first block, the span holding it the second, and the
// other spans follow.
func TestDSACKAboveAck(t *testing.T) {
	f := sackEstablished(t, sackConfig(), 65535)
	at := func(k int) Seq { return peerISS + 1 + Seq(k) }
	seg := func(k int) Segment { return dataNoPush(at(k), iss+1, 65535, payload(1000)) }
	dupAck := ack(iss+1, peerISS+1, 65535)
	f.handle(seg(2000))
	f.handle(seg(3000))
	f.handle(seg(5000))
	f.take()
	f.handle(seg(2000))
	f.want("D-SACK, its span, the other span",
		withSACK(dupAck, at(2000), at(3000), at(2000), at(4000), at(5000), at(6000)))
	f.handle(seg(7000))
	f.want("reported once",
		withSACK(dupAck, at(7000), at(8000), at(2000), at(4000), at(5000), at(6000)))
}

// TestIsDSACK: the sender tells a D-SACK by its first block (RFC 2883
// §4): below the cumulative ACK, or inside the second block.
func TestIsDSACK(t *testing.T) {
	b := func(l, r uint32) trace.SACKBlock { return trace.SACKBlock{Left: l, Right: r} }
	for _, tt := range []struct {
		blocks []trace.SACKBlock
		want   bool
	}{
		{[]trace.SACKBlock{b(500, 1000)}, true},                 // below the ACK of 1000
		{[]trace.SACKBlock{b(999, 1000)}, true},                 // one octet below
		{[]trace.SACKBlock{b(1000, 2000)}, false},               // new data at the ACK
		{[]trace.SACKBlock{b(2000, 3000), b(2000, 4000)}, true}, // inside the second
		{[]trace.SACKBlock{b(3000, 4000), b(2000, 4000)}, true}, // same right edge
		{[]trace.SACKBlock{b(2000, 3000), b(2000, 3000)}, true}, // equal
		{[]trace.SACKBlock{b(2000, 4001), b(2000, 4000)}, false},
		{[]trace.SACKBlock{b(1999, 3000), b(2000, 4000)}, false},
		{[]trace.SACKBlock{b(5000, 6000), b(2000, 4000)}, false},
	} {
		if got := isDSACK(1000, tt.blocks); got != tt.want {
			t.Errorf("isDSACK(1000, %v) = %v, want %v", tt.blocks, got, tt.want)
		}
	}
}

// TestScoreboardUpdate: RFC 6675's Update(). Blocks are clipped to what
// is outstanding and merged; a D-SACK block SACKs nothing new and is
// counted; a cumulative ACK prunes the scoreboard.
func TestScoreboardUpdate(t *testing.T) {
	f := sackFlight(t, 5, 7)
	c := f.c
	blk := func(a, b Seq) trace.SACKBlock { return trace.SACKBlock{Left: uint32(a), Right: uint32(b)} }
	if n := c.updateScoreboard(seqAt(0), []trace.SACKBlock{blk(seqAt(2), seqAt(3))}); n != 1460 {
		t.Fatalf("first block: %d newly SACKed", n)
	}
	if n := c.updateScoreboard(seqAt(0), []trace.SACKBlock{blk(seqAt(2), seqAt(3)), blk(seqAt(2), seqAt(4))}); n != 1460 {
		t.Fatalf("a D-SACK of S2 inside S2–S3: %d newly SACKed, want S3's 1460", n)
	}
	if n := c.updateScoreboard(seqAt(0), []trace.SACKBlock{blk(seqAt(4), seqAt(9))}); n != 1460 {
		t.Fatalf("a block beyond SND.MAX: %d newly SACKed, want S4's 1460", n)
	}
	if n := c.updateScoreboard(seqAt(0), []trace.SACKBlock{blk(seqAt(0)-500, seqAt(0))}); n != 0 {
		t.Fatalf("a D-SACK below the ACK: %d newly SACKed", n)
	}
	if got := c.scoreboard; len(got) != 1 || got[0] != (span{seqAt(2), seqAt(5)}) || c.dsacks != 2 {
		t.Fatalf("scoreboard %v, %d D-SACKs (want 2)", got, c.dsacks)
	}
	f.handle(ack(peerISS+1, seqAt(3), wnd))
	if got := c.scoreboard; len(got) != 1 || got[0] != (span{seqAt(3), seqAt(5)}) {
		t.Fatalf("after ACK of S0–S2: scoreboard %v", got)
	}
}

// sackFlight is an established SACK connection (cwnd n·SMSS) that has
// written total full segments and sent the first n, S0 … Sn-1.
func sackFlight(t *testing.T, n, total int) *fixture {
	t.Helper()
	cfg := sackConfig()
	cfg.InitialCwnd = n * 1460
	f := sackEstablished(t, cfg, wnd)
	f.write(string(payload(total * 1460)))
	if out := f.take(); len(out) != n {
		t.Fatalf("%d segments, want %d", len(out), n)
	}
	return f
}
