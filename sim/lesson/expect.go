package lesson

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/trace"
)

// An expectation says what in the run a question's answer must equal, so
// that the simulator, not the author, is the judge:
//
//	ack of REF        the relative acknowledgement number (ISN + 1 = 1)
//	seq of REF        the relative sequence number
//	len of REF        the payload length in bytes
//	time of REF       when the event happens, in milliseconds
//	flags of REF      the TCP flags, e.g. SYN,ACK
//	proto of REF      the packet's protocol: tcp, udp or icmp
//	src-port of REF   the source port of a packet, or the port of a
//	                  socket call's own address (getsockname's)
//	dst-port of REF   the destination port of a packet, or the port of a
//	                  socket call's peer (connect's, getpeername's)
//	text of REF       the text of a socket call or a note, e.g. an
//	                  fcrdns event's outcome (confirmed, no-ptr …)
//	count of SEL      how many events of the run SEL matches: SEL is a
//	                  selector without its ordinal, "send by client of a
//	                  datagram" (for the step's cursor, the last of them)
//	delivered: REF    yes or no: does the packet (or a copy of it) reach a host
//	state of NODE at the step's end
//	                  the TCP state of NODE's connection at the cursor
//	VAR of NODE at the step's end
//	                  a variable of NODE's connection at the cursor (of
//	                  the one that changed last, if NODE has several):
//	                  cwnd, ssthresh, in-flight, snd.wnd, rcv.wnd (bytes)
//	                  or rto (milliseconds)
//
// REF is a selector (see selector); "the next …" counts from the step's
// cursor (the end of a from–to range). ack, seq, len, time, the ports,
// count and the variables give numbers (a "number" question), flags,
// proto, text, delivered and state words (a "choice").
type expectation struct {
	src  string
	what string // ack, seq, len, time, flags, proto, src-port, dst-port, text, count, delivered, state, or a connection variable
	ref  *selector
	node string // state and the variables
}

// connVars are the connection variables an expectation can ask for.
var connVars = map[string]func(c *trace.ConnState) float64{
	"cwnd":      func(c *trace.ConnState) float64 { return float64(c.Cwnd) },
	"ssthresh":  func(c *trace.ConnState) float64 { return float64(c.Ssthresh) },
	"in-flight": func(c *trace.ConnState) float64 { return float64(c.InFlight) },
	"snd.wnd":   func(c *trace.ConnState) float64 { return float64(c.SndWnd) },
	"rcv.wnd":   func(c *trace.ConnState) float64 { return float64(c.RcvWnd) },
	"rto":       func(c *trace.ConnState) float64 { return Millis(c.RTO) },
}

// nodeAtEnd reads "NODE at the step's end" after a prefix.
func nodeAtEnd(s, rest string, nodes []string, want string) (string, error) {
	node, ok := strings.CutSuffix(rest, stepEnd)
	if !ok || strings.ContainsAny(node, " \t") {
		return "", fmt.Errorf("%q: want %q", s, want)
	}
	if !slices.Contains(nodes, node) {
		return "", fmt.Errorf("%q: the scenario has no node %q (%s)", s, node, strings.Join(nodes, ", "))
	}
	return node, nil
}

const stepEnd = " at the step's end"

