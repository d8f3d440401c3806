package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"socketlab/core/lookup"
	"socketlab/core/services"
	"socketlab/core/toolbox"
)

var toolboxCmd = &command{
	name:    "toolbox",
	args:    "[--server HOST:PORT] [--timeout 5s] TOOL [ARGS]   (no TOOL: list the tools)",
	summary: "the socket module's attribute table: hostname, fqdn, gethostbyname_ex, byte order, inet_aton/pton, socketpair, ...",
	parse:   parseToolbox,
}

// toolboxTool is one row of the textbook's attribute table.
type toolboxTool struct {
	name, args, python, what string
	run                      func(ctx context.Context, t toolEnv, args []string) error
}

// toolEnv is what a tool may use.
type toolEnv struct {
	io         stdio
	cl         *lookup.Client
	name, args string // the tool's name and synopsis, for usage errors
}

var toolboxTools = []toolboxTool{
	{"hostname", "", "gethostname()", "this machine's host name", toolHostname},
	{"fqdn", "[NAME]", "getfqdn([name])", "the fully qualified domain name", toolFQDN},
	{"host", "NAME", "gethostbyname_ex(name)", "(name, aliases, IPv4 addresses)", toolHost},
	{"addr", "ADDR", "gethostbyaddr(ip)", "(name, aliases, addresses) of an address", toolAddr},
	{"proto", "NAME|NUMBER", "getprotobyname(name)", "an IP protocol's number (/etc/protocols)", toolProto},
	{"serv", "NAME[/PROTO]|PORT[/PROTO]", "getservbyname/getservbyport", "a service's port, a port's service", toolServ},
	{"order", "VALUE", "htons ntohs htonl ntohl", "host and network byte order, as bytes", toolOrder},
	{"aton", "ADDR", "inet_aton(str)", "lenient IPv4 text → 4 packed bytes", toolAton},
	{"ntoa", "HEX", "inet_ntoa(packed)", "4 packed bytes → dotted quad", toolNtoa},
	{"pton", "FAMILY ADDR", "inet_pton(family, str)", "strict IPv4/IPv6 text → packed bytes", toolPton},
	{"ntop", "FAMILY HEX", "inet_ntop(family, packed)", "packed bytes → IPv4/IPv6 text", toolNtop},
	{"socketpair", "[MESSAGE]", "socketpair()", "two connected sockets; a message through them", toolSocketPair},
	{"timeout", "", "getdefaulttimeout()", "what limits a connect when nothing is set", toolTimeout},
	{"ipv6", "", "has_ipv6", "can this machine use IPv6 (bind [::1])?", toolIPv6},
}

func parseToolbox(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	rf := addResolverFlags(fs, 5*time.Second)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: socketlab toolbox %s\n\n%s\n\n", c.args, c.summary)
		printTools(w)
		fmt.Fprintln(w, "\nFlags (for the tools that look names up; before or after the TOOL):")
		fs.PrintDefaults()
	}
	// The first argument that is not a flag is the TOOL; what follows
	// belongs to the tool ("order -1", "serv --builtin 22/tcp"), except
	// the toolbox's own flags ("host NAME --server X").
	pos, err := scanArgs(fs, args, std, flagsFirst)
	if err != nil {
		return nil, err
	}
	if len(pos) == 0 {
		return func(context.Context) error {
			fmt.Fprintln(std.Out, "The socket module's attribute table in Go: socketlab toolbox TOOL [ARGS]")
			fmt.Fprintln(std.Out)
			printTools(std.Out)
			return nil
		}, nil
	}
	var t *toolboxTool
	for i := range toolboxTools {
		if toolboxTools[i].name == pos[0] {
			t = &toolboxTools[i]
		}
	}
	if t == nil {
		return nil, usagef("toolbox: unknown tool %s; run 'socketlab toolbox' for the list", strconv.Quote(pos[0]))
	}
	toolArgv, err := scanArgs(fs, pos[1:], std, ownFlagsOnly)
	if err != nil {
		return nil, err
	}
	cl, err := rf.check("toolbox")
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		ctx, cancel := rf.bound(ctx)
		defer cancel()
		env := toolEnv{io: std, cl: cl, name: t.name, args: t.args}
		return withHint(t.run(ctx, env, toolArgv), fs)
	}, nil
}

func printTools(w interface{ Write([]byte) (int, error) }) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TOOL ARGS\tPYTHON\tSHOWS")
	for _, t := range toolboxTools {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.TrimSpace(t.name+" "+t.args), t.python, t.what)
	}
	tw.Flush()
}

// wantArgs checks the number of a tool's arguments.
func toolArgs(t toolEnv, args []string, min, max int) error {
	if len(args) < min || len(args) > max {
		return usagef("toolbox %s: usage: socketlab toolbox %s", t.name, strings.TrimSpace(t.name+" "+t.args))
	}
	return nil
}

func toolHostname(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 0, 0); err != nil {
		return err
	}
	h, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("gethostname: %w", err)
	}
	fmt.Fprintf(t.io.Out, "gethostname() = '%s'\n", h)
	return nil
}

