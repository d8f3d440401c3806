package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"socketlab/core"
	"socketlab/core/httpget"
	"socketlab/core/info"
	"socketlab/core/lookup"
)

var dnsCmd = &command{
	name:    "dns",
	args:    "[--server HOST:PORT] [--tcp] [--timeout 5s] [--trace FILE] NAME | -x ADDR",
	summary: "look up a name like getaddrinfo (A and AAAA), or an address like gethostbyaddr (-x)",
	parse:   parseDNS,
}

var fcrdnsCmd = &command{
	name:    "fcrdns",
	args:    "[--server HOST:PORT] [--tcp] [--timeout 5s] [--trace FILE] ADDR",
	summary: "forward-confirmed reverse DNS: does the name of ADDR resolve back to ADDR?",
	parse:   parseFCrDNS,
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
		timeout: timeoutFlag(fs, timeout, "give up after this `duration`"),
	}
}

// check validates the flags; it makes the client without any I/O.
func (f resolverFlags) check(name string) (*lookup.Client, error) {
	if *f.tcp && *f.server == "" {
		return nil, usagef("%s: --tcp needs --server (the system resolver chooses its own transport)", name)
	}
	cl, err := lookup.NewClient(*f.server, *f.tcp)
	if err != nil {
		return nil, usagef("%s: --server: %v", name, err)
	}
	return cl, nil
}

// bound returns ctx bounded by --timeout.
func (f resolverFlags) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if *f.timeout > 0 {
		return context.WithTimeout(ctx, *f.timeout)
	}
	return ctx, func() {}
}

// via names the resolver for a heading line.
func resolverName(cl *lookup.Client) string {
	if cl.Server != "" {
		return "DNS server " + cl.Server
	}
	return "the system resolver"
}

// checkHostName reports, as a usage error, a HOST argument that is
// neither an IP address nor a syntactically possible host name, so that
// junk never reaches a resolver.
func checkHostName(cmd, what, s string) error {
	if _, err := netip.ParseAddr(s); err == nil {
		return nil
	}
	name := strings.TrimSuffix(s, ".") // a fully qualified name may end in a dot
	ok := name != "" && len(name) <= 253
	for _, label := range strings.Split(name, ".") {
		ok = ok && label != "" && len(label) <= 63 && label[0] != '-' && label[len(label)-1] != '-'
		for i := 0; ok && i < len(label); i++ {
			c := label[i]
			ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		}
	}
	if !ok {
		return usagef("%s: %s is not a %s (labels of letters, digits and '-' joined by dots; or an IP address)", cmd, shown(s), what)
	}
	return nil
}

// hintedError is a failure with advice on what to do, kept on one line.
type hintedError struct {
	err  error
	hint string
}

func (e hintedError) Error() string { return e.err.Error() + "; " + e.hint }
func (e hintedError) Unwrap() error { return e.err }

// withHint adds the usual advice for a socket error of the command whose
// flags are fs. A hint names only flags that command has.
func withHint(err error, fs *flag.FlagSet) error {
	var ce *core.Error
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	has := func(name string) bool { return fs.Lookup(name) != nil }
	timeout, _ := flagDuration(fs, "timeout")
	raise := ""
	if has("timeout") {
		raise = ", or raise --timeout"
	}
	var de *net.DNSError
	isDNS := errors.As(err, &de)
	var hint string
	switch {
	case ce.Phase == httpget.PhaseLookupPort || ce.Phase == info.PhaseLookupPort:
		// A service name the table does not know: a command-line mistake.
		return usageError{oneLine(hintedError{err, "give a port number, or a service name from 'socketlab services --list'"}.Error())}
	case ce.Class == core.ClassTimeout && isDNS && has("server"):
		hint = fmt.Sprintf("no answer within %v: is the DNS server running? check --server%s", timeout, raise)
	case ce.Class == core.ClassTimeout && isDNS:
		hint = fmt.Sprintf("the resolver gave no answer within %v: check the name and the network%s", timeout, raise)
	case ce.Class == core.ClassTimeout && timeout > 0:
		hint = fmt.Sprintf("nothing within %v: check the host and port%s", timeout, raise)
	case ce.Class == core.ClassTimeout:
		hint = "nothing in time: check the host and port"
	case isDNS && de.IsNotFound && ce.Class == core.ClassHost:
		hint = "the address has no name (no PTR record)"
	case isDNS && de.IsNotFound && has("server"):
		hint = "check the spelling of the name, or ask another server with --server"
	case isDNS && de.IsNotFound:
		hint = "check the spelling of the name"
	case errors.Is(err, syscall.ECONNREFUSED):
		hint = "is a server listening on that port?"
	default:
		return err
	}
	return hintedError{err, hint}
}

