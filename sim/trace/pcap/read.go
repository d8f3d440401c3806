package pcap

// Reading captures: the other direction of this package. A pcap or pcapng
// file from tcpdump, dumpcap or Wireshark becomes trace events that every
// view and exporter of socketlab reads like a simulated run.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"socketlab/sim/trace"
)

// Format is the container format of a capture file.
type Format uint8

// Capture file formats.
const (
	FormatUnknown Format = iota
	FormatPcap           // libpcap's classic format, micro- or nanosecond timestamps
	FormatPcapNG         // pcapng, Wireshark's and dumpcap's default
)

// String returns "pcap", "pcapng" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatPcap:
		return "pcap"
	case FormatPcapNG:
		return "pcapng"
	}
	return "unknown"
}

// Sniff returns the format the first four bytes of a file announce: pcap
// (magic a1b2c3d4 with microseconds, a1b23c4d with nanoseconds, in either
// byte order), pcapng (a section header block, 0a0d0d0a) or FormatUnknown.
func Sniff(head []byte) Format {
	if len(head) < 4 {
		return FormatUnknown
	}
	switch binary.BigEndian.Uint32(head) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return FormatPcap
	case 0x0a0d0d0a:
		return FormatPcapNG
	}
	return FormatUnknown
}

// MaxSnapLen is the longest packet record the reader accepts: libpcap's
// MAXIMUM_SNAPLEN, which tcpdump and Wireshark write at most. A record
// that claims more is refused before anything is allocated for it.
const MaxSnapLen = 262144

// maxBlock bounds a pcapng block: a packet of MaxSnapLen bytes with room
// for generous options and comments (Wireshark's limit is the same).
const maxBlock = 16 << 20

// dupWindow is how close in time two identical IP packets must be to be
// one packet seen twice (see Capture).
const dupWindow = 100 * time.Microsecond

// A FormatError is a capture file that cannot be read: where and why.
type FormatError struct {
	Offset int64  // the byte of the file at fault: where its record or block starts
	Msg    string // what is wrong, e.g. "packet record truncated (caplen 1514, 900 bytes left)"
}

// Error reads "byte 4096: packet record truncated (caplen 1514, 900 bytes left)".
func (e *FormatError) Error() string { return "byte " + strconv.FormatInt(e.Offset, 10) + ": " + e.Msg }

// Stats counts what a Capture did with the frames of its file.
type Stats struct {
	Format  Format
	Frames  int // packet records in the file
	Packets int // replayed: TCP, UDP or ICMP over IPv4 or IPv6
	// Skipped frames.
	NotIP      int // no IP packet inside: ARP, LLDP, … or a link type replay does not decode
	Fragments  int // IP fragments (not reassembled)
	OtherProto int // IP packets of other protocols (IGMP, SCTP, ESP, …)
	Malformed  int // IP packets whose headers do not decode
	Duplicates int // the same packet captured twice within microseconds
	// Truncated counts replayed packets cut by the snap length: their
	// payload is shorter than what was sent.
	Truncated int
}

// Skipped is the number of frames that are not replayed.
func (s Stats) Skipped() int {
	return s.NotIP + s.Fragments + s.OtherProto + s.Malformed + s.Duplicates
}

