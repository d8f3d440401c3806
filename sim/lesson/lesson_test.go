package lesson

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"socketlab/sim/trace"
)

// minimal is a valid lesson; the table below breaks it one field at a time.
const minimal = `{
  "id": "mini",
  "title": {"en": "Mini", "zh": "小课"},
  "chapter": 1,
  "steps": [
    {"scenario": "handshake", "at": "25ms", "narration": {"en": "a", "zh": "甲"}},
    {"scenario": "handshake", "from": "the 1st send by client of a SYN", "to": "the 1st deliver at client of a SYN,ACK",
     "highlight": [1, "the 1st send by server of a SYN,ACK"], "narration": {"en": "b", "zh": "乙"}},
    {"scenario": "handshake", "at": "10ms", "narration": {"en": "c", "zh": "丙"}},
    {"scenario": "handshake", "at": "the 1st send by server of a SYN,ACK", "narration": {"en": "d", "zh": "丁"},
     "question": {"kind": "choice", "prompt": {"en": "p", "zh": "问"},
       "choices": [{"value": "LISTEN", "en": "LISTEN", "zh": "LISTEN"}, {"value": "SYN-RECEIVED", "en": "SYN-RECEIVED", "zh": "SYN-RECEIVED"}],
       "answer": "SYN-RECEIVED", "expect": "state of server at the step's end",
       "hint": {"en": "h", "zh": "提示"}, "explain": {"right": {"en": "r", "zh": "对"}, "wrong": {"en": "w", "zh": "错"}}}}
  ]
}`

