package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"socketlab/core/capture"
	"socketlab/core/netns"
	"socketlab/sim"
	"socketlab/sim/tcp"
	"socketlab/sim/trace"
)

var compareCmd = &command{
	name:    "compare",
	args:    "[--profile rfc|linux] [--pcap FILE] [EXCHANGE|all]",
	summary: "the simulator beside your kernel: run one exchange in the model and for real, print both ladders side by side with every difference marked (needs root to capture); --profile linux holds the model's linux profile to the kernel, each exchange in a fresh network namespace",
	parse:   parseCompare,
}

// exchange is one of the textbook's moments, written twice: as programs
// of the simulator, and as real sockets.
type exchange struct {
	name, title string
	programs    []sim.Program // the model's programs; the server listens on port 80
	// real runs the exchange against the rig's server (no listener for the
	// refused connection and the closed UDP port).
	real func(ctx context.Context, r *rig) error
	// happened, if set, says whether the real segments show the exchange
	// as intended: a simultaneous close is a race, tried again until won.
	happened func([]trace.Segment) bool
	// drops are the packets lost on the way, in the model and for real; an
	// exchange with drops runs in a fresh network namespace whatever the
	// profile, where its firewall can drop them.
	drops []drop
	// udp: the server's port is a UDP port, and nothing listens on it.
	udp bool
	// delay, if set, is the one-way delay of the link the exchange runs on
	// (both in the model and for real: two namespaces joined through a
	// delaying relay, netns.Link); else the model's is compareDelay and
	// the real one loopback's.
	delay time.Duration
	// rcvBuf, if set, is the server's SO_RCVBUF, set on the listener;
	// modelRcvBuf the model's rcvbuf for it: the bytes that buffer really
	// takes (Linux doubles SO_RCVBUF and counts its own overhead in it).
	rcvBuf, modelRcvBuf int
}

// drop is one kind of packet lost, in both runs: fault in the model, and
// in a rig's namespace the nth (from 1) of the packets matching match
// (iptables match arguments; the server's port is 80).
type drop struct {
	fault sim.Fault
	match []string
	nth   []int
}

// lostSYNs drops the client's first n SYNs.
func lostSYNs(n int) []drop {
	nth := make([]int, n)
	for i := range nth {
		nth[i] = i + 1
	}
	return []drop{{fault: sim.Fault{Action: "drop", Proto: "tcp", Flags: "SYN", From: "client", Count: n},
		match: []string{"-p", "tcp", "--dport", "80", "--tcp-flags", "SYN,ACK,FIN,RST", "SYN"}, nth: nth}}
}

// lostHello drops the request "hello" (5 bytes, the tail of what the
// client sends) n times: IP length 20 + TCP 20 + timestamps 12 + 5.
func lostHello(n int) []drop {
	nth := make([]int, n)
	for i := range nth {
		nth[i] = i + 1
	}
	return []drop{{fault: sim.Fault{Action: "drop", Proto: "tcp", Flags: "ACK", Data: true, From: "client", Seq: 1, Count: n},
		match: []string{"-p", "tcp", "--dport", "80", "-m", "length", "--length", "57"}, nth: nth}}
}

// handshakePrograms connect and close at once; the server reads until EOF.
var handshakePrograms = []sim.Program{
	{Type: "tcp-timestamp-server", Host: "server", Port: 80},
	{Type: "tcp-hold-client", Host: "client", Server: "server:80"},
}

// requestPrograms send "hello" and read the answer: tsTclnt.py → tsTserv.py.
var requestPrograms = []sim.Program{
	{Type: "tcp-timestamp-server", Host: "server", Port: 80},
	{Type: "tcp-timestamp-client", Host: "client", Server: "server:80", Messages: []string{"hello"}},
}

// bulkPrograms send bulkBytes and close; the server reads until EOF.
var bulkPrograms = []sim.Program{
	{Type: "bulk-sink", Host: "server", Port: 80},
	{Type: "bulk-sender", Host: "client", Server: "server:80", Bytes: bulkBytes},
}

// secondSegmentLost drops the second full segment from the client: a full
// segment fills the 1500-byte link.
var secondSegmentLost = []drop{{fault: sim.Fault{Action: "drop", Proto: "tcp", Flags: "ACK", Data: true, From: "client", Seq: 1449},
	match: []string{"-p", "tcp", "--dport", "80", "-m", "length", "--length", "1500"}, nth: []int{2}}}

