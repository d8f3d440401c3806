package view

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
)

// gatedStream is a finite run that delivers nothing until the test opens
// the gate: a re-run that takes as long as the test likes.
type gatedStream struct {
	Stream
	gate chan struct{}
	mu   sync.Mutex
	open bool
}

func (g *gatedStream) Take(dst []trace.Event, max int) ([]trace.Event, bool, error) {
	select {
	case <-g.gate:
		return g.Stream.Take(dst, max)
	default:
		return dst, false, nil
	}
}

func (g *gatedStream) Wait() { <-g.gate }
func (g *gatedStream) Close() {
	g.mu.Lock()
	g.open = false
	g.mu.Unlock()
}
func (g *gatedStream) Progress() float64 { return 0.25 }

// gatedSource serves fixtures; the runs it opens after the first wait at
// the gate.
type gatedSource struct {
	FixtureSource
	gate  chan struct{}
	opens int
	gated []*gatedStream
}

func (s *gatedSource) Open(req Request) (Stream, error) {
	st, err := s.FixtureSource.Open(req)
	if err != nil {
		return nil, err
	}
	s.opens++
	if s.opens == 1 {
		return st, nil
	}
	g := &gatedStream{Stream: st, gate: s.gate, open: true}
	s.gated = append(s.gated, g)
	return g, nil
}

