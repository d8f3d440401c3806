package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab/sim/lesson"
	"socketlab/sim/view/progress"
)

func TestLessonsLists(t *testing.T) {
	for _, lang := range []string{"", "en", "zh"} {
		args := []string{"lessons"}
		if lang != "" {
			args = append(args, "--lang", lang)
		}
		stdout, stderr, code := runCLI(t, context.Background(), "", args...)
		if code != 0 || stderr != "" {
			t.Fatalf("%q: exit %d, stderr %q", args, code, stderr)
		}
		lines := strings.Split(stdout, "\n")
		list := lesson.List()
		if len(list) < 3 || len(lines) < len(list)+2 {
			t.Fatalf("%q:\n%s", args, stdout)
		}
		for i, l := range list {
			if !strings.HasPrefix(lines[i], l.ID+" ") || !strings.HasSuffix(lines[i], "  "+l.Title.In(lang)) ||
				!strings.Contains(lines[i], " steps ") {
				t.Errorf("%q: line %d = %q, want %s, its steps and its title", args, i, lines[i], l.ID)
			}
		}
	}
}

func TestLessonsCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	data, err := os.ReadFile("../../sim/lesson/lessons/retransmission.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(good, data, 0o644)
	l, _ := lesson.Load("retransmission")
	stdout, stderr, code := runCLI(t, context.Background(), "", "lessons", "check", good)
	if want := good + ": ok, " + strconv.Itoa(len(l.Steps)) + " steps, " + strconv.Itoa(l.Questions()) + " questions\n"; code != 0 || stdout != want || stderr != "" {
		t.Errorf("check good: exit %d, stdout %q, want %q, stderr %q", code, stdout, want, stderr)
	}

	// A wrong answer is found by running the simulator; a format error
	// names its field; both are one line, exit status 1.
	wrongAnswer := filepath.Join(dir, "wrong.json")
	os.WriteFile(wrongAnswer, []byte(strings.Replace(string(data), `"answer": 290,`, `"answer": 300,`, 1)), 0o644)
	badField := filepath.Join(dir, "bad.json")
	os.WriteFile(badField, []byte(strings.Replace(string(data), `"zh": "重传与退避"`, `"zh": ""`, 1)), 0o644)
	for _, tc := range []struct{ file, want string }{
		{wrongAnswer, "socketlab: " + wrongAnswer + ": steps[7].question.answer: 300, but the run shows 290 (time of the next packet from client)\n"},
		{badField, "socketlab: " + badField + ": title.zh: empty\n"},
		{filepath.Join(dir, "none.json"), "socketlab: lessons check: open " + filepath.Join(dir, "none.json") + ": no such file or directory\n"},
		{dir, "socketlab: lessons check: " + dir + " is not a regular file\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", "lessons", "check", tc.file)
		if code != 1 || stdout != "" || stderr != tc.want {
			t.Errorf("check %s: exit %d, stdout %q\nstderr %q\nwant   %q", tc.file, code, stdout, stderr, tc.want)
		}
	}
}

func TestLessonsUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lessons", "check"}, "socketlab: lessons check: want one lesson FILE, got 0 arguments\n"},
		{[]string{"lessons", "check", "a", "b"}, "socketlab: lessons check: want one lesson FILE, got 2 arguments\n"},
		{[]string{"lessons", "chek", "a"}, "socketlab: lessons: unknown argument chek; 'socketlab lessons' lists the lessons, 'socketlab lessons check FILE' checks a file, 'socketlab lessons progress' shows your progress\n"},
		{[]string{"lessons", "--lang", "fr"}, "socketlab: lessons: --lang \"fr\": want en or zh\n"},
		{[]string{"lessons", "check", "x.json", "--lang", "zh"}, "socketlab: lessons check: --lang applies to the list; a check prints no titles\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != 2 || stdout != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q\nstderr %q\nwant   %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

// The README's example lesson is a lesson: it parses, and its answer is
// what the simulator shows.
func TestReadmeLessonExample(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "A teacher's own lesson:\n\n```json\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README: no example lesson after \"A teacher's own lesson:\"")
	}
	l, err := lesson.Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
}

