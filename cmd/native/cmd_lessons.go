package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"socketlab/sim/caption"
	"socketlab/sim/lesson"
	"socketlab/sim/view/progress"
)

var lessonsCmd = &command{
	name:    "lessons",
	args:    "[--lang en|zh] | check FILE | progress [--json]",
	summary: "list the built-in lessons (steps through simulated runs, with questions the simulator checks; 'socketlab play --lesson NAME' opens one); 'check FILE' validates a lesson file of your own; 'progress' shows what you have done in them",
	parse:   parseLessons,
}

func parseLessons(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	langFlag := fs.String("lang", "", "the titles' language: `en` (the default) or zh (简体中文)")
	asJSON := fs.Bool("json", false, "with progress: print the progress file itself (JSON), e.g. to hand it to a teacher")
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	lang, ok := caption.English, true
	if *langFlag != "" {
		lang, ok = caption.ParseLang(*langFlag)
	}
	if !ok {
		return nil, usagef("lessons: --lang %s: want en or zh", strconv.Quote(*langFlag))
	}
	if wasFlagGiven(fs, "json") && (len(pos) == 0 || pos[0] != "progress") {
		return nil, usagef("lessons: --json applies to 'socketlab lessons progress'")
	}
	switch {
	case len(pos) == 0:
		return func(context.Context) error { return listLessons(std.Out, lang) }, nil
	case pos[0] == "progress" && len(pos) != 1:
		return nil, usagef("lessons progress: unexpected argument %s", shown(pos[1]))
	case pos[0] == "progress":
		return func(context.Context) error { return showProgress(std.Out, progress.Local(), *asJSON) }, nil
	case pos[0] != "check":
		return nil, usagef("lessons: unknown argument %s; 'socketlab lessons' lists the lessons, 'socketlab lessons check FILE' checks a file, 'socketlab lessons progress' shows your progress", shown(pos[0]))
	case len(pos) != 2:
		return nil, usagef("lessons check: want one lesson FILE, got %d arguments", len(pos)-1)
	case wasFlagGiven(fs, "lang"):
		return nil, usagef("lessons check: --lang applies to the list; a check prints no titles")
	}
	path := pos[1]
	return func(context.Context) error { return checkLesson(std.Out, path) }, nil
}

func listLessons(w io.Writer, lang caption.Lang) error {
	width := 0
	for _, l := range lesson.List() {
		width = max(width, len(l.ID))
	}
	for _, l := range lesson.List() {
		fmt.Fprintf(w, "%-*s  %2d steps  %2d questions  %s\n", width, l.ID, l.Steps, l.Questions, l.Title.In(string(lang)))
	}
	fmt.Fprintln(w, "\n'socketlab play --lesson NAME' opens one in the playground.")
	fmt.Fprintln(w, "'socketlab lessons check FILE' checks a lesson of your own: its format, and every answer against the simulator.")
	return nil
}

// showProgress prints the learner's progress in the lessons: a line per
// lesson, or the file itself with asJSON.
func showProgress(w io.Writer, st progress.Store, asJSON bool) error {
	data, err := st.Load()
	if err != nil {
		return fmt.Errorf("lessons progress: %v", err)
	}
	p, err := progress.Parse(data)
	if err != nil {
		return fmt.Errorf("lessons progress: %v", err)
	}
	if asJSON {
		_, err := w.Write(p.Encode())
		return err
	}
	where, _ := progress.Where()
	if len(p.Lessons) == 0 {
		fmt.Fprintf(w, "no progress yet (%s): 'socketlab play --lesson NAME' opens a lesson\n", where)
		return nil
	}
	width := 0
	for _, l := range p.Lessons {
		width = max(width, len(l.ID))
	}
	for _, l := range p.Lessons {
		questions := "?"
		if s, err := lesson.Load(l.ID); err == nil {
			questions = strconv.Itoa(s.Questions())
		}
		fmt.Fprintf(w, "%-*s  step %d/%d  %d right, %d wrong, %d skipped of %s questions\n", width, l.ID, l.Step, l.Steps,
			l.Count(progress.Right), l.Count(progress.Wrong), l.Count(progress.Skipped), questions)
	}
	fmt.Fprintf(w, "\n(kept in %s; --json prints it)\n", where)
	return nil
}

// checkLesson parses the lesson file at path, plays every step and
// checks every answer; a mistake is one line naming the file and the
// field.
func checkLesson(w io.Writer, path string) error {
	data, err := readLessonFile(path)
	if err != nil {
		return fmt.Errorf("lessons check: %v", err)
	}
	l, err := lesson.Parse(data)
	if err == nil {
		err = l.Verify()
	}
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	fmt.Fprintf(w, "%s: ok, %s, %s\n", path, plural(len(l.Steps), "step"), plural(l.Questions(), "question"))
	return nil
}

// plural is "1 step", "2 steps".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// readLessonFile reads a regular file of at most lesson.MaxSize bytes.
func readLessonFile(path string) ([]byte, error) {
	return readSmallFile(path, lesson.MaxSize, "a lesson is a few dozen KiB of JSON")
}
