package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// LadderOptions configure WriteLadder. The zero value draws end hosts only,
// 100 columns wide, with relative sequence numbers.
type LadderOptions struct {
	// Width is the line width in terminal columns; 0 means 100. A CJK
	// character counts as two columns.
	Width int
	// Absolute prints sequence and acknowledgement numbers as on the wire
	// instead of relative to each direction's initial sequence number.
	Absolute bool
	// Routers gives routers a column of their own and draws every hop;
	// by default a packet is one arrow from its sender to its destination.
	Routers bool
	// Timers also shows timers being armed and cancelled; a timer that
	// fires is always shown.
	Timers bool
	// ConnStat shows changes of a connection's variables (cwnd, duplicate
	// ACK count) that come without a state change.
	ConnStat bool
	// Queue shows packets waiting in a link's transmit queue.
	Queue bool
	// NoLegend leaves out the key to the symbols at the bottom.
	NoLegend bool
	// End is the time of the last event a LadderWriter will get, or a
	// bound on it (the end of a simulated run): the time column is made as
	// wide as its label. WriteLadder takes the last event's time instead.
	End time.Duration
	// Caption, if set, returns an explanation printed under the row of
	// event i (for example from package sim/caption); "" prints nothing.
	Caption func(i int, e *Event) string
}

// Symbols of the ladder. They are all one column wide in a terminal.
const (
	symLifeline = '│'
	symState    = '●'
	symTimer    = '○'
	symLost     = '✕'
	symCopy     = '◇'
	symDown     = '╲' // a packet in flight to the right
	symUp       = '╱' // a packet in flight to the left
)

// WriteLadder draws t as a sequence ("ladder") diagram: time runs down,
// every end host (and router, with Routers) has a vertical lifeline, and a
// packet is an arrow from its sender's lifeline, labelled where it leaves
// and running diagonally down to the row where it arrives — so packets
// that overtake each other cross. A lost packet's line ends in ✕ with the
// reason; a link-made copy starts at ◇. State changes (●), fired timers (○)
// and the application's socket calls are written beside their host.
//
// A header without nodes (a live recording) gets one column per node that
// has events, in order of appearance. LadderWriter draws the same diagram
// as the events come, without holding the trace.
func WriteLadder(w io.Writer, t *Trace, opts LadderOptions) error {
	var last time.Duration
	if len(t.Events) > 0 {
		last = t.Events[len(t.Events)-1].At
	}
	l, err := newLadder(&t.Header, t.Events, true, last, opts)
	if err != nil {
		return err
	}
	var rows []lrow
	l.add = func(r lrow, e *Event) int {
		if l.opts.Caption != nil {
			r.caption = l.opts.Caption(r.event, e)
		}
		rows = append(rows, r)
		return len(rows) - 1
	}
	an := Analyze(t)
	for i := range t.Events {
		l.event(i, &t.Events[i], &an[i], func() (time.Duration, bool) { return RearmedAfter(t, i) })
	}
	bw := bufio.NewWriter(w)
	l.writeHead(bw)
	// Every row's lines, then the packets in flight through them.
	var lines []canvas
	rowLine := make([]int, len(rows))
	lastTime := time.Duration(-1)
	for ri := range rows {
		rowLine[ri] = len(lines)
		lines = l.rowLines(lines, &rows[ri], &lastTime)
	}
	for _, a := range l.arrows {
		if a.endRow >= 0 { // else still in flight when the trace ends
			l.diagonal(a, rowLine[a.startRow], rowLine[a.endRow], func(li int) canvas { return lines[li] })
		}
	}
	for _, ln := range lines {
		bw.WriteString(ln.String())
		bw.WriteByte('\n')
	}
	l.writeFoot(bw)
	return bw.Flush()
}

// ErrLadderNeedsTrace is NewLadderWriter's error for a header that names
// no node to draw: only the whole trace (WriteLadder) can tell the columns.
var ErrLadderNeedsTrace = errors.New("trace: ladder: the header lists no nodes to draw; the columns come from the whole trace")

// MaxFlightLines bounds what a LadderWriter holds: a packet still in flight
// this many lines below the line it left on is drawn without its diagonal,
// so that the lines above can be written. WriteLadder, which has the whole
// trace, draws every diagonal.
const MaxFlightLines = 4096

// LadderWriter draws the ladder of WriteLadder as the events come, for a
// trace that is never held whole (a long simulation, a large capture): it
// is a Sink, and Close writes the last lines. It holds the lines a packet
// in flight still has to cross (at most MaxFlightLines) and the events of
// one instant (a fired timer's row names the re-arm that follows it), and
// its Analyzer, whose memory follows the packets in flight.
//
// Its output is WriteLadder's for the same events, with two differences a
// stream cannot avoid: the time column is as wide as LadderOptions.End
// needs rather than the last event's time (they differ only for times of
// 1,000 s and more), and a packet in flight for more than MaxFlightLines
// lines has no diagonal. A LadderWriter is not safe for concurrent use.
type LadderWriter struct {
	l        *ladder
	bw       *bufio.Writer
	z        *Analyzer
	inst     []Event // the current instant's events, not yet drawn
	n        int     // events drawn before inst
	lines    []canvas
	first    int // line number of lines[0]
	lastTime time.Duration
	buf      []byte // a line being written
	err      error
	closed   bool
}

