package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"socketlab/assets/web"
	"socketlab/core"
	"socketlab/core/gateway"
	"socketlab/sim/view"
)

var serveCmd = &command{
	name:    "serve",
	args:    "[--addr 127.0.0.1:8080] [--allow HOST:PORT]... [--lan] [--demo=false]",
	summary: "serve the playground to a web browser (page and WebAssembly from inside the binary) with the demo servers, until Ctrl-C",
	parse:   parseServe,
}

// serveConfig is a checked `socketlab serve` command line.
type serveConfig struct {
	addr  string   // where to listen; the host is empty with --lan
	allow []string // extra Host headers to answer (--allow), lower case
	lan   bool     // every interface, and the LAN's addresses as Host
	demo  bool     // also start the demo servers on loopback
	// demoHost is the loopback address the demo servers bind ("":
	// 127.0.0.1); tests pick a quiet corner of 127/8.
	demoHost string
	page     fs.FS // index.html, app.js, style.css
	dist     fs.FS // the bundle: socketlab.wasm.br, socketlab.wasm.gz, wasm_exec.js
	// gateway is the WebRTC gateway (core/gateway, being written
	// separately): an http.Handler for POST /rtc that bridges the page to
	// the demo servers. It is mounted at /rtc when not nil; nil for now.
	gateway http.Handler
}

// hostList is a repeatable flag of HOST:PORT values.
type hostList []string

func (h *hostList) String() string { return strings.Join(*h, ",") }

func (h *hostList) Set(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || port == "" {
		return rangeError{"want HOST:PORT as a browser's address bar shows it, e.g. classroom.local:8080"}
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return rangeError{"want a port number 0–65535"}
	}
	*h = append(*h, strings.ToLower(net.JoinHostPort(host, port)))
	return nil
}

func parseServe(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	addr := fs.String("addr", "127.0.0.1:8080", "`HOST:PORT` to listen on (loopback: this machine only)")
	var allow hostList
	fs.Var(&allow, "allow", "also answer requests for `HOST:PORT` (a name the browsers use for this machine); repeatable")
	lan := fs.Bool("lan", false, "listen on every interface and answer the LAN's addresses: the classroom can connect (so can anyone on the network)")
	demo := fs.Bool("demo", true, "also start the demo servers on loopback (as socketlab demo does)")
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("serve: unexpected argument %s; the address is given with --addr", strconv.Quote(pos[0]))
	}
	if err := core.CheckHostPort(*addr); err != nil {
		return nil, usagef("serve: --addr %s is not HOST:PORT (e.g. 127.0.0.1:8080)", shown(*addr))
	}
	cfg := &serveConfig{addr: *addr, allow: allow, lan: *lan, demo: *demo, page: web.Page(), dist: web.Dist()}
	if cfg.lan {
		_, port, _ := net.SplitHostPort(*addr)
		cfg.addr = net.JoinHostPort("", port)
	}
	return func(ctx context.Context) error { return runServe(ctx, std, cfg) }, nil
}

// errNoBundle is serve in a binary built without the WebAssembly bundle
// (go build ./cmd/native rather than make build).
var errNoBundle = errors.New("serve: this socketlab was built without the browser playground (its WebAssembly bundle): build it with make build")