// lessons progress reads the learner's file from the configuration
// directory: a line per lesson, or the file itself with --json; a broken
// file is one line and exit status 1.
func TestLessonsProgress(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	stdout, stderr, code := runCLI(t, context.Background(), "", "lessons", "progress")
	file := filepath.Join(dir, "socketlab", "progress.json")
	if want := "no progress yet (" + file + "): 'socketlab play --lesson NAME' opens a lesson\n"; code != 0 || stdout != want || stderr != "" {
		t.Errorf("no file: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
	p := &progress.Progress{Version: progress.Version, Lessons: []progress.Lesson{{ID: "handshake", Steps: 10, Step: 3,
		Questions: []progress.Question{{Step: 1, Result: progress.Right, Answer: "SYN-SENT", Tries: 1}, {Step: 2, Result: progress.Skipped, Tries: 1}}}}}
	if err := progress.Local().Save(p.Encode()); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = runCLI(t, context.Background(), "", "lessons", "progress")
	if want := "handshake  step 3/10  1 right, 0 wrong, 1 skipped of 10 questions\n\n(kept in " + file + "; --json prints it)\n"; code != 0 || stdout != want || stderr != "" {
		t.Errorf("progress: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
	stdout, _, code = runCLI(t, context.Background(), "", "lessons", "progress", "--json")
	if code != 0 || stdout != string(p.Encode()) {
		t.Errorf("--json: exit %d, stdout %q", code, stdout)
	}
	os.WriteFile(file, []byte(`{"version": 2}`), 0o644)
	_, stderr, code = runCLI(t, context.Background(), "", "lessons", "progress")
	if want := "socketlab: lessons progress: progress: version 2, want 1\n"; code != 1 || stderr != want {
		t.Errorf("broken file: exit %d, stderr %q; want %q", code, stderr, want)
	}
	_, stderr, code = runCLI(t, context.Background(), "", "lessons", "--json")
	if want := "socketlab: lessons: --json applies to 'socketlab lessons progress'\n"; code != 2 || stderr != want {
		t.Errorf("--json alone: exit %d, stderr %q; want %q", code, stderr, want)
	}
}

// play --lesson takes a built-in lesson or a file, checked before any
// window opens: a mistake is one line naming the field, exit status 1;
// a misused flag is a usage error, exit status 2.
func TestPlayLessonMistakes(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../sim/lesson/lessons/retransmission.json")
	if err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(dir, "wrong.json")
	os.WriteFile(wrong, []byte(strings.Replace(string(data), `"answer": 290,`, `"answer": 300,`, 1)), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(data), `"zh": "重传与退避"`, `"zh": ""`, 1)), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--lesson", wrong}, 1, "socketlab: play: " + wrong + ": steps[7].question.answer: 300, but the run shows 290 (time of the next packet from client)\n"},
		{[]string{"--lesson", bad}, 1, "socketlab: play: " + bad + ": title.zh: empty\n"},
		{[]string{"--lesson", filepath.Join(dir, "missing.json")}, 1, "socketlab: play: --lesson: open " + filepath.Join(dir, "missing.json") + ": no such file or directory\n"},
		{[]string{"--lesson", "nope"}, 2, "socketlab: play: --lesson: no lesson or file \"nope\" (lessons: " + shippedIDs() + ")\n"},
		{[]string{"--lesson", "handshake", "--step", "11"}, 2, "socketlab: play: --step 11: lesson handshake has 10 steps\n"},
		{[]string{"--lesson", "handshake", "--step", "-1"}, 2, "socketlab: play: --step -1: out of range 0 to 100 (see 'socketlab play --help')\n"},
		{[]string{"--lesson", "handshake", "--scenario", "lost-syn"}, 2, "socketlab: play: --scenario does not apply to --lesson (its steps choose the scenario and the moment; --step chooses the step)\n"},
		{[]string{"--step", "2"}, 2, "socketlab: play: --step applies to --lesson\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", append([]string{"play"}, tc.args...)...)
		if code != tc.code || stderr != tc.want {
			t.Errorf("play %q: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// play --lesson in a real window: the screenshot shows the step asked
// for (tried for real with --try), and writes no progress (a screenshot
// is not the learner's).
func TestPlayLessonScreenshot(t *testing.T) {
	xvfb, err := exec.LookPath("xvfb-run")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xvfb-run is missing (make deps installs it)")
		}
		t.Skip("xvfb-run is missing")
	}
	// With --try the step's question is skipped and its real program
	// runs on loopback before the picture is taken.
	for _, tc := range []struct{ args, want string }{
		{"--lesson handshake --step 2 --lang zh", "handshake at step 2/10"},
		{"--lesson connect-errors --step 3 --try", "connect-errors at step 3/8"},
	} {
		dir := t.TempDir()
		shot := filepath.Join(dir, "lesson.png")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, xvfb, "-a", "-s", "-screen 0 1280x800x24", os.Args[0])
		cmd.Env = append(os.Environ(), "SOCKETLAB_TEST_ARGS=play "+tc.args+" --screenshot "+shot,
			"XDG_CONFIG_HOME="+dir, "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.args, err, out)
		}
		if want := "wrote " + shot + " (1280x800, " + tc.want + ")\n"; string(out) != want {
			t.Fatalf("%s: output %q, want %q", tc.args, out, want)
		}
		b, err := os.ReadFile(shot)
		if err != nil || len(b) < 8 || string(b[1:4]) != "PNG" {
			t.Fatalf("%s: no PNG written: %v", tc.args, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "socketlab", "progress.json")); !os.IsNotExist(err) {
			t.Errorf("%s: the screenshot wrote the progress file: %v", tc.args, err)
		}
	}
}

// shippedIDs lists the shipped lessons' ids in teaching order, as play's
// error message does.
func shippedIDs() string {
	var ids []string
	for _, l := range lesson.List() {
		ids = append(ids, l.ID)
	}
	return strings.Join(ids, ", ")
}