// maxSpare bounds the written lines a LadderWriter keeps for reuse.
const maxSpare = 256

// NewLadderWriter writes the ladder's head (title, names, addresses) to w
// and returns the writer the events go to. opts.End sizes the time column.
func NewLadderWriter(w io.Writer, h *Header, opts LadderOptions) (*LadderWriter, error) {
	l, err := newLadder(h, nil, false, opts.End, opts)
	if err != nil {
		return nil, err
	}
	lw := &LadderWriter{l: l, bw: bufio.NewWriterSize(w, 64<<10), z: NewAnalyzer(h), lastTime: -1}
	l.add = lw.draw
	l.writeHead(lw.bw)
	return lw, nil
}

// Emit draws e (once its instant is over).
func (lw *LadderWriter) Emit(e *Event) {
	if lw.closed {
		return
	}
	if len(lw.inst) > 0 && e.At != lw.inst[0].At {
		lw.drawInstant()
	}
	lw.inst = append(lw.inst, *e)
}

// drawInstant turns the held instant's events into rows and writes every
// line no packet in flight has still to cross.
func (lw *LadderWriter) drawInstant() {
	l, t := lw.l, &Trace{Events: lw.inst}
	for j := range lw.inst {
		e := &lw.inst[j]
		a := lw.z.Next(e)
		l.event(lw.n+j, e, &a, func() (time.Duration, bool) { return RearmedAfter(t, j) })
	}
	lw.n += len(lw.inst)
	clear(lw.inst) // let payloads go
	lw.inst = lw.inst[:0]

	// Diagonals in the order the arrows left, as WriteLadder draws them:
	// where two cross, the earlier one has the cell.
	end := lw.first + len(lw.lines)
	k := 0
	for ; k < len(l.arrows); k++ {
		a := l.arrows[k]
		if a.endRow < 0 {
			if end-a.startRow <= MaxFlightLines {
				break
			}
			continue // in flight too long: no diagonal
		}
		l.diagonal(a, a.startRow, a.endRow, lw.line)
	}
	clear(l.arrows[:k])
	l.arrows = l.arrows[k:]
	keep := end // lines from here on may still get a diagonal
	if len(l.arrows) > 0 {
		keep = l.arrows[0].startRow + 1
	}
	lw.flush(keep)
}

func (lw *LadderWriter) line(n int) canvas { return lw.lines[n-lw.first] }

// flush writes the lines before line number keep.
func (lw *LadderWriter) flush(keep int) {
	n := keep - lw.first
	if n <= 0 {
		return
	}
	for _, ln := range lw.lines[:n] {
		lw.buf = append(ln.appendTo(lw.buf[:0]), '\n')
		if _, err := lw.bw.Write(lw.buf); err != nil && lw.err == nil {
			lw.err = err
		}
		if len(lw.l.spare) < maxSpare {
			lw.l.spare = append(lw.l.spare, ln)
		}
	}
	clear(lw.lines[:n])
	lw.lines = lw.lines[n:]
	lw.first = keep
}

// draw is the LadderWriter's l.add: the row and its caption become lines
// at once; it returns the row's line number.
func (lw *LadderWriter) draw(r lrow, e *Event) int {
	if lw.l.opts.Caption != nil {
		r.caption = lw.l.opts.Caption(r.event, e)
	}
	n := lw.first + len(lw.lines)
	lw.lines = lw.l.rowLines(lw.lines, &r, &lw.lastTime)
	return n
}

// Err returns the first error writing to the writer underneath.
func (lw *LadderWriter) Err() error { return lw.err }

// Close draws the last instant, the diagonals of the packets that arrived,
// the bottom and the legend, and flushes. It does not close the writer
// underneath.
func (lw *LadderWriter) Close() error {
	if lw.closed {
		return lw.err
	}
	lw.closed = true
	if len(lw.inst) > 0 {
		lw.drawInstant()
	}
	l := lw.l
	for _, a := range l.arrows {
		if a.endRow >= 0 {
			l.diagonal(a, a.startRow, a.endRow, lw.line)
		}
	}
	l.arrows = nil
	lw.flush(lw.first + len(lw.lines))
	l.writeFoot(lw.bw)
	if err := lw.bw.Flush(); err != nil && lw.err == nil {
		lw.err = err
	}
	return lw.err
}

type ladder struct {
	h       *Header
	opts    LadderOptions
	cols    []Node
	col     map[string]int
	owner   map[netip.Addr]string
	x       []int // x of each column's lifeline
	gutter  int   // width of the time labels
	width   int
	arrows  []*arrow          // in the order they left; a LadderWriter drops those it has drawn
	current map[uint64]*arrow // packet ID -> its arrow in flight
	blank   canvas            // a line of lifelines only
	spare   []canvas          // lines a LadderWriter has written, for lifelines to reuse
	flying  []*arrow          // the arrows of current in the order they left, and some that arrived since
	// add records a row of event e and returns its position (WriteLadder:
	// the row's index; a LadderWriter: its line's number).
	add func(r lrow, e *Event) int
}

type rowKind uint8