// A re-run that has not arrived does not hold up Update: the window keeps
// answering, shows the current run and the progress, and swaps when the
// new run is complete.
func TestRerunDoesNotBlockUpdate(t *testing.T) {
	src := &gatedSource{gate: make(chan struct{})}
	a, err := New(Options{Source: src, Request: Request{Preset: "handshake"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	before := a.M
	a.SetTime(15 * ms)
	a.SelectPacket(4)
	done := make(chan struct{})
	go func() {
		press(a, KeyD) // what if #4 were dropped?
		tick(a, 3)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Update blocked while the re-run had not arrived")
	}
	if p, ok := a.Loading(); !ok || p != 0.25 || a.M != before || a.StateText() != "simulating… 25%" {
		t.Fatalf("while loading: Loading %v %v, state %q, model replaced %v", p, ok, a.StateText(), a.M != before)
	}
	// Keys still work meanwhile.
	press(a, KeyRight)
	if a.Cur.N == 0 {
		t.Fatal("stepping did nothing while a re-run was loading")
	}
	close(src.gate)
	tick(a, 1)
	if _, ok := a.Loading(); ok || a.M == before || a.Ghost != before {
		t.Fatalf("after the gate: still loading %v, swapped %v, ghost is the old run %v", ok, a.M != before, a.Ghost == before)
	}
	if a.Status != "what if: drop packet #4" {
		t.Fatalf("status %q", a.Status)
	}
}

// A second request while the first is loading abandons the first: only
// the last one is shown, and its stream is the one left open.
func TestRerunSupersedesLoading(t *testing.T) {
	src := &gatedSource{gate: make(chan struct{})}
	a, err := New(Options{Source: src, Request: Request{Preset: "handshake"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.SetSeed(5)
	a.SetSeed(6)
	if len(src.gated) != 2 || src.gated[0].open || !src.gated[1].open {
		t.Fatal("the abandoned re-run's stream was not closed")
	}
	close(src.gate)
	a.Settle()
	if a.Status != "seed 6" || a.req.Seed != 6 {
		t.Fatalf("status %q, seed %d", a.Status, a.req.Seed)
	}
}

// The real simulator re-runs off the UI goroutine: a 60-second run is
// still arriving right after the key, and arrives whole.
func TestSimulatorRerunStreams(t *testing.T) {
	sc, err := sim.LoadPreset("congestion")
	if err != nil {
		t.Fatal(err)
	}
	sc.Duration = sim.Duration(60 * time.Second)
	for i := range sc.Programs {
		if sc.Programs[i].Bytes > 0 {
			sc.Programs[i].Bytes = 2_500_000
		}
	}
	doc, err := sc.Encode()
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Source: SimSource{}, Request: Request{Preset: "handshake"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_ = a.Update(Input{Dropped: doc, DroppedName: "long.json", Width: 1280, Height: 800})
	if _, ok := a.Loading(); !ok {
		t.Fatal("a 60-second run was complete within the tick that asked for it")
	}
	a.Settle()
	want, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	if a.M.Len() != len(want.Events) || a.M.Header.Scenario != want.Header.Scenario {
		t.Fatalf("streamed %d events of %q, the run has %d", a.M.Len(), a.M.Header.Scenario, len(want.Events))
	}
	for _, i := range []int{0, len(want.Events) / 2, len(want.Events) - 1} {
		if got := a.M.Event(i); got.At != want.Events[i].At || got.Kind != want.Events[i].Kind || got.Packet.ID != want.Events[i].Packet.ID {
			t.Fatalf("event %d: %+v, want %+v", i, got, want.Events[i])
		}
	}
	if a.Status != "opened long.json" || a.Cur.N != 0 {
		t.Fatalf("status %q, cursor %+v", a.Status, a.Cur)
	}
}

// Closing a stream stops its simulation: goleak (TestMain) fails the test
// if the goroutine is left running or blocked.
func TestClosedSimulationStops(t *testing.T) {
	sc, _ := sim.LoadPreset("congestion")
	sc.Duration = sim.Duration(600 * time.Second) // far more than the feed holds
	st, err := openSim(sc)
	if err != nil {
		t.Fatal(err)
	}
	var evs []trace.Event
	for len(evs) < 10 {
		st.Wait()
		evs, _, _ = st.Take(evs, 10-len(evs))
	}
	st.Close()
}

// liveSource serves one live stream fed by the test, and one action.
type liveSource struct {
	FixtureSource
	feed *trace.Feed
	did  *[]int
}

func (s liveSource) Actions() []Action {
	return []Action{{Name: "tcp-client", Summary: "hello", SummaryZH: "你好"}}
}

func (s liveSource) SetTarget(hostport string) error {
	if !strings.Contains(hostport, ":") {
		return errors.New("missing port")
	}
	if s.did != nil {
		*s.did = append(*s.did, -len(hostport))
	}
	return nil
}

func (s liveSource) Do(i int) error {
	if s.did != nil {
		*s.did = append(*s.did, i)
	}
	return nil
}

func (s liveSource) Open(Request) (Stream, error) {
	return FeedStream(trace.Header{Scenario: "live", Nodes: []trace.Node{{Name: "client"}, {Name: "server"}}}, s.feed), nil
}

func emitExchange(f *trace.Feed, at time.Duration, id uint64) {
	src, dst := netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:21567")
	p := trace.Packet{ID: id, Proto: trace.ProtoTCP, Src: src, Dst: dst, Flags: trace.FlagACK, Payload: []byte("hi")}
	f.Emit(&trace.Event{At: at, Kind: trace.KindSend, Node: "client", Peer: "server", Link: "lo", Arrive: at + 50*time.Microsecond, Packet: p})
	f.Emit(&trace.Event{At: at + 50*time.Microsecond, Kind: trace.KindDeliver, Node: "server", Peer: "client", Link: "lo", Packet: p})
}

// A live stream: the cursor follows the live edge (LIVE); stepping back
// leaves it and stays put while events keep arriving; End comes back.
func TestLiveStreamFollowsEdge(t *testing.T) {
	feed := trace.NewFeed(1000)
	a, err := New(Options{Source: liveSource{feed: feed}, Request: Request{Preset: "live"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !a.Live || !a.Streaming() || a.M.Len() != 0 {
		t.Fatalf("live %v streaming %v len %d", a.Live, a.Streaming(), a.M.Len())
	}
	emitExchange(feed, time.Millisecond, 1)
	tick(a, feedHold+1)
	if a.M.Len() != 2 || a.Cur.N != 2 || a.Cur.T != a.M.End || a.StateText() != "● LIVE" {
		t.Fatalf("len %d cursor %+v end %v state %q", a.M.Len(), a.Cur, a.M.End, a.StateText())
	}
	press(a, KeyLeft)
	held := a.Cur
	if a.Live || held.N != 1 {
		t.Fatalf("after ←: live %v cursor %+v", a.Live, held)
	}
	emitExchange(feed, 2*time.Millisecond, 2)
	tick(a, feedHold+1)
	if a.M.Len() != 4 || a.Cur != held || a.StateText() != "paused — End: back to LIVE" {
		t.Fatalf("scrolled back: len %d cursor %+v (held %+v) state %q", a.M.Len(), a.Cur, held, a.StateText())
	}
	if len(a.M.Flights) != 2 || a.EventLine(3) == "" {
		t.Fatalf("flights %d, event line %q", len(a.M.Flights), a.EventLine(3))
	}
	press(a, KeyEnd)
	if !a.Live || a.Cur.N != 4 {
		t.Fatalf("after End: live %v cursor %+v", a.Live, a.Cur)
	}
	// A real run cannot be re-run: what-ifs, seeds and sliders say so.
	a.Sel = 0
	if err := a.WhatIf("drop"); !errors.Is(err, ErrRealRun) || !strings.Contains(a.Status, "this run is real") {
		t.Fatalf("what-if on a real run: %v, status %q", err, a.Status)
	}
	a.Status = ""
	press(a, KeyN)
	if a.Status == "" || a.next != nil {
		t.Fatalf("N on a real run: status %q, re-run %v", a.Status, a.next != nil)
	}
	// Keys 1–9 run the source's actions; one it does not have says so.
	var did []int
	a.src = liveSource{feed: feed, did: &did}
	press(a, Key1, Key2)
	if !slices.Equal(did, []int{0}) || a.Status != "running tcp-client: hello" || len(a.Actions()) != 1 {
		t.Fatalf("actions run %v, status %q", did, a.Status)
	}
	a.Lang = "zh"
	press(a, Key1)
	a.Lang = "en"
	if a.Status != "运行 tcp-client：你好" {
		t.Fatalf("in Chinese the status is %q", a.Status)
	}
	// T opens a prompt: typing goes to it, not to the commands; a bad
	// HOST:PORT keeps it open with the reason, Enter uses a good one.
	press(a, KeyT)
	if !a.Prompting {
		t.Fatal("T did not open the prompt")
	}
	_ = a.Update(Input{Chars: []rune("localhostx"), Keys: []Key{KeyBackspace}})
	_ = a.Update(Input{Keys: []Key{KeyEnter, KeyQ}})
	if !a.Prompting || a.Prompt != "localhost" || a.Status != "error: missing port" || a.quit {
		t.Fatalf("bad target: prompting %v %q, status %q, quit %v", a.Prompting, a.Prompt, a.Status, a.quit)
	}
	_ = a.Update(Input{Chars: []rune(":21567")})
	_ = a.Update(Input{Keys: []Key{KeyEnter}})
	if a.Prompting || !slices.Equal(did, []int{0, 0, -len("localhost:21567")}) {
		t.Fatalf("good target: prompting %v, calls %v", a.Prompting, did)
	}
	press(a, KeyT, KeyEscape)
	if a.Prompting || a.quit {
		t.Fatalf("Esc: prompting %v, quit %v", a.Prompting, a.quit)
	}
	// The ladder's zoom follows the growing run until the user zooms.
	if a.Span != a.M.DefaultSpan() {
		t.Fatalf("span %v, want the run's default %v", a.Span, a.M.DefaultSpan())
	}
	// Many producers at once: everything arrives, in the feed's order.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				emitExchange(feed, time.Duration(3+i)*time.Millisecond, uint64(100+g*100+i))
			}
		})
	}
	wg.Wait()
	tick(a, feedHold+1)
	if a.M.Len() != 4+4*50*2 || a.Cur.N != a.M.Len() {
		t.Fatalf("after 4 producers: len %d cursor %+v", a.M.Len(), a.Cur)
	}
	// Space pauses a live run where it is; the run goes on arriving.
	press(a, KeySpace)
	emitExchange(feed, time.Second, 9999)
	tick(a, feedHold+1)
	if a.Live || a.Cur.N == a.M.Len() {
		t.Fatalf("Space did not hold the cursor: live %v cursor %+v len %d", a.Live, a.Cur, a.M.Len())
	}
	// Playing catches up and follows again.
	a.SetSpeed(MaxSpeed)
	press(a, KeySpace)
	for range 10000 {
		if a.Live {
			break
		}
		tick(a, feedHold+1)
	}
	if !a.Live || a.Cur.N != a.M.Len() {
		t.Fatalf("playing did not catch up with the live edge: cursor %+v len %d", a.Cur, a.M.Len())
	}
	// The source ending ends the stream; what arrived stays.
	feed.End(nil)
	tick(a, feedHold+1)
	if a.Streaming() || a.M.Len() != 4+400+2 {
		t.Fatalf("after End: streaming %v len %d", a.Streaming(), a.M.Len())
	}
	ids := []uint64{}
	for i := range a.M.Flights {
		ids = append(ids, a.M.Flights[i].ID)
	}
	if !slices.Contains(ids, 9999) {
		t.Fatal("the last exchange is missing")
	}
}

// Events handed over out of order — a capture's segment after the write
// that caused it, stamped earlier — come out of the live stream in the
// order of their times, after a hold of two ticks.
func TestFeedStreamOrdersByTime(t *testing.T) {
	f := trace.NewFeed(100)
	st := FeedStream(trace.Header{}, f)
	defer st.Close()
	at := func(us int) *trace.Event {
		return &trace.Event{At: time.Duration(us) * time.Microsecond, Kind: trace.KindNote}
	}
	f.Emit(at(10))
	f.Emit(at(30))
	got, _, _ := st.Take(nil, 100) // tick 1: held
	f.Emit(at(20))                 // stamped earlier, handed over later
	got, _, _ = st.Take(got, 100)  // tick 2: 10 and 30 still held
	if len(got) != 0 {
		t.Fatalf("released before the hold: %v", got)
	}
	got, _, _ = st.Take(got, 100) // tick 3: 10, 30 released; 20 sorted before 30 but younger
	var ats []time.Duration
	for _, e := range got {
		ats = append(ats, e.At)
	}
	if !slices.Equal(ats, []time.Duration{10 * time.Microsecond}) {
		t.Fatalf("tick 3 released %v, want [10µs] (20µs holds 30µs back)", ats)
	}
	got, _, _ = st.Take(got[:0], 100)
	ats = ats[:0]
	for _, e := range got {
		ats = append(ats, e.At)
	}
	if !slices.Equal(ats, []time.Duration{20 * time.Microsecond, 30 * time.Microsecond}) {
		t.Fatalf("tick 4 released %v, want [20µs 30µs]", ats)
	}
	f.Emit(at(40))
	f.End(nil)
	got, ended, err := st.Take(got[:0], 100) // the end releases everything at once
	if len(got) != 1 || !ended || err != nil {
		t.Fatalf("at the end: %v, ended %v, err %v", got, ended, err)
	}
}

// A live arrow labelled while it flies is labelled again when its end
// arrives: the round trip a page measured joins the label.
func TestLiveLabelFollowsEnd(t *testing.T) {
	feed := trace.NewFeed(1000)
	a, err := New(Options{Source: liveSource{feed: feed}, Request: Request{Preset: "live"}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p := trace.Packet{ID: 1, Proto: trace.ProtoMsg, Payload: []byte("hi")}
	feed.Emit(&trace.Event{At: time.Millisecond, Kind: trace.KindSend, Node: "client", Peer: "server", Link: "webrtc", Packet: p})
	tick(a, feedHold+1)
	if got := a.Label(0); got != `#1 "hi" len=2` {
		t.Fatalf("in flight: %q", got)
	}
	feed.Emit(&trace.Event{At: 2 * time.Millisecond, Kind: trace.KindDeliver, Node: "server", Peer: "client", Link: "webrtc", Packet: p, Text: "rtt 2ms"})
	tick(a, feedHold+1)
	if got := a.Label(0); got != `#1 "hi" len=2 · rtt 2ms` {
		t.Fatalf("arrived: %q", got)
	}
}
