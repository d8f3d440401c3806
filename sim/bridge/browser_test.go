//go:build !js

package bridge_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/core/gateway"
)

// TestBrowser runs the browser build of the bridge in headless Chromium
// (testdata/jsclient, compiled to WebAssembly) against a real gateway:
// the browser's RTCPeerConnection through pion's wrapper, the fetch
// signaling, a TCP and a UDP round trip, a refusal, the events, with
// Chromium's default WebRTC settings (mDNS-hidden host candidates: the
// loopback-only gateway still connects). It logs the page's round-trip
// times over 200 more TCP round trips.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds WebAssembly and starts Chromium")
	}
	exe := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		t.Skip("chromium is not installed (make deps installs it)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", filepath.Join(dir, "client.wasm"), "./testdata/jsclient")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building testdata/jsclient: %v\n%s", err, out)
	}
	wasmExec, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}

	ts, _ := startTimestamp(t)
	echo := startUDPEcho(t)
	sink := startSink(t, 16<<20)
	// The bulk transfer measures the bridge, not the classroom's bound of
	// 4 MiB/s per page: BytesPerSecond is off here.
	g, err := gateway.New(gateway.Config{Allow: []netip.AddrPort{ts, echo, sink}, BytesPerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(gateway.Path, g)
	mux.HandleFunc("/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(wasmExec)
	})
	mux.HandleFunc("/client.wasm", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(dir, "client.wasm"))
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><script src="wasm_exec.js"></script><script>
const go = new Go();
WebAssembly.instantiateStreaming(fetch("client.wasm"), go.importObject).then(r => go.run(r.instance))
  .catch(e => { window.bridgeResult = JSON.stringify({err: "load: " + e}); });
</script>`))
	})
	srv := httptest.NewServer(mux)
	defer func() {
		srv.Close()
		g.Close()
	}()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	page := srv.URL + "/?tcp=" + ts.String() + "&udp=" + echo.String() + "&refused=127.0.0.1:9&sink=" + sink.String()
	if err := chromedp.Do(bctx, chromedp.Navigate(page)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	var raw string
	for raw == "" {
		raw, err = chromedp.Run(bctx, chromedp.Evaluate[string](`window.bridgeResult || ""`))
		if err != nil {
			t.Fatalf("waiting for the page: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var r struct {
		TCP, UDP, Refused, Err string
		Events                 []string
		P50, P99, MBps         float64
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	t.Logf("events in the browser:\n  %s", strings.Join(r.Events[:min(len(r.Events), 20)], "\n  "))
	t.Logf("TCP round trips in the page (Write → Read of 32 bytes): p50 %.0f µs, p99 %.0f µs", r.P50, r.P99)
	t.Logf("reliable channel → TCP sink, 16 MiB in 64 KiB messages: %.1f MB/s", r.MBps)
	if r.Err != "" {
		t.Fatalf("the page failed: %s", r.Err)
	}
	if want := "[Sat Nov 21 11:10:46 2026] hello"; r.TCP != want {
		t.Errorf("tcp: %q, want %q", r.TCP, want)
	}
	if r.MBps <= 0 {
		t.Errorf("no bulk transfer rate: %v", r.MBps)
	}
	if r.UDP != "ping" {
		t.Errorf("udp: %q, want the echo", r.UDP)
	}
	if r.Refused != "target 127.0.0.1:9 is not allowed" {
		t.Errorf("refused: %q", r.Refused)
	}
	joined := strings.Join(r.Events, "\n")
	for _, want := range []string{
		`browser app connect 0 "tcp/` + ts.String() + `"`,
		`browser app write 5 "hello"`,
		`browser app read 32 "[Sat Nov 21 11:10:46 2026] hello"`,
		`browser app sendto 4 "ping"`,
		`browser app recvfrom 4 "ping"`,
		`browser note  0 "rtt `,
		`browser app error 0 "tcp/127.0.0.1:9: error: target 127.0.0.1:9 is not allowed"`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no event %s", want)
		}
	}
}

// startSink listens for one TCP connection, reads exactly n bytes from it
// and answers "ok".
func startSink(t *testing.T, n int64) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Minute))
		if _, err := io.CopyN(io.Discard, c, n); err == nil {
			c.Write([]byte("ok"))
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().(*net.TCPAddr).AddrPort()
}
