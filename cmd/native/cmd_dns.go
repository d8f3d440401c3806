package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"

	"socketlab/core"
	"socketlab/core/lookup"
)

func init() {
	register(command{
		name:    "dns",
		args:    "[--server HOST:PORT] [--tcp] [--timeout 5s] NAME | -x ADDR",
		summary: "look up a name like getaddrinfo (A and AAAA), or an address like gethostbyaddr (-x)",
		run:     runDNS,
	})
	register(command{
		name:    "fcrdns",
		args:    "[--server HOST:PORT] [--tcp] [--timeout 5s] ADDR",
		summary: "forward-confirmed reverse DNS: does the name of ADDR resolve back to ADDR?",
		run:     runFCrDNS,
	})
}

// resolverFlags are the flags of every command that looks names up.
type resolverFlags struct {
	server  *string
	tcp     *bool
	timeout *time.Duration
}

func addResolverFlags(fs *flag.FlagSet, timeout time.Duration) resolverFlags {
	return resolverFlags{
		server:  fs.String("server", "", "ask the DNS server at `HOST:PORT` (like dig @server) instead of the system's resolver; /etc/hosts is still read first"),
		tcp:     fs.Bool("tcp", false, "send DNS queries over TCP instead of UDP (needs --server)"),
		timeout: fs.Duration("timeout", timeout, "give up after this `duration` (0: never)"),
	}
}

// client returns the look-up client the flags ask for, and ctx bounded by
// --timeout.
func (f resolverFlags) client(ctx context.Context, name string) (*lookup.Client, context.Context, context.CancelFunc, error) {
	if *f.tcp && *f.server == "" {
		return nil, nil, nil, usagef("%s: --tcp needs --server (the system resolver chooses its own transport)", name)
	}
	if *f.timeout < 0 {
		return nil, nil, nil, usagef("%s: --timeout must not be negative", name)
	}
	cl, err := lookup.NewClient(*f.server, *f.tcp)
	if err != nil {
		return nil, nil, nil, usagef("%s: --server: %v", name, err)
	}
	cancel := context.CancelFunc(func() {})
	if *f.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, *f.timeout)
	}
	return cl, ctx, cancel, nil
}

