package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

func msl() Config {
	cfg := baseConfig()
	cfg.MSL = 30 * time.Second
	return cfg
}

func TestActiveClose(t *testing.T) {
	f := established(t, msl(), wnd)
	f.c.Close(f.now)
	f.want("FIN", fin(iss+1, peerISS+1, 65535))
	f.wantState(trace.StateFinWait1)
	f.advance(rtt)
	f.handle(ack(peerISS+1, iss+2, wnd))
	f.wantIdle("FIN ACKed")
	f.wantState(trace.StateFinWait2)
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("timer armed in FIN-WAIT-2")
	}
	f.advance(time.Second)
	f.handle(fin(peerISS+1, iss+2, wnd))
	// The FIN takes a sequence number but no buffer space; the right window
	// edge stays put (SWS avoidance), so the window shows one octet less.
	f.want("ACK of the peer's FIN", ack(iss+2, peerISS+2, 65534))
	f.wantState(trace.StateTimeWait)
	f.wantNotices(NoticeEOF)
	f.advance(time.Minute - time.Millisecond)
	f.wantState(trace.StateTimeWait)
	f.advance(time.Millisecond)
	f.wantState(trace.StateClosed)
	f.wantIdle("TIME-WAIT ends silently")
	f.wantNotices(NoticeClosed)
	f.wantStates("ESTABLISHED>FIN-WAIT-1", "FIN-WAIT-1>FIN-WAIT-2", "FIN-WAIT-2>TIME-WAIT", "TIME-WAIT>CLOSED")
	// A segment for the closed connection is answered by a reset.
	f.handle(data(peerISS+2, iss+2, wnd, []byte("late")))
	f.want("RST from CLOSED", Segment{Seq: iss + 2, Flags: trace.FlagRST})
}

func TestTimeWaitReacksRetransmittedFin(t *testing.T) {
	f := established(t, msl(), wnd)
	f.c.Close(f.now)
	f.take()
	// The peer's FIN,ACK acknowledges ours: the fifth step (ACK) moves
	// FIN-WAIT-1 to FIN-WAIT-2, the eighth (FIN) to TIME-WAIT.
	f.handle(fin(peerISS+1, iss+2, wnd))
	f.want("ACK", ack(iss+2, peerISS+2, 65534))
	f.wantStates("ESTABLISHED>FIN-WAIT-1", "FIN-WAIT-1>FIN-WAIT-2", "FIN-WAIT-2>TIME-WAIT")
	f.advance(40 * time.Second)
	// Our ACK was lost: the peer resends its FIN.
	f.handle(fin(peerISS+1, iss+2, wnd))
	f.want("re-ACK in TIME-WAIT", ack(iss+2, peerISS+2, 65534))
	f.advance(time.Minute - time.Millisecond)
	f.wantState(trace.StateTimeWait)
	f.advance(time.Millisecond)
	f.wantState(trace.StateClosed)
}

func TestPassiveClose(t *testing.T) {
	f := established(t, msl(), wnd)
	f.handle(fin(peerISS+1, iss+1, wnd))
	f.want("ACK of FIN", ack(iss+1, peerISS+2, 65534))
	f.wantState(trace.StateCloseWait)
	f.wantNotices(NoticeEOF)
	if !f.c.PeerClosed() || f.read() != "" {
		t.Fatal("end of stream not reported")
	}
	f.advance(time.Millisecond)
	f.c.Close(f.now)
	f.want("our FIN", fin(iss+1, peerISS+2, 65534))
	f.wantState(trace.StateLastAck)
	f.advance(time.Second - time.Millisecond)
	f.wantIdle("before RTO")
	f.advance(time.Millisecond)
	f.want("FIN retransmitted", fin(iss+1, peerISS+2, 65534))
	f.handle(ack(peerISS+2, iss+2, wnd))
	f.wantState(trace.StateClosed)
	f.wantNotices(NoticeClosed)
	f.wantStates("ESTABLISHED>CLOSE-WAIT", "CLOSE-WAIT>LAST-ACK", "LAST-ACK>CLOSED")
}

func TestSimultaneousClose(t *testing.T) {
	f := established(t, msl(), wnd)
	f.c.Close(f.now)
	f.want("FIN", fin(iss+1, peerISS+1, 65535))
	// The peer's FIN crosses ours: it does not acknowledge our FIN.
	f.handle(fin(peerISS+1, iss+1, wnd))
	f.want("ACK of the peer's FIN", ack(iss+2, peerISS+2, 65534))
	f.wantState(trace.StateClosing)
	f.handle(ack(peerISS+2, iss+2, wnd))
	f.wantState(trace.StateTimeWait)
	f.advance(time.Minute)
	f.wantState(trace.StateClosed)
	f.wantStates("ESTABLISHED>FIN-WAIT-1", "FIN-WAIT-1>CLOSING", "CLOSING>TIME-WAIT", "TIME-WAIT>CLOSED")
}