// String summarises the counts, e.g. "12 packets; skipped 2 frames (not IP)".
func (s Stats) String() string {
	out := plural(s.Packets, "packet")
	var why []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{s.NotIP, "not IP"}, {s.Fragments, "IP fragments"}, {s.OtherProto, "not TCP, UDP or ICMP"},
		{s.Malformed, "malformed"}, {s.Duplicates, "seen twice"},
	} {
		if c.n > 0 {
			why = append(why, strconv.Itoa(c.n)+" "+c.what)
		}
	}
	if len(why) > 0 {
		out += "; skipped " + plural(s.Skipped(), "frame") + " (" + strings.Join(why, ", ") + ")"
	}
	if s.Truncated > 0 {
		out += "; " + strconv.Itoa(s.Truncated) + " cut short by the snap length"
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// Capture replays a pcap or pcapng file as trace events, in two passes
// over the file so that the output can stream: Learn reads it once to
// find its hosts (the Header needs them before the first event), Replay
// reads it again and emits the events one packet at a time. ReadCapture
// does both for a file held in memory.
//
// # What becomes of a packet
//
// Link types Ethernet (with VLAN tags), Linux cooked (SLL and SLL2), raw
// IP and BSD loopback (Null, Loop) are decoded; IPv4 and IPv6 carrying TCP,
// UDP, ICMP or ICMPv6 are replayed. Every such packet becomes two events
// at its capture timestamp, At being the time since the file's first
// frame:
//
//   - a KindSend with Node the sender and Peer the receiver, Link
//     "capture" (or the interface name a pcapng file gives), and Arrive 0:
//     unknown;
//   - a KindDeliver of the same packet at the same instant, Node the
//     receiver and Peer the sender. One capture point cannot tell when the
//     packet arrived at the other end: the capture saw it at one moment, so
//     both ends are drawn at that moment.
//
// A packet's ID is its frame number, counted from 1 as Wireshark counts
// them, so #7 in a ladder is frame 7 in Wireshark; frames that are not
// replayed leave gaps. The packet carries the header fields as on the
// wire: addresses and ports, TTL or hop limit, absolute sequence and
// acknowledgement numbers, flags, the window unscaled, the MSS option of a
// SYN, the window scale, SACK-permitted, timestamps and SACK options, and the TCP or UDP payload. An ICMP error carries the bytes it
// quotes as Payload (for ICMPv6 without the 4 bytes before the quote, as
// this package writes them), its type and code, and in Quote the ID of the
// quoted packet when it is in the file. An echo's identifier and sequence
// number are not kept.
//
// Frames that are not replayed are counted in Stats: not IP (ARP, …), IP
// fragments, other protocols, malformed headers, and duplicates. A
// duplicate is a frame whose IP packet is byte for byte the one of the
// frame before, captured within 100 µs — the same packet seen leaving and
// arriving on a loopback interface, or on two interfaces of an "any"
// capture. Where the link type records a direction (Linux cooked, pcapng
// flags), two frames of the same direction on the same interface are never
// duplicates. (tcpdump -i lo and -i any record each packet once with
// today's libpcap; older versions and other tools do not.)
//
// # Hosts
//
// The Header lists one node (of kind host) per IP address, named by the
// address, in order of appearance. When both ends of a packet share one
// address — loopback — the endpoints of that address are named
// "address:port" instead ("127.0.0.1:43512"), so that a client and server
// on one machine still get a lifeline each; such nodes list no address
// (the name says it). An ICMP error between such endpoints goes from the
// endpoint the quoted packet was sent to, back to its sender. The endpoint
// that sends a SYN without ACK is a "client", the one it is sent to a
// "server" (Node.Role). Header.Scenario is the file's base name and Title
// "capture of N packets", with what was skipped; Live is set: the events
// come from real sockets.
//
// # Errors
//
// A file that cannot be read is a *FormatError naming the byte where its
// bad record or block starts and the problem. Nothing in the file is
// trusted for an allocation: a record may claim at most MaxSnapLen bytes,
// a pcapng block at most 16 MiB.
type Capture struct {
	name    string
	learned bool
	stats   Stats
	frames  int           // frames pass one read: pass two reads no more
	end     time.Duration // At of the last replayed packet
	t0      time.Time     // timestamp of the first frame
	haveT0  bool
	shared  map[netip.Addr]bool
	eps     []netip.AddrPort // endpoints in order of appearance
	epIndex map[netip.AddrPort]int
	roles   map[netip.AddrPort]uint8
}

const (
	roleClient = 1 << iota
	roleServer
)

// NewCapture returns a Capture for the file called name (its base name
// becomes Header.Scenario).
func NewCapture(name string) *Capture {
	return &Capture{name: filepath.Base(name), shared: map[netip.Addr]bool{},
		epIndex: map[netip.AddrPort]int{}, roles: map[netip.AddrPort]uint8{}}
}

// Learn reads the capture in r to the end: it checks the whole file and
// learns its hosts. Call it once, before Header and Replay.
func (c *Capture) Learn(r io.Reader) error {
	if c.learned {
		return errors.New("pcap: Learn called twice")
	}
	src, err := newSource(r, -1)
	if err != nil {
		return err
	}
	for {
		p, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if !c.haveT0 {
			c.t0, c.haveT0 = src.t0, true
		}
		c.end = max(c.end, p.ts.Sub(c.t0)) // as Replay keeps the events in order
		for _, ep := range [2]netip.AddrPort{p.from, p.to} {
			if _, ok := c.epIndex[ep]; !ok {
				c.epIndex[ep] = len(c.eps)
				c.eps = append(c.eps, ep)
			}
		}
		if p.from.Addr() == p.to.Addr() {
			c.shared[p.from.Addr()] = true
		}
		if p.pkt.Proto == trace.ProtoTCP && p.pkt.Flags&(trace.FlagSYN|trace.FlagACK) == trace.FlagSYN {
			c.roles[p.from] |= roleClient
			c.roles[p.to] |= roleServer
		}
	}
	c.stats = src.stats
	c.frames = src.frames
	if !c.haveT0 && src.haveT0 {
		c.t0, c.haveT0 = src.t0, true
	}
	c.learned = true
	return nil
}

// End returns the time (Event.At) of the last events Replay will emit
// (after Learn): what a ladder drawn as they come sizes its time column for.
func (c *Capture) End() time.Duration { return c.end }

// Stats returns what Learn found in the file.
func (c *Capture) Stats() Stats { return c.stats }

// nodeName names an endpoint: by address, or by address:port where the
// address talks to itself.
func (c *Capture) nodeName(ep netip.AddrPort) string {
	if c.shared[ep.Addr()] && ep.Port() != 0 {
		return ep.String()
	}
	return ep.Addr().String()
}

// Header returns the header of the replayed trace (after Learn).
func (c *Capture) Header() trace.Header {
	h := trace.Header{Scenario: c.name, Title: "capture of " + c.stats.String(), Live: true}
	index := map[string]int{}
	for _, ep := range c.eps {
		name := c.nodeName(ep)
		i, ok := index[name]
		if !ok {
			i = len(h.Nodes)
			index[name] = i
			n := trace.Node{Name: name, Kind: trace.NodeHost}
			if name == ep.Addr().String() {
				n.Addrs = []netip.Addr{ep.Addr()}
			}
			h.Nodes = append(h.Nodes, n)
		}
		h.Nodes[i].Role = addRole(h.Nodes[i].Role, c.roles[ep])
	}
	return h
}

func addRole(role string, bits uint8) string {
	has := func(r string) bool {
		return role == r || strings.HasPrefix(role, r+" ") || strings.HasSuffix(role, " "+r)
	}
	for _, r := range []struct {
		bit  uint8
		name string
	}{{roleClient, "client"}, {roleServer, "server"}} {
		if bits&r.bit != 0 && !has(r.name) {
			if role == "" {
				role = r.name
			} else {
				role += " and " + r.name
			}
		}
	}
	return role
}

// Replay reads the capture in r — the file Learn read — again and emits
// two events per replayed packet to sink, as they are read. It stops
// with ctx's error when ctx ends.
func (c *Capture) Replay(ctx context.Context, r io.Reader, sink trace.Sink) error {
	if !c.learned {
		return errors.New("pcap: Replay before Learn")
	}
	src, err := newSource(r, c.frames)
	if err != nil {
		return err
	}
	var e trace.Event
	last := time.Duration(0)
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		p, err := src.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		at := p.ts.Sub(c.t0)
		if at < last {
			at = last // a clock that stepped back: keep the events in order
		}
		last = at
		from, to := c.nodeName(p.from), c.nodeName(p.to)
		e = trace.Event{At: at, Kind: trace.KindSend, Node: from, Peer: to, Link: p.link, Packet: p.pkt}
		sink.Emit(&e)
		e = trace.Event{At: at, Kind: trace.KindDeliver, Node: to, Peer: from, Link: p.link, Packet: p.pkt}
		sink.Emit(&e)
	}
}

