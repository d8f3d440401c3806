package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"

	"socketlab/core"
	"socketlab/sim/trace"
)

// target is what a label names.
type target struct {
	proto string // "tcp" or "udp"
	host  string
	port  uint16
}

func (t target) String() string {
	return net.JoinHostPort(t.host, strconv.Itoa(int(t.port)))
}

// parseLabel parses "tcp/HOST:PORT" or "udp/HOST:PORT"; reason is empty
// when the label is good.
func parseLabel(label string) (t target, reason string) {
	const want = "bad label: want tcp/HOST:PORT or udp/HOST:PORT"
	proto, hp, ok := strings.Cut(label, "/")
	if !ok || (proto != "tcp" && proto != "udp") || len(hp) > 300 {
		return t, want
	}
	host, port, err := net.SplitHostPort(hp)
	if err != nil || host == "" || strings.ContainsAny(host, " /%\\") {
		return t, want
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 || port[0] == '0' || port[0] == '+' {
		return t, want
	}
	return target{proto: proto, host: host, port: uint16(n)}, ""
}

// checkReliability says why dc's delivery does not suit proto ("" if it
// does): TCP needs a reliable ordered channel, UDP an unordered one
// without retransmissions.
func checkReliability(proto string, dc *webrtc.DataChannel) string {
	rt, life := dc.MaxRetransmits(), dc.MaxPacketLifeTime()
	switch proto {
	case "tcp":
		if !dc.Ordered() || rt != nil || life != nil {
			return "a tcp/ channel must be reliable and ordered"
		}
	case "udp":
		if dc.Ordered() || rt == nil || *rt != 0 || life != nil {
			return "a udp/ channel must be unordered with maxRetransmits 0"
		}
	}
	return ""
}

// resolve returns the allowed addresses t's host resolves to, or why none.
func (g *Gateway) resolve(ctx context.Context, t target) ([]netip.AddrPort, string) {
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(t.host, "["), "]")); err == nil {
		addrs = []netip.Addr{a}
	} else {
		as, err := g.cfg.Resolver.LookupNetIP(ctx, "ip", t.host)
		if err != nil {
			return nil, "cannot resolve " + t.host + ": " + oneLine(core.ErrorText("lookup", err))
		}
		addrs = as
	}
	var ok []netip.AddrPort
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a.Unmap(), t.port)
		if g.allow[ap] {
			ok = append(ok, ap)
		}
	}
	if len(ok) == 0 {
		return nil, "target " + t.String() + " is not allowed"
	}
	return ok, ""
}

// relay copies one data channel to one socket and back.
type relay struct {
	p       *peer
	rwc     datachannel.ReadWriteCloserDeadliner
	label   string
	target  target
	counted bool

	conn net.Conn // the TCP connection or connected UDP socket; set under smu
	ct   *core.ConnTracer
	last atomic.Int64 // unix nanoseconds of the last message either way

	smu     sync.Mutex // guards conn and ct while connecting, started, closed
	started bool       // counted in Gateway.channels
	closed  bool

	once sync.Once
	mu   sync.Mutex // serializes writes to rwc (the UDP reorder timer writes too)
	said bool       // a status line was sent (under mu)

	pageOnce sync.Once
	pageGone chan struct{} // closed when the page's side of the channel ended
}

// pageEnded notes that reading the channel ended: the page closed it (or
// the relay did).
func (r *relay) pageEnded() {
	r.pageOnce.Do(func() {
		if r.pageGone != nil {
			close(r.pageGone)
		}
	})
}

func (r *relay) touch() {
	now := time.Now().UnixNano()
	r.last.Store(now)
	r.p.last.Store(now)
}

// run refuses the channel (reason) or connects and relays it.
func (r *relay) run(reason string) {
	g := r.p.g
	defer g.wg.Done()
	if reason == "" {
		reason = r.connect()
	}
	if reason != "" {
		r.refuse(reason)
		return
	}
	r.smu.Lock()
	if r.closed {
		r.smu.Unlock()
		return
	}
	r.started = true
	g.channels.Add(1)
	r.smu.Unlock()
	g.channelsTotal.Add(1)
	g.logf("gateway: relaying %s", r.label)
	r.touch()
	done := make(chan struct{})
	g.wg.Add(1) // this goroutine is counted: the count is not zero
	go func() {
		defer g.wg.Done()
		defer close(done)
		r.down()
	}()
	r.up()
	<-done
}

