// Package tracetest builds hand-made, realistic traces for tests of the
// exporters, the captions and the renderer — in the spirit of net/http/httptest.
//
// Every fixture is written out event by event with exact sequence and
// acknowledgement numbers, so a test can assert them without running the
// simulator. Initial sequence numbers sit just below 2^32 on purpose: relative
// numbering and comparisons must survive the wrap.
package tracetest

import (
	"net/netip"
	"sort"
	"time"

	"socketlab/sim/trace"
)

// Initial sequence numbers used by the TCP fixtures. The client's is close
// to 2^32 so its data crosses the wrap; the server's is ordinary.
const (
	ClientISS uint32 = 4294967000 // 2^32 - 296
	ServerISS uint32 = 1000000
)

// Link delay of every fixture link, one way.
const Delay = 10 * time.Millisecond

// tcb is the little bit of a TCP control block a fixture needs to emit
// consistent ConnState snapshots.
type tcb struct {
	local, remote  netip.AddrPort
	state          trace.TCPState
	iss, irs       uint32
	sndUna, sndNxt uint32
	sndWnd         uint32
	rcvNxt, rcvWnd uint32
	cwnd, ssthresh uint32
	srtt, rttvar   time.Duration
	rto            time.Duration
	dupAcks        uint8
}

func (c *tcb) snap() trace.ConnState {
	return trace.ConnState{
		Local: c.local, Remote: c.remote, State: c.state,
		ISS: c.iss, IRS: c.irs, SndUna: c.sndUna, SndNxt: c.sndNxt, SndWnd: c.sndWnd,
		RcvNxt: c.rcvNxt, RcvWnd: c.rcvWnd, Cwnd: c.cwnd, Ssthresh: c.ssthresh,
		SRTT: c.srtt, RTTVAR: c.rttvar, RTO: c.rto, DupAcks: c.dupAcks,
		InFlight: c.sndNxt - c.sndUna,
	}
}

// builder appends events to a trace and numbers packets.
type builder struct {
	t      *trace.Trace
	nextID uint64
}

func (b *builder) emit(e trace.Event) { b.t.Emit(&e) }

// send emits a KindSend of p (given a fresh ID) and returns the packet.
func (b *builder) send(at time.Duration, node, peer, link string, p trace.Packet) trace.Packet {
	b.nextID++
	p.ID = b.nextID
	if p.TTL == 0 {
		p.TTL = 64
	}
	b.emit(trace.Event{At: at, Kind: trace.KindSend, Node: node, Peer: peer, Link: link, Packet: p, Arrive: at + Delay})
	return p
}

func (b *builder) deliver(at time.Duration, node, peer, link string, p trace.Packet) {
	b.emit(trace.Event{At: at, Kind: trace.KindDeliver, Node: node, Peer: peer, Link: link, Packet: p})
}

func (b *builder) drop(at time.Duration, node, peer, link string, p trace.Packet, r trace.DropReason) {
	b.emit(trace.Event{At: at, Kind: trace.KindDrop, Node: node, Peer: peer, Link: link, Packet: p, Reason: r})
}

func (b *builder) state(at time.Duration, node string, c *tcb, to trace.TCPState) {
	from := c.state
	c.state = to
	b.emit(trace.Event{At: at, Kind: trace.KindState, Node: node, From: from, To: to, Conn: c.snap()})
}

func (b *builder) timer(at time.Duration, kind trace.Kind, node string, c *tcb, tk trace.TimerKind, deadline time.Duration) {
	b.emit(trace.Event{At: at, Kind: kind, Node: node, Conn: c.snap(), Timer: tk, Deadline: deadline})
}

func (b *builder) app(at time.Duration, node string, op trace.AppOp, sock, remote netip.AddrPort, n int, text string) {
	b.emit(trace.Event{At: at, Kind: trace.KindApp, Node: node, Op: op, Socket: sock, Remote: remote, N: n, Text: text})
}