// ReadCapture reads a whole capture file (pcap or pcapng) into a trace;
// name is the file's name, for the header. See Capture.
func ReadCapture(r io.Reader, name string) (*trace.Trace, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	c := NewCapture(name)
	if err := c.Learn(bytes.NewReader(data)); err != nil {
		return nil, err
	}
	t := &trace.Trace{Header: c.Header()}
	if err := c.Replay(context.Background(), bytes.NewReader(data), t); err != nil {
		return nil, err
	}
	return t, nil
}

// ---- reading packets ----

// packet is one replayed IP packet.
type packet struct {
	ts       time.Time
	link     string
	pkt      trace.Packet
	from, to netip.AddrPort // the endpoints for naming
}

// direction of a frame, where the link type records it.
const (
	dirUnknown = iota
	dirIn
	dirOut
)

// quoteKey identifies a packet for the ICMP errors that quote it: the
// addresses, the protocol and the first 8 bytes of the transport header
// (ports and, for UDP, length and checksum), all of which a router leaves
// as they are.
type quoteKey struct {
	src, dst netip.Addr
	proto    uint8
	head     [8]byte
}

// quoteMemory is how many recent packets an ICMP error may quote.
const quoteMemory = 4096

// source reads the frames of a capture and decodes their IP packets.
type source struct {
	fr     *framer
	pr     *pcapgo.Reader
	ng     *pcapgo.NgReader
	link   layers.LinkType
	limit  int // frames to read at most; -1 all
	frames int
	stats  Stats
	t0     time.Time
	haveT0 bool

	prevIP    []byte
	prevTS    time.Time
	prevDir   int
	prevIface int

	quotes map[quoteKey]uint64
	ring   []quoteSlot
	ringN  int
}

type quoteSlot struct {
	key quoteKey
	id  uint64
}

func newSource(r io.Reader, limit int) (*source, error) {
	var head [4]byte
	br := &prefixReader{r: r}
	n, err := io.ReadFull(r, head[:])
	br.pre = head[:n]
	if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
		return nil, &FormatError{0, "the file is empty"}
	}
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	s := &source{limit: limit, quotes: map[quoteKey]uint64{}}
	switch Sniff(head[:n]) {
	case FormatPcap:
		s.stats.Format = FormatPcap
		s.fr = &framer{r: br}
		pr, err := pcapgo.NewReader(s.fr)
		if err != nil {
			return nil, s.fail(err)
		}
		s.pr, s.link = pr, pr.LinkType()
		if !decodable(s.link) {
			return nil, &FormatError{20, "link type " + linkName(s.link) + " is not one replay decodes (" + decodableNames + ")"}
		}
	case FormatPcapNG:
		s.stats.Format = FormatPcapNG
		s.fr = &framer{r: br, ng: true}
		ng, err := pcapgo.NewNgReader(s.fr, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: false})
		if err != nil {
			return nil, s.fail(err)
		}
		s.ng = ng
	default:
		return nil, &FormatError{0, fmt.Sprintf("not a pcap or pcapng file (it starts with % x)", head[:n])}
	}
	return s, nil
}

