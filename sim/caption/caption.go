// Package caption explains trace events in plain language, in English and
// Simplified Chinese: "The SYN was lost on link c-s: no SYN-ACK will come,
// so after RTO = 1 s the client sends the SYN again." / "SYN 在链路 c-s 上丢失……".
//
// A single event rarely explains itself: whether a segment is a
// retransmission, which duplicate ACK this is, what the sender's RTO is,
// are facts of the trace around it. Annotate walks a trace once and returns
// a Context per event; For turns an event and its Context into a sentence.
// The sentences live in one table (catalogue.go), every entry in both
// languages; Runes lists the characters the Chinese ones use, so a renderer
// can embed a font subset that covers them.
//
// A caption teaches before it reports: at the key moments (the handshake,
// a FIN, TIME-WAIT, a timeout, a zero window...) it says why. A player
// shows one caption per instant; Annotate makes the last event of an
// instant show the instant's key moment (Context.Shows), and each preset's
// narration (narration.go) names the moments that are its lesson.
//
// The package depends on the standard library and sim/trace only.
package caption

//go:generate go test -run TestZhRunesFile -update

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"socketlab/sim/trace"
)

// Lang is a caption language.
type Lang string

// The languages of the catalogue.
const (
	English Lang = "en"
	Chinese Lang = "zh" // Simplified Chinese
)

// Langs lists every language, English first.
var Langs = []Lang{English, Chinese}

// ParseLang accepts "en" and "zh" (also "zh-CN", "zh-Hans", "en-US" and
// other regional tags of the two languages).
func ParseLang(s string) (Lang, bool) {
	base, _, _ := strings.Cut(strings.ToLower(s), "-")
	base, _, _ = strings.Cut(base, "_")
	switch base {
	case "en":
		return English, true
	case "zh":
		return Chinese, true
	}
	return "", false
}

// Who names a node: its name and its role from the trace header.
type Who struct {
	Name string
	Role string // "client", "server", "router", ... or "" if the header has none
	TCP  string // the TCP profile the node runs: "rfc", "linux", or "" if the header does not say
}

// Context is what a caption needs to know beyond the event itself. Build
// it with Annotate; the zero Context gives correct but plainer captions.
type Context struct {
	// Analysis holds the packet facts: relative sequence numbers,
	// retransmission, duplicate ACK, window probe, loss. For a Deliver at
	// the packet's destination, OutOfOrder and Overtook are end to end.
	trace.Analysis

	Node, Peer       Who  // the event's node and the node at the other end of its link
	Sender, Receiver Who  // the packet's original sender and its destination host
	Router           bool // the event happens at a router
	Copy             bool // the packet is a copy a link made
	FinalHop         bool // a Deliver at the packet's destination host

	// RTO is the sender's retransmission timeout at that moment; for a
	// timer being set, how long until it fires.
	RTO time.Duration
	// HandshakeACK: the ACK that completes a three-way handshake.
	HandshakeACK bool
	// Gap: a TCP segment arrived while earlier bytes are missing;
	// Expected is the relative sequence number the receiver still waits for.
	Gap      bool
	Expected uint32
	// PrevDupAcks is the connection's duplicate-ACK count before a
	// connstat event.
	PrevDupAcks uint8
	// QuotedPort is, for an ICMP error, the destination port of the
	// packet it quotes.
	QuotedPort uint16
	// Proto is, for an application event, the transport of its socket as
	// the trace shows it (the first packet to or from the socket's
	// address); ProtoNone when no packet uses it.
	Proto trace.Proto

	// Waited is, for a retransmission timer firing and the retransmission
	// it causes, how long the timer ran: the RTO before the back-off (RTO
	// is then the doubled one).
	Waited time.Duration
	// DataACK: a pure ACK answering in-order data; DataSeq and DataLen are
	// the relative sequence number and length of the segment it answers
	// (ack = DataSeq + DataLen).
	DataACK          bool
	DataSeq, DataLen uint32
	// FinACK: a pure ACK that acknowledges the peer's FIN (ack = the FIN's
	// sequence number + 1); TimeWait: its sender is in TIME-WAIT (RTO is
	// then 2·MSL).
	FinACK, TimeWait bool
	// Discarded: a Deliver at a host that then drops the packet (no
	// socket, or a segment its TCP does not accept).
	Discarded bool
	// AfterProbe: data re-sent from the sequence number a window probe
	// carried, once the window has opened (the receiver did not keep the
	// probe's byte).
	AfterProbe bool

	// TailLossProbe: data sent by a tail loss probe (RFC 8985 §7, the
	// linux profile): the last segment again, or new data.
	TailLossProbe bool

	// TimedOut: an application timer whose firing makes a blocking call
	// fail with "timed out" (a timeout, not a pause).
	TimedOut bool

	// Lesson is the catalogue key a preset's narration gives this event:
	// one of the key moments of the lesson. It overrides Key's own choice.
	Lesson string
	// Shows is set on the last event of an instant when an earlier event
	// of the same instant teaches more (see Rank): a viewer that shows one
	// caption per instant reads that moment's caption. For follows it;
	// Ladder, which prints every event, does not.
	Shows *Moment
}