const (
	rowNote    rowKind = iota // text at a host (or across, col -1)
	rowSend                   // a packet leaves col towards to
	rowArrive                 // a packet arrives at col from the side of from
	rowLost                   // ✕ in mid-flight
	rowCopy                   // ◇ in mid-flight
	rowHeading                // full-width text (notes without a node)
)

type lrow struct {
	event   int // index of the event
	at      time.Duration
	kind    rowKind
	col     int  // the host the row is about
	from    int  // for arrive rows: the sender's column; -1 unknown
	mark    rune // replaces the lifeline at col (0: keep)
	text    string
	arrow   *arrow // for send/lost/copy/arrive rows; nil none
	caption string
}

type arrow struct {
	id               uint64 // the packet's
	startRow, endRow int    // positions (see ladder.add); endRow -1 while in flight
	fromCol, toCol   int
	orig             uint64 // Packet.Orig of the packet it carries
	midStart         bool   // starts mid-way (a link-made copy)
	markX            int    // where ✕ or ◇ was drawn; 0 before drawing
	endsMid          bool   // ends mid-way (lost)
}

// newLadder lays out the columns of h's hosts (with Routers, also its
// routers), or else, when whole, of the nodes that have events in evs;
// last is the latest time a row shows, which sizes the time column.
func newLadder(h *Header, evs []Event, whole bool, last time.Duration, opts LadderOptions) (*ladder, error) {
	if opts.Width == 0 {
		opts.Width = 100
	}
	l := &ladder{h: h, opts: opts, col: map[string]int{}, owner: addrOwners(h),
		current: map[uint64]*arrow{}, width: opts.Width}
	for _, n := range h.Nodes {
		if n.Kind == NodeHost || opts.Routers {
			l.col[n.Name] = len(l.cols)
			l.cols = append(l.cols, n)
		}
	}
	if len(l.cols) == 0 && !whole {
		return nil, ErrLadderNeedsTrace
	}
	if len(l.cols) == 0 {
		// No topology in the header (a live capture): one column per node
		// that has events, in order of appearance.
		for i := range evs {
			if n := evs[i].Node; n != "" {
				if _, ok := l.col[n]; !ok {
					l.col[n] = len(l.cols)
					l.cols = append(l.cols, Node{Name: n})
				}
			}
		}
	}
	if len(l.cols) == 0 {
		return nil, errors.New("trace: ladder: no hosts to draw (the header lists no nodes and no event names one)")
	}
	l.gutter = max(len("999999.999"), len(fmtMillis(last)))
	need := l.gutter + 3 + 24*max(1, len(l.cols)-1) + 2
	if opts.Width < need {
		return nil, fmt.Errorf("trace: ladder: %d columns are too narrow for %d lifelines (need at least %d)", opts.Width, len(l.cols), need)
	}
	// Lifelines: the first just right of the time labels, the last at the
	// right margin, the others evenly between.
	first, lastX := l.gutter+3, opts.Width-2
	l.x = make([]int, len(l.cols))
	for i := range l.cols {
		if len(l.cols) == 1 {
			l.x[i] = first
			continue
		}
		l.x[i] = first + (lastX-first)*i/(len(l.cols)-1)
	}
	return l, nil
}

// fmtMillis prints a time in milliseconds with microsecond precision.
func fmtMillis(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	us := d / time.Microsecond
	s := strconv.FormatInt(int64(us/1000), 10) + "." + fmt.Sprintf("%03d", us%1000)
	if neg {
		s = "-" + s
	}
	return s
}

func (l *ladder) colOf(node string) int {
	if c, ok := l.col[node]; ok {
		return c
	}
	return -1
}

// target is the column a packet sent by e heads for.
func (l *ladder) target(e *Event) int {
	if l.opts.Routers {
		return l.colOf(e.Peer)
	}
	if n, ok := l.owner[e.Packet.Dst.Addr()]; ok {
		if c := l.colOf(n); c >= 0 {
			return c
		}
	}
	return l.colOf(e.Peer)
}

func (l *ladder) note(i int, e *Event, col int, mark rune, text string) {
	l.add(lrow{event: i, at: e.At, kind: rowNote, col: col, mark: mark, text: text}, e)
}