// prefixReader returns pre, then the rest of r.
type prefixReader struct {
	pre []byte
	r   io.Reader
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// fail turns an error of pcapgo into a FormatError: the framer's own if
// it found one, else pcapgo's words at the block being read.
func (s *source) fail(err error) error {
	var fe *FormatError
	if errors.As(s.fr.err, &fe) {
		return fe
	}
	if s.fr.err != nil && s.fr.err != io.EOF {
		return s.fr.err // an I/O error of the file itself
	}
	if errors.As(err, &fe) {
		return fe
	}
	msg := err.Error()
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		msg = "the file ends inside a block (an option or packet claims more bytes than its block holds)"
	} else if msg != "" {
		msg = strings.ToLower(msg[:1]) + msg[1:]
	}
	return &FormatError{s.fr.at, msg}
}

// next returns the next replayed packet, or io.EOF after the last.
func (s *source) next() (*packet, error) {
	for {
		if s.limit >= 0 && s.frames >= s.limit {
			return nil, io.EOF
		}
		var data []byte
		var ci gopacket.CaptureInfo
		var err error
		link := s.link
		iface, ifName, dir := 0, "", dirUnknown
		if s.pr != nil {
			data, ci, err = s.pr.ReadPacketData()
		} else {
			var opts pcapgo.NgPacketOptions
			data, ci, opts, err = s.ng.ReadPacketDataWithOptions()
			if err == nil {
				iface = ci.InterfaceIndex
				if in, ierr := s.ng.Interface(iface); ierr == nil {
					link, ifName = in.LinkType, in.Name
				}
				if opts.Flags != nil {
					switch opts.Flags.Direction {
					case pcapgo.NgEpbFlagDirectionInbound:
						dir = dirIn
					case pcapgo.NgEpbFlagDirectionOutbound:
						dir = dirOut
					}
				}
			}
		}
		if err == io.EOF && (s.fr.err == nil || s.fr.err == io.EOF) {
			return nil, io.EOF
		}
		if err != nil {
			return nil, s.fail(err)
		}
		s.frames++
		s.stats.Frames++
		if !s.haveT0 {
			s.t0, s.haveT0 = ci.Timestamp, true
		}
		if ifName == "" {
			ifName = "capture"
		}
		p, ok := s.decode(s.frames, link, data, ci, iface, dir)
		if !ok {
			continue
		}
		p.link = ifName
		if ci.CaptureLength < ci.Length {
			s.stats.Truncated++
		}
		s.stats.Packets++
		return p, nil
	}
}

const decodableNames = "Ethernet, Linux cooked SLL and SLL2, raw IP, BSD loopback"

func decodable(l layers.LinkType) bool {
	switch l {
	case layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeRaw, 12, 14,
		layers.LinkTypeIPv4, layers.LinkTypeIPv6, layers.LinkTypeNull, layers.LinkTypeLoop:
		return true
	}
	return false
}

func linkName(l layers.LinkType) string {
	if s := l.String(); !strings.HasPrefix(s, "Unknown") {
		return strconv.Itoa(int(l)) + " (" + s + ")"
	}
	return strconv.Itoa(int(l))
}

// ipOfFrame strips the link-layer header: the IP packet, its direction if
// the link type records it and the interface index of Linux cooked v2.
func ipOfFrame(link layers.LinkType, data []byte) (ip []byte, dir, iface int, ok bool) {
	switch link {
	case layers.LinkTypeEthernet:
		var eth layers.Ethernet
		if eth.DecodeFromBytes(data, gopacket.NilDecodeFeedback) != nil {
			return nil, 0, 0, false
		}
		t, rest := eth.EthernetType, eth.Payload
		for i := 0; i < 4 && (t == layers.EthernetTypeDot1Q || t == layers.EthernetTypeQinQ); i++ {
			var tag layers.Dot1Q
			if tag.DecodeFromBytes(rest, gopacket.NilDecodeFeedback) != nil {
				return nil, 0, 0, false
			}
			t, rest = tag.Type, tag.Payload
		}
		return ipOfType(t, rest), dirUnknown, -1, true
	case layers.LinkTypeLinuxSLL:
		var sll layers.LinuxSLL
		if sll.DecodeFromBytes(data, gopacket.NilDecodeFeedback) != nil {
			return nil, 0, 0, false
		}
		return ipOfType(sll.EthernetType, sll.Payload), sllDir(uint16(sll.PacketType)), -1, true
	case layers.LinkTypeLinuxSLL2:
		var sll layers.LinuxSLL2
		if sll.DecodeFromBytes(data, gopacket.NilDecodeFeedback) != nil {
			return nil, 0, 0, false
		}
		return ipOfType(sll.ProtocolType, sll.Payload), sllDir(uint16(sll.PacketType)), int(sll.InterfaceIndex), true
	case layers.LinkTypeRaw, 12, 14:
		if len(data) > 0 && (data[0]>>4 == 4 || data[0]>>4 == 6) {
			return data, dirUnknown, -1, true
		}
	case layers.LinkTypeIPv4:
		if len(data) > 0 && data[0]>>4 == 4 {
			return data, dirUnknown, -1, true
		}
	case layers.LinkTypeIPv6:
		if len(data) > 0 && data[0]>>4 == 6 {
			return data, dirUnknown, -1, true
		}
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		var lo layers.Loopback
		if lo.DecodeFromBytes(data, gopacket.NilDecodeFeedback) != nil {
			return nil, 0, 0, false
		}
		switch lo.Family {
		case layers.ProtocolFamilyIPv4, layers.ProtocolFamilyIPv6BSD, layers.ProtocolFamilyIPv6FreeBSD,
			layers.ProtocolFamilyIPv6Darwin, layers.ProtocolFamilyIPv6Linux:
			return lo.Payload, dirUnknown, -1, true
		}
	}
	return nil, 0, 0, false
}