// Moment is an event and its context.
type Moment struct {
	Index int          // in the trace
	Event *trace.Event // a copy of the trace's event Index
	Ctx   *Context
}

// Annotate walks t once and returns one Context per event, index for index.
// For a long run that is never held whole, Contexts gives the same
// contexts with memory that follows what is in flight.
func Annotate(t *trace.Trace) []Context {
	lk := newTraceLook(t)
	w := newWalk(&t.Header)
	out := make([]Context, len(t.Events))
	for i := range t.Events {
		w.step(i, &t.Events[i], &out[i], lk)
	}
	lead(t.Events, out, 0)
	return out
}

// traceLook is a look at a whole trace: every packet's fate, every
// socket's transport, learnt in one pass before the walk.
type traceLook struct {
	t         *trace.Trace
	dropped   map[uint64]int // packet ID -> index of its first Drop
	delivered map[uint64]bool
	noSock    map[nodePacket]bool // packets a host drops for want of a socket
	protos    protoIndex
}

type nodePacket struct {
	node string
	id   uint64
}

func newTraceLook(t *trace.Trace) *traceLook {
	lk := &traceLook{t: t, dropped: map[uint64]int{}, delivered: map[uint64]bool{}, noSock: map[nodePacket]bool{}}
	z := trace.NewAnalyzer(&t.Header)
	for i := range t.Events {
		e := &t.Events[i]
		lk.protos.add(e)
		switch e.Kind {
		case trace.KindDrop:
			if _, ok := lk.dropped[e.Packet.ID]; !ok {
				lk.dropped[e.Packet.ID] = i
			}
			if e.Reason == trace.DropNoSocket {
				lk.noSock[nodePacket{e.Node, e.Packet.ID}] = true
			}
		case trace.KindDeliver:
			if z.Arrived(e) {
				lk.delivered[e.Packet.ID] = true
			}
		}
	}
	return lk
}

func (lk *traceLook) event(j int) *trace.Event {
	if j < 0 || j >= len(lk.t.Events) {
		return nil
	}
	return &lk.t.Events[j]
}

func (lk *traceLook) fate(id uint64) (int, bool) {
	if d, ok := lk.dropped[id]; ok {
		return d, !lk.delivered[id]
	}
	return -1, false
}

func (lk *traceLook) noSocket(node string, id uint64) bool { return lk.noSock[nodePacket{node, id}] }

func (lk *traceLook) proto(a netip.AddrPort) trace.Proto { return lk.protos.of(a) }

