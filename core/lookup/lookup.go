// Package lookup is the textbook's DNS chapter in Go: a forward look-up like
// getaddrinfo, a reverse look-up like gethostbyaddr, the forward-confirmed
// reverse DNS check, and gethostbyname_ex / getfqdn from the socket
// module's attribute table.
//
// Every function goes through a Client, whose *net.Resolver is injectable:
// NewClient builds one that asks a given DNS server (like dig's @server),
// which is how the tests talk to an in-process server instead of the
// internet. Failures are *core.Error values naming the phase.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"socketlab/core"
	"socketlab/sim/trace"
)

// Phases named in errors.
const (
	PhaseForward  = "look up address" // name → addresses (getaddrinfo)
	PhaseReverse  = "reverse look-up" // address → names (gethostbyaddr)
	PhaseCNAME    = "look up canonical name"
	PhaseHostname = "get host name"
)

// Client performs look-ups with one resolver. The zero value uses
// net.DefaultResolver, i.e. the system's configuration. A Client is safe
// for concurrent use.
type Client struct {
	// Resolver answers the queries; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// Server is the DNS server the Resolver asks, if it was chosen by the
	// user. Go's resolver reports the server from /etc/resolv.conf in its
	// errors even when Dial goes elsewhere; Server corrects that.
	Server string
	// Trace, if on, receives the client's events on node "client": a
	// dns-query when a look-up starts ("A/AAAA www.example.com", "CNAME
	// www.example.com", "PTR 192.0.2.1"), a dns-answer with the number of
	// answers and the answers themselves, or an error with its class. A
	// Client from NewClient also traces the resolver's own sockets — per
	// query a UDP socket's connect, sendto, recvfrom and close (or a TCP
	// connection's) — whose data is the binary DNS message, so their Text
	// is empty and N its size. Go's resolver asks for A and AAAA at once,
	// so those exchanges interleave. See core.Tracer.
	Trace core.Tracer
}

// NewClient returns a Client whose resolver sends every query to server
// ("HOST:PORT"; the port defaults to 53), over TCP if tcp is set and
// otherwise over UDP with Go's usual fall-back to TCP for truncated answers.
// It uses Go's own resolver (PreferGo), which still reads /etc/hosts first
// as getaddrinfo does.
func NewClient(server string, tcp bool) (*Client, error) {
	if server == "" {
		return &Client{}, nil
	}
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		// No port: "127.0.0.1", "::1" or "[::1]".
		host, port = server, "53"
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
		}
	}
	if host == "" || strings.ContainsAny(host, "[]") {
		return nil, fmt.Errorf("DNS server %q: want HOST:PORT, e.g. 127.0.0.1:53 or [::1]:5300", server)
	}
	if _, err := net.LookupPort("udp", port); err != nil {
		return nil, fmt.Errorf("DNS server %q: bad port %q", server, port)
	}
	addr := net.JoinHostPort(host, port)
	c := &Client{Server: addr}
	c.Resolver = &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			if tcp {
				network = "tcp"
			}
			return c.traceConn(dialBound(ctx, network, addr, c.Trace))
		},
	}
	return c, nil
}

// dialBound dials addr and ties the connection to ctx. Go's resolver
// cancels a look-up whose caller gave up, but a read already blocked on a
// UDP socket waits for the resolv.conf timeout (5 s by default) regardless;
// expiring the deadline on cancellation lets it return at once.
func dialBound(ctx context.Context, network, addr string, tr core.Tracer) (net.Conn, error) {
	var d net.Dialer
	udp := strings.HasPrefix(network, "udp")
	if !udp {
		tr.ConnectStart(core.NodeClient, addr)
	}
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		tr.ConnectFailed(core.NodeClient, addr, core.Wrap("connect", addr, err))
		return nil, err
	}
	// The resolver cancels ctx when the exchange ends, so this also runs
	// (harmlessly, on a closed conn) after every successful query.
	context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	return c, nil
}

// traceConn wraps a connection of the resolver so that its calls are
// traced; it returns conn as it is when tracing is off. A UDP socket
// stays a net.PacketConn: the resolver tells UDP from TCP by that.
func (c *Client) traceConn(conn net.Conn, err error) (net.Conn, error) {
	if err != nil || !c.Trace.On() {
		return conn, err
	}
	ct := c.Trace.Conn(core.NodeClient, conn)
	ct.Op(trace.OpConnect, 0, nil)
	switch conn := conn.(type) {
	case *net.UDPConn:
		return &tracedUDP{conn, ct}, nil
	case *net.TCPConn:
		return &tracedTCP{conn, ct}, nil
	}
	return conn, nil
}

// tracedUDP traces the resolver's datagrams: one query, one answer.
type tracedUDP struct {
	*net.UDPConn
	ct *core.ConnTracer
}

func (c *tracedUDP) Write(b []byte) (int, error) {
	n, err := c.UDPConn.Write(b)
	if err != nil {
		c.ct.Fail("sendto", err)
	} else {
		c.ct.Datagram(trace.OpSendTo, netip.AddrPort{}, n, b[:n])
	}
	return n, err
}

