package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"socketlab/core"
	"socketlab/core/capture"
	"socketlab/sim/trace"
)

// stdio is the terminal a subcommand talks to; tests pass buffers.
type stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// command is one socketlab subcommand, a value in the manner of cmd/go:
// its name, usage line and summary, and parse, which defines its flags
// and reads a command line into the action to run. Every command is
// listed once, in the commands slice of main.go.
type command struct {
	name    string // what the user types
	args    string // the synopsis after the name, e.g. "[flags] HOST:PORT"
	summary string // one line for the command list
	// parse checks args and returns what the command will do. It prints
	// nothing but --help and touches neither the network nor the file
	// system, so that any command line can be checked (and fuzzed)
	// without effects; the returned action does the work.
	parse func(c *command, args []string, io stdio) (action, error)
}

// action is a checked command line, ready to run until ctx ends.
type action func(ctx context.Context) error

// lookupCommand returns the command called name, or nil.
func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef reports a command-line mistake; the message should say what to
// do. It is kept on one line even if it quotes what was typed.
func usagef(format string, a ...any) error { return usageError{oneLine(fmt.Sprintf(format, a...))} }

// oneLine escapes line breaks, so that a message that quotes what the user
// typed stays one line.
func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}

// errHelpShown means usage was printed on request: exit status 0.
var errHelpShown = errors.New("help shown")

// run dispatches to a subcommand. With no arguments it opens the
// playground, or, without a display, serves it to a browser (cmd_serve.go).
func run(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		return runNoArguments(ctx, io)
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookupCommand(args[1]); c != nil {
				return runCommand(ctx, c, []string{"--help"}, io)
			}
			return usagef("help: unknown command %q; run 'socketlab help' for the list", args[1])
		}
		printOverview(io.Out)
		return nil
	}
	c := lookupCommand(name)
	if c == nil {
		return usagef("unknown command %q; run 'socketlab help' for the list", name)
	}
	return runCommand(ctx, c, args[1:], io)
}

// runCommand parses args for c and runs the action.
func runCommand(ctx context.Context, c *command, args []string, io stdio) error {
	act, err := c.parse(c, args, io)
	if err != nil {
		return err
	}
	return act(ctx)
}

func printOverview(w io.Writer) {
	fmt.Fprintln(w, "socketlab — a playground for learning network programming")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: socketlab COMMAND [flags] [args]   (socketlab COMMAND --help for details)")
	fmt.Fprintln(w)
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
}

// flagSetMade, if not nil, is told of every flag set a command makes:
// tests use it to inspect every command's flags.
var flagSetMade func(*flag.FlagSet)

// newFlags returns the flag set of c; its Usage prints the synopsis, the
// summary and the flags to the flag set's output (stdout for --help).
func newFlags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	if flagSetMade != nil {
		flagSetMade(fs)
	}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: socketlab %s %s\n\n%s\n", c.name, c.args, c.summary)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// How parseArgs treats what is not a flag.
type argMode int

const (
	// flagsAnywhere: flags may come before, between and after the
	// positional arguments ("dns NAME --server X").
	flagsAnywhere argMode = iota
	// flagsFirst: the first positional argument ends the flags; it and
	// everything after it are positional ("toolbox order -1").
	flagsFirst
	// ownFlagsOnly: flags of fs are taken wherever they are; any other
	// flag is passed on as a positional argument, for a subcommand's own
	// parser ("toolbox serv --builtin 22/tcp --timeout 1s").
	ownFlagsOnly
)

// parseArgs parses the flags of fs in args, which may come before or
// after the positional arguments, and returns the positional arguments.
// After "--" every argument is positional, and so is one that looks like
// a negative number ("-1/tcp"): no flag name starts with a digit.
// -h/--help prints the usage to io.Out and returns errHelpShown. A mistake
// is a usageError of one line naming the flag and the problem; the flag
// package's own messages and usage dump are not used.
func parseArgs(fs *flag.FlagSet, args []string, std stdio) ([]string, error) {
	return scanArgs(fs, args, std, flagsAnywhere)
}

