package trace

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxJSONLLine is the longest line ReadJSONL and JSONLReader accept, in
// bytes. A 64 KiB datagram in base64 is about 88 KiB, far below it.
const MaxJSONLLine = 1 << 20

// JSONLError is a decoding error: which line, which field, and why.
type JSONLError struct {
	Line  int    // 1-based line number
	Field string // dotted path such as "pkt.flags"; empty for the line as a whole
	Err   error
}

// Error reads "trace: line 7: field \"pkt.flags\": unknown flag \"SNY\" (…)".
func (e *JSONLError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("trace: line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("trace: line %d: field %q: %v", e.Line, e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *JSONLError) Unwrap() error { return e.Err }

// WriteJSONL writes t in the JSON-lines format (see JSONLVersion): the
// header line, then one line per event.
func WriteJSONL(w io.Writer, t *Trace) error {
	bw := bufio.NewWriter(w)
	jw := NewJSONLWriter(bw)
	if err := jw.WriteHeader(&t.Header); err != nil {
		return err
	}
	for i := range t.Events {
		if err := jw.WriteEvent(&t.Events[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadJSONL reads a whole trace written by WriteJSONL.
func ReadJSONL(r io.Reader) (*Trace, error) {
	jr, err := NewJSONLReader(r)
	if err != nil {
		return nil, err
	}
	t := &Trace{Header: jr.Header()}
	for {
		e, err := jr.Next()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		t.Events = append(t.Events, e)
	}
}

// JSONLWriter encodes a header and then events, one line per Write call to
// the underlying writer, so a stream consumer sees whole lines. It is a Sink:
// Emit records the first error, which Err returns. A JSONLWriter is not safe
// for concurrent use.
type JSONLWriter struct {
	w      io.Writer
	buf    []byte
	header bool
	events int
	err    error
}

// NewJSONLWriter returns a writer that encodes to w. Call WriteHeader first.
func NewJSONLWriter(w io.Writer) *JSONLWriter { return &JSONLWriter{w: w} }

// WriteHeader writes the header line. It must be called once, first.
func (jw *JSONLWriter) WriteHeader(h *Header) error {
	if jw.err != nil {
		return jw.err
	}
	if jw.header {
		return jw.fail(errors.New("trace: JSON lines: header written twice"))
	}
	jw.header = true
	b := jw.buf[:0]
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, JSONLVersion, 10)
	b = append(b, `,"header":`...)
	b, err := appendHeader(b, h)
	if err != nil {
		return jw.fail(fmt.Errorf("trace: JSON lines: header: %w", err))
	}
	b = append(b, "}\n"...)
	jw.buf = b
	return jw.write(b)
}

// WriteEvent writes one event line.
func (jw *JSONLWriter) WriteEvent(e *Event) error {
	if jw.err != nil {
		return jw.err
	}
	if !jw.header {
		return jw.fail(errors.New("trace: JSON lines: event before the header (call WriteHeader first)"))
	}
	jw.events++
	b, err := appendEvent(jw.buf[:0], e)
	if err != nil {
		return jw.fail(fmt.Errorf("trace: JSON lines: event %d (%v at %v): %w", jw.events, e.Kind, e.At, err))
	}
	b = append(b, '\n')
	jw.buf = b
	return jw.write(b)
}

// Emit implements Sink; the first error stops the writer and is kept for Err.
func (jw *JSONLWriter) Emit(e *Event) { _ = jw.WriteEvent(e) }

// Err returns the first error of WriteHeader, WriteEvent or Emit.
func (jw *JSONLWriter) Err() error { return jw.err }

func (jw *JSONLWriter) write(b []byte) error {
	if _, err := jw.w.Write(b); err != nil {
		return jw.fail(fmt.Errorf("trace: JSON lines: %w", err))
	}
	return nil
}

func (jw *JSONLWriter) fail(err error) error {
	jw.err = err
	return err
}

// ---- encoding ----

// obj appends the members of one JSON object, omitting zero values.
type obj struct {
	b     []byte
	count int
}

func (o *obj) key(k string) {
	if o.count > 0 {
		o.b = append(o.b, ',')
	}
	o.count++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *obj) str(k, v string) {
	if v != "" {
		o.key(k)
		o.b = appendString(o.b, v)
	}
}

func (o *obj) uint(k string, v uint64) {
	if v != 0 {
		o.key(k)
		o.b = strconv.AppendUint(o.b, v, 10)
	}
}

// always writes v even when zero.
func (o *obj) always(k string, v uint64) {
	o.key(k)
	o.b = strconv.AppendUint(o.b, v, 10)
}

func (o *obj) int(k string, v int64) {
	if v != 0 {
		o.key(k)
		o.b = strconv.AppendInt(o.b, v, 10)
	}
}

func (o *obj) bool(k string, v bool) {
	if v {
		o.key(k)
		o.b = append(o.b, "true"...)
	}
}

func (o *obj) float(k string, v float64) error {
	if v == 0 {
		return nil
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s is %v, which JSON cannot hold", k, v)
	}
	o.key(k)
	o.b = strconv.AppendFloat(o.b, v, 'g', -1, 64)
	return nil
}

func (o *obj) addr(k string, a netip.Addr) {
	if a.IsValid() {
		o.key(k)
		o.b = append(o.b, '"')
		o.b = a.AppendTo(o.b)
		o.b = append(o.b, '"')
	}
}

func (o *obj) addrPort(k string, a netip.AddrPort) error {
	if a == (netip.AddrPort{}) {
		return nil
	}
	if !a.Addr().IsValid() {
		return fmt.Errorf("%s has port %d but no address", k, a.Port())
	}
	o.key(k)
	o.b = append(o.b, '"')
	o.b = a.AppendTo(o.b)
	o.b = append(o.b, '"')
	return nil
}

func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func appendHeader(b []byte, h *Header) ([]byte, error) {
	o := obj{b: append(b, '{')}
	o.str("title", h.Title)
	o.str("scenario", h.Scenario)
	o.uint("seed", h.Seed)
	o.bool("live", h.Live)
	if len(h.Nodes) > 0 {
		o.key("nodes")
		o.b = append(o.b, '[')
		for i, n := range h.Nodes {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			if n.Kind > NodeRouter {
				return nil, fmt.Errorf("node %q: kind %d has no name", n.Name, n.Kind)
			}
			no := obj{b: append(o.b, '{')}
			no.str("name", n.Name)
			no.key("kind")
			no.b = appendString(no.b, n.Kind.String())
			if len(n.Addrs) > 0 {
				no.key("addrs")
				no.b = append(no.b, '[')
				for j, a := range n.Addrs {
					if !a.IsValid() {
						return nil, fmt.Errorf("node %q: address %d is invalid", n.Name, j)
					}
					if j > 0 {
						no.b = append(no.b, ',')
					}
					no.b = append(no.b, '"')
					no.b = a.AppendTo(no.b)
					no.b = append(no.b, '"')
				}
				no.b = append(no.b, ']')
			}
			no.str("role", n.Role)
			no.str("tcp", n.TCP)
			o.b = append(no.b, '}')
		}
		o.b = append(o.b, ']')
	}
	if len(h.Links) > 0 {
		o.key("links")
		o.b = append(o.b, '[')
		for i, l := range h.Links {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			lo := obj{b: append(o.b, '{')}
			lo.str("id", l.ID)
			lo.str("a", l.A)
			lo.str("b", l.B)
			var err error
			for _, d := range []struct {
				k string
				p *LinkParams
			}{{"ab", &l.AB}, {"ba", &l.BA}} {
				if *d.p == (LinkParams{}) {
					continue
				}
				lo.key(d.k)
				if lo.b, err = appendLinkParams(lo.b, d.p); err != nil {
					return nil, fmt.Errorf("link %q: %s: %w", l.ID, d.k, err)
				}
			}
			o.b = append(lo.b, '}')
		}
		o.b = append(o.b, ']')
	}
	return append(o.b, '}'), nil
}

func appendLinkParams(b []byte, p *LinkParams) ([]byte, error) {
	o := obj{b: append(b, '{')}
	o.int("delay", int64(p.Delay))
	o.int("jitter", int64(p.Jitter))
	o.int("bandwidth", p.Bandwidth)
	o.int("queue", int64(p.Queue))
	for _, f := range []struct {
		k string
		v float64
	}{{"loss", p.Loss}, {"duplicate", p.Duplicate}, {"reorder", p.Reorder}} {
		if err := o.float(f.k, f.v); err != nil {
			return nil, err
		}
	}
	o.int("reorder_by", int64(p.ReorderBy))
	o.int("mtu", int64(p.MTU))
	return append(o.b, '}'), nil
}

// payloadText renders a payload for people: at most textRunes runes,
// control bytes and invalid UTF-8 escaped the way Go quotes strings.
func payloadText(p []byte) string {
	const textRunes = 64
	var sb strings.Builder
	n := 0
	for i := 0; i < len(p); {
		if n == textRunes {
			sb.WriteString("…")
			break
		}
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// `\x%02x` without fmt: a binary payload's 64 bytes are most
			// of what writing a bulk transfer's lines costs.
			const hex = "0123456789abcdef"
			sb.WriteString(`\x`)
			sb.WriteByte(hex[p[i]>>4])
			sb.WriteByte(hex[p[i]&15])
		case r == '\\':
			sb.WriteString(`\\`)
		case strconv.IsPrint(r) && r != '…':
			sb.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			sb.WriteString(q[1 : len(q)-1])
		}
		i += size
		n++
	}
	return sb.String()
}

func appendEvent(b []byte, e *Event) ([]byte, error) {
	if e.Kind == KindInvalid || e.Kind >= kindCount {
		return nil, fmt.Errorf("kind %d has no name", e.Kind)
	}
	o := obj{b: append(b, '{')}
	o.key("at")
	o.b = strconv.AppendInt(o.b, int64(e.At), 10)
	o.key("t")
	o.b = appendString(o.b, e.At.String())
	o.key("kind")
	o.b = appendString(o.b, e.Kind.String())
	o.str("node", e.Node)
	o.str("peer", e.Peer)
	o.str("link", e.Link)
	o.int("arrive", int64(e.Arrive))
	if !packetIsZero(&e.Packet) {
		o.key("pkt")
		var err error
		if o.b, err = appendPacket(o.b, &e.Packet); err != nil {
			return nil, fmt.Errorf("pkt: %w", err)
		}
	}
	if e.Reason != DropNone {
		if e.Reason >= dropCount {
			return nil, fmt.Errorf("reason %d has no name", e.Reason)
		}
		o.str("reason", e.Reason.String())
	}
	for _, s := range []struct {
		k string
		v TCPState
	}{{"from", e.From}, {"to", e.To}} {
		if s.v >= stateCount {
			return nil, fmt.Errorf("%s: state %d has no name", s.k, s.v)
		}
		o.str(s.k, s.v.String())
	}
	if e.Conn != (ConnState{}) {
		o.key("conn")
		var err error
		if o.b, err = appendConn(o.b, &e.Conn); err != nil {
			return nil, fmt.Errorf("conn: %w", err)
		}
	}
	if e.Timer >= timerCount {
		return nil, fmt.Errorf("timer %d has no name", e.Timer)
	}
	o.str("timer", e.Timer.String())
	o.int("deadline", int64(e.Deadline))
	if e.Op >= opCount {
		return nil, fmt.Errorf("op %d has no name", e.Op)
	}
	o.str("op", e.Op.String())
	if err := o.addrPort("socket", e.Socket); err != nil {
		return nil, err
	}
	if err := o.addrPort("remote", e.Remote); err != nil {
		return nil, err
	}
	o.int("n", int64(e.N))
	o.str("text", e.Text)
	return append(o.b, '}'), nil
}

func packetIsZero(p *Packet) bool {
	return p.ID == 0 && p.Orig == 0 && p.Proto == ProtoNone && p.Src == (netip.AddrPort{}) &&
		p.Dst == (netip.AddrPort{}) && p.TTL == 0 && p.Seq == 0 && p.Ack == 0 && p.Flags == 0 &&
		p.Window == 0 && p.MSS == 0 && p.Opts == 0 && p.WScale == 0 && p.TSval == 0 && p.TSecr == 0 && len(p.SACK) == 0 && p.ICMPType == 0 && p.ICMPCode == 0 && p.Quote == 0 && len(p.Payload) == 0
}

func appendPacket(b []byte, p *Packet) ([]byte, error) {
	if p.Proto >= protoCount {
		return nil, fmt.Errorf("proto %d has no name", p.Proto)
	}
	o := obj{b: append(b, '{')}
	o.uint("id", p.ID)
	o.uint("orig", p.Orig)
	if p.Proto != ProtoNone {
		o.str("proto", p.Proto.String())
	}
	if err := o.addrPort("src", p.Src); err != nil {
		return nil, err
	}
	if err := o.addrPort("dst", p.Dst); err != nil {
		return nil, err
	}
	o.uint("ttl", uint64(p.TTL))
	if p.Proto == ProtoTCP {
		o.always("seq", uint64(p.Seq))
		o.always("ack", uint64(p.Ack))
	} else {
		o.uint("seq", uint64(p.Seq))
		o.uint("ack", uint64(p.Ack))
	}
	o.str("flags", p.Flags.String())
	if p.Proto == ProtoTCP {
		o.always("win", uint64(p.Window))
	} else {
		o.uint("win", uint64(p.Window))
	}
	o.uint("mss", uint64(p.MSS))
	if p.Opts&^optAll != 0 {
		return nil, fmt.Errorf("options %#x has unknown bits", uint8(p.Opts))
	}
	if p.Opts&OptWScale != 0 {
		o.always("wscale", uint64(p.WScale))
	} else if p.WScale != 0 {
		return nil, fmt.Errorf("window scale shift %d without the option", p.WScale)
	}
	o.bool("sack_perm", p.Opts&OptSACKPerm != 0)
	if p.Opts&OptTimestamps != 0 {
		o.always("tsval", uint64(p.TSval))
		o.always("tsecr", uint64(p.TSecr))
	} else if p.TSval != 0 || p.TSecr != 0 {
		return nil, fmt.Errorf("tsval/tsecr without the timestamps option")
	}
	if len(p.SACK) > maxSACK {
		return nil, fmt.Errorf("%d SACK blocks, more than an option holds (%d)", len(p.SACK), maxSACK)
	}
	if len(p.SACK) > 0 {
		o.key("sack")
		o.b = append(o.b, '[')
		for i, k := range p.SACK {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = append(o.b, '[')
			o.b = strconv.AppendUint(o.b, uint64(k.Left), 10)
			o.b = append(o.b, ',')
			o.b = strconv.AppendUint(o.b, uint64(k.Right), 10)
			o.b = append(o.b, ']')
		}
		o.b = append(o.b, ']')
	}
	o.uint("icmp_type", uint64(p.ICMPType))
	o.uint("icmp_code", uint64(p.ICMPCode))
	o.uint("quote", p.Quote)
	if len(p.Payload) > 0 {
		o.uint("len", uint64(len(p.Payload)))
		o.key("payload")
		o.b = append(o.b, '"')
		o.b = base64.StdEncoding.AppendEncode(o.b, p.Payload)
		o.b = append(o.b, '"')
		o.str("text", payloadText(p.Payload))
	}
	return append(o.b, '}'), nil
}

func appendConn(b []byte, c *ConnState) ([]byte, error) {
	if c.State >= stateCount {
		return nil, fmt.Errorf("state %d has no name", c.State)
	}
	o := obj{b: append(b, '{')}
	if err := o.addrPort("local", c.Local); err != nil {
		return nil, err
	}
	if err := o.addrPort("remote", c.Remote); err != nil {
		return nil, err
	}
	o.str("state", c.State.String())
	o.uint("iss", uint64(c.ISS))
	o.uint("irs", uint64(c.IRS))
	o.uint("snd_una", uint64(c.SndUna))
	o.uint("snd_nxt", uint64(c.SndNxt))
	o.uint("snd_wnd", uint64(c.SndWnd))
	o.uint("rcv_nxt", uint64(c.RcvNxt))
	o.uint("rcv_wnd", uint64(c.RcvWnd))
	o.uint("cwnd", uint64(c.Cwnd))
	o.uint("ssthresh", uint64(c.Ssthresh))
	o.int("srtt", int64(c.SRTT))
	o.int("rttvar", int64(c.RTTVAR))
	o.int("rto", int64(c.RTO))
	o.uint("dup_acks", uint64(c.DupAcks))
	o.uint("in_flight", uint64(c.InFlight))
	o.uint("sacked", uint64(c.Sacked))
	o.uint("pipe", uint64(c.Pipe))
	o.uint("retrans", uint64(c.Retrans))
	o.uint("bytes_acked", c.BytesAcked)
	o.uint("bytes_received", c.BytesReceived)
	return append(o.b, '}'), nil
}

// ---- decoding ----

// JSONLReader decodes a JSON-lines trace one event at a time, for streams
// (live mode, the browser bridge). It is not safe for concurrent use.
type JSONLReader struct {
	sc     *bufio.Scanner
	line   int
	header Header
	err    error
}

// NewJSONLReader reads and checks the header line of r.
func NewJSONLReader(r io.Reader) (*JSONLReader, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxJSONLLine)
	jr := &JSONLReader{sc: sc}
	line, err := jr.nextLine()
	if err == io.EOF {
		return nil, &JSONLError{Line: 1, Err: errors.New("empty input: a trace starts with a header line")}
	}
	if err != nil {
		return nil, err
	}
	if err := decodeHeaderLine(line, &jr.header); err != nil {
		return nil, jr.wrap(err)
	}
	return jr, nil
}

// Header returns the trace's header.
func (jr *JSONLReader) Header() Header { return jr.header }

// Next decodes the next event. It returns io.EOF after the last one; any
// other error is a *JSONLError (or the reader's own error) and is final.
func (jr *JSONLReader) Next() (Event, error) {
	if jr.err != nil {
		return Event{}, jr.err
	}
	line, err := jr.nextLine()
	if err != nil {
		jr.err = err
		return Event{}, err
	}
	var e Event
	if err := decodeEventLine(line, &e); err != nil {
		jr.err = jr.wrap(err)
		return Event{}, jr.err
	}
	return e, nil
}

func (jr *JSONLReader) nextLine() ([]byte, error) {
	if !jr.sc.Scan() {
		if err := jr.sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, &JSONLError{Line: jr.line + 1, Err: fmt.Errorf("line longer than %d bytes", MaxJSONLLine)}
			}
			return nil, fmt.Errorf("trace: reading line %d: %w", jr.line+1, err)
		}
		return nil, io.EOF
	}
	jr.line++
	line := jr.sc.Bytes()
	if len(line) == 0 {
		return nil, &JSONLError{Line: jr.line, Err: errors.New("empty line (one JSON object per line, no blank lines)")}
	}
	return line, nil
}

func (jr *JSONLReader) wrap(err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &JSONLError{Line: jr.line, Field: fe.path, Err: fe.err}
	}
	return &JSONLError{Line: jr.line, Err: err}
}