func TestParseMinimal(t *testing.T) {
	l, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != "mini" || len(l.Steps) != 4 || l.Questions() != 1 || l.Title.In("zh") != "小课" || l.Title.In("en") != "Mini" {
		t.Fatalf("%+v", l)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
	m, err := l.Play(1)
	if err != nil {
		t.Fatal(err)
	}
	if m.From.At != 0 || m.To.At != 20e6 || len(m.Highlight) != 2 || m.Highlight[0] != 1 || m.Highlight[1] != 2 {
		t.Errorf("step 1: %+v %+v %v", m.From, m.To, m.Highlight)
	}
	// A duration cursor counts every event at that instant.
	m, _ = l.Play(2)
	for _, e := range m.Trace.Events[:m.To.N] {
		if e.At > 10e6 {
			t.Errorf("an event at %v is before a cursor at 10ms", e.At)
		}
	}
	if m.To.N < len(m.Trace.Events) && m.Trace.Events[m.To.N].At <= 10e6 {
		t.Errorf("an event at 10ms is after a cursor at 10ms")
	}
}

var fieldPath = regexp.MustCompile(`^(lesson|[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*): `)

// Every mistake is one error naming its field path.
// TestParseReal: a step's real program is read, kept by Encode, and
// absent from a step without one.
func TestParseReal(t *testing.T) {
	doc := strings.Replace(minimal, `"zh": "甲"}}`, `"zh": "甲"}, "real": "tcp-client"}`, 1)
	l, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if l.Steps[0].Real != "tcp-client" || l.Steps[1].Real != "" {
		t.Fatalf("real: %q, %q", l.Steps[0].Real, l.Steps[1].Real)
	}
	enc, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(enc), `"real": "tcp-client"`) || strings.Count(string(enc), `"real"`) != 1 {
		t.Fatalf("Encode:\n%s", enc)
	}
	l2, err := Parse(enc)
	if err != nil || l2.Steps[0].Real != "tcp-client" {
		t.Fatalf("round trip: %v %+v", err, l2)
	}
	// The shipped lessons name theirs where the textbook has the program.
	for id, want := range map[string]map[int]string{"handshake": {4: "tcp-client"}, "udp-echo": {1: "udp-echo"},
		"half-close": {9: "get"}, "connect-errors": {3: "refused"}, "byte-stream": {5: "tcp-client"}} {
		l, err := Load(id)
		if err != nil {
			t.Fatal(err)
		}
		for step, prog := range want {
			if got := l.Steps[step-1].Real; got != prog {
				t.Errorf("%s step %d: real %q, want %q", id, step, got, prog)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{`"id": "mini"`, `"id": "Mini"`, `id: "Mini": want lower-case words joined by '-'`},
		{`"id": "mini",`, ``, `id: missing`},
		{`"id": "mini"`, `"id": "mini", "idd": 1`, `idd: unknown field (want id, title, chapter, steps)`},
		{`"id": "mini"`, `"id": "mini", "id": "mini"`, `id: given twice`},
		{`"chapter": 1`, `"chapter": 1.5`, `chapter: 1.5 is not a whole number from 1 to 99`},
		{`"chapter": 1`, `"chapter": "1"`, `chapter: want a number, got a string`},
		{`"zh": "小课"`, `"zh": " "`, `title.zh: empty`},
		{`"zh": "小课"`, `"zh": "小课", "fr": "x"`, `title.fr: unknown field (want en, zh)`},
		{`{"en": "a", "zh": "甲"}`, `{"en": "a"}`, `steps[0].narration.zh: missing`},
		{`"scenario": "handshake", "at": "25ms"`, `"scenario": "handshak", "at": "25ms"`, `steps[0].scenario: no preset named "handshak"`},
		{`"scenario": "handshake", "at": "25ms"`, `"scenario": 3, "at": "25ms"`, `steps[0].scenario: want a preset's name or a scenario object, got a number`},
		{`"scenario": "handshake", "at": "25ms"`, `"scenario": {"seed": 1}, "at": "25ms"`, `steps[0].scenario.duration: 0s is out of range`},
		{`"scenario": "handshake", "at": "25ms"`, `"scenario": {"seed": 1, "nope": 2}, "at": "25ms"`, `steps[0].scenario.nope: unknown field`},
		{`"at": "25ms"`, `"at": "-1s"`, `steps[0].at: -1s is out of range [0s, 1h]`},
		{`"at": "25ms"`, `"at": "25ms", "from": "1ms"`, `steps[0].at: give either at or from and to, not both`},
		{`"scenario": "handshake", "at": "25ms",`, `"scenario": "handshake",`, `steps[0].at: missing`},
		{`"at": "25ms"`, `"to": "25ms"`, `steps[0].from: missing`},
		{`"at": "25ms"`, `"from": "25ms", "to": "20ms"`, `steps[0].to: 20ms is before from (25ms)`},
		{`"at": "25ms"`, `"at": "the 1st send by sever"`, `steps[0].at: want a duration such as "25ms" or an event such as "the 1st send by client of a SYN": "the 1st send by sever": the scenario has no node "sever" (client, server)`},
		{`"at": "25ms"`, `"at": "the 2th send"`, `steps[0].at: want a duration such as "25ms" or an event such as "the 1st send by client of a SYN": "2th": write 2nd`},
		{`"at": "25ms"`, `"at": "the 1st sned"`, `"the 1st sned": "sned" is not an event kind`},
		{`"at": "25ms"`, `"at": "the 1st send of a SYNACK"`, `"SYNACK" is not packet, segment, datagram, data, icmp or TCP flags`},
		{`"at": "25ms"`, `"at": "the 1st state at client of WAIT"`, `"WAIT" is not a TCP state`},
		{`"at": "25ms"`, `"at": "the next SYN"`, `steps[0].at: "the next SYN": "next" is relative to the cursor`},
		{`[1, "the 1st send`, `[0, "the 1st send`, `steps[1].highlight[0]: 0 is not a whole number from 1`},
		{`[1, "the 1st send`, `[1, "the 1st state at client of LISTEN", "the 1st send`, `steps[1].highlight[1]: "the 1st state at client of LISTEN" names a state event; highlight wants packets`},
		{`[1, "the 1st send`, `[true, "the 1st send`, `steps[1].highlight[0]: want a packet number or a selector: want a string, got true or false`},
		{`"kind": "choice"`, `"kind": "quiz"`, `steps[3].question.kind: "quiz": want number or choice`},
		{`{"value": "SYN-RECEIVED", "en": "SYN-RECEIVED", "zh": "SYN-RECEIVED"}`, `{"value": "SYN-RECEIVED", "en": "SYN-RECEIVED", "zh": ""}`, `steps[3].question.choices[1].zh: empty`},
		{`{"value": "SYN-RECEIVED", "en": "SYN-RECEIVED", "zh": "SYN-RECEIVED"}`, `{"value": "listen", "en": "x", "zh": "x"}`, `steps[3].question.choices[1].value: "listen" is also the value of choices[0]`},
		{`"answer": "SYN-RECEIVED"`, `"answer": "ESTABLISHED"`, `steps[3].question.answer: "ESTABLISHED" is not one of the choices' values (LISTEN, SYN-RECEIVED)`},
		{`"answer": "SYN-RECEIVED"`, `"answer": 3`, `steps[3].question.answer: want the value of one of the choices, got a number`},
		{`"answer": "SYN-RECEIVED"`, `"answer": "SYN-RECEIVED", "tolerance": 1`, `steps[3].question.tolerance: only a number question has a tolerance`},
		{`"expect": "state of server at the step's end"`, `"expect": "ack of the next packet from server"`, `steps[3].question.expect: "ack of the next packet from server" gives a number: make kind "number"`},
		{`"expect": "state of server at the step's end"`, `"expect": "state of server"`, `steps[3].question.expect: "state of server": want "state of NODE at the step's end"`},
		{`"expect": "state of server at the step's end"`, `"expect": "the ack"`, `steps[3].question.expect: "the ack": want one of`},
		{`"expect": "state of server at the step's end"`, `"expect": "delivered: the 1st state at server"`, `delivered needs a packet, not a state event`},
		{`"expect": "state of server at the step's end"`, `"expect": "text of the next SYN"`, `text needs a socket call or a note (app, note), not a packet`},
		{`"expect": "state of server at the step's end"`, `"expect": "src-port of the 1st state at server"`, `src-port needs a packet, not a state event`},
		{`"expect": "state of server at the step's end"`, `"expect": "count of the 1st send by client"`, `"count of the 1st send by client": count names events without an ordinal, e.g. "count of send by client of a datagram"`},
		{`"expect": "state of server at the step's end"`, `"expect": "count of 2nd send"`, `count names events without an ordinal`},
		{`"expect": "state of server at the step's end"`, `"expect": "count of send by nobody"`, `the scenario has no node "nobody"`},
		{`"hint": {"en": "h", "zh": "提示"}, `, ``, `steps[3].question.hint: missing`},
		{`"wrong": {"en": "w", "zh": "错"}`, `"wrong": {"en": "w", "zh": "错"}, "maybe": {}`, `steps[3].question.explain.maybe: unknown field (want right, wrong)`},
		{`"steps": [`, `"steps": [], "x": [`, `x: unknown field`},
		{`"zh": "甲"}}`, `"zh": "甲"}, "real": "telnet"}`, `steps[0].real: "telnet": want one of tcp-client, socketserver, udp-client, udp-echo, get, refused`},
		{`"zh": "甲"}}`, `"zh": "甲"}, "real": 1}`, `steps[0].real: want a string, got a number`},
		{`"zh": "甲"}}`, `"zh": "甲"}, "real": ""}`, `steps[0].real: "": want one of`},
		{`"zh": "甲"}}`, `"zh": "甲"}, "real": "get", "real": "get"}`, `steps[0].real: given twice`},
		{minimal, `{"id": "mini", "title": {"en": "a", "zh": "乙"}, "chapter": 1, "steps": []}`, `steps: 0 steps: want 1 to 100`},
		{minimal, minimal + ` {}`, `lesson: unexpected data after the JSON object`},
		{minimal, ``, `lesson: empty document`},
		{minimal, "{\n  \"id\": \"mini\",\n  \"title\": }", `lesson: line 3, column 12: invalid character '}'`},
		{minimal, `[]`, `lesson: want an object, got an array`},
	} {
		if !strings.Contains(minimal, tc.old) {
			t.Fatalf("the minimal lesson has no %q", tc.old)
		}
		doc := strings.Replace(minimal, tc.old, tc.new, 1)
		_, err := Parse([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s → %s:\n got %v\nwant …%s…", tc.old, tc.new, err, tc.want)
		}
		if err != nil && !fieldPath.MatchString(err.Error()) {
			t.Errorf("%s → %s: %v does not start with the field path", tc.old, tc.new, err)
		}
	}
}

// Verify catches what only the run can show: an event the run does not
// have, a "next" with nothing after the cursor, a wrong answer.
func TestVerifyErrors(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{`"at": "25ms"`, `"at": "the 9th send by server of a SYN,ACK"`, `steps[0].at: "the 9th send by server of a SYN,ACK": the run has 1 such events`},
		{`[1, "the 1st send`, `[99, "the 1st send`, `steps[1].highlight[0]: "packet 99": the run has no packet #99`},
		{`"to": "the 1st deliver at client of a SYN,ACK"`, `"to": "the 1st state at client of ESTABLISHED"`, ``},
		{`"from": "the 1st send by client of a SYN"`, `"from": "the last send by client"`, `steps[1].to: the 1st deliver at client of a SYN,ACK comes before from (the last send by client) in the run`},
		{`"answer": "SYN-RECEIVED"`, `"answer": "LISTEN"`, `steps[3].question.answer: LISTEN, but the run shows SYN-RECEIVED (state of server at the step's end)`},
		{`"state of server at the step's end"`, `"flags of the next packet from client"`, `steps[3].question.answer: SYN-RECEIVED, but the run shows ACK`},
		{`"state of server at the step's end"`, `"delivered: the next packet from server"`, `steps[3].question.answer: SYN-RECEIVED, but the run shows yes`},
		// A question whose answer is on screen already: the SYN-ACK's ack,
		// asked once the SYN-ACK has arrived.
		{`"highlight": [1, "the 1st send by server of a SYN,ACK"], "narration": {"en": "b", "zh": "乙"}},`,
			`"highlight": [1, "the 1st send by server of a SYN,ACK"], "narration": {"en": "b", "zh": "乙"},
			 "question": {"kind": "number", "prompt": {"en": "p", "zh": "问"}, "answer": 1, "expect": "ack of the 1st send by server of a SYN,ACK",
			   "hint": {"en": "h", "zh": "提示"}, "explain": {"right": {"en": "r", "zh": "对"}, "wrong": {"en": "w", "zh": "错"}}}},`,
			`steps[1].question.expect: ack of the 1st send by server of a SYN,ACK happens at 10ms, before the step's cursor (20ms)`},
	} {
		l, err := Parse([]byte(strings.Replace(minimal, tc.old, tc.new, 1)))
		if err != nil {
			t.Errorf("%s: %v", tc.new, err)
			continue
		}
		err = l.Verify()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.new, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.new, err, tc.want)
		}
	}
}

