package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"socketlab/core"
	"socketlab/sim/trace"
)

func TestTCPRelayTimestamp(t *testing.T) {
	ts, closed := startTimestamp(t)
	feed := trace.NewFeed(10000)
	g, srv := startGateway(t, Config{Allow: []netip.AddrPort{ts}, Trace: core.NewTracer(feed)})
	c := newClient(t)
	ch := c.channel(t, "tcp/"+ts.String(), reliable)
	c.connect(t, srv.URL, nil)
	ch.waitOpen(t)

	ch.send(t, []byte("hello"))
	m := ch.recv(t)
	if want := "[Sat Nov 21 11:10:46 2026] hello"; m.IsString || string(m.Data) != want {
		t.Fatalf("got %q (string %v), want binary %q", m.Data, m.IsString, want)
	}
	eventually(t, "Stats count the bytes", func() bool {
		s := g.Stats()
		return s.Channels == 1 && s.Peers == 1 && s.BytesUp == 5 && s.BytesDown == 32
	})

	// Channel close → TCP close: the server sees its connection closed.
	ch.dc.Close()
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("closing the channel did not close the TCP connection")
	}
	deadline := time.Now().Add(wait)
	for g.Stats().Channels != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := g.Stats().Channels; n != 0 {
		t.Errorf("%d channels after the close", n)
	}

	var evs []trace.Event
	evs, _, _ = feed.Take(evs, 1<<20)
	ops := map[trace.AppOp]int{}
	for _, e := range evs {
		if e.Kind == trace.KindApp && e.Node == NodeGateway {
			ops[e.Op]++
			if e.Op == trace.OpWrite && (e.N != 5 || e.Text != "hello" || e.Remote != ts) {
				t.Errorf("write event %+v", e)
			}
			if e.Op == trace.OpRead && e.N != 32 {
				t.Errorf("read event %+v", e)
			}
		}
	}
	for _, op := range []trace.AppOp{trace.OpConnectStart, trace.OpConnect, trace.OpWrite, trace.OpRead, trace.OpClose} {
		if ops[op] != 1 {
			t.Errorf("%d %v events on node gateway, want 1 (all: %v)", ops[op], op, ops)
		}
	}
}

// TestTCPServerCloseClosesChannel: the server's close ends the channel,
// after everything it sent.
func TestTCPServerCloseClosesChannel(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("bye"))
		c.Close()
	}()
	_, srv := startGateway(t, Config{Allow: []netip.AddrPort{addrOf(l.Addr())}})
	c := newClient(t)
	ch := c.channel(t, "tcp/"+l.Addr().String(), reliable)
	c.connect(t, srv.URL, nil)
	if m := ch.recv(t); string(m.Data) != "bye" || m.IsString {
		t.Fatalf("got %q", m.Data)
	}
	ch.waitClosed(t)
	<-served
}

func TestUDPRelay(t *testing.T) {
	var echo core.UDPEchoServer
	ea := startUDP(t, echo.ServePacket, echo.Close)
	tsrv := core.UDPTimestampServer{Now: func() time.Time { return stamp }}
	ta := startUDP(t, tsrv.ServePacket, tsrv.Close)
	feed := trace.NewFeed(10000)
	_, srv := startGateway(t, Config{Allow: []netip.AddrPort{ea, ta}, Trace: core.NewTracer(feed)})
	c := newClient(t)
	ech := c.channel(t, "udp/"+ea.String(), unreliable())
	tch := c.channel(t, "udp/"+ta.String(), unreliable())
	c.connect(t, srv.URL, nil)
	ech.waitOpen(t)
	tch.waitOpen(t)

	// One message per datagram: three sends, three echoes, never merged.
	for _, s := range []string{"one", "two", "three"} {
		ech.roundTrip(t, s, s)
	}
	tch.roundTrip(t, "hi", "[Sat Nov 21 11:10:46 2026] hi")
	ops := map[trace.AppOp]int{}
	eventually(t, "a recvfrom event for every sendto", func() bool {
		var evs []trace.Event
		evs, _, _ = feed.Take(evs, 1<<20)
		for _, e := range evs {
			if e.Kind == trace.KindApp && e.Node == NodeGateway {
				ops[e.Op]++
			}
		}
		return ops[trace.OpSendTo] >= 4 && ops[trace.OpRecvFrom] >= 4 && ops[trace.OpSendTo] == ops[trace.OpRecvFrom]
	})
}