// fieldError carries the dotted path of the field being decoded.
type fieldError struct {
	path string
	err  error
}

func (e *fieldError) Error() string { return e.path + ": " + e.err.Error() }

func inField(prefix string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &fieldError{path: prefix + "." + fe.path, err: fe.err}
	}
	return &fieldError{path: prefix, err: err}
}

// scanner is a tiny strict JSON tokenizer over one line. encoding/json
// would accept duplicate keys and silently coerce; the format wants neither.
type scanner struct {
	s   []byte
	pos int
}

func (sc *scanner) ws() {
	for sc.pos < len(sc.s) {
		switch sc.s[sc.pos] {
		case ' ', '\t', '\r', '\n':
			sc.pos++
		default:
			return
		}
	}
}

func (sc *scanner) peek() byte {
	sc.ws()
	if sc.pos >= len(sc.s) {
		return 0
	}
	return sc.s[sc.pos]
}

func (sc *scanner) expect(c byte) error {
	if got := sc.peek(); got != c {
		if got == 0 {
			return fmt.Errorf("unexpected end of line, want %q", c)
		}
		return fmt.Errorf("at byte %d: want %q, found %q", sc.pos+1, c, got)
	}
	sc.pos++
	return nil
}

// object calls member for every key of an object, rejecting repeated keys.
func (sc *scanner) object(member func(key string) error) error {
	if err := sc.expect('{'); err != nil {
		return err
	}
	if sc.peek() == '}' {
		sc.pos++
		return nil
	}
	var seen [24]string
	n := 0
	var extra map[string]bool
	for {
		key, err := sc.string()
		if err != nil {
			return fmt.Errorf("object key: %w", err)
		}
		dup := false
		for _, k := range seen[:min(n, len(seen))] {
			dup = dup || k == key
		}
		if extra[key] {
			dup = true
		}
		if dup {
			return &fieldError{path: key, err: errors.New("repeated key")}
		}
		if n < len(seen) {
			seen[n] = key
		} else {
			if extra == nil {
				extra = map[string]bool{}
			}
			extra[key] = true
		}
		n++
		if err := sc.expect(':'); err != nil {
			return &fieldError{path: key, err: err}
		}
		if err := member(key); err != nil {
			return inField(key, err)
		}
		switch sc.peek() {
		case ',':
			sc.pos++
		case '}':
			sc.pos++
			return nil
		case 0:
			return errors.New("unexpected end of line inside an object")
		default:
			return fmt.Errorf("at byte %d: want ',' or '}', found %q", sc.pos+1, sc.s[sc.pos])
		}
	}
}

