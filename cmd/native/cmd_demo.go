package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"socketlab/core"
)

var demoCmd = &command{
	name:    "demo",
	args:    "[--host 127.0.0.1] [--trace FILE]",
	summary: "start every textbook demo server at once (TCP and UDP timestamp, SocketServer variant, UDP echo) until Ctrl-C",
	parse:   parseDemo,
}

// demoServer is one of the servers `socketlab demo` starts.
type demoServer struct {
	what, log string // for the banner, for the log
	network   string
	port      int
	stream    func(logf func(string, ...any), tr core.Tracer) streamService
	packet    func(logf func(string, ...any), tr core.Tracer) packetService
}

// demoServers are the textbook's servers on the textbook's ports: 21567 for
// tsTserv.py and tsUserv.py (TCP and UDP may share a number), 51423 for the
// UDP echo server of the error-handling notes.
var demoServers = []demoServer{
	{what: "TCP timestamp server", log: "tcp timestamp server", network: "tcp", port: 21567,
		stream: func(logf func(string, ...any), tr core.Tracer) streamService {
			return &core.TimestampServer{Trace: serverTracer(tr, logf, false)}
		}},
	{what: "UDP timestamp server", log: "udp timestamp server", network: "udp", port: 21567,
		packet: func(logf func(string, ...any), tr core.Tracer) packetService {
			return &core.UDPTimestampServer{Trace: serverTracer(tr, logf, false)}
		}},
	{what: "SocketServer timestamp server", log: "socketserver timestamp server", network: "tcp", port: 21568,
		stream: func(logf func(string, ...any), tr core.Tracer) streamService {
			return &core.LineTimestampServer{Trace: serverTracer(tr, logf, false)}
		}},
	{what: "UDP echo server", log: "udp echo server", network: "udp", port: 51423,
		packet: func(logf func(string, ...any), tr core.Tracer) packetService {
			return &core.UDPEchoServer{Trace: serverTracer(tr, logf, true)}
		}},
}

func parseDemo(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	host := fs.String("host", "127.0.0.1", "`ADDRESS` to listen on: loopback by default; ::1 for IPv6 loopback, \"\" (empty) for every interface (the LAN)")
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("demo: unexpected argument %s; the address is given with --host", strconv.Quote(pos[0]))
	}
	if strings.HasPrefix(*host, "[") && strings.HasSuffix(*host, "]") {
		*host = (*host)[1 : len(*host)-1]
	}
	if err := core.CheckHostPort(net.JoinHostPort(*host, "21567")); err != nil {
		return nil, usagef("demo: --host %s is not a host name or address", shown(*host))
	}
	if err := checkTraceFlag(fs, *traceFile, true); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error { return runDemo(ctx, std, *host, tr) })
	}, nil
}

// runDemo binds every server's socket first; only when all four are bound
// does it print the banner and serve. A name that does not resolve or a
// port already taken is one line and exit status 1, before any banner.
// All four servers trace into tr.
func runDemo(ctx context.Context, std stdio, host string, tr core.Tracer) error {
	logf := lineLogger(std.Err)
	binds := make([]func() (socket, error), len(demoServers))
	for i, d := range demoServers {
		addr := net.JoinHostPort(host, strconv.Itoa(d.port))
		binds[i] = func() (socket, error) {
			if d.stream != nil {
				return listenStream(ctx, d.log, addr, d.stream(logf, tr))
			}
			return listenPacket(ctx, d.log, addr, d.packet(logf, tr))
		}
	}
	socks, err := bindAll(binds...)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintln(std.Out, "socketlab demo servers (Ctrl-C stops them):")
	for i, d := range demoServers {
		fmt.Fprintf(std.Out, "  %-30s %s/%s\n", d.what, d.network, socks[i].addr)
	}
	if isLoopback(socks[0].addr) {
		fmt.Fprintln(std.Out, `(loopback only; --host "" opens them to the LAN)`)
	}
	return serveAll(ctx, logf, socks)
}
