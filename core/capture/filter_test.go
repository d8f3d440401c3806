package capture

import (
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
)

// frameOf builds the Ethernet frame of a packet as it leaves its sender,
// with the project's pcap writer.
func frameOf(t testing.TB, p trace.Packet, known ...trace.Packet) []byte {
	t.Helper()
	m := map[uint64]trace.Packet{}
	for _, k := range known {
		m[k.ID] = k
	}
	buf := gopacket.NewSerializeBuffer()
	if err := pcap.Frame(buf, &trace.Event{Kind: trace.KindSend, Node: "a", Peer: "b", Packet: p}, m); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// runFilter runs the filter for set on frame in x/net/bpf's VM, which
// checks the program as the kernel would run it, and reports whether it
// keeps the frame (all of it: the snapshot length).
func runFilter(t *testing.T, set watchSet, frame []byte) bool {
	t.Helper()
	raw, err := buildFilter(ethLen, set)
	if err != nil {
		t.Fatal(err)
	}
	prog := make([]bpf.Instruction, len(raw))
	for i, r := range raw {
		prog[i] = r.Disassemble()
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	n, err := vm.Run(frame)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 && n != snapLen {
		t.Fatalf("the filter keeps %d bytes; want 0 or all (%d)", n, snapLen)
	}
	return n != 0
}

func TestFilter(t *testing.T) {
	tcp4 := trace.Packet{ID: 1, Proto: trace.ProtoTCP, Src: ap("127.0.0.1:40000"), Dst: ap("127.0.0.1:8080"), Flags: trace.FlagSYN, MSS: 65495}
	tcp4other := trace.Packet{ID: 2, Proto: trace.ProtoTCP, Src: ap("127.0.0.1:40001"), Dst: ap("127.0.0.1:9090"), Flags: trace.FlagSYN}
	udp4 := trace.Packet{ID: 3, Proto: trace.ProtoUDP, Src: ap("10.0.0.1:5353"), Dst: ap("10.0.0.2:21567"), Payload: []byte("ping")}
	unreach4 := trace.Packet{ID: 4, Proto: trace.ProtoICMP, Src: ap("10.0.0.2:0"), Dst: ap("10.0.0.1:0"), ICMPType: 3, ICMPCode: 3, Quote: 3}
	echo4 := trace.Packet{ID: 5, Proto: trace.ProtoICMP, Src: ap("10.0.0.2:0"), Dst: ap("10.0.0.1:0"), ICMPType: 8, Payload: []byte("12345678")}
	tcp6 := trace.Packet{ID: 6, Proto: trace.ProtoTCP, Src: ap("[::1]:8080"), Dst: ap("[::1]:50000"), Flags: trace.FlagACK, Payload: []byte("hello")}
	udp6 := trace.Packet{ID: 7, Proto: trace.ProtoUDP, Src: ap("[2001:db8::1]:50000"), Dst: ap("[2001:db8::2]:21567"), Payload: []byte("ping")}
	unreach6 := trace.Packet{ID: 8, Proto: trace.ProtoICMP, Src: ap("[2001:db8::2]:0"), Dst: ap("[2001:db8::1]:0"), ICMPType: 1, ICMPCode: 4, Quote: 7}
	echo6 := trace.Packet{ID: 9, Proto: trace.ProtoICMP, Src: ap("[2001:db8::2]:0"), Dst: ap("[2001:db8::1]:0"), ICMPType: 128, Payload: []byte("12345678")}
	all := []trace.Packet{tcp4, tcp4other, udp4, unreach4, echo4, tcp6, udp6, unreach6, echo6}

	ports := func(ps ...uint16) watchSet {
		var eps []netip.AddrPort
		for _, p := range ps {
			eps = append(eps, netip.AddrPortFrom(netip.Addr{}, p))
		}
		s, err := watchSet(nil).with(eps...)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	eps := func(s ...string) watchSet {
		var eps []netip.AddrPort
		for _, e := range s {
			eps = append(eps, ap(e))
		}
		w, err := watchSet(nil).with(eps...)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	for _, tc := range []struct {
		name string
		set  watchSet
		keep []uint64 // IDs of the packets kept
	}{
		{"nothing watched", nil, nil},
		{"server port 8080: source or destination, v4 and v6", ports(8080), []uint64{1, 6}},
		{"a client's ephemeral port", ports(40000), []uint64{1}},
		{"udp 21567: the datagrams and the errors quoting them, not an echo", ports(21567), []uint64{3, 4, 7, 8}},
		{"several ports", ports(9090, 8080, 21567), []uint64{1, 2, 3, 4, 6, 7, 8}},
		{"an endpoint: address and port", eps("127.0.0.1:8080"), []uint64{1}},
		{"the port on another address", eps("127.0.0.2:8080", "[::2]:8080"), nil},
		{"an IPv4-mapped endpoint watches IPv4", eps("[::ffff:127.0.0.1]:9090"), []uint64{2}},
		{"an unspecified address watches every address", eps("0.0.0.0:8080"), []uint64{1, 6}},
		{"an IPv6 endpoint", eps("[::1]:8080"), []uint64{6}},
		{"an IPv6 endpoint matched by the quote of an ICMPv6 error", eps("[2001:db8::2]:21567"), []uint64{7, 8}},
		{"an IPv4 endpoint matched by the quote of an ICMP error", eps("10.0.0.1:5353"), []uint64{3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range all {
				want := false
				for _, id := range tc.keep {
					want = want || id == p.ID
				}
				if got := runFilter(t, tc.set, frameOf(t, p, all...)); got != want {
					t.Errorf("packet #%d (%v %v→%v type %d): kept %v, want %v", p.ID, p.Proto, p.Src, p.Dst, p.ICMPType, got, want)
				}
			}
		})
	}
}

// TestFilterHeaders checks what only hand-built headers show: IPv4
// options move the ports, a later fragment has none, an ICMP error with
// options before its quote, other EtherTypes.
func TestFilterHeaders(t *testing.T) {
	set, _ := watchSet(nil).with(ap("0.0.0.0:8080"))
	ser := func(ls ...gopacket.SerializableLayer) []byte {
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
			t.Fatal(err)
		}
		return append([]byte(nil), buf.Bytes()...)
	}
	eth := func(et layers.EthernetType) *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: et}
	}
	ip4 := func(proto layers.IPProtocol) *layers.IPv4 {
		return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
	}
	tcp := func(ip gopacket.NetworkLayer) *layers.TCP {
		l := &layers.TCP{SrcPort: 50000, DstPort: 8080, SYN: true, Window: 1000}
		l.SetNetworkLayerForChecksum(ip)
		return l
	}
	udp := func(ip gopacket.NetworkLayer, dst layers.UDPPort) []byte {
		l := &layers.UDP{SrcPort: 50000, DstPort: dst}
		l.SetNetworkLayerForChecksum(ip)
		return ser(ip.(gopacket.SerializableLayer), l, gopacket.Payload("ping"))
	}
	withOpts := func(ip *layers.IPv4) *layers.IPv4 {
		ip.Options = []layers.IPv4Option{{OptionType: 7, OptionLength: 7, OptionData: []byte{4, 0, 0, 0, 0}}} // record route
		return ip
	}

	plain := ip4(layers.IPProtocolTCP)
	opts := withOpts(ip4(layers.IPProtocolTCP))
	frag := ip4(layers.IPProtocolTCP)
	frag.FragOffset = 185
	// An ICMP error whose outer header has options, quoting a packet whose
	// header has options too: the filter must add both header lengths.
	inner := udp(withOpts(ip4(layers.IPProtocolUDP)), 8080)
	outer := withOpts(ip4(layers.IPProtocolICMPv4))
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)}
	innerOther := udp(withOpts(ip4(layers.IPProtocolUDP)), 8081)
	timeExceeded := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(11, 0)}
	redirect := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(5, 1)}

	for _, tc := range []struct {
		name  string
		frame []byte
		want  bool
	}{
		{"plain", ser(eth(layers.EthernetTypeIPv4), plain, tcp(plain)), true},
		{"IPv4 options", ser(eth(layers.EthernetTypeIPv4), opts, tcp(opts)), true},
		{"a later fragment", ser(eth(layers.EthernetTypeIPv4), frag, gopacket.Payload("\xc3\x50\x1f\x90 part of a segment")), false},
		{"unreachable, options on both headers", ser(eth(layers.EthernetTypeIPv4), outer, icmp, gopacket.Payload(inner)), true},
		{"unreachable quoting another port", ser(eth(layers.EthernetTypeIPv4), outer, icmp, gopacket.Payload(innerOther)), false},
		{"time exceeded", ser(eth(layers.EthernetTypeIPv4), outer, timeExceeded, gopacket.Payload(inner)), true},
		{"a redirect is not kept", ser(eth(layers.EthernetTypeIPv4), outer, redirect, gopacket.Payload(inner)), false},
		{"ARP", ser(eth(layers.EthernetTypeARP), &layers.ARP{AddrType: 1, Protocol: 0x0800, HwAddressSize: 6, ProtAddressSize: 4,
			SourceHwAddress: make([]byte, 6), SourceProtAddress: make([]byte, 4), DstHwAddress: make([]byte, 6), DstProtAddress: make([]byte, 4)}), false},
		{"a runt", []byte{0, 1, 2}, false},
	} {
		if got := runFilter(t, set, tc.frame); got != tc.want {
			t.Errorf("%s: kept %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestFilterSize checks that the most endpoints one filter holds fit the
// kernel's 4096 instructions (IPv6 addresses are the longest), and that
// one more is refused.
func TestFilterSize(t *testing.T) {
	var eps []netip.AddrPort
	for i := range MaxEndpoints {
		eps = append(eps, netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)}), uint16(1000+i)))
	}
	set, err := watchSet(nil).with(eps...)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := buildFilter(ethLen, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) > maxInsns {
		t.Fatalf("%d instructions", len(prog))
	}
	t.Logf("%d endpoints with IPv6 addresses: %d instructions", MaxEndpoints, len(prog))
	last := trace.Packet{ID: 1, Proto: trace.ProtoUDP, Src: ap("[2001:db8::1]:9"), Dst: eps[len(eps)-1]}
	if !runFilter(t, set, frameOf(t, last)) {
		t.Error("the last endpoint is not matched")
	}
	_, err = set.with(ap("[2001:db8::1]:1"))
	if err == nil || !strings.Contains(err.Error(), "at most 128") {
		t.Errorf("one endpoint more: %v", err)
	}
	// Duplicates and endpoints covered by a port on any address take no room.
	set2, _ := watchSet(nil).with(ap("127.0.0.1:80"), ap("127.0.0.1:80"), ap("0.0.0.0:80"), ap("[::1]:80"), ap("127.0.0.1:81"))
	if len(set2) != 2 {
		t.Errorf("set %v; want :80 on any address and 127.0.0.1:81", set2)
	}
}
