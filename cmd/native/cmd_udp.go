package main

import (
	"context"
	"errors"
	"flag"
	"time"

	"socketlab/core"
)

var udpServerCmd = &command{
	name:    "udp-server",
	args:    "[--addr 127.0.0.1:21567] [--trace FILE]",
	summary: "the textbook's UDP timestamp server (tsUserv.py): answers every datagram with '[ctime] data'",
	parse:   parseUDPServer,
}

var udpClientCmd = &command{
	name:    "udp-client",
	args:    "[--timeout 5s] [--trace FILE] HOST:PORT",
	summary: "the textbook's UDP client (tsUclnt.py): one datagram per input line, prints the datagram that comes back",
	parse:   parseUDPClient,
}

var udpEchoCmd = &command{
	name:    "udp-echo",
	args:    "[--addr 127.0.0.1:51423] [--size 8192] [--trace FILE]",
	summary: "the textbook's UDP echo server (udpechoserver.py): sends every datagram back and logs who sent it",
	parse:   parseUDPEcho,
}

func parseUDPServer(c *command, args []string, std stdio) (action, error) {
	return parsePacketServer(c, args, std, defaultServerAddr, "udp timestamp server", nil,
		func(tr core.Tracer, logf func(string, ...any)) packetService {
			return &core.UDPTimestampServer{Trace: serverTracer(tr, logf, false)}
		})
}

func parseUDPEcho(c *command, args []string, std stdio) (action, error) {
	var size *int
	return parsePacketServer(c, args, std, "127.0.0.1:51423", "udp echo server",
		func(fs *flag.FlagSet) {
			size = intFlag(fs, "size", core.EchoBufSize, 1, 65535,
				"read at most `N` bytes of a datagram, like recvfrom(N); longer ones are cut (a UDP datagram holds at most 65,507 bytes of data over IPv4)")
		},
		func(tr core.Tracer, logf func(string, ...any)) packetService {
			return &core.UDPEchoServer{BufSize: *size, Trace: serverTracer(tr, logf, true)}
		})
}

// parsePacketServer parses what the UDP servers share — --addr, --trace,
// --pcap — and, through flags (nil: none), their own flags; build makes
// the server that answers on the socket.
func parsePacketServer(c *command, args []string, std stdio, defAddr, what string,
	flags func(*flag.FlagSet), build func(tr core.Tracer, logf func(string, ...any)) packetService) (action, error) {
	fs := newFlags(c)
	addr := addrFlag(fs, defAddr)
	if flags != nil {
		flags(fs)
	}
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if err := checkServerArgs(fs, pos, *addr); err != nil {
		return nil, err
	}
	if err := checkTraceFlag(fs, *traceFile, false); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error {
			if err := checkPortName(ctx, fs, "udp", *addr, "--addr"); err != nil {
				return err
			}
			return serveOne(ctx, std.Err, func(logf func(string, ...any)) (socket, error) {
				return listenPacket(ctx, what, *addr, build(tr, logf))
			})
		})
	}, nil
}

func parseUDPClient(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	timeout := durationFlag(fs, "timeout", core.DefaultUDPTimeout, time.Millisecond, maxWait, "",
		"give up waiting for a reply after this `duration`: UDP cannot tell a lost datagram from a silent server")
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	addr, err := addrArg(fs, pos)
	if err != nil {
		return nil, err
	}
	if err := checkTraceFlag(fs, *traceFile, true); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error {
			if err := checkPortName(ctx, fs, "udp", addr, ""); err != nil {
				return err
			}
			client := core.UDPClient{Timeout: *timeout, BufSize: 65536, Trace: tr}
			conn, err := client.Dial(ctx, "udp", addr)
			if err != nil {
				return withHint(err, fs)
			}
			defer conn.Close()
			err = chat(ctx, std, func(ctx context.Context, line []byte) ([]byte, error) {
				return conn.Exchange(ctx, line)
			})
			if ce := (*core.Error)(nil); errors.As(err, &ce) && ce.Class == core.ClassTimeout {
				return err // it already says what silence means for UDP
			}
			return withHint(err, fs)
		})
	}, nil
}
