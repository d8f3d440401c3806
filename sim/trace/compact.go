package trace

import (
	"encoding/binary"
	"net/netip"
	"sort"
	"time"
	"unsafe"
)

// Compact keeps a run's events encoded in a fraction of the memory a
// []Event takes (an Event is over 500 bytes; a bulk TCP transfer costs
// Compact about 15 bytes an event), and decodes them on demand: what a
// playground holding a long run needs, where only the events on screen
// are looked at.
//
// Events are encoded as they are appended, in blocks of 256. Within a
// block each event is written as the fields that differ from a
// reference: times as deltas from the event before; node, peer and link
// names and addresses as indices into tables of the distinct values; a
// packet's fields against the previous packet of the same kind and flow
// (the sequence number predicted from its length); a connection's
// variables against the previous ones of the same connection. Blocks
// start afresh, so each decodes on its own; decoded blocks are cached.
//
// Payloads are not copied: a Packet's Payload is never modified once
// emitted (see Packet), so Compact keeps the slice itself, once per
// packet however many events carry it. A decoded event is equal
// (reflect.DeepEqual) to the one appended.
//
// A Compact is not safe for concurrent use, not even for reads: At
// updates the cache.
type Compact struct {
	n         int
	blocks    []compactBlock // finished blocks; then comes the open one
	page      []byte         // room for finished blocks' bytes
	pageBytes int            // the pages' sizes
	open      []byte         // the open block's encoding
	openAt    time.Duration  // the running-maximum time of its first event
	maxAt     time.Duration  // the running maximum of At so far
	enc       codec

	strs   table[string] // Node, Peer and Link names
	addrs  table[netip.AddrPort]
	pays   [][][]byte // payloads, in chunks of payChunk
	npay   int
	recent [recentSize]recentPay // the last payload seen per packet ID (hashed)

	dec   codec
	cache [compactCache]cachedBlock
}

const (
	compactBits  = 8
	compactBlk   = 1 << compactBits // events per block
	compactCache = 64               // decoded blocks kept: 16,384 events, 9 MB at most
	compactPage  = 64 << 10         // bytes per page of finished blocks
	payChunk     = 4096
	recentSize   = 4096 // a packet's events lie within a few hundred packets of each other
)

type compactBlock struct {
	data    []byte
	firstAt time.Duration // the running-maximum time of its first event
	payBase int           // payloads numbered before the block
}

type cachedBlock struct {
	blk int
	evs []Event // nil: unused
}

type recentPay struct {
	id  uint64
	idx int
	ok  bool
}

// Len returns the number of events.
func (c *Compact) Len() int { return c.n }

// Emit appends e: a Compact is a Sink.
func (c *Compact) Emit(e *Event) { c.Append(e) }

// Append encodes e after the events already stored. It keeps e's
// Payload slice, not e.
func (c *Compact) Append(e *Event) {
	if c.n == 0 {
		c.maxAt = e.At
	}
	c.maxAt = max(c.maxAt, e.At)
	if c.n%compactBlk == 0 {
		if c.n > 0 {
			c.seal()
		}
		c.openAt = c.maxAt
		c.enc.reset(c, c.npay)
	}
	c.open = c.enc.encode(c.open, e)
	c.n++
}

// seal moves the full open block into the pages.
func (c *Compact) seal() {
	if len(c.open) > cap(c.page)-len(c.page) {
		c.page = make([]byte, 0, max(compactPage, len(c.open)))
		c.pageBytes += cap(c.page)
	}
	start := len(c.page)
	c.page = append(c.page, c.open...)
	c.blocks = append(c.blocks, compactBlock{data: c.page[start:len(c.page):len(c.page)], firstAt: c.openAt, payBase: c.enc.payBase})
	c.open = c.open[:0]
}

// At returns event i (0 ≤ i < Len). The event is decoded into memory of
// its own: it stays valid and unchanged whatever is appended or decoded
// later, but a later call may return another copy of the same event.
func (c *Compact) At(i int) *Event {
	if i < 0 || i >= c.n {
		panic("trace: Compact.At out of range")
	}
	return &c.block(i >> compactBits)[i&(compactBlk-1)]
}