// runServe checks the bundle, binds the web server's socket (a port
// already taken is one line and exit status 1, before anything is
// announced), starts the demo servers on loopback if their ports are
// free, prints the URL and serves until ctx ends.
func runServe(ctx context.Context, std stdio, cfg *serveConfig) error {
	logf := lineLogger(std.Err)
	h, err := newWebHandler(cfg)
	if err != nil {
		return err
	}
	l, err := core.Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hosts := servedHosts(l.Addr(), cfg)
	srv := &http.Server{
		Handler:           hostCheck(hosts, h),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(std.Err, "socketlab serve: ", 0),
	}
	socks := []socket{{what: "playground web server", addr: l.Addr(),
		serve: func() error {
			if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return core.ErrServerClosed
		},
		shutdown: srv.Shutdown, close: l.Close}}
	var targets []demoTarget // what the page's real clients may talk to
	if cfg.demo {
		host := cfg.demoHost
		if host == "" {
			host = "127.0.0.1"
		}
		demo, err := bindDemo(ctx, logf, host)
		if err != nil {
			logf("socketlab serve: the demo servers did not start (%v); the playground works without them", err)
		} else {
			var where []string
			for i, d := range demoServers {
				where = append(where, d.network+"/"+demo[i].addr.String())
				targets = append(targets, demoTarget{Name: d.what, Network: d.network, Addr: demo[i].addr.String()})
			}
			logf("demo servers: %s", strings.Join(where, " "))
			socks = append(socks, demo...)
		}
	}
	// The gateway bridges the page's data channels to the demo servers,
	// and to nothing else.
	gw, err := newGateway(cfg, hosts, targets)
	if err != nil {
		for _, s := range socks {
			s.close()
		}
		return fmt.Errorf("serve: %w", err)
	}
	defer gw.Close()
	// The gateway goes first: a page waiting in a room gets its one-line
	// 503 at once, and the web server is not held up by its request.
	socks[0].shutdown = func(ctx context.Context) error {
		gwErr := gw.Shutdown(ctx)
		return errors.Join(srv.Shutdown(ctx), gwErr)
	}
	h.gateway = gw
	h.demo, _ = json.Marshal(targets)
	url := "http://" + hostPort(l.Addr()) + "/"
	if cfg.lan {
		lanURL := url
		for _, h := range hosts {
			if ap, err := netip.ParseAddrPort(h); err == nil && !ap.Addr().IsLoopback() && ap.Addr().Is4() {
				lanURL = "http://" + h + "/"
				break
			}
		}
		fmt.Fprintf(std.Out, "socketlab serve: open %s (every interface: anyone on this network can connect)\n", lanURL)
		if cfg.demo {
			logf("socketlab serve: warning: --lan serves every interface; the demo servers stay on loopback")
		} else {
			logf("socketlab serve: warning: --lan serves every interface")
		}
	} else {
		fmt.Fprintf(std.Out, "socketlab serve: open %s (loopback only; --lan serves the classroom)\n", url)
	}
	return serveAll(ctx, logf, socks)
}

// demoTarget is one demo server the page's real clients may talk to
// through the gateway, as /demo.json lists them.
type demoTarget struct {
	Name    string `json:"name"`    // "TCP timestamp server"
	Network string `json:"network"` // "tcp" or "udp"
	Addr    string `json:"addr"`    // "127.0.0.1:21567"
}

// newGateway makes the WebRTC gateway for the served origin: it relays
// only to targets, answers only for hosts and their http:// origins, and
// with --lan offers ICE candidates on every interface.
func newGateway(cfg *serveConfig, hosts []string, targets []demoTarget) (*gateway.Gateway, error) {
	gc := gateway.Config{Hosts: hosts, LAN: cfg.lan}
	for _, h := range hosts {
		gc.Origins = append(gc.Origins, "http://"+h)
	}
	for _, t := range targets {
		ap, err := netip.ParseAddrPort(t.Addr)
		if err != nil {
			return nil, err
		}
		gc.Allow = append(gc.Allow, ap)
	}
	return gateway.New(gc)
}

// bindDemo binds the demo servers' sockets on host, as socketlab demo does.
func bindDemo(ctx context.Context, logf func(string, ...any), host string) ([]socket, error) {
	binds := make([]func() (socket, error), len(demoServers))
	for i, d := range demoServers {
		addr := net.JoinHostPort(host, strconv.Itoa(d.port))
		binds[i] = func() (socket, error) {
			if d.stream != nil {
				return listenStream(ctx, d.log, addr, d.stream(logf, core.Tracer{}))
			}
			return listenPacket(ctx, d.log, addr, d.packet(logf, core.Tracer{}))
		}
	}
	return bindAll(binds...)
}

// hostPort is a bound address as a browser's address bar shows it; the
// unspecified address (--lan) shows as 127.0.0.1.
func hostPort(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	if ap.Addr().IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(ap.Port())))
	}
	return net.JoinHostPort(ap.Addr().Unmap().String(), strconv.Itoa(int(ap.Port())))
}