// bulkBytes is the lost-segment exchange's transfer: four full segments
// of a 1500-byte link (MSS 1460, less 12 bytes of timestamps option).
const bulkBytes = 4 * 1448

const compareRequest = "GET / HTTP/1.0\r\n\r\n"

var exchanges = []exchange{
	{name: "handshake", title: "the three-way handshake, then the client closes",
		programs: handshakePrograms, real: realHandshake},
	{name: "request", title: "connect, one request and its reply, close (tsTclnt.py → tsTserv.py)",
		programs: requestPrograms, real: realRequest},
	{name: "refused", title: "connect to a port where nothing listens",
		programs: []sim.Program{
			{Type: "tcp-timestamp-client", Host: "client", Server: "server:80"},
		},
		real: func(ctx context.Context, r *rig) error {
			c, err := r.dial(ctx, "tcp", r.addr)
			if err == nil {
				c.Close()
				return errors.New("the connection was accepted: something else took the port")
			}
			return nil
		}},
	{name: "half-close", title: "the HTTP/1.0 GET: request, shutdown(SHUT_WR), the answer until EOF",
		programs: []sim.Program{
			// Like the real server below, it reads to EOF before it answers.
			{Type: "tcp-readall-server", Host: "server", Port: 80},
			{Type: "tcp-halfclose-client", Host: "client", Server: "server:80", Messages: []string{compareRequest}},
		},
		real: func(ctx context.Context, r *rig) error {
			return realPair(ctx, r, func(c net.Conn) error {
				if _, err := c.Write([]byte(compareRequest)); err != nil {
					return err
				}
				if err := c.(*net.TCPConn).CloseWrite(); err != nil {
					return err
				}
				_, err := io.Copy(io.Discard, c)
				return err
			}, func(c net.Conn) error {
				req, err := io.ReadAll(c)
				if err != nil {
					return err
				}
				_, err = c.Write(append([]byte("[Sat Nov 21 11:10:46 2026] "), req...))
				return err
			})
		}},
	{name: "simultaneous-close", title: "both ends close at the same moment: the FINs cross",
		programs: []sim.Program{
			// Established at 2 delays, accepted at 3: both close at 80 delays.
			{Type: "tcp-hold-server", Host: "server", Port: 80, Work: sim.Duration(77 * compareDelay)},
			{Type: "tcp-hold-client", Host: "client", Server: "server:80", Interval: sim.Duration(78 * compareDelay)},
		},
		real: realSimultaneousClose, happened: finsCrossed},
	{name: "syn-lost", title: "the first SYN is lost: the client sends it again after the initial RTO",
		programs: handshakePrograms, real: realHandshake, drops: lostSYNs(1)},
	{name: "syn-lost-2", title: "two SYNs are lost",
		programs: handshakePrograms, real: realHandshake, drops: lostSYNs(2)},
	{name: "syn-lost-3", title: "three SYNs are lost",
		programs: handshakePrograms, real: realHandshake, drops: lostSYNs(3)},
	{name: "synack-lost", title: "the SYN-ACK is lost: both ends time out",
		// The server's retransmitted SYN-ACK and its answer to the
		// client's second SYN come 40 µs apart; the real client's
		// connect() returns once its thread runs, after both, so the
		// model's client closes 100 µs after connect, not in no time.
		programs: []sim.Program{
			{Type: "tcp-timestamp-server", Host: "server", Port: 80},
			{Type: "tcp-hold-client", Host: "client", Server: "server:80", Interval: sim.Duration(100 * time.Microsecond)},
		}, real: realHandshake,
		drops: []drop{{fault: sim.Fault{Action: "drop", Proto: "tcp", Flags: "SYN,ACK", From: "server"},
			match: []string{"-p", "tcp", "--sport", "80", "--tcp-flags", "SYN,ACK,FIN,RST", "SYN,ACK"}, nth: []int{1}}}},
	{name: "segment-lost", title: "the second of four segments is lost; the later ones are acknowledged",
		programs: bulkPrograms, real: realBulk, drops: secondSegmentLost},
	{name: "tail-lost", title: "the request, the last segment sent, is lost",
		programs: requestPrograms, real: realRequest, drops: lostHello(1)},
	{name: "tail-lost-2", title: "the request is lost, and its first retransmission too",
		programs: requestPrograms, real: realRequest, drops: lostHello(2)},
	{name: "udp-closed", title: "a UDP datagram to a port where nothing listens",
		programs: []sim.Program{
			{Type: "udp-echo-client", Host: "client", Server: "server:80", Messages: []string{"hello"}},
		},
		real: realUDPClosed, udp: true},
	{name: "zero-window", title: "the server never reads: its window closes, the client probes it, the server closes with data unread (RST)",
		programs: []sim.Program{
			{Type: "tcp-hold-server", Host: "server", Port: 80, Work: sim.Duration(zeroWindowHold)},
			{Type: "bulk-sender", Host: "client", Server: "server:80", Bytes: zeroWindowBytes},
		},
		real: realZeroWindow, rcvBuf: 4096, modelRcvBuf: 3 * 1448},
	{name: "request-rtt", title: "the request on a link with a 10 ms one-way delay",
		programs: requestPrograms, real: realRequest, delay: rttDelay},
	{name: "segment-lost-rtt", title: "the second of four segments is lost, on the 10 ms link",
		programs: bulkPrograms, real: realBulk, drops: secondSegmentLost, delay: rttDelay},
	{name: "tail-lost-2-rtt", title: "the request is lost twice, on the 10 ms link",
		programs: requestPrograms, real: realRequest, drops: lostHello(2), delay: rttDelay},
}

