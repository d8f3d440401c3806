package capture

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"socketlab/sim/trace"
)

// TestDecodeRoundTrip encodes packets with the project's pcap writer and
// decodes the frames back: every field the model has must survive.
func TestDecodeRoundTrip(t *testing.T) {
	udp := trace.Packet{ID: 3, Proto: trace.ProtoUDP, Src: ap("10.0.0.1:5353"), Dst: ap("10.0.0.2:21567"), TTL: 63, Payload: []byte("ping")}
	for _, p := range []trace.Packet{
		{Proto: trace.ProtoTCP, Src: ap("127.0.0.1:40000"), Dst: ap("127.0.0.1:8080"), TTL: 64, Seq: 4000000000, Flags: trace.FlagSYN, Window: 65495, MSS: 65495},
		{Proto: trace.ProtoTCP, Src: ap("[::1]:8080"), Dst: ap("[::1]:50000"), TTL: 64, Seq: 1, Ack: 0xffffffff, Flags: trace.FlagPSH | trace.FlagACK | trace.FlagECE | trace.FlagCWR, Window: 512, Payload: []byte("hello")},
		udp,
		{Proto: trace.ProtoUDP, Src: ap("[2001:db8::1]:50000"), Dst: ap("[2001:db8::2]:21567"), TTL: 1, Payload: bytes.Repeat([]byte{7}, 1400)},
		{Proto: trace.ProtoICMP, Src: ap("10.0.0.2:0"), Dst: ap("10.0.0.1:0"), TTL: 64, ICMPType: 3, ICMPCode: 3, Quote: 3},
		{Proto: trace.ProtoICMP, Src: ap("[2001:db8::2]:0"), Dst: ap("[2001:db8::1]:0"), TTL: 64, ICMPType: 1, ICMPCode: 4, Payload: []byte("quoted bytes")},
	} {
		frame := frameOf(t, p, udp)
		var got trace.Packet
		ip, ok := decode(frame, ethLen, &got)
		if !ok {
			t.Fatalf("%v %v→%v: not decoded", p.Proto, p.Src, p.Dst)
		}
		// Short frames are padded to Ethernet's 60 bytes: ip is cut to the
		// IP packet's length.
		if l := len(ip); l > len(frame)-ethLen || (len(frame) > 60 && l != len(frame)-ethLen) {
			t.Errorf("%v: IP packet of %d bytes in a frame of %d", p.Proto, len(ip), len(frame))
		}
		want := p
		want.ID, want.Quote = 0, 0
		if p.Proto == trace.ProtoICMP {
			// The writer quotes an IP packet, as the RFCs ask: rebuilt
			// from the datagram (Quote), or the quoted bytes under the IP
			// header of a packet from the error's destination to its
			// source.
			tail := []byte("ping")
			if p.Quote == 0 {
				tail = p.Payload
			}
			q := &trace.Packet{}
			if rest, _ := decodeIP(got.Payload, q, true); rest == nil || !bytes.HasSuffix(got.Payload, tail) ||
				q.Src.Addr() != p.Dst.Addr() || q.Dst.Addr() != p.Src.Addr() {
				t.Errorf("ICMP quote % x", got.Payload)
			}
			want.Payload = got.Payload
		}
		if got.Src != want.Src || got.Dst != want.Dst || got.Proto != want.Proto || got.TTL != want.TTL ||
			got.Seq != want.Seq || got.Ack != want.Ack || got.Flags != want.Flags || got.Window != want.Window ||
			got.MSS != want.MSS || got.ICMPType != want.ICMPType || got.ICMPCode != want.ICMPCode || !bytes.Equal(got.Payload, want.Payload) {
			t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
		}
		// The payload is a copy: the reader reuses its buffer.
		if len(got.Payload) > 0 {
			for i := range frame {
				frame[i] = 0xee
			}
			if got.Payload[0] == 0xee {
				t.Errorf("%v: the payload aliases the frame", p.Proto)
			}
		}
	}
}

