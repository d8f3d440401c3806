package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"socketlab/assets/web"
	"socketlab/assets/web/bundle"
)

// lockedBuffer is a bytes.Buffer a running server writes while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeWasm stands for the module in tests that need no browser.
var fakeWasm = append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("socketlab "), 5000)...)

// fakeDist is a bundle of fakeWasm, compressed as make build does.
func fakeDist(t testing.TB) fs.FS {
	br, err := bundle.Brotli(fakeWasm, 5)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := bundle.Gzip(fakeWasm)
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		bundle.WasmBrotli: {Data: br},
		bundle.WasmGzip:   {Data: gz},
		bundle.WasmExec:   {Data: []byte("// wasm_exec.js\n")},
	}
}

// servedServer is a socketlab serve running in-process.
type servedServer struct {
	url            string // http://127.0.0.1:PORT/
	addr           string // 127.0.0.1:PORT
	stdout, stderr *lockedBuffer
	stop           context.CancelCauseFunc
	done           chan error
}

// startServe runs serve with cfg (no demo servers unless cfg says so) on
// 127.0.0.1:0 and waits for its URL line.
func startServe(t testing.TB, cfg *serveConfig) *servedServer {
	t.Helper()
	if cfg.addr == "" {
		cfg.addr = "127.0.0.1:0"
	}
	if cfg.page == nil {
		cfg.page = web.Page()
	}
	if cfg.dist == nil {
		cfg.dist = fakeDist(t)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &servedServer{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- runServe(ctx, stdio{Out: s.stdout, Err: s.stderr}, cfg) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := s.stdout.String()
		if _, rest, ok := strings.Cut(out, "open http://"); ok {
			s.addr, _, _ = strings.Cut(rest, "/")
			s.url = "http://" + s.addr + "/"
			break
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve ended before its URL: %v (stderr %q)", err, s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL on stdout after 10 s: %q", out)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Cleanup(func() { s.close(t) })
	return s
}

// close stops the server and waits for it; it stops cleanly (nil).
func (s *servedServer) close(t testing.TB) {
	if s.stop == nil {
		return
	}
	s.stop(context.Canceled)
	s.stop = nil
	if err := <-s.done; err != nil {
		t.Errorf("serve after a stop: %v", err)
	}
}

// get requests path from s with headers ("Name: value"), the client
// adding no Accept-Encoding of its own.
func get(t *testing.T, s *servedServer, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+strings.TrimPrefix(path, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// The page, its script and style and wasm_exec.js, with their content
// types, cross-origin isolation and revalidation; anything else is 404;
// only GET and HEAD; /rtc is 404 until the gateway is mounted.
func TestServeFiles(t *testing.T) {
	s := startServe(t, &serveConfig{})
	page, _ := fs.ReadFile(web.Page(), "index.html")
	for _, tc := range []struct {
		path, ctype string
		want        []byte
	}{
		{"/", "text/html; charset=utf-8", page},
		{"/index.html", "text/html; charset=utf-8", page},
		{"/app.js", "text/javascript; charset=utf-8", nil},
		{"/style.css", "text/css; charset=utf-8", nil},
		{"/wasm_exec.js", "text/javascript; charset=utf-8", []byte("// wasm_exec.js\n")},
	} {
		resp, body := get(t, s, "GET", tc.path)
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Type") != tc.ctype || len(body) == 0 || tc.want != nil && !bytes.Equal(body, tc.want) {
			t.Errorf("GET %s: %s, Content-Type %q, %d bytes", tc.path, resp.Status, h.Get("Content-Type"), len(body))
		}
		if h.Get("Cross-Origin-Opener-Policy") != "same-origin" || h.Get("Cross-Origin-Embedder-Policy") != "require-corp" ||
			h.Get("Cache-Control") != "no-cache" || h.Get("ETag") == "" {
			t.Errorf("GET %s: headers %v", tc.path, h)
		}
		if resp, _ := get(t, s, "GET", tc.path, "If-None-Match: "+h.Get("ETag")); resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %s, want 304", tc.path, resp.Status)
		}
	}
	if !bytes.Contains(page, []byte(`aria-live="polite"`)) {
		t.Error("the page has no aria-live region")
	}
	for _, path := range []string{"/nope", "/socketlab.wasm.br", "/dist/README", "/../go.mod"} {
		if resp, body := get(t, s, "GET", path); resp.StatusCode != 404 {
			t.Errorf("GET %s: %s %q, want 404", path, resp.Status, body)
		}
	}
	// The gateway answers /rtc, /room/ and /class/: an offer is POSTed.
	for _, path := range []string{"/rtc", "/room/lab-1", "/class/lab-1"} {
		if resp, body := get(t, s, "GET", path); resp.StatusCode != http.StatusMethodNotAllowed || string(body) != "method not allowed: POST an offer\n" {
			t.Errorf("GET %s: %s %q, want 405 from the gateway", path, resp.Status, body)
		}
	}
	// /demo.json lists what the gateway relays to: nothing without --demo.
	if resp, body := get(t, s, "GET", "/demo.json"); resp.StatusCode != 200 || string(body) != "null" && string(body) != "[]" {
		t.Errorf("GET /demo.json: %s %q", resp.Status, body)
	}
	if resp, _ := get(t, s, "POST", "/"); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %s", resp.Status)
	}
	if resp, body := get(t, s, "HEAD", "/"); resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(page)) {
		t.Errorf("HEAD /: %s, %d bytes, Content-Length %d", resp.Status, len(body), resp.ContentLength)
	}
}