func ipOfType(t layers.EthernetType, payload []byte) []byte {
	if t == layers.EthernetTypeIPv4 || t == layers.EthernetTypeIPv6 {
		return payload
	}
	return nil
}

// sllDir reads a Linux cooked packet type: 4 is outgoing, the others
// (to us, broadcast, multicast, to another host) arrived.
func sllDir(t uint16) int {
	if t == 4 {
		return dirOut
	}
	return dirIn
}

// decode turns frame number id into a packet, or counts why not.
func (s *source) decode(id int, link layers.LinkType, data []byte, ci gopacket.CaptureInfo, ngIface, ngDir int) (*packet, bool) {
	if !decodable(link) {
		s.stats.NotIP++
		return nil, false
	}
	ip, dir, iface, ok := ipOfFrame(link, data)
	if !ok || len(ip) == 0 {
		s.stats.NotIP++
		return nil, false
	}
	if dir == dirUnknown {
		dir = ngDir
	}
	if iface < 0 {
		iface = ngIface
	}
	ip = ipOnly(ip)
	// One packet seen twice (leaving and arriving on a loopback
	// interface, or on two interfaces): the same bytes at once.
	if s.prevIP != nil && bytes.Equal(ip, s.prevIP) && ci.Timestamp.Sub(s.prevTS).Abs() <= dupWindow &&
		!(dir != dirUnknown && dir == s.prevDir && iface == s.prevIface) {
		s.stats.Duplicates++
		s.prevIP = nil // a third copy is a packet again
		return nil, false
	}
	s.prevIP, s.prevTS, s.prevDir, s.prevIface = ip, ci.Timestamp, dir, iface

	p := &packet{ts: ci.Timestamp}
	pk := &p.pkt
	pk.ID = uint64(id)
	var src, dst netip.Addr
	var proto uint8
	var l4 []byte
	switch ip[0] >> 4 {
	case 4:
		var v4 layers.IPv4
		if v4.DecodeFromBytes(ip, gopacket.NilDecodeFeedback) != nil {
			s.stats.Malformed++
			return nil, false
		}
		if v4.Flags&layers.IPv4MoreFragments != 0 || v4.FragOffset != 0 {
			s.stats.Fragments++
			return nil, false
		}
		src, _ = netip.AddrFromSlice(v4.SrcIP)
		dst, _ = netip.AddrFromSlice(v4.DstIP)
		src, dst = src.Unmap(), dst.Unmap()
		pk.TTL, proto, l4 = v4.TTL, uint8(v4.Protocol), v4.Payload
	case 6:
		var v6 layers.IPv6
		if v6.DecodeFromBytes(ip, gopacket.NilDecodeFeedback) != nil {
			s.stats.Malformed++
			return nil, false
		}
		src, _ = netip.AddrFromSlice(v6.SrcIP)
		dst, _ = netip.AddrFromSlice(v6.DstIP)
		pk.TTL = v6.HopLimit
		var frag, bad bool
		proto, l4, frag, bad = skipV6Extensions(uint8(v6.NextHeader), v6.Payload)
		if bad {
			s.stats.Malformed++
			return nil, false
		}
		if frag {
			s.stats.Fragments++
			return nil, false
		}
	default:
		s.stats.NotIP++
		return nil, false
	}
	if !src.IsValid() || !dst.IsValid() {
		s.stats.Malformed++
		return nil, false
	}
	v6 := src.Is6()
	switch {
	case proto == uint8(layers.IPProtocolTCP):
		var tcp layers.TCP
		if tcp.DecodeFromBytes(l4, gopacket.NilDecodeFeedback) != nil {
			s.stats.Malformed++
			return nil, false
		}
		pk.Proto = trace.ProtoTCP
		pk.Src, pk.Dst = netip.AddrPortFrom(src, uint16(tcp.SrcPort)), netip.AddrPortFrom(dst, uint16(tcp.DstPort))
		pk.Seq, pk.Ack, pk.Window = tcp.Seq, tcp.Ack, tcp.Window
		for _, f := range []struct {
			on   bool
			flag trace.TCPFlags
		}{
			{tcp.FIN, trace.FlagFIN}, {tcp.SYN, trace.FlagSYN}, {tcp.RST, trace.FlagRST}, {tcp.PSH, trace.FlagPSH},
			{tcp.ACK, trace.FlagACK}, {tcp.URG, trace.FlagURG}, {tcp.ECE, trace.FlagECE}, {tcp.CWR, trace.FlagCWR},
		} {
			if f.on {
				pk.Flags |= f.flag
			}
		}
		if hl := int(tcp.DataOffset) * 4; hl > 20 && hl <= len(tcp.Contents) {
			pk.SetTCPOptions(tcp.Contents[20:hl])
			if !tcp.SYN {
				pk.MSS = 0 // an MSS option means something only on a SYN
			}
		}
		pk.Payload = own(tcp.Payload)
	case proto == uint8(layers.IPProtocolUDP):
		var udp layers.UDP
		if udp.DecodeFromBytes(l4, gopacket.NilDecodeFeedback) != nil {
			s.stats.Malformed++
			return nil, false
		}
		pk.Proto = trace.ProtoUDP
		pk.Src, pk.Dst = netip.AddrPortFrom(src, uint16(udp.SrcPort)), netip.AddrPortFrom(dst, uint16(udp.DstPort))
		pk.Payload = own(udp.Payload)
	case proto == uint8(layers.IPProtocolICMPv4) && !v6, proto == uint8(layers.IPProtocolICMPv6) && v6:
		// Type and code, checksum, then 4 bytes (identifier and sequence,
		// unused, an MTU or a pointer), then the data or the quote.
		if len(l4) < 8 {
			s.stats.Malformed++
			return nil, false
		}
		pk.Proto = trace.ProtoICMP
		pk.ICMPType, pk.ICMPCode = l4[0], l4[1]
		pk.Src, pk.Dst = netip.AddrPortFrom(src, 0), netip.AddrPortFrom(dst, 0)
		pk.Payload = own(l4[8:])
	default:
		s.stats.OtherProto++
		return nil, false
	}
	p.from, p.to = pk.Src, pk.Dst
	if pk.Proto == trace.ProtoICMP && icmpError(pk.ICMPType, v6) {
		if q, ok := parseQuote(pk.Payload); ok {
			pk.Quote = s.quotes[q.key]
			// Between endpoints of one address, the error goes from the
			// port the quoted packet was sent to, back to its sender.
			if q.key.dst == src && q.dstPort != 0 {
				p.from = netip.AddrPortFrom(src, q.dstPort)
			}
			if q.key.src == dst && q.srcPort != 0 {
				p.to = netip.AddrPortFrom(dst, q.srcPort)
			}
		}
	} else if len(l4) >= 8 {
		s.remember(quoteKey{src: src, dst: dst, proto: proto, head: [8]byte(l4[:8])}, pk.ID)
	}
	return p, true
}

