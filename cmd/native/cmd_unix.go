package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"socketlab/core"
)

func init() {
	register(command{
		name:    "unix-server",
		args:    "--path PATH [--idle 30s]",
		summary: "the TCP timestamp server on a Unix-domain stream socket: '[ctime] chunk' for every chunk; removes its socket file on exit",
		run:     runUnixServer,
	})
	register(command{
		name:    "unix-client",
		args:    "--path PATH [--timeout 10s]",
		summary: "the timestamp client over a Unix-domain stream socket: sends each input line, prints the reply",
		run:     runUnixClient,
	})
}

func pathFlag(fs *flag.FlagSet) *string {
	return fs.String("path", "", "the socket's `PATH` in the file system, e.g. /tmp/ts.sock (at most 107 bytes)")
}

func checkPathFlag(fs *flag.FlagSet, path string) error {
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q; the socket is given with --path", fs.Name(), fs.Arg(0))
	}
	if path == "" {
		return usagef("%s: missing --path, e.g. socketlab %s --path /tmp/ts.sock", fs.Name(), fs.Name())
	}
	return nil
}

func runUnixServer(ctx context.Context, args []string, io stdio) error {
	c := commands["unix-server"]
	fs := newFlags(c, io)
	path := pathFlag(fs)
	idle := fs.Duration("idle", 30*time.Second, "close a connection that sends nothing for this `duration` (negative: never)")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	if err := checkPathFlag(fs, *path); err != nil {
		return err
	}
	if *idle == 0 {
		return usagef("unix-server: --idle must not be 0; use a negative value to never time out")
	}
	logf := lineLogger(io.Err)
	srv := &core.TimestampServer{IdleTimeout: *idle, Logf: logf}
	return core.ListenAndServeUnix(ctx, *path, srv, logf)
}

func runUnixClient(ctx context.Context, args []string, io stdio) error {
	c := commands["unix-client"]
	fs := newFlags(c, io)
	path := pathFlag(fs)
	timeout := fs.Duration("timeout", 10*time.Second, "give up on a connect or a reply after this `duration` (0: never)")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	if err := checkPathFlag(fs, *path); err != nil {
		return err
	}
	dctx := ctx
	if *timeout > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	conn, err := core.DialUnix(dctx, nil, *path)
	if err != nil {
		return err
	}
	defer conn.Close()
	buf := make([]byte, core.BufSize)
	return chat(ctx, io, func(ctx context.Context, line []byte) ([]byte, error) {
		// A past deadline set the moment ctx ends wakes a blocked read.
		stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
		defer stop()
		var dl time.Time
		if *timeout > 0 {
			dl = time.Now().Add(*timeout)
		}
		conn.SetDeadline(dl)
		if _, err := conn.Write(line); err != nil {
			return nil, unixIOError(ctx, "send", *path, err)
		}
		n, err := conn.Read(buf)
		if n == 0 && err != nil {
			return nil, unixIOError(ctx, "receive", *path, err)
		}
		return buf[:n], nil
	})
}

func unixIOError(ctx context.Context, phase, path string, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, io.EOF):
		return &core.Error{Phase: phase, Addr: path, Class: core.ClassSocket, Err: fmt.Errorf("the server closed the connection: %w", io.EOF)}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &core.Error{Phase: phase, Addr: path, Class: core.ClassTimeout, Err: fmt.Errorf("no reply in time: %w", err)}
	}
	return core.Wrap(phase, path, err)
}
