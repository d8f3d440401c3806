package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"socketlab/textbook"
)

// Without a display, play says so in one line and exits 1; nothing panics.
func TestPlayWithoutWindowSystem(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want := "socketlab: no window system is available (set DISPLAY, or run under xvfb-run)\n"
	stdout, stderr, code := runCLI(t, ctx, "", "play", "--scenario", "lost-syn")
	if code != 1 || stderr != want || stdout != "" {
		t.Errorf("socketlab play: exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout, stderr, want)
	}
	// socketlab with no arguments then serves the playground to a browser:
	// TestServeNoArgumentsWithoutDisplay (cmd_serve_test.go).
}

// A DISPLAY that names no X server gets one line saying what to check.
func TestPlayWithUnreachableDisplay(t *testing.T) {
	const display = ":987" // no X server listens there: no socket file
	if _, err := os.Stat("/tmp/.X11-unix/X987"); err == nil {
		t.Fatal("an X server owns display :987; this test needs it free")
	}
	stderr, code := runBinary(t, []string{"DISPLAY=" + display, "WAYLAND_DISPLAY="}, "play", "--scenario", "handshake")
	want := `socketlab: cannot open the X display ":987": is an X server running there? (or run under xvfb-run)` + "\n"
	if code != 1 || stderr != want {
		t.Fatalf("exit %d, stderr %q; want 1, %q", code, stderr, want)
	}
}

func TestPlayCommandLineMistakes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"hosts": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--lang", "fr"}, 2, `socketlab: play: --lang "fr": want en or zh` + "\n"},
		{[]string{"--seed", "-1"}, 2, `socketlab: play: --seed "-1": want a non-negative integer` + "\n"},
		{[]string{"--at", "soon"}, 2, "socketlab: play: --at soon: want a duration such as 10s or 250ms (0s to 24h) (see 'socketlab play --help')\n"},
		{[]string{"--size", "12x"}, 2, `socketlab: play: --size "12x": want WxH, e.g. 1280x800 (each 200..8192)` + "\n"},
		{[]string{"--size", "100x100"}, 2, `socketlab: play: --size "100x100": want WxH, e.g. 1280x800 (each 200..8192)` + "\n"},
		{[]string{"extra"}, 2, `socketlab: play: unexpected argument "extra" (use --scenario)` + "\n"},
		{[]string{"--scenario", ""}, 2, "socketlab: play: --scenario is empty; give a preset name or a JSON file\n"},
		{[]string{"--scenario", filepath.Join(dir, "missing.json")}, 1, "socketlab: play: read scenario: open " + filepath.Join(dir, "missing.json") + ": no such file or directory\n"},
		{[]string{"--no-such-flag"}, 2, "socketlab: play: unknown flag --no-such-flag (see 'socketlab play --help')\n"},
		{[]string{"--code=rust"}, 2, "socketlab: play: --code rust: want python or go (see 'socketlab play --help')\n"},
		{[]string{"--code", "rust"}, 2, `socketlab: play: unexpected argument "rust" (use --scenario)` + "\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", append([]string{"play"}, tc.args...)...)
		if code != tc.code || stderr != tc.want {
			t.Errorf("play %q: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	// An unknown name lists the presets.
	_, stderr, code := runCLI(t, context.Background(), "", "play", "--scenario", "nope")
	if code != 2 || !strings.HasPrefix(stderr, `socketlab: play: no preset or file "nope" (presets: handshake, `) {
		t.Errorf("unknown preset: exit %d, stderr %q", code, stderr)
	}
	// A file that is not a valid scenario fails before any window opens.
	_, stderr, code = runCLI(t, context.Background(), "", "play", "--scenario", bad)
	if code != 1 || !strings.HasPrefix(stderr, "socketlab: play: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("bad scenario file: exit %d, stderr %q", code, stderr)
	}
}

// --code alone opens the code panel on the textbook's Python; --code go
// (or --code=go) on its Go equivalent; a word after --code that names no
// language is left to be an argument.
func TestPlayCodeFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want codeFlag
	}{
		{nil, codeFlag{}},
		{[]string{"--code"}, codeFlag{on: true, lang: textbook.Python}},
		{[]string{"--code", "--scenario", "handshake"}, codeFlag{on: true, lang: textbook.Python}},
		{[]string{"--code", "go"}, codeFlag{on: true, lang: textbook.Go}},
		{[]string{"--code=go", "--scenario", "handshake"}, codeFlag{on: true, lang: textbook.Go}},
		{[]string{"--code", "go", "--code", "python"}, codeFlag{on: true, lang: textbook.Python}},
		{[]string{"--code=false"}, codeFlag{}},
	} {
		cfg, err := parsePlayConfig(playCmd, tc.args, stdio{Out: &strings.Builder{}, Err: &strings.Builder{}})
		if err != nil || cfg.code != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.args, cfg.code, err, tc.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string][2]int{"1280x800": {1280, 800}, "640X400": {640, 400}, "8192x8192": {8192, 8192}} {
		w, h, ok := parseSize(s)
		if !ok || w != want[0] || h != want[1] {
			t.Errorf("parseSize(%q) = %d, %d, %v", s, w, h, ok)
		}
	}
	for _, s := range []string{"", "x", "1280", "1280x", "x800", "199x800", "1280x8193", "axb", "1280x800x3"} {
		if _, _, ok := parseSize(s); ok {
			t.Errorf("parseSize(%q) accepted", s)
		}
	}
}

// --select and --whatif name packets of the run; a packet the run does not
// have is an error before any window opens.
func TestPlayUnknownPacket(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--whatif", "drop:999"}, 1, "socketlab: play: --whatif drop:999: the run has no packet 999\n"},
		{[]string{"--select", "999"}, 1, "socketlab: play: --select 999: the run has no packet 999\n"},
		{[]string{"--whatif", "explode:4"}, 2, "socketlab: play: --whatif explode:4: want drop:ID, delay:ID or duplicate:ID (see 'socketlab play --help')\n"},
		{[]string{"--whatif", "drop:x"}, 2, "socketlab: play: --whatif drop:x: want drop:ID, delay:ID or duplicate:ID (see 'socketlab play --help')\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", append([]string{"play"}, tc.args...)...)
		if code != tc.code || stderr != tc.want {
			t.Errorf("play %q: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1280x800", "x", "200X200", "8193x1", "-1x-1", "１２８０x８００"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, h, ok := parseSize(s)
		if ok && (w < 200 || h < 200 || w > 8192 || h > 8192) {
			t.Fatalf("parseSize(%q) = %d, %d accepted out of range", s, w, h)
		}
		if !ok && (w != 0 || h != 0) {
			t.Fatalf("parseSize(%q) rejected but returned %d, %d", s, w, h)
		}
	})
}
