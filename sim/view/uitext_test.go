package view

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// sameInBothLanguages are the only words the view may draw without the
// catalogue: they read the same in English and Chinese. A string literal
// passes when each of its words (runs of letters, digits and . - + that
// hold a letter) is one of them.
var sameInBothLanguages = map[string]string{
	// units
	"ms": "unit", "s": "unit", "kbit": "unit", "Mbit": "unit", "Gbit": "unit",
	// technical names of the host panel's widest lines (hostWidest): the
	// RFC 793 / RFC 6298 variables, as layout.HostLines prints them
	"SYN-RECEIVED": "TCP state", "SND.UNA": "TCP variable", "SND.NXT": "TCP variable",
	"RCV.NXT": "TCP variable", "SND.WND": "TCP variable", "RCV.WND": "TCP variable",
	"in-flight": "TCP variable", "cwnd": "TCP variable", "ssthresh": "TCP variable",
	"dupacks": "TCP variable", "SRTT": "TCP variable", "RTTVAR": "TCP variable", "RTO": "TCP variable",
	// the program's name (the window title) and the language codes
	"socketlab": "program name", "en": "language code", "zh": "language code",
}

// notDrawn are the functions whose string arguments never reach the
// screen: errors (the status line shows them after "status.error", in the
// words of whatever failed), tests on text, the environment, and the
// what-if actions' names (the status line translates them by whatIfKey).
var notDrawn = map[string]bool{
	"errors.New": true, "fmt.Errorf": true, "panic": true,
	"strings.Contains": true, "strings.HasPrefix": true, "strings.HasSuffix": true,
	"os.Getenv": true, "WhatIf": true,
}

// callName names a call's function: "fmt.Errorf", or a method's name.
func callName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok && (x.Name == "fmt" || x.Name == "errors" || x.Name == "strings" || x.Name == "os") {
			return x.Name + "." + f.Sel.Name
		}
		return f.Sel.Name
	}
	return ""
}

var wordRE = regexp.MustCompile(`[\p{L}\p{N}.+\-]+`)

// sameWords reports whether every word of s with a letter in it is one
// of sameInBothLanguages.
func sameWords(s string) bool {
	for _, w := range wordRE.FindAllString(s, -1) {
		w = strings.Trim(w, ".-+")
		if strings.IndexFunc(w, unicode.IsLetter) < 0 {
			continue
		}
		if _, ok := sameInBothLanguages[w]; !ok {
			return false
		}
	}
	return true
}

