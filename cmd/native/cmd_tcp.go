package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"socketlab/core"
)

func init() {
	register(command{
		name:    "tcp-server",
		args:    "[--addr :21567] [--iterative] [--max-conns N] [--idle 30s]",
		summary: "the textbook's TCP timestamp server (tsTserv.py): answers every chunk with '[ctime] chunk'",
		run:     runTCPServer,
	})
	register(command{
		name:    "tcp-client",
		args:    "[--timeout 10s] HOST:PORT",
		summary: "the textbook's TCP timestamp client (tsTclnt.py): sends each input line, prints the reply",
		run:     runTCPClient,
	})
}

// streamServerFlags are the flags tcp-server and socketserver-server share.
type streamServerFlags struct {
	addr      *string
	iterative *bool
	maxConns  *int
	idle      *time.Duration
}

func addStreamServerFlags(fs *flag.FlagSet) streamServerFlags {
	return streamServerFlags{
		addr:      fs.String("addr", ":21567", "`HOST:PORT` to listen on; :PORT is every interface, port 0 picks a free one, [::1]:PORT is IPv6 loopback"),
		iterative: fs.Bool("iterative", false, "serve one client at a time, like the textbook's loop (others wait in the listen backlog)"),
		maxConns:  fs.Int("max-conns", core.DefaultMaxConns, "serve at most `N` connections at once; more wait in the listen backlog"),
		idle:      fs.Duration("idle", 30*time.Second, "close a connection that sends nothing for this `duration` (negative: never)"),
	}
}

// check validates the flags after parsing: mistakes are usage errors.
func (f streamServerFlags) check(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q; the address is given with --addr", fs.Name(), fs.Arg(0))
	}
	if err := core.CheckHostPort(*f.addr); err != nil {
		return usagef("%s: --addr: %v", fs.Name(), err)
	}
	if *f.maxConns < 1 {
		return usagef("%s: --max-conns must be at least 1, not %d", fs.Name(), *f.maxConns)
	}
	if *f.idle == 0 {
		return usagef("%s: --idle must not be 0; use a negative value to never time out", fs.Name())
	}
	return nil
}

func runTCPServer(ctx context.Context, args []string, io stdio) error {
	return serveStream(ctx, "tcp-server", args, io, func(f streamServerFlags, logf func(string, ...any)) streamListener {
		return &core.TimestampServer{Iterative: *f.iterative, MaxConns: *f.maxConns, IdleTimeout: *f.idle, Logf: logf}
	})
}

// streamListener is what tcp-server and socketserver-server run.
type streamListener interface {
	ListenAndServe(ctx context.Context, network, addr string) error
}

// serveStream parses the flags the stream servers share and runs the
// server that build makes from them until ctx is cancelled.
func serveStream(ctx context.Context, name string, args []string, io stdio,
	build func(f streamServerFlags, logf func(string, ...any)) streamListener) error {
	fs := newFlags(commands[name], io)
	f := addStreamServerFlags(fs)
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
		return err
	}
	return build(f, lineLogger(io.Err)).ListenAndServe(ctx, "tcp", *f.addr)
}

func runTCPClient(ctx context.Context, args []string, io stdio) error {
	c := commands["tcp-client"]
	fs := newFlags(c, io)
	timeout := fs.Duration("timeout", 10*time.Second, "give up on a connect or a reply after this `duration` (0: never)")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	addr, err := addrArg(fs)
	if err != nil {
		return err
	}
	client := core.TimestampClient{Timeout: *timeout}
	conn, err := client.Dial(ctx, "tcp", addr)
	if err != nil {
		return withHint(err, *timeout)
	}
	defer conn.Close()
	return withHint(chat(ctx, io, func(ctx context.Context, line []byte) ([]byte, error) {
		return conn.Exchange(ctx, line)
	}), *timeout)
}

// addrArg returns the single HOST:PORT argument, or a usage error.
func addrArg(fs *flag.FlagSet) (string, error) {
	switch fs.NArg() {
	case 0:
		return "", usagef("%s: missing HOST:PORT, e.g. socketlab %s 127.0.0.1:21567", fs.Name(), fs.Name())
	case 1:
	default:
		return "", usagef("%s: want one HOST:PORT, got %d arguments", fs.Name(), fs.NArg())
	}
	addr := fs.Arg(0)
	if err := core.CheckHostPort(addr); err != nil {
		return "", usagef("%s: %v", fs.Name(), err)
	}
	return addr, nil
}

// lineLogger returns a Logf that writes whole lines to w; servers call it
// from many goroutines, so writes are serialized.
func lineLogger(w io.Writer) func(format string, args ...any) {
	var mu sync.Mutex
	return func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, line)
	}
}

// interactive reports whether r is a terminal: only then do the clients
// show the textbook's "> " prompt.
func interactive(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// chat is the textbook client loop: read a line (with the "> " prompt on a
// terminal), stop at an empty line or end of input, otherwise send it
// without its newline and print the reply. Ctrl-C (ctx) ends it at once,
// even while it waits for input.
func chat(ctx context.Context, std stdio, exchange func(context.Context, []byte) ([]byte, error)) error {
	prompt := interactive(std.In)
	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		br := bufio.NewReader(std.In)
		for {
			line, err := br.ReadString('\n')
			if line != "" || err == nil {
				select {
				case lines <- line:
				case <-done:
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	for {
		if prompt {
			fmt.Fprint(std.Out, "> ")
		}
		var line string
		select {
		case <-ctx.Done():
			if prompt {
				fmt.Fprintln(std.Out)
			}
			return ctx.Err() // interrupted at the prompt: exit status 130, no message
		case err := <-readErr:
			if prompt {
				fmt.Fprintln(std.Out)
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read input: %w", err)
		case line = <-lines:
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" {
			return nil
		}
		reply, err := exchange(ctx, []byte(line))
		if err != nil {
			return err
		}
		fmt.Fprintf(std.Out, "%s\n", reply)
	}
}
