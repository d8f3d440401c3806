package drawtest

import (
	"image"
	"net/netip"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"socketlab/sim/trace"
	"socketlab/sim/view"
)

// liveSource is one live stream that the test feeds, as real connections
// would: a timestamp client and server exchanging "hello" on loopback.
type liveSource struct {
	fixtureSource
	feed *trace.Feed
}

func (s liveSource) Open(view.Request) (view.Stream, error) {
	lo := netip.MustParseAddr("127.0.0.1")
	return view.FeedStream(trace.Header{Scenario: "live", Title: "your own connection on loopback", Nodes: []trace.Node{
		{Name: "client", Kind: trace.NodeHost, Addrs: []netip.Addr{lo}, Role: "client"},
		{Name: "server", Kind: trace.NodeHost, Addrs: []netip.Addr{lo}, Role: "server"},
	}}, s.feed), nil
}

const us = time.Microsecond

var (
	cli = netip.MustParseAddrPort("127.0.0.1:40312")
	srv = netip.MustParseAddrPort("127.0.0.1:21567")
)

// segment emits one loopback segment as a capture sees it: sent and
// delivered 20 µs later.
func segment(f *trace.Feed, at time.Duration, id uint64, from string, p trace.Packet) {
	p.ID, p.Proto, p.TTL = id, trace.ProtoTCP, 64
	to := "server"
	if from == "server" {
		to = "client"
	}
	f.Emit(&trace.Event{At: at, Kind: trace.KindSend, Node: from, Peer: to, Link: "lo", Packet: p})
	f.Emit(&trace.Event{At: at + 20*us, Kind: trace.KindDeliver, Node: to, Peer: from, Link: "lo", Packet: p})
}

func app(f *trace.Feed, at time.Duration, node string, op trace.AppOp, sock, remote netip.AddrPort, n int, text string) {
	f.Emit(&trace.Event{At: at, Kind: trace.KindApp, Node: node, Op: op, Socket: sock, Remote: remote, N: n, Text: text})
}

// TestLiveSession draws a live run as it arrives: the cursor follows the
// live edge (LIVE in the top bar) and the ladder grows with every batch.
func TestLiveSession(t *testing.T) {
	needDisplay(t)
	feed := trace.NewFeed(1000)
	a := newAppFrom(t, liveSource{feed: feed}, "live", "en", false)
	defer a.Close()
	const cs, sc = "client", "server"
	app(feed, 0, sc, trace.OpListen, srv, netip.AddrPort{}, 5, "")
	app(feed, 900*us, cs, trace.OpConnect, cli, srv, 0, "")
	segment(feed, 1000*us, 1, cs, trace.Packet{Src: cli, Dst: srv, Seq: 3_000_000_000, Flags: trace.FlagSYN, Window: 65495, MSS: 65495})
	segment(feed, 1040*us, 2, sc, trace.Packet{Src: srv, Dst: cli, Seq: 1_200_000_000, Ack: 3_000_000_001, Flags: trace.FlagSYN | trace.FlagACK, Window: 65483, MSS: 65495})
	segment(feed, 1080*us, 3, cs, trace.Packet{Src: cli, Dst: srv, Seq: 3_000_000_001, Ack: 1_200_000_001, Flags: trace.FlagACK, Window: 512})
	app(feed, 1100*us, sc, trace.OpAccept, srv, cli, 0, "")
	first := frame(t, a)
	compareGolden(t, "live-handshake", first)

	app(feed, 1500*us, cs, trace.OpWrite, cli, srv, 5, "hello")
	segment(feed, 1520*us, 4, cs, trace.Packet{Src: cli, Dst: srv, Seq: 3_000_000_001, Ack: 1_200_000_001, Flags: trace.FlagPSH | trace.FlagACK, Window: 512, Payload: []byte("hello")})
	app(feed, 1560*us, sc, trace.OpRead, srv, cli, 5, "hello")
	reply := []byte("[Sat Nov 21 11:10:46 2026] hello")
	app(feed, 1600*us, sc, trace.OpWrite, srv, cli, len(reply), string(reply))
	segment(feed, 1620*us, 5, sc, trace.Packet{Src: srv, Dst: cli, Seq: 1_200_000_001, Ack: 3_000_000_006, Flags: trace.FlagPSH | trace.FlagACK, Window: 512, Payload: reply})
	app(feed, 1660*us, cs, trace.OpRead, cli, srv, len(reply), string(reply))
	second := frame(t, a)
	if !a.Live || a.Cur.N != a.M.Len() || a.M.Len() != 17 {
		t.Fatalf("live %v cursor %+v, %d events", a.Live, a.Cur, a.M.Len())
	}
	if n, _ := diff(second, first); n == 0 {
		t.Fatal("the frame did not change when the exchange arrived")
	}
	compareGolden(t, "live-exchange", second)
}

// frame lets the App take what arrived, then draws it where the cursor is.
func frame(t *testing.T, a *view.App) *image.RGBA {
	t.Helper()
	for range 3 {
		if err := a.Update(view.Input{Width: 960, Height: 600}); err != nil {
			t.Fatal(err)
		}
	}
	return render(t, a, -1, 960, 600)
}

// BenchmarkFrameLive1000 is one frame of a live session while 1,000
// events a second arrive: each frame (1/60 s) takes the ~17 events that
// came in — a request and its reply with their socket calls — appends
// them, follows the live edge and draws. 60 fps needs under 16.7 ms.
func BenchmarkFrameLive1000(b *testing.B) {
	needDisplay(b)
	feed := trace.NewFeed(1 << 20)
	a := newAppFrom(b, liveSource{feed: feed}, "live", "en", false)
	defer a.Close()
	img := ebiten.NewImage(1280, 800)
	var at time.Duration
	var id uint64
	frame := func() {
		// 1,000 events/s at 60 frames/s: 17 events a frame.
		for k := 0; k < 2; k++ {
			at += 8 * time.Millisecond
			id += 2
			app(feed, at, "client", trace.OpWrite, cli, srv, 5, "hello")
			segment(feed, at+20*us, id, "client", trace.Packet{Src: cli, Dst: srv, Seq: 1 + uint32(id)*5, Ack: 1, Flags: trace.FlagPSH | trace.FlagACK, Window: 512, Payload: []byte("hello")})
			app(feed, at+60*us, "server", trace.OpRead, srv, cli, 5, "hello")
			app(feed, at+80*us, "server", trace.OpWrite, srv, cli, 5, "hello")
			segment(feed, at+100*us, id+1, "server", trace.Packet{Src: srv, Dst: cli, Seq: 1 + uint32(id)*5, Ack: 1, Flags: trace.FlagPSH | trace.FlagACK, Window: 512, Payload: []byte("hello")})
			app(feed, at+140*us, "client", trace.OpRead, cli, srv, 5, "hello")
		}
		feed.Emit(&trace.Event{At: at + 200*us, Kind: trace.KindNote, Node: "client", Text: "tick"})
		if err := a.Update(view.Input{Width: 1280, Height: 800}); err != nil {
			b.Fatal(err)
		}
		a.Draw(img)
		_ = img.At(0, 0) // wait for the GPU: the whole frame
	}
	for range 120 { // two seconds of history first
		frame()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		frame()
	}
	b.StopTimer()
	if !a.Live || a.Cur.N != a.M.Len() {
		b.Fatalf("the cursor left the live edge: %+v of %d", a.Cur, a.M.Len())
	}
	b.ReportMetric(float64(a.M.Len())/float64(120+b.N), "events/frame")
}