// rttDelay is the one-way delay of the exchanges with a round-trip time.
const rttDelay = 10 * time.Millisecond

// zeroWindowBytes is what the zero-window exchange's client writes: more
// than the server's buffer takes.
const zeroWindowBytes = 24 << 10

// zeroWindowHold is how long the zero-window exchange's server holds the
// connection without reading: long enough for three window probes.
const zeroWindowHold = 2 * time.Second

// realZeroWindow writes zeroWindowBytes (into its send buffer) to a server that
// holds the connection without reading and then closes it: the server's
// RST, answering data it did not take, ends the client's wait.
func realZeroWindow(ctx context.Context, r *rig) error {
	return realPair(ctx, r, func(c net.Conn) error {
		if _, err := c.Write(make([]byte, zeroWindowBytes)); err != nil {
			return err
		}
		_, err := c.Read(make([]byte, 1))
		if errors.Is(err, syscall.ECONNRESET) {
			return nil
		}
		return fmt.Errorf("the client waited for the server's RST and read %v", err)
	}, func(c net.Conn) error {
		time.Sleep(zeroWindowHold)
		return nil
	})
}

func realHandshake(ctx context.Context, r *rig) error {
	return realPair(ctx, r, func(c net.Conn) error { return nil }, serveUntilEOF)
}

func realRequest(ctx context.Context, r *rig) error {
	return realPair(ctx, r, func(c net.Conn) error {
		if _, err := c.Write([]byte("hello")); err != nil {
			return err
		}
		_, err := c.Read(make([]byte, 1024))
		return err
	}, serveUntilEOF)
}

// realBulk writes bulkBytes at once and closes; the server reads until EOF.
func realBulk(ctx context.Context, r *rig) error {
	return realPair(ctx, r, func(c net.Conn) error {
		_, err := c.Write(make([]byte, bulkBytes))
		return err
	}, func(c net.Conn) error {
		_, err := io.Copy(io.Discard, c)
		return err
	})
}

// realUDPClosed sends "hello" from a connected UDP socket to a port where
// nothing listens: the ICMP port unreachable comes back as ECONNREFUSED.
func realUDPClosed(ctx context.Context, r *rig) error {
	c, err := r.dial(ctx, "udp", r.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := c.Read(make([]byte, 64)); !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("the datagram to a closed port: read returned %v, not connection refused", err)
	}
	return nil
}

// compareDelay is the model's one-way delay: loopback's order of
// magnitude, so that timers (the delayed ACK) play the part they play on
// the real loopback.
const compareDelay = 20 * time.Microsecond

type compareConfig struct {
	exchanges []exchange
	profile   tcp.Profile
	pcapFile  string
}

