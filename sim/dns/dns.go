// Package dns is the part of RFC 1035 that the simulator's DNS server and
// resolver programs speak on the simulated wire, in the real wire format,
// so that a pcap of a run decodes as DNS: a message is a header, its
// questions and its resource records (answer, authority, additional), with
// A, AAAA and PTR data understood and any other type kept as raw bytes.
// Names are read with compression (RFC 1035 §4.1.4) and written with it
// too, each name's longest suffix already written (byte for byte) becoming
// a pointer.
//
// It is pure: bytes in, bytes out. Names are kept as text without the
// trailing dot ("web.example.test"; "" is the root) and compared without
// regard to ASCII case, as DNS compares them.
package dns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Record types and the class this package knows by name.
const (
	TypeA    uint16 = 1
	TypePTR  uint16 = 12
	TypeAAAA uint16 = 28
	ClassIN  uint16 = 1
)

// Response codes (RCODE).
const (
	RCodeSuccess  uint8 = 0
	RCodeFormErr  uint8 = 1
	RCodeServFail uint8 = 2
	RCodeNXDomain uint8 = 3 // no such name
	RCodeNotImp   uint8 = 4
	RCodeRefused  uint8 = 5
)

// headerLen is the fixed header's size; maxName the longest name on the
// wire (RFC 1035 §2.3.4), maxLabel the longest label.
const (
	headerLen = 12
	maxName   = 255
	maxLabel  = 63
)

// Message is one DNS message.
type Message struct {
	ID                 uint16
	Response           bool  // QR
	Opcode             uint8 // 4 bits; 0 is a standard query
	Authoritative      bool  // AA
	Truncated          bool  // TC
	RecursionDesired   bool  // RD
	RecursionAvailable bool  // RA
	RCode              uint8 // 4 bits
	Questions          []Question
	Answers            []RR
	Authority          []RR
	Additional         []RR
}

// Question asks for the records of one name and type.
type Question struct {
	Name  string
	Type  uint16
	Class uint16
}

// RR is a resource record. Its data is Addr for A and AAAA, Target for
// PTR, and Data, the raw bytes, for any other type.
type RR struct {
	Name   string
	Type   uint16
	Class  uint16
	TTL    uint32
	Addr   netip.Addr // A, AAAA
	Target string     // PTR
	Data   []byte     // other types
}