// Every string the view draws comes from the catalogue (uiText, or the
// caption package for captions, preset titles and roles): a string
// literal with a letter in it may appear in the view's sources only as a
// catalogue key, in the catalogue itself, in a comparison or a switch's
// case (names of themes, actions, font tables), as an argument of a
// function that does not draw (notDrawn), or made only of words that read
// the same in both languages (sameInBothLanguages). Every key a tr call
// names exists, with as many arguments as its text has verbs, and every
// key of the catalogue is used.
func TestViewTextFromCatalogue(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		var stack []ast.Node
		ast.Inspect(af, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			parent := ast.Node(nil)
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, n)
			switch n := n.(type) {
			case *ast.ImportSpec:
				stack = stack[:len(stack)-1]
				return false
			case *ast.Field:
				n.Tag = nil // a struct tag is never drawn
			case *ast.ValueSpec:
				if len(n.Names) == 1 && n.Names[0].Name == "uiText" {
					stack = stack[:len(stack)-1]
					return false // the catalogue itself: TestUITextComplete
				}
			case *ast.CallExpr:
				name := callName(n)
				k := map[string]int{"tr": 0, "uiTr": 1}
				i, ok := k[name]
				if !ok || len(n.Args) <= i {
					break
				}
				lit, ok := n.Args[i].(*ast.BasicLit)
				if !ok {
					break // a key from a table or a function: its literals are checked where they are
				}
				key, _ := strconv.Unquote(lit.Value)
				j, ok := uiIndex[key]
				if !ok {
					t.Errorf("%s: %s(%q): no such key in uiText", fset.Position(lit.Pos()), name, key)
					break
				}
				if n.Ellipsis == token.NoPos {
					if got, want := len(n.Args)-i-1, len(verbs(uiText[j].en)); got != want {
						t.Errorf("%s: %s(%q) has %d arguments, its text %q has %d verbs", fset.Position(lit.Pos()), name, key, got, uiText[j].en, want)
					}
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					break
				}
				s, err := strconv.Unquote(n.Value)
				if err != nil {
					t.Fatalf("%s: %v", fset.Position(n.Pos()), err)
				}
				if _, ok := uiIndex[s]; ok {
					checked++
					used[s] = true
					break
				}
				s = verbRE.ReplaceAllString(s, "") // "%d%%" draws no letter
				if strings.IndexFunc(s, unicode.IsLetter) < 0 {
					break
				}
				checked++
				switch p := parent.(type) {
				case *ast.BinaryExpr:
					if p.Op == token.EQL || p.Op == token.NEQ {
						return true
					}
				case *ast.CaseClause:
					return true
				case *ast.CallExpr:
					if notDrawn[callName(p)] {
						return true
					}
				}
				if !sameWords(s) {
					t.Errorf("%s: %q may reach the screen without the catalogue: add it to uiText and draw a.tr(key)", fset.Position(n.Pos()), s)
				}
			}
			return true
		})
	}
	if checked < 50 {
		t.Fatalf("only %d string literals checked: the scan is broken", checked)
	}
	for _, e := range uiText {
		if !used[e.key] {
			t.Errorf("uiText key %q is used nowhere", e.key)
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\d+|\*)?(\.(\d+|\*)?)?[a-zA-Z%]`)

// verbs returns the fmt verbs of a format, each with the argument it
// takes ("1d", "2s"), sorted; "%%" takes none.
func verbs(s string) []string {
	var out []string
	arg := 0
	for _, m := range verbRE.FindAllStringSubmatch(s, -1) {
		v := m[0][len(m[0])-1]
		if v == '%' {
			continue
		}
		if m[1] != "" {
			arg, _ = strconv.Atoi(m[1][1 : len(m[1])-1])
		} else {
			arg++
		}
		out = append(out, strconv.Itoa(arg)+string(v))
	}
	slices.Sort(out)
	return out
}

// Every catalogue entry has a unique key and both languages, with the same
// fmt verbs for the same arguments; the Chinese has no English words but
// those that read the same in both (key names, technical names, the
// language switch's own "English").
func TestUITextComplete(t *testing.T) {
	seen := map[string]bool{}
	keyRE := regexp.MustCompile(`^[a-z]+(\.[a-z0-9-]+)+$`)
	for _, e := range uiText {
		if !keyRE.MatchString(e.key) {
			t.Errorf("key %q is not of the form area.name", e.key)
		}
		if seen[e.key] {
			t.Errorf("key %q twice", e.key)
		}
		seen[e.key] = true
		if e.key == "caption.join" { // a space in English, nothing in Chinese
			continue
		}
		if strings.TrimSpace(e.en) == "" || strings.TrimSpace(e.zh) == "" {
			t.Errorf("%s: missing a language: en %q, zh %q", e.key, e.en, e.zh)
		}
		if v, w := verbs(e.en), verbs(e.zh); !slices.Equal(v, w) {
			t.Errorf("%s: verbs differ: en %v %q, zh %v %q", e.key, v, e.en, w, e.zh)
		}
		if strings.Contains(e.en, "%") != strings.Contains(e.zh, "%") && len(verbs(e.en)) > 0 {
			t.Errorf("%s: only one language is a format", e.key)
		}
	}
	// A Chinese text with an English word in it still needs translating,
	// unless the word is a key's name, a protocol's or the like.
	sameZH := map[string]bool{
		"TCP": true, "UDP": true, "ACK": true, "RTO": true, "cwnd": true, "Tab": true, "Space": true,
		"End": true, "Enter": true, "Esc": true, "Shift": true, "Ctrl": true, "PgUp": true, "PgDn": true,
		"HOST": true, "PORT": true, "EN": true, "English": true, "socketlab": true, "play": true, "serve": true, "live": true,
		"SND.UNA": true, "LIVE": true, "RFC": true, "Linux": true, "SACK": true, "CUBIC": true, "IW": true, "ms": true,
		// the code panel's languages, and a flag
		"Python": true, "Go": true, "FIN": true,
	}
	for _, e := range uiText {
		for _, w := range regexp.MustCompile(`\b[A-Za-z][A-Za-z.]+\b`).FindAllString(e.zh, -1) {
			w = strings.TrimSuffix(w, ".")
			if !sameZH[w] {
				t.Errorf("%s: the Chinese %q has the English word %q", e.key, e.zh, w)
			}
		}
	}
}

func TestUITr(t *testing.T) {
	if got := uiTr("en", "host.udp.lost", 3); got != "3 of those sent lost on the way" {
		t.Errorf("en: %q", got)
	}
	if got := uiTr("zh", "host.udp.lost", 3); got != "发出的数据报中有 3 个在途中丢失" {
		t.Errorf("zh: %q", got)
	}
	if got := uiTr("zh", "state.loading", 40); got != "模拟中… 40%" {
		t.Errorf("zh format with %%%%: %q", got)
	}
	if got := uiTr("en", "help.type"); got != "larger type (100 %, 115 %, 130 %)" {
		t.Errorf("a text without arguments is not a format: %q", got)
	}
	if got := uiTr("en", "no.such.key"); got != "‹no.such.key›" {
		t.Errorf("unknown key: %q", got)
	}
}