func TestSelectors(t *testing.T) {
	l, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := l.Play(3) // the handshake preset
	nodes := []string{"client", "server"}
	c, err := parseCursor("the 1st deliver at server of a SYN", nodes)
	if err != nil {
		t.Fatal(err)
	}
	if m.To, err = c.resolve(m.Trace); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		expect string
		want   string
	}{
		{"ack of the next packet from server", "1"},
		{"seq of the next packet from server", "0"},
		{"flags of the next packet from server", "SYN,ACK"},
		{"flags of the 1st send by client of data", "PSH,ACK"},
		{"len of the 1st send by client of data", "5"},
		{"ack of the 1st send by server of data", "6"},
		{"seq of the 2nd send by client of data", "0"}, // none: error below
		{"time of the 1st deliver at client of a SYN,ACK", "20"},
		{"time of the last state at client of TIME-WAIT", "60"},
		{"time of the 1st timer-set at client of time-wait", "60"},
		{"time of the first app by server of accept", "30"},
		{"flags of packet 2", "SYN,ACK"},
		{"delivered: packet 11", "yes"},
		{"flags of the next FIN,ACK", "FIN,ACK"},
		{"flags of the next segment from client", "ACK"},
		{"state of client at the step's end", "SYN-SENT"},
		{"proto of the next packet from server", "tcp"},
		{"src-port of the next packet from server", "21567"},
		{"dst-port of the next packet from server", "49152"},
		{"src-port of the 1st app at client of connect", "49152"}, // the socket's own address
		{"dst-port of the 1st app at client of connect", "21567"}, // its peer
		{"count of send by client of data", "1"},
		{"count of send by server of a SYN,ACK", "1"},
		{"count of app at client", "4"},
		{"text of the 1st app at server of read", "hello"},
		{"state of server at the step's end", ""}, // the SYN has arrived, SYN-RECEIVED is the next event
	} {
		x, err := parseExpect(tc.expect, nodes)
		if err != nil {
			t.Errorf("%s: %v", tc.expect, err)
			continue
		}
		v, _, err := x.eval(m.Trace, m.To)
		if tc.expect == "state of server at the step's end" {
			if err == nil || !strings.Contains(err.Error(), "server has no TCP connection at the step's end") {
				t.Errorf("%s: %v, want an error", tc.expect, err)
			}
			continue
		}
		if tc.expect == "seq of the 2nd send by client of data" {
			if err == nil || !strings.Contains(err.Error(), "the run has 1 such events") {
				t.Errorf("%s: %v, want an error", tc.expect, err)
			}
			continue
		}
		if err != nil || v.String() != tc.want {
			t.Errorf("%s = %v (%v), want %s", tc.expect, v, err, tc.want)
		}
	}
	for _, o := range []struct {
		s    string
		n    int
		fail bool
	}{{"1st", 1, false}, {"2nd", 2, false}, {"3rd", 3, false}, {"4th", 4, false}, {"11th", 11, false}, {"12th", 12, false},
		{"13th", 13, false}, {"21st", 21, false}, {"22nd", 22, false}, {"111th", 111, false}, {"11st", 0, true}, {"0th", 0, true},
		{"01st", 0, true}, {"+1st", 0, true}, {"st", 0, true}, {"1", 0, true}, {"-1st", 0, true}} {
		n, err := ordinal(o.s)
		if (err != nil) != o.fail || n != o.n {
			t.Errorf("ordinal(%q) = %d, %v", o.s, n, err)
		}
	}
}