// connect resolves, checks and connects; it returns why not.
func (r *relay) connect() string {
	g := r.p.g
	ctx, cancel := context.WithTimeout(r.p.ctx, g.cfg.DialTimeout)
	defer cancel()
	addrs, why := g.resolve(ctx, r.target)
	if why != "" {
		return why
	}
	var last error
	for _, ap := range addrs {
		g.cfg.Trace.ConnectStart(NodeGateway, ap.String())
		var d net.Dialer
		c, err := d.DialContext(ctx, r.target.proto, ap.String())
		if err != nil {
			g.cfg.Trace.ConnectFailed(NodeGateway, ap.String(), err)
			last = err
			continue
		}
		ct := g.cfg.Trace.Conn(NodeGateway, c)
		ct.Op(trace.OpConnect, 0, nil)
		r.smu.Lock()
		if r.closed { // the peer closed while connecting
			r.smu.Unlock()
			ct.Close("peer closed")
			c.Close()
			return "peer closed"
		}
		r.conn, r.ct = c, ct
		r.smu.Unlock()
		return ""
	}
	return oneLine(core.ErrorText("connect "+r.target.String(), last))
}

// refuse tells the page why in one string message and closes the channel.
func (r *relay) refuse(reason string) {
	g := r.p.g
	g.refused.Add(1)
	g.logf("gateway: refused channel %q: %s", r.label, reason)
	g.cfg.Trace.App(NodeGateway, trace.OpError, netip.AddrPort{}, netip.AddrPort{}, 0,
		"refused channel "+strconv.Quote(r.label)+": "+reason)
	r.status("error: " + reason)
	// No relay reads this channel: read it here, so that the page's close
	// is noticed (drain waits for it).
	r.p.g.wg.Add(1) // counted while this relay's run still is: the count is not zero
	go func() {
		defer r.p.g.wg.Done()
		buf := make([]byte, 512)
		for {
			if _, _, err := r.rwc.ReadDataChannel(buf); err != nil {
				r.pageEnded()
				return
			}
		}
	}()
	r.close("")
}

// status sends a one-line string message to the page (binary messages
// are data).
func (r *relay) status(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.said = true
	r.rwc.SetWriteDeadline(time.Now().Add(r.p.g.cfg.WriteTimeout))
	r.rwc.WriteDataChannel([]byte(line), true)
}

// send writes one data message to the page.
func (r *relay) send(b []byte) error {
	if err := r.p.lim.wait(r.p.ctx, len(b)); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rwc.SetWriteDeadline(time.Now().Add(r.p.g.cfg.WriteTimeout))
	if _, err := r.rwc.WriteDataChannel(b, false); err != nil {
		return err
	}
	r.p.g.bytesDown.Add(uint64(len(b)))
	r.touch()
	return nil
}

// close ends the relay once: the socket (traced with reason) and the
// channel.
func (r *relay) close(reason string) {
	r.once.Do(func() {
		r.smu.Lock()
		r.closed = true
		conn, ct, started := r.conn, r.ct, r.started
		r.smu.Unlock()
		if conn != nil {
			ct.Close(reason)
			conn.Close()
		}
		if reason != "" {
			r.p.g.logf("gateway: closed %s: %s", r.label, reason)
		}
		r.drain()
		r.rwc.Close()
		p := r.p
		p.mu.Lock()
		delete(p.relays, r)
		if r.counted {
			p.channels--
		}
		p.mu.Unlock()
		if started {
			p.g.channels.Add(-1)
		}
	})
}

