package dns

import (
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The bytes of a query and of its answers, written out by hand from RFC
// 1035 §4.1: header, question, answer with its name compressed to a
// pointer to the question's (0xc00c).
const (
	queryA = `1234 0100 0001 0000 0000 0000
		03 777777 07 6578616d706c65 04 74657374 00 0001 0001`
	answerA = `1234 8500 0001 0001 0000 0000
		03 777777 07 6578616d706c65 04 74657374 00 0001 0001
		c00c 0001 0001 0000012c 0004 0a000002`
	// The PTR's target shares no suffix with the question: all its labels.
	answerPTR = `beef 8400 0001 0001 0000 0000
		01 32 01 30 01 30 02 3130 07 696e2d61646472 04 61727061 00 000c 0001
		c00c 000c 0001 0000012c 0012 03 777777 07 6578616d706c65 04 74657374 00`
	nxdomain = `beef 8403 0001 0000 0000 0000
		01 33 01 30 01 30 02 3130 07 696e2d61646472 04 61727061 00 000c 0001`
)

var (
	msgQueryA = &Message{ID: 0x1234, RecursionDesired: true,
		Questions: []Question{{"www.example.test", TypeA, ClassIN}}}
	msgAnswerA = &Message{ID: 0x1234, Response: true, Authoritative: true, RecursionDesired: true,
		Questions: []Question{{"www.example.test", TypeA, ClassIN}},
		Answers:   []RR{{Name: "www.example.test", Type: TypeA, Class: ClassIN, TTL: 300, Addr: netip.MustParseAddr("10.0.0.2")}}}
	msgAnswerPTR = &Message{ID: 0xbeef, Response: true, Authoritative: true,
		Questions: []Question{{"2.0.0.10.in-addr.arpa", TypePTR, ClassIN}},
		Answers:   []RR{{Name: "2.0.0.10.in-addr.arpa", Type: TypePTR, Class: ClassIN, TTL: 300, Target: "www.example.test"}}}
	msgNXDomain = &Message{ID: 0xbeef, Response: true, Authoritative: true, RCode: RCodeNXDomain,
		Questions: []Question{{"3.0.0.10.in-addr.arpa", TypePTR, ClassIN}}}
)

func TestExactBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    *Message
		wire string
	}{
		{"query A", msgQueryA, queryA},
		{"answer A", msgAnswerA, answerA},
		{"answer PTR", msgAnswerPTR, answerPTR},
		{"NXDOMAIN", msgNXDomain, nxdomain},
	} {
		want := unhex(t, tc.wire)
		got, err := tc.m.Append(nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s:\n got %x\nwant %x", tc.name, got, want)
		}
		m, err := Parse(want)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(m, tc.m) {
			t.Errorf("%s: parsed\n%+v\nwant\n%+v", tc.name, m, tc.m)
		}
	}
	// Append appends.
	got, _ := msgQueryA.Append([]byte{0xaa})
	if got[0] != 0xaa || string(got[1:]) != string(unhex(t, queryA)) {
		t.Errorf("Append after a prefix: %x", got)
	}
}