func TestRefusals(t *testing.T) {
	ts, _ := startTimestamp(t)
	stranger := newCountingListener(t) // listening, but not allowlisted
	res := fakeResolver{"demo.test": {netip.MustParseAddr("127.0.0.1")}}
	g, srv := startGateway(t, Config{Allow: []netip.AddrPort{ts}, Resolver: res})
	c := newClient(t)
	port := fmt.Sprint(stranger.addr().Port())
	cases := []struct {
		label string
		init  *webrtc.DataChannelInit
		want  string
	}{
		{"tcp/" + stranger.addr().String(), reliable, "not allowed"},
		{"tcp/10.0.0.1:22", reliable, "not allowed"},
		{"tcp/localhost:" + port, reliable, "not allowed"},          // resolves to loopback, another port
		{"tcp/demo.test:" + port, reliable, "not allowed"},          // custom resolver, same
		{"tcp/nowhere.invalid:" + port, reliable, "cannot resolve"}, // no answer at all
		{"udp/" + stranger.addr().String(), unreliable(), "not allowed"},
		{"tcp/" + ts.String(), unreliable(), "reliable and ordered"},
		{"udp/" + ts.String(), reliable, "unordered with maxRetransmits 0"},
		{"udp/" + ts.String(), &webrtc.DataChannelInit{Ordered: new(bool)}, "maxRetransmits 0"},
		{"bogus", reliable, "bad label"},
		{"tcp/", reliable, "bad label"},
		{"tcp/127.0.0.1", reliable, "bad label"},
		{"tcp/:80", reliable, "bad label"},
		{"tcp/127.0.0.1:0", reliable, "bad label"},
		{"tcp/127.0.0.1:65536", reliable, "bad label"},
		{"sctp/127.0.0.1:80", reliable, "bad label"},
	}
	chs := make([]*channel, len(cases))
	for i, tc := range cases {
		chs[i] = c.channel(t, tc.label, tc.init)
	}
	c.connect(t, srv.URL, nil)
	for i, tc := range cases {
		t.Run(strings.ReplaceAll(tc.label, "/", "_"), func(t *testing.T) {
			chs[i].refusedWith(t, tc.want)
		})
	}
	if n := stranger.accepts.Load(); n != 0 {
		t.Errorf("the stranger accepted %d connections; a refusal must not connect", n)
	}
	if s := g.Stats(); s.Refused != uint64(len(cases)) || s.ChannelsTotal != 0 {
		t.Errorf("Stats = %+v", s)
	}
}

type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if host == "localhost" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
	}
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestResolvedAllowed: a name that resolves to an allowlisted address is
// relayed.
func TestResolvedAllowed(t *testing.T) {
	ts, _ := startTimestamp(t)
	res := fakeResolver{"demo.test": {netip.MustParseAddr("127.0.0.1")}}
	_, srv := startGateway(t, Config{Allow: []netip.AddrPort{ts}, Resolver: res})
	c := newClient(t)
	ch := c.channel(t, fmt.Sprintf("tcp/demo.test:%d", ts.Port()), reliable)
	c.connect(t, srv.URL, nil)
	ch.send(t, []byte("x"))
	if m := ch.recv(t); string(m.Data) != "[Sat Nov 21 11:10:46 2026] x" {
		t.Fatalf("got %q", m.Data)
	}
}

func TestOversizeMessage(t *testing.T) {
	ts, closed := startTimestamp(t)
	_, srv := startGateway(t, Config{Allow: []netip.AddrPort{ts}})
	c := newClient(t)
	ch := c.channel(t, "tcp/"+ts.String(), reliable)
	c.connect(t, srv.URL, raiseMaxMessage)
	ch.waitOpen(t)
	ch.send(t, bytes.Repeat([]byte("x"), DefaultMaxMessage+1))
	ch.refusedWith(t, "message larger than 65536 bytes")
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("the TCP connection was not closed")
	}
}