// protoIndex says which transport a socket address carries — application
// events do not say — from the first packet to or from it.
type protoIndex struct {
	byAddr map[netip.AddrPort]trace.Proto
	byPort map[uint16]trace.Proto // for a listener on 0.0.0.0: the first packet to its port
}

// add learns from e; it reports whether e taught it an address it did not know.
func (x *protoIndex) add(e *trace.Event) bool {
	if !isPacketKind(e.Kind) || e.Packet.Proto == trace.ProtoICMP {
		return false
	}
	if x.byAddr == nil {
		x.byAddr, x.byPort = map[netip.AddrPort]trace.Proto{}, map[uint16]trace.Proto{}
	}
	fresh := false
	for _, a := range [2]netip.AddrPort{e.Packet.Src, e.Packet.Dst} {
		if _, ok := x.byAddr[a]; !ok {
			x.byAddr[a] = e.Packet.Proto
			fresh = true
		}
		if _, ok := x.byPort[a.Port()]; !ok {
			x.byPort[a.Port()] = e.Packet.Proto
		}
	}
	return fresh
}

// of returns the transport of socket address a, ProtoNone if no packet
// uses it.
func (x *protoIndex) of(a netip.AddrPort) trace.Proto {
	p := x.byAddr[a]
	if p == trace.ProtoNone && a.Addr().IsUnspecified() {
		p = x.byPort[a.Port()]
	}
	return p
}

// Rank says how much the caption of key teaches, from 0 (bookkeeping: a
// connection's variables, timers armed and stopped, routine state
// changes, notes) through 1 (a router's routine work) and 2 (ordinary
// packets and socket calls) to 3 (a key moment: the handshake, a FIN,
// TIME-WAIT, a loss and its repair, a zero window, an error) and 4 (a
// moment a preset's narration names).
func Rank(key string) int {
	if strings.HasPrefix(key, "lesson.") {
		return 4
	}
	if lessonKeys[key] || strings.HasPrefix(key, "drop") || strings.HasPrefix(key, "timer-fire.") && key != "timer-fire.delayed-ack" && key != "timer-fire.app" {
		return 3
	}
	switch kind, _, _ := strings.Cut(key, "."); {
	case key == "send.forward" || key == "deliver.router" || key == "enqueue":
		return 1
	case kind == "connstat" || kind == "timer-set" || kind == "timer-cancel" || kind == "state" || kind == "note" || kind == "timer-fire":
		return 0
	}
	return 2
}

// lessonKeys are the key moments among the generic captions (besides
// losses and timeouts).
var lessonKeys = map[string]bool{
	"send.syn": true, "send.syn.retx": true, "send.synack": true, "send.synack.retx": true,
	"send.ack.handshake": true, "send.fin": true, "send.fin.retx": true, "send.ack.fin": true,
	"send.ack.fin.time-wait": true, "send.data.retx": true, "send.data.timeout": true, "send.data.fastretx": true,
	"send.data.after-probe": true, "send.dupack": true, "send.probe": true, "send.zerowindow": true,
	"send.rst": true, "deliver.rst": true, "send.icmp.port-unreachable": true,
	"deliver.icmp.port-unreachable": true, "state.TIME-WAIT": true, "state.CLOSED.last-ack": true,
	"connstat.fast-recovery": true, "app.error": true, "duplicate": true, "deliver.udp.copy": true,
	"deliver.udp.reordered": true, "deliver.data.gap": true, "deliver.data.reordered": true,
}

type flowKey struct{ src, dst netip.AddrPort }

// recv is what a TCP receiver has got: RCV.NXT and the segments it holds
// beyond a gap (start -> end).
type recv struct {
	next uint32
	ooo  map[uint32]uint32
}

