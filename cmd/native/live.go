package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"socketlab/core"
	"socketlab/core/capture"
	"socketlab/core/httpget"
	"socketlab/core/info"
	"socketlab/core/lookup"
	"socketlab/core/lookup/dnstest"
	"socketlab/sim/lesson"
	"socketlab/sim/trace"
	"socketlab/sim/view"
)

// livePreset is the name under which the playground's picker lists the
// live run.
const livePreset = "live"

// liveSession is real mode: the textbook's servers on loopback, traced;
// real clients the user starts from the window (keys 1–9); the segments
// captured from the wire when the process may; all of it one live stream
// that the playground draws as it happens. Every source shares one start
// instant, so socket calls, kernel state and segments line up in time.
//
// It is also the playground's Source: "live" opens the live stream, every
// other request goes to the simulator, so the picker still offers the
// presets.
type liveSession struct {
	ctx    context.Context
	cancel context.CancelFunc
	start  time.Time
	sink   switchSink

	mu      sync.Mutex
	target  string          // a HOST:PORT the user named for the TCP client, or ""
	servers map[uint16]bool // ports whose end is the server's

	tcp, line, http *net.TCPAddr
	udp, echo       *net.UDPAddr
	dns             *dnstest.Server
	capture         *capture.Capture
	captureErr      error // why there are no segments, if there are none

	stop    []func() // shuts the servers down
	clients sync.WaitGroup
	sim     view.SimSource
}

// switchSink forwards to the feed of the live run on screen. Opening the
// run again (the picker) gives it a fresh feed; the servers keep theirs.
type switchSink struct {
	mu   sync.Mutex
	feed *trace.Feed
}

func (s *switchSink) set(f *trace.Feed) {
	s.mu.Lock()
	s.feed = f
	s.mu.Unlock()
}

// Emit passes e on to the current feed; a Feed copies it and never blocks.
func (s *switchSink) Emit(e *trace.Event) {
	s.mu.Lock()
	f := s.feed
	s.mu.Unlock()
	if f != nil {
		f.Emit(e)
	}
}

