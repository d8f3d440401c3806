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
func WriteLadder(w io.Writer, t *Trace, opts LadderOptions) error {
	l, err := newLadder(t, opts)
	if err != nil {
		return err
	}
	l.build()
	bw := bufio.NewWriter(w)
	for _, line := range l.render() {
		bw.WriteString(line)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

type ladder struct {
	t       *Trace
	opts    LadderOptions
	an      []Analysis
	cols    []Node
	col     map[string]int
	owner   map[netip.Addr]string
	x       []int // x of each column's lifeline
	gutter  int   // width of the time labels
	width   int
	rows    []lrow
	arrows  []arrow
	current map[uint64]int // packet ID -> index in arrows of its arrow in flight
	base    map[flowKey]uint32
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
	kind    rowKind
	col     int  // the host the row is about
	from    int  // for arrive rows: the sender's column; -1 unknown
	mark    rune // replaces the lifeline at col (0: keep)
	text    string
	arrow   int // index into arrows for send/lost/copy/arrive rows; -1 none
	caption string
}

type arrow struct {
	startRow, endRow int // row indices; endRow -1 while in flight
	startX, endX     int // endX is filled in by layout
	fromCol, toCol   int
	midStart         bool // starts mid-way (a link-made copy)
	markX            int  // where ✕ or ◇ was drawn; 0 before drawing
	endsMid          bool // ends mid-way (lost)
}

func newLadder(t *Trace, opts LadderOptions) (*ladder, error) {
	if opts.Width == 0 {
		opts.Width = 100
	}
	l := &ladder{t: t, opts: opts, col: map[string]int{}, owner: addrOwners(&t.Header),
		current: map[uint64]int{}, width: opts.Width}
	for _, n := range t.Header.Nodes {
		if n.Kind == NodeHost || opts.Routers {
			l.col[n.Name] = len(l.cols)
			l.cols = append(l.cols, n)
		}
	}
	if len(l.cols) == 0 {
		// No topology in the header (a live capture): one column per node
		// that has events, in order of appearance.
		for i := range t.Events {
			if n := t.Events[i].Node; n != "" {
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
	l.gutter = len("999999.999")
	if len(t.Events) > 0 {
		l.gutter = max(l.gutter, len(fmtMillis(t.Events[len(t.Events)-1].At)))
	}
	need := l.gutter + 3 + 24*max(1, len(l.cols)-1) + 2
	if opts.Width < need {
		return nil, fmt.Errorf("trace: ladder: %d columns are too narrow for %d lifelines (need at least %d)", opts.Width, len(l.cols), need)
	}
	l.an = Analyze(t)
	// Lifelines: the first just right of the time labels, the last at the
	// right margin, the others evenly between.
	first, last := l.gutter+3, opts.Width-2
	l.x = make([]int, len(l.cols))
	for i := range l.cols {
		if len(l.cols) == 1 {
			l.x[i] = first
			continue
		}
		l.x[i] = first + (last-first)*i/(len(l.cols)-1)
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

func (l *ladder) add(r lrow) int {
	if l.opts.Caption != nil {
		r.caption = l.opts.Caption(r.event, &l.t.Events[r.event])
	}
	l.rows = append(l.rows, r)
	return len(l.rows) - 1
}

func (l *ladder) build() {
	for i := range l.t.Events {
		e := &l.t.Events[i]
		a := &l.an[i]
		c := l.colOf(e.Node)
		switch e.Kind {
		case KindSend:
			if c < 0 || a.Hop && !l.opts.Routers {
				continue
			}
			to := l.target(e)
			if to < 0 || to == c {
				l.add(lrow{event: i, kind: rowNote, col: c, text: "sends " + l.label(e, a, l.noteRoom(c)-6), arrow: -1})
				continue
			}
			l.arrows = append(l.arrows, arrow{endRow: -1, fromCol: c, toCol: to})
			ai := len(l.arrows) - 1
			room := abs(l.x[to]-l.x[c]) - 4
			l.arrows[ai].startRow = l.add(lrow{event: i, kind: rowSend, col: c, from: c, text: l.label(e, a, room), arrow: ai})
			l.current[e.Packet.ID] = ai
		case KindDeliver:
			if c < 0 {
				continue
			}
			if !l.opts.Routers && l.isRouter(e.Node) {
				continue
			}
			ai, ok := l.current[e.Packet.ID]
			from := l.colOf(e.Peer)
			if ok {
				from = l.arrows[ai].fromCol
				delete(l.current, e.Packet.ID)
			} else {
				ai = -1
			}
			text := "#" + strconv.FormatUint(e.Packet.ID, 10)
			if e.Packet.Orig != 0 {
				text += " (copy of #" + strconv.FormatUint(e.Packet.Orig, 10) + ")"
			}
			if ai >= 0 {
				if o := l.overtook(ai, &e.Packet); o != 0 {
					text += " (overtook #" + strconv.FormatUint(o, 10) + ")"
				}
			}
			r := l.add(lrow{event: i, kind: rowArrive, col: c, from: from, text: text, arrow: ai})
			if ai >= 0 {
				l.arrows[ai].endRow = r
			}
		case KindDrop:
			reason := "lost: " + dropText(e)
			ai, inFlight := l.current[e.Packet.ID]
			if !inFlight {
				// Dropped where it arrived (no socket, bad state) or by a
				// node we do not draw: a note at the nearest lifeline.
				at := c
				if at < 0 {
					at = l.colOf(e.Peer)
				}
				if at < 0 {
					continue
				}
				l.add(lrow{event: i, kind: rowNote, col: at, mark: symLost,
					text: "#" + strconv.FormatUint(e.Packet.ID, 10) + " discarded: " + dropText(e), arrow: -1})
				continue
			}
			delete(l.current, e.Packet.ID)
			l.arrows[ai].endsMid = true
			r := l.add(lrow{event: i, kind: rowLost, col: l.arrows[ai].toCol, from: l.arrows[ai].fromCol,
				text: "#" + strconv.FormatUint(e.Packet.ID, 10) + " " + reason, arrow: ai})
			l.arrows[ai].endRow = r
		case KindDuplicate:
			oi, ok := l.current[e.Packet.Orig]
			if !ok {
				continue
			}
			o := l.arrows[oi]
			l.arrows = append(l.arrows, arrow{endRow: -1, fromCol: o.fromCol, toCol: o.toCol, midStart: true})
			ai := len(l.arrows) - 1
			l.arrows[ai].startRow = l.add(lrow{event: i, kind: rowCopy, col: o.toCol, from: o.fromCol,
				text: fmt.Sprintf("#%d copy of #%d (link %s duplicated it)", e.Packet.ID, e.Packet.Orig, e.Link), arrow: ai})
			l.current[e.Packet.ID] = ai
		case KindEnqueue:
			if l.opts.Queue && c >= 0 {
				l.add(lrow{event: i, kind: rowNote, col: c, text: fmt.Sprintf("#%d waits in the queue of link %s", e.Packet.ID, e.Link), arrow: -1})
			}
		case KindState:
			if c >= 0 {
				l.add(lrow{event: i, kind: rowNote, col: c, mark: symState, text: e.To.String(), arrow: -1})
			}
		case KindConnStat:
			if l.opts.ConnStat && c >= 0 {
				l.add(lrow{event: i, kind: rowNote, col: c, text: connStatText(&e.Conn), arrow: -1})
			}
		case KindTimerFire:
			if c >= 0 {
				next, ok := RearmedAfter(l.t, i)
				l.add(lrow{event: i, kind: rowNote, col: c, mark: symTimer, text: timerFired(e, next, ok), arrow: -1})
			}
		case KindTimerSet, KindTimerCancel:
			if l.opts.Timers && c >= 0 {
				l.add(lrow{event: i, kind: rowNote, col: c, text: timerText(e), arrow: -1})
			}
		case KindApp:
			if c >= 0 {
				l.add(lrow{event: i, kind: rowNote, col: c, text: appText(e), arrow: -1})
			}
		case KindNote:
			if c >= 0 {
				l.add(lrow{event: i, kind: rowNote, col: c, text: "» " + e.Text, arrow: -1})
			} else {
				l.add(lrow{event: i, kind: rowHeading, col: -1, text: "» " + e.Text, arrow: -1})
			}
		}
	}
}

// overtook returns the ID of a packet that set out on the same path before
// arrow ai and is still on its way when ai's packet arrives, or 0. What
// counts is the drawn path: with routers hidden, end to end.
func (l *ladder) overtook(ai int, p *Packet) uint64 {
	me := &l.arrows[ai]
	var best uint64
	bestRow := me.startRow
	for id, oi := range l.current {
		o := &l.arrows[oi]
		if oi == ai || o.fromCol != me.fromCol || o.toCol != me.toCol || o.startRow >= bestRow {
			continue
		}
		// A copy and its original are one packet twice, not a reordering.
		q := &l.t.Events[l.rows[o.startRow].event].Packet
		if id == p.Orig || q.Orig == p.ID || p.Orig != 0 && q.Orig == p.Orig {
			continue
		}
		best, bestRow = id, o.startRow
	}
	return best
}

func (l *ladder) isRouter(name string) bool {
	n, ok := l.t.Header.Node(name)
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
	return s + fmt.Sprintf(" in flight=%d", c.InFlight)
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
func (c canvas) String() string {
	var sb strings.Builder
	for _, r := range c {
		if r != contCell {
			sb.WriteRune(r)
		}
	}
	return strings.TrimRight(sb.String(), " ")
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

func (l *ladder) render() []string {
	w := l.width
	var out []string
	title := l.t.Header.Title
	if title == "" {
		title = l.t.Header.Scenario
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

	// One or more lines per row.
	var lines []canvas // each row's own line, then its caption lines
	rowLine := make([]int, len(l.rows))
	lastTime := time.Duration(-1)
	for ri := range l.rows {
		r := &l.rows[ri]
		c := l.lifelines()
		e := &l.t.Events[r.event]
		if e.At != lastTime {
			c.put(0, fmt.Sprintf("%*s", l.gutter, fmtMillis(e.At)))
			lastTime = e.At
		}
		l.drawRow(c, r)
		rowLine[ri] = len(lines)
		lines = append(lines, c)
		if r.caption != "" {
			left, right := l.captionSpan()
			for _, s := range wrap(r.caption, right-left) {
				cc := l.lifelines()
				cc.put(left, s)
				lines = append(lines, cc)
			}
		}
	}
	// Packets in flight: a diagonal through the lines between send and
	// arrival, drawn only into empty cells so text stays readable.
	for ai := range l.arrows {
		a := &l.arrows[ai]
		end := a.endRow
		if end < 0 {
			continue // still in flight when the trace ends
		}
		s, t := rowLine[a.startRow], rowLine[end]
		x0, x1 := l.arrowStartX(a), l.arrowEndX(a)
		sym := symDown
		if x1 < x0 {
			sym = symUp
		}
		for li := s + 1; li < t; li++ {
			x := x0 + (x1-x0)*(li-s)/(t-s)
			if lines[li].free(x) {
				lines[li][x] = sym
			}
		}
	}
	for _, ln := range lines {
		out = append(out, ln.String())
	}
	bottom := l.lifelines()
	for i := range l.cols {
		bottom[l.x[i]] = '┴'
	}
	out = append(out, bottom.String())
	if !l.opts.NoLegend {
		legend := "├─ sent   ─▶┤ arrived   ╲╱ in flight   ✕ lost   ◇ copy   ● state   ○ timer"
		if !l.opts.Absolute {
			legend += "   seq/ack relative"
		}
		out = append(out, wrap(legend, w)...)
	}
	return out
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

func (l *ladder) lifelines() canvas {
	c := newCanvas(l.width)
	for _, x := range l.x {
		c[x] = symLifeline
	}
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
		a := &l.arrows[r.arrow]
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
		a := &l.arrows[r.arrow]
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