// receive records segment p arriving at its receiver and returns whether
// it leaves a gap before it, and the relative sequence number still expected.
func receive(rs map[flowKey]*recv, k flowKey, p *trace.Packet, relSeq uint32) (bool, uint32) {
	base := p.Seq - relSeq
	r := rs[k]
	if p.Flags.Has(trace.FlagSYN) {
		rs[k] = &recv{next: p.Seq + 1, ooo: map[uint32]uint32{}}
		return false, 0
	}
	if r == nil || p.SegLen() == 0 {
		return false, 0
	}
	end := p.Seq + p.SegLen()
	switch {
	case p.Seq == r.next:
		r.next = end
		for {
			e, ok := r.ooo[r.next]
			if !ok {
				break
			}
			delete(r.ooo, r.next)
			r.next = e
		}
		return false, 0
	case int32(p.Seq-r.next) > 0:
		r.ooo[p.Seq] = end
		return true, r.next - base
	}
	return false, 0
}

func isPacketKind(k trace.Kind) bool {
	switch k {
	case trace.KindSend, trace.KindEnqueue, trace.KindDrop, trace.KindDuplicate, trace.KindDeliver:
		return true
	}
	return false
}

// Key returns the catalogue key For uses for e: "kind[.detail]", or the
// narration's "lesson.…" key; for an event that shows another moment of
// its instant (Context.Shows), that moment's key.
func Key(e *trace.Event, c *Context) string {
	if c.Shows != nil && c.Shows.Ctx != c {
		return Key(c.Shows.Event, c.Shows.Ctx)
	}
	if c.Lesson != "" {
		return c.Lesson
	}
	return ownKey(e, c)
}

