// Package capture shows the real segments of real connections: it reads
// the packets of watched ports from a packet socket (AF_PACKET, Linux,
// pure Go, no libpcap) and emits them as trace events — the same Send and
// Deliver events the simulator emits, with the sequence numbers, windows,
// options and TTLs the kernel really put on the wire — and can save them
// as a pcap file that Wireshark and tshark read.
//
// # Privilege
//
// A packet socket needs root or CAP_NET_RAW. Without it Start returns
// ErrNoPrivilege and nothing else happens: the caller keeps showing the
// socket calls (the application view) and prints the error's one line once.
//
// # Filtering
//
// The kernel filters (classic BPF attached to the socket), so the capture
// never sees, copies or wakes up for other traffic: TCP and UDP packets
// from or to a watched endpoint, and the ICMP errors (destination
// unreachable, time exceeded) that quote such a packet. A watched endpoint
// is a port on any address, or an address and port. Endpoints can be added
// while the capture runs (AddPorts, AddEndpoints); the kernel swaps the
// filter atomically.
//
// # Events
//
// Each packet gets an ID, from 1 per Capture, and two events with it: a
// trace.KindSend when it is seen leaving (Node = NodeOf(source), Peer =
// NodeOf(destination), Link = the interface, Arrive = 0) and a
// trace.KindDeliver when it is seen arriving (Node = NodeOf(destination),
// Peer = NodeOf(source)). On the loopback interface the kernel shows every
// packet twice, once going out and once coming in, and the two events
// carry the two kernel timestamps; a capture on a real interface sees each
// packet once, going out or coming in, and emits Send and Deliver at the
// same timestamp. At is the kernel timestamp minus Config.Start, the
// session clock the socket-call events use too.
//
// trace.Packet is filled from the headers as captured: Proto, Src and Dst
// (address and port; port 0 for ICMP), TTL or hop limit, and for TCP Seq,
// Ack (absolute, as on the wire), Flags, Window (the raw 16-bit field,
// unscaled) and the MSS option; Payload is a copy of the TCP or UDP
// payload, or for an ICMP error the quoted packet from its IP header on,
// with Quote set to the ID of the quoted packet when the capture saw it.
// The model has no fields for the window-scale, SACK and timestamp
// options: they are in the pcap file only.
package capture

import (
	"bufio"
	"errors"
	"hash/maphash"
	"io"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"socketlab/sim/trace"
)

// ErrNoPrivilege is returned by Start when the process may not open a
// packet socket. Its message is one line meant for the user as it is.
var ErrNoPrivilege = errors.New("capturing packets needs root or CAP_NET_RAW (try sudo); showing the socket calls only")

// ErrUnsupported is returned by Start on systems other than Linux.
var ErrUnsupported = errors.New("capturing packets is implemented for Linux only; showing the socket calls only")

// ErrClosed is returned by AddPorts and AddEndpoints after Close.
var ErrClosed = errors.New("capture: closed")

// Config says what to capture and where the events and frames go.
type Config struct {
	// Interface is the network interface to capture on; "" means "lo",
	// the loopback interface. Interfaces with Ethernet framing (lo, eth*,
	// veth, bridges) are supported; "any" and raw-IP tunnels are not.
	Interface string

	// Ports are watched on every address: TCP and UDP packets with one of
	// them as source or destination port are captured, and the ICMP errors
	// about such packets (a UDP port unreachable).
	Ports []uint16

	// Endpoints are watched like Ports but only on their address. An
	// invalid or unspecified address watches the port on any address;
	// an IPv4-mapped IPv6 address watches the IPv4 address.
	Endpoints []netip.AddrPort

	// Start is the instant of At == 0, shared with the events of the socket
	// calls. The zero time means the moment Start is called.
	Start time.Time

	// Sink receives the events from the capture's own goroutine. It must be
	// safe for concurrent use (a *trace.Feed) since the socket calls emit to
	// it too, and must not block for long: while Emit blocks, the kernel
	// keeps the packets that arrive in the socket's buffer (8 MiB) and drops
	// the rest: Stats counts them, and a trace.KindNote event says so,
	// since a packet may then lack its Send or its Deliver.
	Sink trace.Sink

	// NodeOf names the node an endpoint belongs to ("client", "server").
	// It is called on the capture's goroutine with a packet's source and
	// destination; for an ICMP error it gets the endpoints of the quoted
	// packet swapped (the error comes from the endpoint that could not be
	// reached) when the addresses agree, and the bare address with port 0
	// otherwise (a router). Nil names a node by its address and port (the
	// address alone for port 0).
	NodeOf func(netip.AddrPort) string

	// Pcap, if not nil, receives the captured frames as a pcap file
	// (Ethernet link type, nanosecond timestamps of the kernel, wall
	// clock), one frame per packet as it was first seen — on loopback as
	// it left, as tcpdump -i lo shows it. The capture's goroutine writes it
	// through a buffer that is flushed whenever no packet is waiting and at
	// Close; Close does not close it.
	Pcap io.Writer
}