// event adds the rows of event i (none for what the ladder leaves out); a
// is its analysis, rearm says for how long a timer that fired at e was
// armed again at the same instant (RearmedAfter).
func (l *ladder) event(i int, e *Event, a *Analysis, rearm func() (time.Duration, bool)) {
	c := l.colOf(e.Node)
	id := "#" + strconv.FormatUint(e.Packet.ID, 10)
	switch e.Kind {
	case KindSend:
		if c < 0 || a.Hop && !l.opts.Routers {
			return
		}
		to := l.target(e)
		if to < 0 || to == c {
			l.note(i, e, c, 0, "sends "+l.label(e, a, l.noteRoom(c)-6))
			return
		}
		ar := &arrow{id: e.Packet.ID, endRow: -1, fromCol: c, toCol: to, orig: e.Packet.Orig}
		room := abs(l.x[to]-l.x[c]) - 4
		ar.startRow = l.add(lrow{event: i, at: e.At, kind: rowSend, col: c, from: c, text: l.label(e, a, room), arrow: ar}, e)
		l.fly(ar)
	case KindDeliver:
		if c < 0 || !l.opts.Routers && l.isRouter(e.Node) {
			return
		}
		ar, ok := l.current[e.Packet.ID]
		from := l.colOf(e.Peer)
		if ok {
			from = ar.fromCol
			delete(l.current, e.Packet.ID)
		}
		text := id
		if e.Packet.Orig != 0 {
			text += " (copy of #" + strconv.FormatUint(e.Packet.Orig, 10) + ")"
		}
		if ok {
			if o := l.overtook(ar, &e.Packet); o != 0 {
				text += " (overtook #" + strconv.FormatUint(o, 10) + ")"
			}
		}
		r := l.add(lrow{event: i, at: e.At, kind: rowArrive, col: c, from: from, text: text, arrow: ar}, e)
		if ok {
			ar.endRow = r
		}
	case KindDrop:
		ar, inFlight := l.current[e.Packet.ID]
		if !inFlight {
			// Dropped where it arrived (no socket, bad state) or by a
			// node we do not draw: a note at the nearest lifeline.
			at := c
			if at < 0 {
				at = l.colOf(e.Peer)
			}
			if at >= 0 {
				l.note(i, e, at, symLost, id+" discarded: "+dropText(e))
			}
			return
		}
		delete(l.current, e.Packet.ID)
		ar.endsMid = true
		ar.endRow = l.add(lrow{event: i, at: e.At, kind: rowLost, col: ar.toCol, from: ar.fromCol,
			text: id + " lost: " + dropText(e), arrow: ar}, e)
	case KindDuplicate:
		o, ok := l.current[e.Packet.Orig]
		if !ok {
			return
		}
		ar := &arrow{id: e.Packet.ID, endRow: -1, fromCol: o.fromCol, toCol: o.toCol, midStart: true, orig: e.Packet.Orig}
		ar.startRow = l.add(lrow{event: i, at: e.At, kind: rowCopy, col: o.toCol, from: o.fromCol,
			text: fmt.Sprintf("#%d copy of #%d (link %s duplicated it)", e.Packet.ID, e.Packet.Orig, e.Link), arrow: ar}, e)
		l.fly(ar)
	case KindEnqueue:
		if l.opts.Queue && c >= 0 {
			l.note(i, e, c, 0, fmt.Sprintf("#%d waits in the queue of link %s", e.Packet.ID, e.Link))
		}
	case KindState:
		if c >= 0 {
			l.note(i, e, c, symState, e.To.String())
		}
	case KindConnStat:
		if l.opts.ConnStat && c >= 0 {
			l.note(i, e, c, 0, connStatText(&e.Conn))
		}
	case KindTimerFire:
		if c >= 0 {
			next, ok := rearm()
			l.note(i, e, c, symTimer, timerFired(e, next, ok))
		}
	case KindTimerSet, KindTimerCancel:
		if l.opts.Timers && c >= 0 {
			l.note(i, e, c, 0, timerText(e))
		}
	case KindApp:
		if c >= 0 {
			l.note(i, e, c, 0, appText(e))
		}
	case KindNote:
		if c >= 0 {
			l.note(i, e, c, 0, "» "+e.Text)
		} else {
			l.add(lrow{event: i, at: e.At, kind: rowHeading, col: -1, text: "» " + e.Text}, e)
		}
	}
}

// fly records a new arrow in flight.
func (l *ladder) fly(ar *arrow) {
	l.arrows = append(l.arrows, ar)
	l.current[ar.id] = ar
	if len(l.flying) >= 64 && len(l.flying) > 2*len(l.current) {
		// Most have arrived: keep those still in flight.
		k := 0
		for _, a := range l.flying {
			if l.current[a.id] == a {
				l.flying[k] = a
				k++
			}
		}
		clear(l.flying[k:])
		l.flying = l.flying[:k]
	}
	l.flying = append(l.flying, ar)
}

// overtook returns the ID of a packet that set out on the same path before
// arrow me and is still on its way when me's packet p arrives, or 0 — the
// one that left first. What counts is the drawn path: with routers hidden,
// end to end.
func (l *ladder) overtook(me *arrow, p *Packet) uint64 {
	for len(l.flying) > 0 && l.current[l.flying[0].id] != l.flying[0] {
		l.flying[0] = nil
		l.flying = l.flying[1:]
	}
	for _, o := range l.flying { // in the order they left
		if o.startRow >= me.startRow {
			break
		}
		if o.fromCol != me.fromCol || o.toCol != me.toCol || l.current[o.id] != o {
			continue
		}
		// A copy and its original are one packet twice, not a reordering.
		if o.id == p.Orig || o.orig == p.ID || p.Orig != 0 && o.orig == p.Orig {
			continue
		}
		return o.id
	}
	return 0
}

func (l *ladder) isRouter(name string) bool {
	n, ok := l.h.Node(name)
	return ok && n.Kind == NodeRouter
}