func scanArgs(fs *flag.FlagSet, args []string, std stdio, mode argMode) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if mode == ownFlagsOnly {
				return append(pos, args[i:]...), nil
			}
			return append(pos, args[i+1:]...), nil
		}
		if !looksLikeFlag(a) {
			if mode == flagsFirst {
				return append(pos, args[i:]...), nil
			}
			pos = append(pos, a)
			continue
		}
		s := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if s == "" || s[0] == '-' || s[0] == '=' {
			return nil, flagError(fs, "bad flag syntax %s", shown(a))
		}
		name, value, hasValue := strings.Cut(s, "=")
		f := fs.Lookup(name)
		if f == nil {
			if name == "h" || name == "help" {
				fs.SetOutput(std.Out)
				fs.Usage()
				fs.SetOutput(io.Discard)
				return nil, errHelpShown
			}
			if mode == ownFlagsOnly {
				pos = append(pos, a)
				continue
			}
			return nil, flagError(fs, "unknown flag %s", shown(dashed(name)))
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			if !hasValue {
				value = "true"
				// A switch that may name a choice (--code go) takes the
				// next argument when it is one of its words.
				if w, ok := f.Value.(interface{ TakesWord(string) bool }); ok && i+1 < len(args) && w.TakesWord(args[i+1]) {
					i++
					value = args[i]
				}
			}
		} else if !hasValue {
			if i+1 == len(args) {
				return nil, flagError(fs, "%s needs a value", dashed(name))
			}
			i++
			value = args[i]
		}
		if err := fs.Set(name, value); err != nil {
			return nil, flagError(fs, "%s %s: %s", dashed(name), shown(value), badValue(f, err))
		}
	}
	return pos, nil
}

// looksLikeFlag reports whether a is a flag: "-x", "--name", "--name=v";
// not "-", and not a negative number such as "-1" or "-1/tcp".
func looksLikeFlag(a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	c := a[1]
	return !(c >= '0' && c <= '9' || c == '.')
}

// dashed writes a flag name as the README does: -x, --name.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// shown quotes s unless it is plain printable text without spaces, so
// that an error stays one readable line whatever was typed.
func shown(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r <= ' ' || r > '~' || r == '"' || r == '\'' || r == '\\' {
			return strconv.Quote(s)
		}
	}
	return s
}

// flagError is a one-line usage error that names the command and points
// to its --help.
func flagError(fs *flag.FlagSet, format string, a ...any) error {
	return usagef("%s: %s (see 'socketlab %s --help')", fs.Name(), fmt.Sprintf(format, a...), fs.Name())
}

// badValue says what a flag wants instead of the value it was given.
func badValue(f *flag.Flag, err error) string {
	var re rangeError
	if errors.As(err, &re) {
		return re.msg
	}
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			return "want true or false"
		case int, int64, uint, uint64:
			return "want a whole number"
		case float64:
			return "want a number"
		case time.Duration:
			return "want a duration such as 10s or 250ms"
		}
	}
	return firstLine(err.Error())
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// report prints err as one line and returns the exit status.
func report(err error, w io.Writer) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.Is(err, context.Canceled):
		return 130 // interrupted, like a shell reports SIGINT
	case errors.As(err, &ue):
		fmt.Fprintln(w, "socketlab:", firstLine(ue.msg))
		return 2
	default:
		fmt.Fprintln(w, "socketlab:", firstLine(err.Error()))
		return 1
	}
}

// traceOut is the --trace file of a running command: a trace.Feed that
// the servers and clients emit into from any goroutine without waiting,
// and one goroutine that writes what the feed holds as JSON lines,
// whole lines with one write per batch, so that 'tail -f' follows the
// run. A nil *traceOut traces nothing.
type traceOut struct {
	tr    core.Tracer
	feed  *trace.Feed
	path  string
	file  *os.File // nil for stdout
	done  chan struct{}
	err   error // the first write error; read after done
	errw  io.Writer
	batch time.Duration
	order trace.Reorderer
}

