// Package lesson reads lessons: ordered steps through simulated runs,
// each a moment of a scenario (a preset or a scenario of its own, a cursor
// or a range of the run, the packets to highlight), a narration in
// English and Chinese and, if the author wants, a question the simulator
// checks.
//
// A lesson is one JSON document (lessons/*.json are the ones that ship;
// a teacher may write their own):
//
//	{
//	  "id": "handshake",
//	  "title": {"en": "…", "zh": "…"},
//	  "chapter": 1,
//	  "steps": [{
//	    "scenario": "handshake",                       // a preset, or an inline scenario object
//	    "at": "the 1st deliver at server of a SYN",    // or "25ms"; or "from" and "to"
//	    "highlight": [1, "the next packet from server"],
//	    "narration": {"en": "…", "zh": "…"},
//	    "real": "tcp-client",                          // optional: the real program to try (RealPrograms)
//	    "question": {
//	      "kind": "number",                            // or "choice", with "choices"
//	      "prompt": {"en": "…", "zh": "…"},
//	      "answer": 1,                                 // a choice's value for "choice"
//	      "expect": "ack of the next packet from server",
//	      "hint": {"en": "…", "zh": "…"},
//	      "explain": {"right": {"en": "…", "zh": "…"}, "wrong": {"en": "…", "zh": "…"}}
//	    }
//	  }]
//	}
//
// Parse decodes strictly: an unknown or repeated field, a value of the
// wrong type, an empty text, a selector that does not parse or names a
// node the scenario lacks, is an error naming its field path, e.g.
// "steps[3].question.choices[1].zh: empty". Verify then runs every step
// and checks that every shipped answer is what the simulator shows.
//
// Like the simulator, the package reads no clock, draws no random number
// and starts no goroutine (sim/purity_test.go walks it too).
package lesson

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"socketlab/sim"
)

// Limits of a lesson document.
const (
	MaxSize    = 1 << 20 // bytes of JSON
	maxText    = 4000    // bytes of one text
	maxSteps   = 100
	maxChoices = 8
	maxChapter = 99
)

// Text is one text in both languages.
type Text struct {
	EN string `json:"en"`
	ZH string `json:"zh"`
}

// In returns the text in lang: "zh" for Chinese, English otherwise.
func (t Text) In(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		return t.ZH
	}
	return t.EN
}

// Lesson is a parsed lesson.
type Lesson struct {
	ID      string `json:"id"`
	Title   Text   `json:"title"`
	Chapter int    `json:"chapter"` // its place in the teaching order; List sorts by it
	Steps   []Step `json:"steps"`
}

// Step is one moment of a lesson.
type Step struct {
	Scenario  ScenarioRef `json:"scenario"`
	At        string      `json:"at,omitempty"`   // a cursor: "25ms" or a selector
	From      string      `json:"from,omitempty"` // or a range: from …
	To        string      `json:"to,omitempty"`   // … to
	Highlight []Mark      `json:"highlight,omitempty"`
	Narration Text        `json:"narration"`
	Question  *Question   `json:"question,omitempty"`
	// Real names the textbook's real program that does what the step
	// shows, one of RealPrograms: a player may run it on real sockets and
	// draw its exchange beside the simulated one ("try it for real").
	Real string `json:"real,omitempty"`

	from, to cursor // parsed; from == to for at
	marks    []*selector
}

// RealPrograms is the closed set of real programs a step may name in
// "real". A player maps each to a client of its own live mode (socketlab
// play --live's clients on loopback, the browser's bridge to the demo
// servers); a name outside the set is a mistake in the lesson, not a
// program the player guesses at.
var RealPrograms = []string{
	"tcp-client",   // tsTclnt.py sends "hello" to the TCP timestamp server
	"socketserver", // tsTclntSS.py: one line, one connection, to the SocketServer timestamp server
	"udp-client",   // tsUclnt.py sends a datagram to the UDP timestamp server
	"udp-echo",     // a datagram to the UDP echo server and back
	"get",          // the HTTP/1.0 GET with half-close
	"refused",      // tsTclnt.py connects to a port where nothing listens
}