// via names the resolver for a heading line.
func resolverName(cl *lookup.Client) string {
	if cl.Server != "" {
		return "DNS server " + cl.Server
	}
	return "the system resolver"
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("dns NAME --server X" as well as "dns --server X
// NAME"), which the flag package alone does not allow. After "--" every
// argument is positional.
func parseInterspersed(fs *flag.FlagSet, args []string, io stdio) ([]string, error) {
	var tail []string
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	var pos []string
	for {
		if err := parseFlags(fs, args, io); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return append(pos, tail...), nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// hintedError is a failure with advice on what to do, kept on one line.
type hintedError struct {
	err  error
	hint string
}

func (e hintedError) Error() string { return e.err.Error() + "; " + e.hint }
func (e hintedError) Unwrap() error { return e.err }

// withHint adds the usual advice for a socket error of our commands.
func withHint(err error, timeout time.Duration) error {
	var ce *core.Error
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	var de *net.DNSError
	isDNS := errors.As(err, &de)
	var hint string
	switch {
	case ce.Class == core.ClassTimeout && isDNS:
		hint = fmt.Sprintf("no answer within %v: is the DNS server running? check --server, or raise --timeout", timeout)
	case ce.Class == core.ClassTimeout:
		hint = fmt.Sprintf("nothing within %v: check the host and port, or raise --timeout", timeout)
	case isDNS && de.IsNotFound && ce.Class == core.ClassHost:
		hint = "the address has no name (no PTR record)"
	case isDNS && de.IsNotFound:
		hint = "check the spelling of the name, or ask another server with --server"
	case ce.Phase == "look up port":
		hint = "give a port number, or a service name from 'socketlab services --list'"
	case strings.Contains(err.Error(), "connection refused"):
		hint = "is a server listening on that port?"
	default:
		return err
	}
	return hintedError{err, hint}
}

func runDNS(ctx context.Context, args []string, io stdio) error {
	c := commands["dns"]
	fs := newFlags(c, io)
	rf := addResolverFlags(fs, 5*time.Second)
	reverse := fs.String("x", "", "reverse look-up: the names of `ADDR` (gethostbyaddr)")
	pos, err := parseInterspersed(fs, args, io)
	if err != nil {
		return err
	}
	switch {
	case *reverse != "" && len(pos) > 0:
		return usagef("dns: give either a NAME or -x ADDR, not both")
	case *reverse == "" && len(pos) != 1:
		return usagef("dns: give one NAME to look up, or -x ADDR (see 'socketlab dns --help')")
	}
	cl, ctx, cancel, err := rf.client(ctx, "dns")
	if err != nil {
		return err
	}
	defer cancel()

	if *reverse != "" {
		addr, err := lookup.ParseAddr(*reverse)
		if err != nil {
			return usagef("dns -x: %v", err)
		}
		e, err := cl.HostByAddr(ctx, addr)
		if err != nil {
			return withHint(err, *rf.timeout)
		}
		fmt.Fprintf(io.Out, "gethostbyaddr(%q) via %s\n", addr.String(), resolverName(cl))
		printHostEntry(io, e)
		return nil
	}

	name := pos[0]
	h, err := cl.Forward(ctx, name)
	if err != nil {
		return withHint(err, *rf.timeout)
	}
	fmt.Fprintf(io.Out, "getaddrinfo(%q, None, 0, SOCK_STREAM) via %s\n", name, resolverName(cl))
	fmt.Fprintf(io.Out, "canonical name: %s\n", h.Canonical)
	for _, a := range h.Addrs {
		fmt.Fprintf(io.Out, "  %-8s  SOCK_STREAM  proto 6  %s\n", lookup.Family(a), a)
	}
	return nil
}

func printHostEntry(io stdio, e *lookup.HostEntry) {
	aliases := strings.Join(e.Aliases, " ")
	if aliases == "" {
		aliases = "(none)"
	}
	addrs := make([]string, len(e.Addrs))
	for i, a := range e.Addrs {
		addrs[i] = a.String()
	}
	fmt.Fprintf(io.Out, "  name:      %s\n  aliases:   %s\n  addresses: %s\n", e.Name, aliases, strings.Join(addrs, " "))
}

func runFCrDNS(ctx context.Context, args []string, io stdio) error {
	c := commands["fcrdns"]
	fs := newFlags(c, io)
	rf := addResolverFlags(fs, 5*time.Second)
	pos, err := parseInterspersed(fs, args, io)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("fcrdns: give one IP address to check (see 'socketlab fcrdns --help')")
	}
	addr, err := lookup.ParseAddr(pos[0])
	if err != nil {
		return usagef("fcrdns: %v", err)
	}
	cl, ctx, cancel, err := rf.client(ctx, "fcrdns")
	if err != nil {
		return err
	}
	defer cancel()
	r, err := cl.Confirm(ctx, addr)
	if err != nil {
		return withHint(err, *rf.timeout)
	}
	names := strings.Join(r.Names, " ")
	if r.Outcome == lookup.NoPTR {
		names = "(no name)"
	}
	fmt.Fprintf(io.Out, "reverse: %s → %s\n", addr, names)
	for _, ck := range r.Checks {
		fwd := "(does not resolve)"
		if ck.Err == nil {
			s := make([]string, len(ck.Addrs))
			for i, a := range ck.Addrs {
				s[i] = a.String()
			}
			fwd = strings.Join(s, " ")
		}
		fmt.Fprintf(io.Out, "forward: %s → %s\n", ck.Name, fwd)
	}
	fmt.Fprintln(io.Out, r.String())
	switch r.Outcome {
	case lookup.NotResolvable:
		return fmt.Errorf("fcrdns %s: not confirmed: its name %s does not resolve", addr, r.Name)
	case lookup.Mismatch:
		return fmt.Errorf("fcrdns %s: not confirmed: its name %s resolves elsewhere; someone may be playing tricks", addr, r.Name)
	}
	return nil
}
