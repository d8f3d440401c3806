package sim

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The simulator's determinism (see doc.go) rests on three rules that an
// import check cannot see, because package time and math/rand are also
// used legitimately (time.Duration, a seeded *rand.Rand):
//
//   - no wall-clock read or wait: time.Now, Since, Until, Sleep, After,
//     AfterFunc, Tick, NewTimer, NewTicker;
//   - no global random source: the top-level functions of math/rand and
//     math/rand/v2 (Intn, Float64, N, Shuffle, …) and anything from
//     crypto/rand; only the constructors of a seeded generator and its
//     types may be named;
//   - no go statements.
//
// checkPurity applies them to one parsed file. Import names are resolved
// from the file's own import declarations, so an alias ("import r
// \"math/rand/v2\"") does not hide a call, and a local variable that
// shadows a package name (rand := rand.New(…); rand.IntN(3)) is a method
// call, not a finding. A dot import of one of these packages is a finding
// by itself: its functions could not be told apart from local ones.

// wallClock lists package time's functions that read or wait for the
// wall clock.
var wallClock = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"AfterFunc": true, "Tick": true, "NewTimer": true, "NewTicker": true,
}

// seededRand lists the names of math/rand and math/rand/v2 that do not
// touch the global source: types and the constructors of a generator that
// the caller seeds.
var seededRand = map[string]bool{
	"Rand": true, "Source": true, "Source64": true, "PCG": true, "ChaCha8": true, "Zipf": true,
	"New": true, "NewSource": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true,
}

// checkPurity returns one "file:line: message" per violation in f.
func checkPurity(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(pos token.Pos, format string, args ...any) {
		p := fset.Position(pos)
		out = append(out, fmt.Sprintf("%s:%d: %s", p.Filename, p.Line, fmt.Sprintf(format, args...)))
	}
	watched := func(ip string) bool {
		return ip == "time" || ip == "math/rand" || ip == "math/rand/v2" || ip == "crypto/rand"
	}
	names := map[string]string{} // local name → import path, watched packages only
	for _, imp := range f.Imports {
		ip, err := strconv.Unquote(imp.Path.Value)
		if err != nil || !watched(ip) {
			continue
		}
		name := defaultImportName(ip)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		switch name {
		case "_":
			continue
		case ".":
			report(imp.Pos(), "dot import of %q hides which of its functions are called", ip)
			continue
		}
		names[name] = ip
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n.Pos(), "go statement: the simulator runs on one goroutine")
		case *ast.SelectorExpr:
			x, ok := n.X.(*ast.Ident)
			// x.Obj is set when x resolves to a declaration inside this
			// file (a local variable shadowing the package name); an
			// imported package name never resolves.
			if !ok || x.Obj != nil {
				return true
			}
			ip, ok := names[x.Name]
			if !ok {
				return true
			}
			sel := n.Sel.Name
			switch {
			case ip == "time" && wallClock[sel]:
				report(n.Pos(), "time.%s reads the wall clock; use virtual time", sel)
			case ip == "crypto/rand":
				report(n.Pos(), "crypto/rand.%s is not reproducible; draw from the run's seeded *rand.Rand", sel)
			case (ip == "math/rand" || ip == "math/rand/v2") && !seededRand[sel]:
				report(n.Pos(), "%s.%s uses the global random source; draw from the run's seeded *rand.Rand", ip, sel)
			}
		}
		return true
	})
	return out
}

var versionSuffix = regexp.MustCompile(`^v[0-9]+$`)

// defaultImportName is the name an unaliased import binds: the last path
// element, or the one before a major-version suffix (math/rand/v2 → rand).
func defaultImportName(ip string) string {
	dir, base := path.Split(ip)
	if versionSuffix.MatchString(base) && dir != "" {
		return path.Base(strings.TrimSuffix(dir, "/"))
	}
	return base
}