// nodeName returns NodeOf(ep), or the endpoint as text.
func (c *Config) nodeName(ep netip.AddrPort) string {
	if c.NodeOf != nil {
		return c.NodeOf(ep)
	}
	if ep.Port() == 0 {
		return ep.Addr().String()
	}
	return ep.String()
}

// proc turns captured frames into events and pcap records. It is used by
// one goroutine only: the reader.
type proc struct {
	cfg     Config
	link    string // interface name, the events' Link
	linkLen int    // link-layer header length
	twice   bool   // loopback: every packet is seen leaving and arriving
	seed    maphash.Seed
	nextID  uint64
	pend    pendingSet
	quotes  quoteIndex
	bw      *bufio.Writer
	pw      *pcapgo.Writer
	pcapErr error
	frames  uint64 // frames handed to frame()
	bad     uint64 // frames decode could not read
	ev      trace.Event
}

func newProc(cfg Config, link string, linkLen int, twice bool) *proc {
	p := &proc{cfg: cfg, link: link, linkLen: linkLen, twice: twice, seed: maphash.MakeSeed()}
	p.pend.init(4096)
	p.quotes.init(4096)
	return p
}

// startPcap writes the pcap file header.
func (p *proc) startPcap(w io.Writer) error {
	p.bw = bufio.NewWriterSize(w, 256<<10)
	p.pw = pcapgo.NewWriterNanos(p.bw)
	if err := p.pw.WriteFileHeader(snapLen, layers.LinkTypeEthernet); err != nil {
		return err
	}
	return p.bw.Flush()
}

// flush writes out the buffered pcap frames.
func (p *proc) flush() {
	if p.bw != nil && p.pcapErr == nil && p.bw.Buffered() > 0 {
		p.pcapErr = p.bw.Flush()
	}
}

// frame handles one captured frame: b is the frame as captured (the
// reader's buffer), wireLen its length on the wire, outgoing whether the
// kernel saw it leave this host (PACKET_OUTGOING).
func (p *proc) frame(b []byte, wireLen int, outgoing bool, ts time.Time) {
	p.frames++
	at := ts.Sub(p.cfg.Start)
	var key uint64
	if p.twice {
		key = maphash.Bytes(p.seed, b[min(p.linkLen, len(b)):])
		if !outgoing {
			if e, ok := p.pend.take(key); ok {
				p.emit(trace.KindDeliver, at, &e.pkt, e.peer, e.node)
				return
			}
		}
	}
	var pkt trace.Packet
	ip, ok := decode(b, p.linkLen, &pkt)
	if !ok {
		p.bad++
		return
	}
	p.nextID++
	pkt.ID = p.nextID
	if pkt.Proto == trace.ProtoICMP {
		if k, ok := quoteKey(p.seed, pkt.Payload); ok {
			pkt.Quote = p.quotes.get(k)
		}
	} else if k, ok := quoteKey(p.seed, ip); ok {
		p.quotes.put(k, pkt.ID)
	}
	from, to := endpoints(&pkt)
	node, peer := p.cfg.nodeName(from), p.cfg.nodeName(to)
	p.emit(trace.KindSend, at, &pkt, node, peer)
	if p.twice && outgoing {
		p.pend.put(key, pendEntry{pkt: pkt, node: node, peer: peer})
	} else {
		p.emit(trace.KindDeliver, at, &pkt, peer, node)
	}
	if p.pw != nil && p.pcapErr == nil {
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: max(wireLen, len(b))}
		p.pcapErr = p.pw.WritePacket(ci, b)
	}
}