func toolFQDN(ctx context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 0, 1); err != nil {
		return err
	}
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	fq, err := t.cl.FQDN(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.io.Out, "getfqdn('%s') = '%s'\n", name, fq)
	if !strings.Contains(fq, ".") {
		fmt.Fprintln(t.io.Out, "(no name with a dot was found for it, so getfqdn returns the name itself)")
	}
	return nil
}

func toolHost(ctx context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 1, 1); err != nil {
		return err
	}
	e, err := t.cl.HostByName(ctx, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(t.io.Out, "gethostbyname_ex('%s') via %s\n", args[0], resolverName(t.cl))
	printHostEntry(t.io, e)
	return nil
}

func toolAddr(ctx context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 1, 1); err != nil {
		return err
	}
	a, err := lookup.ParseAddr(args[0])
	if err != nil {
		return usagef("toolbox addr: %v", err)
	}
	e, err := t.cl.HostByAddr(ctx, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.io.Out, "gethostbyaddr('%s') via %s\n", a, resolverName(t.cl))
	printHostEntry(t.io, e)
	return nil
}

func toolProto(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 1, 1); err != nil {
		return err
	}
	tab := services.DefaultProtocols()
	if n, err := strconv.Atoi(args[0]); err == nil {
		p, ok := tab.FindNumber(n)
		if !ok {
			_, err := tab.ByNumber(n)
			return err
		}
		fmt.Fprintf(t.io.Out, "getprotobynumber(%d) = '%s'   [%s]\n", n, p.Name, protoText(p))
		fmt.Fprintf(t.io.Out, "table: %s\n", tab.Source)
		return nil
	}
	p, ok := tab.Find(args[0])
	if !ok {
		_, err := tab.ByName(args[0])
		return hintedError{err, "names are case-sensitive, e.g. tcp, udp, icmp, ipv6-icmp"}
	}
	fmt.Fprintf(t.io.Out, "getprotobyname('%s') = %d   [%s]\n", args[0], p.Number, protoText(p))
	fmt.Fprintf(t.io.Out, "table: %s\n", tab.Source)
	return nil
}

func protoText(p services.Protocol) string {
	return strings.Join(append([]string{p.Name, strconv.Itoa(p.Number)}, p.Aliases...), " ")
}

func toolServ(ctx context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 1, 4); err != nil {
		return err
	}
	return runCommand(ctx, servicesCmd, args, t.io)
}

func toolOrder(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 1, 1); err != nil {
		return err
	}
	v, err := strconv.ParseUint(args[0], 0, 32)
	if err != nil {
		return usagef("toolbox order: %q: give a whole number from 0 to 4294967295 (decimal, or hex like 0x1f90)", args[0])
	}
	out := t.io.Out
	fmt.Fprintf(out, "this host (%s) is %s; network byte order is big-endian: most significant byte first\n\n", runtime.GOARCH, toolbox.HostOrder())
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "call\tvalue\thex\tbytes in memory")
	if v <= 0xffff {
		x := uint16(v)
		n := toolbox.Htons(x)
		row := func(call string, y uint16) {
			fmt.Fprintf(tw, "%s\t%d\t%#04x\t%s\n", call, y, y, toolbox.Hex(toolbox.Mem16(y)))
		}
		row("x", x)
		row(fmt.Sprintf("htons(%d)", x), n)
		row(fmt.Sprintf("ntohs(%d)", n), toolbox.Ntohs(n))
	}
	x := uint32(v)
	n := toolbox.Htonl(x)
	row := func(call string, y uint32) {
		fmt.Fprintf(tw, "%s\t%d\t%#08x\t%s\n", call, y, y, toolbox.Hex(toolbox.Mem32(y)))
	}
	row("x", x)
	row(fmt.Sprintf("htonl(%d)", x), n)
	row(fmt.Sprintf("ntohl(%d)", n), toolbox.Ntohl(n))
	tw.Flush()
	if v > 0xffff {
		fmt.Fprintln(out, "(the value does not fit in 16 bits, so htons/ntohs do not apply)")
	}
	return nil
}

func toolAton(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 1, 1); err != nil {
		return err
	}
	b, err := toolbox.InetAton(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(t.io.Out, "inet_aton('%s') = %s   (%s)\n", args[0], toolbox.Hex(b[:]), toolbox.InetNtoa(b))
	if _, err := toolbox.InetPton(toolbox.AFInet, args[0]); err != nil {
		fmt.Fprintf(t.io.Out, "note: the strict inet_pton rejects it: %v\n", err)
	}
	return nil
}

func toolNtoa(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 1, 1); err != nil {
		return err
	}
	b, err := toolbox.ParseHex(args[0])
	if err != nil {
		return usagef("toolbox ntoa: %v", err)
	}
	if len(b) != 4 {
		return fmt.Errorf("inet_ntoa: got %d bytes (%s), want 4: an IPv4 address; for IPv6 use ntop AF_INET6", len(b), toolbox.Hex(b))
	}
	fmt.Fprintf(t.io.Out, "inet_ntoa(%s) = '%s'\n", toolbox.Hex(b), toolbox.InetNtoa([4]byte(b)))
	return nil
}