// ownKey is the generic key of e: what it is, whatever the narration.
func ownKey(e *trace.Event, c *Context) string {
	p := &e.Packet
	f := p.Flags
	retx := c.Retransmission
	switch e.Kind {
	case trace.KindSend:
		if c.Hop {
			return "send.forward"
		}
		switch p.Proto {
		case trace.ProtoTCP:
			switch {
			case f.Has(trace.FlagRST):
				return "send.rst"
			case f.Has(trace.FlagSYN | trace.FlagACK):
				return pick(retx, "send.synack.retx", "send.synack")
			case f.Has(trace.FlagSYN):
				return pick(retx, pick(linearBackoff(c), "send.syn.retx.linear", "send.syn.retx"), "send.syn")
			case c.WindowProbe:
				return pick(len(p.Payload) == 0, "send.probe.empty", "send.probe")
			case c.FastRetransmit:
				return "send.data.fastretx"
			case c.TailLossProbe:
				return pick(retx, "send.data.tlp", "send.data.tlp.new")
			case f.Has(trace.FlagFIN) && len(p.Payload) == 0:
				return pick(retx, "send.fin.retx", "send.fin")
			case len(p.Payload) > 0 && c.AfterProbe:
				return "send.data.after-probe"
			case len(p.Payload) > 0:
				return pick(retx, pick(c.Waited > 0, "send.data.timeout", "send.data.retx"), "send.data")
			case c.DupAck > 0:
				return "send.dupack"
			case c.ZeroWindow:
				return "send.zerowindow"
			case c.HandshakeACK:
				return "send.ack.handshake"
			case c.FinACK:
				return pick(c.TimeWait, "send.ack.fin.time-wait", "send.ack.fin")
			case c.DataACK:
				return "send.ack.data"
			}
			return "send.ack"
		case trace.ProtoUDP:
			return "send.udp"
		case trace.ProtoMsg:
			return "send.msg"
		case trace.ProtoICMP:
			return pick(portUnreachable(p), "send.icmp.port-unreachable", "send.icmp")
		}
		return "send"
	case trace.KindDeliver:
		if c.Router {
			return "deliver.router"
		}
		if c.Discarded {
			return "deliver.no-socket"
		}
		switch p.Proto {
		case trace.ProtoTCP:
			switch {
			case f.Has(trace.FlagRST):
				return "deliver.rst"
			case c.WindowProbe:
				return pick(len(p.Payload) == 0, "deliver.probe.empty", "deliver.probe")
			case f.Has(trace.FlagSYN | trace.FlagACK):
				return "deliver.synack"
			case f.Has(trace.FlagSYN):
				return "deliver.syn"
			case len(p.Payload) > 0 && c.Gap:
				return "deliver.data.gap"
			case len(p.Payload) > 0 && c.OutOfOrder:
				return "deliver.data.reordered"
			case len(p.Payload) > 0:
				return "deliver.data"
			case f.Has(trace.FlagFIN):
				return "deliver.fin"
			case c.DupAck > 0:
				return "deliver.dupack"
			case c.HandshakeACK:
				return "deliver.ack.handshake"
			}
			return "deliver.ack"
		case trace.ProtoUDP:
			switch {
			case c.Copy:
				return "deliver.udp.copy"
			case c.OutOfOrder:
				return "deliver.udp.reordered"
			}
			return "deliver.udp"
		case trace.ProtoMsg:
			return "deliver.msg"
		case trace.ProtoICMP:
			return pick(portUnreachable(p), "deliver.icmp.port-unreachable", "deliver.icmp")
		}
		return "deliver"
	case trace.KindDrop:
		switch e.Reason {
		case trace.DropNone:
			return "drop"
		case trace.DropLoss, trace.DropScripted:
			// A drop the lesson scripts is a loss like any other; only
			// what a loss does not explain keeps the generic words.
			scripted := e.Reason == trace.DropScripted
			switch {
			case scripted && (p.Proto != trace.ProtoTCP && p.Proto != trace.ProtoUDP ||
				p.Proto == trace.ProtoTCP && len(p.Payload) == 0 && p.Flags&(trace.FlagSYN|trace.FlagFIN) == 0):
				return "drop.scripted"
			case p.Proto == trace.ProtoUDP:
				return "drop.loss.udp"
			case p.Proto != trace.ProtoTCP:
				return "drop.loss"
			case f.Has(trace.FlagSYN | trace.FlagACK):
				return "drop.loss.synack"
			case f.Has(trace.FlagSYN):
				return "drop.loss.syn"
			case len(p.Payload) > 0:
				return pick(c.Sender.TCP == linux, "drop.loss.data.linux", "drop.loss.data")
			case f.Has(trace.FlagFIN):
				return "drop.loss.fin"
			}
			return "drop.loss.ack"
		case trace.DropNoSocket:
			switch p.Proto {
			case trace.ProtoTCP:
				return "drop.no-socket.tcp"
			case trace.ProtoUDP:
				return "drop.no-socket.udp"
			}
		}
		return "drop." + e.Reason.String()
	case trace.KindState:
		if e.To == trace.StateNone {
			return "state"
		}
		if e.To == trace.StateClosed && e.From == trace.StateLastAck {
			return "state.CLOSED.last-ack"
		}
		return "state." + e.To.String()
	case trace.KindConnStat:
		switch {
		case e.Conn.DupAcks >= 3 && c.PrevDupAcks < 3:
			return "connstat.fast-recovery"
		case e.Conn.DupAcks > 0 && e.Conn.DupAcks != c.PrevDupAcks:
			return "connstat.dupacks"
		}
		return "connstat"
	case trace.KindTimerSet, trace.KindTimerCancel, trace.KindTimerFire:
		if e.Timer == trace.TimerNone {
			return e.Kind.String()
		}
		if e.Kind == trace.KindTimerFire && e.Timer == trace.TimerApp && c.TimedOut {
			return "timer-fire.app.timeout"
		}
		if e.Kind == trace.KindTimerFire && e.Timer == trace.TimerRetransmit && linearBackoff(c) {
			return "timer-fire.retransmit.linear"
		}
		if e.Timer == trace.TimerPersist && e.Kind != trace.KindTimerCancel && e.Conn.SndWnd > 0 {
			// The window is open but too small to send into: the persist
			// timer is RFC 9293's override timeout for silly-window
			// avoidance, not a probe of a closed window.
			return e.Kind.String() + ".persist.override"
		}
		return e.Kind.String() + "." + e.Timer.String()
	case trace.KindApp:
		switch {
		case e.Op == trace.OpNone:
			return "app"
		case e.Op == trace.OpRead && e.N == 0 && e.Text == "" && c.Proto != trace.ProtoUDP:
			return "app.read.eof"
		}
		if c.Proto == trace.ProtoUDP {
			switch e.Op {
			case trace.OpListen, trace.OpConnect, trace.OpRead, trace.OpWrite, trace.OpClose:
				return "app." + e.Op.String() + ".udp"
			}
		}
		return "app." + e.Op.String()
	}
	return e.Kind.String()
}

