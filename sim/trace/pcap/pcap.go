// Package pcap writes a trace as a pcap capture file that Wireshark and
// tshark open: real Ethernet, IPv4 or IPv6, TCP (with the MSS, window
// scale, SACK-permitted, timestamps and SACK options in the order Linux
// writes them), UDP and ICMP headers with correct lengths and valid checksums.
//
// # What the capture shows
//
// A capture file is what one would see with a sniffer, so the question is
// where the sniffer sits. This package records every packet once, as it
// leaves its sender: one frame per packet's first KindSend. That is the
// view of a capture taken on each sender's own interface — the usual
// situation when a student runs tcpdump on the client and on the server.
// Consequences, all deliberate:
//
//   - A packet lost on the way is still in the file (it was sent; the
//     sender's capture shows it), just as Wireshark would show it before
//     marking the retransmission.
//   - Router hops are not repeated: the frame's MAC addresses are those of
//     the sender and its next hop, the TTL is the sender's.
//   - Copies made by a link (KindDuplicate) and drops are not frames; the
//     JSON-lines export and the ladder show them.
//
// Timestamps are Epoch + Event.At with nanosecond resolution, so the same
// trace always gives the same bytes.
package pcap

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"socketlab/sim/trace"
)

// Epoch is the wall-clock time of At == 0 in written captures: a fixed date
// keeps files byte-identical from run to run.
var Epoch = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// SnapLen is the snapshot length in the file header: large enough for a
// 64 KiB datagram in one Ethernet frame, which the model allows (no
// fragmentation).
const SnapLen = 262144

// icmpQuoteMax bounds an ICMP error message, as RFC 1812 §4.3.2.3 (IPv4,
// 576 bytes) and RFC 4443 §2.4 (IPv6, the minimum MTU of 1280) require.
const (
	icmpQuoteMax4 = 576
	icmpQuoteMax6 = 1280
)

// Write writes t as a pcap file (Ethernet link type, nanosecond
// timestamps): one frame per packet, taken when its sender first sent it.
// A packet that cannot be encoded (an address family mix-up, a protocol
// the model does not have) is an error naming the event.
func Write(w io.Writer, t *trace.Trace) error {
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(SnapLen, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("pcap: %w", err)
	}
	seen := map[uint64]bool{}
	last := map[uint64]trace.Packet{} // the latest copy of every packet, for ICMP quotes
	buf := gopacket.NewSerializeBuffer()
	for i := range t.Events {
		e := &t.Events[i]
		switch e.Kind {
		case trace.KindSend, trace.KindDeliver, trace.KindDrop, trace.KindEnqueue:
		default:
			continue
		}
		p := e.Packet
		if e.Kind != trace.KindSend || seen[p.ID] || p.Orig != 0 {
			last[p.ID] = p
			continue
		}
		seen[p.ID] = true
		last[p.ID] = p
		if err := Frame(buf, e, last); err != nil {
			return fmt.Errorf("pcap: event %d (packet #%d at %v): %w", i+1, p.ID, e.At, err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: Epoch.Add(e.At), CaptureLength: len(data), Length: len(data)}
		if err := pw.WritePacket(ci, data); err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
	}
	return nil
}

// MAC returns the synthetic Ethernet address of a node: locally
// administered (02:…), the rest from a hash of the name, so every node
// keeps its address across runs and files.
func MAC(node string) net.HardwareAddr {
	h := fnv.New64a()
	h.Write([]byte(node))
	s := h.Sum64()
	return net.HardwareAddr{0x02, byte(s >> 32), byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)}
}

// Frame serializes the packet of a Send event as an Ethernet frame into
// buf, replacing its contents. known maps packet IDs to packets, used to
// rebuild the offending packet an ICMP error quotes when the event carries
// no quoted bytes of its own.
func Frame(buf gopacket.SerializeBuffer, e *trace.Event, known map[uint64]trace.Packet) error {
	p := &e.Packet
	src, dst := p.Src.Addr(), p.Dst.Addr()
	if !src.IsValid() || !dst.IsValid() {
		return errors.New("packet has no source or destination address")
	}
	if src.Is4() != dst.Is4() {
		return fmt.Errorf("source %v and destination %v are of different address families", src, dst)
	}
	eth := &layers.Ethernet{SrcMAC: MAC(e.Node), DstMAC: MAC(e.Peer)}
	ls, err := ipAndAbove(p, known)
	if err != nil {
		return err
	}
	if src.Is4() {
		eth.EthernetType = layers.EthernetTypeIPv4
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
	}
	all := append([]gopacket.SerializableLayer{eth}, ls...)
	return gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, all...)
}