func (sc *scanner) array(elem func(i int) error) error {
	if err := sc.expect('['); err != nil {
		return err
	}
	if sc.peek() == ']' {
		sc.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(i); err != nil {
			return inField(strconv.Itoa(i), err)
		}
		switch sc.peek() {
		case ',':
			sc.pos++
		case ']':
			sc.pos++
			return nil
		case 0:
			return errors.New("unexpected end of line inside an array")
		default:
			return fmt.Errorf("at byte %d: want ',' or ']', found %q", sc.pos+1, sc.s[sc.pos])
		}
	}
}

func (sc *scanner) string() (string, error) {
	if c := sc.peek(); c != '"' {
		return "", sc.typeErr("a string")
	}
	start := sc.pos
	sc.pos++
	simple := true
	for sc.pos < len(sc.s) {
		c := sc.s[sc.pos]
		switch {
		case c == '"':
			sc.pos++
			raw := sc.s[start:sc.pos]
			if simple {
				if !utf8.Valid(raw) {
					return "", errors.New("string is not valid UTF-8")
				}
				return string(raw[1 : len(raw)-1]), nil
			}
			return unescape(raw[1 : len(raw)-1])
		case c == '\\':
			simple = false
			sc.pos += 2
		case c < 0x20:
			return "", errors.New("control character in string (escape it)")
		default:
			sc.pos++
		}
	}
	return "", errors.New("unterminated string")
}