func parseCompare(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	pcapFile := fs.String("pcap", "", "save the real segments of the exchange(s) as a pcap capture to `FILE` for Wireshark/tshark")
	profile := fs.String("profile", "rfc", "the model's TCP: rfc (the textbook) or linux (what Linux does, compared in fresh network namespaces)")
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	cfg := compareConfig{pcapFile: *pcapFile}
	if cfg.profile, err = tcp.ParseProfile(*profile); err != nil || *profile == "" {
		return nil, usagef("compare: --profile %q: choose rfc or linux", *profile)
	}
	switch {
	case len(pos) > 1:
		return nil, usagef("compare: give one exchange, not %d", len(pos))
	case len(pos) == 0 || pos[0] == "all":
		cfg.exchanges = exchanges
	default:
		for _, ex := range exchanges {
			if ex.name == pos[0] {
				cfg.exchanges = []exchange{ex}
			}
		}
		if cfg.exchanges == nil {
			names := make([]string, len(exchanges))
			for i, ex := range exchanges {
				names[i] = ex.name
			}
			return nil, usagef("compare: no exchange %q; choose one of %s, or all", pos[0], strings.Join(names, ", "))
		}
	}
	return func(ctx context.Context) error { return runCompare(ctx, cfg, std) }, nil
}

func runCompare(ctx context.Context, cfg compareConfig, std stdio) error {
	var pcapOut *os.File
	if cfg.pcapFile != "" {
		f, err := os.Create(cfg.pcapFile)
		if err != nil {
			return fmt.Errorf("compare: %w", err)
		}
		defer f.Close()
		pcapOut = f
	}
	kernel := kernelName()
	// The exchanges run at once (those of the linux profile each in its
	// own namespace; the others on distinct ports), and print in order.
	type result struct {
		model, real *trace.Trace
		happened    bool
		frames      bytes.Buffer
		err         error
	}
	results := make([]result, len(cfg.exchanges))
	var wg sync.WaitGroup
	for i, ex := range cfg.exchanges {
		r := &results[i]
		wg.Go(func() {
			if r.model, r.err = modelRun(ex, cfg.profile); r.err != nil {
				r.err = fmt.Errorf("compare %s: the model: %w", ex.name, r.err)
				return
			}
			if r.real, r.happened, r.err = realRun(ctx, ex, cfg.profile, &r.frames); r.err != nil {
				r.err = fmt.Errorf("compare %s: %w", ex.name, r.err)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err // interrupted: whatever failed, failed for that
	}
	for i, ex := range cfg.exchanges {
		r := &results[i]
		if r.err != nil {
			return r.err
		}
		if pcapOut != nil && i == 0 { // one pcap file: the first exchange's capture
			if _, err := pcapOut.Write(r.frames.Bytes()); err != nil {
				return fmt.Errorf("compare: %w", err)
			}
		}
		if i > 0 {
			fmt.Fprintln(std.Out)
		}
		if cfg.profile == tcp.ProfileLinux {
			writeRows(std.Out, ex, normalise(r.model), normalise(r.real),
				"the model (socketlab's linux profile)", kernel+" (a fresh network namespace)")
		} else {
			writeComparison(std.Out, ex, trace.Segments(r.model), trace.Segments(r.real), kernel)
		}
		if !r.happened {
			fmt.Fprintf(std.Out, "note: your kernel answered the first FIN before the second close in every try: the FINs did not cross\n")
		}
	}
	return nil
}

// modelRun simulates ex with the TCP profile on a loopback-like link:
// under the linux profile one like the rigs' loopback, a 1500-byte link.
func modelRun(ex exchange, profile tcp.Profile) (*trace.Trace, error) {
	lp := sim.LinkParams{Delay: sim.Duration(compareDelay)}
	if ex.delay > 0 {
		lp.Delay = sim.Duration(ex.delay)
	}
	sc := &sim.Scenario{
		Name: ex.name, Seed: 1, Duration: sim.Duration(10 * time.Second),
		Hosts: []sim.NodeSpec{
			{Name: "client", Addrs: []string{"127.0.0.1"}, Role: "client"},
			{Name: "server", Addrs: []string{"127.0.0.2"}, Role: "server"},
		},
		Links:    []sim.LinkSpec{{ID: "lo", A: "client", B: "server", AB: lp, BA: lp}},
		Programs: ex.programs,
		TCP:      sim.TCPSpec{Profile: profile.String()},
	}
	if ex.modelRcvBuf != 0 { // the server's own buffer, as its SO_RCVBUF
		sc.Hosts[1].TCP = &sim.TCPSpec{RcvBuf: ex.modelRcvBuf}
	}
	for _, d := range ex.drops {
		sc.AddFault(d.fault)
	}
	return sim.Run(sc)
}

// inNamespace says whether ex runs in a rig's fresh network namespaces
// rather than on the machine's loopback.
func inNamespace(ex exchange, profile tcp.Profile) bool {
	return profile == tcp.ProfileLinux || len(ex.drops) > 0 || ex.udp || ex.delay > 0
}

// realRun runs ex for real with its segments captured; frames receives
// the capture as pcap.
func realRun(ctx context.Context, ex exchange, profile tcp.Profile, frames io.Writer) (*trace.Trace, bool, error) {
	const attempts = 200 // a simultaneous close is a race; the others happen at once
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return nil, false, err // interrupted
		}
		tr, ok, err := realOnce(ctx, ex, inNamespace(ex, profile), frames)
		if err != nil || ok || try == attempts-1 {
			return tr, ok, err
		}
		if b, isBuf := frames.(*bytes.Buffer); isBuf {
			b.Reset()
		}
	}
}

// rigSpace is where one end of a real exchange runs: the machine's own
// network, or a namespace of a rig.
type rigSpace struct {
	ns    *netns.NS // nil: the machine's own
	iface string    // where its capture listens
	addr  netip.Addr
}

// do runs f inside the space.
func (sp rigSpace) do(f func() error) error {
	if sp.ns == nil {
		return f()
	}
	return sp.ns.Do(f)
}

// newRig makes where ex runs: the machine's loopback unless fresh; a fresh
// namespace whose loopback is a 1500-byte link that carries one TCP
// segment per packet (no segmentation offload); or, for an exchange with
// a delay, a netns.Link. The firewalls get ex's drops, each in the
// namespace the lost packet is going to. close releases it all.
func newRig(ctx context.Context, ex exchange, fresh bool) (client, server rigSpace, close func(), err error) {
	lo := netip.MustParseAddr("127.0.0.1")
	if !fresh {
		sp := rigSpace{iface: "lo", addr: lo}
		return sp, sp, func() {}, nil
	}
	if ex.delay > 0 {
		l, err := netns.NewLink(ctx, "socketlab-compare-"+ex.name, ex.delay)
		if err != nil {
			return client, server, nil, err
		}
		client = rigSpace{ns: l.Client, iface: netns.LinkIface, addr: netns.ClientAddr}
		server = rigSpace{ns: l.Server, iface: netns.LinkIface, addr: netns.ServerAddr}
		close = func() { l.Close() }
	} else {
		ns, err := netns.New("socketlab-compare-" + ex.name)
		if err == nil {
			err = ns.SetMTU("lo", 1500)
		}
		if err == nil {
			err = ns.NoOffload("lo")
		}
		if err != nil {
			if ns != nil {
				ns.Close()
			}
			return client, server, nil, err
		}
		client = rigSpace{ns: ns, iface: "lo", addr: lo}
		server, close = client, func() { ns.Close() }
	}
	for _, d := range ex.drops {
		to := server
		if d.fault.From == "server" {
			to = client
		}
		if err := to.ns.Drop(ctx, d.match, d.nth...); err != nil {
			close()
			return client, server, nil, err
		}
	}
	return client, server, close, nil
}

// ownSends passes on the Send events of one node only, with the packet
// IDs of two captures made distinct (odd for one, even for the other): on
// a link each end's capture sees every packet, and keeps those its end
// sent, at the moment they left.
type ownSends struct {
	sink trace.Sink
	node string
	odd  uint64
}

func (o ownSends) Emit(e *trace.Event) {
	if e.Kind != trace.KindSend || e.Node != o.node {
		return
	}
	ev := *e
	ev.Packet.ID = ev.Packet.ID*2 + o.odd
	o.sink.Emit(&ev)
}

// rig is where a real exchange runs: the server's address, its listener
// (nil where nothing listens) and how to dial from the client's side.
type rig struct {
	l    net.Listener
	addr string
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// setRcvBuf sets SO_RCVBUF on c: on a listener, before it listens, it
// also sets the window its SYN-ACKs offer.
func setRcvBuf(c syscall.RawConn, n int) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
	}); err != nil {
		return err
	}
	return serr
}