// A name compressed to a suffix of an earlier one, a pointer to a
// pointer, and an AAAA record, as a server may write them.
func TestParseCompressed(t *testing.T) {
	wire := unhex(t, `0001 8180 0001 0002 0000 0000
		03 777777 07 6578616d706c65 04 74657374 00 001c 0001
		c00c 0005 0001 00000e10 0006 03 776562 c010
		c02e 001c 0001 00000e10 0010 20010db8000000000000000000000010`)
	m, err := Parse(wire)
	if err != nil {
		t.Fatal(err)
	}
	want := []RR{
		{Name: "www.example.test", Type: 5, Class: ClassIN, TTL: 3600, Data: unhex(t, "03776562c010")},
		{Name: "web.example.test", Type: TypeAAAA, Class: ClassIN, TTL: 3600, Addr: netip.MustParseAddr("2001:db8::10")},
	}
	if !reflect.DeepEqual(m.Answers, want) {
		t.Errorf("answers %+v\nwant %+v", m.Answers, want)
	}
	if !m.RecursionAvailable || !m.RecursionDesired || !m.Response || m.Authoritative {
		t.Errorf("flags %+v", m)
	}
	// Written again, the second name points into the first.
	b, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if m2, err := Parse(b); err != nil || !reflect.DeepEqual(m2, m) {
		t.Errorf("round trip: %v\n%+v", err, m2)
	}
	// The CNAME's data is kept raw, so the second name cannot point into
	// it as the server's does: "web" and a pointer, 4 bytes more.
	if len(b) != len(wire)+4 {
		t.Errorf("written again: %d bytes, the server's %d", len(b), len(wire))
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ wire, want string }{
		{`1234 0100 0001`, "dns: 6 bytes, shorter than the 12-byte header"},
		{`1234 0100 0002 0000 0000 0000 00 0001 0001`, "dns: the header counts 2 questions and 0 records, more than 17 bytes can hold"},
		{`1234 0100 0001 0000 0000 0000 03 777777 00 0001`, "dns: question 1: the message ends in the middle of a field"},
		{`1234 0100 0001 0000 0000 0000 c00c 0001 0001`, "dns: question 1: name: the pointer at byte 12 points forward, to byte 12"},
		{`1234 0100 0001 0000 0000 0000 40 0001 0001`, "dns: question 1: name: label type 0x40 at byte 12 is not a length or a pointer"},
		{`1234 0100 0001 0000 0000 0000 03 612e62 00 0001 0001`, "dns: question 1: name: the label at byte 12 holds a dot"},
		{`1234 0100 0001 0000 0000 0000 00 0001 0001 ff`, "dns: 1 bytes after the last record"},
		{`1234 8100 0000 0001 0000 0000 00 0001 0001 00000000 0003 0a0000`, `dns: answer 1: A record of "": 3 bytes of data, want 4`},
		{`1234 8100 0000 0001 0000 0000 00 000c 0001 00000000 0003 00 0000`, `dns: answer 1: PTR record of "": its name takes 1 bytes of its 3`},
		{`1234 8100 0000 0000 0001 0000 00 0001 0001 00000000 0009 0a00`, "dns: authority 1: the message ends in the middle of a field"},
	} {
		_, err := Parse(unhex(t, tc.wire))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.wire, err, tc.want)
		}
	}
	long := strings.Repeat("a", 64)
	for _, tc := range []struct {
		m    Message
		want string
	}{
		{Message{Questions: []Question{{Name: long + ".test"}}}, `dns: question 1: name "` + long + `.test": a label must have 1 to 63 bytes`},
		{Message{Questions: []Question{{Name: "a..b"}}}, `dns: question 1: name "a..b": a label must have 1 to 63 bytes`},
		{Message{Questions: []Question{{Name: strings.Repeat("abc.", 64)}}}, "is 258 bytes on the wire, more than 255"},
		{Message{Answers: []RR{{Name: "a", Type: TypeA, Addr: netip.MustParseAddr("::1")}}}, `dns: answer 1: A record of "a": "::1" is not an IPv4 address`},
		{Message{Additional: []RR{{Name: "a", Type: TypeAAAA}}}, `dns: additional 1: AAAA record of "a": "invalid IP" is not an IPv6 address`},
	} {
		_, err := tc.m.Append(nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %s", tc.m, err, tc.want)
		}
	}
}