// traceFeedLimit bounds the events waiting to be written: a server that
// emits faster than the file takes them loses events (counted and
// reported), never blocks.
const traceFeedLimit = 1 << 16

// startTrace creates path ("-": out) and writes the header of a live
// trace for the command line name args. It does nothing for an empty
// path. An error is one line naming the file; the command then does
// nothing else.
func startTrace(path string, out, errw io.Writer, name string, args []string) (*traceOut, error) {
	if path == "" {
		return nil, nil
	}
	t := &traceOut{path: path, errw: errw, done: make(chan struct{}), feed: trace.NewFeed(traceFeedLimit), batch: 20 * time.Millisecond,
		order: trace.Reorderer{Hold: 1}}
	w := out
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("%s: --trace: %v", name, err)
		}
		t.file, w = f, f
	}
	h := core.TraceHeader(name, strings.TrimSpace("socketlab "+name+" "+strings.Join(args, " ")))
	var buf bytes.Buffer
	jw := trace.NewJSONLWriter(&buf)
	err := jw.WriteHeader(&h)
	if err == nil {
		_, err = w.Write(buf.Bytes())
	}
	if err != nil {
		t.closeFile()
		return nil, fmt.Errorf("%s: --trace %s: %v", name, path, err)
	}
	t.tr = core.NewTracer(t.feed)
	go t.write(w, jw, &buf)
	return t, nil
}

// Tracer is what the command's servers and clients trace with; the zero
// Tracer (off) without --trace.
func (t *traceOut) Tracer() core.Tracer {
	if t == nil {
		return core.Tracer{}
	}
	return t.tr
}

// write takes batches from the feed and writes each with one Write,
// pausing between batches so that a busy server costs a few writes a
// second, not one per event.
func (t *traceOut) write(w io.Writer, jw *trace.JSONLWriter, buf *bytes.Buffer) {
	defer close(t.done)
	evs := make([]trace.Event, 0, 4096)
	for {
		if t.order.Len() == 0 { // held events go out next round without waiting for more
			t.feed.Wait()
		}
		var ended bool
		var err error
		evs, ended, err = t.feed.Take(evs[:0], cap(evs))
		// Connections on several goroutines, and a capture, hand their
		// events over a little late and out of time order: each waits
		// one batch for earlier-stamped latecomers (one source's order
		// is kept).
		t.order.Push(evs)
		evs = t.order.Pop(evs[:0], cap(evs), ended || errors.Is(err, trace.ErrFeedClosed))
		buf.Reset()
		for i := range evs {
			jw.Emit(&evs[i])
		}
		if jw.Err() == nil && buf.Len() > 0 {
			_, werr := w.Write(buf.Bytes())
			if werr != nil {
				t.err = werr
				t.feed.Close() // later events are counted as lost
				return
			}
		}
		if jw.Err() != nil {
			t.err = jw.Err()
			t.feed.Close()
			return
		}
		if ended || errors.Is(err, trace.ErrFeedClosed) {
			return
		}
		if len(evs) < cap(evs) {
			time.Sleep(t.batch)
		}
	}
}

// Close writes what is left and closes the file. It reports a write
// error, and says on stderr how many events were lost if the file fell
// behind.
func (t *traceOut) Close() error {
	if t == nil {
		return nil
	}
	t.feed.End(nil)
	<-t.done
	if n := t.feed.Lost(); n > 0 && t.err == nil {
		fmt.Fprintf(t.errw, "socketlab: --trace %s: %d events lost: the file could not keep up\n", t.path, n)
	}
	err := t.err
	if cerr := t.closeFile(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--trace %s: %v", t.path, err)
	}
	return nil
}

func (t *traceOut) closeFile() error {
	if t.file == nil {
		return nil
	}
	return t.file.Close()
}