// linux is the Linux profile's name in the trace header.
const linux = "linux"

// linearBackoff reports a retransmission timeout after which the RTO was
// not doubled: Linux's first SYN retries (tcp_syn_linear_timeouts).
func linearBackoff(c *Context) bool { return c.Waited > 0 && c.RTO == c.Waited }

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

func portUnreachable(p *trace.Packet) bool {
	if p.Src.Addr().Is4() || p.Src.Addr().Is4In6() {
		return p.ICMPType == 3 && p.ICMPCode == 3
	}
	return p.ICMPType == 1 && p.ICMPCode == 4
}

var index = func() map[string]int {
	m := make(map[string]int, len(catalogue))
	for i, e := range catalogue {
		m[e.key] = i
	}
	return m
}()

// lookup finds the entry for key, falling back to shorter keys
// ("drop.loss.syn" → "drop.loss" → "drop").
func lookup(key string) *entry {
	for {
		if i, ok := index[key]; ok {
			return &catalogue[i]
		}
		j := strings.LastIndexByte(key, '.')
		if j < 0 {
			return nil
		}
		key = key[:j]
	}
}

// For explains e in lang. ctx may be nil (no knowledge of the rest of the
// trace). An unknown lang is treated as English.
func For(e *trace.Event, ctx *Context, lang Lang) string {
	if ctx == nil {
		ctx = &Context{}
	}
	if ctx.Shows != nil && ctx.Shows.Ctx != ctx {
		e, ctx = ctx.Shows.Event, ctx.Shows.Ctx
	}
	en := lookup(Key(e, ctx))
	if en == nil {
		return ""
	}
	tmpl := en.en
	if lang == Chinese {
		tmpl = en.zh
	}
	return fill(tmpl, e, ctx, lang)
}

// Ladder returns a caption function for trace.LadderOptions.Caption that
// explains the events of t in lang. Notes get no caption: the ladder
// prints their text already. Every row explains its own event: the
// ladder shows them all, so no event stands in for its instant.
func Ladder(t *trace.Trace, lang Lang) func(i int, e *trace.Event) string {
	ctx := Annotate(t)
	for i := range ctx {
		ctx[i].Shows = nil
	}
	return func(i int, e *trace.Event) string {
		if e.Kind == trace.KindNote {
			return "" // the ladder already shows the note's text
		}
		if i < 0 || i >= len(ctx) {
			return For(e, nil, lang)
		}
		return For(e, &ctx[i], lang)
	}
}

// fill replaces {name} placeholders. A placeholder with no value (data
// that is absent or binary) disappears with the space before it.
func fill(tmpl string, e *trace.Event, c *Context, lang Lang) string {
	b := make([]byte, 0, len(tmpl)+32)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b = append(b, tmpl...)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b = append(b, tmpl...)
			break
		}
		b = append(b, tmpl[:i]...)
		name, noun, counted := strings.Cut(tmpl[i+1:i+j], "|")
		v, ok := value(name, e, c, lang)
		if counted && ok {
			v = count(v, noun)
		}
		switch {
		case !ok:
			b = append(b, tmpl[i:i+j+1]...) // left visible: a test catches it
		case v == "":
			b = bytes.TrimSuffix(b, []byte(" "))
		default:
			b = append(b, v...)
		}
		tmpl = tmpl[i+j+1:]
	}
	return string(b)
}

