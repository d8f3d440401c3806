//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"socketlab/sim/bridge"
	"socketlab/sim/trace"
	"socketlab/sim/view"
)

// livePreset is the picker's name for the page's real connections.
const livePreset = "live"

// target is one demo server that socketlab serve lets the page reach
// through its gateway (/demo.json).
type target struct {
	Name    string `json:"name"`
	Network string `json:"network"`
	Addr    string `json:"addr"`
}

// liveSource is the browser's live mode: real messages to the real demo
// servers through the WebRTC gateway — a reliable, ordered data channel
// for "TCP", an unordered one without retransmissions for "UDP" — drawn
// as they happen. Every other request goes to the simulator, so the
// picker still offers the presets.
type liveSource struct {
	view.SimSource
	start   time.Time
	targets []target
	room    string        // the room the page joins (key after the servers')
	ids     atomic.Uint64 // packet IDs of the run: the bridge's messages and the models'

	feedMu  sync.Mutex // guards feed; never held while dialling
	feed    *trace.Feed
	dialMu  sync.Mutex // guards b; Dial emits events, so feedMu is not it
	b       *bridge.Bridge
	peerMu  sync.Mutex // guards peer and joining
	peer    *bridge.Peer
	joining bool
}

// newLiveSource asks the page's server which demo servers it relays to;
// without a server that answers (a page opened from elsewhere) the live
// run has no actions and says why.
func newLiveSource(room string) *liveSource {
	s := &liveSource{start: time.Now(), room: room}
	if b, err := fetchText(origin()+"/demo.json", 5*time.Second); err == nil {
		json.Unmarshal([]byte(b), &s.targets)
	}
	return s
}

// fetchText GETs url with the page's fetch and returns the body. It
// stands in for net/http, which would add a megabyte to the module.
func fetchText(url string, timeout time.Duration) (string, error) {
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	toText := js.FuncOf(func(_ js.Value, args []js.Value) any { return args[0].Call("text") })
	var onText, onErr js.Func
	onText = js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{text: args[0].String()}
		return nil
	})
	onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer toText.Release()
	defer onText.Release()
	defer onErr.Release()
	js.Global().Call("fetch", url).Call("then", toText).Call("then", onText).Call("catch", onErr)
	select {
	case r := <-done:
		return r.text, r.err
	case <-time.After(timeout):
		return "", errors.New("fetch " + url + ": no answer")
	}
}

func origin() string { return js.Global().Get("location").Get("origin").String() }

// Presets lists the live run first, then the simulator's presets.
func (s *liveSource) Presets() []view.Preset {
	return append([]view.Preset{{Name: livePreset, Summary: "your browser talks to the real demo servers through the WebRTC gateway (keys 1–9)"}},
		s.SimSource.Presets()...)
}

// Open opens the live run for the live preset, else a simulation.
func (s *liveSource) Open(req view.Request) (view.Stream, error) {
	if req.Doc != nil || req.Preset != livePreset {
		return s.SimSource.Open(req)
	}
	feed := trace.NewFeed(1 << 16)
	s.feedMu.Lock()
	s.feed = feed
	s.feedMu.Unlock()
	if len(s.targets) == 0 {
		feed.Emit(&trace.Event{Kind: trace.KindNote, Text: "no demo servers to talk to: open the page from socketlab serve"})
	}
	return view.FeedStream(trace.Header{Scenario: livePreset,
		Title: "real servers via WebRTC, keys 1–9 · 经 WebRTC 连接真实服务器，按 1–9",
		Nodes: []trace.Node{{Name: "browser", Kind: trace.NodeHost, Role: "client"}}}, feed), nil
}

// Encode saves a simulation's request; a live run has none.
func (s *liveSource) Encode(req view.Request) ([]byte, error) {
	if req.Preset == livePreset {
		return nil, errors.New("a live run cannot be saved as a scenario")
	}
	return s.SimSource.Encode(req)
}

// Actions are one exchange with each demo server.
func (s *liveSource) Actions() []view.Action {
	var out []view.Action
	for _, t := range s.targets {
		kind, kindZH := "a reliable, ordered data channel (TCP)", "可靠、有序的数据通道（TCP）"
		if t.Network == "udp" {
			kind, kindZH = "an unordered data channel without retransmissions (UDP)", "无序、不重传的数据通道（UDP）"
		}
		out = append(out, view.Action{Name: t.Network + " " + t.Addr, Summary: "\"hello\" to the " + t.Name + " over " + kind + ", beside the simulator's model",
			SummaryZH: "经" + kindZH + "向 " + t.Addr + " 发送 \"hello\"，旁边是模拟器的模型"})
	}
	return append(out,
		view.Action{Name: "room " + s.room, Summary: "join room " + s.room + ": a page that joins it too talks to this one directly, peer to peer (WebRTC)",
			SummaryZH: "加入房间 " + s.room + "：同样加入的页面与本页直接通信（WebRTC 点对点）"},
		view.Action{Name: "to peer", Summary: "send \"hello\" to the other page of room " + s.room,
			SummaryZH: "向房间 " + s.room + " 的另一个页面发送 \"hello\""})
}

// emit passes an event to the live run's feed.
func (s *liveSource) Emit(e *trace.Event) {
	s.feedMu.Lock()
	f := s.feed
	s.feedMu.Unlock()
	if f != nil {
		f.Emit(e)
	}
}

// bridge dials the gateway once.
func (s *liveSource) bridge(ctx context.Context) (*bridge.Bridge, error) {
	s.dialMu.Lock()
	defer s.dialMu.Unlock()
	if s.b != nil {
		return s.b, nil
	}
	b, err := bridge.Dial(ctx, bridge.Config{URL: origin() + "/rtc", Sink: s, Start: s.start, IDs: &s.ids})
	if err != nil {
		return nil, err
	}
	s.b = b
	return b, nil
}