// startLive starts the servers on loopback (free ports), the capture
// if allowed, and returns the session. target, if not empty, is one more
// server for the TCP client to talk to.
func startLive(ctx context.Context, target string) (*liveSession, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &liveSession{ctx: ctx, cancel: cancel, start: time.Now(), target: target}
	tr := core.Tracer{Sink: &s.sink, Start: s.start}
	fail := func(err error) (*liveSession, error) {
		s.Close()
		return nil, fmt.Errorf("live: %w", err)
	}
	serveTCP := func(serve func(net.Listener) error, shutdown func(context.Context) error) (*net.TCPAddr, error) {
		l, err := core.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go serve(l)
		s.stop = append(s.stop, func() {
			sctx, c := context.WithTimeout(context.Background(), time.Second)
			defer c()
			shutdown(sctx)
		})
		return l.Addr().(*net.TCPAddr), nil
	}
	servePacket := func(serve func(net.PacketConn) error, shutdown func(context.Context) error) (*net.UDPAddr, error) {
		pc, err := core.ListenPacket(ctx, "udp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go serve(pc)
		s.stop = append(s.stop, func() {
			sctx, c := context.WithTimeout(context.Background(), time.Second)
			defer c()
			shutdown(sctx)
		})
		return pc.LocalAddr().(*net.UDPAddr), nil
	}
	var err error
	ts := &core.TimestampServer{Trace: tr}
	if s.tcp, err = serveTCP(ts.Serve, ts.Shutdown); err != nil {
		return fail(err)
	}
	ls := &core.LineTimestampServer{Trace: tr}
	if s.line, err = serveTCP(ls.Serve, ls.Shutdown); err != nil {
		return fail(err)
	}
	us := &core.UDPTimestampServer{Trace: tr}
	if s.udp, err = servePacket(us.ServePacket, us.Shutdown); err != nil {
		return fail(err)
	}
	es := &core.UDPEchoServer{Trace: tr}
	if s.echo, err = servePacket(es.ServePacket, es.Shutdown); err != nil {
		return fail(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hello from socketlab's live mode\n")
	}), ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	if s.http, err = serveTCP(hs.Serve, hs.Shutdown); err != nil {
		return fail(err)
	}
	if s.dns, err = dnstest.NewServer(dnstest.Zone...); err != nil {
		return fail(err)
	}
	ports := []uint16{uint16(s.tcp.Port), uint16(s.line.Port), uint16(s.udp.Port), uint16(s.echo.Port), uint16(s.http.Port), dnsPort(s.dns.Addr)}
	for _, p := range ports {
		s.serverPort(p)
	}
	if target != "" {
		if _, p, err := net.SplitHostPort(target); err == nil {
			if n, err := strconv.Atoi(p); err == nil {
				ports = append(ports, uint16(n))
				s.serverPort(uint16(n))
			}
		}
	}
	s.capture, s.captureErr = capture.Start(ctx, capture.Config{
		Ports: ports, Start: s.start, Sink: &s.sink,
		NodeOf: func(ep netip.AddrPort) string {
			if s.isServerPort(ep.Port()) {
				return core.NodeServer
			}
			return core.NodeClient
		},
	})
	return s, nil
}

// serverPort marks port as a server's: the capture names its end "server".
func (s *liveSession) serverPort(port uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.servers == nil {
		s.servers = map[uint16]bool{}
	}
	s.servers[port] = true
}

func (s *liveSession) isServerPort(port uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.servers[port]
}

func dnsPort(addr string) uint16 {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return uint16(n)
}

// Close stops the clients, the capture and the servers.
func (s *liveSession) Close() {
	s.cancel()
	s.clients.Wait()
	if s.capture != nil {
		s.capture.Close()
	}
	for _, stop := range s.stop {
		stop()
	}
	if s.dns != nil {
		s.dns.Close()
	}
}

// Presets lists the live run first, then the simulator's presets.
func (s *liveSession) Presets() []view.Preset {
	return append([]view.Preset{{Name: livePreset, Summary: "your own connections on loopback, drawn as they happen (keys 1–9 run clients)"}},
		s.sim.Presets()...)
}

// Open opens the live run for the live preset, else a simulation.
func (s *liveSession) Open(req view.Request) (view.Stream, error) {
	if req.Doc != nil || req.Preset != livePreset {
		return s.sim.Open(req)
	}
	feed := trace.NewFeed(1 << 20)
	s.sink.set(feed)
	h := liveHeader("your own connections, keys 1–9 · 你自己的连接，按 1–9")
	if s.captureErr != nil {
		feed.Emit(&trace.Event{Kind: trace.KindNote, Text: s.captureErr.Error()})
	}
	return view.FeedStream(h, feed), nil
}

// liveHeader is the header of a live run: the client and the server, both
// on loopback.
func liveHeader(title string) trace.Header {
	lo := netip.MustParseAddr("127.0.0.1")
	return trace.Header{Scenario: livePreset, Title: title,
		Nodes: []trace.Node{
			{Name: core.NodeClient, Kind: trace.NodeHost, Addrs: []netip.Addr{lo}, Role: "client"},
			{Name: core.NodeServer, Kind: trace.NodeHost, Addrs: []netip.Addr{lo}, Role: "server"},
		}}
}

// Encode saves a simulation's request; a live run is recorded instead.
func (s *liveSession) Encode(req view.Request) ([]byte, error) {
	if req.Preset == livePreset {
		return nil, errors.New("a live run is recorded as JSON lines (Ctrl+S), not saved as a scenario")
	}
	return s.sim.Encode(req)
}

// liveActions are the clients the window starts, in key order.
func (s *liveSession) liveActions() []struct {
	act view.Action
	run func(ctx context.Context, tr core.Tracer) error
} {
	type entry = struct {
		act view.Action
		run func(ctx context.Context, tr core.Tracer) error
	}
	exchange := tcpExchange
	udp := func(addr string) func(ctx context.Context, tr core.Tracer) error {
		return func(ctx context.Context, tr core.Tracer) error {
			c := core.UDPClient{Timeout: 2 * time.Second, Trace: tr}
			conn, err := c.Dial(ctx, "udp", addr)
			if err != nil {
				return err
			}
			defer conn.Close()
			_, err = conn.Exchange(ctx, []byte("hello"))
			return err
		}
	}
	acts := []entry{
		{view.Action{Name: "tcp-client", Summary: "tsTclnt.py sends \"hello\" to the TCP timestamp server " + s.tcp.String(),
			SummaryZH: "tsTclnt.py 向 TCP 时间戳服务器 " + s.tcp.String() + " 发送 \"hello\""}, exchange(s.tcp.String())},
		{view.Action{Name: "socketserver", Summary: "tsTclntSS.py: one line, one connection, to " + s.line.String(),
			SummaryZH: "tsTclntSS.py：一行一个连接，发往 " + s.line.String()}, func(ctx context.Context, tr core.Tracer) error {
			c := core.LineTimestampClient{Timeout: 5 * time.Second, Trace: tr}
			_, err := c.Exchange(ctx, "tcp", s.line.String(), []byte("hello"))
			return err
		}},
		{view.Action{Name: "udp-client", Summary: "tsUclnt.py sends a datagram to the UDP timestamp server " + s.udp.String(),
			SummaryZH: "tsUclnt.py 向 UDP 时间戳服务器 " + s.udp.String() + " 发送一个数据报"}, udp(s.udp.String())},
		{view.Action{Name: "udp-echo", Summary: "a datagram to the UDP echo server " + s.echo.String() + " and back",
			SummaryZH: "一个数据报发往 UDP 回显服务器 " + s.echo.String() + " 再返回"}, udp(s.echo.String())},
		{view.Action{Name: "get", Summary: "the HTTP/1.0 GET with half-close against " + s.http.String(),
			SummaryZH: "带半关闭的 HTTP/1.0 GET，发往 " + s.http.String()}, func(ctx context.Context, tr core.Tracer) error {
			c := httpget.Client{Trace: tr}
			_, err := c.Get(ctx, io.Discard, "127.0.0.1", strconv.Itoa(s.http.Port), "/")
			return err
		}},
		{view.Action{Name: "dns", Summary: "getaddrinfo(\"www.example.test\") asking the teaching zone at " + s.dns.Addr,
			SummaryZH: "getaddrinfo(\"www.example.test\")，询问教学域名服务器 " + s.dns.Addr}, func(ctx context.Context, tr core.Tracer) error {
			c, err := lookup.NewClient(s.dns.Addr, false)
			if err != nil {
				return err
			}
			c.Trace = tr
			_, err = c.Forward(ctx, "www.example.test")
			return err
		}},
		{view.Action{Name: "info", Summary: "connect to localhost by name, getsockname and getpeername, port " + strconv.Itoa(s.tcp.Port),
			SummaryZH: "按名字连接 localhost 的端口 " + strconv.Itoa(s.tcp.Port) + "，再调用 getsockname 和 getpeername"}, func(ctx context.Context, tr core.Tracer) error {
			c := info.Client{Trace: tr}
			_, err := c.Run(ctx, io.Discard, "localhost", strconv.Itoa(s.tcp.Port))
			return err
		}},
	}
	s.mu.Lock()
	target := s.target
	s.mu.Unlock()
	if target != "" {
		acts = append(acts, entry{view.Action{Name: "tcp → " + target, Summary: "tsTclnt.py sends \"hello\" to " + target,
			SummaryZH: "tsTclnt.py 向 " + target + " 发送 \"hello\""}, exchange(target)})
	}
	return acts
}

// tcpExchange is tsTclnt.py: "hello" to the TCP timestamp server at addr,
// its answer read, the connection closed.
func tcpExchange(addr string) func(ctx context.Context, tr core.Tracer) error {
	return func(ctx context.Context, tr core.Tracer) error {
		c := core.TimestampClient{Timeout: 5 * time.Second, Trace: tr}
		conn, err := c.Dial(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer conn.Close()
		_, err = conn.Exchange(ctx, []byte("hello"))
		return err
	}
}

// SetTarget makes hostport the TCP client's own server (the last key),
// watched by the capture when it is on this machine's loopback.
func (s *liveSession) SetTarget(hostport string) error {
	if err := core.CheckHostPort(hostport); err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(hostport)
	if port == "0" {
		return errors.New("port 0 is not a server's port")
	}
	s.mu.Lock()
	s.target = hostport
	s.mu.Unlock()
	if n, err := strconv.Atoi(port); err == nil && s.capture != nil {
		s.serverPort(uint16(n))
		s.capture.AddPorts(uint16(n))
	}
	return nil
}

// Actions lists the clients keys 1–9 start.
func (s *liveSession) Actions() []view.Action {
	var out []view.Action
	for _, a := range s.liveActions() {
		out = append(out, a.act)
	}
	return out
}

// Do starts client i on its own goroutine. Its socket calls and its
// failure, if any, arrive as events of the live run.
func (s *liveSession) Do(i int) error {
	acts := s.liveActions()
	if i < 0 || i >= len(acts) {
		return fmt.Errorf("no action %d", i+1)
	}
	if err := s.ctx.Err(); err != nil {
		return errors.New("the live session has ended")
	}
	tr := core.Tracer{Sink: &s.sink, Start: s.start}
	s.clients.Go(func() {
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		defer cancel()
		if err := acts[i].run(ctx, tr); err != nil {
			tr.Note(core.NodeClient, acts[i].act.Name+": "+err.Error())
		}
	})
	return nil
}

// tryLinger is how long a tried program's run stays open after the
// client is done: the server's last calls (its close) and the capture's
// last segments arrive that much later at most.
const tryLinger = 250 * time.Millisecond

// Try runs a lesson step's real program (lesson.RealPrograms: live
// mode's client of that name, or "refused", tsTclnt.py to a loopback
// port where nothing listens) and returns its events as a stream of their
// own that ends once the client is done. The playground draws them
// beside the step's simulated run; one program runs at a time.
func (s *liveSession) Try(program string) (view.Stream, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, errors.New("the live session has ended")
	}
	var run func(ctx context.Context, tr core.Tracer) error
	for _, a := range s.liveActions() {
		if a.act.Name == program {
			run = a.run
		}
	}
	if program == "refused" {
		addr, err := s.closedPort()
		if err != nil {
			return nil, err
		}
		run = tcpExchange(addr)
	}
	if run == nil {
		return nil, fmt.Errorf("no real program %q here (one of %s)", program, strings.Join(lesson.RealPrograms, ", "))
	}
	feed := trace.NewFeed(1 << 16)
	s.sink.set(feed) // the servers' events and the capture's
	// The client's own go to its run alone, also after the run was left
	// and another began.
	tr := core.Tracer{Sink: feed, Start: s.start}
	if s.captureErr != nil { // said once, at the run's start
		feed.Emit(&trace.Event{At: time.Since(s.start), Kind: trace.KindNote, Text: s.captureErr.Error()})
	}
	s.clients.Go(func() {
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		defer cancel()
		if err := run(ctx, tr); err != nil {
			tr.Note(core.NodeClient, program+": "+err.Error())
		}
		select {
		case <-time.After(tryLinger):
		case <-s.ctx.Done():
		}
		feed.End(nil)
	})
	return view.FeedStream(liveHeader(program), feed), nil
}

// closedPort returns a loopback address where nothing listens (a port
// just given back by the kernel), watched by the capture as a server's.
func (s *liveSession) closedPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	s.serverPort(uint16(addr.Port))
	if s.capture != nil {
		s.capture.AddPorts(uint16(addr.Port))
	}
	return addr.String(), nil
}
