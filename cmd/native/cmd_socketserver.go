package main

import (
	"bytes"
	"context"
	"time"

	"socketlab/core"
)

func init() {
	register(command{
		name:    "socketserver-server",
		args:    "[--addr :21567] [--iterative] [--max-conns N] [--idle 30s]",
		summary: "the textbook's SocketServer timestamp server (tsTservSS.py): one line per connection, '[ctime] line', close",
		run:     runSocketServerServer,
	})
	register(command{
		name:    "socketserver-client",
		args:    "[--timeout 10s] HOST:PORT",
		summary: "the textbook's SocketServer client (tsTclntSS.py): a new connection for every input line",
		run:     runSocketServerClient,
	})
}

func runSocketServerServer(ctx context.Context, args []string, io stdio) error {
	return serveStream(ctx, "socketserver-server", args, io, func(f streamServerFlags, logf func(string, ...any)) streamListener {
		return &core.LineTimestampServer{Iterative: *f.iterative, MaxConns: *f.maxConns, IdleTimeout: *f.idle, Logf: logf}
	})
}

func runSocketServerClient(ctx context.Context, args []string, io stdio) error {
	c := commands["socketserver-client"]
	fs := newFlags(c, io)
	timeout := fs.Duration("timeout", 10*time.Second, "give up on a connect or a reply after this `duration` (0: never)")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	addr, err := addrArg(fs)
	if err != nil {
		return err
	}
	client := core.LineTimestampClient{Timeout: *timeout}
	return withHint(chat(ctx, io, func(ctx context.Context, line []byte) ([]byte, error) {
		reply, err := client.Exchange(ctx, "tcp", addr, line)
		// The textbook prints data.strip(): the reply without its "\r\n".
		return bytes.TrimSpace(reply), err
	}), *timeout)
}