// unescape decodes the body of a JSON string that contains escapes.
func unescape(raw []byte) (string, error) {
	if !utf8.Valid(raw) {
		return "", errors.New("string is not valid UTF-8")
	}
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		if i >= len(raw) {
			return "", errors.New("bad escape at the end of a string")
		}
		switch raw[i] {
		case '"', '\\', '/':
			b = append(b, raw[i])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(raw[i+1:])
			if !ok {
				return "", errors.New(`bad \u escape (want four hex digits)`)
			}
			i += 4
			if utf16.IsSurrogate(r) {
				var r2 rune = -1
				if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2, ok = hex4(raw[i+3:])
					if !ok {
						return "", errors.New(`bad \u escape (want four hex digits)`)
					}
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return "", errors.New(`lone UTF-16 surrogate in a \u escape`)
				}
				i += 6
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", fmt.Errorf("bad escape \\%c in string", raw[i])
		}
	}
	return string(b), nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (sc *scanner) typeErr(want string) error {
	switch c := sc.peek(); {
	case c == 0:
		return fmt.Errorf("want %s, found the end of the line", want)
	case c == '"':
		return fmt.Errorf("want %s, found a string", want)
	case c == '{':
		return fmt.Errorf("want %s, found an object", want)
	case c == '[':
		return fmt.Errorf("want %s, found an array", want)
	case c == 't' || c == 'f':
		return fmt.Errorf("want %s, found a boolean", want)
	case c == 'n':
		return fmt.Errorf("want %s, found null", want)
	default:
		return fmt.Errorf("want %s, found %q", want, c)
	}
}