func (b *builder) seg(c *tcb, flags trace.TCPFlags, seq uint32, payload string) trace.Packet {
	p := trace.Packet{Proto: trace.ProtoTCP, Src: c.local, Dst: c.remote, Seq: seq, Flags: flags, Window: uint16(c.rcvWnd)}
	if flags.Has(trace.FlagACK) {
		p.Ack = c.rcvNxt
	}
	if flags.Has(trace.FlagSYN) {
		p.MSS = 1460
	}
	if payload != "" {
		p.Payload = []byte(payload)
	}
	return p
}

func twoHosts(title, scenario string, a, b netip.Addr) trace.Header {
	return trace.Header{
		Title: title, Scenario: scenario, Seed: 1,
		Nodes: []trace.Node{
			{Name: "client", Kind: trace.NodeHost, Addrs: []netip.Addr{a}, Role: "client"},
			{Name: "server", Kind: trace.NodeHost, Addrs: []netip.Addr{b}, Role: "server"},
		},
		Links: []trace.Link{{ID: "c-s", A: "client", B: "server",
			AB: trace.LinkParams{Delay: Delay}, BA: trace.LinkParams{Delay: Delay}}},
	}
}

// Reply is what the fixture's timestamp server answers to "hello": the
// textbook's "[ctime] data" at the fixture epoch, 2026-11-21 00:00:00 UTC.
const Reply = "[Sat Nov 21 00:00:00 2026] hello"