// count puts an English noun after a number, in the plural unless the
// number is 1: "1 byte", "2 bytes", "1 duplicate ACK".
func count(n, noun string) string {
	if n != "1" {
		noun += "s"
	}
	return n + " " + noun
}

func value(name string, e *trace.Event, c *Context, lang Lang) (string, bool) {
	p := &e.Packet
	u := func(v uint64) (string, bool) { return strconv.FormatUint(v, 10), true }
	switch name {
	case "node", "Node":
		return role(c.Node, e.Node, lang, name == "Node"), true
	case "peer", "Peer":
		return role(c.Peer, e.Peer, lang, name == "Peer"), true
	case "sender", "Sender":
		return role(c.Sender, e.Node, lang, name == "Sender"), true
	case "receiver", "Receiver":
		return role(c.Receiver, e.Peer, lang, name == "Receiver"), true
	case "name":
		return e.Node, true
	case "id":
		return u(p.ID)
	case "orig":
		return u(p.Orig)
	case "overtook":
		return u(c.Overtook)
	case "seq":
		return u(uint64(c.RelSeq))
	case "end":
		return u(uint64(c.RelSeq + uint32(len(p.Payload))))
	case "ack":
		if e.Kind == trace.KindDeliver && c.Gap {
			return u(uint64(c.Expected))
		}
		if c.HaveRelAck {
			return u(uint64(c.RelAck))
		}
		return u(uint64(p.Ack))
	case "expected":
		return u(uint64(c.Expected))
	case "rawseq":
		return u(uint64(p.Seq))
	case "rawack":
		return u(uint64(p.Ack))
	case "isn":
		// For a SYN-ACK: the initial sequence number it acknowledges.
		return u(uint64(p.Ack - 1))
	case "dseq":
		return u(uint64(c.DataSeq))
	case "dlen":
		return u(uint64(c.DataLen))
	case "waited":
		return duration(c.Waited, lang), true
	case "len":
		return strconv.Itoa(len(p.Payload)), true
	case "win":
		if c.Window != 0 { // scaled (RFC 7323), as Wireshark shows it
			return u(c.Window)
		}
		return u(uint64(p.Window))
	case "mss":
		if p.MSS == 0 {
			return "?", true
		}
		return u(uint64(p.MSS))
	case "ttl":
		return u(uint64(p.TTL))
	case "port":
		if p.Proto == trace.ProtoICMP {
			return u(uint64(c.QuotedPort))
		}
		return u(uint64(p.Dst.Port()))
	case "dup":
		if e.Kind == trace.KindConnStat {
			return u(uint64(e.Conn.DupAcks))
		}
		return u(uint64(c.DupAck))
	case "cwnd":
		return u(uint64(e.Conn.Cwnd))
	case "ssthresh":
		return u(uint64(e.Conn.Ssthresh))
	case "n":
		if e.Kind == trace.KindConnStat {
			return u(uint64(e.Conn.InFlight))
		}
		return strconv.Itoa(e.N), true
	case "rto":
		return duration(c.RTO, lang), true
	case "link":
		if e.Link == "" {
			return "?", true
		}
		return e.Link, true
	case "text":
		if isPacketKind(e.Kind) {
			return quote(string(p.Payload)), true
		}
		return quote(e.Text), true
	case "remote":
		if e.Kind == trace.KindApp {
			return e.Remote.String(), true
		}
		return p.Dst.Addr().String(), true
	case "local":
		return e.Socket.String(), true
	case "from":
		return e.From.String(), true
	case "to":
		return e.To.String(), true
	case "timer":
		n, ok := timerNames[e.Timer.String()]
		if !ok {
			n.en, n.zh = "timer", "计时器"
		}
		return pick(lang == Chinese, n.zh, n.en), true
	case "msg":
		switch e.Kind {
		case trace.KindSend, trace.KindDeliver:
			return fmt.Sprintf("type %d, code %d", p.ICMPType, p.ICMPCode), true
		case trace.KindApp:
			if e.Op == trace.OpError || e.Op == trace.OpNone {
				return e.Text, true
			}
			return e.Op.String() + "()", true
		}
		return e.Text, true
	}
	return "", false
}

