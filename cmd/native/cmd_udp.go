package main

import (
	"context"
	"errors"

	"socketlab/core"
)

func init() {
	register(command{
		name:    "udp-server",
		args:    "[--addr :21567]",
		summary: "the textbook's UDP timestamp server (tsUserv.py): answers every datagram with '[ctime] data'",
		run:     runUDPServer,
	})
	register(command{
		name:    "udp-client",
		args:    "[--timeout 5s] HOST:PORT",
		summary: "the textbook's UDP client (tsUclnt.py): one datagram per input line, prints the datagram that comes back",
		run:     runUDPClient,
	})
	register(command{
		name:    "udp-echo",
		args:    "[--addr :51423] [--size 8192]",
		summary: "the textbook's UDP echo server (udpechoserver.py): sends every datagram back and logs who sent it",
		run:     runUDPEcho,
	})
}

// packetAddrFlag checks a server's --addr and that no argument is left.
func packetAddrFlag(fs interface {
	NArg() int
	Arg(int) string
	Name() string
}, addr string) error {
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q; the address is given with --addr", fs.Name(), fs.Arg(0))
	}
	if err := core.CheckHostPort(addr); err != nil {
		return usagef("%s: --addr: %v", fs.Name(), err)
	}
	return nil
}

func runUDPServer(ctx context.Context, args []string, io stdio) error {
	c := commands["udp-server"]
	fs := newFlags(c, io)
	addr := fs.String("addr", ":21567", "`HOST:PORT` to listen on; port 0 picks a free one, [::1]:PORT is IPv6 loopback")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	if err := packetAddrFlag(fs, *addr); err != nil {
		return err
	}
	srv := &core.UDPTimestampServer{Logf: lineLogger(io.Err)}
	return srv.ListenAndServe(ctx, "udp", *addr)
}

func runUDPEcho(ctx context.Context, args []string, io stdio) error {
	c := commands["udp-echo"]
	fs := newFlags(c, io)
	addr := fs.String("addr", ":51423", "`HOST:PORT` to listen on; port 0 picks a free one, [::1]:PORT is IPv6 loopback")
	size := fs.Int("size", core.EchoBufSize, "read at most `N` bytes of a datagram, like recvfrom(N); longer ones are cut")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	if err := packetAddrFlag(fs, *addr); err != nil {
		return err
	}
	if *size < 1 || *size > 65535 {
		return usagef("udp-echo: --size must be 1-65535 (a UDP datagram holds at most 65,507 bytes of data over IPv4), not %d", *size)
	}
	srv := &core.UDPEchoServer{BufSize: *size, Logf: lineLogger(io.Err)}
	return srv.ListenAndServe(ctx, "udp", *addr)
}

func runUDPClient(ctx context.Context, args []string, io stdio) error {
	c := commands["udp-client"]
	fs := newFlags(c, io)
	timeout := fs.Duration("timeout", core.DefaultUDPTimeout, "give up waiting for a reply after this `duration`: UDP cannot tell a lost datagram from a silent server")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	addr, err := addrArg(fs)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usagef("udp-client: --timeout must be positive, not %v", *timeout)
	}
	client := core.UDPClient{Timeout: *timeout, BufSize: 65536}
	conn, err := client.Dial(ctx, "udp", addr)
	if err != nil {
		return withHint(err, *timeout)
	}
	defer conn.Close()
	err = chat(ctx, io, func(ctx context.Context, line []byte) ([]byte, error) {
		return conn.Exchange(ctx, line)
	})
	if ce := (*core.Error)(nil); errors.As(err, &ce) && ce.Class == core.ClassTimeout {
		return err // it already says what silence means for UDP
	}
	return withHint(err, *timeout)
}