// Handshake is the textbook TCP timestamp exchange over IPv4 on one link
// with 10 ms delay and no loss: three-way handshake, the client writes
// "hello", the server answers Reply, the client closes, the server closes,
// TIME-WAIT. Packet IDs are 1..10 in send order.
func Handshake() *trace.Trace {
	return handshake(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"))
}

// HandshakeV6 is Handshake over IPv6 (fd00::1 and fd00::2).
func HandshakeV6() *trace.Trace {
	return handshake(netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2"))
}

func handshake(ca, sa netip.Addr) *trace.Trace {
	t := &trace.Trace{Header: twoHosts("TCP timestamp client and server: handshake, one exchange, teardown", "handshake", ca, sa)}
	b := &builder{t: t}
	ms := time.Millisecond
	caddr := netip.AddrPortFrom(ca, 49152)
	saddr := netip.AddrPortFrom(sa, 80)
	listen := netip.AddrPortFrom(netip.IPv4Unspecified(), 80)
	if sa.Is6() {
		listen = netip.AddrPortFrom(netip.IPv6Unspecified(), 80)
	}
	c := &tcb{local: caddr, remote: saddr, state: trace.StateClosed, iss: ClientISS, rcvWnd: 64240, cwnd: 14600, ssthresh: 65535, rto: time.Second}
	s := &tcb{local: saddr, remote: caddr, state: trace.StateClosed, iss: ServerISS, rcvWnd: 65535, cwnd: 14600, ssthresh: 65535, rto: time.Second}

	b.app(0, "server", trace.OpListen, listen, netip.AddrPort{}, 0, "")
	b.state(0, "server", s, trace.StateListen)

	// SYN
	b.app(0, "client", trace.OpConnect, caddr, saddr, 0, "")
	c.sndUna, c.sndNxt = c.iss, c.iss+1
	syn := b.send(0, "client", "server", "c-s", b.seg(c, trace.FlagSYN, c.iss, ""))
	b.state(0, "client", c, trace.StateSynSent)
	b.timer(0, trace.KindTimerSet, "client", c, trace.TimerRetransmit, time.Second)

	// SYN-ACK
	b.deliver(10*ms, "server", "client", "c-s", syn)
	s.irs, s.rcvNxt, s.sndWnd = syn.Seq, syn.Seq+1, uint32(syn.Window)
	s.sndUna, s.sndNxt = s.iss, s.iss+1
	synack := b.send(10*ms, "server", "client", "c-s", b.seg(s, trace.FlagSYN|trace.FlagACK, s.iss, ""))
	b.state(10*ms, "server", s, trace.StateSynReceived)
	b.timer(10*ms, trace.KindTimerSet, "server", s, trace.TimerRetransmit, 10*ms+time.Second)

	// ACK, then the client's write.
	b.deliver(20*ms, "client", "server", "c-s", synack)
	c.irs, c.rcvNxt, c.sndUna, c.sndWnd = synack.Seq, synack.Seq+1, synack.Ack, uint32(synack.Window)
	c.srtt, c.rttvar, c.rto = 20*ms, 10*ms, time.Second
	b.timer(20*ms, trace.KindTimerCancel, "client", c, trace.TimerRetransmit, 0)
	b.state(20*ms, "client", c, trace.StateEstablished)
	ack := b.send(20*ms, "client", "server", "c-s", b.seg(c, trace.FlagACK, c.sndNxt, ""))
	b.app(20*ms, "client", trace.OpWrite, caddr, saddr, 5, "hello")
	hello := b.send(20*ms, "client", "server", "c-s", b.seg(c, trace.FlagPSH|trace.FlagACK, c.sndNxt, "hello"))
	c.sndNxt += 5
	b.timer(20*ms, trace.KindTimerSet, "client", c, trace.TimerRetransmit, 20*ms+time.Second)

	// The server completes the handshake, accepts, reads, answers.
	b.deliver(30*ms, "server", "client", "c-s", ack)
	s.sndUna = ack.Ack
	s.srtt, s.rttvar = 20*ms, 10*ms
	b.timer(30*ms, trace.KindTimerCancel, "server", s, trace.TimerRetransmit, 0)
	b.state(30*ms, "server", s, trace.StateEstablished)
	b.app(30*ms, "server", trace.OpAccept, saddr, caddr, 0, "")
	b.deliver(30*ms, "server", "client", "c-s", hello)
	s.rcvNxt += 5
	b.app(30*ms, "server", trace.OpRead, saddr, caddr, 5, "hello")
	b.app(30*ms, "server", trace.OpWrite, saddr, caddr, len(Reply), Reply)
	reply := b.send(30*ms, "server", "client", "c-s", b.seg(s, trace.FlagPSH|trace.FlagACK, s.sndNxt, Reply))
	s.sndNxt += uint32(len(Reply))
	b.timer(30*ms, trace.KindTimerSet, "server", s, trace.TimerRetransmit, 30*ms+time.Second)

	// The client reads the reply and closes: ACK and FIN.
	b.deliver(40*ms, "client", "server", "c-s", reply)
	c.rcvNxt += uint32(len(Reply))
	c.sndUna = reply.Ack
	b.timer(40*ms, trace.KindTimerCancel, "client", c, trace.TimerRetransmit, 0)
	b.app(40*ms, "client", trace.OpRead, caddr, saddr, len(Reply), Reply)
	ack2 := b.send(40*ms, "client", "server", "c-s", b.seg(c, trace.FlagACK, c.sndNxt, ""))
	b.app(40*ms, "client", trace.OpClose, caddr, saddr, 0, "")
	cfin := b.send(40*ms, "client", "server", "c-s", b.seg(c, trace.FlagFIN|trace.FlagACK, c.sndNxt, ""))
	c.sndNxt++
	b.state(40*ms, "client", c, trace.StateFinWait1)
	b.timer(40*ms, trace.KindTimerSet, "client", c, trace.TimerRetransmit, 40*ms+time.Second)

	// The server sees the ACK and the FIN, reads end of stream, closes.
	b.deliver(50*ms, "server", "client", "c-s", ack2)
	s.sndUna = ack2.Ack
	b.timer(50*ms, trace.KindTimerCancel, "server", s, trace.TimerRetransmit, 0)
	b.deliver(50*ms, "server", "client", "c-s", cfin)
	s.rcvNxt++
	sack := b.send(50*ms, "server", "client", "c-s", b.seg(s, trace.FlagACK, s.sndNxt, ""))
	b.state(50*ms, "server", s, trace.StateCloseWait)
	b.app(50*ms, "server", trace.OpRead, saddr, caddr, 0, "")
	b.app(50*ms, "server", trace.OpClose, saddr, caddr, 0, "")
	sfin := b.send(50*ms, "server", "client", "c-s", b.seg(s, trace.FlagFIN|trace.FlagACK, s.sndNxt, ""))
	s.sndNxt++
	b.state(50*ms, "server", s, trace.StateLastAck)
	b.timer(50*ms, trace.KindTimerSet, "server", s, trace.TimerRetransmit, 50*ms+time.Second)

	// The client's FIN is acknowledged, then the server's FIN arrives.
	b.deliver(60*ms, "client", "server", "c-s", sack)
	c.sndUna = sack.Ack
	b.timer(60*ms, trace.KindTimerCancel, "client", c, trace.TimerRetransmit, 0)
	b.state(60*ms, "client", c, trace.StateFinWait2)
	b.deliver(60*ms, "client", "server", "c-s", sfin)
	c.rcvNxt++
	last := b.send(60*ms, "client", "server", "c-s", b.seg(c, trace.FlagACK, c.sndNxt, ""))
	b.state(60*ms, "client", c, trace.StateTimeWait)
	b.timer(60*ms, trace.KindTimerSet, "client", c, trace.TimerTimeWait, 60*ms+60*time.Second)

	b.deliver(70*ms, "server", "client", "c-s", last)
	s.sndUna = last.Ack
	b.timer(70*ms, trace.KindTimerCancel, "server", s, trace.TimerRetransmit, 0)
	b.state(70*ms, "server", s, trace.StateClosed)
	return finish(t)
}

// Lossy is a TCP connection over a lossy link: the first SYN is lost, the
// retransmission timer fires after RTO = 1 s and the SYN is sent again; then
// the client writes five 100-byte segments of which the second is lost, the
// server answers the third, fourth and fifth with duplicate ACKs, and the
// third duplicate ACK triggers a fast retransmission (RFC 5681 §3.2).
func Lossy() *trace.Trace {
	ca, sa := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	t := &trace.Trace{Header: twoHosts("A lost SYN and a lost data segment: RTO and fast retransmit", "lossy", ca, sa)}
	t.Header.Seed = 7
	t.Header.Links[0].AB.Loss = 0.1
	b := &builder{t: t}
	ms := time.Millisecond
	caddr := netip.AddrPortFrom(ca, 49153)
	saddr := netip.AddrPortFrom(sa, 7)
	c := &tcb{local: caddr, remote: saddr, state: trace.StateClosed, iss: ClientISS, rcvWnd: 64240, cwnd: 14600, ssthresh: 65535, rto: time.Second}
	s := &tcb{local: saddr, remote: caddr, state: trace.StateListen, iss: ServerISS, rcvWnd: 65535, cwnd: 14600, ssthresh: 65535, rto: time.Second}

	b.app(0, "client", trace.OpConnect, caddr, saddr, 0, "")
	c.sndUna, c.sndNxt = c.iss, c.iss+1
	syn := b.send(0, "client", "server", "c-s", b.seg(c, trace.FlagSYN, c.iss, ""))
	b.state(0, "client", c, trace.StateSynSent)
	b.timer(0, trace.KindTimerSet, "client", c, trace.TimerRetransmit, time.Second)
	b.drop(5*ms, "client", "server", "c-s", syn, trace.DropLoss)

	// RFC 6298 (5.5)-(5.6): back off the timer, retransmit.
	c.rto = 2 * time.Second
	b.timer(time.Second, trace.KindTimerFire, "client", c, trace.TimerRetransmit, 0)
	syn2 := b.send(time.Second, "client", "server", "c-s", b.seg(c, trace.FlagSYN, c.iss, ""))
	b.timer(time.Second, trace.KindTimerSet, "client", c, trace.TimerRetransmit, 3*time.Second)

	at := time.Second + 10*ms
	b.deliver(at, "server", "client", "c-s", syn2)
	s.irs, s.rcvNxt = syn2.Seq, syn2.Seq+1
	s.sndUna, s.sndNxt = s.iss, s.iss+1
	synack := b.send(at, "server", "client", "c-s", b.seg(s, trace.FlagSYN|trace.FlagACK, s.iss, ""))
	b.state(at, "server", s, trace.StateSynReceived)

	at += 10 * ms
	b.deliver(at, "client", "server", "c-s", synack)
	c.irs, c.rcvNxt, c.sndUna = synack.Seq, synack.Seq+1, synack.Ack
	// Karn's algorithm: no RTT sample from a retransmitted SYN; RTO returns to 1 s.
	c.rto = time.Second
	b.timer(at, trace.KindTimerCancel, "client", c, trace.TimerRetransmit, 0)
	b.state(at, "client", c, trace.StateEstablished)
	ack := b.send(at, "client", "server", "c-s", b.seg(c, trace.FlagACK, c.sndNxt, ""))

	// Five segments of 100 bytes, written at once.
	data := [5]string{}
	for i := range data {
		data[i] = repeat(byte('a'+i), 100)
	}
	b.app(at, "client", trace.OpWrite, caddr, saddr, 500, data[0][:20]+"…")
	var segs [5]trace.Packet
	for i := range segs {
		segs[i] = b.send(at+time.Duration(i)*ms, "client", "server", "c-s", b.seg(c, trace.FlagPSH|trace.FlagACK, c.sndNxt, data[i]))
		c.sndNxt += 100
		if i == 0 {
			b.timer(at, trace.KindTimerSet, "client", c, trace.TimerRetransmit, at+time.Second)
		}
	}
	b.drop(at+1*ms+5*ms, "client", "server", "c-s", segs[1], trace.DropLoss)

	// The server's view: segment 1 in order, 3..5 out of order → duplicate ACKs.
	srv := at + 10*ms
	b.deliver(srv, "server", "client", "c-s", ack)
	s.sndUna = ack.Ack
	b.state(srv, "server", s, trace.StateEstablished)
	b.app(srv, "server", trace.OpAccept, saddr, caddr, 0, "")
	b.deliver(srv, "server", "client", "c-s", segs[0])
	s.rcvNxt += 100
	acks := []trace.Packet{b.send(srv, "server", "client", "c-s", b.seg(s, trace.FlagACK, s.sndNxt, ""))}
	for i := 2; i < 5; i++ {
		b.deliver(srv+time.Duration(i)*ms, "server", "client", "c-s", segs[i])
		acks = append(acks, b.send(srv+time.Duration(i)*ms, "server", "client", "c-s", b.seg(s, trace.FlagACK, s.sndNxt, "")))
	}

	cli := srv + 10*ms
	b.deliver(cli, "client", "server", "c-s", acks[0])
	c.sndUna = acks[0].Ack
	b.emit(trace.Event{At: cli, Kind: trace.KindConnStat, Node: "client", Conn: c.snap()})
	for i := 1; i <= 3; i++ {
		t := cli + time.Duration(i+1)*ms
		b.deliver(t, "client", "server", "c-s", acks[i])
		c.dupAcks = uint8(i)
		if i == 3 {
			// RFC 5681 §3.2: ssthresh = max(FlightSize/2, 2·SMSS); cwnd = ssthresh + 3·SMSS.
			c.ssthresh = 2920
			c.cwnd = c.ssthresh + 3*1460
		}
		b.emit(trace.Event{At: t, Kind: trace.KindConnStat, Node: "client", Conn: c.snap()})
	}
	fr := cli + 4*ms
	rtx := b.send(fr, "client", "server", "c-s", b.seg(c, trace.FlagPSH|trace.FlagACK, segs[1].Seq, data[1]))

	b.deliver(fr+10*ms, "server", "client", "c-s", rtx)
	s.rcvNxt += 400
	b.app(fr+10*ms, "server", trace.OpRead, saddr, caddr, 500, data[0][:20]+"…")
	full := b.send(fr+10*ms, "server", "client", "c-s", b.seg(s, trace.FlagACK, s.sndNxt, ""))

	b.deliver(fr+20*ms, "client", "server", "c-s", full)
	c.sndUna, c.dupAcks, c.cwnd = full.Ack, 0, c.ssthresh
	b.timer(fr+20*ms, trace.KindTimerCancel, "client", c, trace.TimerRetransmit, 0)
	b.emit(trace.Event{At: fr + 20*ms, Kind: trace.KindNote, Text: "all 500 bytes acknowledged after one fast retransmission"})
	return finish(t)
}

// finish orders the events by time, keeping the order of emission for
// events at the same instant — the simulator's (time, insertion) order.
func finish(t *trace.Trace) *trace.Trace {
	sort.SliceStable(t.Events, func(i, j int) bool { return t.Events[i].At < t.Events[j].At })
	return t
}

func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// UDP is the textbook UDP timestamp client talking to its server through a
// router: four datagrams, of which the second is lost on the second hop,
// the third is duplicated by the first link, and the fourth overtakes the
// third (reordering). Finally the client sends to port 9999 where nothing
// listens and the server answers ICMP port unreachable, which the client's
// connected socket reports as "connection refused".
func UDP() *trace.Trace {
	ca, ra, sa := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("192.168.1.1"), netip.MustParseAddr("203.0.113.5")
	t := &trace.Trace{Header: trace.Header{
		Title: "UDP timestamp client through a router: loss, duplicate, reordering, port unreachable", Scenario: "udp", Seed: 3,
		Nodes: []trace.Node{
			{Name: "client", Kind: trace.NodeHost, Addrs: []netip.Addr{ca}, Role: "client"},
			{Name: "r1", Kind: trace.NodeRouter, Addrs: []netip.Addr{ra}, Role: "router"},
			{Name: "server", Kind: trace.NodeHost, Addrs: []netip.Addr{sa}, Role: "server"},
		},
		Links: []trace.Link{
			{ID: "c-r1", A: "client", B: "r1", AB: trace.LinkParams{Delay: Delay, Duplicate: 0.2, Reorder: 0.2, ReorderBy: 15 * time.Millisecond}, BA: trace.LinkParams{Delay: Delay}},
			{ID: "r1-s", A: "r1", B: "server", AB: trace.LinkParams{Delay: Delay, Loss: 0.2}, BA: trace.LinkParams{Delay: Delay}},
		},
	}}
	b := &builder{t: t}
	ms := time.Millisecond
	caddr := netip.AddrPortFrom(ca, 50000)
	saddr := netip.AddrPortFrom(sa, 21567)
	b.app(0, "server", trace.OpListen, saddr, netip.AddrPort{}, 0, "") // bind
	dgram := func(src, dst netip.AddrPort, s string) trace.Packet {
		return trace.Packet{Proto: trace.ProtoUDP, Src: src, Dst: dst, Payload: []byte(s)}
	}
	fwd := func(p trace.Packet) trace.Packet { p.TTL--; return p }
	route := func(at time.Duration, p trace.Packet, toServer bool) trace.Packet {
		// The router forwards the same packet (same ID) with TTL one lower.
		if toServer {
			b.deliver(at, "r1", "client", "c-r1", p)
			q := fwd(p)
			b.emit(trace.Event{At: at, Kind: trace.KindSend, Node: "r1", Peer: "server", Link: "r1-s", Packet: q, Arrive: at + Delay})
			return q
		}
		b.deliver(at, "r1", "server", "r1-s", p)
		q := fwd(p)
		b.emit(trace.Event{At: at, Kind: trace.KindSend, Node: "r1", Peer: "client", Link: "c-r1", Packet: q, Arrive: at + Delay})
		return q
	}
	exchange := func(at time.Duration, msg string) {
		b.app(at, "client", trace.OpSendTo, caddr, saddr, len(msg), msg)
		p := b.send(at, "client", "r1", "c-r1", dgram(caddr, saddr, msg))
		q := route(at+10*ms, p, true)
		b.deliver(at+20*ms, "server", "r1", "r1-s", q)
		b.app(at+20*ms, "server", trace.OpRecvFrom, saddr, caddr, len(msg), msg)
		reply := "[Sat Nov 21 00:00:00 2026] " + msg
		b.app(at+20*ms, "server", trace.OpSendTo, saddr, caddr, len(reply), reply)
		r := b.send(at+20*ms, "server", "r1", "r1-s", dgram(saddr, caddr, reply))
		r2 := route(at+30*ms, r, false)
		b.deliver(at+40*ms, "client", "r1", "c-r1", r2)
		b.app(at+40*ms, "client", trace.OpRecvFrom, caddr, saddr, len(reply), reply)
	}
	exchange(0, "one")

	// Datagram 2 is lost between the router and the server; the client's
	// recvfrom waits in vain (the textbook client has no timeout).
	b.app(100*ms, "client", trace.OpSendTo, caddr, saddr, 3, "two")
	p2 := b.send(100*ms, "client", "r1", "c-r1", dgram(caddr, saddr, "two"))
	q2 := route(110*ms, p2, true)
	b.drop(115*ms, "r1", "server", "r1-s", q2, trace.DropLoss)

	// Datagram 3 is held back by the first link (reordering) and also
	// duplicated; datagram 4, sent 5 ms later, overtakes it.
	b.app(200*ms, "client", trace.OpSendTo, caddr, saddr, 5, "three")
	p3 := b.send(200*ms, "client", "r1", "c-r1", dgram(caddr, saddr, "three"))
	b.nextID++
	dup := p3
	dup.ID, dup.Orig = b.nextID, p3.ID
	b.emit(trace.Event{At: 200 * ms, Kind: trace.KindDuplicate, Node: "client", Peer: "r1", Link: "c-r1", Packet: dup})
	b.app(205*ms, "client", trace.OpSendTo, caddr, saddr, 4, "four")
	p4 := b.send(205*ms, "client", "r1", "c-r1", dgram(caddr, saddr, "four"))
	qd := route(210*ms, dup, true)
	q4 := route(215*ms, p4, true)
	q3 := route(225*ms, p3, true)
	b.deliver(220*ms, "server", "r1", "r1-s", qd)
	b.app(220*ms, "server", trace.OpRecvFrom, saddr, caddr, 5, "three")
	b.deliver(225*ms, "server", "r1", "r1-s", q4)
	b.app(225*ms, "server", trace.OpRecvFrom, saddr, caddr, 4, "four")
	b.deliver(235*ms, "server", "r1", "r1-s", q3)
	b.app(235*ms, "server", trace.OpRecvFrom, saddr, caddr, 5, "three")

	// Nothing listens on 9999: ICMP port unreachable quoting the datagram.
	dead := netip.AddrPortFrom(sa, 9999)
	b.app(300*ms, "client", trace.OpSendTo, caddr, dead, 4, "ping")
	p5 := b.send(300*ms, "client", "r1", "c-r1", dgram(caddr, dead, "ping"))
	q5 := route(310*ms, p5, true)
	b.deliver(320*ms, "server", "r1", "r1-s", q5)
	b.drop(320*ms, "server", "r1", "r1-s", q5, trace.DropNoSocket)
	icmp := b.send(320*ms, "server", "r1", "r1-s", trace.Packet{Proto: trace.ProtoICMP,
		Src: netip.AddrPortFrom(sa, 0), Dst: netip.AddrPortFrom(ca, 0), ICMPType: 3, ICMPCode: 3, Quote: p5.ID})
	i2 := route(330*ms, icmp, false)
	b.deliver(340*ms, "client", "r1", "c-r1", i2)
	b.app(340*ms, "client", trace.OpError, caddr, dead, 0, "recvfrom: connection refused")
	return finish(t)
}