// TestDecodeOptions reads the MSS among the options Linux puts on a SYN
// (MSS, SACK permitted, timestamps, NOP, window scale), and checks that
// Ethernet padding after a short IPv4 packet is not taken as payload.
func TestDecodeOptions(t *testing.T) {
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{127, 0, 0, 1}, DstIP: net.IP{127, 0, 0, 1}}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 8080, Seq: 7, SYN: true, Window: 65495, Options: []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0xff, 0xd7}},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
	}}
	tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	eth := &layers.Ethernet{SrcMAC: make(net.HardwareAddr, 6), DstMAC: make(net.HardwareAddr, 6), EthernetType: layers.EthernetTypeIPv4}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp); err != nil {
		t.Fatal(err)
	}
	var p trace.Packet
	if _, ok := decode(buf.Bytes(), ethLen, &p); !ok || p.MSS != 65495 || p.Seq != 7 || p.Window != 65495 || len(p.Payload) != 0 {
		t.Errorf("SYN with Linux's options: %+v", p)
	}

	// A bare ACK is 54 bytes; on a real NIC it arrives padded to 60 (as
	// gopacket pads it), here with 6 more.
	ip2 := *ip
	ack := &layers.TCP{SrcPort: 40000, DstPort: 8080, Seq: 8, Ack: 9, ACK: true, Window: 512}
	ack.SetNetworkLayerForChecksum(&ip2)
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, &ip2, ack); err != nil {
		t.Fatal(err)
	}
	padded := append(append([]byte(nil), buf.Bytes()...), 0, 0, 0, 0, 0, 0)
	if _, ok := decode(padded, ethLen, &p); !ok || len(p.Payload) != 0 || p.Ack != 9 {
		t.Errorf("padded ACK: %+v", p)
	}
	for n := range 14 + 20 + 20 {
		if _, ok := decode(padded[:n], ethLen, &p); ok {
			t.Errorf("a frame cut to %d bytes decodes", n)
		}
	}
	optionMSS := func(b []byte) uint16 {
		var q trace.Packet
		q.SetTCPOptions(b)
		return q.MSS
	}
	if got := optionMSS([]byte{1, 1, 3, 3, 7, 2, 4, 0x05, 0xb4}); got != 1460 {
		t.Errorf("MSS after NOPs and window scale: %d", got)
	}
	// A Linux SYN: MSS, SACK_PERM, TS, NOP, WS.
	syn := []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 3, 3, 7}
	var q trace.Packet
	q.SetTCPOptions(syn)
	if q.MSS != 1460 || q.Opts != trace.OptWScale|trace.OptSACKPerm|trace.OptTimestamps || q.WScale != 7 || q.TSval != 7 || q.TSecr != 0 {
		t.Errorf("Linux SYN options: %+v", q)
	}
	for _, bad := range [][]byte{{2}, {2, 4, 5}, {3, 0}, {3, 9, 1}, {0, 2, 4, 5, 180}} {
		if got := optionMSS(bad); got != 0 {
			t.Errorf("options % x: MSS %d; want 0", bad, got)
		}
	}
}

// TestProcOnce feeds frames as a capture on a real interface sees them,
// each once: every packet gets its Send and Deliver at the same instant,
// and the pcap file one frame each.
func TestProcOnce(t *testing.T) {
	start := time.Unix(1000, 0)
	rec := &recorder{}
	p := newProc(Config{Sink: rec, Start: start}, "eth0", ethLen, false)
	var pcapBuf bytes.Buffer
	if err := p.startPcap(&pcapBuf); err != nil {
		t.Fatal(err)
	}
	syn := trace.Packet{Proto: trace.ProtoTCP, Src: ap("192.0.2.1:40000"), Dst: ap("192.0.2.2:80"), Flags: trace.FlagSYN, MSS: 1460}
	synack := trace.Packet{Proto: trace.ProtoTCP, Src: ap("192.0.2.2:80"), Dst: ap("192.0.2.1:40000"), Flags: trace.FlagSYN | trace.FlagACK, Ack: 1, MSS: 1400}
	p.frame(frameOf(t, syn), 0, true, start.Add(time.Millisecond))
	p.frame(frameOf(t, synack), 0, false, start.Add(3*time.Millisecond))
	p.frame([]byte("junk"), 4, false, start.Add(4*time.Millisecond))
	p.flush()
	evs := rec.events()
	want := []struct {
		kind       trace.Kind
		id         uint64
		at         time.Duration
		node, peer string
	}{
		{trace.KindSend, 1, time.Millisecond, "192.0.2.1:40000", "192.0.2.2:80"},
		{trace.KindDeliver, 1, time.Millisecond, "192.0.2.2:80", "192.0.2.1:40000"},
		{trace.KindSend, 2, 3 * time.Millisecond, "192.0.2.2:80", "192.0.2.1:40000"},
		{trace.KindDeliver, 2, 3 * time.Millisecond, "192.0.2.1:40000", "192.0.2.2:80"},
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events; want %d", len(evs), len(want))
	}
	for i, w := range want {
		e := evs[i]
		if e.Kind != w.kind || e.Packet.ID != w.id || e.At != w.at || e.Node != w.node || e.Peer != w.peer || e.Link != "eth0" {
			t.Errorf("event %d: %v #%d at %v %s→%s on %s; want %v #%d at %v %s→%s", i, e.Kind, e.Packet.ID, e.At, e.Node, e.Peer, e.Link, w.kind, w.id, w.at, w.node, w.peer)
		}
	}
	if p.bad != 1 {
		t.Errorf("%d frames not decoded; want the junk", p.bad)
	}
	if evs[0].Packet.MSS != 1460 || evs[2].Packet.MSS != 1400 {
		t.Errorf("MSS %d, %d", evs[0].Packet.MSS, evs[2].Packet.MSS)
	}
	// The pcap file: 24-byte header, then two records of 16 + frame bytes.
	if want := 24 + 2*16 + len(frameOf(t, syn)) + len(frameOf(t, synack)); pcapBuf.Len() != want {
		t.Errorf("pcap of %d bytes; want %d", pcapBuf.Len(), want)
	}
}

