package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"socketlab/core"
)

var tcpServerCmd = &command{
	name:    "tcp-server",
	args:    "[--addr 127.0.0.1:21567] [--iterative] [--max-conns N] [--idle 30s] [--trace FILE]",
	summary: "the textbook's TCP timestamp server (tsTserv.py): answers every chunk with '[ctime] chunk'",
	parse:   parseTCPServer,
}

var tcpClientCmd = &command{
	name:    "tcp-client",
	args:    "[--timeout 10s] [--trace FILE] HOST:PORT",
	summary: "the textbook's TCP timestamp client (tsTclnt.py): sends each input line, prints the reply",
	parse:   parseTCPClient,
}

// defaultServerAddr is where the textbook's timestamp servers listen: on
// loopback, until --addr :21567 opens them to the LAN.
const defaultServerAddr = "127.0.0.1:21567"

// streamServerFlags are the flags tcp-server and socketserver-server share.
type streamServerFlags struct {
	addr      *string
	iterative *bool
	maxConns  *int
	idle      *time.Duration
	trace     *wireFlags
}

func addStreamServerFlags(fs *flag.FlagSet) streamServerFlags {
	return streamServerFlags{
		addr:      addrFlag(fs, defaultServerAddr),
		iterative: fs.Bool("iterative", false, "serve one client at a time, like the textbook's loop (others wait in the listen backlog)"),
		maxConns:  intFlag(fs, "max-conns", core.DefaultMaxConns, 1, 10_000, "serve at most `N` connections at once; more wait in the listen backlog"),
		idle: durationFlag(fs, "idle", 30*time.Second, time.Millisecond, maxWait, "never",
			"close a connection that sends nothing for this `duration`"),
		trace: traceFlag(fs),
	}
}

// addrFlag is a server's --addr.
func addrFlag(fs *flag.FlagSet, def string) *string {
	return fs.String("addr", def, "`HOST:PORT` to listen on; loopback by default, :PORT is every interface (the LAN), port 0 picks a free one, [::1]:PORT is IPv6 loopback")
}

// checkServerArgs checks a server's --addr and that no argument is left.
func checkServerArgs(fs *flag.FlagSet, pos []string, addr string) error {
	if len(pos) > 0 {
		return usagef("%s: unexpected argument %s; the address is given with --addr", fs.Name(), strconv.Quote(pos[0]))
	}
	if err := core.CheckHostPort(addr); err != nil {
		return usagef("%s: --addr: %v", fs.Name(), err)
	}
	return nil
}

// parseStreamServer parses the flags the stream servers share; build makes
// the server from them.
func parseStreamServer(c *command, args []string, std stdio, what string,
	build func(f streamServerFlags, logf func(string, ...any), tr core.Tracer) streamService) (action, error) {
	fs := newFlags(c)
	f := addStreamServerFlags(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if err := checkServerArgs(fs, pos, *f.addr); err != nil {
		return nil, err
	}
	if err := checkTraceFlag(fs, *f.trace, false); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*f.trace, std, c.name, args, func(tr core.Tracer) error {
			if err := checkPortName(ctx, fs, "tcp", *f.addr, "--addr"); err != nil {
				return err
			}
			return serveOne(ctx, std.Err, func(logf func(string, ...any)) (socket, error) {
				return listenStream(ctx, what, *f.addr, build(f, logf, tr))
			})
		})
	}, nil
}

func parseTCPServer(c *command, args []string, std stdio) (action, error) {
	return parseStreamServer(c, args, std, "tcp timestamp server", func(f streamServerFlags, logf func(string, ...any), tr core.Tracer) streamService {
		return &core.TimestampServer{Iterative: *f.iterative, MaxConns: *f.maxConns, IdleTimeout: *f.idle, Trace: serverTracer(tr, logf, false)}
	})
}

func parseTCPClient(c *command, args []string, std stdio) (action, error) {
	return parseTCPClientArgs(c, args, std, func(ctx context.Context, fs *flag.FlagSet, timeout time.Duration, addr string, tr core.Tracer) error {
		client := core.TimestampClient{Timeout: timeout, Trace: tr}
		conn, err := client.Dial(ctx, "tcp", addr)
		if err != nil {
			return withHint(err, fs)
		}
		defer conn.Close()
		return withHint(chat(ctx, std, func(ctx context.Context, line []byte) ([]byte, error) {
			return conn.Exchange(ctx, line)
		}), fs)
	})
}

// parseTCPClientArgs parses what the TCP timestamp clients share —
// --timeout, --trace, --pcap and one HOST:PORT — and runs talk with them,
// the port name already looked up and the trace around it.
func parseTCPClientArgs(c *command, args []string, std stdio,
	talk func(ctx context.Context, fs *flag.FlagSet, timeout time.Duration, addr string, tr core.Tracer) error) (action, error) {
	fs := newFlags(c)
	timeout := timeoutFlag(fs, 10*time.Second, "give up on a connect or a reply after this `duration`")
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
			if err := checkPortName(ctx, fs, "tcp", addr, ""); err != nil {
				return err
			}
			return talk(ctx, fs, *timeout, addr, tr)
		})
	}, nil
}

// addrArg returns the single HOST:PORT argument, or a usage error.
func addrArg(fs *flag.FlagSet, pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", usagef("%s: missing HOST:PORT, e.g. socketlab %s 127.0.0.1:21567", fs.Name(), fs.Name())
	case 1:
	default:
		return "", usagef("%s: want one HOST:PORT, got %d arguments", fs.Name(), len(pos))
	}
	addr := pos[0]
	if err := core.CheckHostPort(addr); err != nil {
		return "", usagef("%s: %v", fs.Name(), err)
	}
	return addr, nil
}

// checkPortName looks up the port of addr if it is a service name ("http"),
// so that a name /etc/services does not know is a command-line mistake
// (exit status 2) that names the port, not a network failure.
func checkPortName(ctx context.Context, fs *flag.FlagSet, network, addr, flagName string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || isPortNumber(port) {
		return nil
	}
	if _, err := net.DefaultResolver.LookupPort(ctx, network, port); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		where := ""
		if flagName != "" {
			where = flagName + ": "
		}
		return usagef("%s: %sunknown port %s: no %s service of that name on this machine; give a number, or a name from 'socketlab services --list'",
			fs.Name(), where, strconv.Quote(port), network)
	}
	return nil
}

// lineLogger returns a printf-style logger that writes whole lines to w;
// the servers' logSinks call it from many goroutines, so writes are serialized.
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