// block returns block b decoded, from the cache if it is there with all
// its events. The cache is direct-mapped: the blocks of a stretch of the
// run — what a frame draws — sit side by side, so each is decoded once
// however often it is read; a block decoded again replaces the one it
// shares a slot with.
func (c *Compact) block(b int) []Event {
	n := min(c.n-b*compactBlk, compactBlk)
	e := &c.cache[b%compactCache]
	if e.evs == nil || e.blk != b || len(e.evs) != n {
		*e = cachedBlock{blk: b, evs: c.decode(b, make([]Event, n))}
	}
	return e.evs
}

// decode decodes block b into dst, which has room for its events.
func (c *Compact) decode(b int, dst []Event) []Event {
	data, base := c.open, c.enc.payBase
	if b < len(c.blocks) {
		data, base = c.blocks[b].data, c.blocks[b].payBase
	}
	c.dec.reset(c, base)
	c.dec.in = data
	for k := range dst {
		c.dec.decode(&dst[k])
	}
	return dst
}

// AppendAll appends every event to dst, in order, and returns it: a
// finished run to save or export. It does not disturb the cache.
func (c *Compact) AppendAll(dst []Event) []Event {
	for b := 0; b*compactBlk < c.n; b++ {
		k := len(dst)
		n := min(c.n-b*compactBlk, compactBlk)
		dst = append(dst, make([]Event, n)...)
		c.decode(b, dst[k:])
	}
	return dst
}

// Search returns the smallest i such that the latest time among events
// 0..i is at least t, or Len if there is none. For events in time order
// that is the first event at or after t; an event stamped earlier than
// one before it (real sources racing by a few microseconds) counts at
// that earlier event's time, as on the playground's cursor.
func (c *Compact) Search(t time.Duration) int {
	nb := (c.n + compactBlk - 1) / compactBlk
	first := func(b int) time.Duration {
		if b < len(c.blocks) {
			return c.blocks[b].firstAt
		}
		return c.openAt
	}
	b := sort.Search(nb, func(b int) bool { return first(b) >= t })
	if b == 0 {
		return 0
	}
	evs, at := c.block(b-1), first(b-1)
	for k := range evs {
		if at = max(at, evs[k].At); at >= t {
			return (b-1)*compactBlk + k
		}
	}
	return min(b*compactBlk, c.n)
}

// Bytes returns about the memory the store holds, in bytes: its encoded
// blocks and their index, its tables and the payload slices' headers, but
// not the payloads' bytes (shared with the producer), the tables' maps nor
// the cache of decoded blocks (at most 64 blocks of 256 events).
func (c *Compact) Bytes() int {
	n := c.pageBytes + cap(c.open) + cap(c.blocks)*int(unsafe.Sizeof(compactBlock{})) +
		len(c.pays)*payChunk*int(unsafe.Sizeof([]byte{})) + cap(c.addrs.vals)*int(unsafe.Sizeof(netip.AddrPort{}))
	for _, s := range c.strs.vals {
		n += int(unsafe.Sizeof(s)) + len(s)
	}
	return n
}

// table holds the distinct values of a field; 0 is the zero value's
// index.
type table[T comparable] struct {
	vals []T
	idx  map[T]uint32
	mru  [4]uint32 // the last values looked up: a run's few names and addresses recur
	next int
}

// index returns the index of v, adding it if new.
func (t *table[T]) index(v T) uint32 {
	if t.idx == nil {
		var zero T
		t.vals, t.idx = []T{zero}, map[T]uint32{zero: 0}
	}
	for _, i := range t.mru {
		if t.vals[i] == v {
			return i
		}
	}
	i, ok := t.idx[v]
	if !ok {
		i = uint32(len(t.vals))
		t.idx[v] = i
		t.vals = append(t.vals, v)
	}
	t.mru[t.next%len(t.mru)] = i
	t.next++
	return i
}

// payload returns the index of payload p: that of the same slice
// appended with the same packet before, or a new one.
func (c *Compact) payload(id uint64, p []byte) (idx int, fresh bool) {
	r := &c.recent[id%recentSize]
	if r.ok && r.id == id && samePayload(c.payAt(r.idx), p) {
		return r.idx, false
	}
	if c.npay%payChunk == 0 {
		c.pays = append(c.pays, make([][]byte, payChunk))
	}
	idx = c.npay
	c.pays[idx/payChunk][idx%payChunk] = p
	c.npay++
	*r = recentPay{id: id, idx: idx, ok: true}
	return idx, true
}