// TestProcLoopback feeds frames as the loopback interface shows them:
// each packet leaving, then arriving, interleaved; an arrival whose
// departure was not seen; and more departures than the pending set holds.
func TestProcLoopback(t *testing.T) {
	start := time.Unix(1000, 0)
	rec := &recorder{}
	nodeOf := func(ep netip.AddrPort) string {
		if ep.Port() == 80 {
			return "server"
		}
		return "client"
	}
	p := newProc(Config{Sink: rec, Start: start, NodeOf: nodeOf}, "lo", ethLen, true)
	a := frameOf(t, trace.Packet{Proto: trace.ProtoUDP, Src: ap("127.0.0.1:5000"), Dst: ap("127.0.0.1:80"), Payload: []byte("a")})
	b := frameOf(t, trace.Packet{Proto: trace.ProtoUDP, Src: ap("127.0.0.1:80"), Dst: ap("127.0.0.1:5000"), Payload: []byte("b")})
	at := func(us int) time.Time { return start.Add(time.Duration(us) * time.Microsecond) }
	p.frame(a, 0, true, at(1))  // a leaves
	p.frame(a, 0, true, at(2))  // an identical a leaves: first in, first out
	p.frame(b, 0, true, at(3))  // b leaves
	p.frame(a, 0, false, at(4)) // the first a arrives
	p.frame(b, 0, false, at(5)) // b arrives
	p.frame(a, 0, false, at(6)) // the second a arrives
	p.frame(b, 0, false, at(7)) // a b whose departure was not seen
	type ev struct {
		kind       trace.Kind
		id         uint64
		us         int
		node, peer string
	}
	var got []ev
	for _, e := range rec.events() {
		got = append(got, ev{e.Kind, e.Packet.ID, int(e.At / time.Microsecond), e.Node, e.Peer})
	}
	S, D := trace.KindSend, trace.KindDeliver
	want := []ev{
		{S, 1, 1, "client", "server"}, {S, 2, 2, "client", "server"}, {S, 3, 3, "server", "client"},
		{D, 1, 4, "server", "client"}, {D, 3, 5, "client", "server"}, {D, 2, 6, "server", "client"},
		{S, 4, 7, "server", "client"}, {D, 4, 7, "client", "server"},
	}
	if len(got) != len(want) {
		t.Fatalf("events %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: %v; want %v", i, got[i], want[i])
		}
	}

	// Departures whose arrivals never come are forgotten, oldest first.
	p.pend.init(4)
	for i := range 6 {
		f := frameOf(t, trace.Packet{Proto: trace.ProtoUDP, Src: ap("127.0.0.1:5000"), Dst: ap("127.0.0.1:80"), Payload: []byte{byte(i)}})
		p.frame(f, 0, true, at(10+i))
	}
	if n := len(p.pend.m); n != 4 {
		t.Errorf("%d pending; want 4", n)
	}
}

// TestProcQuote checks that an ICMP error names the packet it quotes, and
// is drawn from the quoted destination to the quoted source.
func TestProcQuote(t *testing.T) {
	rec := &recorder{}
	nodeOf := func(ep netip.AddrPort) string { return map[uint16]string{9: "server", 5000: "client"}[ep.Port()] }
	p := newProc(Config{Sink: rec, NodeOf: nodeOf}, "eth0", ethLen, false)
	for i := range 3 { // three datagrams; the error quotes the second
		d := trace.Packet{ID: uint64(i + 1), Proto: trace.ProtoUDP, Src: ap("192.0.2.1:5000"), Dst: ap("192.0.2.2:9"), Payload: bytes.Repeat([]byte("x"), i+1)}
		p.frame(frameOf(t, d), 0, true, time.Now())
	}
	quoted := trace.Packet{ID: 2, Proto: trace.ProtoUDP, Src: ap("192.0.2.1:5000"), Dst: ap("192.0.2.2:9"), Payload: []byte("xx")}
	icmp := trace.Packet{Proto: trace.ProtoICMP, Src: ap("192.0.2.2:0"), Dst: ap("192.0.2.1:0"), ICMPType: 3, ICMPCode: 3, Quote: 2}
	p.frame(frameOf(t, icmp, quoted), 0, false, time.Now())
	// From a router: drawn from its address.
	icmp.Src = ap("198.51.100.1:0")
	icmp.ICMPType, icmp.ICMPCode = 11, 0
	p.frame(frameOf(t, icmp, quoted), 0, false, time.Now())
	evs := rec.events()
	if len(evs) != 10 {
		t.Fatalf("%d events", len(evs))
	}
	if e := evs[6]; e.Packet.Proto != trace.ProtoICMP || e.Packet.Quote != 2 || e.Node != "server" || e.Peer != "client" {
		t.Errorf("port unreachable: quotes #%d, %s→%s; want #2, server→client", e.Packet.Quote, e.Node, e.Peer)
	}
	if e := evs[8]; e.Packet.Quote != 2 || e.Node != "" || e.Peer != "client" {
		t.Errorf("time exceeded: quotes #%d, %q→%q; want #2, the router's name→client", e.Packet.Quote, e.Node, e.Peer)
	}
}