// role names a node for a sentence: "the client" / "客户端", "router r1" /
// "路由器 r1", or the node's own name when its role is not a known word.
func role(w Who, fallback string, lang Lang, capital bool) string {
	name := w.Name
	if name == "" {
		name = fallback
	}
	if name == "" {
		name = pick(lang == Chinese, "对端", "the peer")
	}
	word, rest, _ := strings.Cut(w.Role, " ")
	var s string
	switch {
	case w.Role == "":
		s = name
	case lang == Chinese:
		zh := ""
		for _, r := range roleNames {
			if r.en == strings.ToLower(word) {
				zh = r.zh
			}
		}
		switch {
		case zh == "":
			s = w.Role
			if t, ok := roleZH(w.Role); ok { // "bottleneck router", "sender 1"
				s = t
			}
		case rest != "":
			s = zh + " " + rest
		case name != w.Role:
			s = zh + " " + name
		default:
			s = zh
		}
	default:
		known := false
		for _, r := range roleNames {
			known = known || r.en == strings.ToLower(word)
		}
		switch {
		case !known || rest != "":
			s = w.Role
		case name != w.Role:
			s = w.Role + " " + name
		default:
			s = "the " + w.Role
		}
	}
	if capital && lang != Chinese {
		r, n := utf8.DecodeRuneInString(s)
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	return s
}

// duration prints a timeout the way a teacher says it: "1 s", "200 ms";
// "1 秒", "200 毫秒".
func duration(d time.Duration, lang Lang) string {
	unitS, unitMS := " s", " ms"
	if lang == Chinese {
		unitS, unitMS = " 秒", " 毫秒"
	}
	switch {
	case d == 0:
		return "?"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + unitS
	case d%time.Millisecond == 0 && d < 10*time.Second:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + unitMS
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + unitS
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + unitMS
}

// quote shows data in a caption: at most 24 characters, control
// characters escaped, in straight double quotes; "" for no data or binary
// data (fill then drops the placeholder together with the space before it).
func quote(s string) string {
	const max = 24
	if s == "" || trace.Binary([]byte(s)) {
		return ""
	}
	if utf8.RuneCountInString(s) > max {
		i := 0
		for k := 0; k < max-1; k++ {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
		q := strconv.Quote(s[:i])
		return q[:len(q)-1] + `…"`
	}
	return strconv.Quote(s)
}

// Runes returns every distinct character the Chinese captions can contain,
// sorted: the catalogue's text without placeholders, the role and timer
// names, the units, and printable ASCII (names, numbers and data fill the
// placeholders). A renderer subsets a CJK font with it.
func Runes() []rune {
	seen := map[rune]bool{}
	add := func(s string) {
		for _, r := range s {
			seen[r] = true
		}
	}
	for _, e := range catalogue {
		add(stripPlaceholders(e.zh))
	}
	for _, r := range roleNames {
		add(r.zh)
	}
	for _, n := range timerNames {
		add(n.zh)
	}
	for _, tab := range [][]struct{ en, zh string }{presetTexts, rolePhrases, roleWordsZH} {
		for _, t := range tab {
			add(t.zh)
		}
	}
	add(duration(time.Second, Chinese) + duration(time.Millisecond, Chinese) + "…?")
	for r := rune(0x20); r < 0x7f; r++ {
		seen[r] = true
	}
	out := make([]rune, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

func stripPlaceholders(s string) string {
	var sb strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		sb.WriteString(s[:i])
		s = s[i+j+1:]
	}
}
