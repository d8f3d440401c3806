package progress

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseAndEncode(t *testing.T) {
	p, err := Parse(nil)
	if err != nil || p.Version != Version || len(p.Lessons) != 0 {
		t.Fatalf("Parse(nil) = %+v, %v", p, err)
	}
	l := p.Lesson("handshake")
	l.Steps, l.Step = 10, 4
	l.Question(3).Result = Wrong
	l.Question(1).Result = Right
	l.Question(3).Tries = 2
	if p.Lesson("handshake") != l || p.Find("nope") != nil || len(p.Lessons) != 1 {
		t.Fatalf("Lesson/Find: %+v", p.Lessons)
	}
	if l.Questions[0].Step != 1 || l.Questions[1].Step != 3 || l.Count(Right) != 1 || l.Count(Wrong) != 1 {
		t.Fatalf("questions %+v", l.Questions)
	}
	want := `{
  "version": 1,
  "lessons": [
    {
      "id": "handshake",
      "steps": 10,
      "step": 4,
      "questions": [
        {
          "step": 1,
          "result": "right",
          "tries": 0
        },
        {
          "step": 3,
          "result": "wrong",
          "tries": 2
        }
      ]
    }
  ]
}
`
	if got := string(p.Encode()); got != want {
		t.Fatalf("Encode:\n%s\nwant\n%s", got, want)
	}
	q, err := Parse([]byte(want))
	if err != nil || string(q.Encode()) != want {
		t.Fatalf("round trip: %v\n%s", err, q.Encode())
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"version": 2}`:                "progress: version 2, want 1",
		`{"version": 1, "extra": true}`: `progress: json: unknown field "extra"`,
		`[1]`:                           "progress: json: cannot unmarshal array into Go value of type progress.Progress",
		`{"version": 1, "lessons": [{"id": "a", "questions": [{"step": 2, "result": "maybe"}]}]}`: `progress: lesson a step 2: result "maybe": want right, wrong, skipped or unanswered`,
	} {
		if _, err := Parse([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("Parse(%s) = %v, want %q", in, err, want)
		}
	}
}

// Local keeps a file under the user's configuration directory, made on
// the first save; nothing saved yet is no data and no error.
func TestLocalFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	where, err := Where()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "socketlab", "progress.json"); where != want {
		t.Fatalf("Where = %s, want %s", where, want)
	}
	st := Local()
	if data, err := st.Load(); err != nil || data != nil {
		t.Fatalf("nothing saved: %q, %v", data, err)
	}
	if err := st.Save([]byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	if data, err := st.Load(); err != nil || string(data) != "{}\n" {
		t.Fatalf("after Save: %q, %v", data, err)
	}
	if _, err := os.Stat(where + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("the temporary file stays: %v", err)
	}
}

func TestMemory(t *testing.T) {
	m := &Memory{}
	data := []byte("x")
	_ = m.Save(data)
	data[0] = 'y'
	if got, _ := m.Load(); string(got) != "x" {
		t.Fatalf("Memory kept %q, want its own copy", got)
	}
}
