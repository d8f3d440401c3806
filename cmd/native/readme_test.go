package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeCommandsExist keeps the user's manual true: every
// `socketlab COMMAND --flag` the README shows is a real command, and every
// flag it uses is one that COMMAND's --help lists.
func TestReadmeCommandsExist(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// A command line: after a shell prompt, in backticks, or opening a line
	// of a code block; prose that merely names socketlab does not count.
	invocation := regexp.MustCompile(`(?m)(?:\$ |` + "`" + `|^)socketlab ([a-z][a-z0-9-]*)((?: [^|;&#\n` + "`" + `]*)?)`)
	flag := regexp.MustCompile(`(?:^|\s)--?([a-z][a-z0-9-]*)`)
	helps := map[string]string{}
	checked := 0
	for _, m := range invocation.FindAllStringSubmatch(string(doc), -1) {
		name, rest := m[1], m[2]
		switch name {
		case "help": // the overview
			continue
		}
		if lookupCommand(name) == nil {
			t.Errorf("README shows %q, but there is no command %q", strings.TrimSpace(m[0]), name)
			continue
		}
		help, ok := helps[name]
		if !ok {
			help, _, _ = runCLI(t, context.Background(), "", name, "--help")
			helps[name] = help
		}
		for _, f := range flag.FindAllStringSubmatch(rest, -1) {
			if f[1] == "help" {
				continue
			}
			checked++
			if !regexp.MustCompile(`(?m)^  -` + regexp.QuoteMeta(f[1]) + `[ \t\n]`).MatchString(help + "\n") {
				t.Errorf("README runs %q with --%s, which 'socketlab %s --help' does not list", strings.TrimSpace(m[0]), f[1], name)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("checked only %d flags in the README; the pattern no longer finds the examples", checked)
	}
}