func (p *proc) emit(k trace.Kind, at time.Duration, pkt *trace.Packet, node, peer string) {
	p.ev = trace.Event{At: at, Kind: k, Node: node, Peer: peer, Link: p.link, Packet: *pkt}
	p.cfg.Sink.Emit(&p.ev)
}

// endpoints returns the endpoints a packet goes from and to, for naming
// nodes: its own, or for an ICMP error those of the packet it quotes,
// swapped, where the addresses agree.
func endpoints(p *trace.Packet) (from, to netip.AddrPort) {
	from, to = p.Src, p.Dst
	if p.Proto != trace.ProtoICMP {
		return from, to
	}
	qs, qd, ok := quotedEndpoints(p.Payload)
	if !ok {
		return from, to
	}
	if qd.Addr() == from.Addr() {
		from = qd
	}
	if qs.Addr() == to.Addr() {
		to = qs
	}
	return from, to
}

// quotedEndpoints reads the source and destination of the TCP or UDP
// packet an ICMP error quotes.
func quotedEndpoints(q []byte) (src, dst netip.AddrPort, ok bool) {
	var pkt trace.Packet
	if _, ok := decodeIP(q, &pkt, true); !ok {
		return src, dst, false
	}
	return pkt.Src, pkt.Dst, true
}

// pendEntry is a packet seen leaving on loopback, waiting for its arrival.
type pendEntry struct {
	pkt        trace.Packet
	node, peer string
}

// pendingSet holds the loopback packets seen leaving and not yet arriving,
// by a hash of their bytes, first in first out for identical bytes. It
// remembers at most its size; the oldest are forgotten (a packet whose
// arrival the capture missed, because the kernel dropped it or the socket
// buffer overflowed, must not stay forever).
type pendingSet struct {
	m    map[uint64][]pendEntry
	ring []ringSlot
	next int
}

type ringSlot struct{ key, id uint64 }

func (s *pendingSet) init(n int) {
	s.m = make(map[uint64][]pendEntry)
	s.ring = make([]ringSlot, n)
}

func (s *pendingSet) put(key uint64, e pendEntry) {
	if old := s.ring[s.next]; old.id != 0 {
		s.remove(old.key, old.id)
	}
	s.ring[s.next] = ringSlot{key, e.pkt.ID}
	s.next = (s.next + 1) % len(s.ring)
	s.m[key] = append(s.m[key], e)
}

func (s *pendingSet) take(key uint64) (pendEntry, bool) {
	q := s.m[key]
	if len(q) == 0 {
		return pendEntry{}, false
	}
	e := q[0]
	if len(q) == 1 {
		delete(s.m, key)
	} else {
		q[0] = pendEntry{}
		s.m[key] = q[1:]
	}
	return e, true
}

func (s *pendingSet) remove(key, id uint64) {
	q := s.m[key]
	for i := range q {
		if q[i].pkt.ID == id {
			q = append(q[:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(s.m, key)
	} else {
		s.m[key] = q
	}
}

// quoteIndex maps the quote keys of the latest TCP and UDP packets to
// their IDs, so that an ICMP error can name the packet it quotes.
type quoteIndex struct {
	m    map[uint64]uint64
	ring []ringSlot
	next int
}

func (x *quoteIndex) init(n int) {
	x.m = make(map[uint64]uint64)
	x.ring = make([]ringSlot, n)
}

func (x *quoteIndex) put(key, id uint64) {
	if old := x.ring[x.next]; old.id != 0 && x.m[old.key] == old.id {
		delete(x.m, old.key)
	}
	x.ring[x.next] = ringSlot{key, id}
	x.next = (x.next + 1) % len(x.ring)
	x.m[key] = id
}

func (x *quoteIndex) get(key uint64) uint64 { return x.m[key] }