func (c *Compact) payAt(i int) []byte { return c.pays[i/payChunk][i%payChunk] }

// samePayload reports whether a and b are the same slice of the same
// array, not merely equal bytes.
func samePayload(a, b []byte) bool {
	if len(a) != len(b) || cap(a) != cap(b) || (a == nil) != (b == nil) {
		return false
	}
	return cap(a) == 0 || &a[:1][0] == &b[:1][0]
}

// Encoding an event. The encoder and the decoder share one description
// of the format (codec.event and below): for each field, a mask bit says
// whether it differs from its prediction, and only then does its value,
// a varint, follow. Encoding gathers a section's field bytes while it
// sets the section's mask bits, then writes mask and bytes; decoding
// reads the mask, then the fields. The sections are the event, its
// packet and its connection variables, each with its own mask.

// codec is the state encoding or decoding shares within a block: the
// references fields are predicted from.
type codec struct {
	enc     bool
	c       *Compact
	in      []byte    // decoding: what is left of the block
	sec     [2][]byte // encoding: the field bytes of the event and of its packet or connection section
	mask    [2]uint64
	lvl     int
	prevAt  time.Duration
	payBase int        // payloads numbered before the block
	payNew  int        // payloads first seen in the block so far
	kinds   [16]Event  // the previous event of each kind (modulo 16)
	idx     [16]refIdx // the table indices of its names and addresses
	gen     uint32     // the block's generation: slots of another are empty
	flows   *[refSlots]slot[flowRef, Packet]
	conns   *[refSlots]slot[connRef, ConnState]
}

type refIdx struct{ node, src, dst, local, remote uint32 }

// flowRef keys the previous packet of a kind and flow (addresses by index).
type flowRef struct{ kind, src, dst uint32 }

type connRef struct{ node, local, remote uint32 }

func (k *codec) reset(c *Compact, payBase int) {
	k.c, k.prevAt, k.payBase, k.payNew = c, 0, payBase, 0
	k.kinds, k.idx = [16]Event{}, [16]refIdx{}
	if k.flows == nil {
		k.flows, k.conns = new([refSlots]slot[flowRef, Packet]), new([refSlots]slot[connRef, ConnState])
	}
	k.gen++ // empties the slots without clearing them
}

// encode appends e's encoding to dst.
func (k *codec) encode(dst []byte, e *Event) []byte {
	k.enc = true
	k.sec[0], k.mask[0], k.lvl = k.sec[0][:0], 0, 0
	dst = append(dst, byte(e.Kind))
	k.event(e)
	dst = binary.AppendUvarint(dst, k.mask[0])
	return append(dst, k.sec[0]...)
}

// decode reads the next event of the block into e, which is zero.
func (k *codec) decode(e *Event) {
	k.enc = false
	e.Kind = Kind(k.in[0])
	k.in = k.in[1:]
	k.lvl = 0
	k.mask[0] = k.uvarint()
	k.event(e)
}

func (k *codec) uvarint() uint64 {
	v, n := binary.Uvarint(k.in)
	k.in = k.in[n:]
	return v
}

// put appends v to the current section (encoding).
func (k *codec) put(v uint64) { k.sec[k.lvl] = binary.AppendUvarint(k.sec[k.lvl], v) }