// ipAndAbove builds the IP header and everything it carries.
func ipAndAbove(p *trace.Packet, known map[uint64]trace.Packet) ([]gopacket.SerializableLayer, error) {
	src, dst := p.Src.Addr(), p.Dst.Addr()
	// IPv4 total length and IPv6 payload length are 16 bits: no more fits
	// (the model has no fragmentation and no jumbograms). For UDP over
	// IPv4 that is the textbook's limit of 65,507 bytes.
	limit := 65535 - 8 // UDP and ICMP headers
	if p.Proto == trace.ProtoTCP {
		if n := p.TCPOptionsLen(); n > trace.MaxTCPOptions {
			return nil, fmt.Errorf("packet #%d: its TCP options take %d bytes, more than the %d a header has room for", p.ID, n, trace.MaxTCPOptions)
		}
		limit = 65535 - 20 - p.TCPOptionsLen()
	}
	if src.Is4() {
		limit -= 20
	}
	if len(p.Payload) > limit {
		return nil, fmt.Errorf("packet #%d carries %d bytes, more than one IP packet can hold (%d)", p.ID, len(p.Payload), limit)
	}
	ttl := p.TTL
	if ttl == 0 {
		ttl = 64
	}
	var ip gopacket.NetworkLayer
	var ip4 *layers.IPv4
	var ip6 *layers.IPv6
	if src.Is4() {
		ip4 = &layers.IPv4{Version: 4, IHL: 5, TTL: ttl, Id: uint16(p.ID), SrcIP: ipOf(src), DstIP: ipOf(dst)}
		ip = ip4
	} else {
		ip6 = &layers.IPv6{Version: 6, HopLimit: ttl, SrcIP: ipOf(src), DstIP: ipOf(dst)}
		ip = ip6
	}
	setProto := func(v4 layers.IPProtocol) {
		if ip4 != nil {
			ip4.Protocol = v4
			if v4 != layers.IPProtocolICMPv4 {
				ip4.Flags = layers.IPv4DontFragment // what Linux does with PMTU discovery
			}
		} else {
			if v4 == layers.IPProtocolICMPv4 {
				v4 = layers.IPProtocolICMPv6
			}
			ip6.NextHeader = v4
		}
	}
	out := []gopacket.SerializableLayer{ip.(gopacket.SerializableLayer)}
	switch p.Proto {
	case trace.ProtoTCP:
		setProto(layers.IPProtocolTCP)
		tcp := &layers.TCP{
			SrcPort: layers.TCPPort(p.Src.Port()), DstPort: layers.TCPPort(p.Dst.Port()),
			Seq: p.Seq, Ack: p.Ack, Window: p.Window,
			FIN: p.Flags.Has(trace.FlagFIN), SYN: p.Flags.Has(trace.FlagSYN), RST: p.Flags.Has(trace.FlagRST),
			PSH: p.Flags.Has(trace.FlagPSH), ACK: p.Flags.Has(trace.FlagACK), URG: p.Flags.Has(trace.FlagURG),
			ECE: p.Flags.Has(trace.FlagECE), CWR: p.Flags.Has(trace.FlagCWR),
		}
		for o := p.AppendTCPOptions(nil); len(o) > 0; {
			if o[0] == 1 { // NOP
				tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKindNop, OptionLength: 1})
				o = o[1:]
				continue
			}
			tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKind(o[0]), OptionLength: o[1], OptionData: o[2:o[1]]})
			o = o[o[1]:]
		}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			return nil, err
		}
		out = append(out, tcp, gopacket.Payload(p.Payload))
	case trace.ProtoUDP:
		setProto(layers.IPProtocolUDP)
		udp := &layers.UDP{SrcPort: layers.UDPPort(p.Src.Port()), DstPort: layers.UDPPort(p.Dst.Port())}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			return nil, err
		}
		out = append(out, udp, gopacket.Payload(p.Payload))
	case trace.ProtoICMP:
		setProto(layers.IPProtocolICMPv4)
		quote, err := icmpQuote(p, known)
		if err != nil {
			return nil, err
		}
		if ip4 != nil {
			out = append(out, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(p.ICMPType, p.ICMPCode)}, gopacket.Payload(quote))
		} else {
			icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(p.ICMPType, p.ICMPCode)}
			if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
				return nil, err
			}
			// Error messages carry 4 unused bytes before the quote (RFC 4443 §3).
			out = append(out, icmp, gopacket.Payload(append(make([]byte, 4), quote...)))
		}
	default:
		return nil, fmt.Errorf("protocol %v has no wire format", p.Proto)
	}
	return out, nil
}