func TestSimultaneousCloseTwoConns(t *testing.T) {
	a, b := newFixture(t), newFixture(t)
	a.dial(msl())
	a.now += rtt
	cfgB := msl()
	cfgB.ISS, cfgB.Local, cfgB.Remote, cfgB.Node = peerISS, addrB, addrA, "b"
	b.now = a.now
	b.accept(cfgB, a.take()[0])
	exchange(t, a, b, time.Millisecond)
	a.c.Close(a.now)
	b.c.Close(b.now)
	exchange(t, a, b, time.Millisecond)
	for _, f := range []*fixture{a, b} {
		f.wantState(trace.StateTimeWait)
		if got := f.stateChanges(); got[len(got)-2] != "FIN-WAIT-1>CLOSING" || got[len(got)-1] != "CLOSING>TIME-WAIT" {
			t.Fatalf("%s: %v", f.c.cfg.Node, got)
		}
	}
}

func TestHalfClose(t *testing.T) {
	// The peer half-closes; we keep sending (the HTTP/1.0 pattern reversed).
	f := established(t, msl(), wnd)
	f.handle(data(peerISS+1, iss+1, wnd, []byte("GET /")))
	f.handle(fin(peerISS+6, iss+1, wnd))
	f.take()
	f.wantState(trace.StateCloseWait)
	if f.read() != "GET /" || !f.c.PeerClosed() {
		t.Fatal("request not read")
	}
	f.write("response body")
	f.want("data after the peer's FIN", data(iss+1, peerISS+7, 65529, []byte("response body")))
	f.handle(ack(peerISS+7, iss+14, wnd))
	f.c.CloseWrite(f.now)
	f.want("FIN", fin(iss+14, peerISS+7, 65529))
	f.wantState(trace.StateLastAck)

	// We half-close and keep receiving.
	f = established(t, msl(), wnd)
	f.write("request")
	f.c.CloseWrite(f.now)
	f.want("data, then FIN", data(iss+1, peerISS+1, 65535, []byte("request")), fin(iss+8, peerISS+1, 65535))
	f.handle(ack(peerISS+1, iss+9, wnd))
	f.wantState(trace.StateFinWait2)
	if f.c.Write(f.now, []byte("x")) != 0 || f.c.SendSpace() != 0 {
		t.Fatal("Write after CloseWrite accepted data")
	}
	for i, chunk := range []string{"lots ", "of ", "reply"} {
		f.handle(data(peerISS+1+Seq(len("lots of reply"[:[]int{0, 5, 8}[i]])), iss+9, wnd, []byte(chunk)))
	}
	f.take()
	if got := f.read(); got != "lots of reply" {
		t.Fatalf("read %q in FIN-WAIT-2", got)
	}
	f.handle(fin(peerISS+14, iss+9, wnd))
	f.want("ACK of FIN", ack(iss+9, peerISS+15, 65521))
	f.wantState(trace.StateTimeWait)
}

func TestCloseWithUnreadDataResets(t *testing.T) {
	f := established(t, msl(), wnd)
	f.handle(data(peerISS+1, iss+1, wnd, []byte("unread")))
	f.take()
	f.notices = nil
	f.c.Close(f.now)
	f.want("RST: data was lost (RFC 1122 §4.2.2.13)", Segment{Seq: iss + 1, Flags: trace.FlagRST})
	f.wantState(trace.StateClosed)
	f.wantNotices(NoticeClosed)

	// Data arriving after Close also resets.
	f = established(t, msl(), wnd)
	f.c.Close(f.now)
	f.want("FIN", fin(iss+1, peerISS+1, 65535))
	f.handle(data(peerISS+1, iss+2, wnd, []byte("more")))
	f.want("RST", Segment{Seq: iss + 2, Flags: trace.FlagRST})
	f.wantState(trace.StateClosed)
}

func TestAbort(t *testing.T) {
	f := established(t, msl(), wnd)
	f.write("abc")
	f.take()
	f.c.Abort(f.now)
	f.want("RST <SEQ=SND.NXT>", Segment{Seq: iss + 4, Flags: trace.FlagRST})
	f.wantState(trace.StateClosed)
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("timer armed after Abort")
	}
	// CloseWrite in SYN-SENT deletes the connection without a segment.
	f = newFixture(t)
	f.dial(baseConfig())
	f.take()
	f.c.CloseWrite(f.now)
	f.wantIdle("nothing")
	f.wantState(trace.StateClosed)
}

