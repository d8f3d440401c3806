package view

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/sim/lesson"
	"socketlab/sim/trace"
)

// trySource is the simulator with a real program that the test plays:
// a timestamp client's handshake and "hello" on loopback, as live mode
// delivers them (socket calls, then the captured segments), stamped on a
// clock of its own that started long before the lesson.
type trySource struct {
	SimSource
	tried *[]string
}

func (s trySource) Try(program string) (Stream, error) {
	*s.tried = append(*s.tried, program)
	lo := netip.MustParseAddr("127.0.0.1")
	f := trace.NewFeed(100)
	cli, srv := netip.MustParseAddrPort("127.0.0.1:40312"), netip.MustParseAddrPort("127.0.0.1:21567")
	const t0 = 7 * time.Second // the live session's clock
	us := time.Microsecond
	seg := func(at time.Duration, id uint64, from, to string, p trace.Packet) {
		p.ID, p.Proto, p.TTL = id, trace.ProtoTCP, 64
		f.Emit(&trace.Event{At: t0 + at, Kind: trace.KindSend, Node: from, Peer: to, Link: "lo", Packet: p})
		f.Emit(&trace.Event{At: t0 + at + 20*us, Kind: trace.KindDeliver, Node: to, Peer: from, Link: "lo", Packet: p})
	}
	f.Emit(&trace.Event{At: t0, Kind: trace.KindApp, Node: "client", Op: trace.OpConnectStart, Socket: cli, Remote: srv})
	seg(10*us, 1, "client", "server", trace.Packet{Src: cli, Dst: srv, Seq: 3e9, Flags: trace.FlagSYN, Window: 65495, MSS: 65495})
	seg(50*us, 2, "server", "client", trace.Packet{Src: srv, Dst: cli, Seq: 12e8, Ack: 3e9 + 1, Flags: trace.FlagSYN | trace.FlagACK, Window: 65483, MSS: 65495})
	seg(90*us, 3, "client", "server", trace.Packet{Src: cli, Dst: srv, Seq: 3e9 + 1, Ack: 12e8 + 1, Flags: trace.FlagACK, Window: 512})
	f.Emit(&trace.Event{At: t0 + 120*us, Kind: trace.KindApp, Node: "client", Op: trace.OpConnect, Socket: cli, Remote: srv})
	f.End(nil)
	return FeedStream(trace.Header{Scenario: "live", Nodes: []trace.Node{
		{Name: "client", Kind: trace.NodeHost, Addrs: []netip.Addr{lo}, Role: "client"},
		{Name: "server", Kind: trace.NodeHost, Addrs: []netip.Addr{lo}, Role: "server"},
	}}, f), nil
}

// settleTry ticks until the real run has arrived.
func settleTry(t *testing.T, a *App) {
	t.Helper()
	for i := 0; a.TryRunning(); i++ {
		if i > 100 {
			t.Fatal("the real run did not arrive")
		}
		tick(a, 1)
	}
}