// TypeString names a record type as dig does: "A", "PTR", "TYPE99".
func TypeString(t uint16) string {
	switch t {
	case TypeA:
		return "A"
	case TypePTR:
		return "PTR"
	case TypeAAAA:
		return "AAAA"
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// Value is the record's data as text: an address, a name, or the raw
// bytes' length.
func (r RR) Value() string {
	switch r.Type {
	case TypeA, TypeAAAA:
		return r.Addr.String()
	case TypePTR:
		return r.Target
	}
	return strconv.Itoa(len(r.Data)) + " bytes"
}

// Append encodes m after b and returns the extended slice. A name that
// cannot be encoded (an empty label, a label over 63 bytes, a name over
// 255 bytes on the wire) or an address of the wrong family for its type
// is an error.
func (m *Message) Append(b []byte) ([]byte, error) {
	w := writer{b: b, start: len(b), names: map[string]int{}}
	flags := uint16(m.Opcode&0xf)<<11 | uint16(m.RCode&0xf)
	for _, f := range []struct {
		on  bool
		bit uint16
	}{{m.Response, 1 << 15}, {m.Authoritative, 1 << 10}, {m.Truncated, 1 << 9},
		{m.RecursionDesired, 1 << 8}, {m.RecursionAvailable, 1 << 7}} {
		if f.on {
			flags |= f.bit
		}
	}
	for _, n := range []int{len(m.Questions), len(m.Answers), len(m.Authority), len(m.Additional)} {
		if n > 0xffff {
			return b, fmt.Errorf("dns: %d records in a section, more than 65535", n)
		}
	}
	w.u16(m.ID)
	w.u16(flags)
	w.u16(uint16(len(m.Questions)))
	w.u16(uint16(len(m.Answers)))
	w.u16(uint16(len(m.Authority)))
	w.u16(uint16(len(m.Additional)))
	for i, q := range m.Questions {
		if err := w.name(q.Name); err != nil {
			return b, fmt.Errorf("dns: question %d: %v", i+1, err)
		}
		w.u16(q.Type)
		w.u16(q.Class)
	}
	for _, sec := range []struct {
		name string
		rrs  []RR
	}{{"answer", m.Answers}, {"authority", m.Authority}, {"additional", m.Additional}} {
		for i, r := range sec.rrs {
			if err := w.rr(r); err != nil {
				return b, fmt.Errorf("dns: %s %d: %v", sec.name, i+1, err)
			}
		}
	}
	return w.b, nil
}

// writer appends a message, remembering where each name suffix was
// written (offsets from the message's start) for compression.
type writer struct {
	b     []byte
	start int
	names map[string]int
}

func (w *writer) u16(v uint16) { w.b = binary.BigEndian.AppendUint16(w.b, v) }

// name writes name: its labels up to the longest suffix already written,
// then a pointer to that suffix (or the root's zero byte).
func (w *writer) name(name string) error {
	if name == "" {
		w.b = append(w.b, 0)
		return nil
	}
	labels := strings.Split(name, ".")
	if wire := len(name) + 2; wire > maxName {
		return fmt.Errorf("name %q is %d bytes on the wire, more than %d", name, wire, maxName)
	}
	for _, l := range labels {
		if l == "" || len(l) > maxLabel {
			return fmt.Errorf("name %q: a label must have 1 to %d bytes", name, maxLabel)
		}
	}
	for i := range labels {
		suffix := strings.Join(labels[i:], ".") // exact: a pointer must not change a name's case
		if off, ok := w.names[suffix]; ok {
			w.u16(0xc000 | uint16(off))
			return nil
		}
		if off := len(w.b) - w.start; off < 0x4000 {
			w.names[suffix] = off
		}
		w.b = append(w.b, byte(len(labels[i])))
		w.b = append(w.b, labels[i]...)
	}
	w.b = append(w.b, 0)
	return nil
}

func (w *writer) rr(r RR) error {
	if err := w.name(r.Name); err != nil {
		return err
	}
	w.u16(r.Type)
	w.u16(r.Class)
	w.b = binary.BigEndian.AppendUint32(w.b, r.TTL)
	at := len(w.b)
	w.u16(0) // RDLENGTH, filled in below
	switch r.Type {
	case TypeA, TypeAAAA:
		if !r.Addr.IsValid() || r.Addr.Is4() != (r.Type == TypeA) || r.Addr.Zone() != "" {
			return fmt.Errorf("%s record of %q: %q is not an %s address", TypeString(r.Type), r.Name, r.Addr, Family(r.Type))
		}
		w.b = append(w.b, r.Addr.AsSlice()...)
	case TypePTR:
		if err := w.name(r.Target); err != nil {
			return err
		}
	default:
		if len(r.Data) > 0xffff {
			return fmt.Errorf("%d bytes of data, more than 65535", len(r.Data))
		}
		w.b = append(w.b, r.Data...)
	}
	binary.BigEndian.PutUint16(w.b[at:], uint16(len(w.b)-at-2))
	return nil
}

// Parse decodes one message. Every fault is an error of one line naming
// where it is; nothing after the last record is allowed.
func Parse(b []byte) (*Message, error) {
	if len(b) < headerLen {
		return nil, fmt.Errorf("dns: %d bytes, shorter than the 12-byte header", len(b))
	}
	r := reader{b: b, off: headerLen}
	flags := binary.BigEndian.Uint16(b[2:])
	m := &Message{
		ID:                 binary.BigEndian.Uint16(b),
		Response:           flags&(1<<15) != 0,
		Opcode:             uint8(flags>>11) & 0xf,
		Authoritative:      flags&(1<<10) != 0,
		Truncated:          flags&(1<<9) != 0,
		RecursionDesired:   flags&(1<<8) != 0,
		RecursionAvailable: flags&(1<<7) != 0,
		RCode:              uint8(flags & 0xf),
	}
	var counts [4]int
	for i := range counts {
		counts[i] = int(binary.BigEndian.Uint16(b[4+2*i:]))
	}
	// Each question takes at least 5 bytes and each record 11: a count
	// the message cannot hold is refused before anything is allocated.
	if need := headerLen + 5*counts[0] + 11*(counts[1]+counts[2]+counts[3]); need > len(b) {
		return nil, fmt.Errorf("dns: the header counts %d questions and %d records, more than %d bytes can hold", counts[0], counts[1]+counts[2]+counts[3], len(b))
	}
	for i := range counts[0] {
		name, err := r.name()
		if err != nil {
			return nil, fmt.Errorf("dns: question %d: %v", i+1, err)
		}
		t, c, err := r.u16(), r.u16(), r.err()
		if err != nil {
			return nil, fmt.Errorf("dns: question %d: %v", i+1, err)
		}
		m.Questions = append(m.Questions, Question{Name: name, Type: t, Class: c})
	}
	for s, sec := range []*[]RR{&m.Answers, &m.Authority, &m.Additional} {
		for i := range counts[s+1] {
			rr, err := r.rr()
			if err != nil {
				return nil, fmt.Errorf("dns: %s %d: %v", [3]string{"answer", "authority", "additional"}[s], i+1, err)
			}
			*sec = append(*sec, rr)
		}
	}
	if r.off != len(b) {
		return nil, fmt.Errorf("dns: %d bytes after the last record", len(b)-r.off)
	}
	return m, nil
}

// reader reads a message from off; a read past the end sets short.
type reader struct {
	b     []byte
	off   int
	short bool
}

var errShort = errors.New("the message ends in the middle of a field")

func (r *reader) err() error {
	if r.short {
		return errShort
	}
	return nil
}

func (r *reader) u16() uint16 {
	if r.off+2 > len(r.b) {
		r.short = true
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

// name reads a name at off, following compression pointers; off moves
// past the name as written there. A pointer must point before the label
// it replaces, so that a name cannot loop.
func (r *reader) name() (string, error) {
	var sb strings.Builder
	at, end, wire := r.off, -1, 1
	for {
		if at >= len(r.b) {
			return "", errShort
		}
		n := int(r.b[at])
		switch n & 0xc0 {
		case 0x00:
		case 0xc0:
			if at+1 >= len(r.b) {
				return "", errShort
			}
			to := int(binary.BigEndian.Uint16(r.b[at:]) & 0x3fff)
			if to >= at {
				return "", fmt.Errorf("name: the pointer at byte %d points forward, to byte %d", at, to)
			}
			if end < 0 {
				end = at + 2
			}
			at = to
			continue
		default:
			return "", fmt.Errorf("name: label type 0x%02x at byte %d is not a length or a pointer", n&0xc0, at)
		}
		if n == 0 {
			if end < 0 {
				end = at + 1
			}
			r.off = end
			return sb.String(), nil
		}
		if at+1+n > len(r.b) {
			return "", errShort
		}
		label := r.b[at+1 : at+1+n]
		if strings.IndexByte(string(label), '.') >= 0 {
			return "", fmt.Errorf("name: the label at byte %d holds a dot", at)
		}
		if wire += 1 + n; wire > maxName {
			return "", fmt.Errorf("name: longer than %d bytes", maxName)
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.Write(label)
		at += 1 + n
	}
}

func (r *reader) rr() (RR, error) {
	var rr RR
	var err error
	if rr.Name, err = r.name(); err != nil {
		return rr, err
	}
	rr.Type, rr.Class = r.u16(), r.u16()
	rr.TTL = uint32(r.u16())<<16 | uint32(r.u16())
	n := int(r.u16())
	if r.short || r.off+n > len(r.b) {
		return rr, errShort
	}
	data := r.b[r.off : r.off+n]
	switch rr.Type {
	case TypeA, TypeAAAA:
		want := map[uint16]int{TypeA: 4, TypeAAAA: 16}[rr.Type]
		if n != want {
			return rr, fmt.Errorf("%s record of %q: %d bytes of data, want %d", TypeString(rr.Type), rr.Name, n, want)
		}
		rr.Addr, _ = netip.AddrFromSlice(data)
	case TypePTR:
		end := r.off + n
		if rr.Target, err = r.name(); err != nil {
			return rr, fmt.Errorf("PTR record of %q: %v", rr.Name, err)
		}
		if r.off != end {
			return rr, fmt.Errorf("PTR record of %q: its name takes %d bytes of its %d", rr.Name, n-(end-r.off), n)
		}
		return rr, nil
	default:
		rr.Data = append([]byte(nil), data...)
	}
	r.off += n
	return rr, nil
}

// ReverseName is the name a PTR query for a asks about:
// "10.2.0.192.in-addr.arpa" for 192.0.2.10, the 32 nibbles under ip6.arpa
// for an IPv6 address.
func ReverseName(a netip.Addr) string {
	a = a.Unmap()
	var sb strings.Builder
	if a.Is4() {
		b := a.As4()
		for i := 3; i >= 0; i-- {
			sb.WriteString(strconv.Itoa(int(b[i])))
			sb.WriteByte('.')
		}
		sb.WriteString("in-addr.arpa")
		return sb.String()
	}
	b := a.As16()
	const hex = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		sb.WriteByte(hex[b[i]&0xf])
		sb.WriteByte('.')
		sb.WriteByte(hex[b[i]>>4])
		sb.WriteByte('.')
	}
	sb.WriteString("ip6.arpa")
	return sb.String()
}

// EqualNames reports whether two names are the same name: ASCII letters
// compare without regard to case, a trailing dot is ignored.
func EqualNames(a, b string) bool {
	return lowerASCII(strings.TrimSuffix(a, ".")) == lowerASCII(strings.TrimSuffix(b, "."))
}

// lowerASCII lowers A–Z only: DNS folds no other letter, and a label
// may hold any byte.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Family names the address family of an address record's type: "IPv4"
// for A, "IPv6" for AAAA.
func Family(t uint16) string {
	if t == TypeA {
		return "IPv4"
	}
	return "IPv6"
}

// Summary describes a message in one line, for the trace: "DNS query A
// www.example.test", "DNS answer A www.example.test: 10.0.0.2",
// "DNS answer PTR 9.0.0.10.in-addr.arpa: no such name". Bytes that do
// not parse are "DNS? " and the parser's complaint.
func Summary(b []byte) string {
	m, err := Parse(b)
	if err != nil {
		return "DNS? " + strings.TrimPrefix(err.Error(), "dns: ")
	}
	var sb strings.Builder
	if m.Response {
		sb.WriteString("DNS answer")
	} else {
		sb.WriteString("DNS query")
	}
	for _, q := range m.Questions {
		sb.WriteString(" " + TypeString(q.Type) + " " + q.Name)
	}
	if !m.Response {
		return sb.String()
	}
	sb.WriteString(": ")
	switch {
	case m.RCode == RCodeNXDomain:
		sb.WriteString("no such name")
	case m.RCode != RCodeSuccess:
		sb.WriteString("error " + strconv.Itoa(int(m.RCode)))
	case len(m.Answers) == 0:
		sb.WriteString("no records")
	default:
		for i, r := range m.Answers {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(r.Value())
		}
	}
	return sb.String()
}
