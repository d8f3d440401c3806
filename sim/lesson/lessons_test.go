package lesson

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestShippedLessons walks every shipped lesson end to end: it loads,
// has 5 to 15 steps, every step's scenario runs and its cursor and
// highlight are found in the run, and every question's shipped answer
// is what the simulator then shows. Each answer is also mutated, and
// the check must then fail: a test that cannot fail proves nothing.
func TestShippedLessons(t *testing.T) {
	files, err := filepath.Glob("lessons/*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("%d shipped lessons (%v), want at least 3", len(files), err)
	}
	list := List()
	if len(list) != len(files) {
		t.Fatalf("List() has %d lessons, lessons/ %d files", len(list), len(files))
	}
	for i, info := range list {
		if i > 0 && list[i-1].Chapter >= info.Chapter {
			t.Errorf("%s: chapter %d does not follow %s's %d", info.ID, info.Chapter, list[i-1].ID, list[i-1].Chapter)
		}
	}
	questions := 0
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(id, func(t *testing.T) {
			l, err := Load(id)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(l.Steps); n < 5 || n > 15 {
				t.Errorf("%d steps, want 5 to 15", n)
			}
			// The file is in the canonical encoding, so that a diff of a
			// lesson shows only what changed.
			data, _ := os.ReadFile(f)
			if enc, _ := l.Encode(); !bytes.Equal(enc, data) {
				t.Errorf("%s is not in canonical form (Parse, then Encode, and write the result)", f)
			}
			bilingualComplete(t, l)
			if err := l.Verify(); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			for i := range l.Steps {
				s := &l.Steps[i]
				m, err := l.Play(i)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if m.To.N == 0 || m.To.N > len(m.Trace.Events) || m.From.N > m.To.N {
					t.Errorf("step %d: cursor %v–%v outside the run's %d events", i, m.From, m.To, len(m.Trace.Events))
				}
				if len(m.Highlight) != len(s.Highlight) {
					t.Errorf("step %d: highlight %v for %d marks", i, m.Highlight, len(s.Highlight))
				}
				q := s.Question
				if q == nil {
					continue
				}
				questions++
				checkQuestion(t, l, i, q, *m.Expected)
			}
		})
	}
	if questions < 15 {
		t.Errorf("%d questions in all the shipped lessons", questions)
	}
}

// checkQuestion holds step i's question to the run: its answer is what
// the run shows, Check takes it, and every other answer is refused by
// Check and by Verify.
func checkQuestion(t *testing.T, l *Lesson, i int, q *Question, got Value) {
	t.Helper()
	if !answers(q, got) {
		t.Errorf("step %d: answer %s, the run shows %s (%s)", i, q.Answer, got, q.Expect)
	}
	var wrong []string
	if q.Kind == "number" {
		if !q.Check(q.Answer.String()) || !q.Check(" "+q.Answer.String()+" ms") {
			t.Errorf("step %d: Check refuses the answer %s", i, q.Answer)
		}
		for _, d := range []float64{1, -1, 1000} {
			wrong = append(wrong, strconv.FormatFloat(q.Answer.Number+d, 'f', -1, 64))
		}
	} else {
		if !q.Check(q.Answer.Value) || !q.Check(strings.ToLower(q.Answer.Value)) {
			t.Errorf("step %d: Check refuses the answer %s", i, q.Answer.Value)
		}
		for _, c := range q.Choices {
			if c.Value != q.Answer.Value {
				wrong = append(wrong, c.Value)
			}
		}
	}
	for _, w := range wrong {
		if q.Check(w) {
			t.Errorf("step %d: Check takes the wrong answer %q", i, w)
		}
		// The same lesson with the wrong answer shipped must not verify.
		m, err := Parse(mustEncode(t, l))
		if err != nil {
			t.Fatal(err)
		}
		mq := m.Steps[i].Question
		if mq.Kind == "number" {
			mq.Answer.Number, _ = strconv.ParseFloat(w, 64)
		} else {
			mq.Answer.Value = w
		}
		err = m.Verify()
		want := "steps[" + strconv.Itoa(i) + "].question.answer: " + w + ", but the run shows " + got.String()
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("step %d with answer %s: Verify says %v, want %q…", i, w, err, want)
		}
	}
}

func mustEncode(t *testing.T, l *Lesson) []byte {
	t.Helper()
	b, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bilingualComplete checks every text of l: English without Chinese
// characters, Chinese with them.
func bilingualComplete(t *testing.T, l *Lesson) {
	t.Helper()
	check := func(where string, tx Text) {
		if strings.TrimSpace(tx.EN) == "" || hasHan(tx.EN) {
			t.Errorf("%s.en = %q: want English", where, tx.EN)
		}
		if !hasHan(tx.ZH) {
			t.Errorf("%s.zh = %q: want Chinese", where, tx.ZH)
		}
	}
	check("title", l.Title)
	for i, s := range l.Steps {
		p := index("steps", i)
		check(p+".narration", s.Narration)
		if q := s.Question; q != nil {
			check(p+".question.prompt", q.Prompt)
			check(p+".question.hint", q.Hint)
			check(p+".question.explain.right", q.Explain.Right)
			check(p+".question.explain.wrong", q.Explain.Wrong)
			for j, c := range q.Choices {
				// A TCP state or a flag reads the same in both languages.
				if c.EN == c.Value && c.ZH == c.Value {
					continue
				}
				check(index(p+".question.choices", j), Text{c.EN, c.ZH})
			}
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