// A step tried for real: refused while its question is open, then the
// real exchange is drawn beside the step's simulated run — on columns of
// its own after the simulated ones, starting at the step's moment, its
// packets numbered after the simulated ones — and the simulated run is
// untouched. Another step leaves it behind.
func TestTryItForReal(t *testing.T) {
	l, err := lesson.Load("handshake")
	if err != nil {
		t.Fatal(err)
	}
	var tried []string
	a, err := New(Options{Source: trySource{tried: &tried}, Lesson: l, Step: 4, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Settle()
	if a.lessonText().tryBtn != "" {
		t.Error("the try button shows while the question is open")
	}
	press(a, KeyI)
	if a.Status != a.tr("status.try.first") || len(tried) != 0 {
		t.Fatalf("with the question open: status %q, tried %v", a.Status, tried)
	}
	press(a, KeyBracketRight) // skip the question
	if a.lessonText().tryBtn != a.tr("lesson.button.try") {
		t.Errorf("try button %q", a.lessonText().tryBtn)
	}
	sim := a.M.Events()
	marked := a.M.Flights[a.marks[0]].ID
	mo := a.tut.moments[3]
	press(a, KeyI)
	if !slices.Equal(tried, []string{"tcp-client"}) {
		t.Fatalf("tried %v, want the step's tcp-client", tried)
	}
	settleTry(t, a)
	if a.Tried() == nil || a.Tried() != a.M {
		t.Fatal("no real run beside the step")
	}
	if want := a.tr("status.try.done", "tcp-client", 8); a.Status != want {
		t.Errorf("status %q, want %q", a.Status, want)
	}
	var names []string
	for _, n := range a.M.Order() {
		names = append(names, a.M.Nodes[n].Name)
	}
	if got := strings.Join(names, ", "); got != "client, server, real client, real server" {
		t.Errorf("columns %s", got)
	}
	var own, real []trace.Event
	for _, e := range a.M.Events() {
		if strings.HasPrefix(e.Node, trace.RealPrefix) {
			real = append(real, e)
		} else {
			own = append(own, e)
		}
	}
	if len(own) != len(sim) {
		t.Fatalf("%d simulated events beside the real run, want %d", len(own), len(sim))
	}
	for i := range own {
		if own[i].At != sim[i].At || own[i].Kind != sim[i].Kind || own[i].Node != sim[i].Node || own[i].Packet.ID != sim[i].Packet.ID {
			t.Fatalf("simulated event %d changed: %+v, was %+v", i, own[i], sim[i])
		}
	}
	if len(real) != 8 || real[0].At != mo.To.At || real[0].Op != trace.OpConnectStart || real[7].At != mo.To.At+120*time.Microsecond {
		t.Fatalf("real events %d, first at %v (step at %v): %+v", len(real), real[0].At, mo.To.At, real)
	}
	var maxSim uint64
	for _, e := range sim {
		maxSim = max(maxSim, e.Packet.ID)
	}
	var labels []string
	for fi, f := range a.M.Flights {
		if strings.HasPrefix(a.M.Nodes[f.From].Name, trace.RealPrefix) {
			if f.ID <= maxSim {
				t.Errorf("real packet #%d shares a number with the simulated ones (up to %d)", f.ID, maxSim)
			}
			labels = append(labels, a.M.Nodes[f.From].Name+" → "+a.M.Nodes[f.To].Name+": "+a.Label(fi))
		}
	}
	if len(labels) != 3 || !strings.Contains(labels[0], "SYN") || !strings.HasPrefix(labels[1], "real server → real client") {
		t.Errorf("real arrows %q", labels)
	}
	if a.Cur != a.M.At(mo.To.At+120*time.Microsecond) || a.Sel < 0 || a.M.Flights[a.Sel].ID != marked {
		t.Errorf("cursor %+v, selection %d: want the real run's end, the step's packet #%d still selected", a.Cur, a.Sel, marked)
	}

	// The next step: the real run is left behind.
	press(a, KeyBracketRight)
	if a.Tried() != nil || a.M.Len() != len(sim) {
		t.Errorf("after ]: real run %v, %d events (the step's own run has %d)", a.Tried() != nil, a.M.Len(), len(sim))
	}
	press(a, KeyBracketLeft, KeyBracketLeft, KeyBracketLeft, KeyBracketLeft)
	press(a, KeyBracketRight) // step 1's question, skipped: step 1 names no program
	press(a, KeyI)
	if a.Status != a.tr("status.try.none") || len(tried) != 1 {
		t.Errorf("a step without a real program: status %q, tried %v", a.Status, tried)
	}
}

// Without a source of real runs (a scenario file viewer, a test), the key
// says where the real program runs.
func TestTryItForRealNeedsRealSockets(t *testing.T) {
	a := openLessonApp(t, "udp-echo", 1, nil)
	press(a, KeyBracketRight, KeyI)
	if a.Status != a.tr("status.try.nosource") || a.try != nil {
		t.Errorf("status %q", a.Status)
	}
}
