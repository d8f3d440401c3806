package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"socketlab/assets/web/bundle"
)

// chromium returns the Chromium to drive, or skips the test where there
// is none; under CI (CI=true) a missing Chromium fails it: make deps
// installs Debian's chromium.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (make deps installs Debian's chromium); CI runs the browser tests")
	}
	t.Skip("chromium is not installed: make deps installs it")
	return ""
}

// maxBundleBrotli is the budget of the playground's WebAssembly module as
// browsers get it, brotli-compressed: 3 MB.
const maxBundleBrotli = 3_000_000

// browserBundle builds the playground's bundle for the browser tests
// into a temporary directory (brotli at quality 5: the tests need no
// smallest file, and TestBundleBudget measures the real one), or, with
// SOCKETLAB_WEB_DIST set, uses the bundle there (make build's, to
// measure what users get).
func browserBundle(t *testing.T) string {
	if dir := os.Getenv("SOCKETLAB_WEB_DIST"); dir != "" {
		return dir
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	sizes, err := bundle.Build(ctx, "go", "../..", dir, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built the bundle in %v: wasm %d bytes, brotli-5 %d, gzip %d", time.Since(start).Round(time.Millisecond), sizes.Wasm, sizes.Brotli, sizes.Gzip)
	return dir
}

// TestBundleBudget builds the bundle as make build does (brotli at
// quality 11, what browsers get) and holds it to its 3 MB: a feature added
// to the browser build must save what it costs.
func TestBundleBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("-race makes the compression minutes long; make test-unit runs this without it")
	}
	if testing.Short() {
		t.Skip("a minute: the build and brotli at quality 11")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sizes, err := bundle.Build(ctx, "go", "../..", t.TempDir(), 11)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wasm %d bytes, brotli %d, gzip %d", sizes.Wasm, sizes.Brotli, sizes.Gzip)
	if sizes.Brotli > maxBundleBrotli {
		t.Errorf("the playground's bundle is %d bytes brotli, over its budget of %d: a feature added to the browser build must save what it costs", sizes.Brotli, maxBundleBrotli)
	}
}

// TestServeBrowser loads the playground from socketlab serve in headless
// Chromium: the loading indicator reaches 100%, the canvas draws a frame
// that is not blank, the aria-live region gets the caption, the fragment
// follows the run and carries the sliders and what-ifs, and an unknown
// scenario shows the fallback notice. It
// logs the transfer sizes and the time to the first frame (measured, not
// asserted).
func TestServeBrowser(t *testing.T) {
	exe := chromium(t)
	dist := browserBundle(t)
	s := startServe(t, &serveConfig{dist: os.DirFS(dist)})

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", exe, err)
	}

	t.Run("loads and draws", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(bctx)
		defer cancel()
		ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
		defer cancelT()
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"#scenario=lost-syn&seed=3")); err != nil {
			t.Fatal(err)
		}
		var canvasAt float64
		waitJS(t, ctx, `socketlab.error || (socketlab.canvasAt > 0 && socketlab.canvasAt)`, &canvasAt)
		// The first frame: poll screenshots until the page is not one colour.
		// A screenshot shows the page as it was when it was asked for, so
		// the first frame came after the last blank one was asked for and
		// by the time the first non-blank one was.
		var frameAt, blankAt time.Duration
		for {
			asked := time.Since(start)
			shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if c := colours(t, shot); c > 1 {
				frameAt = asked
				break
			}
			blankAt = asked
			if ctx.Err() != nil {
				t.Fatal("the canvas stayed one colour")
			}
			time.Sleep(50 * time.Millisecond)
		}
		progress := evalJS[string](t, ctx, `String(socketlab.progress)`)
		pct := evalJS[string](t, ctx, `document.getElementById("pct").textContent`)
		errText := evalJS[string](t, ctx, `socketlab.error`)
		if progress != "100" || pct != "100%" || errText != "" {
			t.Errorf("progress %s, indicator %q, error %q", progress, pct, errText)
		}
		var live string
		waitJS(t, ctx, `document.getElementById("live").textContent`, &live)
		hash := evalJS[string](t, ctx, `location.hash`)
		loading := evalJS[string](t, ctx, `String(document.getElementById("loading").hidden)`)
		if !strings.Contains(hash, "scenario=lost-syn") || !strings.Contains(hash, "seed=3") || loading != "true" {
			t.Errorf("fragment %q, loading screen hidden: %s", hash, loading)
		}
		// → steps to the first event: the region gets its caption.
		for i := 0; ; i++ {
			if err := chromedp.Do(ctx, holdKey(kb.ArrowRight)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			if now := evalJS[string](t, ctx, `document.getElementById("live").textContent`); now != live {
				t.Logf("aria-live: %q, after →: %q", live, now)
				break
			}
			if i == 20 {
				t.Fatalf("the live region stayed %q after → was pressed", live)
			}
		}
		perf := evalJS[string](t, ctx, `(() => {
			const e = performance.getEntriesByType("resource").find(e => e.name.endsWith("/socketlab.wasm"));
			const nav = performance.getEntriesByType("navigation")[0];
			return [e.encodedBodySize, e.decodedBodySize, Math.round(e.responseEnd - e.startTime), Math.round(socketlab.canvasAt), Math.round(nav.domContentLoadedEventEnd), crossOriginIsolated].join(" ");
		})()`)
		var enc, dec, fetchMs, canvasMs, dclMs int
		var isolated bool
		fmt.Sscan(perf, &enc, &dec, &fetchMs, &canvasMs, &dclMs, &isolated)
		if !isolated {
			t.Error("the page is not cross-origin isolated (COOP/COEP)")
		}
		t.Logf("socketlab.wasm: %d bytes transferred (brotli), %d decoded; fetched in %d ms; canvas on the page at %d ms; first frame drawn after %v and by %v from navigation (page loaded at %d ms)",
			enc, dec, fetchMs, canvasMs, max(blankAt, time.Duration(canvasMs)*time.Millisecond).Round(time.Millisecond), frameAt.Round(time.Millisecond), dclMs)
	})

	t.Run("sliders and what-ifs in the link", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(bctx)
		defer cancel()
		ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
		defer cancelT()
		frag := "#scenario=handshake&seed=2&delay=40ms&jitter=0s&bw=0&loss=0&dup=0&reorder=0&whatif=drop:1"
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+frag)); err != nil {
			t.Fatal(err)
		}
		var live string
		waitJS(t, ctx, `document.getElementById("live").textContent`, &live)
		hash := evalJS[string](t, ctx, `location.hash`)
		errText := evalJS[string](t, ctx, `socketlab.error + socketlab.notice`)
		for _, want := range []string{"delay=40ms", "whatif=drop%3A1", "scenario=handshake", "seed=2"} {
			if !strings.Contains(hash, want) {
				t.Errorf("fragment %q lacks %s", hash, want)
			}
		}
		if errText != "" {
			t.Errorf("the page says %q", errText)
		}
	})

	// The browser's live mode: key 1 sends "hello" over a reliable data
	// channel through the gateway to the real TCP timestamp server, and
	// the page draws the exchange as it happens.
	t.Run("live through the gateway", func(t *testing.T) {
		live := startServe(t, &serveConfig{dist: os.DirFS(dist), demo: true, demoHost: "127.0.0.47"})
		var targets []demoTarget
		resp, err := http.Get(live.url + "demo.json")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&targets)
		resp.Body.Close()
		if len(targets) != 4 || targets[0].Network != "tcp" || targets[0].Addr != "127.0.0.47:21567" {
			t.Fatalf("/demo.json: %+v", targets)
		}
		ctx := openPage(t, bctx, live.url+"#scenario=live", "1")
		// The live region speaks as the run goes: the caption of what
		// happens last (the real exchange, then the model's teardown).
		var said string
		waitJS(t, ctx, `(t => t.includes("browser") || t.includes("model") ? t : "")(document.getElementById("live").textContent)`, &said)
		// The real server answered the browser's "hello" and saw it close.
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(live.stderr.String(), "client closed the connection") {
			if time.Now().After(deadline) {
				t.Fatalf("the demo server saw no connection: %q", live.stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if e := evalJS[string](t, ctx, `socketlab.error`); e != "" {
			t.Fatalf("page error %q", e)
		}
		t.Logf("aria-live: %q", said)
		// The ladder drew the real messages as arrows, the reply with its
		// round trip, and beside them the simulator's model of the same
		// exchange, segment by segment (the page lists the latest arrows).
		var arrows string
		waitJS(t, ctx, `(t => t.includes("model server → model client") ? t : "")(document.getElementById("arrows").innerText)`, &arrows)
		t.Logf("arrows:\n%s", arrows)
		far := "tcp/" + targets[0].Addr
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?m)^browser → ` + regexp.QuoteMeta(far) + `: #1 "hello" len=5$`),
			regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(far) + ` → browser: #2 "\[[^"]+" len=32 · rtt [0-9.]+(µs|ms|s)$`),
			regexp.MustCompile(`(?m)^model client → model server: #\d+ PSH,ACK seq=1 ack=1 len=5 win=\d+$`),
			regexp.MustCompile(`(?m)^model server → model client: #\d+ PSH,ACK seq=1 ack=6 len=32 win=\d+$`),
		} {
			if !want.MatchString(arrows) {
				t.Errorf("no arrow %s", want)
			}
		}
	})

	// A lesson's step tried for real (I, once its question is skipped):
	// "hello" through the gateway to the real TCP timestamp server, drawn
	// beside the step's simulated handshake on columns of its own.
	t.Run("lesson step tried for real", func(t *testing.T) {
		live := startServe(t, &serveConfig{dist: os.DirFS(dist), demo: true, demoHost: "127.0.0.53"})
		ctx := openPage(t, bctx, live.url+"#lesson=handshake&step=4", "]", "i") // skip the question, try it
		var arrows string
		waitJS(t, ctx, `(t => t.includes(" → real browser: ") ? t : "")(document.getElementById("arrows").innerText)`, &arrows)
		t.Logf("arrows:\n%s", arrows)
		far := regexp.QuoteMeta("real tcp/127.0.0.53:21567")
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?m)^client → server: #3 ACK seq=1 ack=1 win=\d+$`), // the step's own, untouched
			regexp.MustCompile(`(?m)^real browser → ` + far + `: #\d+ "hello" len=5$`),
			regexp.MustCompile(`(?m)^` + far + ` → real browser: #\d+ "\[[^"]+" len=32 · rtt [0-9.]+(µs|ms|s)$`),
		} {
			if !want.MatchString(arrows) {
				t.Errorf("no arrow %s", want)
			}
		}
		if strings.Contains(arrows, "model ") {
			t.Error("a model beside the lesson: the lesson is the model")
		}
		if e := evalJS[string](t, ctx, `socketlab.error`); e != "" {
			t.Fatalf("page error %q", e)
		}
	})

	// Two pages join one room: the gateway relays only their offer and
	// answer, the message goes page to page, and both ladders draw it.
	t.Run("two pages in a room", func(t *testing.T) {
		live := startServe(t, &serveConfig{dist: os.DirFS(dist), demo: true, demoHost: "127.0.0.49"})
		rb := rtcBrowser(t, opts)
		var pages [2]context.Context
		for i := range pages {
			ctx, cancel := chromedp.NewContext(rb)
			defer cancel()
			ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
			defer cancelT()
			pages[i] = ctx
			if err := chromedp.Do(ctx, chromedp.Navigate(live.url+"#scenario=live&room=lab-7")); err != nil {
				t.Fatal(err)
			}
			var at float64
			waitJS(t, ctx, `socketlab.error || (socketlab.canvasAt > 0 && socketlab.canvasAt)`, &at)
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.mediaDevices.getUserMedia({audio: true}).then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
				t.Fatalf("getUserMedia: %v", err)
			}
			time.Sleep(300 * time.Millisecond)
			// Four demo servers take keys 1–4: 5 joins the room, 6 sends.
			if err := chromedp.Do(ctx, holdKey("5")); err != nil {
				t.Fatal(err)
			}
		}
		for i, ctx := range pages {
			var n string
			// The room's notices: "waiting for another page", then
			// "connected" (or an error, which ends the wait too).
			waitJS(t, ctx, `(t => t.includes("waiting") || !t.includes("room lab-7") && !socketlab.error ? "" : t)(socketlab.notice + " " + socketlab.error)`, &n)
			t.Logf("page %d: %s", i+1, n)
			if !strings.Contains(n, "connected to the other page") {
				t.Fatalf("page %d: %s", i+1, n)
			}
		}
		if err := chromedp.Do(pages[0], holdKey("6")); err != nil {
			t.Fatal(err)
		}
		var got string
		waitJS(t, pages[1], `(t => t.includes("says") ? t : "")(socketlab.notice)`, &got)
		if want := `socketlab: room lab-7: the other page says "hello"`; got != want {
			t.Errorf("the second page: %q, want %q", got, want)
		}
		// The sender's arrow reaches the peer with the round trip its ack
		// measured; the receiver's leaves the peer and reaches it.
		var sent, rcvd string
		waitJS(t, pages[0], `(t => t.includes("· rtt") ? t : "")(document.getElementById("arrows").innerText)`, &sent)
		waitJS(t, pages[1], `(t => t.includes("peer → browser") ? t : "")(document.getElementById("arrows").innerText)`, &rcvd)
		if !regexp.MustCompile(`(?m)^browser → peer: #1 "hello" len=5 · rtt [0-9.]+(µs|ms|s)$`).MatchString(sent) {
			t.Errorf("the sender's arrows:\n%s", sent)
		}
		if !regexp.MustCompile(`(?m)^peer → browser: #1 "hello" len=5$`).MatchString(rcvd) {
			t.Errorf("the receiver's arrows:\n%s", rcvd)
		}
		for i, ctx := range pages {
			if e := evalJS[string](t, ctx, `socketlab.error`); e != "" {
				t.Errorf("page %d error %q", i+1, e)
			}
		}
	})

	// A class room: page A teaches the handshake lesson, page B follows
	// it through the gateway's class room. A's step change reaches B, B's
	// answer reaches A's tally, B's own step keys are locked until A
	// unlocks free exploration.
	t.Run("a class follows the teacher", func(t *testing.T) {
		live := startServe(t, &serveConfig{dist: os.DirFS(dist), demo: true, demoHost: "127.0.0.50"})
		rb := rtcBrowser(t, opts)
		page := func(frag string) (context.Context, context.CancelFunc) {
			ctx, cancel := chromedp.NewContext(rb)
			t.Cleanup(cancel)
			ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
			t.Cleanup(cancelT)
			// The origin may use the (fake) microphone first, so that the
			// class page's offers carry a loopback candidate; then the
			// page itself loads (another query: a new document).
			if err := chromedp.Do(ctx, chromedp.Navigate(live.url+"#scenario=handshake")); err != nil {
				t.Fatal(err)
			}
			var at float64
			waitJS(t, ctx, `socketlab.error || (socketlab.canvasAt > 0 && socketlab.canvasAt)`, &at)
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.mediaDevices.getUserMedia({audio: true}).then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
				t.Fatalf("getUserMedia: %v", err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(live.url+"?class=1#"+frag)); err != nil {
				t.Fatal(err)
			}
			return ctx, cancel
		}
		hash := func(ctx context.Context, want string) string {
			var h string
			waitJS(t, ctx, `(h => h.includes(`+strconv.Quote(want)+`) ? h : "")(location.hash)`, &h)
			return h
		}
		said := func(ctx context.Context, want string) string {
			var l string
			waitJS(t, ctx, `(t => t.includes(`+strconv.Quote(want)+`) ? t : "")(document.getElementById("live").textContent)`, &l)
			return l
		}
		teacher, _ := page("lesson=handshake&step=1&teach=lab-9")
		var n string
		waitJS(t, teacher, `(t => t.includes("class lab-9 is open") ? t : "")(socketlab.notice)`, &n)
		student, closeStudent := page("follow=lab-9")
		said(teacher, "class lab-9 — students: 1, following you")
		hash(student, "lesson=handshake&step=1&follow=lab-9")

		// A skips two questions and goes on: step 3. B follows.
		for range 4 {
			if err := chromedp.Do(teacher, holdKey("]")); err != nil {
				t.Fatal(err)
			}
		}
		hash(teacher, "step=3")
		if h := hash(student, "step=3"); h != "#lesson=handshake&step=3&follow=lab-9" {
			t.Errorf("the student's fragment %q", h)
		}
		said(student, "class lab-9: following the teacher")
		// B predicts: 2 is SYN-RECEIVED, right. A's tally shows it.
		if err := chromedp.Do(student, holdKey("2")); err != nil {
			t.Fatal(err)
		}
		l := said(teacher, "1 right")
		if !strings.HasPrefix(l, "class lab-9 — students: 1, following you · 1 right, 0 wrong, 0 skipped, 0 not yet · answers: SYN-RECEIVED ×1 · ") {
			t.Errorf("the teacher's live region: %q", l)
		}
		// B's ] is locked while it follows; once A unlocks, it is B's own.
		if err := chromedp.Do(student, holdKey("]")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if h := evalJS[string](t, student, `location.hash`); !strings.Contains(h, "step=3") {
			t.Fatalf("a following page moved on its own: %q", h)
		}
		if err := chromedp.Do(teacher, holdKey("e")); err != nil {
			t.Fatal(err)
		}
		said(student, "class lab-9: free exploration")
		if err := chromedp.Do(student, holdKey("]")); err != nil {
			t.Fatal(err)
		}
		hash(student, "step=4")
		if h := evalJS[string](t, teacher, `location.hash`); !strings.Contains(h, "step=3") {
			t.Errorf("the teacher moved with the student: %q", h)
		}
		if dir := os.Getenv("SOCKETLAB_SCREENSHOTS"); dir != "" { // the README's picture
			// The whole 1280×800 page (the window's is smaller by its frame),
			// the class's notice sent away as a click does: the panel says it.
			if err := chromedp.Do(teacher, chromedp.EmulateViewport(1280, 800)); err != nil {
				t.Fatal(err)
			}
			evalJS[bool](t, teacher, `document.getElementById("notice").click(), true`)
			time.Sleep(time.Second) // a frame drawn at the new size
			shot, err := chromedp.Run(teacher, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "class-teacher.png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for i, ctx := range []context.Context{teacher, student} {
			if e := evalJS[string](t, ctx, `socketlab.error`); e != "" {
				t.Errorf("page %d error %q", i+1, e)
			}
		}
		// The teacher's page is reloaded: the student explores on its own,
		// then follows the class opened again, back at the teacher's step.
		if err := chromedp.Do(teacher, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		said(teacher, "class lab-9 — students: 1, following you")
		if h := hash(student, "step=3"); h != "#lesson=handshake&step=3&follow=lab-9" {
			t.Errorf("the student's fragment after the teacher came back: %q", h)
		}
		// The student closes its page: it leaves the teacher's count and
		// its answer the tally.
		closeStudent()
		said(teacher, "class lab-9 — students: 0, following you")
	})

	// The README's twenty lines of JavaScript, run on the served page as
	// they stand (only the target is this test's demo server): the real
	// TCP timestamp server answers through the gateway.
	t.Run("README JavaScript example", func(t *testing.T) {
		live := startServe(t, &serveConfig{dist: os.DirFS(dist), demo: true, demoHost: "127.0.0.48"})
		doc, err := os.ReadFile("../../README.md")
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(string(doc), "<!-- gateway-example")
		_, rest, ok2 := strings.Cut(rest, "```js\n")
		example, _, ok3 := strings.Cut(rest, "```")
		if !ok || !ok2 || !ok3 || strings.Count(example, "\n") > 22 {
			t.Fatalf("no example of at most twenty-odd lines in the README (%d lines)", strings.Count(example, "\n"))
		}
		example = strings.ReplaceAll(example, "127.0.0.1:21567", "127.0.0.48:21567")
		ctx, cancel := chromedp.NewContext(bctx)
		defer cancel()
		ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
		defer cancelT()
		if err := chromedp.Do(ctx, chromedp.Navigate(live.url+"#scenario=handshake")); err != nil {
			t.Fatal(err)
		}
		// The example prints with console.log; the page's console is
		// watched for the first line it prints.
		script := `(async () => {
			const printed = new Promise((resolve) => { window.__printed = resolve; });
			const console = { log: (s) => window.__printed(String(s)) };
			` + example + `
			return await printed;
		})()`
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("the example: %v", err)
		}
		if !regexp.MustCompile(`^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4}\] hello$`).MatchString(got) {
			t.Fatalf("the example printed %q, want [ctime] hello", got)
		}
	})

	t.Run("unknown scenario", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(bctx)
		defer cancel()
		ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
		defer cancelT()
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"#scenario=no-such")); err != nil {
			t.Fatal(err)
		}
		var notice string
		waitJS(t, ctx, `document.getElementById("notice").hidden ? "" : document.getElementById("notice").textContent`, &notice)
		if want := `socketlab: no scenario named "no-such"; showing handshake instead`; notice != want {
			t.Errorf("notice %q, want %q", notice, want)
		}
		// It lies over the playground's title line: a click sends it away.
		if !evalJS[bool](t, ctx, `(n => (n.click(), n.hidden))(document.getElementById("notice"))`) {
			t.Error("the notice stayed after a click")
		}
		var hash string
		waitJS(t, ctx, `location.hash.includes("scenario=handshake") ? location.hash : ""`, &hash)
	})
}