func TestResetFor(t *testing.T) {
	tests := []struct {
		in   Segment
		want Segment
		ok   bool
	}{
		{ // a SYN to a closed port: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
			Segment{Seq: 0xFFFFFFFF, Flags: trace.FlagSYN, Window: 65535, MSS: 1460},
			Segment{Seq: 0, Ack: 0, Flags: trace.FlagRST | trace.FlagACK}, true,
		},
		{ // data and FIN without ACK
			Segment{Seq: 100, Flags: trace.FlagFIN, Payload: []byte("abc")},
			Segment{Ack: 104, Flags: trace.FlagRST | trace.FlagACK}, true,
		},
		{ // with ACK: <SEQ=SEG.ACK><CTL=RST>
			data(5, 77, 1000, []byte("0123456789")),
			Segment{Seq: 77, Flags: trace.FlagRST}, true,
		},
		{Segment{Seq: 5, Flags: trace.FlagRST}, Segment{}, false},
		{Segment{Seq: 5, Ack: 9, Flags: trace.FlagRST | trace.FlagACK}, Segment{}, false},
	}
	for _, tt := range tests {
		got, ok := ResetFor(tt.in)
		if ok != tt.ok || !segEqual(got, tt.want) {
			t.Errorf("ResetFor(%v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestResetInSynSent(t *testing.T) {
	f := newFixture(t)
	f.dial(baseConfig())
	f.take()
	// A RST with an unacceptable ACK is dropped.
	f.handle(Segment{Ack: iss, Flags: trace.FlagRST | trace.FlagACK})
	f.wantState(trace.StateSynSent)
	// An unacceptable ACK without RST gets <SEQ=SEG.ACK><CTL=RST>.
	f.handle(Segment{Seq: 9, Ack: iss + 7, Flags: trace.FlagACK})
	f.want("RST for a bad ACK", Segment{Seq: iss + 7, Flags: trace.FlagRST})
	// A RST without ACK is dropped in SYN-SENT.
	f.handle(Segment{Seq: 0, Flags: trace.FlagRST})
	f.wantState(trace.StateSynSent)
	// The closed port's answer (ResetFor the SYN) refuses the connection.
	rst, _ := ResetFor(Segment{Seq: iss, Flags: trace.FlagSYN})
	f.handle(rst)
	f.wantIdle("no answer to a RST")
	f.wantState(trace.StateClosed)
	f.wantNotices(NoticeReset, NoticeClosed)
	if _, ok := f.c.NextTimeout(); ok {
		t.Fatal("SYN retransmission still armed")
	}
}

func TestResetInEstablished(t *testing.T) {
	f := established(t, baseConfig(), wnd)
	// Out of window: silently dropped.
	f.handle(Segment{Seq: peerISS + 1 + 70000, Flags: trace.FlagRST})
	f.wantIdle("out-of-window RST")
	if !f.c.Discarded() {
		t.Fatal("out-of-window RST not reported as discarded")
	}
	// In window but not RCV.NXT: challenge ACK (RFC 9293 / RFC 5961 §3.2).
	f.handle(Segment{Seq: peerISS + 100, Flags: trace.FlagRST})
	f.want("challenge ACK", ack(iss+1, peerISS+1, 65535))
	f.wantState(trace.StateEstablished)
	// A SYN in window: challenge ACK too.
	f.handle(Segment{Seq: peerISS + 50, Flags: trace.FlagSYN})
	f.want("challenge ACK for SYN", ack(iss+1, peerISS+1, 65535))
	// Exactly RCV.NXT: reset.
	f.handle(Segment{Seq: peerISS + 1, Flags: trace.FlagRST})
	f.wantIdle("no answer")
	f.wantState(trace.StateClosed)
	f.wantNotices(NoticeReset, NoticeClosed)
}

func TestOutOfOrderReassembly(t *testing.T) {
	f := established(t, baseConfig(), wnd)
	// "abcd" "efgh" "ijkl" cross 2^32 (peerISS+1 = 0xFFFFFFF1); they arrive
	// as 3, 1, 2.
	f.handle(data(peerISS+9, iss+1, wnd, []byte("ijkl")))
	f.want("duplicate ACK for a hole", ack(iss+1, peerISS+1, 65535))
	if f.c.Buffered() != 0 {
		t.Fatal("out-of-order data readable")
	}
	f.handle(data(peerISS+1, iss+1, wnd, []byte("abcd")))
	f.want("ACK up to the next hole", ack(iss+1, peerISS+5, 65531))
	if got := f.read(); got != "abcd" {
		t.Fatalf("read %q", got)
	}
	f.handle(data(peerISS+5, iss+1, wnd, []byte("efgh")))
	f.want("hole filled: ACK everything at once", ack(iss+1, peerISS+13, 65523))
	if got := f.read(); got != "efghijkl" {
		t.Fatalf("read %q", got)
	}
	if len(f.c.ooo) != 0 {
		t.Fatalf("held ranges left: %v", f.c.ooo)
	}
	// An out-of-order FIN is held until the data before it arrives.
	f.handle(fin(peerISS+15, iss+1, wnd))
	f.take()
	f.wantState(trace.StateEstablished)
	f.handle(data(peerISS+13, iss+1, wnd, []byte("mn")))
	f.want("data and the held FIN", ack(iss+1, peerISS+16, 65520))
	f.wantState(trace.StateCloseWait)
	if got := f.read(); got != "mn" {
		t.Fatalf("read %q", got)
	}
}

func TestOutOfOrderMerging(t *testing.T) {
	c := newConn(baseConfig())
	c.rcvNxt = 0xFFFFFFF0
	for _, r := range []span{{10, 20}, {30, 40}, {0xFFFFFFF8, 0}, {20, 25}, {5, 10}, {24, 31}, {50, 60}} {
		c.insertOOO(r.start, r.end)
	}
	want := []span{{0xFFFFFFF8, 0}, {5, 40}, {50, 60}}
	if len(c.ooo) != len(want) {
		t.Fatalf("ranges %v, want %v", c.ooo, want)
	}
	for i := range want {
		if c.ooo[i] != want[i] {
			t.Fatalf("ranges %v, want %v", c.ooo, want)
		}
	}
}

func TestDuplicateSegmentsDeliveredOnce(t *testing.T) {
	f := established(t, baseConfig(), wnd)
	f.handle(data(peerISS+1, iss+1, wnd, []byte("abcd")))
	f.take()
	if f.c.Discarded() {
		t.Fatal("new data reported as discarded")
	}
	f.handle(data(peerISS+1, iss+1, wnd, []byte("abcd")))
	f.want("a duplicate is ACKed", ack(iss+1, peerISS+5, 65531))
	if !f.c.Discarded() {
		t.Fatal("duplicate not reported as discarded")
	}
	f.handle(data(peerISS+3, iss+1, wnd, []byte("cdef"))) // overlaps
	f.take()
	f.handle(data(peerISS+9, iss+1, wnd, []byte("ij")))
	f.handle(data(peerISS+9, iss+1, wnd, []byte("ij"))) // duplicate out of order
	f.handle(data(peerISS+7, iss+1, wnd, []byte("gh")))
	f.take()
	if got := f.read(); got != "abcdefghij" {
		t.Fatalf("read %q", got)
	}
	var readable int
	for _, n := range f.notices {
		if n == NoticeReadable {
			readable++
		}
	}
	if readable != 3 {
		t.Fatalf("%d readable notices, want 3 (abcd, ef, ghij)", readable)
	}
}

func TestFinPiggybacksOnLastSegment(t *testing.T) {
	f := established(t, msl(), 1000) // the peer offers 1000 octets
	p := payload(1500)
	f.write(string(p))
	f.want("what the window allows", dataNoPush(iss+1, peerISS+1, 65535, p[:1000]))
	f.c.CloseWrite(f.now)
	f.wantIdle("FIN waits behind the data")
	f.wantState(trace.StateFinWait1)
	f.handle(ack(peerISS+1, iss+1001, 1000))
	f.want("the rest with the FIN", Segment{Seq: iss + 1001, Ack: peerISS + 1, Flags: trace.FlagACK | trace.FlagPSH | trace.FlagFIN, Window: 65535, Payload: p[1000:]})
	// A FIN needs one octet of window: with the window exactly filled it waits.
	f = established(t, msl(), 3)
	f.write("abc")
	f.c.CloseWrite(f.now)
	f.want("data fills the window", data(iss+1, peerISS+1, 65535, []byte("abc")))
	f.handle(ack(peerISS+1, iss+4, 0))
	f.wantIdle("zero window holds the FIN")
	f.advance(time.Second)
	f.want("the persist timer probes with the FIN", fin(iss+4, peerISS+1, 65535))
	f.handle(ack(peerISS+1, iss+4, 100))
	f.want("window open: FIN", fin(iss+4, peerISS+1, 65535))
	f.handle(ack(peerISS+1, iss+5, 100))
	f.wantState(trace.StateFinWait2)
}