func (c *tracedUDP) Read(b []byte) (int, error) {
	n, err := c.UDPConn.Read(b)
	if err != nil {
		c.ct.Fail("recvfrom", err)
	} else {
		c.ct.Datagram(trace.OpRecvFrom, netip.AddrPort{}, n, b[:n])
	}
	return n, err
}

func (c *tracedUDP) Close() error {
	c.ct.Close("")
	return c.UDPConn.Close()
}

// tracedTCP traces a DNS exchange over TCP: each message is preceded by
// its two-byte length.
type tracedTCP struct {
	*net.TCPConn
	ct *core.ConnTracer
}

func (c *tracedTCP) Write(b []byte) (int, error) {
	n, err := c.TCPConn.Write(b)
	if n > 0 {
		c.ct.Op(trace.OpWrite, n, b[:n])
	}
	if err != nil {
		c.ct.Fail("send", err)
	}
	return n, err
}

func (c *tracedTCP) Read(b []byte) (int, error) {
	n, err := c.TCPConn.Read(b)
	switch {
	case n > 0:
		c.ct.Op(trace.OpRead, n, b[:n])
	case errors.Is(err, io.EOF):
		c.ct.Op(trace.OpRead, 0, nil)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		c.ct.Fail("receive", err)
	}
	return n, err
}

func (c *tracedTCP) Close() error {
	c.ct.Close("")
	return c.TCPConn.Close()
}

// server is the DNS server's address for the events, when it is known.
func (c *Client) server() netip.AddrPort {
	if c == nil || c.Server == "" {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(c.Server)
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// query traces the start of a look-up.
func (c *Client) query(question string) {
	if c != nil && c.Trace.On() {
		c.Trace.App(core.NodeClient, trace.OpDNSQuery, netip.AddrPort{}, c.server(), 0, question)
	}
}

// answer traces a look-up's answers.
func (c *Client) answer(answers []string) {
	if c != nil && c.Trace.On() {
		c.Trace.App(core.NodeClient, trace.OpDNSAnswer, netip.AddrPort{}, c.server(), len(answers), strings.Join(answers, " "))
	}
}

// failed traces a look-up's failure, err being what the caller gets.
func (c *Client) failed(err error) {
	if c != nil && c.Trace.On() {
		c.Trace.App(core.NodeClient, trace.OpError, netip.AddrPort{}, c.server(), 0, core.ErrorText("", err))
	}
}

func (c *Client) resolver() *net.Resolver {
	if c == nil || c.Resolver == nil {
		return net.DefaultResolver
	}
	return c.Resolver
}

// wrap turns a resolver error into a *core.Error for phase and addr,
// naming the server actually asked.
func (c *Client) wrap(phase, addr string, err error) error {
	var de *net.DNSError
	if errors.As(err, &de) {
		fixed := *de
		if c != nil && c.Server != "" {
			fixed.Server = c.Server
		}
		// A failed exchange carries the socket's *net.OpError ("dial tcp
		// ...: i/o timeout"); core.Error would print only its innermost
		// part and lose which name and server were concerned. Keep the
		// innermost cause for errors.Is, and the DNS error's own text.
		var op *net.OpError
		if errors.As(fixed.UnwrapErr, &op) && op.Err != nil {
			fixed.UnwrapErr = op.Err
			if fixed.IsTimeout {
				fixed.Err = "i/o timeout"
			}
		}
		err = &fixed
	}
	return core.Wrap(phase, addr, err)
}

// NameServer corrects, in place, the server named by any *net.DNSError in
// err's chain to c.Server, and returns err. Use it on errors from code that
// resolved through c.Resolver without going through c — a net.Dialer with
// Resolver set — since Go names the server from /etc/resolv.conf there.
func (c *Client) NameServer(err error) error {
	var de *net.DNSError
	if c != nil && c.Server != "" && errors.As(err, &de) {
		de.Server = c.Server
	}
	return err
}

// Family is an address family in the socket module's spelling.
func Family(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "AF_INET"
	}
	return "AF_INET6"
}

// Host is the answer to a forward look-up.
type Host struct {
	Name      string       // as asked
	Canonical string       // after following CNAMEs, without the final dot
	Addrs     []netip.Addr // IPv4 first, then IPv6, each in resolver order
}

// Forward looks up all addresses of name, A and AAAA, the way
// getaddrinfo(name, None, AF_UNSPEC, SOCK_STREAM) does, plus the canonical
// name (AI_CANONNAME). Go orders the addresses by RFC 6724 for dialing;
// Forward keeps that order within each family but lists IPv4 first, so that
// what is printed does not depend on this machine's IPv6 routes.
func (c *Client) Forward(ctx context.Context, name string) (*Host, error) {
	c.query("A/AAAA " + name)
	addrs, err := c.resolver().LookupNetIP(ctx, "ip", name)
	if err != nil {
		err = c.wrap(PhaseForward, name, err)
		c.failed(err)
		return nil, err
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int {
		return boolInt(a.Is6()) - boolInt(b.Is6())
	})
	h := &Host{Name: name, Canonical: strings.TrimSuffix(name, "."), Addrs: addrs}
	if c != nil && c.Trace.On() {
		texts := make([]string, len(addrs))
		for i, a := range addrs {
			texts[i] = a.String()
		}
		c.answer(texts)
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return h, nil // a literal has no canonical name to look up
	}
	c.query("CNAME " + name)
	cname, err := c.resolver().LookupCNAME(ctx, name)
	switch {
	case err == nil:
		h.Canonical = strings.TrimSuffix(cname, ".")
		c.answer([]string{h.Canonical})
	case ctx.Err() != nil:
		err = c.wrap(PhaseCNAME, name, err)
		c.failed(err)
		return nil, err
	default:
		c.answer(nil) // /etc/hosts names have no CNAME record
	}
	// Otherwise keep the name: /etc/hosts names have no CNAME record.
	return h, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ParseAddr parses an IP address for a reverse look-up: IPv4 or IPv6,
// without a zone. The error says what to type instead.
func ParseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address (want e.g. 192.0.2.1 or 2001:db8::1)", s)
	}
	return a.Unmap(), nil
}

