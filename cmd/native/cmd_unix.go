package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"socketlab/core"
	"socketlab/sim/trace"
)

var unixServerCmd = &command{
	name:    "unix-server",
	args:    "--path PATH [--idle 30s] [--trace FILE]",
	summary: "the TCP timestamp server on a Unix-domain stream socket: '[ctime] chunk' for every chunk; removes its socket file on exit",
	parse:   parseUnixServer,
}

var unixClientCmd = &command{
	name:    "unix-client",
	args:    "--path PATH [--timeout 10s] [--trace FILE]",
	summary: "the timestamp client over a Unix-domain stream socket: sends each input line, prints the reply",
	parse:   parseUnixClient,
}

// maxUnixPath is the longest socket path Linux takes (sun_path less its NUL).
const maxUnixPath = 107

func pathFlag(fs *flag.FlagSet) *string {
	return fs.String("path", "", "the socket's `PATH` in the file system, e.g. /tmp/ts.sock (at most 107 bytes)")
}

func checkPathFlag(fs *flag.FlagSet, pos []string, path string) error {
	switch {
	case len(pos) > 0:
		return usagef("%s: unexpected argument %s; the socket is given with --path", fs.Name(), strconv.Quote(pos[0]))
	case path == "":
		return usagef("%s: missing --path, e.g. socketlab %s --path /tmp/ts.sock", fs.Name(), fs.Name())
	case len(path) > maxUnixPath:
		return usagef("%s: --path is %d bytes long; a Unix socket path holds at most %d", fs.Name(), len(path), maxUnixPath)
	case strings.ContainsRune(path, 0):
		return usagef("%s: --path contains a NUL byte", fs.Name())
	}
	return nil
}

func parseUnixServer(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	path := pathFlag(fs)
	idle := durationFlag(fs, "idle", 30*time.Second, time.Millisecond, maxWait, "never",
		"close a connection that sends nothing for this `duration`")
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if err := checkPathFlag(fs, pos, *path); err != nil {
		return nil, err
	}
	if err := checkTraceFlag(fs, *traceFile, false); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error {
			st := serverTracer(tr, lineLogger(std.Err), false)
			srv := &core.TimestampServer{IdleTimeout: *idle, Trace: st}
			return core.ListenAndServeUnix(ctx, *path, srv, st)
		})
	}, nil
}

func parseUnixClient(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	path := pathFlag(fs)
	timeout := timeoutFlag(fs, 10*time.Second, "give up on a connect or a reply after this `duration`")
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if err := checkPathFlag(fs, pos, *path); err != nil {
		return nil, err
	}
	if err := checkTraceFlag(fs, *traceFile, true); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error {
			return unixChat(ctx, std, *path, *timeout, tr)
		})
	}, nil
}

func unixChat(ctx context.Context, std stdio, path string, timeout time.Duration, tr core.Tracer) error {
	dctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	tr.ConnectStart(core.NodeClient, path)
	conn, err := core.DialUnix(dctx, nil, path)
	if err != nil {
		tr.ConnectFailed(core.NodeClient, path, err)
		return err
	}
	ct := tr.Conn(core.NodeClient, conn)
	ct.Op(trace.OpConnect, 0, nil)
	defer func() {
		ct.Close("")
		conn.Close()
	}()
	buf := make([]byte, core.BufSize)
	return chat(ctx, std, func(ctx context.Context, line []byte) ([]byte, error) {
		// A past deadline set the moment ctx ends wakes a blocked read.
		stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
		defer stop()
		var dl time.Time
		if timeout > 0 {
			dl = time.Now().Add(timeout)
		}
		conn.SetDeadline(dl)
		if _, err := conn.Write(line); err != nil {
			err = unixIOError(ctx, "send", path, err)
			ct.Fail("send", err)
			return nil, err
		}
		ct.Op(trace.OpWrite, len(line), line)
		n, err := conn.Read(buf)
		if n == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				ct.Op(trace.OpRead, 0, nil)
			}
			err = unixIOError(ctx, "receive", path, err)
			if !errors.Is(err, io.EOF) {
				ct.Fail("receive", err)
			}
			return nil, err
		}
		ct.Op(trace.OpRead, n, buf[:n])
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