// ScenarioRef is a step's scenario: a preset's name, or a scenario of
// the lesson's own (the scenario JSON, inline).
type ScenarioRef struct {
	Preset string
	Inline *sim.Scenario
}

// MarshalJSON writes the preset's name or the inline scenario.
func (r ScenarioRef) MarshalJSON() ([]byte, error) {
	if r.Inline != nil {
		return json.Marshal(r.Inline)
	}
	return json.Marshal(r.Preset)
}

// Load returns a fresh copy of the scenario.
func (r ScenarioRef) Load() (*sim.Scenario, error) {
	if r.Inline != nil {
		return r.Inline.Clone(), nil
	}
	return sim.LoadPreset(r.Preset)
}

// Mark is a packet to highlight: its number, or a selector.
type Mark struct {
	Packet uint64
	Select string
}

// MarshalJSON writes the number or the selector.
func (m Mark) MarshalJSON() ([]byte, error) {
	if m.Select != "" {
		return json.Marshal(m.Select)
	}
	return json.Marshal(m.Packet)
}

// Question asks the learner to predict what the run will show.
type Question struct {
	Kind      string   `json:"kind"` // "number" or "choice"
	Prompt    Text     `json:"prompt"`
	Choices   []Choice `json:"choices,omitempty"` // choice only
	Answer    Answer   `json:"answer"`
	Tolerance float64  `json:"tolerance,omitempty"` // number only: how far off an answer may be
	Expect    string   `json:"expect"`              // what in the run the answer must equal
	Hint      Text     `json:"hint"`
	Explain   Explain  `json:"explain"`

	expect *expectation
}

// Choice is one answer of a choice question: the value Check compares,
// and what the learner reads.
type Choice struct {
	Value string `json:"value"`
	EN    string `json:"en"`
	ZH    string `json:"zh"`
}

// Explain is said after an answer: why it is right, or what was missed.
type Explain struct {
	Right Text `json:"right"`
	Wrong Text `json:"wrong"`
}

// Answer is a question's answer: a number, or a choice's value.
type Answer struct {
	IsNumber bool
	Number   float64
	Value    string
}

// MarshalJSON writes a JSON number or string.
func (a Answer) MarshalJSON() ([]byte, error) {
	if a.IsNumber {
		return json.Marshal(a.Number)
	}
	return json.Marshal(a.Value)
}

func (a Answer) String() string {
	if a.IsNumber {
		return strconv.FormatFloat(a.Number, 'f', -1, 64)
	}
	return a.Value
}

// Check reports whether input is the answer: a number within the
// tolerance (a trailing "ms" is allowed), or a choice's value (case and
// surrounding spaces do not matter).
func (q *Question) Check(input string) bool {
	return q.CheckValue(input, Value{IsNumber: q.Answer.IsNumber, Number: q.Answer.Number, Word: q.Answer.Value})
}

// CheckValue is Check against v, what the run showed (a Moment's
// Expected), rather than the answer the author wrote: a player lets the
// simulator judge.
func (q *Question) CheckValue(input string, v Value) bool {
	input = strings.TrimSpace(input)
	if q.Kind == "number" {
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(input, "ms")), 64)
		return err == nil && v.IsNumber && math.Abs(f-v.Number) <= q.Tolerance
	}
	return !v.IsNumber && strings.EqualFold(input, v.Word)
}

// Questions counts the lesson's questions.
func (l *Lesson) Questions() int {
	n := 0
	for _, s := range l.Steps {
		if s.Question != nil {
			n++
		}
	}
	return n
}