// servedHosts are the Host headers the server answers: the loopback
// names at its port, the bound address, --allow's, and with --lan every
// address of this machine's interfaces and its host name. Any other Host
// is refused, so that a web page elsewhere cannot reach the server
// through a DNS name rebound to 127.0.0.1.
func servedHosts(a net.Addr, cfg *serveConfig) []string {
	ap, _ := netip.ParseAddrPort(a.String())
	port := strconv.Itoa(int(ap.Port()))
	set := map[string]bool{}
	for _, h := range []string{"127.0.0.1", "localhost", "::1"} {
		set[net.JoinHostPort(h, port)] = true
	}
	if !ap.Addr().IsUnspecified() {
		set[strings.ToLower(net.JoinHostPort(ap.Addr().Unmap().String(), port))] = true
	}
	if cfg.lan {
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, ia := range addrs {
				if p, err := netip.ParsePrefix(ia.String()); err == nil && !p.Addr().IsLinkLocalUnicast() {
					set[net.JoinHostPort(p.Addr().String(), port)] = true
				}
			}
		}
		if name, err := os.Hostname(); err == nil && name != "" {
			set[strings.ToLower(net.JoinHostPort(name, port))] = true
		}
	}
	for _, h := range cfg.allow {
		set[h] = true
	}
	var hosts []string
	for h := range set {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	return hosts
}