func zig(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzig(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// has reports whether the current section's mask has bit (decoding), or
// sets it when set is true (encoding) and reports set.
func (k *codec) has(bit uint, set bool) bool {
	if bit == always {
		return true
	}
	if k.enc {
		if set {
			k.mask[k.lvl] |= 1 << bit
		}
		return set
	}
	return k.mask[k.lvl]&(1<<bit) != 0
}

// always is the bit of a field that is always present.
const always = 63

// u64 codes *v as a difference from pred, present when they differ.
func (k *codec) u64(bit uint, v *uint64, pred uint64) {
	if k.has(bit, *v != pred) {
		if k.enc {
			k.put(zig(int64(*v - pred)))
		} else {
			*v = pred + uint64(unzig(k.uvarint()))
		}
		return
	}
	if !k.enc {
		*v = pred
	}
}

func (k *codec) u32(bit uint, v *uint32, pred uint32) {
	w := uint64(*v)
	k.u64(bit, &w, uint64(pred))
	*v = uint32(w)
}

func (k *codec) u16(bit uint, v *uint16, pred uint16) {
	w := uint64(*v)
	k.u64(bit, &w, uint64(pred))
	*v = uint16(w)
}

func u8[T ~uint8](k *codec, bit uint, v *T, pred T) {
	w := uint64(*v)
	k.u64(bit, &w, uint64(pred))
	*v = T(w)
}

func (k *codec) dur(bit uint, v *time.Duration, pred time.Duration) {
	w := uint64(*v)
	k.u64(bit, &w, uint64(pred))
	*v = time.Duration(w)
}

// interned codes a value as its index in table t and returns the index;
// predIdx is pred's.
func interned[T comparable](k *codec, t *table[T], bit uint, v *T, pred T, predIdx uint32) uint32 {
	if k.has(bit, *v != pred) {
		if k.enc {
			predIdx = t.index(*v)
			k.put(uint64(predIdx))
		} else {
			predIdx = uint32(k.uvarint())
			*v = t.vals[predIdx]
		}
	} else if !k.enc {
		*v = pred
	}
	return predIdx
}

// refSlots is the number of flows and of connections whose previous
// packet or variables a block remembers. The slots are a hash table that
// keeps one entry a slot: a flow that collides with another is predicted
// from the kind's previous packet instead, which costs bytes, not
// correctness — the decoder makes the same choice.
const refSlots = 64

// slot is one remembered reference.
type slot[K comparable, V any] struct {
	gen uint32
	key K
	v   V
}

// get returns the slot's value if it holds key in generation gen, else
// *def.
func (s *slot[K, V]) get(gen uint32, key K, def *V) V {
	if s.gen == gen && s.key == key {
		return s.v
	}
	return *def
}

// addrPair codes two addresses that usually repeat the reference's — a
// packet's source and destination, a connection's ends — under one bit,
// and keeps their indices in ia and ib.
func (k *codec) addrPair(bit uint, a, b *netip.AddrPort, refA, refB netip.AddrPort, ia, ib *uint32) {
	if k.has(bit, *a != refA || *b != refB) {
		*ia = interned(k, &k.c.addrs, always, a, netip.AddrPort{}, 0)
		*ib = interned(k, &k.c.addrs, always, b, netip.AddrPort{}, 0)
	} else if !k.enc {
		*a, *b = refA, refB
	}
}

// text codes a free text in full: texts seldom repeat.
func (k *codec) text(bit uint, v *string) {
	if k.has(bit, *v != "") {
		if k.enc {
			k.put(uint64(len(*v)))
			k.sec[k.lvl] = append(k.sec[k.lvl], *v...)
		} else {
			n := k.uvarint()
			*v = string(k.in[:n])
			k.in = k.in[n:]
		}
	}
}

// begin starts a nested section (packet or connection).
func (k *codec) begin() {
	k.lvl = 1
	if k.enc {
		k.sec[1], k.mask[1] = k.sec[1][:0], 0
	} else {
		k.mask[1] = k.uvarint()
	}
}

// end closes the nested section: encoding, its mask and bytes go into the
// event's.
func (k *codec) end() {
	k.lvl = 0
	if k.enc {
		k.put(k.mask[1])
		k.sec[0] = append(k.sec[0], k.sec[1]...)
	}
}

// Event mask bits.
const (
	evNode = iota
	evPeer
	evLink
	evPacket
	evArrive
	evReason
	evFrom
	evTo
	evConn
	evTimer
	evDeadline
	evOp
	evSocket
	evRemote
	evN
	evText
)

// event codes e's fields; e.Kind is already known.
func (k *codec) event(e *Event) {
	ref, ri := &k.kinds[e.Kind%16], &k.idx[e.Kind%16] // the previous event of the kind
	at := uint64(e.At)
	k.u64(always, &at, uint64(k.prevAt))
	e.At, k.prevAt = time.Duration(at), time.Duration(at)
	ri.node = interned(k, &k.c.strs, evNode, &e.Node, ref.Node, ri.node)
	interned(k, &k.c.strs, evPeer, &e.Peer, ref.Peer, 0) // the indices of these are not needed
	interned(k, &k.c.strs, evLink, &e.Link, ref.Link, 0)
	if k.has(evPacket, !e.Packet.isZero()) {
		k.packet(e.Kind, &e.Packet, &ref.Packet, ri)
	} else {
		ri.src, ri.dst = 0, 0
	}
	k.dur(evArrive, &e.Arrive, after(e.At, ref.Arrive, ref.At))
	u8(k, evReason, &e.Reason, ref.Reason)
	u8(k, evFrom, &e.From, ref.From)
	u8(k, evTo, &e.To, ref.To)
	if k.has(evConn, e.Conn != ConnState{}) {
		k.conn(ri.node, &e.Conn, &ref.Conn, ri)
	} else {
		ri.local, ri.remote = 0, 0
	}
	u8(k, evTimer, &e.Timer, ref.Timer)
	k.dur(evDeadline, &e.Deadline, after(e.At, ref.Deadline, ref.At))
	u8(k, evOp, &e.Op, ref.Op)
	interned(k, &k.c.addrs, evSocket, &e.Socket, ref.Socket, 0)
	interned(k, &k.c.addrs, evRemote, &e.Remote, ref.Remote, 0)
	n := uint64(e.N)
	k.u64(evN, &n, uint64(ref.N))
	e.N = int(n)
	k.text(evText, &e.Text)
	*ref = *e
}

// after predicts a time that follows at as refT followed refAt in the
// reference event; zero stays zero.
func after(at, refT, refAt time.Duration) time.Duration {
	if refT == 0 {
		return 0
	}
	return at + refT - refAt
}

func (p *Packet) isZero() bool {
	return p.ID == 0 && p.Orig == 0 && p.Proto == 0 && p.Src == netip.AddrPort{} && p.Dst == netip.AddrPort{} &&
		p.TTL == 0 && p.Seq == 0 && p.Ack == 0 && p.Flags == 0 && p.Window == 0 && p.MSS == 0 && p.Opts == 0 &&
		p.WScale == 0 && p.TSval == 0 && p.TSecr == 0 && p.SACK == nil && p.ICMPType == 0 && p.ICMPCode == 0 &&
		p.Quote == 0 && p.Payload == nil
}

// Packet mask bits: the usual changes of a TCP flow first, so that they
// fit the mask's first byte.
const (
	pkAddrs = iota
	pkPayload
	pkSeq
	pkAck
	pkWindow
	pkFlags
	pkTSval
	pkTSecr
	pkSACK
	pkOrig
	pkProto
	pkTTL
	pkMSS
	pkOpts
	pkWScale
	pkICMPType
	pkICMPCode
	pkQuote
)

// packet codes p against the previous packet of the same kind and flow,
// or failing that, kref, the previous packet of the same kind.
func (k *codec) packet(kind Kind, p, kref *Packet, ri *refIdx) {
	k.begin()
	defer k.end()
	k.addrPair(pkAddrs, &p.Src, &p.Dst, kref.Src, kref.Dst, &ri.src, &ri.dst)
	key := flowRef{uint32(kind), ri.src, ri.dst}
	sl := &k.flows[(key.kind+key.src*31+key.dst*961)%refSlots]
	ref := sl.get(k.gen, key, kref)
	k.u64(always, &p.ID, ref.ID+1)
	if k.has(pkPayload, p.Payload != nil) {
		if k.enc {
			idx, fresh := k.c.payload(p.ID, p.Payload)
			if fresh {
				k.payNew++
				k.put(0)
			} else {
				k.put(uint64(k.payBase + k.payNew - idx))
			}
		} else {
			cur := k.payBase + k.payNew
			if d := int(k.uvarint()); d == 0 {
				p.Payload = k.c.payAt(cur)
				k.payNew++
			} else {
				p.Payload = k.c.payAt(cur - d)
			}
		}
	}
	k.u32(pkSeq, &p.Seq, ref.Seq+ref.SegLen())
	k.u32(pkAck, &p.Ack, ref.Ack)
	k.u16(pkWindow, &p.Window, ref.Window)
	u8(k, pkFlags, &p.Flags, ref.Flags)
	k.u32(pkTSval, &p.TSval, ref.TSval)
	k.u32(pkTSecr, &p.TSecr, ref.TSecr)
	if k.has(pkSACK, p.SACK != nil) {
		n := uint64(len(p.SACK))
		k.u64(always, &n, 0)
		if !k.enc {
			p.SACK = make([]SACKBlock, n)
		}
		left := p.Ack
		for i := range p.SACK {
			k.u32(always, &p.SACK[i].Left, left)
			k.u32(always, &p.SACK[i].Right, p.SACK[i].Left)
			left = p.SACK[i].Right
		}
	}
	k.u64(pkOrig, &p.Orig, 0)
	u8(k, pkProto, &p.Proto, ref.Proto)
	u8(k, pkTTL, &p.TTL, ref.TTL)
	k.u16(pkMSS, &p.MSS, 0)
	u8(k, pkOpts, &p.Opts, ref.Opts)
	u8(k, pkWScale, &p.WScale, 0)
	u8(k, pkICMPType, &p.ICMPType, ref.ICMPType)
	u8(k, pkICMPCode, &p.ICMPCode, ref.ICMPCode)
	k.u64(pkQuote, &p.Quote, 0)
	*sl = slot[flowRef, Packet]{k.gen, key, *p}
}

// Connection mask bits, the usual changes first.
const (
	cnAddrs = iota
	cnSndUna
	cnSndNxt
	cnRcvNxt
	cnRcvWnd
	cnCwnd
	cnInFlight
	cnSndWnd
	cnState
	cnSRTT
	cnRTTVAR
	cnRTO
	cnDupAcks
	cnSsthresh
	cnISS
	cnIRS
	cnRetrans
	cnBytesAcked
	cnBytesReceived
	cnSacked
	cnPipe
)

// conn codes s against the previous variables of the same connection at
// the same node, or failing that, kref, those of the previous event of
// the kind.
func (k *codec) conn(node uint32, s, kref *ConnState, ri *refIdx) {
	k.begin()
	defer k.end()
	k.addrPair(cnAddrs, &s.Local, &s.Remote, kref.Local, kref.Remote, &ri.local, &ri.remote)
	key := connRef{node, ri.local, ri.remote}
	sl := &k.conns[(key.node+key.local*31+key.remote*961)%refSlots]
	ref := sl.get(k.gen, key, kref)
	k.u32(cnSndUna, &s.SndUna, ref.SndUna)
	k.u32(cnSndNxt, &s.SndNxt, ref.SndNxt)
	k.u32(cnRcvNxt, &s.RcvNxt, ref.RcvNxt)
	k.u32(cnRcvWnd, &s.RcvWnd, ref.RcvWnd)
	k.u32(cnCwnd, &s.Cwnd, ref.Cwnd)
	k.u32(cnInFlight, &s.InFlight, ref.InFlight)
	k.u32(cnSndWnd, &s.SndWnd, ref.SndWnd)
	u8(k, cnState, &s.State, ref.State)
	k.dur(cnSRTT, &s.SRTT, ref.SRTT)
	k.dur(cnRTTVAR, &s.RTTVAR, ref.RTTVAR)
	k.dur(cnRTO, &s.RTO, ref.RTO)
	u8(k, cnDupAcks, &s.DupAcks, ref.DupAcks)
	k.u32(cnSsthresh, &s.Ssthresh, ref.Ssthresh)
	k.u32(cnISS, &s.ISS, ref.ISS)
	k.u32(cnIRS, &s.IRS, ref.IRS)
	k.u32(cnRetrans, &s.Retrans, ref.Retrans)
	k.u64(cnBytesAcked, &s.BytesAcked, ref.BytesAcked)
	k.u64(cnBytesReceived, &s.BytesReceived, ref.BytesReceived)
	k.u32(cnSacked, &s.Sacked, ref.Sacked)
	k.u32(cnPipe, &s.Pipe, ref.Pipe)
	*sl = slot[connRef, ConnState]{k.gen, key, *s}
}