// label is the text on a packet's arrow: number, flags and numbers,
// payload, and what the analysis knows about it.
func (l *ladder) label(e *Event, a *Analysis, room int) string {
	p := &e.Packet
	var sb strings.Builder
	fmt.Fprintf(&sb, "#%d ", p.ID)
	switch p.Proto {
	case ProtoTCP:
		seq, ack := p.Seq, p.Ack
		if !l.opts.Absolute {
			seq = a.RelSeq
			if a.HaveRelAck {
				ack = a.RelAck
			}
		}
		flags := p.Flags.String()
		if flags == "" {
			flags = "<none>"
		}
		fmt.Fprintf(&sb, "%s seq=%d", flags, seq)
		if p.Flags.Has(FlagACK) {
			fmt.Fprintf(&sb, " ack=%d", ack)
		}
		win := a.Window // scaled as Wireshark shows it; 0 only if the field is, or unanalysed
		if win == 0 {
			win = uint64(p.Window)
		}
		fmt.Fprintf(&sb, " win=%d len=%d", win, len(p.Payload))
		if p.MSS != 0 {
			fmt.Fprintf(&sb, " mss=%d", p.MSS)
		}
		if p.Flags.Has(FlagSYN) {
			// The options in the order of Wireshark's info column for a
			// Linux SYN (the window scale as its multiplier).
			if p.Opts&OptSACKPerm != 0 {
				sb.WriteString(" sack_perm")
			}
			if p.Opts&OptTimestamps != 0 {
				fmt.Fprintf(&sb, " tsval=%d tsecr=%d", p.TSval, p.TSecr)
			}
			if p.Opts&OptWScale != 0 {
				fmt.Fprintf(&sb, " ws=%d", 1<<min(p.WScale, 14))
			}
		}
		for _, k := range p.SACK { // Wireshark's SLE= SRE=, relative like ack
			le, re := k.Left, k.Right
			if !l.opts.Absolute && a.HaveRelAck {
				base := p.Ack - a.RelAck // the peer's ISN
				le, re = le-base, re-base
			}
			fmt.Fprintf(&sb, " sle=%d sre=%d", le, re)
		}
	case ProtoUDP:
		fmt.Fprintf(&sb, "UDP %d→%d len=%d", p.Src.Port(), p.Dst.Port(), len(p.Payload))
	case ProtoICMP:
		sb.WriteString(icmpText(p))
		if p.Quote != 0 {
			fmt.Fprintf(&sb, " (about #%d)", p.Quote)
		}
	case ProtoMsg:
		fmt.Fprintf(&sb, "message len=%d", len(p.Payload))
	default:
		fmt.Fprintf(&sb, "packet len=%d", len(p.Payload))
	}
	switch {
	case a.FastRetransmit:
		sb.WriteString(" [fast retransmission]")
	case a.Retransmission:
		sb.WriteString(" [retransmission]")
	}
	if a.DupAck > 0 {
		fmt.Fprintf(&sb, " [dup ACK %d]", a.DupAck)
	}
	if a.WindowProbe {
		sb.WriteString(" [window probe]")
	}
	if a.ZeroWindow {
		sb.WriteString(" [zero window]")
	}
	// The payload is the least important part: only when it fits.
	if q := quoteShort(string(p.Payload), 16); p.Proto != ProtoICMP && q != "" {
		q = " " + q
		if StringWidth(sb.String())+StringWidth(q) <= room {
			sb.WriteString(q)
		}
	}
	return sb.String()
}

func icmpText(p *Packet) string {
	v6 := p.Src.Addr().Is6() && !p.Src.Addr().Is4In6()
	switch {
	case !v6 && p.ICMPType == 3 && p.ICMPCode == 3, v6 && p.ICMPType == 1 && p.ICMPCode == 4:
		return "ICMP port unreachable"
	case !v6 && p.ICMPType == 3:
		return fmt.Sprintf("ICMP destination unreachable (code %d)", p.ICMPCode)
	case !v6 && p.ICMPType == 11, v6 && p.ICMPType == 3:
		return "ICMP time exceeded"
	case !v6 && p.ICMPType == 8, v6 && p.ICMPType == 128:
		return "ICMP echo request"
	case !v6 && p.ICMPType == 0, v6 && p.ICMPType == 129:
		return "ICMP echo reply"
	}
	return fmt.Sprintf("ICMP type=%d code=%d", p.ICMPType, p.ICMPCode)
}

func dropText(e *Event) string {
	var s string
	switch e.Reason {
	case DropLoss:
		s = "random loss"
	case DropQueueFull:
		s = "queue full"
	case DropScripted:
		s = "dropped by the lesson"
	case DropMTU:
		s = "larger than the MTU"
	case DropNoRoute:
		s = "no route"
	case DropNoSocket:
		s = fmt.Sprintf("no socket on port %d", e.Packet.Dst.Port())
	case DropTTL:
		s = "TTL exhausted"
	case DropBadState:
		s = "not acceptable in this state"
	default:
		s = e.Reason.String()
	}
	if e.Link != "" && e.Reason != DropNoSocket && e.Reason != DropBadState {
		s += " on " + e.Link
	}
	return s
}

func connStatText(c *ConnState) string {
	s := fmt.Sprintf("cwnd=%d ssthresh=%d", c.Cwnd, c.Ssthresh)
	if c.DupAcks > 0 {
		s += fmt.Sprintf(" dupacks=%d", c.DupAcks)
	}
	s += fmt.Sprintf(" in flight=%d", c.InFlight)
	if c.Sacked > 0 || c.Pipe > 0 {
		s += fmt.Sprintf(" sacked=%d pipe=%d", c.Sacked, c.Pipe)
	}
	return s
}

