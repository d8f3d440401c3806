package capture

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"

	"socketlab/sim/trace"
)

// decode fills p from one captured frame whose link header is linkLen
// bytes with the EtherType at offset 12. It reports false for a frame it
// cannot read (the kernel filter lets through only IPv4 and IPv6 TCP, UDP
// and ICMP errors, so that means a truncated or malformed one). The
// payload is copied: frame is the reader's buffer, reused for the next one.
//
// ip is the frame from the network header on, cut to the IP packet's own
// length (an Ethernet frame may carry padding after it).
func decode(frame []byte, linkLen int, p *trace.Packet) (ip []byte, ok bool) {
	*p = trace.Packet{}
	if len(frame) < linkLen || linkLen < 14 {
		return nil, false
	}
	ip = frame[linkLen:]
	switch binary.BigEndian.Uint16(frame[12:]) {
	case etherTypeIPv4:
		if len(ip) < 1 || ip[0]>>4 != 4 {
			return nil, false
		}
	case etherTypeIPv6:
		if len(ip) < 1 || ip[0]>>4 != 6 {
			return nil, false
		}
	default:
		return nil, false
	}
	return decodeIP(ip, p, false)
}

// decodeIP decodes an IPv4 or IPv6 packet into p. A quoted packet (the
// one inside an ICMP error) may be cut short anywhere after the first 8
// bytes of its transport header; its length fields are not checked and
// its payload is not kept.
func decodeIP(ip []byte, p *trace.Packet, quoted bool) (_ []byte, ok bool) {
	var (
		proto uint8
		l4    []byte
	)
	switch {
	case len(ip) >= 20 && ip[0]>>4 == 4:
		hl := int(ip[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if total == 0 || quoted { // 0: segmentation offload beyond 64 KiB ("BIG TCP")
			total = len(ip)
		}
		if hl < 20 || total < hl || total > len(ip) {
			return nil, false
		}
		if binary.BigEndian.Uint16(ip[6:])&0x1fff != 0 {
			return nil, false // a later fragment
		}
		ip = ip[:total]
		proto, p.TTL = ip[9], ip[8]
		src, dst := netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		p.Src, p.Dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
		l4 = ip[hl:]
	case len(ip) >= 40 && ip[0]>>4 == 6:
		plen := int(binary.BigEndian.Uint16(ip[4:]))
		if plen == 0 || quoted { // 0: a jumbogram, or "BIG TCP" offload
			plen = len(ip) - 40
		}
		if 40+plen > len(ip) {
			return nil, false
		}
		ip = ip[:40+plen]
		proto, p.TTL = ip[6], ip[7]
		src, dst := netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40]))
		p.Src, p.Dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
		l4 = ip[40:]
	default:
		return nil, false
	}
	v4 := ip[0]>>4 == 4
	if quoted {
		if len(l4) < 8 || (proto != protoTCP && proto != protoUDP) {
			return nil, false
		}
		p.Proto = trace.ProtoUDP
		if proto == protoTCP {
			p.Proto = trace.ProtoTCP
		}
		p.Src = netip.AddrPortFrom(p.Src.Addr(), binary.BigEndian.Uint16(l4[0:]))
		p.Dst = netip.AddrPortFrom(p.Dst.Addr(), binary.BigEndian.Uint16(l4[2:]))
		return ip, true
	}
	var payload []byte
	switch proto {
	case protoTCP:
		if len(l4) < 20 {
			return nil, false
		}
		off := int(l4[12]>>4) * 4
		if off < 20 || off > len(l4) {
			return nil, false
		}
		p.Proto = trace.ProtoTCP
		p.Src = netip.AddrPortFrom(p.Src.Addr(), binary.BigEndian.Uint16(l4[0:]))
		p.Dst = netip.AddrPortFrom(p.Dst.Addr(), binary.BigEndian.Uint16(l4[2:]))
		p.Seq = binary.BigEndian.Uint32(l4[4:])
		p.Ack = binary.BigEndian.Uint32(l4[8:])
		p.Flags = trace.TCPFlags(l4[13])
		p.Window = binary.BigEndian.Uint16(l4[14:])
		p.SetTCPOptions(l4[20:off])
		payload = l4[off:]
	case protoUDP:
		if len(l4) < 8 {
			return nil, false
		}
		p.Proto = trace.ProtoUDP
		p.Src = netip.AddrPortFrom(p.Src.Addr(), binary.BigEndian.Uint16(l4[0:]))
		p.Dst = netip.AddrPortFrom(p.Dst.Addr(), binary.BigEndian.Uint16(l4[2:]))
		payload = l4[8:]
	case protoICMP, protoICMPv6:
		if (proto == protoICMP) != v4 || len(l4) < 8 {
			return nil, false
		}
		// Both carry 4 bytes after type, code and checksum (unused in the
		// errors the filter keeps) and then the quoted packet.
		p.Proto = trace.ProtoICMP
		p.ICMPType, p.ICMPCode = l4[0], l4[1]
		payload = l4[8:]
	default:
		return nil, false
	}
	if len(payload) > 0 {
		p.Payload = append([]byte(nil), payload...)
	}
	return ip, true
}

// quoteKey identifies a TCP or UDP packet by what an ICMP error quotes of
// it: the IP header's addresses, protocol and (IPv4) identification, and
// the start of the transport header — ports and sequence number, or
// ports and length (not the UDP checksum: a loopback packet's is left to
// an offload that never happens, and may read differently in the quote).
// Two IPv6 datagrams of one length between the same sockets look alike;
// the index keeps the later. ip starts at the IP header; it may be the
// captured packet or the quote inside an ICMP error, which may be cut
// short after those 8 bytes. ok is false when ip is not such a packet.
func quoteKey(seed maphash.Seed, ip []byte) (key uint64, ok bool) {
	var h maphash.Hash
	h.SetSeed(seed)
	if len(ip) < 1 {
		return 0, false
	}
	switch ip[0] >> 4 {
	case 4:
		if len(ip) < 20 {
			return 0, false
		}
		hl := int(ip[0]&0x0f) * 4
		if hl < 20 || len(ip) < hl+8 || (ip[9] != protoTCP && ip[9] != protoUDP) {
			return 0, false
		}
		h.Write(ip[4:6])   // identification
		h.Write(ip[9:10])  // protocol
		h.Write(ip[12:20]) // addresses
		h.Write(ip[hl : hl+l4Key(ip[9])])
	case 6:
		if len(ip) < 48 || (ip[6] != protoTCP && ip[6] != protoUDP) {
			return 0, false
		}
		h.Write(ip[6:7])
		h.Write(ip[8 : 40+l4Key(ip[6])])
	default:
		return 0, false
	}
	return h.Sum64(), true
}

// l4Key is how many bytes of a transport header quoteKey uses.
func l4Key(proto uint8) int {
	if proto == protoUDP {
		return 6
	}
	return 8
}