func toolPton(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 2, 2); err != nil {
		return err
	}
	f, err := toolbox.ParseFamily(args[0])
	if err != nil {
		return usagef("toolbox pton: %v", err)
	}
	b, err := toolbox.InetPton(f, args[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(t.io.Out, "inet_pton(%v, '%s') = %s   (%d bytes)\n", f, args[1], toolbox.Hex(b), len(b))
	return nil
}

func toolNtop(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 2, 2); err != nil {
		return err
	}
	f, err := toolbox.ParseFamily(args[0])
	if err != nil {
		return usagef("toolbox ntop: %v", err)
	}
	b, err := toolbox.ParseHex(args[1])
	if err != nil {
		return usagef("toolbox ntop: %v", err)
	}
	s, err := toolbox.InetNtop(f, b)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.io.Out, "inet_ntop(%v, %s) = '%s'\n", f, toolbox.Hex(b), s)
	return nil
}

func toolSocketPair(ctx context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 0, 1); err != nil {
		return err
	}
	msg := "hello through a socketpair"
	if len(args) == 1 {
		msg = args[0]
	}
	if len(msg) > 1024 {
		return usagef("toolbox socketpair: keep the message under 1024 bytes")
	}
	a, b, err := toolbox.SocketPair()
	if err != nil {
		return err
	}
	defer a.Close()
	defer b.Close()
	deadline := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	a.SetDeadline(deadline)
	b.SetDeadline(deadline)
	out := t.io.Out
	fmt.Fprintln(out, "a, b = socketpair(AF_UNIX, SOCK_STREAM): two sockets already connected to each other")
	fmt.Fprintf(out, "a is %s, address %s, peer %s\n", a.LocalAddr().Network(), unixAddrText(a.LocalAddr().String()), unixAddrText(a.RemoteAddr()))
	n, err := a.Write([]byte(msg))
	if err != nil {
		return fmt.Errorf("socketpair: a.send: %w", err)
	}
	fmt.Fprintf(out, "a.send(%q) = %d\n", msg, n)
	buf := make([]byte, 1024)
	n, err = b.Read(buf)
	if err != nil {
		return fmt.Errorf("socketpair: b.recv: %w", err)
	}
	fmt.Fprintf(out, "b.recv(1024) = %q\n", buf[:n])
	reply := strings.ToUpper(string(buf[:n]))
	if _, err := b.Write([]byte(reply)); err != nil {
		return fmt.Errorf("socketpair: b.send: %w", err)
	}
	fmt.Fprintf(out, "b.send(%q) = %d\n", reply, len(reply))
	n, err = a.Read(buf)
	if err != nil {
		return fmt.Errorf("socketpair: a.recv: %w", err)
	}
	fmt.Fprintf(out, "a.recv(1024) = %q\n", buf[:n])
	return nil
}

// unnamed shows an empty Unix socket address as the kernel has it.
func unixAddrText(a any) string {
	s := fmt.Sprint(a)
	if s == "" || s == "@" || s == "<nil>" { // Go shows an unnamed Unix address as "@"
		return "(unnamed)"
	}
	return s
}

func toolTimeout(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 0, 0); err != nil {
		return err
	}
	d := toolbox.DefaultTimeouts()
	out := t.io.Out
	fmt.Fprintln(out, "Python: socket.getdefaulttimeout() is None unless set: a blocking call waits for ever.")
	fmt.Fprintln(out, "Go has no process-wide default: every limit belongs to a Dialer, a deadline or a context.")
	fmt.Fprintf(out, "  net.Dialer{}.Timeout   = %v (Go adds no limit to connect)\n", d.Dialer)
	fmt.Fprintf(out, "  net.Dialer{}.KeepAlive = %v (keep-alive probes are on by default)\n", d.KeepAlive)
	if d.SynRetries >= 0 {
		fmt.Fprintf(out, "  tcp_syn_retries        = %d (%s): an unanswered connect fails after %v\n", d.SynRetries, toolbox.SynRetriesFile, d.Connect)
	} else {
		fmt.Fprintln(out, "  the kernel's own connect limit is unknown on this system")
	}
	fmt.Fprintln(out, "Set one with net.Dialer{Timeout: 5 * time.Second}, conn.SetDeadline(t) or context.WithTimeout (--timeout here).")
	return nil
}

func toolIPv6(_ context.Context, t toolEnv, args []string) error {
	if err := toolArgs(t, args, 0, 0); err != nil {
		return err
	}
	ok, err := toolbox.HasIPv6()
	if ok {
		fmt.Fprintln(t.io.Out, "has_ipv6 = True   (a TCP socket could be bound to [::1]:0)")
		return nil
	}
	fmt.Fprintf(t.io.Out, "has_ipv6 = False  (binding [::1]:0 failed: %v)\n", err)
	return nil
}