// number returns the raw text of a JSON number.
func (sc *scanner) number() (string, error) {
	c := sc.peek()
	if c != '-' && (c < '0' || c > '9') {
		return "", sc.typeErr("a number")
	}
	start := sc.pos
	for sc.pos < len(sc.s) && strings.IndexByte("+-0123456789.eE", sc.s[sc.pos]) >= 0 {
		sc.pos++
	}
	raw := string(sc.s[start:sc.pos])
	if !validJSONNumber(raw) {
		return "", fmt.Errorf("malformed number %q", raw)
	}
	return raw, nil
}

func validJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	if s[i] == '0' {
		i++
	} else if s[i] >= '1' && s[i] <= '9' {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}

func (sc *scanner) uint(bits int) (uint64, error) {
	raw, err := sc.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(raw, 10, bits)
	if err != nil {
		if strings.ContainsAny(raw, ".eE-") {
			return 0, fmt.Errorf("want a whole number ≥ 0, found %s", raw)
		}
		return 0, fmt.Errorf("%s does not fit in %d bits", raw, bits)
	}
	return v, nil
}

func (sc *scanner) int(bits int) (int64, error) {
	raw, err := sc.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(raw, 10, bits)
	if err != nil {
		if strings.ContainsAny(raw, ".eE") {
			return 0, fmt.Errorf("want a whole number, found %s", raw)
		}
		return 0, fmt.Errorf("%s does not fit in %d bits", raw, bits)
	}
	return v, nil
}

