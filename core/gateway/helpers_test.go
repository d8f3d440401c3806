package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"socketlab/core"
)

// TestMain fails the package's tests if any goroutine outlives them:
// Close must end every peer, relay and pion goroutine.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of the tests.
const wait = 10 * time.Second

// startGateway serves a Gateway for cfg on a loopback httptest.Server.
func startGateway(t testing.TB, cfg Config) (*Gateway, *httptest.Server) {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return g, srv
}

// client is a native pion peer standing in for the browser: normal (not
// detached) channels, the gateway's loopback-only ICE settings.
type client struct {
	pc *webrtc.PeerConnection
	// editOffer, if set, rewrites the offer the gateway gets.
	editOffer func(string) string
}

func newClient(t testing.TB) *client {
	t.Helper()
	api := webrtc.NewAPI(webrtc.WithSettingEngine(settingEngine(false, false, 0)))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return &client{pc: pc}
}

// channel is a client data channel with its messages and events.
type channel struct {
	dc     *webrtc.DataChannel
	open   chan struct{}
	closed chan struct{}
	msgs   chan webrtc.DataChannelMessage
}

var reliable = &webrtc.DataChannelInit{}

func unreliable() *webrtc.DataChannelInit {
	f, z := false, uint16(0)
	return &webrtc.DataChannelInit{Ordered: &f, MaxRetransmits: &z}
}

func (c *client) channel(t testing.TB, label string, init *webrtc.DataChannelInit) *channel {
	t.Helper()
	dc, err := c.pc.CreateDataChannel(label, init)
	if err != nil {
		t.Fatal(err)
	}
	ch := &channel{dc: dc, open: make(chan struct{}), closed: make(chan struct{}), msgs: make(chan webrtc.DataChannelMessage, 1024)}
	var once sync.Once
	dc.OnOpen(func() { close(ch.open) })
	dc.OnClose(func() { once.Do(func() { close(ch.closed) }) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		m.Data = append([]byte(nil), m.Data...)
		ch.msgs <- m
	})
	return ch
}

// offer returns the client's complete offer.
func (c *client) offer(t testing.TB) string {
	t.Helper()
	o, err := c.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(wait):
		t.Fatal("client ICE gathering did not complete")
	}
	return c.pc.LocalDescription().SDP
}

// post POSTs sdp as an offer to the gateway and returns the response.
func post(t testing.TB, url, sdp string) *http.Response {
	t.Helper()
	body, _ := json.Marshal(SessionDescription{Type: "offer", SDP: sdp})
	req, _ := http.NewRequest(http.MethodPost, url+Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", url)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// connect signals through the gateway at url and waits for the
// connection; edit, if set, rewrites the answer's SDP.
func (c *client) connect(t testing.TB, url string, edit func(string) string) {
	t.Helper()
	connected := make(chan struct{})
	var once sync.Once
	c.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})
	offer := c.offer(t)
	if c.editOffer != nil {
		offer = c.editOffer(offer)
	}
	resp := post(t, url, offer)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /rtc: %s: %s", resp.Status, b)
	}
	var ans SessionDescription
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		t.Fatal(err)
	}
	if ans.Type != "answer" {
		t.Fatalf("answer type %q", ans.Type)
	}
	if edit != nil {
		ans.SDP = edit(ans.SDP)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans.SDP}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(wait):
		t.Fatal("client did not connect")
	}
}

func (ch *channel) waitOpen(t testing.TB) {
	t.Helper()
	select {
	case <-ch.open:
	case <-time.After(wait):
		t.Fatalf("channel %q did not open", ch.dc.Label())
	}
}

func (ch *channel) send(t testing.TB, b []byte) {
	t.Helper()
	ch.waitOpen(t)
	if err := ch.dc.Send(b); err != nil {
		t.Fatalf("send on %q: %v", ch.dc.Label(), err)
	}
}

// recv returns the next message.
func (ch *channel) recv(t testing.TB) webrtc.DataChannelMessage {
	t.Helper()
	select {
	case m := <-ch.msgs:
		return m
	case <-time.After(wait):
		t.Fatalf("no message on %q", ch.dc.Label())
	}
	return webrtc.DataChannelMessage{}
}

// roundTrip sends msg until want comes back, like a UDP client that
// resends after a second without an answer (an unreliable channel may
// lose a message even on loopback); other messages are skipped.
func (ch *channel) roundTrip(t testing.TB, msg, want string) {
	t.Helper()
	deadline := time.After(wait)
	for {
		ch.send(t, []byte(msg))
		resend := time.After(time.Second)
	recv:
		for {
			select {
			case m := <-ch.msgs:
				if string(m.Data) == want && !m.IsString {
					return
				}
			case <-resend:
				break recv
			case <-deadline:
				t.Fatalf("%q: no answer %q", ch.dc.Label(), want)
			}
		}
	}
}

// waitClosed waits for the channel to be closed.
func (ch *channel) waitClosed(t testing.TB) {
	t.Helper()
	select {
	case <-ch.closed:
	case <-time.After(wait):
		t.Fatalf("channel %q was not closed", ch.dc.Label())
	}
}

// refusedWith expects one string message starting "error: " and
// containing want, then the close.
func (ch *channel) refusedWith(t testing.TB, want string) {
	t.Helper()
	m := ch.recv(t)
	if !m.IsString || !strings.HasPrefix(string(m.Data), "error: ") || !strings.Contains(string(m.Data), want) {
		t.Fatalf("%q: got %q (string %v), want an error line containing %q", ch.dc.Label(), m.Data, m.IsString, want)
	}
	ch.waitClosed(t)
}

// countingListener is a TCP listener on loopback that counts accepts.
type countingListener struct {
	l       net.Listener
	accepts atomic.Int64
	done    chan struct{}
}

func newCountingListener(t testing.TB) *countingListener {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{l: l, done: make(chan struct{})}
	go func() {
		defer close(cl.done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			cl.accepts.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); <-cl.done })
	return cl
}

func (cl *countingListener) addr() netip.AddrPort { return addrOf(cl.l.Addr()) }

func addrOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort()
	case *net.UDPAddr:
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// eventually waits until cond holds, for at most wait.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stamp is the fixed clock of the timestamp servers in the tests.
var stamp = time.Date(2026, 11, 21, 11, 10, 46, 0, time.UTC)

// startTimestamp serves a core.TimestampServer on 127.0.0.1:0 with the
// fixed clock; closed reports its connections' StateClosed.
func startTimestamp(t testing.TB) (addr netip.AddrPort, closed chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed = make(chan struct{}, 16)
	s := &core.TimestampServer{
		Now: func() time.Time { return stamp },
		ConnState: func(_ net.Conn, st core.ConnState) {
			if st == core.StateClosed {
				closed <- struct{}{}
			}
		},
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, core.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return addrOf(l.Addr()), closed
}

// startUDP serves a UDP server (echo or timestamp) on 127.0.0.1:0.
func startUDP(t testing.TB, serve func(net.PacketConn) error, closeFn func() error) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(pc) }()
	t.Cleanup(func() { closeFn(); <-done })
	return addrOf(pc.LocalAddr())
}

// raiseMaxMessage rewrites the answer's max-message-size, as a client
// that ignores the gateway's limit would.
func raiseMaxMessage(sdp string) string {
	return regexp.MustCompile(`a=max-message-size:\d+`).ReplaceAllString(sdp, "a=max-message-size:1048576")
}