func parseExpect(s string, nodes []string) (*expectation, error) {
	x := &expectation{src: s}
	if rest, ok := strings.CutPrefix(s, "state of "); ok {
		node, err := nodeAtEnd(s, rest, nodes, "state of NODE at the step's end")
		if err != nil {
			return nil, err
		}
		x.what, x.node = "state", node
		return x, nil
	}
	if v, rest, ok := strings.Cut(s, " of "); ok && connVars[v] != nil {
		node, err := nodeAtEnd(s, rest, nodes, v+" of NODE at the step's end")
		if err != nil {
			return nil, err
		}
		x.what, x.node = v, node
		return x, nil
	}
	if rest, ok := strings.CutPrefix(s, "count of "); ok {
		if w, _, _ := strings.Cut(rest, " "); w == "the" || w == "next" || w == "last" || w == "first" || strings.TrimLeft(w, "0123456789") != w {
			return nil, fmt.Errorf("%q: count names events without an ordinal, e.g. \"count of send by client of a datagram\"", s)
		}
		ref, err := parseSelector("the last "+rest, nodes)
		if err != nil {
			return nil, err
		}
		x.what, x.ref = "count", ref
		return x, nil
	}
	var rest string
	for _, w := range []string{"ack of ", "seq of ", "len of ", "time of ", "flags of ", "proto of ", "src-port of ", "dst-port of ", "text of ", "delivered: "} {
		if r, ok := strings.CutPrefix(s, w); ok {
			x.what, rest = strings.TrimRight(strings.TrimSuffix(w, " of "), ": "), r
			break
		}
	}
	if x.what == "" {
		return nil, fmt.Errorf("%q: want one of \"ack of …\", \"seq of …\", \"len of …\", \"time of …\", \"flags of …\", \"proto of …\", \"src-port of …\", \"dst-port of …\", \"text of …\", \"count of …\", \"delivered: …\", \"state of NODE at the step's end\", \"cwnd of NODE at the step's end\" (or ssthresh, in-flight, snd.wnd, rcv.wnd, rto)", s)
	}
	ref, err := parseSelector(rest, nodes)
	if err != nil {
		return nil, err
	}
	switch {
	case x.what == "time":
	case x.what == "text":
		if ref.packet != 0 || ref.kind != trace.KindApp && ref.kind != trace.KindNote {
			return nil, fmt.Errorf("%q: text needs a socket call or a note (app, note), not a packet", s)
		}
	case (x.what == "src-port" || x.what == "dst-port") && ref.kind == trace.KindApp:
	case ref.packet == 0 && !packetKind(ref.kind):
		return nil, fmt.Errorf("%q: %s needs a packet, not a %s event", s, x.what, ref.kind)
	}
	x.ref = ref
	return x, nil
}

// numeric reports whether the expectation gives a number.
func (x *expectation) numeric() bool {
	switch x.what {
	case "ack", "seq", "len", "time", "src-port", "dst-port", "count":
		return true
	}
	return connVars[x.what] != nil
}

// Value is what an expectation finds in a run: a number or a word.
type Value struct {
	IsNumber bool
	Number   float64
	Word     string
}

func (v Value) String() string {
	if v.IsNumber {
		return strconv.FormatFloat(v.Number, 'f', -1, 64)
	}
	return v.Word
}

// Millis is d in milliseconds, the unit of a time answer.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// eval computes x on tr with the step's cursor at end, and returns the
// index of the event it reads (-1 for a state or a variable).
func (x *expectation) eval(tr *trace.Trace, end Position) (Value, int, error) {
	i := -1
	if x.node == "" {
		var err error
		if i, err = x.ref.find(tr, end.N); err != nil {
			return Value{}, -1, err
		}
	}
	v, err := x.value(tr, end, i)
	return v, i, err
}