func timerName(k TimerKind) string {
	switch k {
	case TimerRetransmit:
		return "RTO"
	case TimerPersist:
		return "persist timer"
	case TimerTimeWait:
		return "TIME-WAIT timer"
	case TimerDelayedAck:
		return "delayed-ACK timer"
	case TimerApp:
		return "app timer"
	case TimerTLP:
		return "TLP"
	case TimerReorder:
		return "RACK reorder timer"
	}
	return k.String() + " timer"
}

func timerFired(e *Event, next time.Duration, rearmed bool) string {
	if e.Timer == TimerTimeWait {
		return "TIME-WAIT over (2·MSL)"
	}
	s := timerName(e.Timer) + " fired"
	if e.Timer == TimerRetransmit && rearmed {
		s += " (next RTO " + next.String() + ")"
	}
	return s
}

func timerText(e *Event) string {
	if e.Kind == KindTimerCancel {
		return timerName(e.Timer) + " cancelled"
	}
	return fmt.Sprintf("%s set, fires at %s ms", timerName(e.Timer), fmtMillis(e.Deadline))
}

func appText(e *Event) string {
	data := func() string {
		if q := quoteShort(e.Text, 20); e.Text != "" && q != "" {
			return strconv.Itoa(e.N) + " " + q
		}
		return strconv.Itoa(e.N)
	}
	switch e.Op {
	case OpListen:
		return "listen " + addrOr(e.Socket, e.Text)
	case OpConnect:
		return "connect " + addrOr(e.Remote, e.Text)
	case OpConnectStart:
		return "connecting to " + addrOr(e.Remote, e.Text)
	case OpAccept:
		return "accept ← " + addrOr(e.Remote, e.Text)
	case OpWrite:
		return "write " + data()
	case OpRead:
		if e.N == 0 && e.Text == "" {
			return "read 0 (end of stream)"
		}
		return "read " + data()
	case OpSendTo:
		return "sendto " + e.Remote.String() + " " + data()
	case OpRecvFrom:
		return "recvfrom " + data() + " ← " + e.Remote.String()
	case OpError:
		return "error: " + e.Text
	case OpGetServByName: // the text is the call: getservbyname('http', 'tcp') = 80
		if e.Text != "" {
			return e.Text
		}
	case OpClose:
		if e.Text != "" { // why a real server closed
			return "close (" + e.Text + ")"
		}
	}
	if e.Text != "" {
		return e.Op.String() + " " + e.Text
	}
	return e.Op.String()
}

// addrOr is a, or text when a is not an IP address: a real Unix-domain
// socket names its path in Text.
func addrOr(a netip.AddrPort, text string) string {
	if !a.IsValid() && text != "" {
		return text
	}
	return a.String()
}

// quoteShort quotes s for a label, escaping control characters and
// shortening it to at most n characters; binary data (see Binary) is "".
func quoteShort(s string, n int) string {
	if s == "" || Binary([]byte(s)) {
		return ""
	}
	cut := false
	i := 0
	for k := 0; i < len(s) && k < n-1; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if i < len(s) && utf8.RuneCountInString(s) > n {
		s, cut = s[:i], true
	}
	q := `"` + payloadText([]byte(s)) + `"`
	if cut {
		q = q[:len(q)-1] + `…"`
	}
	return q
}

// Binary reports whether data looks like binary rather than text: more
// than a quarter of its first 64 bytes are control bytes or invalid UTF-8.
// Labels and captions do not quote binary data.
func Binary(data []byte) bool {
	if len(data) > 64 {
		data = data[:64]
	}
	bad := 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 || r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			bad++
		}
		i += size
	}
	return bad*4 > len(data)
}

// ---- rendering ----

// canvas is one output line as cells; a wide rune occupies its cell and
// marks the next as a continuation.
type canvas []rune

const contCell = -1

func newCanvas(w int) canvas {
	c := make(canvas, w)
	for i := range c {
		c[i] = ' '
	}
	return c
}

// put writes s from column x, clipping at the edges; it returns the
// column after the text.
func (c canvas) put(x int, s string) int {
	for _, r := range s {
		w := RuneWidth(r)
		if w == 0 {
			continue
		}
		if x < 0 {
			x += w
			continue
		}
		if x+w > len(c) {
			break
		}
		c.clear(x)
		c[x] = r
		if w == 2 {
			c.clear(x + 1)
			c[x+1] = contCell
		}
		x += w
	}
	return x
}

// clear blanks cell x, and the other half of a wide rune it belongs to.
func (c canvas) clear(x int) {
	if c[x] == contCell && x > 0 {
		c[x-1] = ' '
	}
	if x+1 < len(c) && c[x+1] == contCell {
		c[x+1] = ' '
	}
	c[x] = ' '
}

// free reports whether a diagonal may go into cell x: it is blank and
// does not touch text on either side.
func (c canvas) free(x int) bool {
	if x <= 0 || x >= len(c)-1 || c[x] != ' ' {
		return false
	}
	for _, n := range [2]rune{c[x-1], c[x+1]} {
		switch n {
		case ' ', symLifeline, symDown, symUp:
		default:
			return false
		}
	}
	return true
}

// String returns the line without trailing blanks.
func (c canvas) String() string { return string(c.appendTo(nil)) }