// icmpQuote returns the bytes an ICMP error carries after its own header:
// the offending packet from its IP header on, "the internet header plus the
// first 64 bits of the original datagram's data" (RFC 792) or more, as much
// as fits into the RFC 1812 §4.3.2.3 / RFC 4443 §2.4 size limits (Linux
// quotes that much too).
//
// The simulator's hosts record only the quoted transport header as the
// event's Payload (Packet.Quote names the whole packet), while a trace read
// from a capture carries the quote as it was on the wire, IP header first.
// So the Payload is used as it is only when it begins with the IP header of
// a packet from the error's destination to its source; otherwise the
// offending packet is rebuilt from the trace (as it arrived), or, when the
// trace does not contain it, an IP header is put in front of the quoted
// bytes.
func icmpQuote(p *trace.Packet, known map[uint64]trace.Packet) ([]byte, error) {
	if len(p.Payload) > 0 && quotesIP(p) {
		return p.Payload, nil
	}
	limit := icmpQuoteMax4 - 20 - 8 // IPv4 header and ICMP header of the error itself
	if !p.Src.Addr().Is4() {
		limit = icmpQuoteMax6 - 40 - 8
	}
	var ls []gopacket.SerializableLayer
	if q, ok := known[p.Quote]; ok && p.Quote != 0 {
		var err error
		if ls, err = ipAndAbove(&q, known); err != nil {
			return nil, fmt.Errorf("quoted packet #%d: %w", p.Quote, err)
		}
	} else if p.Quote != 0 && len(p.Payload) == 0 {
		return nil, fmt.Errorf("the ICMP message quotes packet #%d, which the trace does not contain", p.Quote)
	} else if len(p.Payload) == 0 {
		return nil, nil
	} else {
		// Only the quoted transport header is known: the offending packet
		// went from the error's destination to its source. Port
		// unreachable, the one error the model sends, is about UDP.
		proto := layers.IPProtocolUDP
		if p.Src.Addr().Is4() {
			ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto,
				SrcIP: ipOf(p.Dst.Addr()), DstIP: ipOf(p.Src.Addr()), Flags: layers.IPv4DontFragment}
			ls = []gopacket.SerializableLayer{ip, gopacket.Payload(p.Payload)}
		} else {
			ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto,
				SrcIP: ipOf(p.Dst.Addr()), DstIP: ipOf(p.Src.Addr())}
			ls = []gopacket.SerializableLayer{ip, gopacket.Payload(p.Payload)}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		return nil, fmt.Errorf("quoted packet #%d: %w", p.Quote, err)
	}
	b := buf.Bytes()
	if len(b) > limit {
		b = b[:limit]
	}
	return append([]byte(nil), b...), nil
}

// quotesIP reports whether an ICMP error's Payload begins with the IP
// header of a packet that went from the error's destination to its source
// (the form a capture carries), rather than with a bare transport header.
func quotesIP(p *trace.Packet) bool {
	b := p.Payload
	src, dst := p.Dst.Addr(), p.Src.Addr() // of the quoted packet
	if src.Is4() {
		return len(b) >= 20 && b[0]>>4 == 4 && int(b[0]&0xf)*4 <= len(b) && b[0]&0xf >= 5 &&
			netip.AddrFrom4([4]byte(b[12:16])) == src && netip.AddrFrom4([4]byte(b[16:20])) == dst
	}
	return len(b) >= 40 && b[0]>>4 == 6 &&
		netip.AddrFrom16([16]byte(b[8:24])) == src && netip.AddrFrom16([16]byte(b[24:40])) == dst
}

func ipOf(a netip.Addr) net.IP { return net.IP(a.AsSlice()) }