// hostCheck refuses (403) a request whose Host is not one of hosts: DNS
// rebinding protection for every path, the gateway's too.
func hostCheck(hosts []string, next http.Handler) http.Handler {
	ok := map[string]bool{}
	for _, h := range hosts {
		ok[h] = true
		if strings.HasSuffix(h, ":80") {
			ok[strings.TrimSuffix(h, ":80")] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ok[strings.ToLower(r.Host)] {
			http.Error(w, "403 forbidden: socketlab serve does not answer for host "+strconv.Quote(r.Host)+
				" (socketlab serve --allow HOST:PORT adds a name)", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// webFile is one file the server sends, read once.
type webFile struct {
	body  []byte
	ctype string
	etag  string
}

func newWebFile(fsys fs.FS, name, ctype string) (*webFile, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return &webFile{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
}

// webHandler serves the page, its script and style, wasm_exec.js, the
// module (pre-compressed, by Accept-Encoding) and the gateway.
type webHandler struct {
	files   map[string]*webFile // by URL path
	br, gz  *webFile            // socketlab.wasm compressed; br may be nil
	decoded int64               // socketlab.wasm's own size
	gateway http.Handler
	demo    []byte // /demo.json: the demo servers the gateway relays to
}

func newWebHandler(cfg *serveConfig) (*webHandler, error) {
	h := &webHandler{files: map[string]*webFile{}, gateway: cfg.gateway}
	gz, err := newWebFile(cfg.dist, "socketlab.wasm.gz", "application/wasm")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoBundle
	}
	if err != nil {
		return nil, fmt.Errorf("serve: %v", err)
	}
	if len(gz.body) < 18 {
		return nil, fmt.Errorf("serve: socketlab.wasm.gz is not gzip: rebuild it with make build")
	}
	h.gz, h.decoded = gz, int64(binary.LittleEndian.Uint32(gz.body[len(gz.body)-4:]))
	if br, err := newWebFile(cfg.dist, "socketlab.wasm.br", "application/wasm"); err == nil {
		h.br = br
	}
	for _, f := range []struct {
		fsys              fs.FS
		name, path, ctype string
	}{
		{cfg.page, "index.html", "/", "text/html; charset=utf-8"},
		{cfg.page, "app.js", "/app.js", "text/javascript; charset=utf-8"},
		{cfg.page, "style.css", "/style.css", "text/css; charset=utf-8"},
		{cfg.dist, "wasm_exec.js", "/wasm_exec.js", "text/javascript; charset=utf-8"},
	} {
		wf, err := newWebFile(f.fsys, f.name, f.ctype)
		if errors.Is(err, fs.ErrNotExist) && f.fsys == cfg.dist {
			return nil, errNoBundle
		}
		if err != nil {
			return nil, fmt.Errorf("serve: %v", err)
		}
		h.files[f.path] = wf
	}
	h.files["/index.html"] = h.files["/"]
	return h, nil
}

func (h *webHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// Cross-origin isolation: performance.now() at 5 µs rather than 100 µs,
	// and nothing from elsewhere is loaded into the page.
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Embedder-Policy", "require-corp")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("X-Content-Type-Options", "nosniff")
	if (r.URL.Path == gateway.Path || strings.HasPrefix(r.URL.Path, gateway.RoomPath) || strings.HasPrefix(r.URL.Path, gateway.ClassPath)) && h.gateway != nil {
		h.gateway.ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/demo.json" && r.Method == http.MethodGet {
		hd.Set("Content-Type", "application/json")
		hd.Set("Cache-Control", "no-store")
		if h.demo == nil {
			w.Write([]byte("[]"))
			return
		}
		w.Write(h.demo)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// The names do not change between builds: browsers keep a copy and
	// ask again each time (ETag, 304 when unchanged).
	hd.Set("Cache-Control", "no-cache")
	if r.URL.Path == "/socketlab.wasm" {
		h.serveWasm(w, r)
		return
	}
	f := h.files[r.URL.Path]
	if f == nil {
		http.Error(w, "404 not found: "+r.URL.Path, http.StatusNotFound)
		return
	}
	serveWebFile(w, r, f)
}

func serveWebFile(w http.ResponseWriter, r *http.Request, f *webFile) {
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("ETag", f.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// serveWasm sends the module brotli- or gzip-compressed as the browser
// accepts (every current browser takes brotli), or, for a client that
// takes neither, decompressed from the gzip copy as it goes.
// X-Decoded-Length is the module's own size: the page's progress counts
// the decoded bytes its fetch reads against it.
func (h *webHandler) serveWasm(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Vary", "Accept-Encoding")
	hd.Set("X-Decoded-Length", strconv.FormatInt(h.decoded, 10))
	switch enc := pickEncoding(r.Header.Get("Accept-Encoding"), h.br != nil); enc {
	case "br", "gzip":
		f := h.gz
		if enc == "br" {
			f = h.br
		}
		hd.Set("Content-Encoding", enc)
		hd.Set("Content-Type", f.ctype)
		hd.Set("ETag", strings.TrimSuffix(f.etag, `"`)+"-"+enc+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	default:
		etag := strings.TrimSuffix(h.gz.etag, `"`) + `-identity"`
		hd.Set("ETag", etag)
		hd.Set("Content-Type", "application/wasm")
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		hd.Set("Content-Length", strconv.FormatInt(h.decoded, 10))
		if r.Method == http.MethodHead {
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(h.gz.body))
		if err != nil {
			http.Error(w, "500 "+err.Error(), http.StatusInternalServerError)
			return
		}
		io.Copy(w, zr)
	}
}

// pickEncoding chooses br, gzip or "" (identity) from an Accept-Encoding
// header: the smallest the client takes with a q above zero.
func pickEncoding(accept string, haveBr bool) string {
	q := map[string]float64{}
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		v := 1.0
		if k, val, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
				v = f
			}
		}
		if name != "" {
			q[name] = v
		}
	}
	takes := func(enc string) bool {
		if v, ok := q[enc]; ok {
			return v > 0
		}
		v, ok := q["*"]
		return ok && v > 0
	}
	switch {
	case haveBr && takes("br"):
		return "br"
	case takes("gzip"):
		return "gzip"
	}
	return ""
}

// runNoArguments is socketlab without arguments: the playground window
// where there is a display, and otherwise the same playground in a
// browser (socketlab serve), its URL printed.
func runNoArguments(ctx context.Context, std stdio) error {
	if haveDisplay() {
		err := runCommand(ctx, playCmd, nil, std)
		if !errors.Is(err, view.ErrNoWindowSystem) {
			return err
		}
	}
	fmt.Fprintln(std.Err, "socketlab: no display for the playground window: serving it to a browser instead (socketlab help lists every command)")
	return runCommand(ctx, serveCmd, nil, std)
}