func TestCheck(t *testing.T) {
	q := &Question{Kind: "number", Answer: Answer{IsNumber: true, Number: 1000}, Tolerance: 5}
	for in, want := range map[string]bool{"1000": true, "1000ms": true, " 1004.5 ms ": true, "995": true, "994": false, "1s": false, "": false, "x": false} {
		if q.Check(in) != want {
			t.Errorf("number Check(%q) = %v", in, !want)
		}
	}
	q = &Question{Kind: "choice", Answer: Answer{Value: "TIME-WAIT"}}
	for in, want := range map[string]bool{"TIME-WAIT": true, " time-wait": true, "CLOSED": false, "": false} {
		if q.Check(in) != want {
			t.Errorf("choice Check(%q) = %v", in, !want)
		}
	}
	// CheckValue judges by what the run showed, whatever the author wrote.
	q = &Question{Kind: "number", Answer: Answer{IsNumber: true, Number: 1000}, Tolerance: 5}
	if !q.CheckValue("2000", Value{IsNumber: true, Number: 2003}) || q.CheckValue("1000", Value{IsNumber: true, Number: 2003}) ||
		q.CheckValue("2003", Value{Word: "2003"}) {
		t.Error("number CheckValue does not follow the run's value")
	}
	q = &Question{Kind: "choice", Answer: Answer{Value: "TIME-WAIT"}}
	if !q.CheckValue("closed", Value{Word: "CLOSED"}) || q.CheckValue("TIME-WAIT", Value{Word: "CLOSED"}) {
		t.Error("choice CheckValue does not follow the run's value")
	}
}

