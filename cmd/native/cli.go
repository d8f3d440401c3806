package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// stdio is the terminal a subcommand talks to; tests pass buffers.
type stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// command is one socketlab subcommand. Files named cmd_*.go register theirs
// in init, so that each capability owns its own file.
type command struct {
	name    string // what the user types
	args    string // the synopsis after the name, e.g. "[flags] HOST:PORT"
	summary string // one line for the command list
	run     func(ctx context.Context, args []string, io stdio) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("socketlab: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef reports a command-line mistake; the message should say what to do.
func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// errHelpShown means usage was printed on request: exit status 0.
var errHelpShown = errors.New("help shown")

// run dispatches to a subcommand. With no arguments it prints the overview.
func run(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		if c, ok := commands["play"]; ok {
			return c.run(ctx, nil, io)
		}
		printOverview(io.Out)
		return nil
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run(ctx, []string{"--help"}, io)
			}
		}
		printOverview(io.Out)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		return usagef("unknown command %q; run 'socketlab help' for the list", name)
	}
	return c.run(ctx, args[1:], io)
}

func printOverview(w io.Writer) {
	fmt.Fprintln(w, "socketlab — a playground for learning network programming")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: socketlab COMMAND [flags] [args]   (socketlab COMMAND --help for details)")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	width := 0
	for n := range commands {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
}

// newFlags returns a flag set whose --help prints the synopsis, the summary
// and the flags to io.Out, and whose errors go to io.Err.
func newFlags(c command, io stdio) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Err)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: socketlab %s %s\n\n%s\n", c.name, c.args, c.summary)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args; --help prints usage to stdout and returns
// errHelpShown, a bad flag returns a usageError (the flag package has
// already printed what was wrong).
func parseFlags(fs *flag.FlagSet, args []string, io stdio) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(io.Out)
			fs.Usage()
			return errHelpShown
		}
	}
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Sprintf("%s: %v (see 'socketlab %s --help')", fs.Name(), firstLine(err.Error()), fs.Name())}
	}
	return nil
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
		fmt.Fprintln(w, "socketlab:", ue.msg)
		return 2
	default:
		fmt.Fprintln(w, "socketlab:", firstLine(err.Error()))
		return 1
	}
}