func parseDNS(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	rf := addResolverFlags(fs, 5*time.Second)
	reverse := fs.String("x", "", "reverse look-up: the names of `ADDR` (gethostbyaddr)")
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	switch {
	case wasFlagGiven(fs, "x") && len(pos) > 0:
		return nil, usagef("dns: give either a NAME or -x ADDR, not both")
	case !wasFlagGiven(fs, "x") && len(pos) != 1:
		return nil, usagef("dns: give one NAME to look up, or -x ADDR (see 'socketlab dns --help')")
	}
	cl, err := rf.check("dns")
	if err != nil {
		return nil, err
	}
	if err := checkTraceFlag(fs, *traceFile, true); err != nil {
		return nil, err
	}
	traced := func(run func(ctx context.Context) error) action {
		return func(ctx context.Context) error {
			return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error {
				cl.Trace = tr
				ctx, cancel := rf.bound(ctx)
				defer cancel()
				return run(ctx)
			})
		}
	}
	if wasFlagGiven(fs, "x") {
		addr, err := lookup.ParseAddr(*reverse)
		if err != nil {
			return nil, usagef("dns -x: %v", err)
		}
		return traced(func(ctx context.Context) error {
			e, err := cl.HostByAddr(ctx, addr)
			if err != nil {
				return withHint(err, fs)
			}
			fmt.Fprintf(std.Out, "gethostbyaddr(%q) via %s\n", addr.String(), resolverName(cl))
			printHostEntry(std, e)
			return nil
		}), nil
	}
	name := pos[0]
	if err := checkHostName("dns", "host name", name); err != nil {
		return nil, err
	}
	return traced(func(ctx context.Context) error {
		h, err := cl.Forward(ctx, name)
		if err != nil {
			return withHint(err, fs)
		}
		fmt.Fprintf(std.Out, "getaddrinfo(%q, None, 0, SOCK_STREAM) via %s\n", name, resolverName(cl))
		fmt.Fprintf(std.Out, "canonical name: %s\n", h.Canonical)
		for _, a := range h.Addrs {
			fmt.Fprintf(std.Out, "  %-8s  SOCK_STREAM  proto 6  %s\n", lookup.Family(a), a)
		}
		return nil
	}), nil
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

func parseFCrDNS(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	rf := addResolverFlags(fs, 5*time.Second)
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, usagef("fcrdns: give one IP address to check (see 'socketlab fcrdns --help')")
	}
	addr, err := lookup.ParseAddr(pos[0])
	if err != nil {
		return nil, usagef("fcrdns: %v", err)
	}
	cl, err := rf.check("fcrdns")
	if err != nil {
		return nil, err
	}
	if err := checkTraceFlag(fs, *traceFile, true); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error {
			cl.Trace = tr
			ctx, cancel := rf.bound(ctx)
			defer cancel()
			return fcrdns(ctx, std, cl, addr, fs)
		})
	}, nil
}

func fcrdns(ctx context.Context, io stdio, cl *lookup.Client, addr netip.Addr, fs *flag.FlagSet) error {
	r, err := cl.Confirm(ctx, addr)
	if err != nil {
		return withHint(err, fs)
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