// ipOnly cuts what follows the IP packet (Ethernet padding) so that two
// copies of a packet compare equal.
func ipOnly(ip []byte) []byte {
	switch {
	case ip[0]>>4 == 4 && len(ip) >= 20:
		if n := int(binary.BigEndian.Uint16(ip[2:4])); n >= 20 && n < len(ip) {
			return ip[:n]
		}
	case ip[0]>>4 == 6 && len(ip) >= 40:
		if n := 40 + int(binary.BigEndian.Uint16(ip[4:6])); n > 40 && n < len(ip) {
			return ip[:n]
		}
	}
	return ip
}

// skipV6Extensions walks IPv6 extension headers to the transport.
func skipV6Extensions(next uint8, b []byte) (proto uint8, l4 []byte, frag, bad bool) {
	for i := 0; i < 16; i++ {
		switch layers.IPProtocol(next) {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination:
			if len(b) < 8 {
				return 0, nil, false, true
			}
			n := (int(b[1]) + 1) * 8
			if n > len(b) {
				return 0, nil, false, true
			}
			next, b = b[0], b[n:]
		case layers.IPProtocolIPv6Fragment:
			return 0, nil, true, false
		case layers.IPProtocolAH:
			if len(b) < 8 {
				return 0, nil, false, true
			}
			n := (int(b[1]) + 2) * 4
			if n > len(b) {
				return 0, nil, false, true
			}
			next, b = b[0], b[n:]
		default:
			return next, b, false, false
		}
	}
	return 0, nil, false, true
}