// The module goes brotli- or gzip-compressed as Accept-Encoding allows,
// or decompressed for a client that takes neither, always as
// application/wasm with its decoded size.
func TestServeWasmEncodings(t *testing.T) {
	s := startServe(t, &serveConfig{})
	br, _ := bundle.Brotli(fakeWasm, 5)
	gz, _ := bundle.Gzip(fakeWasm)
	etags := map[string]bool{}
	for _, tc := range []struct {
		accept, enc string
		want        []byte
	}{
		{"gzip, deflate, br, zstd", "br", br},
		{"br", "br", br},
		{"gzip", "gzip", gz},
		{"br;q=0, gzip;q=0.5", "gzip", gz},
		{"*", "br", br},
		{"", "", fakeWasm},
		{"deflate", "", fakeWasm},
		{"br;q=0, gzip;q=0", "", fakeWasm},
	} {
		resp, body := get(t, s, "GET", "/socketlab.wasm", "Accept-Encoding: "+tc.accept)
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Encoding") != tc.enc || h.Get("Content-Type") != "application/wasm" ||
			!bytes.Equal(body, tc.want) || resp.ContentLength != int64(len(tc.want)) {
			t.Errorf("Accept-Encoding %q: %s, Content-Encoding %q, Content-Type %q, %d bytes (Content-Length %d); want %q, %d bytes",
				tc.accept, resp.Status, h.Get("Content-Encoding"), h.Get("Content-Type"), len(body), resp.ContentLength, tc.enc, len(tc.want))
		}
		if h.Get("Vary") != "Accept-Encoding" || h.Get("X-Decoded-Length") != "50008" || h.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
			t.Errorf("Accept-Encoding %q: headers %v", tc.accept, h)
		}
		etags[h.Get("ETag")] = true
		if resp, body := get(t, s, "GET", "/socketlab.wasm", "Accept-Encoding: "+tc.accept, "If-None-Match: "+h.Get("ETag")); resp.StatusCode != 304 || len(body) != 0 {
			t.Errorf("Accept-Encoding %q with its ETag: %s, %d bytes", tc.accept, resp.Status, len(body))
		}
	}
	if len(etags) != 3 {
		t.Errorf("ETags %v: want one for each encoding", etags)
	}
	if resp, body := get(t, s, "HEAD", "/socketlab.wasm"); resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(fakeWasm)) {
		t.Errorf("HEAD identity: %s, %d bytes, Content-Length %d", resp.Status, len(body), resp.ContentLength)
	}
}

