package view

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/image/font/sfnt"

	"socketlab/assets/fonts"
	"socketlab/sim/caption"
	"socketlab/sim/lesson"
)

// drawnRunes returns every non-ASCII character of the string literals in
// this package's sources (UI text, the fallback captions) and every
// character the caption catalogue can produce: what the embedded font must
// cover.
func drawnRunes(t *testing.T) map[rune]string {
	t.Helper()
	need := map[rune]string{}
	for _, r := range caption.Runes() {
		need[r] = "caption.Runes"
	}
	// The shipped lessons' texts are drawn in the lesson panel.
	for _, info := range lesson.List() {
		l, err := lesson.Load(info.ID)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range string(doc) {
			if r > unicode.MaxASCII {
				need[r] = "lesson " + l.ID
			}
		}
	}
	// The live sources' titles and actions are drawn too.
	for _, pat := range []string{"*.go", "layout/*.go", "../../cmd/native/live.go", "../../cmd/wasm/live.go"} {
		files, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(af, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatalf("%s: %v", f, err)
					}
					for _, r := range s {
						if r > unicode.MaxASCII {
							need[r] = f
						}
					}
				}
				return true
			})
		}
	}
	return need
}

// The committed font subset covers every character the playground draws.
// When this fails, run assets/fonts/subset.sh and commit its output.
func TestFontCoversEverythingDrawn(t *testing.T) {
	f, err := sfnt.Parse(fonts.CJK)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	has := func(r rune) bool {
		i, err := f.GlyphIndex(&buf, r)
		if err != nil {
			t.Fatalf("%q: %v", r, err)
		}
		return i != 0 // glyph 0 is .notdef: the font has none for r
	}
	need := drawnRunes(t)
	for r := rune(0x20); r < 0x7f; r++ {
		need[r] = "ASCII"
	}
	if len(need) < 300 {
		t.Fatalf("only %d characters to check: the scan is broken", len(need))
	}
	for r, where := range need {
		if !has(r) {
			t.Errorf("the embedded font has no glyph for %q (U+%04X, from %s): run assets/fonts/subset.sh", r, r, where)
		}
		if !strings.ContainsRune(fonts.Runes, r) {
			t.Errorf("runes.txt lacks %q (from %s): run assets/fonts/subset.sh", r, where)
		}
	}
	// A character outside the subset really is missing: the check can fail.
	if has('龘') {
		t.Errorf("the subset contains U+9F98: not a subset?")
	}
}