// value computes x on tr with the step's cursor at end; i is the event
// x.ref names.
func (x *expectation) value(tr *trace.Trace, end Position, i int) (Value, error) {
	if x.what == "state" {
		st := trace.StateNone
		for i := 0; i < end.N && i < len(tr.Events); i++ {
			if e := &tr.Events[i]; e.Kind == trace.KindState && e.Node == x.node {
				st = e.To
			}
		}
		if st == trace.StateNone {
			return Value{}, fmt.Errorf("%q: %s has no TCP connection at the step's end", x.src, x.node)
		}
		return Value{Word: st.String()}, nil
	}
	if get := connVars[x.what]; get != nil {
		var c *trace.ConnState
		for i := 0; i < end.N && i < len(tr.Events); i++ {
			if e := &tr.Events[i]; e.Node == x.node && e.Conn.Local.IsValid() {
				c = &e.Conn
			}
		}
		if c == nil {
			return Value{}, fmt.Errorf("%q: %s has no TCP connection at the step's end", x.src, x.node)
		}
		return Value{IsNumber: true, Number: get(c)}, nil
	}
	e := &tr.Events[i]
	switch {
	case x.what == "time":
		return Value{IsNumber: true, Number: Millis(e.At)}, nil
	case x.what == "count":
		routers := map[string]bool{}
		for _, n := range tr.Header.Nodes {
			routers[n.Name] = n.Kind == trace.NodeRouter
		}
		n := 0
		for j := range tr.Events {
			if x.ref.matches(&tr.Events[j], routers) {
				n++
			}
		}
		return Value{IsNumber: true, Number: float64(n)}, nil
	case x.what == "text":
		return Value{Word: e.Text}, nil
	case e.Kind == trace.KindApp && x.what == "src-port":
		return Value{IsNumber: true, Number: float64(e.Socket.Port())}, nil
	case e.Kind == trace.KindApp && x.what == "dst-port":
		return Value{IsNumber: true, Number: float64(e.Remote.Port())}, nil
	}
	p, err := packetOf(tr, i, x.ref.src)
	if err != nil {
		return Value{}, err
	}
	switch x.what {
	case "len":
		return Value{IsNumber: true, Number: float64(p.Len())}, nil
	case "proto":
		return Value{Word: p.Proto.String()}, nil
	case "src-port":
		return Value{IsNumber: true, Number: float64(p.Src.Port())}, nil
	case "dst-port":
		return Value{IsNumber: true, Number: float64(p.Dst.Port())}, nil
	case "delivered":
		hosts := map[string]bool{}
		for _, n := range tr.Header.Nodes {
			hosts[n.Name] = n.Kind == trace.NodeHost
		}
		for j := range tr.Events {
			d := &tr.Events[j]
			if d.Kind == trace.KindDeliver && hosts[d.Node] && (d.Packet.ID == p.ID || d.Packet.Orig == p.ID) {
				return Value{Word: "yes"}, nil
			}
		}
		return Value{Word: "no"}, nil
	}
	if p.Proto != trace.ProtoTCP {
		return Value{}, fmt.Errorf("%q: packet #%d is %s, not TCP", x.src, p.ID, p.Proto)
	}
	switch x.what {
	case "flags":
		return Value{Word: p.Flags.String()}, nil
	case "seq":
		isn, err := initialSeq(tr, p.Src, p.Dst)
		if err != nil {
			return Value{}, fmt.Errorf("%q: %v", x.src, err)
		}
		return Value{IsNumber: true, Number: float64(p.Seq - isn)}, nil
	default: // ack
		if !p.Flags.Has(trace.FlagACK) {
			return Value{}, fmt.Errorf("%q: packet #%d carries no ACK", x.src, p.ID)
		}
		isn, err := initialSeq(tr, p.Dst, p.Src)
		if err != nil {
			return Value{}, fmt.Errorf("%q: %v", x.src, err)
		}
		return Value{IsNumber: true, Number: float64(p.Ack - isn)}, nil
	}
}

// initialSeq is the ISN of the direction from → to: the sequence number
// of the first SYN sent that way. Relative numbers count from it, as the
// ladder and Wireshark do.
func initialSeq(tr *trace.Trace, from, to netip.AddrPort) (uint32, error) {
	for i := range tr.Events {
		e := &tr.Events[i]
		if e.Kind == trace.KindSend && e.Packet.Proto == trace.ProtoTCP && e.Packet.Flags.Has(trace.FlagSYN) &&
			e.Packet.Src == from && e.Packet.Dst == to {
			return e.Packet.Seq, nil
		}
	}
	return 0, fmt.Errorf("no SYN from %v to %v in the run: no relative numbers", from, to)
}