// drain waits, for at most a second, until the page has acknowledged
// everything written to the channel: the close (a stream reset) must not
// overtake the last data or the error line, which an unreliable channel
// would otherwise lose. It does not wait once the peer is closing.
func (r *relay) drain() {
	ba, ok := r.rwc.(interface{ BufferedAmount() uint64 })
	if !ok {
		return
	}
	deadline := time.Now().Add(time.Second)
	for ba.BufferedAmount() > 0 && r.p.ctx.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	r.mu.Lock()
	said := r.said
	r.mu.Unlock()
	if said {
		// The page closes the channel once it has read the error line
		// (the bridge does). Closing it first could lose the line: pion
		// may handle SCTP's stream reset before the message that preceded
		// it (an unreliable channel's message even counts as sent as soon
		// as it leaves). So wait for the page's close, statusLinger at
		// most.
		t := time.NewTimer(statusLinger)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.pageGone:
		case <-r.p.ctx.Done():
		}
	}
}

// statusLinger is how long a channel stays open after its error line
// unless the page closes it first.
const statusLinger = time.Second

// idle reports whether a read that timed out means the relay is idle.
func (r *relay) idle(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	return time.Since(time.Unix(0, r.last.Load())) >= r.p.g.cfg.IdleTimeout
}

// up copies messages of the page to the socket.
func (r *relay) up() {
	g := r.p.g
	buf := make([]byte, g.cfg.MaxMessage)
	var im *impairer
	if r.target.proto == "udp" && g.cfg.Impair.on() {
		im = newImpairer(g.cfg.Impair, 1)
	}
	// No read deadline on the channel (pion starts a goroutine for each):
	// the socket's read deadline in down notices an idle relay, and
	// closing the relay ends this read.
	for {
		n, _, err := r.rwc.ReadDataChannel(buf)
		if err != nil {
			if !errors.Is(err, io.ErrShortBuffer) {
				r.pageEnded()
			}
			if errors.Is(err, io.ErrShortBuffer) {
				reason := fmt.Sprintf("message larger than %d bytes", g.cfg.MaxMessage)
				r.status("error: " + reason)
				r.close(reason)
			} else {
				r.close("the page closed the channel")
			}
			return
		}
		r.touch()
		if err := r.p.lim.wait(r.p.ctx, n); err != nil {
			r.close("peer closed")
			return
		}
		if r.target.proto == "tcp" {
			r.conn.SetWriteDeadline(time.Now().Add(g.cfg.WriteTimeout))
			if _, err := r.conn.Write(buf[:n]); err != nil {
				r.ct.Fail("send", err)
				r.status("error: " + oneLine(core.ErrorText("send", err)))
				r.close("send failed")
				return
			}
			g.bytesUp.Add(uint64(n))
			r.ct.Op(trace.OpWrite, n, buf[:n])
			continue
		}
		im.apply(r, buf[:n], r.sendTo)
	}
}

// sendTo sends one datagram to the UDP target.
func (r *relay) sendTo(b []byte) {
	g := r.p.g
	r.conn.SetWriteDeadline(time.Now().Add(g.cfg.WriteTimeout))
	if _, err := r.conn.Write(b); err != nil {
		r.ct.FailTo(netip.AddrPort{}, "sendto", err)
		return
	}
	g.bytesUp.Add(uint64(len(b)))
	r.ct.Datagram(trace.OpSendTo, netip.AddrPort{}, len(b), b)
}