// Encode writes the lesson in the format Parse reads, indented: Parse
// of Encode gives the same lesson, and Encode of that the same bytes.
func (l *Lesson) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(l); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Parse decodes and validates a lesson; see the package comment.
func Parse(data []byte) (*Lesson, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("lesson: %d bytes is more than %d", len(data), MaxSize)
	}
	raw, err := document(data)
	if err != nil {
		return nil, err
	}
	m, err := object("", raw, "id", "title", "chapter", "steps")
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"id", "title", "chapter", "steps"} {
		if _, ok := m[f]; !ok {
			return nil, errAt(f, "missing")
		}
	}
	l := &Lesson{}
	if l.ID, err = str("id", m["id"]); err != nil {
		return nil, err
	}
	if len(l.ID) > 40 || !idPattern.MatchString(l.ID) {
		return nil, errAt("id", "%q: want lower-case words joined by '-', e.g. \"tcp-vs-udp\" (at most 40 characters)", l.ID)
	}
	if l.Title, err = bilingual("title", m["title"]); err != nil {
		return nil, err
	}
	if l.Chapter, err = integer("chapter", m["chapter"], 1, maxChapter); err != nil {
		return nil, err
	}
	steps, err := array("steps", m["steps"])
	if err != nil {
		return nil, err
	}
	if len(steps) == 0 || len(steps) > maxSteps {
		return nil, errAt("steps", "%d steps: want 1 to %d", len(steps), maxSteps)
	}
	for i, raw := range steps {
		s, err := parseStep(index("steps", i), raw)
		if err != nil {
			return nil, err
		}
		l.Steps = append(l.Steps, *s)
	}
	return l, nil
}

func parseStep(path string, raw []byte) (*Step, error) {
	m, err := object(path, raw, "scenario", "at", "from", "to", "highlight", "narration", "question", "real")
	if err != nil {
		return nil, err
	}
	s := &Step{}
	rs, ok := m["scenario"]
	if !ok {
		return nil, errAt(join(path, "scenario"), "missing: a preset's name or a scenario object")
	}
	var sc *sim.Scenario
	switch describe(rs) {
	case "a string":
		if s.Scenario.Preset, err = str(join(path, "scenario"), rs); err != nil {
			return nil, err
		}
		if sc, err = sim.LoadPreset(s.Scenario.Preset); err != nil {
			return nil, errAt(join(path, "scenario"), "%v", err)
		}
	case "an object":
		if sc, err = sim.ParseScenario(rs); err != nil {
			msg := err.Error()
			if f, ok := strings.CutPrefix(msg, `scenario: json: unknown field "`); ok {
				return nil, errAt(join(join(path, "scenario"), strings.TrimSuffix(f, `"`)), "unknown field")
			}
			if rest, ok := strings.CutPrefix(msg, "scenario: "); ok {
				return nil, errAt(join(path, "scenario"), "%s", rest)
			}
			return nil, fmt.Errorf("%s.%s", join(path, "scenario"), msg)
		}
		s.Scenario.Inline = sc
	default:
		return nil, errAt(join(path, "scenario"), "want a preset's name or a scenario object, got %s", describe(rs))
	}
	var nodes []string
	for _, n := range slices.Concat(sc.Hosts, sc.Routers) {
		nodes = append(nodes, n.Name)
	}

	_, hasAt := m["at"]
	_, hasFrom := m["from"]
	_, hasTo := m["to"]
	switch {
	case hasAt && (hasFrom || hasTo):
		return nil, errAt(join(path, "at"), "give either at or from and to, not both")
	case !hasAt && !hasFrom && !hasTo:
		return nil, errAt(join(path, "at"), "missing: the step's cursor (\"25ms\", an event) or from and to")
	case !hasAt && !hasFrom:
		return nil, errAt(join(path, "from"), "missing: a range needs from and to")
	case !hasAt && !hasTo:
		return nil, errAt(join(path, "to"), "missing: a range needs from and to")
	}
	readCursor := func(field string, dst *string, c *cursor) error {
		p := join(path, field)
		if *dst, err = text(p, m[field]); err != nil {
			return err
		}
		if *c, err = parseCursor(*dst, nodes); err != nil {
			return errAt(p, "%v", err)
		}
		return nil
	}
	if hasAt {
		if err := readCursor("at", &s.At, &s.to); err != nil {
			return nil, err
		}
		s.from = s.to
	} else {
		if err := readCursor("from", &s.From, &s.from); err != nil {
			return nil, err
		}
		if err := readCursor("to", &s.To, &s.to); err != nil {
			return nil, err
		}
		if s.from.sel == nil && s.to.sel == nil && s.from.at > s.to.at {
			return nil, errAt(join(path, "to"), "%s is before from (%s)", s.To, s.From)
		}
	}

	if rh, ok := m["highlight"]; ok {
		items, err := array(join(path, "highlight"), rh)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 || len(items) > 100 {
			return nil, errAt(join(path, "highlight"), "%d packets: want 1 to 100, or leave highlight out", len(items))
		}
		for j, it := range items {
			p := index(join(path, "highlight"), j)
			var mk Mark
			var sel *selector
			if describe(it) == "a number" {
				n, err := integer(p, it, 1, math.MaxInt32)
				if err != nil {
					return nil, err
				}
				mk.Packet = uint64(n)
				sel = &selector{src: "packet " + strconv.Itoa(n), packet: uint64(n)}
			} else {
				if mk.Select, err = text(p, it); err != nil {
					return nil, errAt(p, "want a packet number or a selector: %v", strings.TrimPrefix(err.Error(), p+": "))
				}
				if sel, err = parseSelector(mk.Select, nodes); err != nil {
					return nil, errAt(p, "%v", err)
				}
				if sel.packet == 0 && !packetKind(sel.kind) {
					return nil, errAt(p, "%q names a %s event; highlight wants packets", mk.Select, sel.kind)
				}
			}
			s.Highlight = append(s.Highlight, mk)
			s.marks = append(s.marks, sel)
		}
	}

	rn, ok := m["narration"]
	if !ok {
		return nil, errAt(join(path, "narration"), "missing")
	}
	if s.Narration, err = bilingual(join(path, "narration"), rn); err != nil {
		return nil, err
	}
	if rq, ok := m["question"]; ok {
		if s.Question, err = parseQuestion(join(path, "question"), rq, nodes); err != nil {
			return nil, err
		}
	}
	if rr, ok := m["real"]; ok {
		if s.Real, err = str(join(path, "real"), rr); err != nil {
			return nil, err
		}
		if !slices.Contains(RealPrograms, s.Real) {
			return nil, errAt(join(path, "real"), "%q: want one of %s", s.Real, strings.Join(RealPrograms, ", "))
		}
	}
	return s, nil
}