// No name can grow past 255 bytes, whether written out or built from
// pointers: 128 one-byte labels are 257 bytes on the wire.
func TestParseLongNames(t *testing.T) {
	var n []byte
	for range 128 {
		n = append(n, 1, 'a')
	}
	b := append(unhex(t, "0000 0000 0001 0000 0000 0000"), n...)
	b = append(b, 0, 0, 1, 0, 1)
	if _, err := Parse(b); err == nil || err.Error() != "dns: question 1: name: longer than 255 bytes" {
		t.Errorf("a 257-byte name: %v", err)
	}
	// 100 labels, then a second question of 30 more and a pointer to
	// the first: 261 bytes.
	var q2 []byte
	for range 30 {
		q2 = append(q2, 1, 'b')
	}
	b = append(unhex(t, "0000 0000 0002 0000 0000 0000"), n[:200]...)
	b = append(b, 0, 0, 1, 0, 1)
	b = append(append(b, q2...), 0xc0, 12, 0, 1, 0, 1)
	if _, err := Parse(b); err == nil || err.Error() != "dns: question 2: name: longer than 255 bytes" {
		t.Errorf("a 261-byte name through a pointer: %v", err)
	}
}

func TestReverseName(t *testing.T) {
	for a, want := range map[string]string{
		"192.0.2.10":        "10.2.0.192.in-addr.arpa",
		"::ffff:192.0.2.10": "10.2.0.192.in-addr.arpa",
		"2001:db8::10":      "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	} {
		if got := ReverseName(netip.MustParseAddr(a)); got != want {
			t.Errorf("ReverseName(%s) = %s, want %s", a, got, want)
		}
	}
	if !EqualNames("WWW.Example.test.", "www.example.TEST") || EqualNames("www.example.test", "ww.example.test") {
		t.Error("EqualNames")
	}
	if TypeString(TypeAAAA) != "AAAA" || TypeString(99) != "TYPE99" {
		t.Error("TypeString")
	}
}

// FuzzParse: Parse never panics and fails with one line; what it accepts
// encodes, and the encoding parses back to the same message and encodes
// to the same bytes again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{queryA, answerA, answerPTR, nxdomain} {
		f.Add(unhex(f, s))
	}
	f.Add(unhex(f, `0001 8180 0001 0002 0000 0000
		03 777777 07 6578616d706c65 04 74657374 00 001c 0001
		c00c 0005 0001 00000e10 0006 03 776562 c010
		c02e 001c 0001 00000e10 0010 20010db8000000000000000000000010`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "dns: ") {
				t.Fatalf("error %q: want one line starting dns:", err)
			}
			return
		}
		enc, err := m.Append(nil)
		if err != nil {
			t.Fatalf("a parsed message does not encode: %v", err)
		}
		m2, err := Parse(enc)
		if err != nil {
			t.Fatalf("the encoding does not parse: %v\n%x", err, enc)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip\n%+v\n%+v", m, m2)
		}
		if enc2, _ := m2.Append(nil); string(enc2) != string(enc) {
			t.Fatalf("not stable:\n%x\n%x", enc, enc2)
		}
	})
}

func TestSummary(t *testing.T) {
	for wire, want := range map[string]string{
		queryA:    "DNS query A www.example.test",
		answerA:   "DNS answer A www.example.test: 10.0.0.2",
		answerPTR: "DNS answer PTR 2.0.0.10.in-addr.arpa: www.example.test",
		nxdomain:  "DNS answer PTR 3.0.0.10.in-addr.arpa: no such name",
		`1234`:    "DNS? 2 bytes, shorter than the 12-byte header",
	} {
		if got := Summary(unhex(t, wire)); got != want {
			t.Errorf("Summary = %q, want %q", got, want)
		}
	}
	b, _ := (&Message{Response: true, RCode: RCodeRefused, Questions: []Question{{"a", TypeA, ClassIN}}}).Append(nil)
	if got := Summary(b); got != "DNS answer A a: error 5" {
		t.Errorf("refused: %q", got)
	}
	b, _ = (&Message{Response: true, Questions: []Question{{"a", TypeAAAA, ClassIN}}}).Append(nil)
	if got := Summary(b); got != "DNS answer AAAA a: no records" {
		t.Errorf("no records: %q", got)
	}
}