// rtcBrowser starts a Chromium for pages that talk to each other over
// WebRTC on loopback: Chromium offers a loopback host candidate only with
// these flags and once the page may use a microphone (a fake one here).
func rtcBrowser(t *testing.T, opts []chromedp.ExecAllocatorOption) context.Context {
	ropts := append(opts[:len(opts):len(opts)],
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.UserDataDir(t.TempDir()))
	ractx, cancelR := chromedp.NewExecAllocator(context.Background(), ropts...)
	t.Cleanup(cancelR)
	rb, cancelRB := chromedp.NewContext(ractx)
	t.Cleanup(cancelRB)
	if err := chromedp.Do(rb); err != nil {
		t.Fatal(err)
	}
	return rb
}

// openPage opens url in a new tab of the browser bctx (for 45 s at most,
// closed with the test), waits for the playground's first frames, then
// holds each of keys in turn.
func openPage(t *testing.T, bctx context.Context, url string, keys ...string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 45*time.Second)
	t.Cleanup(cancelT)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	var at float64
	waitJS(t, ctx, `socketlab.error || (socketlab.canvasAt > 0 && socketlab.canvasAt)`, &at)
	time.Sleep(500 * time.Millisecond) // the playground's first ticks
	for _, k := range keys {
		if err := chromedp.Do(ctx, holdKey(k)); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

// waitJS evaluates expr until it gives something other than "", 0 or
// false, into res, or fails the test when ctx ends.
func waitJS[T any](t *testing.T, ctx context.Context, expr string, res *T) {
	t.Helper()
	var zero T
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
		if err == nil && any(v) != any(zero) {
			*res = v
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("waiting for %s: %v (last error %v)", expr, ctx.Err(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// colours counts the distinct colours of a PNG screenshot, up to 16.
func colours(t *testing.T, b []byte) int {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[4]uint32]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			c := img.At(x, y)
			var k [4]uint32
			k[0], k[1], k[2], k[3] = c.RGBA()
			seen[k] = true
			if len(seen) >= 16 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// evalJS evaluates expr once.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// holdKey presses key and releases it 150 ms later, so that the game loop
// sees it held for at least one tick however slow the frames are (a
// press and release between two ticks would be lost).
func holdKey(key string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range key {
			for _, k := range kb.Encode(r) {
				if k.Type == kb.KeyUp {
					time.Sleep(150 * time.Millisecond)
				}
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