// Only the served host names are answered, on every path: a DNS name
// rebound to 127.0.0.1 gets 403; --allow adds a name.
func TestServeRefusesForeignHost(t *testing.T) {
	s := startServe(t, &serveConfig{allow: []string{"classroom.example:8080"}})
	_, port, _ := net.SplitHostPort(s.addr)
	for host, want := range map[string]int{
		"127.0.0.1:" + port:      200,
		"localhost:" + port:      200,
		"LOCALHOST:" + port:      200,
		"[::1]:" + port:          200,
		"classroom.example:8080": 200,
		"evil.example:" + port:   403,
		"127.0.0.1":              403,
		"localhost:1":            403,
	} {
		for _, path := range []string{"/", "/socketlab.wasm", "/nope", "/rtc"} {
			resp, body := get(t, s, "GET", path, "Host: "+host)
			got, want := resp.StatusCode, want
			if want == 200 && path == "/nope" {
				want = 404
			}
			if want == 200 && path == "/rtc" {
				want = http.StatusMethodNotAllowed // the gateway wants a POST
			}
			if got != want {
				t.Errorf("GET %s with Host %q: %s, want %d", path, host, resp.Status, want)
			}
			if got == 403 && !strings.Contains(string(body), "--allow HOST:PORT") {
				t.Errorf("403 says %q", body)
			}
		}
	}
}

// A port already taken is one line and exit status 1, before anything is
// announced.
func TestServePortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var out, errb bytes.Buffer
	err = runServe(context.Background(), stdio{Out: &out, Err: &errb}, &serveConfig{addr: l.Addr().String(), page: web.Page(), dist: fakeDist(t)})
	code := report(err, &errb)
	if code != 1 || out.Len() != 0 || strings.Count(errb.String(), "\n") != 1 ||
		!strings.HasPrefix(errb.String(), "socketlab: serve: ") || !strings.Contains(errb.String(), "in use") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// A binary built without the bundle (go build, not make build) says in
// one line how to build it.
func TestServeWithoutBundle(t *testing.T) {
	var out, errb bytes.Buffer
	err := runServe(context.Background(), stdio{Out: &out, Err: &errb}, &serveConfig{addr: "127.0.0.1:0", page: web.Page(), dist: fstest.MapFS{"README": {}}})
	if code := report(err, &errb); code != 1 || out.Len() != 0 ||
		errb.String() != "socketlab: serve: this socketlab was built without the browser playground (its WebAssembly bundle): build it with make build\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// SIGTERM or Ctrl-C stops serve gracefully, the demo servers with it:
// it says why, and exit status 0.
func TestServeStopsCleanly(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		s := startServe(t, &serveConfig{demo: true})
		if !strings.HasPrefix(s.stdout.String(), "socketlab serve: open http://127.0.0.1:") ||
			!strings.HasSuffix(s.stdout.String(), "/ (loopback only; --lan serves the classroom)\n") {
			t.Errorf("stdout %q", s.stdout.String())
		}
		if resp, _ := get(t, s, "GET", "/"); resp.StatusCode != 200 {
			t.Fatalf("GET /: %s", resp.Status)
		}
		s.stop(signalCause{sig})
		err := <-s.done
		s.stop = nil
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(signalCause{sig})
		var errb bytes.Buffer
		if code := exitStatus(ctx, err, &errb); code != 0 || errb.Len() != 0 {
			t.Errorf("after %v: exit %d (%v) %q", sig, code, err, errb.String())
		}
		stderr := s.stderr.String()
		if want := "shutting down: " + sig.String() + " signal received\n"; !strings.HasSuffix(stderr, want) {
			t.Errorf("after %v: stderr %q, want it to end %q", sig, stderr, want)
		}
		if !strings.Contains(stderr, "demo servers: tcp/127.0.0.1:21567") && !strings.Contains(stderr, "the demo servers did not start") {
			t.Errorf("stderr %q says nothing of the demo servers", stderr)
		}
	}
}