// An inline scenario is a scenario of the lesson's own, read as strictly
// as a scenario file, and encoded back inline.
func TestInlineScenario(t *testing.T) {
	doc := strings.Replace(minimal, `"scenario": "handshake", "at": "25ms"`,
		`"scenario": {"seed": 3, "duration": "1s", "hosts": [{"name": "a", "addrs": ["10.0.0.1"]}, {"name": "b", "addrs": ["10.0.0.2"]}],
		  "links": [{"id": "l", "a": "a", "b": "b", "ab": {"delay": "5ms"}, "ba": {"delay": "5ms"}}],
		  "programs": [{"type": "udp-echo-server", "host": "b", "port": 7}, {"type": "udp-echo-client", "host": "a", "server": "b:7", "messages": ["x"]}]},
		 "at": "the 1st deliver at b of a datagram", "highlight": ["the 1st send by a"]`, 1)
	l, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	m, err := l.Play(0)
	if err != nil || m.To.At != 5e6 || len(m.Highlight) != 1 || m.Highlight[0] != 1 {
		t.Fatalf("%+v %v", m, err)
	}
	enc, _ := l.Encode()
	var raw struct {
		Steps []struct{ Scenario json.RawMessage }
	}
	if err := json.Unmarshal(enc, &raw); err != nil || !strings.Contains(string(raw.Steps[0].Scenario), `"udp-echo-client"`) {
		t.Fatalf("inline scenario encoded as %s (%v)", raw.Steps[0].Scenario, err)
	}
	// The other steps' node names are the preset's: "a" is not one.
	bad := strings.Replace(minimal, `"at": "10ms"`, `"at": "the 1st send by a"`, 1)
	if _, err := Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), `steps[2].at:`) {
		t.Errorf("a node of another step's scenario: %v", err)
	}
}