func parseQuestion(path string, raw []byte, nodes []string) (*Question, error) {
	m, err := object(path, raw, "kind", "prompt", "choices", "answer", "tolerance", "expect", "hint", "explain")
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"kind", "prompt", "answer", "expect", "hint", "explain"} {
		if _, ok := m[f]; !ok {
			return nil, errAt(join(path, f), "missing")
		}
	}
	q := &Question{}
	if q.Kind, err = str(join(path, "kind"), m["kind"]); err != nil {
		return nil, err
	}
	if q.Kind != "number" && q.Kind != "choice" {
		return nil, errAt(join(path, "kind"), "%q: want number or choice", q.Kind)
	}
	if q.Prompt, err = bilingual(join(path, "prompt"), m["prompt"]); err != nil {
		return nil, err
	}
	rc, hasChoices := m["choices"]
	rt, hasTol := m["tolerance"]
	ra := m["answer"]
	if q.Kind == "number" {
		if hasChoices {
			return nil, errAt(join(path, "choices"), "a number question has no choices (or make kind \"choice\")")
		}
		if q.Answer.Number, err = number(join(path, "answer"), ra); err != nil {
			return nil, err
		}
		q.Answer.IsNumber = true
		if hasTol {
			if q.Tolerance, err = number(join(path, "tolerance"), rt); err != nil {
				return nil, err
			}
			if q.Tolerance < 0 || q.Tolerance > 1e9 {
				return nil, errAt(join(path, "tolerance"), "%v is out of range [0, 1e9]", q.Tolerance)
			}
		}
	} else {
		if hasTol {
			return nil, errAt(join(path, "tolerance"), "only a number question has a tolerance")
		}
		if !hasChoices {
			return nil, errAt(join(path, "choices"), "missing: a choice question needs 2 to %d choices", maxChoices)
		}
		items, err := array(join(path, "choices"), rc)
		if err != nil {
			return nil, err
		}
		if len(items) < 2 || len(items) > maxChoices {
			return nil, errAt(join(path, "choices"), "%d choices: want 2 to %d", len(items), maxChoices)
		}
		for j, it := range items {
			p := index(join(path, "choices"), j)
			cm, err := object(p, it, "value", "en", "zh")
			if err != nil {
				return nil, err
			}
			var c Choice
			for _, f := range []struct {
				name string
				dst  *string
			}{{"value", &c.Value}, {"en", &c.EN}, {"zh", &c.ZH}} {
				v, ok := cm[f.name]
				if !ok {
					return nil, errAt(join(p, f.name), "missing")
				}
				if *f.dst, err = text(join(p, f.name), v); err != nil {
					return nil, err
				}
			}
			for k, o := range q.Choices {
				if strings.EqualFold(o.Value, c.Value) {
					return nil, errAt(join(p, "value"), "%q is also the value of choices[%d]", c.Value, k)
				}
			}
			q.Choices = append(q.Choices, c)
		}
		if q.Answer.Value, err = str(join(path, "answer"), ra); err != nil {
			return nil, errAt(join(path, "answer"), "want the value of one of the choices, got %s", describe(ra))
		}
		if !slices.ContainsFunc(q.Choices, func(c Choice) bool { return c.Value == q.Answer.Value }) {
			var vals []string
			for _, c := range q.Choices {
				vals = append(vals, c.Value)
			}
			return nil, errAt(join(path, "answer"), "%q is not one of the choices' values (%s)", q.Answer.Value, strings.Join(vals, ", "))
		}
	}
	if q.Expect, err = text(join(path, "expect"), m["expect"]); err != nil {
		return nil, err
	}
	if q.expect, err = parseExpect(q.Expect, nodes); err != nil {
		return nil, errAt(join(path, "expect"), "%v", err)
	}
	if q.expect.numeric() != (q.Kind == "number") {
		kind := "a word: make kind \"choice\""
		if q.expect.numeric() {
			kind = "a number: make kind \"number\""
		}
		return nil, errAt(join(path, "expect"), "%q gives %s", q.Expect, kind)
	}
	if q.Hint, err = bilingual(join(path, "hint"), m["hint"]); err != nil {
		return nil, err
	}
	em, err := object(join(path, "explain"), m["explain"], "right", "wrong")
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *Text
	}{{"right", &q.Explain.Right}, {"wrong", &q.Explain.Wrong}} {
		v, ok := em[f.name]
		if !ok {
			return nil, errAt(join(join(path, "explain"), f.name), "missing")
		}
		if *f.dst, err = bilingual(join(join(path, "explain"), f.name), v); err != nil {
			return nil, err
		}
	}
	return q, nil
}