// cubic sets CUBIC on the rig's TCP sockets: a fresh namespace's default
// congestion control may be another.
var cubic = netns.Control("cubic")

// realOnce runs ex once, in a fresh rig of its own if fresh (the port
// the last try left in use is not in the way, nor are the counters of its
// drops).
func realOnce(ctx context.Context, ex exchange, fresh bool, frames io.Writer) (*trace.Trace, bool, error) {
	client, server, closeRig, err := newRig(ctx, ex, fresh)
	if err != nil {
		return nil, false, err
	}
	defer closeRig()
	var port uint16
	if fresh {
		port = 80 // the namespace is the rig's alone
	}
	r := &rig{addr: netip.AddrPortFrom(server.addr, port).String(), dial: func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		d := net.Dialer{}
		if fresh && strings.HasPrefix(network, "tcp") {
			d.Control = cubic
		}
		err = client.do(func() error { c, err = d.DialContext(ctx, network, addr); return err })
		return c, err
	}}
	err = server.do(func() error {
		if ex.udp || fresh && ex.name == "refused" {
			return nil // nothing listens
		}
		lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
			if fresh {
				if err := cubic(network, address, c); err != nil {
					return err
				}
			}
			if ex.rcvBuf > 0 {
				return setRcvBuf(c, ex.rcvBuf)
			}
			return nil
		}}
		l, err := lc.Listen(ctx, "tcp", r.addr)
		if err != nil {
			return err
		}
		r.l, r.addr, port = l, l.Addr().String(), uint16(l.Addr().(*net.TCPAddr).Port)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if r.l != nil && ex.name == "refused" {
		r.l.Close() // nothing listens there any more
		r.l = nil
	}
	if r.l != nil {
		defer r.l.Close()
	}
	feed := trace.NewFeed(100_000)
	cfg := capture.Config{
		Ports: []uint16{port}, Sink: feed, Pcap: frames, Start: time.Now(),
		NodeOf: func(ep netip.AddrPort) string {
			if ep.Port() == port {
				return "server"
			}
			return "client"
		},
	}
	spaces := []rigSpace{client}
	if server.ns != client.ns { // a link: each end captures what it sends
		spaces = append(spaces, server)
	}
	var cps []*capture.Capture
	defer func() {
		for _, cp := range cps {
			cp.Close()
		}
	}()
	for i, sp := range spaces {
		c := cfg
		c.Interface = sp.iface
		if len(spaces) > 1 {
			c.Sink = ownSends{sink: feed, node: []string{"client", "server"}[i], odd: uint64(i)}
		}
		if i > 0 {
			c.Pcap = nil // the client's capture has every packet
		}
		err = sp.do(func() error {
			cp, err := capture.Start(ctx, c)
			if err == nil {
				cps = append(cps, cp)
			}
			return err
		})
		if errors.Is(err, capture.ErrNoPrivilege) {
			return nil, false, errors.New("comparing needs the real segments, and capturing them needs root or CAP_NET_RAW: run it with sudo")
		}
		if err != nil {
			return nil, false, err
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = ex.real(rctx, r)
	cancel()
	// The last segments (the final ACKs) may still be on their way when
	// the programs are done; give them the link's delays and the capture
	// a moment to read them.
	time.Sleep(30*time.Millisecond + 3*ex.delay)
	for _, cp := range cps {
		cp.Close()
	}
	cps = nil
	if err != nil {
		return nil, false, err
	}
	tr := &trace.Trace{Header: trace.Header{Scenario: ex.name, Nodes: []trace.Node{
		{Name: "client", Kind: trace.NodeHost, Addrs: []netip.Addr{client.addr}, Role: "client"},
		{Name: "server", Kind: trace.NodeHost, Addrs: []netip.Addr{server.addr}, Role: "server"},
	}}}
	tr.Events, _, _ = feed.Take(nil, 100_000)
	ok := ex.happened == nil || ex.happened(trace.Segments(tr))
	return tr, ok, nil
}

// realPair connects to the rig's server, serves the connection accepted
// on its listener with server and runs client on the dialled one; each
// side closes when done.
func realPair(ctx context.Context, r *rig, client, server func(net.Conn) error) error {
	l := r.l
	var wg sync.WaitGroup
	var serr error
	wg.Go(func() {
		c, err := l.Accept()
		if err != nil {
			serr = err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		serr = server(c)
	})
	c, err := r.dial(ctx, "tcp", r.addr)
	if err != nil {
		l.Close() // unblock Accept
		wg.Wait()
		return err
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	cerr := client(c)
	c.Close()
	wg.Wait()
	return errors.Join(cerr, serr)
}

// serveUntilEOF is tsTserv.py's loop: answer every chunk, stop at EOF.
func serveUntilEOF(c net.Conn) error {
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(append([]byte("[Sat Nov 21 11:10:46 2026] "), buf[:n]...)); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// realSimultaneousClose closes both ends at once. On loopback a FIN is
// usually processed before the other end's close runs, so the FINs cross
// only now and then (finsCrossed tells), and the caller tries again.
func realSimultaneousClose(ctx context.Context, r *rig) error {
	c, err := r.dial(ctx, "tcp", r.addr)
	if err != nil {
		return err
	}
	s, err := r.l.Accept()
	if err != nil {
		c.Close()
		return err
	}
	time.Sleep(2 * time.Millisecond) // let the handshake's last ACK settle
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, x := range []net.Conn{c, s} {
		wg.Go(func() { <-start; x.Close() })
	}
	close(start)
	wg.Wait()
	return nil
}

// finsCrossed reports whether both ends sent their FIN before the other's
// arrived: neither FIN acknowledges the other.
func finsCrossed(segs []trace.Segment) bool {
	var fins []trace.Segment
	for _, s := range segs {
		if s.Flags&trace.FlagFIN != 0 {
			fins = append(fins, s)
		}
	}
	if len(fins) != 2 || fins[0].FromClient == fins[1].FromClient {
		return false
	}
	// The second FIN acknowledges the first only if it was sent after the
	// first arrived.
	return fins[1].Ack != fins[0].Seq+uint32(fins[0].Len)+1
}

// kernelName is "Linux 6.18.44", or the OS name where uname is not at hand.
func kernelName() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "your kernel"
	}
	return "Linux " + strings.TrimSpace(string(b))
}

// segmentText is a segment as a ladder row: "c→s SYN seq=0 win=65535 mss=1460".
func segmentText(s trace.Segment) string {
	var b strings.Builder
	segmentHead(&b, s)
	fmt.Fprintf(&b, " win=%d", s.Window)
	if s.MSS != 0 {
		fmt.Fprintf(&b, " mss=%d", s.MSS)
	}
	return b.String()
}

// writeComparison prints the two runs side by side, aligned by
// trace.Compare, each difference marked at the end of its row.
func writeComparison(w io.Writer, ex exchange, model, real []trace.Segment, kernel string) {
	const col = 57
	fmt.Fprintf(w, "%s — %s\n", ex.name, ex.title)
	fmt.Fprintf(w, "   %-*s  %s (loopback)\n", col, "the model (socketlab's textbook TCP)", kernel)
	row := func(segs []trace.Segment, i int) string {
		if i < 0 {
			return ""
		}
		s := segs[i]
		return fmt.Sprintf("%8.3fms %s", float64(s.At)/float64(time.Millisecond), segmentText(s))
	}
	var same, onlyModel, onlyReal int
	diffs := map[trace.Field]int{}
	for _, m := range trace.Compare(model, real) {
		mark := ""
		switch {
		case m.A < 0:
			mark = "+ only in your kernel"
			onlyReal++
		case m.B < 0:
			mark = "- only in the model"
			onlyModel++
		case len(m.Diffs) > 0:
			names := make([]string, len(m.Diffs))
			for i, d := range m.Diffs {
				names[i] = string(d)
				diffs[d]++
			}
			mark = "≠ " + strings.Join(names, ", ")
			same++
		default:
			mark = "="
			same++
		}
		fmt.Fprintf(w, "   %-*s  %-*s  %s\n", col, row(model, m.A), col, row(real, m.B), mark)
	}
	fmt.Fprintf(w, "%d segments in both, %d only in the model, %d only in your kernel", same, onlyModel, onlyReal)
	for _, f := range []trace.Field{trace.FieldFlags, trace.FieldSeq, trace.FieldAck, trace.FieldLen, trace.FieldWindow, trace.FieldMSS} {
		if n := diffs[f]; n > 0 {
			fmt.Fprintf(w, "; %s differs in %d", f, n)
		}
	}
	fmt.Fprintln(w)
}