// PlayAll gives what Play gives step by step, and Reveal names the event
// the expectation reads: the SYN-ACK after the SYN arrives, none for a
// state.
func TestPlayAllReveal(t *testing.T) {
	l, err := Load("handshake")
	if err != nil {
		t.Fatal(err)
	}
	all, err := l.PlayAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(l.Steps) {
		t.Fatalf("%d moments for %d steps", len(all), len(l.Steps))
	}
	for i, m := range all {
		one, err := l.Play(i)
		if err != nil {
			t.Fatal(err)
		}
		if one.From != m.From || one.To != m.To || one.Reveal != m.Reveal || !slices.Equal(one.Highlight, m.Highlight) {
			t.Errorf("step %d: PlayAll %+v, Play %+v", i, m, one)
		}
	}
	if all[0].Reveal != -1 {
		t.Errorf("step 0 asks a state: Reveal = %d, want -1", all[0].Reveal)
	}
	m := all[1] // the SYN at the server; the question is the SYN-ACK's ack
	e := m.Trace.Events[m.Reveal]
	if m.Reveal < m.To.N || e.Kind != trace.KindSend || e.Node != "server" || e.Packet.Flags != trace.FlagSYN|trace.FlagACK {
		t.Errorf("step 1: Reveal = %d (%+v), want the server's SYN-ACK send at or after %d", m.Reveal, e, m.To.N)
	}
}

// TestConnVarExpectations: the variables of a node's connection at the
// step's end, as a number question asks for them.
func TestConnVarExpectations(t *testing.T) {
	l, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	m, err := l.Play(0) // the handshake preset at 25 ms: both ends established
	if err != nil {
		t.Fatal(err)
	}
	nodes := []string{"client", "server"}
	for src, want := range map[string]float64{
		"cwnd of client at the step's end":      3 * 1460, // RFC 5681's IW for an MSS of 1460
		"ssthresh of client at the step's end":  65535,
		"rto of client at the step's end":       200, // the preset's min_rto
		"in-flight of client at the step's end": 5,   // "hello", sent at 20 ms
		"snd.wnd of client at the step's end":   65535,
	} {
		x, err := parseExpect(src, nodes)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		v, i, err := x.eval(m.Trace, m.To)
		if err != nil || !v.IsNumber || v.Number != want || i != -1 {
			t.Errorf("%s = %v (event %d, %v), want %v", src, v, i, err, want)
		}
	}
	for src, want := range map[string]string{
		"cwnd of router at the step's end": `"cwnd of router at the step's end": the scenario has no node "router" (client, server)`,
		"cwnd of client":                   `"cwnd of client": want "cwnd of NODE at the step's end"`,
	} {
		if _, err := parseExpect(src, nodes); err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %s", src, err, want)
		}
	}
}