// own copies a payload out of the frame; empty is nil, as JSON lines
// decode it.
func own(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// icmpError reports whether an ICMP type quotes the packet it is about.
func icmpError(t uint8, v6 bool) bool {
	if v6 {
		return t >= 1 && t <= 4
	}
	switch t {
	case 3, 4, 5, 11, 12:
		return true
	}
	return false
}

type quote struct {
	key              quoteKey
	srcPort, dstPort uint16
}

// parseQuote reads the IP header and the first 8 transport bytes an ICMP
// error quotes.
func parseQuote(b []byte) (quote, bool) {
	var q quote
	var hl int
	switch {
	case len(b) >= 20 && b[0]>>4 == 4:
		hl = int(b[0]&0x0f) * 4
		if hl < 20 {
			return q, false
		}
		q.key.proto = b[9]
		q.key.src, _ = netip.AddrFromSlice(b[12:16])
		q.key.dst, _ = netip.AddrFromSlice(b[16:20])
	case len(b) >= 40 && b[0]>>4 == 6:
		hl = 40
		q.key.proto = b[6]
		q.key.src, _ = netip.AddrFromSlice(b[8:24])
		q.key.dst, _ = netip.AddrFromSlice(b[24:40])
	default:
		return q, false
	}
	if len(b) < hl+8 {
		return q, false
	}
	q.key.head = [8]byte(b[hl : hl+8])
	if q.key.proto == uint8(layers.IPProtocolTCP) || q.key.proto == uint8(layers.IPProtocolUDP) {
		q.srcPort = binary.BigEndian.Uint16(b[hl:])
		q.dstPort = binary.BigEndian.Uint16(b[hl+2:])
	}
	return q, true
}

// remember keeps the last quoteMemory packets for the ICMP errors that
// may quote them.
func (s *source) remember(k quoteKey, id uint64) {
	if len(s.ring) < quoteMemory {
		s.ring = append(s.ring, quoteSlot{k, id})
	} else {
		i := s.ringN % quoteMemory
		if old := s.ring[i]; s.quotes[old.key] == old.id {
			delete(s.quotes, old.key)
		}
		s.ring[i] = quoteSlot{k, id}
	}
	s.quotes[k] = id
	s.ringN++
}

// ---- framing ----

// framer sits between the file and pcapgo. It checks the framing of the
// file — the file header, every record header, every pcapng block's
// lengths — before pcapgo sees it, and knows where every record or block
// starts: so that an error names its byte, and no length from the file is
// trusted for an allocation. It hands out at most the rest of the current
// record or block per Read, so pcapgo's buffer never runs ahead of it.
type framer struct {
	r      io.Reader
	ng     bool
	big    bool   // byte order of the file (pcap) or section (pcapng)
	in     int64  // bytes read from the file
	at     int64  // where the current record or block starts
	what   string // what the current record or block is, for errors
	clen   int64  // its length, for errors
	hbuf   [32]byte
	hdr    []byte // header bytes still to hand out
	body   int64  // body bytes still to pass through
	trail  bool   // pcapng: the trailing length is still to check
	length uint32 // pcapng: the block's length
	begun  bool
	err    error // the first error (io.EOF at a clean end), returned from then on
}

func (f *framer) order() binary.ByteOrder {
	if f.big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (f *framer) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if len(f.hdr) == 0 && f.body == 0 && !f.trail {
		if err := f.next(); err != nil {
			f.err = err
			return 0, err
		}
	}
	if len(f.hdr) > 0 {
		n := copy(p, f.hdr)
		f.hdr = f.hdr[n:]
		return n, nil
	}
	if f.body > 0 {
		if int64(len(p)) > f.body {
			p = p[:f.body]
		}
		n, err := f.r.Read(p)
		f.in += int64(n)
		f.body -= int64(n)
		if err == io.EOF && f.body > 0 {
			err = f.truncated()
		}
		if err != nil && err != io.EOF {
			f.err = err
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		return n, nil
	}
	// pcapng: the block's length again, at its end.
	f.trail = false
	if _, err := f.read(f.hbuf[:4]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = f.truncated()
		}
		f.err = err
		return 0, err
	}
	if end := f.order().Uint32(f.hbuf[:4]); end != f.length {
		f.err = &FormatError{f.at, fmt.Sprintf("%s: the length at its end, %d, differs from the %d at its start", f.what, end, f.length)}
		return 0, f.err
	}
	f.hdr = f.hbuf[:4]
	return f.Read(p)
}

// read fills b from the file.
func (f *framer) read(b []byte) (int, error) {
	n, err := io.ReadFull(f.r, b)
	f.in += int64(n)
	return n, err
}

// truncated is the error for a record or block the file ends inside.
func (f *framer) truncated() error {
	got := f.in - f.at
	if !f.ng {
		return &FormatError{f.at, fmt.Sprintf("packet record truncated (caplen %d, %d bytes left)", f.clen-16, got-16)}
	}
	return &FormatError{f.at, fmt.Sprintf("%s truncated (length %d, %d bytes left)", f.what, f.clen, got)}
}

// next reads the header of the next record or block.
func (f *framer) next() error {
	f.at = f.in
	if !f.ng {
		if !f.begun {
			f.begun = true
			n, err := f.read(f.hbuf[:24])
			if err != nil {
				return f.short(err, "file header", 24, n)
			}
			switch binary.BigEndian.Uint32(f.hbuf[:4]) {
			case 0xa1b2c3d4, 0xa1b23c4d:
				f.big = true
			}
			major, minor := f.order().Uint16(f.hbuf[4:6]), f.order().Uint16(f.hbuf[6:8])
			if major != 2 || minor != 4 {
				return &FormatError{4, fmt.Sprintf("pcap version %d.%d (this reader knows 2.4)", major, minor)}
			}
			f.hdr = f.hbuf[:24]
			return nil
		}
		n, err := f.read(f.hbuf[:16])
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return f.short(err, "packet record header", 16, n)
		}
		caplen, length := f.order().Uint32(f.hbuf[8:12]), f.order().Uint32(f.hbuf[12:16])
		if caplen > MaxSnapLen {
			return &FormatError{f.at, fmt.Sprintf("packet record claims caplen %d, more than a capture holds (%d)", caplen, MaxSnapLen)}
		}
		if caplen > length {
			return &FormatError{f.at, fmt.Sprintf("packet record claims caplen %d, more than the packet's length %d", caplen, length)}
		}
		f.what, f.clen = "packet record", 16+int64(caplen)
		f.hdr, f.body = f.hbuf[:16], int64(caplen)
		return nil
	}

	n, err := f.read(f.hbuf[:8])
	if err == io.EOF && f.begun {
		return io.EOF
	}
	if err != nil {
		return f.short(err, "block header", 8, n)
	}
	f.begun = true
	typ := binary.LittleEndian.Uint32(f.hbuf[:4])
	hl := 8
	if typ == 0x0a0d0d0a {
		n, err := f.read(f.hbuf[8:12])
		if err != nil {
			return f.short(err, "section header block", 12, 8+n)
		}
		switch binary.LittleEndian.Uint32(f.hbuf[8:12]) {
		case 0x1a2b3c4d:
			f.big = false
		case 0x4d3c2b1a:
			f.big = true
		default:
			return &FormatError{f.at, fmt.Sprintf("section header block: byte-order magic % x (want 1a2b3c4d)", f.hbuf[8:12])}
		}
		hl = 12
	}
	if f.big {
		typ = binary.BigEndian.Uint32(f.hbuf[:4])
	}
	f.length = f.order().Uint32(f.hbuf[4:8])
	f.what, f.clen = blockName(typ), int64(f.length)
	min := uint32(12)
	switch typ {
	case 0x0a0d0d0a:
		min = 28
	case 1: // interface description
		min = 20
	case 2, 6: // (obsolete) packet, enhanced packet
		min = 32
	case 3: // simple packet
		min = 16
	case 5: // interface statistics
		min = 24
	}
	switch {
	case f.length%4 != 0:
		return &FormatError{f.at, fmt.Sprintf("%s length %d is not a multiple of 4", f.what, f.length)}
	case f.length < min:
		return &FormatError{f.at, fmt.Sprintf("%s length %d is less than the %d it needs", f.what, f.length, min)}
	case f.length > maxBlock:
		return &FormatError{f.at, fmt.Sprintf("%s claims %d bytes, more than a block holds (%d)", f.what, f.length, maxBlock)}
	}
	if typ == 2 || typ == 6 {
		if _, err := f.read(f.hbuf[8:28]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = f.truncated()
			}
			return err
		}
		caplen := f.order().Uint32(f.hbuf[20:24])
		if caplen > MaxSnapLen {
			return &FormatError{f.at, fmt.Sprintf("%s claims caplen %d, more than a capture holds (%d)", f.what, caplen, MaxSnapLen)}
		}
		if caplen > f.length-32 {
			return &FormatError{f.at, fmt.Sprintf("%s claims caplen %d, more than its length %d holds", f.what, caplen, f.length)}
		}
		hl = 28
	}
	f.hdr = f.hbuf[:hl]
	f.body = int64(f.length) - int64(hl) - 4
	f.trail = true
	return nil
}

// short is the error for a header the file ends inside.
func (f *framer) short(err error, what string, want, got int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if f.at == 0 && got == 0 {
			return &FormatError{0, "the file is empty"}
		}
		return &FormatError{f.at, fmt.Sprintf("%s truncated (%d bytes, %d left)", what, want, got)}
	}
	return err
}

func blockName(typ uint32) string {
	switch typ {
	case 0x0a0d0d0a:
		return "section header block"
	case 1:
		return "interface description block"
	case 2:
		return "packet block"
	case 3:
		return "simple packet block"
	case 4:
		return "name resolution block"
	case 5:
		return "interface statistics block"
	case 6:
		return "enhanced packet block"
	case 10:
		return "decryption secrets block"
	}
	return fmt.Sprintf("block of type %#x", typ)
}