// Do sends "hello" to demo server i and waits for its answer, on its own
// goroutine; what happens arrives on the live run.
func (s *liveSource) Do(i int) error {
	switch i {
	case len(s.targets):
		return s.join()
	case len(s.targets) + 1:
		return s.sendPeer()
	}
	if i < 0 || i >= len(s.targets) {
		return fmt.Errorf("no action %d", i+1)
	}
	t := s.targets[i]
	go s.run(t, true)
	return nil
}

// run makes one exchange with t, on its own goroutine; a failure is a
// note on the run and a notice on the page.
func (s *liveSource) run(t target, model bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.exchange(ctx, t, model); err != nil {
		msg := t.Network + " " + t.Addr + ": " + err.Error()
		s.Emit(&trace.Event{At: time.Since(s.start), Kind: trace.KindNote, Node: "browser", Text: msg})
		notice("socketlab: "+msg, true)
	}
}

// Try runs a lesson step's real program through the gateway: "hello" to
// the demo server the program talks to, on a stream of its own that
// ends once the answer is in (and the channel closed). The lesson is the
// model, so none is drawn beside it.
func (s *liveSource) Try(program string) (view.Stream, error) {
	name, ok := tryTargets[program]
	if !ok {
		return nil, fmt.Errorf("%s runs in the desktop playground only (socketlab play --lesson): a page reaches only the demo servers", program)
	}
	i := slices.IndexFunc(s.targets, func(t target) bool { return t.Name == name })
	if i < 0 {
		return nil, errors.New("no gateway to the real servers: open the page from socketlab serve (its demo servers on)")
	}
	feed := trace.NewFeed(1 << 12)
	s.feedMu.Lock()
	s.feed = feed
	s.feedMu.Unlock()
	go func() {
		s.run(s.targets[i], false)
		time.Sleep(250 * time.Millisecond) // the channel's close
		feed.End(nil)
	}()
	return view.FeedStream(trace.Header{Scenario: livePreset, Nodes: []trace.Node{{Name: "browser", Kind: trace.NodeHost, Role: "client"}}}, feed), nil
}

func (s *liveSource) exchange(ctx context.Context, t target, model bool) error {
	b, err := s.bridge(ctx)
	if err != nil {
		return err
	}
	if _, err := netip.ParseAddrPort(t.Addr); err != nil {
		return err
	}
	if t.Network == "udp" {
		d, err := b.UDP(ctx, t.Addr)
		if err != nil {
			return err
		}
		defer d.Close()
		sent := time.Now()
		if err := d.Send([]byte("hello")); err != nil {
			return err
		}
		if _, err = d.Recv(ctx); err != nil {
			return err
		}
		if model {
			s.model(t, sent, time.Since(sent))
		}
		return nil
	}
	st, err := b.TCP(ctx, t.Addr)
	if err != nil {
		return err
	}
	defer st.Close()
	sent := time.Now()
	if _, err := st.Write([]byte("hello")); err != nil {
		return err
	}
	if _, err = st.Read(make([]byte, 1024)); err != nil {
		return err
	}
	if model {
		s.model(t, sent, time.Since(sent))
	}
	return nil
}

// model draws the simulator's model of the exchange just made beside it:
// its first data leaves when the real message left, over a link whose
// delay is half the measured round trip. Events up to now are emitted at
// once, later ones (the teardown) when their time comes.
func (s *liveSource) model(t target, sent time.Time, rtt time.Duration) {
	evs, err := modelEvents(t.Name, "hello", sent.Sub(s.start), rtt/2, &s.ids)
	if err != nil {
		return // no model of this server: the real exchange alone
	}
	go func() {
		for i := range evs {
			if wait := s.start.Add(evs[i].At).Sub(time.Now()); wait > 0 {
				time.Sleep(wait)
			}
			s.Emit(&evs[i])
		}
	}()
}

// join joins the page's room on its own goroutine: the first page waits
// for a second (at most two minutes); then either may send.
func (s *liveSource) join() error {
	s.peerMu.Lock()
	defer s.peerMu.Unlock()
	if s.peer != nil || s.joining {
		return nil
	}
	s.joining = true
	s.Emit(&trace.Event{At: time.Since(s.start), Kind: trace.KindNote, Node: "browser",
		Text: "room " + s.room + ": waiting for another page to join"})
	notice("socketlab: room "+s.room+": waiting for another page to join", false)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute+10*time.Second)
		defer cancel()
		p, err := bridge.JoinRoom(ctx, bridge.Config{URL: origin() + "/room/", Sink: s, Start: s.start, IDs: &s.ids}, s.room)
		s.peerMu.Lock()
		s.peer, s.joining = p, false
		s.peerMu.Unlock()
		if err != nil {
			notice("socketlab: room "+s.room+": "+err.Error(), true)
			return
		}
		notice("socketlab: room "+s.room+": connected to the other page, peer to peer", false)
		for {
			m, err := p.Recv(context.Background())
			if err != nil {
				notice("socketlab: room "+s.room+": the other page left", false)
				return
			}
			notice("socketlab: room "+s.room+": the other page says "+strconv.Quote(string(m)), false)
		}
	}()
	return nil
}

// sendPeer sends "hello" to the other page of the room.
func (s *liveSource) sendPeer() error {
	s.peerMu.Lock()
	p := s.peer
	s.peerMu.Unlock()
	if p == nil {
		return fmt.Errorf("join room %s first (the key before this one)", s.room)
	}
	return p.Send([]byte("hello"))
}