// withTrace runs act with the command's Tracer, writing --trace around
// it: the file is created before act touches the network, and closed (its
// events all written) after act returned. With --pcap it also captures
// the segments of the command's own sockets (see wireSink) into the pcap
// file and the trace. act's error wins over the trace's.
func withTrace(w wireFlags, std stdio, name string, args []string, act func(tr core.Tracer) error) error {
	t, err := startTrace(w.trace, std.Out, std.Err, name, args)
	if err != nil {
		return err
	}
	tr := t.Tracer()
	var ws *wireSink
	if w.pcap != "" {
		if ws, err = startWire(w.pcap, name, &tr); err != nil {
			t.Close()
			return err
		}
	}
	err = act(tr)
	if ws != nil {
		if cerr := ws.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	return err
}

// wireSink captures what a command's own sockets put on the wire (--pcap).
// It sits in front of the command's trace sink and watches its events:
// a listen names a server's port, a connect-start or a first sendto the
// port of the server a client talks to. It adds the port to the capture's
// kernel filter inside Emit, before the call that emits the event goes
// on, so the capture sees the SYN or the first datagram.
type wireSink struct {
	next    trace.Sink // the --trace feed, or nil
	cap     *capture.Capture
	file    *os.File
	path    string
	mu      sync.Mutex
	servers map[uint16]bool
}

// startWire creates path, starts a capture on the loopback interface
// that reports to tr's sink (the capture's segments go into --trace too)
// and puts itself in front of it. Without the privilege to capture it is
// a one-line error, before anything is sent.
func startWire(path, name string, tr *core.Tracer) (*wireSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: --pcap: %v", name, err)
	}
	ws := &wireSink{next: tr.Sink, file: f, path: path, servers: map[uint16]bool{}}
	if tr.Start.IsZero() {
		tr.Start = time.Now()
	}
	capSink := tr.Sink
	if capSink == nil {
		capSink = trace.Discard
	}
	ws.cap, err = capture.Start(context.Background(), capture.Config{
		Start: tr.Start, Sink: capSink, Pcap: f,
		NodeOf: func(ep netip.AddrPort) string {
			ws.mu.Lock()
			defer ws.mu.Unlock()
			if ws.servers[ep.Port()] {
				return core.NodeServer
			}
			return core.NodeClient
		},
	})
	if err != nil {
		f.Close()
		os.Remove(path)
		if errors.Is(err, capture.ErrNoPrivilege) {
			return nil, fmt.Errorf("%s: --pcap: capturing packets needs root or CAP_NET_RAW: run it with sudo, or drop --pcap", name)
		}
		return nil, fmt.Errorf("%s: --pcap: %v", name, err)
	}
	tr.Sink = ws
	return ws, nil
}

// Emit watches e's ports, then passes it on.
func (ws *wireSink) Emit(e *trace.Event) {
	if e.Kind == trace.KindApp {
		switch e.Op {
		case trace.OpListen:
			ws.watch(e.Socket.Port())
		case trace.OpConnectStart, trace.OpConnect, trace.OpSendTo:
			if e.Node == core.NodeClient {
				if e.Remote.IsValid() {
					ws.watch(e.Remote.Port())
				} else if _, p, err := net.SplitHostPort(e.Text); err == nil {
					if n, err := strconv.ParseUint(p, 10, 16); err == nil {
						ws.watch(uint16(n))
					}
				}
			}
		}
	}
	if ws.next != nil {
		ws.next.Emit(e)
	}
}

// watch adds a server's port to the capture (once).
func (ws *wireSink) watch(port uint16) {
	if port == 0 {
		return
	}
	ws.mu.Lock()
	seen := ws.servers[port]
	ws.servers[port] = true
	ws.mu.Unlock()
	if !seen {
		ws.cap.AddPorts(port)
	}
}

// Close waits a moment for the last segments (the final ACKs), stops the
// capture and closes the file.
func (ws *wireSink) Close() error {
	time.Sleep(50 * time.Millisecond)
	cerr := ws.cap.Close()
	if err := ws.file.Close(); err != nil {
		return fmt.Errorf("--pcap %s: %v", ws.path, err)
	}
	if cerr != nil {
		return fmt.Errorf("--pcap %s: %v", ws.path, cerr)
	}
	return nil
}