// Reverse looks up the names of addr (PTR records, or /etc/hosts), like
// gethostbyaddr. Names are returned without the final dot. When there is
// no name, the error is a *core.Error with Class core.ClassHost — the
// textbook's socket.herror — and errors.As finds a *net.DNSError with
// IsNotFound set.
func (c *Client) Reverse(ctx context.Context, addr netip.Addr) ([]string, error) {
	c.query("PTR " + addr.String())
	names, err := c.resolver().LookupAddr(ctx, addr.String())
	if len(names) == 0 && err == nil {
		err = &net.DNSError{Err: "no PTR record", Name: addr.String(), Server: c.serverName(), IsNotFound: true}
	}
	if err != nil && len(names) == 0 {
		werr := c.wrap(PhaseReverse, addr.String(), err)
		var ce *core.Error
		var de *net.DNSError
		if errors.As(werr, &ce) && errors.As(err, &de) && de.IsNotFound {
			ce.Class = core.ClassHost // gethostbyaddr raises herror, not gaierror
		}
		c.failed(werr)
		return nil, werr
	}
	// Go returns the valid names together with an error for invalid ones;
	// the valid ones are the answer.
	for i, n := range names {
		names[i] = strings.TrimSuffix(n, ".")
	}
	c.answer(names)
	return names, nil
}

func (c *Client) serverName() string {
	if c == nil {
		return ""
	}
	return c.Server
}

// HostEntry is the 3-tuple of gethostbyname_ex and gethostbyaddr:
// (hostname, aliaslist, ipaddrlist).
type HostEntry struct {
	Name    string
	Aliases []string
	Addrs   []netip.Addr
}

// HostByName is gethostbyname_ex: the canonical name, the names that led
// to it (CNAME aliases), and the IPv4 addresses — the call predates IPv6.
func (c *Client) HostByName(ctx context.Context, name string) (*HostEntry, error) {
	h, err := c.Forward(ctx, name)
	if err != nil {
		return nil, err
	}
	e := &HostEntry{Name: h.Canonical}
	if asked := strings.TrimSuffix(name, "."); !strings.EqualFold(asked, h.Canonical) {
		e.Aliases = []string{asked}
	}
	for _, a := range h.Addrs {
		if a.Is4() {
			e.Addrs = append(e.Addrs, a)
		}
	}
	if len(e.Addrs) == 0 {
		return nil, c.wrap(PhaseForward, name, &net.DNSError{Err: "no IPv4 address (gethostbyname is IPv4 only; try getaddrinfo)", Name: name, Server: c.serverName(), IsNotFound: true})
	}
	return e, nil
}

// HostByAddr is gethostbyaddr: the first name of addr, the other names as
// aliases, and the address itself.
func (c *Client) HostByAddr(ctx context.Context, addr netip.Addr) (*HostEntry, error) {
	names, err := c.Reverse(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &HostEntry{Name: names[0], Aliases: names[1:], Addrs: []netip.Addr{addr}}, nil
}

// FQDN is getfqdn(name): if name is empty, the host name. It looks up
// the name's addresses, then the names of the first address, and returns
// the first of those that contains a dot; failing that, name itself.
// Look-up failures are not errors, as in Python: they give name. Only a
// cancelled or expired ctx, or a host name the system cannot report, is.
func (c *Client) FQDN(ctx context.Context, name string) (string, error) {
	if name == "" || name == "0.0.0.0" || name == "::" {
		h, err := os.Hostname()
		if err != nil {
			return "", core.Wrap(PhaseHostname, "", err)
		}
		name = h
	}
	var first netip.Addr
	if a, err := netip.ParseAddr(name); err == nil {
		first = a
	} else if h, err := c.Forward(ctx, name); err == nil && len(h.Addrs) > 0 {
		first = h.Addrs[0]
	} else {
		return name, ctx.Err()
	}
	names, err := c.Reverse(ctx, first)
	if err != nil {
		return name, ctx.Err()
	}
	for _, n := range names {
		if strings.Contains(n, ".") {
			return n, nil
		}
	}
	return name, nil
}