func (sc *scanner) float() (float64, error) {
	raw, err := sc.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is out of range", raw)
	}
	return v, nil
}

func (sc *scanner) bool() (bool, error) {
	sc.ws()
	rest := sc.s[sc.pos:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		sc.pos += 4
		return true, nil
	case len(rest) >= 5 && string(rest[:5]) == "false":
		sc.pos += 5
		return false, nil
	}
	return false, sc.typeErr("true or false")
}

func (sc *scanner) duration() (time.Duration, error) {
	v, err := sc.int(64)
	return time.Duration(v), err
}

func (sc *scanner) end() error {
	if c := sc.peek(); c != 0 {
		return fmt.Errorf("at byte %d: unexpected %q after the object", sc.pos+1, c)
	}
	return nil
}

func (sc *scanner) addr() (netip.Addr, error) {
	s, err := sc.string()
	if err != nil {
		return netip.Addr{}, err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	return a, nil
}

func (sc *scanner) addrPort() (netip.AddrPort, error) {
	s, err := sc.string()
	if err != nil {
		return netip.AddrPort{}, err
	}
	a, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not an address:port (IPv6 in brackets: \"[fd00::1]:80\")", s)
	}
	return a, nil
}

// errUnknownField rejects a key the format does not define.
var errUnknownField = errors.New("unknown field")