// TestAnswer: the answer tells the browser the message limit and offers
// loopback candidates only.
func TestAnswer(t *testing.T) {
	_, srv := startGateway(t, Config{})
	c := newClient(t)
	c.channel(t, "tcp/127.0.0.1:1", reliable)
	var sdp string
	c.connect(t, srv.URL, func(s string) string { sdp = s; return s })
	if !strings.Contains(sdp, "a=max-message-size:65536") {
		t.Errorf("answer does not advertise max-message-size 65536:\n%s", sdp)
	}
	cands := 0
	for _, line := range strings.Split(sdp, "\n") {
		if strings.HasPrefix(line, "a=candidate:") {
			cands++
			if f := strings.Fields(line); len(f) < 5 || f[2] != "udp" || !strings.HasPrefix(f[4], "127.") {
				t.Errorf("not a loopback UDP candidate: %s", line)
			}
		}
	}
	if cands == 0 {
		t.Errorf("no candidate in the answer:\n%s", sdp)
	}
}

func TestTooManyChannels(t *testing.T) {
	var echo core.UDPEchoServer
	ea := startUDP(t, echo.ServePacket, echo.Close)
	g, srv := startGateway(t, Config{Allow: []netip.AddrPort{ea}, MaxChannels: 2})
	c := newClient(t)
	a := c.channel(t, "udp/"+ea.String(), unreliable())
	b := c.channel(t, "udp/"+ea.String(), unreliable())
	c.connect(t, srv.URL, nil)
	a.waitOpen(t)
	b.waitOpen(t)
	// Opened after the connection, like a page that keeps opening.
	third := c.channel(t, "udp/"+ea.String(), unreliable())
	third.refusedWith(t, "too many channels (at most 2 per peer)")
	for _, ch := range []*channel{a, b} {
		ch.roundTrip(t, "ok", "ok")
	}
	// A closed channel frees its slot.
	a.dc.Close()
	a.waitClosed(t)
	eventually(t, "the gateway saw the close", func() bool { return g.Stats().Channels == 1 })
	// pion may reuse the closed channel's stream ID while its reset is
	// still under way, and that open can get lost: retry with a new one.
	deadline := time.Now().Add(wait)
	for attempt := 0; ; attempt++ {
		if time.Now().After(deadline) {
			t.Fatal("the slot of a closed channel was never freed")
		}
		d := c.channel(t, fmt.Sprintf("udp/%s", ea), unreliable())
		select {
		case <-d.open:
		case <-time.After(2 * time.Second):
			continue
		}
		d.dc.Send([]byte("again"))
		select {
		case m := <-d.msgs:
			if string(m.Data) == "again" {
				return
			}
		case <-d.closed: // refused: the slot was not free yet
		case <-time.After(2 * time.Second):
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTooManyPeers(t *testing.T) {
	g, srv := startGateway(t, Config{MaxPeers: 1})
	c := newClient(t)
	c.channel(t, "tcp/127.0.0.1:1", reliable)
	c.connect(t, srv.URL, nil)
	c2 := newClient(t)
	c2.channel(t, "tcp/127.0.0.1:1", reliable)
	resp := post(t, srv.URL, c2.offer(t))
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second peer: %s, want 503", resp.Status)
	}
	if s := g.Stats(); s.Peers != 1 || s.PeersTotal != 1 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestHTTPChecks(t *testing.T) {
	g, err := New(Config{MaxBody: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const host = "127.0.0.1:8080"
	cases := []struct {
		name    string
		method  string
		path    string
		host    string
		origin  string
		ctype   string
		body    string
		status  int
		contain string
	}{
		{"foreign host", "POST", "/rtc", "evil.example:8080", "", "application/json", `{}`, 403, "host"},
		{"rebinding host", "POST", "/rtc", "attacker.example", "", "application/json", `{}`, 403, "host"},
		{"foreign origin", "POST", "/rtc", host, "http://evil.example", "application/json", `{}`, 403, "origin"},
		{"origin other port", "POST", "/rtc", host, "http://127.0.0.1:9999", "application/json", `{}`, 403, "origin"},
		{"cross-site fetch", "POST", "/rtc", host, "", "application/json", `{}`, 403, "cross-site"},
		{"GET", "GET", "/rtc", host, "", "", ``, 405, "POST"},
		{"other path", "POST", "/other", host, "", "application/json", `{}`, 404, "not found"},
		{"text body", "POST", "/rtc", host, "", "text/plain", `{}`, 415, "application/json"},
		{"invalid JSON", "POST", "/rtc", host, "", "application/json", `{"type":`, 400, "invalid JSON"},
		{"unknown field", "POST", "/rtc", host, "", "application/json", `{"type":"offer","sdp":"x","x":1}`, 400, "unknown field"},
		{"two objects", "POST", "/rtc", host, "", "application/json", `{"type":"offer","sdp":"x"}{}`, 400, "more than one"},
		{"oversize body", "POST", "/rtc", host, "", "application/json", `{"type":"offer","sdp":"` + strings.Repeat("x", 2000) + `"}`, 400, "larger than 1024"},
		{"not an offer", "POST", "/rtc", host, "", "application/json", `{"type":"answer","sdp":"x"}`, 400, "want \"offer\""},
		{"empty sdp", "POST", "/rtc", host, "http://" + host, "application/json", `{"type":"offer","sdp":""}`, 400, "empty sdp"},
		{"bad sdp", "POST", "/rtc", host, "http://" + host, "application/json", `{"type":"offer","sdp":"nonsense"}`, 400, "bad offer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			r.Host = tc.host
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			if tc.name == "cross-site fetch" {
				r.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			body := w.Body.String()
			if w.Code != tc.status || !strings.Contains(body, tc.contain) {
				t.Errorf("%d %q, want %d containing %q", w.Code, body, tc.status, tc.contain)
			}
			if strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
				t.Errorf("body %q is not one line", body)
			}
		})
	}
	if s := g.Stats(); s.Peers != 0 {
		t.Errorf("%d peers left after refused requests", s.Peers)
	}
}

// TestConfiguredHostsOrigins: with explicit Hosts and Origins only those
// pass, loopback names included.
func TestConfiguredHostsOrigins(t *testing.T) {
	g, err := New(Config{Hosts: []string{"lab.example:8080"}, Origins: []string{"http://lab.example:8080"}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, tc := range []struct {
		host, origin string
		status       int
	}{
		{"lab.example:8080", "http://lab.example:8080", 405},
		{"127.0.0.1:8080", "", 403},
		{"lab.example:8080", "http://127.0.0.1:8080", 403},
	} {
		r := httptest.NewRequest("GET", "/rtc", nil)
		r.Host = tc.host
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("Host %q Origin %q: %d, want %d", tc.host, tc.origin, w.Code, tc.status)
		}
	}
}

// TestConnectTimeout: a peer that never connects is closed.
func TestConnectTimeout(t *testing.T) {
	g, srv := startGateway(t, Config{ConnectTimeout: 300 * time.Millisecond})
	c := newClient(t)
	c.channel(t, "tcp/127.0.0.1:1", reliable)
	resp := post(t, srv.URL, c.offer(t)) // the answer is never applied
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
	if n := g.Stats().Peers; n != 1 {
		t.Fatalf("%d peers, want 1", n)
	}
	deadline := time.Now().Add(wait)
	for g.Stats().Peers != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a peer that never connected was not closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestIdleTimeout: a relay with no traffic is closed, and so is its peer.
func TestIdleTimeout(t *testing.T) {
	ts, closed := startTimestamp(t)
	g, srv := startGateway(t, Config{Allow: []netip.AddrPort{ts}, IdleTimeout: 300 * time.Millisecond})
	c := newClient(t)
	ch := c.channel(t, "tcp/"+ts.String(), reliable)
	c.connect(t, srv.URL, nil)
	ch.send(t, []byte("a"))
	ch.recv(t)
	start := time.Now()
	ch.refusedWith(t, "idle for 300ms")
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("closed after %v, before the idle timeout", d)
	}
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("the TCP connection was not closed")
	}
	deadline := time.Now().Add(wait)
	for g.Stats().Peers != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle peer was not closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestUDPImpairmentSeeded: the datagrams lost are exactly those the seed
// says, in both directions.
func TestUDPImpairmentSeeded(t *testing.T) {
	var echo core.UDPEchoServer
	ea := startUDP(t, echo.ServePacket, echo.Close)
	im := Impairment{Loss: 0.3, Seed: 42}
	g, srv := startGateway(t, Config{Allow: []netip.AddrPort{ea}, Impair: im})
	c := newClient(t)
	ch := c.channel(t, "udp/"+ea.String(), unreliable())
	c.connect(t, srv.URL, nil)
	ch.waitOpen(t)

	up, down := newImpairer(im, 1), newImpairer(im, 2)
	const n = 40
	var want, got []string
	dropped := 0
	for i := range n {
		msg := fmt.Sprintf("datagram %d", i)
		if drop, _, _ := up.decide(); drop {
			dropped++
		} else if drop, _, _ := down.decide(); drop {
			dropped++
		} else {
			want = append(want, msg)
		}
		ch.send(t, []byte(msg))
		if len(want) > 0 && want[len(want)-1] == msg {
			got = append(got, string(ch.recv(t).Data))
		}
	}
	select { // nothing else arrives
	case m := <-ch.msgs:
		t.Fatalf("unexpected %q", m.Data)
	case <-time.After(200 * time.Millisecond):
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if dropped == 0 || dropped == n {
		t.Fatalf("seed 42 dropped %d of %d: pick another seed", dropped, n)
	}
	if s := g.Stats(); s.Dropped != uint64(dropped) {
		t.Errorf("Stats.Dropped = %d, want %d", s.Dropped, dropped)
	}
}

// TestUDPDuplicateReorder: duplication sends a datagram twice; reordering
// sends a held datagram after the next one.
func TestUDPDuplicateReorder(t *testing.T) {
	var x impairer
	x.im = Impairment{ReorderHold: time.Hour}
	g, _ := New(Config{})
	defer g.Close()
	r := &relay{p: &peer{g: g}}
	var out []string
	send := func(b []byte) { out = append(out, string(b)) }
	x.im.Duplicate = 1
	x.rng = newImpairer(x.im, 1).rng
	x.apply(r, []byte("a"), send)
	x.im.Duplicate, x.im.Reorder = 0, 1
	x.apply(r, []byte("b"), send)
	x.im.Reorder = 0
	x.apply(r, []byte("c"), send)
	if got := strings.Join(out, ""); got != "aacb" {
		t.Errorf("got %q, want %q", got, "aacb")
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(100000, 1000) // burst 100000 bytes
	ctx := context.Background()
	start := time.Now()
	l.wait(ctx, 100000) // the burst
	l.wait(ctx, 20000)  // 0.2 s of debt
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Errorf("120000 bytes at 100000/s with a burst of 100000 took %v, want ~200ms", d)
	}
	if newLimiter(-1, 1000) != nil {
		t.Error("a negative rate must mean no limiter")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.wait(cctx, 1<<20); err == nil {
		t.Error("a cancelled wait must fail")
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(Config{Impair: Impairment{Loss: 1.5}}); err == nil {
		t.Error("loss 1.5 accepted")
	}
	if _, err := New(Config{Allow: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}}); err == nil {
		t.Error("port 0 accepted")
	}
}

// TestCloseEndsEverything: Close with live relays ends them all (goleak
// checks the goroutines in TestMain) and refuses later offers.
func TestCloseEndsEverything(t *testing.T) {
	ts, closed := startTimestamp(t)
	g, srv := startGateway(t, Config{Allow: []netip.AddrPort{ts}})
	c := newClient(t)
	ch := c.channel(t, "tcp/"+ts.String(), reliable)
	c.connect(t, srv.URL, nil)
	ch.send(t, []byte("x"))
	ch.recv(t)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(wait):
		t.Fatal("Close did not close the TCP connection")
	}
	if s := g.Stats(); s.Peers != 0 || s.Channels != 0 {
		t.Errorf("Stats after Close = %+v", s)
	}
	c2 := newClient(t)
	c2.channel(t, "tcp/"+ts.String(), reliable)
	resp := post(t, srv.URL, c2.offer(t))
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("offer after Close: %s, want 503", resp.Status)
	}
}

// TestBytesPerSecond: a peer's relayed bytes are paced at BytesPerSecond
// once the first second's worth is spent.
func TestBytesPerSecond(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const total = 200000
	got := make(chan time.Time, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(wait))
		n, _ := io.CopyN(io.Discard, c, total)
		if n == total {
			got <- time.Now()
		}
		close(got)
	}()
	_, srv := startGateway(t, Config{Allow: []netip.AddrPort{addrOf(l.Addr())}, BytesPerSecond: 100000})
	c := newClient(t)
	ch := c.channel(t, "tcp/"+l.Addr().String(), reliable)
	c.connect(t, srv.URL, nil)
	ch.waitOpen(t)
	start := time.Now()
	for range total / 50000 {
		ch.send(t, make([]byte, 50000))
	}
	end, ok := <-got
	if !ok {
		t.Fatal("the server did not receive everything")
	}
	// 100000 bytes of burst, then 100000 bytes at 100000 B/s.
	if d := end.Sub(start); d < 800*time.Millisecond || d > 5*time.Second {
		t.Errorf("%d bytes at 100000 B/s took %v, want about 1s", total, d)
	}
}

// TestPageMaxMessage: what the server sends is cut to the page's own
// max-message-size.
func TestPageMaxMessage(t *testing.T) {
	ts, _ := startTimestamp(t)
	_, srv := startGateway(t, Config{Allow: []netip.AddrPort{ts}})
	c := newClient(t)
	c.editOffer = func(sdp string) string {
		if !strings.Contains(sdp, "a=max-message-size:") {
			return strings.Replace(sdp, "a=sctp-port:", "a=max-message-size:1000\r\na=sctp-port:", 1)
		}
		return regexp.MustCompile(`a=max-message-size:\d+`).ReplaceAllString(sdp, "a=max-message-size:1000")
	}
	ch := c.channel(t, "tcp/"+ts.String(), reliable)
	c.connect(t, srv.URL, nil)
	ch.send(t, bytes.Repeat([]byte("x"), 2000))
	// The server answers each read of at most 1024 bytes with 26 bytes of
	// stamp in front: 2000 + 2·26 bytes at least, in messages of ≤ 1000.
	got := 0
	for got < 2000+2*26 {
		m := ch.recv(t)
		if len(m.Data) > 1000 {
			t.Fatalf("a message of %d bytes; the page takes at most 1000", len(m.Data))
		}
		got += len(m.Data)
	}
}

// TestNobodyListening: an allowed TCP target that refuses is an error
// line and a close; an allowed UDP target without a server answers with
// ICMP port unreachable, which is an error line while the channel stays,
// like the textbook's recvfrom.
func TestNobodyListening(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcpAddr := addrOf(l.Addr())
	l.Close()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udpAddr := addrOf(pc.LocalAddr())
	pc.Close()
	_, srv := startGateway(t, Config{Allow: []netip.AddrPort{tcpAddr, udpAddr}})
	c := newClient(t)
	tch := c.channel(t, "tcp/"+tcpAddr.String(), reliable)
	uch := c.channel(t, "udp/"+udpAddr.String(), unreliable())
	c.connect(t, srv.URL, nil)
	tch.refusedWith(t, "connection refused")
	uch.send(t, []byte("anyone?"))
	m := uch.recv(t)
	if !m.IsString || !strings.Contains(string(m.Data), "connection refused") {
		t.Fatalf("got %q, want the ICMP error line", m.Data)
	}
	select {
	case <-uch.closed:
		t.Fatal("an ICMP error closed the UDP channel")
	case <-time.After(100 * time.Millisecond):
	}
}