// appendTo appends the line without trailing blanks to b, UTF-8 encoded.
func (c canvas) appendTo(b []byte) []byte {
	end := len(c)
	for end > 0 && c[end-1] == ' ' {
		end--
	}
	for _, r := range c[:end] {
		if r != contCell {
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

// fit shortens s to at most w columns, ending in "…" when cut.
func fit(s string, w int) string {
	if StringWidth(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	var sb strings.Builder
	n := 0
	for _, r := range s {
		rw := RuneWidth(r)
		if n+rw > w-1 {
			break
		}
		sb.WriteRune(r)
		n += rw
	}
	return sb.String() + "…"
}

// writeHead writes the title, the node names and addresses, and the tops
// of the lifelines.
func (l *ladder) writeHead(bw *bufio.Writer) {
	w := l.width
	var out []string
	title := l.h.Title
	if title == "" {
		title = l.h.Scenario
	}
	if title != "" {
		out = append(out, wrap(title, w)...)
	}
	// Node names and addresses above their lifelines.
	names, addrs := newCanvas(w), newCanvas(w)
	names.put(0, fmt.Sprintf("%*s", l.gutter, "ms"))
	for i, n := range l.cols {
		name := n.Name
		if n.Role != "" && n.Role != n.Name {
			name += " (" + n.Role + ")"
		}
		var as []string
		for _, a := range n.Addrs {
			as = append(as, a.String())
		}
		l.putAt(names, i, fit(name, l.slot(i)))
		l.putAt(addrs, i, fit(strings.Join(as, " "), l.slot(i)))
	}
	out = append(out, names.String(), addrs.String())
	top := l.lifelines()
	for i := range l.cols {
		top[l.x[i]] = '┬'
	}
	out = append(out, top.String())
	writeLines(bw, out)
}

// writeFoot writes the bottoms of the lifelines and the legend.
func (l *ladder) writeFoot(bw *bufio.Writer) {
	bottom := l.lifelines()
	for i := range l.cols {
		bottom[l.x[i]] = '┴'
	}
	out := []string{bottom.String()}
	if !l.opts.NoLegend {
		legend := "├─ sent   ─▶┤ arrived   ╲╱ in flight   ✕ lost   ◇ copy   ● state   ○ timer"
		if !l.opts.Absolute {
			legend += "   seq/ack relative"
		}
		out = append(out, wrap(legend, l.width)...)
	}
	writeLines(bw, out)
}

func writeLines(bw *bufio.Writer, lines []string) {
	for _, s := range lines {
		bw.WriteString(s)
		bw.WriteByte('\n')
	}
}

// rowLines appends row r's line, then its caption's, to lines. The time
// is written when it differs from *lastTime's.
func (l *ladder) rowLines(lines []canvas, r *lrow, lastTime *time.Duration) []canvas {
	c := l.lifelines()
	if r.at != *lastTime {
		c.put(0, fmt.Sprintf("%*s", l.gutter, fmtMillis(r.at)))
		*lastTime = r.at
	}
	l.drawRow(c, r)
	lines = append(lines, c)
	if r.caption != "" {
		left, right := l.captionSpan()
		for _, s := range wrap(r.caption, right-left) {
			cc := l.lifelines()
			cc.put(left, s)
			lines = append(lines, cc)
		}
	}
	return lines
}

// diagonal draws a packet in flight through the lines between its
// departure's line s and its arrival's line t (line gives them), only into
// empty cells so that text stays readable.
func (l *ladder) diagonal(a *arrow, s, t int, line func(int) canvas) {
	x0, x1 := l.arrowStartX(a), l.arrowEndX(a)
	sym := symDown
	if x1 < x0 {
		sym = symUp
	}
	for li := s + 1; li < t; li++ {
		x := x0 + (x1-x0)*(li-s)/(t-s)
		if c := line(li); c.free(x) {
			c[x] = sym
		}
	}
}

// slot is the width available for a header label centred on column i.
func (l *ladder) slot(i int) int {
	if len(l.cols) == 1 {
		return l.width - l.x[0]
	}
	gap := (l.x[len(l.x)-1] - l.x[0]) / (len(l.cols) - 1)
	return gap - 2
}

// putAt writes a header label for column i: left-aligned on the first
// lifeline, right-aligned on the last, centred on the others.
func (l *ladder) putAt(c canvas, i int, s string) {
	sw := StringWidth(s)
	switch {
	case i == 0:
		c.put(l.x[i], s)
	case i == len(l.cols)-1:
		c.put(l.x[i]+1-sw, s)
	default:
		c.put(l.x[i]-sw/2, s)
	}
}

// lifelines returns a line with nothing but the lifelines: a line a
// LadderWriter has written, or a new one.
func (l *ladder) lifelines() canvas {
	if l.blank == nil {
		l.blank = newCanvas(l.width)
		for _, x := range l.x {
			l.blank[x] = symLifeline
		}
	}
	var c canvas
	if n := len(l.spare); n > 0 {
		c, l.spare = l.spare[n-1], l.spare[:n-1]
	} else {
		c = make(canvas, l.width)
	}
	copy(c, l.blank)
	return c
}

func (l *ladder) captionSpan() (int, int) {
	left := l.x[0] + 4
	right := l.width - 4
	if len(l.x) > 1 {
		right = l.x[len(l.x)-1] - 3
	}
	return left, right
}

// noteX is where text about column i starts: right of the lifeline,
// except for the last of several columns, whose notes sit to its left.
func (l *ladder) noteX(i int, text string) int {
	if len(l.cols) > 1 && i == len(l.cols)-1 {
		return l.x[i] - 1 - StringWidth(text)
	}
	return l.x[i] + 2
}

func (l *ladder) noteRoom(i int) int {
	if len(l.cols) > 1 && i == len(l.cols)-1 {
		return l.x[i] - l.x[i-1] - 3
	}
	if i+1 < len(l.cols) {
		return l.x[i+1] - l.x[i] - 3
	}
	return l.width - l.x[i] - 2
}

func (l *ladder) midX(a *arrow) int {
	if a.markX > 0 {
		return a.markX
	}
	return (l.x[a.fromCol] + l.x[a.toCol]) / 2
}

func (l *ladder) arrowStartX(a *arrow) int {
	if a.midStart {
		return l.midX(a)
	}
	if l.x[a.toCol] > l.x[a.fromCol] {
		return l.x[a.fromCol] + 1
	}
	return l.x[a.fromCol] - 1
}

func (l *ladder) arrowEndX(a *arrow) int {
	if a.endsMid {
		return l.midX(a)
	}
	if l.x[a.toCol] > l.x[a.fromCol] {
		return l.x[a.toCol] - 1
	}
	return l.x[a.toCol] + 1
}

func (l *ladder) drawRow(c canvas, r *lrow) {
	switch r.kind {
	case rowHeading:
		left, right := l.captionSpan()
		c.put(left-2, fit(r.text, right-left+2))
	case rowNote:
		if r.mark != 0 {
			c[l.x[r.col]] = r.mark
		}
		text := fit(r.text, l.noteRoom(r.col))
		c.put(l.noteX(r.col, text), text)
	case rowSend:
		a := r.arrow
		xs, xd := l.x[a.fromCol], l.x[a.toCol]
		room := abs(xd-xs) - 4
		text := fit(r.text, room)
		if xd > xs {
			c[xs] = '├'
			c.put(xs+1, "─ "+text)
		} else {
			c[xs] = '┤'
			c.put(xs-2-StringWidth(text), text+" ─")
		}
	case rowArrive:
		xd := l.x[r.col]
		fromLeft := r.from < 0 && r.col > 0 || r.from >= 0 && l.x[r.from] < xd
		room := 24
		if r.from >= 0 {
			room = abs(xd-l.x[r.from]) - 6
		}
		text := fit(r.text, room)
		if fromLeft {
			c[xd] = '┤'
			c.put(xd-3-StringWidth(text), text+" ─▶")
		} else {
			c[xd] = '├'
			c.put(xd+1, "◀─ "+text)
		}
	case rowLost, rowCopy:
		a := r.arrow
		x := l.midX(a)
		sym := symLost
		if r.kind == rowCopy {
			sym = symCopy
		}
		lo, hi := min(l.x[a.fromCol], l.x[a.toCol]), max(l.x[a.fromCol], l.x[a.toCol])
		// The mark sits mid-way unless its text needs the room: then as
		// far left as it must, and the line in flight ends (or starts) there.
		text := fit(string(sym)+" "+r.text, hi-lo-3)
		x = max(lo+2, min(x, hi-1-StringWidth(text)))
		c.put(x, text)
		a.markX = x
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// wrap breaks s into lines of at most w columns: at spaces between words,
// and between any two CJK characters, never putting closing punctuation
// (，。、) at the start of a line — the character before it moves down too.
func wrap(s string, w int) []string {
	if w < 8 {
		w = 8
	}
	var lines []string
	var line []string // tokens of the current line
	lw := 0
	flush := func() {
		for len(line) > 0 && line[len(line)-1] == " " {
			line = line[:len(line)-1]
		}
		lines = append(lines, strings.Join(line, ""))
		line, lw = line[:0], 0
	}
	for _, tok := range tokens(s) {
		tw := StringWidth(tok)
		if tok == " " {
			if lw > 0 && lw+1 <= w {
				line = append(line, tok)
				lw++
			}
			continue
		}
		if lw+tw > w && lw > 0 {
			var carry []string
			if noLineStart(tok) && len(line) > 1 && line[len(line)-1] != " " {
				// Take the last character (or word) down with the punctuation.
				carry = []string{line[len(line)-1]}
				line = line[:len(line)-1]
			}
			flush()
			for _, c := range carry {
				line = append(line, c)
				lw += StringWidth(c)
			}
		}
		for lw+tw > w { // a single overlong word: cut it
			head := strings.TrimSuffix(fit(tok, w-lw), "…")
			if head == "" {
				flush()
				continue
			}
			line = append(line, head)
			flush()
			tok = tok[len(head):]
			tw = StringWidth(tok)
		}
		line = append(line, tok)
		lw += tw
	}
	if lw > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// tokens splits s into words, single spaces, and single wide runes.
func tokens(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		switch {
		case r == ' ' || r == '\n' || r == '\t':
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, " ")
		case RuneWidth(r) == 2:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, string(r))
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func noLineStart(tok string) bool {
	r, _ := utf8.DecodeRuneInString(tok)
	return strings.ContainsRune("，。、；：！？）」』》〉,.;:!?)", r)
}