func decodeHeaderLine(line []byte, h *Header) error {
	sc := &scanner{s: line}
	var haveVersion, haveHeader bool
	err := sc.object(func(key string) error {
		switch key {
		case "version":
			v, err := sc.uint(32)
			if err != nil {
				return err
			}
			if v != JSONLVersion {
				return fmt.Errorf("version %d is not supported (this program reads version %d)", v, JSONLVersion)
			}
			haveVersion = true
		case "header":
			haveHeader = true
			return decodeHeader(sc, h)
		default:
			return errUnknownField
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sc.end(); err != nil {
		return err
	}
	if !haveHeader {
		return errors.New(`the first line must be the header: {"version":1,"header":{...}}`)
	}
	if !haveVersion {
		return &fieldError{path: "version", err: errors.New("missing")}
	}
	return nil
}

func decodeHeader(sc *scanner, h *Header) error {
	return sc.object(func(key string) (err error) {
		switch key {
		case "title":
			h.Title, err = sc.string()
		case "scenario":
			h.Scenario, err = sc.string()
		case "seed":
			h.Seed, err = sc.uint(64)
		case "live":
			h.Live, err = sc.bool()
		case "nodes":
			err = sc.array(func(int) error {
				var n Node
				err := sc.object(func(key string) (err error) {
					switch key {
					case "name":
						n.Name, err = sc.string()
					case "kind":
						var s string
						if s, err = sc.string(); err == nil {
							switch s {
							case "host":
								n.Kind = NodeHost
							case "router":
								n.Kind = NodeRouter
							default:
								err = fmt.Errorf("unknown node kind %q (host or router)", s)
							}
						}
					case "addrs":
						err = sc.array(func(int) error {
							a, err := sc.addr()
							n.Addrs = append(n.Addrs, a)
							return err
						})
					case "role":
						n.Role, err = sc.string()
					case "tcp":
						n.TCP, err = sc.string()
					default:
						return errUnknownField
					}
					return err
				})
				h.Nodes = append(h.Nodes, n)
				return err
			})
		case "links":
			err = sc.array(func(int) error {
				var l Link
				err := sc.object(func(key string) (err error) {
					switch key {
					case "id":
						l.ID, err = sc.string()
					case "a":
						l.A, err = sc.string()
					case "b":
						l.B, err = sc.string()
					case "ab":
						err = decodeLinkParams(sc, &l.AB)
					case "ba":
						err = decodeLinkParams(sc, &l.BA)
					default:
						return errUnknownField
					}
					return err
				})
				h.Links = append(h.Links, l)
				return err
			})
		default:
			return errUnknownField
		}
		return err
	})
}

func decodeLinkParams(sc *scanner, p *LinkParams) error {
	return sc.object(func(key string) (err error) {
		var v int64
		switch key {
		case "delay":
			p.Delay, err = sc.duration()
		case "jitter":
			p.Jitter, err = sc.duration()
		case "bandwidth":
			p.Bandwidth, err = sc.int(64)
		case "queue":
			v, err = sc.int(strconv.IntSize)
			p.Queue = int(v)
		case "loss":
			p.Loss, err = sc.float()
		case "duplicate":
			p.Duplicate, err = sc.float()
		case "reorder":
			p.Reorder, err = sc.float()
		case "reorder_by":
			p.ReorderBy, err = sc.duration()
		case "mtu":
			v, err = sc.int(strconv.IntSize)
			p.MTU = int(v)
		default:
			return errUnknownField
		}
		return err
	})
}

func decodeEventLine(line []byte, e *Event) error {
	sc := &scanner{s: line}
	var human string
	var haveAt, haveT bool
	err := sc.object(func(key string) (err error) {
		switch key {
		case "at":
			e.At, err = sc.duration()
			haveAt = true
		case "t":
			human, err = sc.string()
			haveT = true
		case "kind":
			var s string
			if s, err = sc.string(); err == nil {
				var ok bool
				if e.Kind, ok = ParseKind(s); !ok {
					err = fmt.Errorf("unknown kind %q", s)
				}
			}
		case "node":
			e.Node, err = sc.string()
		case "peer":
			e.Peer, err = sc.string()
		case "link":
			e.Link, err = sc.string()
		case "arrive":
			e.Arrive, err = sc.duration()
		case "pkt":
			err = decodePacket(sc, &e.Packet)
		case "reason":
			err = parseEnum(sc, &e.Reason, ParseDropReason, "drop reason")
		case "from":
			err = parseEnum(sc, &e.From, ParseTCPState, "TCP state")
		case "to":
			err = parseEnum(sc, &e.To, ParseTCPState, "TCP state")
		case "conn":
			err = decodeConn(sc, &e.Conn)
		case "timer":
			err = parseEnum(sc, &e.Timer, ParseTimerKind, "timer")
		case "deadline":
			e.Deadline, err = sc.duration()
		case "op":
			err = parseEnum(sc, &e.Op, ParseAppOp, "operation")
		case "socket":
			e.Socket, err = sc.addrPort()
		case "remote":
			e.Remote, err = sc.addrPort()
		case "n":
			var v int64
			v, err = sc.int(strconv.IntSize)
			e.N = int(v)
		case "text":
			e.Text, err = sc.string()
		case "header":
			return errors.New("a header may only be the first line")
		default:
			return errUnknownField
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := sc.end(); err != nil {
		return err
	}
	if e.Kind == KindInvalid {
		return &fieldError{path: "kind", err: errors.New("missing")}
	}
	if !haveAt {
		return &fieldError{path: "at", err: errors.New("missing")}
	}
	if haveT {
		d, err := time.ParseDuration(human)
		if err != nil || d != e.At {
			return &fieldError{path: "t", err: fmt.Errorf("%q disagrees with at=%d (%v)", human, int64(e.At), e.At)}
		}
	}
	return nil
}

// parseEnum decodes a name into *v with parse. The empty name (the zero
// value) is not a valid spelling: zero values are omitted.
func parseEnum[T ~uint8](sc *scanner, v *T, parse func(string) (T, bool), what string) error {
	s, err := sc.string()
	if err != nil {
		return err
	}
	x, ok := parse(s)
	if !ok || s == "" {
		return fmt.Errorf("unknown %s %q", what, s)
	}
	*v = x
	return nil
}

// maxSACK is the most SACK blocks an option holds (RFC 2018 §3: 40 bytes
// of options, 2 + 8·n).
const maxSACK = 4

func decodePacket(sc *scanner, p *Packet) error {
	var n uint64
	var haveLen bool
	var haveTS uint8 // 1 tsval, 2 tsecr: the option carries both
	err := sc.object(func(key string) (err error) {
		var v uint64
		switch key {
		case "id":
			p.ID, err = sc.uint(64)
		case "orig":
			p.Orig, err = sc.uint(64)
		case "proto":
			var s string
			if s, err = sc.string(); err == nil {
				switch s {
				case "tcp":
					p.Proto = ProtoTCP
				case "udp":
					p.Proto = ProtoUDP
				case "icmp":
					p.Proto = ProtoICMP
				case "msg":
					p.Proto = ProtoMsg
				default:
					err = fmt.Errorf("unknown proto %q (tcp, udp, icmp or msg)", s)
				}
			}
		case "src":
			p.Src, err = sc.addrPort()
		case "dst":
			p.Dst, err = sc.addrPort()
		case "ttl":
			v, err = sc.uint(8)
			p.TTL = uint8(v)
		case "seq":
			v, err = sc.uint(32)
			p.Seq = uint32(v)
		case "ack":
			v, err = sc.uint(32)
			p.Ack = uint32(v)
		case "flags":
			var s string
			if s, err = sc.string(); err == nil {
				p.Flags, err = ParseTCPFlags(s)
			}
		case "win":
			v, err = sc.uint(16)
			p.Window = uint16(v)
		case "mss":
			v, err = sc.uint(16)
			p.MSS = uint16(v)
		case "wscale":
			v, err = sc.uint(8)
			p.WScale = uint8(v)
			p.Opts |= OptWScale
		case "sack_perm":
			var on bool
			if on, err = sc.bool(); err == nil && !on {
				err = errors.New("false is written by leaving the field out")
			}
			p.Opts |= OptSACKPerm
		case "tsval":
			v, err = sc.uint(32)
			p.TSval = uint32(v)
			haveTS |= 1
		case "tsecr":
			v, err = sc.uint(32)
			p.TSecr = uint32(v)
			haveTS |= 2
		case "sack":
			var blocks []SACKBlock
			err = sc.array(func(i int) error {
				if i >= maxSACK {
					return fmt.Errorf("more than %d SACK blocks", maxSACK)
				}
				var k [2]uint32
				n := 0
				err := sc.array(func(j int) error {
					if j >= 2 {
						return errors.New("a SACK block is [left, right]")
					}
					x, err := sc.uint(32)
					k[j], n = uint32(x), j+1
					return err
				})
				if err == nil && n != 2 {
					err = errors.New("a SACK block is [left, right]")
				}
				blocks = append(blocks, SACKBlock{k[0], k[1]})
				return err
			})
			if err == nil && len(blocks) == 0 {
				err = errors.New("empty: a SACK option has 1 to 4 blocks (leave the field out for none)")
			}
			p.SACK = blocks
		case "icmp_type":
			v, err = sc.uint(8)
			p.ICMPType = uint8(v)
		case "icmp_code":
			v, err = sc.uint(8)
			p.ICMPCode = uint8(v)
		case "quote":
			p.Quote, err = sc.uint(64)
		case "len":
			n, err = sc.uint(32)
			haveLen = true
		case "payload":
			var s string
			if s, err = sc.string(); err == nil {
				var b []byte
				if b, err = base64.StdEncoding.Strict().DecodeString(s); err != nil {
					err = fmt.Errorf("not standard padded base64: %v", err)
				} else if len(b) > 0 {
					p.Payload = b
				}
			}
		case "text":
			_, err = sc.string() // for people; derived from payload
		default:
			return errUnknownField
		}
		return err
	})
	if err != nil {
		return err
	}
	if haveLen && n != uint64(len(p.Payload)) {
		return &fieldError{path: "len", err: fmt.Errorf("%d but the payload has %d bytes", n, len(p.Payload))}
	}
	switch haveTS {
	case 1:
		return &fieldError{path: "tsecr", err: errors.New("missing (the timestamps option carries tsval and tsecr)")}
	case 2:
		return &fieldError{path: "tsval", err: errors.New("missing (the timestamps option carries tsval and tsecr)")}
	case 3:
		p.Opts |= OptTimestamps
	}
	return nil
}

func decodeConn(sc *scanner, c *ConnState) error {
	err := sc.object(func(key string) (err error) {
		u32 := func(dst *uint32) {
			var v uint64
			v, err = sc.uint(32)
			*dst = uint32(v)
		}
		switch key {
		case "local":
			c.Local, err = sc.addrPort()
		case "remote":
			c.Remote, err = sc.addrPort()
		case "state":
			err = parseEnum(sc, &c.State, ParseTCPState, "TCP state")
		case "iss":
			u32(&c.ISS)
		case "irs":
			u32(&c.IRS)
		case "snd_una":
			u32(&c.SndUna)
		case "snd_nxt":
			u32(&c.SndNxt)
		case "snd_wnd":
			u32(&c.SndWnd)
		case "rcv_nxt":
			u32(&c.RcvNxt)
		case "rcv_wnd":
			u32(&c.RcvWnd)
		case "cwnd":
			u32(&c.Cwnd)
		case "ssthresh":
			u32(&c.Ssthresh)
		case "srtt":
			c.SRTT, err = sc.duration()
		case "rttvar":
			c.RTTVAR, err = sc.duration()
		case "rto":
			c.RTO, err = sc.duration()
		case "dup_acks":
			var v uint64
			v, err = sc.uint(8)
			c.DupAcks = uint8(v)
		case "in_flight":
			u32(&c.InFlight)
		case "sacked":
			u32(&c.Sacked)
		case "pipe":
			u32(&c.Pipe)
		case "retrans":
			u32(&c.Retrans)
		case "bytes_acked":
			c.BytesAcked, err = sc.uint(64)
		case "bytes_received":
			c.BytesReceived, err = sc.uint(64)
		default:
			return errUnknownField
		}
		return err
	})
	return err
}

// ParseTCPFlags is the inverse of TCPFlags.String: "SYN,ACK" → SYN|ACK.
// Every name must be known and appear once.
func ParseTCPFlags(s string) (TCPFlags, error) {
	names := [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}
	var f TCPFlags
	if s == "" {
		return 0, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		bit := -1
		for i, n := range names {
			if n == part {
				bit = i
			}
		}
		if bit < 0 {
			return 0, fmt.Errorf("unknown flag %q (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR)", part)
		}
		if f&(1<<bit) != 0 {
			return 0, fmt.Errorf("flag %s repeated", part)
		}
		f |= 1 << bit
	}
	return f, nil
}