// The checker must be able to fail: each rule, through an alias too.
func TestSimPurityChecker(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // substrings, one per expected finding, in order
	}{
		{"clean", `package p
import ("math/rand/v2"; "time")
type T struct{ r *rand.Rand; d time.Duration }
func f(seed uint64) int { r := rand.New(rand.NewPCG(seed, 1)); return r.IntN(3) + int(time.Second) }`, nil},
		{"time.Now", `package p
import "time"
func f() time.Time { return time.Now() }`, []string{"time.Now reads the wall clock"}},
		{"every wall-clock function", `package p
import "time"
func f(t time.Time) {
	_ = time.Since(t); _ = time.Until(t); time.Sleep(1); <-time.After(1)
	time.AfterFunc(1, nil); _ = time.Tick(1); _ = time.NewTimer(1); _ = time.NewTicker(1)
}`, []string{"time.Since", "time.Until", "time.Sleep", "time.After ", "time.AfterFunc", "time.Tick", "time.NewTimer", "time.NewTicker"}},
		{"time.Now as a value", `package p
import "time"
var clock = time.Now`, []string{"time.Now"}},
		{"aliased time", `package p
import clk "time"
func f() { _ = clk.Now() }`, []string{"time.Now"}},
		{"dot import", `package p
import . "time"
func f() { _ = Now() }`, []string{`dot import of "time"`}},
		{"math/rand global", `package p
import "math/rand"
func f() int { return rand.Intn(6) }`, []string{"math/rand.Intn uses the global random source"}},
		{"math/rand/v2 global", `package p
import "math/rand/v2"
func f() (float64, int) { return rand.Float64(), rand.N(6) }`, []string{"math/rand/v2.Float64", "math/rand/v2.N"}},
		{"aliased math/rand/v2", `package p
import r "math/rand/v2"
func f(s []int) { r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] }) }`, []string{"math/rand/v2.Shuffle"}},
		{"crypto/rand", `package p
import cr "crypto/rand"
func f(b []byte) { cr.Read(b) }`, []string{"crypto/rand.Read"}},
		{"go statement", `package p
func f() { go func() {}() }`, []string{"go statement"}},
		{"local variable shadows the package name", `package p
import "math/rand/v2"
func f() int { rand := rand.New(rand.NewPCG(1, 2)); return rand.IntN(3) }`, nil},
		{"another package's Now", `package p
import "socketlab/clock"
func f() { _ = clock.Now(); _ = time.Now }`, nil}, // "time" is not imported here: not package time
	} {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "snippet.go", tc.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := checkPurity(fset, f)
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.Contains(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("findings:\n  %s\nwant, in order, findings containing:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
	if got, want := defaultImportName("math/rand/v2"), "rand"; got != want {
		t.Errorf("defaultImportName(math/rand/v2) = %q, want %q", got, want)
	}
}

// TestSimPurity walks every non-test Go file of the simulator: this
// package and everything below it except sim/view, the ebiten renderer,
// which runs a game loop on real time, and sim/bridge, the WebRTC client
// of the gateway: a real-time client (wall clock, pion's goroutines),
// not the model.
func TestSimPurity(t *testing.T) {
	fset := token.NewFileSet()
	var files, findings []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == "view" || p == "bridge" || d.Name() == "testdata" || (p != "." && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// With object resolution (mode 0): checkPurity relies on it.
		f, err := parser.ParseFile(fset, "sim/"+filepath.ToSlash(p), src, 0)
		if err != nil {
			return err
		}
		files = append(files, p)
		findings = append(findings, checkPurity(fset, f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A walk that found nothing would pass vacuously.
	for _, must := range []string{"engine.go", filepath.Join("tcp", "conn.go"), filepath.Join("trace", "trace.go"), filepath.Join("trace", "pcap", "pcap.go"), filepath.Join("lesson", "lesson.go")} {
		if !slices.Contains(files, must) {
			t.Errorf("the walk missed sim/%s (walked %d files)", must, len(files))
		}
	}
	for _, f := range findings {
		t.Error(f)
	}
}
