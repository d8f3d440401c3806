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
	"time"

	"socketlab/core/capture"
	"socketlab/sim"
	"socketlab/sim/trace"
)

var compareCmd = &command{
	name:    "compare",
	args:    "[--pcap FILE] [handshake|request|refused|half-close|simultaneous-close|all]",
	summary: "the simulator beside your kernel: run one exchange in the model and for real on loopback, print both ladders side by side with every difference marked (needs root to capture)",
	parse:   parseCompare,
}

// exchange is one of the textbook's moments, written twice: as programs
// of the simulator, and as real sockets on loopback.
type exchange struct {
	name, title string
	programs    []sim.Program // the model's programs; the server listens on port 80
	// real runs the exchange against a server listening on l (nil for the
	// refused connection, whose port addr has no listener).
	real func(ctx context.Context, l net.Listener, addr string) error
	// happened, if set, says whether the real segments show the exchange
	// as intended: a simultaneous close is a race, tried again until won.
	happened func([]trace.Segment) bool
}

const compareRequest = "GET / HTTP/1.0\r\n\r\n"

var exchanges = []exchange{
	{name: "handshake", title: "the three-way handshake, then the client closes",
		programs: []sim.Program{
			{Type: "tcp-timestamp-server", Host: "server", Port: 80},
			{Type: "tcp-hold-client", Host: "client", Server: "server:80"},
		},
		real: func(ctx context.Context, l net.Listener, addr string) error {
			return realPair(ctx, l, addr, func(c net.Conn) error { return nil }, serveUntilEOF)
		}},
	{name: "request", title: "connect, one request and its reply, close (tsTclnt.py → tsTserv.py)",
		programs: []sim.Program{
			{Type: "tcp-timestamp-server", Host: "server", Port: 80},
			{Type: "tcp-timestamp-client", Host: "client", Server: "server:80", Messages: []string{"hello"}},
		},
		real: func(ctx context.Context, l net.Listener, addr string) error {
			return realPair(ctx, l, addr, func(c net.Conn) error {
				if _, err := c.Write([]byte("hello")); err != nil {
					return err
				}
				_, err := c.Read(make([]byte, 1024))
				return err
			}, serveUntilEOF)
		}},
	{name: "refused", title: "connect to a port where nothing listens",
		programs: []sim.Program{
			{Type: "tcp-timestamp-client", Host: "client", Server: "server:80"},
		},
		real: func(ctx context.Context, _ net.Listener, addr string) error {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", addr)
			if err == nil {
				c.Close()
				return errors.New("the connection was accepted: something else took the port")
			}
			return nil
		}},
	{name: "half-close", title: "the HTTP/1.0 GET: request, shutdown(SHUT_WR), the answer until EOF",
		programs: []sim.Program{
			{Type: "tcp-timestamp-server", Host: "server", Port: 80},
			{Type: "tcp-halfclose-client", Host: "client", Server: "server:80", Messages: []string{compareRequest}},
		},
		real: func(ctx context.Context, l net.Listener, addr string) error {
			return realPair(ctx, l, addr, func(c net.Conn) error {
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
}

// compareDelay is the model's one-way delay: loopback's order of
// magnitude, so that timers (the delayed ACK) play the part they play on
// the real loopback.
const compareDelay = 20 * time.Microsecond

type compareConfig struct {
	exchanges []exchange
	pcapFile  string
}

func parseCompare(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	pcapFile := fs.String("pcap", "", "save the real segments of the exchange(s) as a pcap capture to `FILE` for Wireshark/tshark")
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	cfg := compareConfig{pcapFile: *pcapFile}
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
	for i, ex := range cfg.exchanges {
		model, err := modelRun(ex)
		if err != nil {
			return fmt.Errorf("compare %s: the model: %w", ex.name, err)
		}
		var frames bytes.Buffer
		real, happened, err := realRun(ctx, ex, &frames)
		if err != nil {
			return fmt.Errorf("compare %s: %w", ex.name, err)
		}
		if pcapOut != nil && i == 0 { // one pcap file: the first exchange's capture
			if _, err := pcapOut.Write(frames.Bytes()); err != nil {
				return fmt.Errorf("compare: %w", err)
			}
		}
		if i > 0 {
			fmt.Fprintln(std.Out)
		}
		writeComparison(std.Out, ex, trace.Segments(model), trace.Segments(real), kernel)
		if !happened {
			fmt.Fprintf(std.Out, "note: your kernel answered the first FIN before the second close in every try: the FINs did not cross\n")
		}
	}
	return nil
}

// modelRun simulates ex on a loopback-like link.
func modelRun(ex exchange) (*trace.Trace, error) {
	lp := sim.LinkParams{Delay: sim.Duration(compareDelay)}
	sc := &sim.Scenario{
		Name: ex.name, Seed: 1, Duration: sim.Duration(3 * time.Second),
		Hosts: []sim.NodeSpec{
			{Name: "client", Addrs: []string{"127.0.0.1"}, Role: "client"},
			{Name: "server", Addrs: []string{"127.0.0.2"}, Role: "server"},
		},
		Links:    []sim.LinkSpec{{ID: "lo", A: "client", B: "server", AB: lp, BA: lp}},
		Programs: ex.programs,
	}
	return sim.Run(sc)
}

// realRun runs ex on loopback with its segments captured; frames receives
// the capture as pcap.
func realRun(ctx context.Context, ex exchange, frames io.Writer) (*trace.Trace, bool, error) {
	const attempts = 200 // a simultaneous close is a race; the others happen at once
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return nil, false, err // interrupted
		}
		tr, ok, err := realOnce(ctx, ex, frames)
		if err != nil || ok || try == attempts-1 {
			return tr, ok, err
		}
		if b, isBuf := frames.(*bytes.Buffer); isBuf {
			b.Reset()
		}
	}
}

func realOnce(ctx context.Context, ex exchange, frames io.Writer) (*trace.Trace, bool, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, false, err
	}
	addr := l.Addr().String()
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	if ex.name == "refused" {
		l.Close() // nothing listens there any more
		l = nil
	} else {
		defer l.Close()
	}
	feed := trace.NewFeed(100_000)
	cp, err := capture.Start(ctx, capture.Config{
		Ports: []uint16{port}, Sink: feed, Pcap: frames,
		NodeOf: func(ep netip.AddrPort) string {
			if ep.Port() == port {
				return "server"
			}
			return "client"
		},
	})
	if err != nil {
		if errors.Is(err, capture.ErrNoPrivilege) {
			return nil, false, errors.New("comparing needs the real segments, and capturing them needs root or CAP_NET_RAW: run it with sudo")
		}
		return nil, false, err
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = ex.real(rctx, l, addr)
	cancel()
	// The last segments (the final ACKs) leave within microseconds on
	// loopback; give the capture a moment to read them.
	time.Sleep(30 * time.Millisecond)
	cp.Close()
	if err != nil {
		return nil, false, err
	}
	lo := netip.MustParseAddr("127.0.0.1")
	tr := &trace.Trace{Header: trace.Header{Scenario: ex.name, Nodes: []trace.Node{
		{Name: "client", Kind: trace.NodeHost, Addrs: []netip.Addr{lo}, Role: "client"},
		{Name: "server", Kind: trace.NodeHost, Addrs: []netip.Addr{lo}, Role: "server"},
	}}}
	tr.Events, _, _ = feed.Take(nil, 100_000)
	ok := ex.happened == nil || ex.happened(trace.Segments(tr))
	return tr, ok, nil
}

// realPair connects to addr, serves the connection accepted on l with
// server and runs client on the dialled one; each side closes when done.
func realPair(ctx context.Context, l net.Listener, addr string, client, server func(net.Conn) error) error {
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
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
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
func realSimultaneousClose(ctx context.Context, l net.Listener, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	s, err := l.Accept()
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
	dir := "s→c"
	if s.FromClient {
		dir = "c→s"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s seq=%d", dir, s.Flags, s.Seq)
	if s.Flags&trace.FlagACK != 0 {
		fmt.Fprintf(&b, " ack=%d", s.Ack)
	}
	if s.Len > 0 {
		fmt.Fprintf(&b, " len=%d", s.Len)
	}
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