// down copies what the socket receives to the page.
func (r *relay) down() {
	g := r.p.g
	buf := make([]byte, g.cfg.MaxMessage)
	// The page's own limit (its offer's max-message-size) may be lower:
	// TCP bytes are cut to it, longer datagrams cannot be delivered.
	limit := len(buf)
	if m := int(r.p.pc.SCTP().GetCapabilities().MaxMessageSize); m > 0 && m < limit {
		limit = m
	}
	if r.target.proto == "tcp" {
		buf = buf[:limit]
	}
	var im *impairer
	if r.target.proto == "udp" && g.cfg.Impair.on() {
		im = newImpairer(g.cfg.Impair, 2)
	}
	var failed atomic.Bool // a write to the page failed (maybe on the reorder timer)
	for {
		r.conn.SetReadDeadline(time.Now().Add(g.cfg.IdleTimeout))
		n, err := r.conn.Read(buf)
		if r.target.proto == "udp" {
			if err == nil {
				r.touch()
				r.ct.Datagram(trace.OpRecvFrom, netip.AddrPort{}, n, buf[:n])
				if n > limit {
					g.cfg.Trace.Note(NodeGateway, fmt.Sprintf("datagram of %d bytes dropped: the page takes at most %d", n, limit))
					continue
				}
				im.apply(r, buf[:n], func(b []byte) {
					if r.send(b) != nil {
						failed.Store(true)
					}
				})
				if failed.Load() {
					r.close("cannot write to the page")
					return
				}
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if r.idle(err) {
					r.status(fmt.Sprintf("error: idle for %v", g.cfg.IdleTimeout))
					r.close(fmt.Sprintf("idle for %v", g.cfg.IdleTimeout))
					return
				}
				continue
			}
			// An ICMP error (port unreachable) fails one read, like the
			// textbook's recvfrom; the socket goes on.
			r.ct.FailTo(netip.AddrPort{}, "recvfrom", err)
			r.status("error: " + oneLine(core.ErrorText("recvfrom", err)))
			continue
		}
		if n > 0 {
			r.ct.Op(trace.OpRead, n, buf[:n])
			if e := r.send(buf[:n]); e != nil {
				r.close("cannot write to the page")
				return
			}
		}
		if err != nil {
			switch {
			case err == io.EOF:
				r.ct.Op(trace.OpRead, 0, nil)
				r.close("the server closed the connection")
			case errors.Is(err, net.ErrClosed):
			case errors.Is(err, os.ErrDeadlineExceeded):
				if !r.idle(err) {
					continue
				}
				r.status(fmt.Sprintf("error: idle for %v", g.cfg.IdleTimeout))
				r.close(fmt.Sprintf("idle for %v", g.cfg.IdleTimeout))
			default:
				r.ct.Fail("recv", err)
				r.status("error: " + oneLine(core.ErrorText("recv", err)))
				r.close("recv failed")
			}
			return
		}
	}
}

// impairer applies an Impairment to one direction of a UDP relay; a nil
// *impairer passes every datagram through.
type impairer struct {
	im  Impairment
	rng *rand.Rand

	mu    sync.Mutex
	held  []byte
	timer *time.Timer
}

// newImpairer returns the impairer of direction dir (1: page to server,
// 2: server to page); its decisions come from PCG(im.Seed, dir).
func newImpairer(im Impairment, dir uint64) *impairer {
	return &impairer{im: im, rng: rand.New(rand.NewPCG(im.Seed, dir))}
}

// decide draws the fate of the next datagram: three numbers per datagram,
// always, so that datagram i's fate depends on the seed and i only.
func (x *impairer) decide() (drop, dup, hold bool) {
	drop = x.rng.Float64() < x.im.Loss
	dup = x.rng.Float64() < x.im.Duplicate
	hold = x.rng.Float64() < x.im.Reorder
	return
}

// apply passes b through the impairment to send.
func (x *impairer) apply(r *relay, b []byte, send func([]byte)) {
	if x == nil {
		send(b)
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	drop, dup, hold := x.decide()
	g := r.p.g
	switch {
	case drop:
		g.dropped.Add(1)
		g.cfg.Trace.Note(NodeGateway, fmt.Sprintf("impairment: datagram of %d bytes dropped", len(b)))
		return
	case hold && x.held == nil:
		x.held = append([]byte(nil), b...)
		x.timer = time.AfterFunc(x.im.ReorderHold, func() {
			x.mu.Lock()
			defer x.mu.Unlock()
			if x.held != nil {
				send(x.held)
				x.held = nil
			}
		})
		return
	}
	send(b)
	if dup {
		g.cfg.Trace.Note(NodeGateway, fmt.Sprintf("impairment: datagram of %d bytes duplicated", len(b)))
		send(b)
	}
	if x.held != nil {
		x.timer.Stop()
		send(x.held)
		x.held = nil
	}
}