//go:embed lessons/*.json
var lessonFS embed.FS

// Info describes a shipped lesson.
type Info struct {
	ID        string
	Title     Text
	Chapter   int
	Steps     int
	Questions int
}

// List returns the shipped lessons in teaching order (by chapter, then id).
func List() []Info {
	entries, err := lessonFS.ReadDir("lessons")
	if err != nil {
		panic("lesson: " + err.Error())
	}
	var out []Info
	for _, e := range entries {
		id := strings.TrimSuffix(e.Name(), ".json")
		l, err := Load(id)
		if err != nil {
			panic("lesson: broken shipped lesson: " + err.Error()) // caught by the tests
		}
		out = append(out, Info{ID: l.ID, Title: l.Title, Chapter: l.Chapter, Steps: len(l.Steps), Questions: l.Questions()})
	}
	slices.SortStableFunc(out, func(a, b Info) int {
		if a.Chapter != b.Chapter {
			return a.Chapter - b.Chapter
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Load returns a fresh copy of the shipped lesson with this id.
func Load(id string) (*Lesson, error) {
	data, err := lessonFS.ReadFile("lessons/" + id + ".json")
	if err != nil || !idPattern.MatchString(id) {
		var ids []string
		entries, _ := lessonFS.ReadDir("lessons")
		for _, e := range entries {
			ids = append(ids, strings.TrimSuffix(e.Name(), ".json"))
		}
		return nil, fmt.Errorf("no lesson named %q (one of %s)", id, strings.Join(ids, ", "))
	}
	l, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("lesson %s: %v", id, err)
	}
	if l.ID != id {
		return nil, fmt.Errorf("lesson %s: its id is %q", id, l.ID)
	}
	return l, nil
}