// serve's command line: a mistake is one line and exit status 2.
func TestServeCommandLine(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"serve --addr nope", "socketlab: serve: --addr nope is not HOST:PORT (e.g. 127.0.0.1:8080)\n"},
		{"serve --allow classroom", "socketlab: serve: --allow classroom: want HOST:PORT as a browser's address bar shows it, e.g. classroom.local:8080 (see 'socketlab serve --help')\n"},
		{"serve extra", "socketlab: serve: unexpected argument \"extra\"; the address is given with --addr\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", strings.Fields(tc.args)...)
		if code != 2 || stdout != "" || stderr != tc.want {
			t.Errorf("socketlab %s: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	help, _, code := runCLI(t, context.Background(), "", "serve", "--help")
	for _, f := range []string{"--addr", "--allow", "--lan", "--demo"} {
		if code != 0 || !strings.Contains(help, "  -"+strings.TrimLeft(f, "-")) {
			t.Errorf("serve --help lacks %s: %q", f, help)
		}
	}
}

// With --lan the server answers this machine's interface addresses as
// well as the loopback names, and binds every interface.
func TestServeLANHosts(t *testing.T) {
	cfg := &serveConfig{lan: true}
	hosts := servedHosts(&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, cfg)
	has := map[string]bool{}
	for _, h := range hosts {
		has[h] = true
	}
	if !has["127.0.0.1:8080"] || !has["localhost:8080"] || !has["[::1]:8080"] || has["0.0.0.0:8080"] {
		t.Errorf("hosts %v", hosts)
	}
	act, err := parseServe(serveCmd, []string{"--lan", "--addr", "127.0.0.1:9"}, stdio{Out: io.Discard, Err: io.Discard})
	if err != nil || act == nil {
		t.Fatal(err)
	}
}

// pickEncoding prefers brotli, then gzip, honouring q=0.
func TestServePickEncoding(t *testing.T) {
	for accept, want := range map[string]string{
		"gzip, deflate, br": "br", "BR;q=1.0": "br", "br;q=0,*": "gzip", "identity": "", "gzip;q=0, *;q=0.1": "br", "": "",
	} {
		if got := pickEncoding(accept, true); got != want {
			t.Errorf("pickEncoding(%q) = %q, want %q", accept, got, want)
		}
	}
	if got := pickEncoding("br, gzip", false); got != "gzip" {
		t.Errorf("without a brotli copy: %q", got)
	}
}

// socketlab without arguments and without a display serves the
// playground to a browser (or, in a binary built without the bundle, says
// how to build it); SIGTERM stops it.
func TestServeNoArgumentsWithoutDisplay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), "SOCKETLAB_TEST_ARGS=", "DISPLAY=", "WAYLAND_DISPLAY=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb lockedBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "" {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	err = cmd.Wait()
	stderr := errb.String()
	if !strings.HasPrefix(stderr, "socketlab: no display for the playground window: serving it to a browser instead") {
		t.Errorf("stderr %q", stderr)
	}
	switch {
	case strings.HasPrefix(line, "socketlab serve: open http://127.0.0.1:8080/"):
		if err != nil {
			t.Errorf("after SIGTERM: %v, stderr %q", err, stderr)
		}
	case strings.Contains(stderr, "build it with make build"), strings.Contains(stderr, "address already in use"):
		// a test binary without the bundle, or port 8080 taken here
	default:
		t.Errorf("stdout %q, stderr %q, %v", line, stderr, err)
	}
}

// Stopping serve while a page waits in a room answers that page at once
// with the gateway's one-line 503, and serve stops well within its grace.
func TestServeStopsRoomWaiters(t *testing.T) {
	s := startServe(t, &serveConfig{})
	type reply struct {
		status int
		body   string
	}
	got := make(chan reply, 1)
	go func() {
		resp, err := http.Post(s.url+"room/lab-9", "application/json", strings.NewReader(`{"type":"offer","sdp":"v=0"}`))
		if err != nil {
			got <- reply{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- reply{resp.StatusCode, string(b)}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for roomsWaiting(t, s) != "waiting" {
		if time.Now().After(deadline) {
			t.Fatal("the page never waited in the room")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	s.close(t)
	if took := time.Since(start); took > shutdownGrace/2 {
		t.Errorf("serve took %v to stop with a page waiting in a room", took)
	}
	select {
	case r := <-got:
		if r.status != http.StatusServiceUnavailable || r.body != "gateway closed\n" {
			t.Errorf("the waiting page got %d %q, want 503 \"gateway closed\"", r.status, r.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting page got no answer")
	}
}

// roomsWaiting says "waiting" once a second offer to the room would be
// answered with the first one's: probing with a bad answer leaves the
// room as it is (409 with the room's state in one line).
func roomsWaiting(t *testing.T, s *servedServer) string {
	resp, err := http.Post(s.url+"room/lab-9", "application/json", strings.NewReader(`{"type":"answer","sdp":"v=0","ticket":"0"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(b), "no claimed offer") {
		return "waiting"
	}
	return string(b)
}
