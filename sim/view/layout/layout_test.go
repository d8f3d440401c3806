package layout_test

import (
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
	"socketlab/sim/view/fixture"
	"socketlab/sim/view/layout"
)

const ms = time.Millisecond

func model(t testing.TB, name string) *layout.Model {
	t.Helper()
	tr, err := fixture.Build(name)
	if err != nil {
		t.Fatal(err)
	}
	return layout.NewModel(tr)
}

func near(a, b layout.Pt) bool { return math.Abs(a.X-b.X) < 1e-6 && math.Abs(a.Y-b.Y) < 1e-6 }

func TestFlightsOfHandshake(t *testing.T) {
	m := model(t, "handshake")
	var got []string
	for i := range m.Flights {
		f := &m.Flights[i]
		got = append(got, fmt.Sprintf("%s→%s %v-%v %s", m.Nodes[f.From].Name, m.Nodes[f.To].Name, f.Start, f.End, m.FlightLabel(i)))
	}
	want := []string{
		"client→server 0s-10ms #1 SYN seq=0 win=65535 mss=1460",
		"server→client 10ms-20ms #2 SYN,ACK seq=0 ack=1 win=65535 mss=1460",
		"client→server 20ms-30ms #3 ACK seq=1 ack=1 win=65535",
		"client→server 20ms-30ms #4 PSH,ACK seq=1 ack=1 len=5 win=65535",
		"server→client 30ms-40ms #5 ACK seq=1 ack=6 win=65535",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("flights:\n%q\nwant\n%q", got, want)
	}
}

func TestPacketPositionAtTime(t *testing.T) {
	m := model(t, "handshake")
	topo := m.LayoutTopology(layout.Rect{W: 1000, H: 500})
	// R = 30, pad = 75: client at x=75, server at x=925, both at y=250.
	// Client→server packets ride 13.5 px below the link, the reverse above;
	// they leave from the node's rim (x=105) and arrive at the rim (x=895).
	for _, tc := range []struct {
		flight int
		at     time.Duration
		want   layout.Pt
	}{
		{0, 0, layout.Pt{X: 105, Y: 263.5}},
		{0, 5 * ms, layout.Pt{X: 500, Y: 263.5}},
		{0, 7500 * time.Microsecond, layout.Pt{X: 697.5, Y: 263.5}},
		{0, 10 * ms, layout.Pt{X: 895, Y: 263.5}},
		{1, 15 * ms, layout.Pt{X: 500, Y: 236.5}},
		{1, 11 * ms, layout.Pt{X: 816, Y: 236.5}},
	} {
		if got := topo.FlightPos(&m.Flights[tc.flight], tc.at); !near(got, tc.want) {
			t.Errorf("flight %d at %v: %+v, want %+v", tc.flight, tc.at, got, tc.want)
		}
	}
}

func TestDroppedPacketStopsMidLink(t *testing.T) {
	m := model(t, "lost-syn")
	f := &m.Flights[0]
	if !f.Dropped || f.Reason != trace.DropLoss || f.DropFrac != 0.5 || f.End != 5*ms {
		t.Fatalf("lost SYN flight = %+v", *f)
	}
	topo := m.LayoutTopology(layout.Rect{W: 1000, H: 500})
	if got, want := topo.FlightPos(f, 5*ms), (layout.Pt{X: 500, Y: 263.5}); !near(got, want) {
		t.Errorf("position at the drop = %+v, want %+v (half way)", got, want)
	}
	if got, want := topo.DropPos(f), (layout.Pt{X: 500, Y: 263.5}); !near(got, want) {
		t.Errorf("× at %+v, want %+v", got, want)
	}
	// The ladder: client column x=100, server x=300, 10 px per ms of display
	// time. The idle second between the lost SYN (whose arrow aims at its
	// arrival at 10 ms) and the retransmission is squeezed to 2/3 of the
	// drop linger (3 × 10 ms): 20 ms, so 1 s is drawn at 30 ms.
	l := m.LayoutLadder(layout.Rect{W: 400, H: 1000}, 10*ms, 100*ms)
	if l.Top != 0 {
		t.Fatalf("ladder top = %v, want 0", l.Top)
	}
	if g := m.Gaps(); len(g) != 1 || g[0].Start != 10*ms || g[0].End != time.Second {
		t.Fatalf("gaps = %+v, want [10ms, 1s)", g)
	}
	for _, tc := range []struct {
		now        time.Duration
		a, b       layout.Pt
		head, okay bool
	}{
		{-1, layout.Pt{}, layout.Pt{}, false, false},
		{2500 * time.Microsecond, layout.Pt{X: 100}, layout.Pt{X: 150, Y: 25}, false, true},
		{10 * ms, layout.Pt{X: 100}, layout.Pt{X: 200, Y: 50}, false, true}, // ends mid-link, no head
	} {
		a, b, head, ok := l.Arrow(f, tc.now)
		if !near(a, tc.a) || !near(b, tc.b) || head != tc.head || ok != tc.okay {
			t.Errorf("arrow at %v = %+v %+v head=%v ok=%v, want %+v %+v head=%v ok=%v", tc.now, a, b, head, ok, tc.a, tc.b, tc.head, tc.okay)
		}
	}
	// The retransmitted SYN arrives: a full arrow with a head.
	a, b, head, ok := l.Arrow(&m.Flights[1], 2*time.Second)
	if !ok || !head || !near(a, layout.Pt{X: 100, Y: 300}) || !near(b, layout.Pt{X: 300, Y: 400}) {
		t.Errorf("second SYN arrow = %+v %+v head=%v ok=%v", a, b, head, ok)
	}
	for _, d := range []time.Duration{0, 5 * ms, 10 * ms, 500 * ms, time.Second, 1010 * ms} {
		// Exact outside gaps; inside, the squeeze is float arithmetic.
		if got := m.Real(m.Display(d)); got-d > time.Microsecond || d-got > time.Microsecond {
			t.Errorf("Real(Display(%v)) = %v", d, got)
		}
	}
	if got := m.FlightLabel(0); got != "#1 SYN seq=0 win=65535 mss=1460 × loss" {
		t.Errorf("label = %q", got)
	}
}

func TestReorderAndDuplicate(t *testing.T) {
	m := model(t, "reorder")
	var late, dup []string
	for i := range m.Flights {
		if m.Flights[i].Late {
			late = append(late, m.FlightLabel(i))
		}
		if m.Flights[i].Dup {
			dup = append(dup, m.FlightLabel(i))
		}
	}
	if want := []string{"#5 PSH,ACK seq=5 ack=1 len=4 win=65535 LATE"}; !slices.Equal(late, want) {
		t.Errorf("late flights %q, want %q", late, want)
	}
	if want := []string{"#9 PSH,ACK seq=9 ack=1 len=4 win=65535 DUP"}; !slices.Equal(dup, want) {
		t.Errorf("duplicate flights %q, want %q", dup, want)
	}
	// Reordering is visible as crossing arrows on the ladder.
	l := m.LayoutLadder(layout.Rect{W: 400, H: 1000}, m.End, m.End)
	var second, third int = -1, -1
	for i := range m.Flights {
		switch m.FlightLabel(i) {
		case "#5 PSH,ACK seq=5 ack=1 len=4 win=65535 LATE":
			second = i
		case "#6 PSH,ACK seq=9 ack=1 len=4 win=65535":
			third = i
		}
	}
	a1, b1, _, _ := l.Arrow(&m.Flights[second], m.End)
	a2, b2, _, _ := l.Arrow(&m.Flights[third], m.End)
	if !(a1.Y < a2.Y && b1.Y > b2.Y) {
		t.Errorf("arrows do not cross: second %+v→%+v, third %+v→%+v", a1, b1, a2, b2)
	}
}

func TestRetransmissionFlagged(t *testing.T) {
	m := model(t, "lost-syn")
	if m.Flights[0].Retrans || !m.Flights[1].Retrans {
		t.Fatalf("retrans flags: first %v second %v, want false true", m.Flights[0].Retrans, m.Flights[1].Retrans)
	}
	if got := m.FlightLabel(1); got != "#2 SYN seq=0 win=65535 mss=1460 RETX" {
		t.Errorf("label = %q", got)
	}
}

func TestHitTesting(t *testing.T) {
	m := model(t, "handshake")
	topo := m.LayoutTopology(layout.Rect{W: 1000, H: 500})
	var s layout.Snapshot
	m.Take(&s, m.At(5*ms))
	if fi, ok := topo.HitFlight(m, &s, layout.Pt{X: 503, Y: 260}, 8); !ok || fi != 0 {
		t.Errorf("click on the SYN: %d %v, want 0 true", fi, ok)
	}
	if fi, ok := topo.HitFlight(m, &s, layout.Pt{X: 520, Y: 263.5}, 8); ok {
		t.Errorf("click 20 px away hit flight %d", fi)
	}
	if n, ok := topo.HitNode(layout.Pt{X: 925, Y: 240}); !ok || m.Nodes[n].Name != "server" {
		t.Errorf("click on the server: %d %v", n, ok)
	}
	l := m.LayoutLadder(layout.Rect{W: 400, H: 1000}, 20*ms, 40*ms) // top = 0
	// SYN-ACK: from (300, 250) to (100, 500); its midpoint is (200, 375).
	if fi, ok := l.HitArrow(m, 40*ms, layout.Pt{X: 201, Y: 376}, 5); !ok || fi != 1 {
		t.Errorf("click on the SYN-ACK arrow: %d %v, want 1 true", fi, ok)
	}
	if fi, ok := l.HitArrow(m, 40*ms, layout.Pt{X: 200, Y: 900}, 5); ok {
		t.Errorf("click on empty ladder hit %d", fi)
	}
	// Before the SYN-ACK is sent its arrow is not there to click.
	if fi, ok := l.HitArrow(m, 9*ms, layout.Pt{X: 201, Y: 376}, 5); ok {
		t.Errorf("click before send hit %d", fi)
	}
}

func TestScrubber(t *testing.T) {
	s := layout.Scrubber{Area: layout.Rect{X: 100, W: 800, H: 10}, End: 2 * time.Second}
	for _, tc := range []struct {
		x    float64
		want time.Duration
	}{{100, 0}, {500, time.Second}, {900, 2 * time.Second}, {50, 0}, {2000, 2 * time.Second}, {102, 5 * ms}} {
		if got := s.Time(tc.x); got != tc.want {
			t.Errorf("Time(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
	for _, d := range []time.Duration{0, 5 * ms, time.Second, 2 * time.Second} {
		if got := s.Time(s.X(d)); got != d {
			t.Errorf("Time(X(%v)) = %v", d, got)
		}
	}
	if got := (layout.Scrubber{}).Time(10); got != 0 {
		t.Errorf("empty scrubber Time = %v", got)
	}
}

func TestCursorSteps(t *testing.T) {
	m := model(t, "handshake")
	c := layout.Cursor{}
	// Events at time 0: listen, CLOSED→LISTEN, connect, CLOSED→SYN-SENT, timer, SYN.
	c = m.Next(c)
	if c.T != 0 || c.N != 1 || c.Current() != 0 {
		t.Fatalf("first step: %+v", c)
	}
	all := m.At(m.End)
	if all.N != m.Len() {
		t.Fatalf("At(End).N = %d, want %d", all.N, m.Len())
	}
	if m.Next(all) != all {
		t.Errorf("Next at the end moved")
	}
	if got := m.Prev(layout.Cursor{N: 1}); got != (layout.Cursor{}) {
		t.Errorf("Prev to the start = %+v", got)
	}
	if got := m.At(10 * ms); got.T != 10*ms || m.Event(got.N-1).At != 10*ms || m.Event(got.N).At <= 10*ms {
		t.Errorf("At(10ms) = %+v", got)
	}
	if got := m.Advance(layout.Cursor{T: 0, N: 3}, 0); got.N != 6 {
		t.Errorf("Advance by 0 from N=3 = %+v, want all 6 events at time 0", got)
	}
	// TimeAt is the latest event time so far, without decoding the event.
	var latest time.Duration
	for i := range m.Len() {
		latest = max(latest, m.Event(i).At)
		if got := m.TimeAt(i); got != latest {
			t.Fatalf("TimeAt(%d) = %v, want %v", i, got, latest)
		}
	}
}

// Stepping back and then forward again reaches the identical snapshot, at
// every event of every fixture.
func TestStepBackThenForwardIsIdentical(t *testing.T) {
	for _, name := range fixture.Names() {
		m := model(t, name)
		c := layout.Cursor{}
		for range m.Len() {
			c = m.Next(c)
			var before, after layout.Snapshot
			m.Take(&before, c)
			back := m.Prev(c)
			var mid layout.Snapshot
			m.Take(&mid, back)
			again := m.Next(back)
			if again != c {
				t.Fatalf("%s: Next(Prev(%+v)) = %+v", name, c, again)
			}
			m.Take(&after, again)
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("%s: snapshot differs after step back and forward at %+v:\n%+v\n%+v", name, c, before, after)
			}
		}
	}
}

func TestHostBadges(t *testing.T) {
	m := model(t, "handshake")
	client, _ := m.NodeIndex("client")
	server, _ := m.NodeIndex("server")
	var s layout.Snapshot
	for _, tc := range []struct {
		at             time.Duration
		client, server string
	}{
		{0, "SYN-SENT", "LISTEN"},
		{10 * ms, "SYN-SENT", "SYN-RECEIVED"},
		{20 * ms, "ESTABLISHED", "SYN-RECEIVED"},
		{30 * ms, "ESTABLISHED", "ESTABLISHED"},
	} {
		m.Take(&s, m.At(tc.at))
		if c, sv := s.Hosts[client].Badge(), s.Hosts[server].Badge(); c != tc.client || sv != tc.server {
			t.Errorf("at %v: client %q server %q, want %q %q", tc.at, c, sv, tc.client, tc.server)
		}
	}
	m.Take(&s, m.At(m.End))
	got := layout.HostLines(&s.Hosts[client].Conns[0])
	want := []string{
		"ESTABLISHED  10.0.0.1:40000 → 10.0.0.2:8080",
		"SND.UNA=6 SND.NXT=6 RCV.NXT=1",
		"SND.WND=65535 RCV.WND=65535 in-flight=0",
		"cwnd=14600 ssthresh=65535 dupacks=0",
		"SRTT=20.000 ms RTTVAR=10.000 ms RTO=1.000 s",
	}
	if !slices.Equal(got, want) {
		t.Errorf("host lines\n%q\nwant\n%q", got, want)
	}
}

func TestRouterQueueAndTailDrop(t *testing.T) {
	m := model(t, "router3")
	l, c, r := m.Columns()
	name := func(ns []int) (s []string) {
		for _, n := range ns {
			s = append(s, m.Nodes[n].Name)
		}
		return s
	}
	if !slices.Equal(name(l), []string{"c1", "c2", "c3"}) || !slices.Equal(name(c), []string{"r1"}) || !slices.Equal(name(r), []string{"server"}) {
		t.Fatalf("columns %v %v %v", name(l), name(c), name(r))
	}
	if len(m.Marks) != 1 || m.Marks[0].Reason != trace.DropQueueFull || m.Nodes[m.Marks[0].Node].Name != "r1" {
		t.Fatalf("marks = %+v", m.Marks)
	}
	if len(m.Queues) != 1 {
		t.Fatalf("queues = %+v", m.Queues)
	}
	q := m.Queues[0]
	if q.From != 2580*time.Microsecond || q.Until != 10080*time.Microsecond {
		t.Errorf("queued %v..%v, want 2.58ms..10.08ms", q.From, q.Until)
	}
	var s layout.Snapshot
	m.Take(&s, m.At(5*ms))
	if len(s.Queued) != 1 || len(s.Marks) != 1 {
		t.Errorf("at 5ms: queued %v marks %v", s.Queued, s.Marks)
	}
	m.Take(&s, m.At(2*ms))
	if len(s.Queued) != 0 || len(s.Marks) != 0 {
		t.Errorf("at 2ms: queued %v marks %v", s.Queued, s.Marks)
	}
	// The forwarded datagram keeps its ID over both hops.
	if m.Flights[0].ID != m.Flights[1].ID && m.Flights[0].Link == m.Flights[1].Link {
		t.Errorf("unexpected flights order")
	}
	topo := m.LayoutTopology(layout.Rect{W: 1000, H: 600})
	if topo.Pos[l[0]].X >= topo.Pos[c[0]].X || topo.Pos[c[0]].X >= topo.Pos[r[0]].X {
		t.Errorf("topology not left to right: %+v", topo.Pos)
	}
}

func TestFormatTime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0 s", 500 * time.Microsecond: "500 µs", 12500 * time.Microsecond: "12.500 ms",
		1020 * ms: "1.020 s", 60 * time.Second: "60.000 s",
	} {
		if got := layout.FormatTime(d); got != want {
			t.Errorf("FormatTime(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestFormatShort(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0", 500 * time.Microsecond: "500 µs", 12500 * time.Microsecond: "12.5 ms", 990 * ms: "990 ms",
		1020 * ms: "1.02 s", 60 * time.Second: "60 s", 1500*time.Microsecond + 300: "1.5 ms",
	} {
		if got := layout.FormatShort(d); got != want {
			t.Errorf("FormatShort(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestRound3(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{
		1989968 * time.Microsecond: 1990 * ms, 990 * ms: 990 * ms, 12345: 12300, 999: 999, 0: 0,
	} {
		if got := layout.Round3(d); got != want {
			t.Errorf("Round3(%v) = %v, want %v", d, got, want)
		}
	}
}

func TestHexLines(t *testing.T) {
	got := layout.HexLines([]byte("hello, world\x00\x01 and more bytes"), 20)
	want := []string{
		"0000  68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 00 01 20 61  hello, world.. a",
		"0010  6e 64 20 6d                                      nd m",
		"… 9 more bytes",
	}
	if !slices.Equal(got, want) {
		t.Errorf("hex\n%q\nwant\n%q", got, want)
	}
}

func TestInspect(t *testing.T) {
	m := model(t, "handshake")
	got := m.Inspect(3)
	want := []layout.Field{
		{"packet", "#4"}, {"link", "l1  client → server"}, {"sent", "20.000 ms"}, {"delivered", "30.000 ms"},
		{"proto", "tcp"}, {"src", "10.0.0.1:40000"}, {"dst", "10.0.0.2:8080"}, {"ttl", "64"},
		{"seq", "4294967281 (relative 1)"}, {"ack", "1001 (relative 1)"}, {"flags", "PSH,ACK (0x18)"},
		{"window", "65535"}, {"length", "5"}, {"text", `"hello"`},
	}
	if !slices.Equal(got, want) {
		t.Errorf("inspect\n%q\nwant\n%q", got, want)
	}
}

func TestEventText(t *testing.T) {
	m := model(t, "lost-syn")
	var got []string
	for i := range m.Len() {
		got = append(got, m.EventText(i))
	}
	want := []string{
		"0 s  server  listen(10.0.0.2:8080)",
		"0 s  server  CLOSED → LISTEN",
		"0 s  client  connect()",
		"0 s  client  CLOSED → SYN-SENT",
		"0 s  client  retransmit timer set, fires at 1.000 s",
		"0 s  client → server  send  SYN seq=0 win=65535 mss=1460",
		"5.000 ms  client  × drop (loss)  SYN seq=0 win=65535 mss=1460",
		"1.000 s  client  retransmit timer fired",
	}
	if !slices.Equal(got[:len(want)], want) {
		t.Errorf("events\n%q\nwant\n%q", got[:len(want)], want)
	}
}

// FuzzModel builds models from arbitrary event sequences: indexing, cursor
// moves and snapshots must never panic, and every snapshot's flights must
// be on the wire at the cursor.
func FuzzModel(f *testing.F) {
	f.Add([]byte{1, 0, 5, 1, 10, 3, 2, 4, 0, 1})
	f.Add([]byte{3, 3, 3, 5, 5, 2, 6, 7, 8, 9, 10, 11, 12})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := &trace.Trace{Header: trace.Header{Nodes: []trace.Node{{Name: "a"}, {Name: "b"}}}}
		at := time.Duration(0)
		names := []string{"a", "b", "c", ""}
		for i := 0; i+2 < len(data) && i < 300; i += 3 {
			at += time.Duration(data[i+1]%8) * ms
			e := trace.Event{At: at, Kind: trace.Kind(data[i] % 14), Node: names[data[i+2]%4], Peer: names[(data[i+2]>>2)%4], Link: "l"}
			e.Packet = trace.Packet{ID: uint64(data[i+2] % 5), Proto: trace.ProtoTCP, Flags: trace.TCPFlags(data[i+1]), Seq: uint32(data[i]) << 24,
				Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("10.0.0.2:2")}
			e.Arrive = at + time.Duration(data[i+2]%16)*ms
			e.Reason = trace.DropReason(data[i+1] % 10)
			e.Conn.State = trace.TCPState(data[i+2] % 12)
			tr.Events = append(tr.Events, e)
		}
		m := layout.NewModel(tr)
		topo := m.LayoutTopology(layout.Rect{W: 640, H: 480})
		l := m.LayoutLadder(layout.Rect{W: 640, H: 480}, m.End/2, m.DefaultSpan())
		var s layout.Snapshot
		for c := (layout.Cursor{}); ; c = m.Next(c) {
			m.Take(&s, c)
			for _, fi := range s.Flights {
				fl := &m.Flights[fi]
				if fl.Start > c.T || (fl.End <= c.T && fl.End != fl.Start) {
					t.Fatalf("flight %+v not on the wire at %v", fl, c.T)
				}
				_ = topo.FlightPos(fl, c.T)
				_, _, _, _ = l.Arrow(fl, c.T)
				_ = m.FlightLabel(fi)
				_ = m.Inspect(fi)
			}
			if c.Current() >= 0 {
				_ = m.EventText(c.Current())
			}
			if m.Next(c) == c {
				break
			}
			if p := m.Prev(m.Next(c)); p != c && p.N != c.N {
				t.Fatalf("Prev(Next(%+v)) = %+v", c, p)
			}
		}
	})
}

// optionsModel is a handshake and one exchange with RFC 7323 options, as
// the simulator makes them with window scale 7 and timestamps on.
func optionsModel(t *testing.T) *layout.Model {
	t.Helper()
	sc, err := sim.LoadPreset("transfer")
	if err != nil {
		t.Fatal(err)
	}
	ws, on := 7, true
	sc.TCP.WindowScale, sc.TCP.Timestamps, sc.TCP.RcvBuf = &ws, &on, 1<<20
	sc.TCP.DelayedAck = nil
	sc.Programs[1].Bytes = 3000
	tr, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	return layout.NewModel(tr)
}

// TestLabelOptions: a SYN's label lists its options in the order of
// Wireshark's info column ("MSS=1460 SACK_PERM TSval=… TSecr=0 WS=128"),
// later windows are scaled as Wireshark's Win= shows them, and the
// inspector lists every option.
func TestLabelOptions(t *testing.T) {
	m := optionsModel(t)
	p0, p1, p2 := m.Packet(0), m.Packet(1), m.Packet(2)
	want := []string{
		fmt.Sprintf("#1 SYN seq=0 win=65535 mss=1460 tsval=%d tsecr=0 ws=128", p0.TSval),
		fmt.Sprintf("#2 SYN,ACK seq=0 ack=1 win=65535 mss=1460 tsval=%d tsecr=%d ws=128", p1.TSval, p0.TSval),
		"#3 ACK seq=1 ack=1 win=1048576",
	}
	for i, w := range want {
		if got := m.FlightLabel(i); got != w {
			t.Errorf("flight %d: %q, want %q", i, got, w)
		}
	}
	if p2.Window != 8192 || p2.TSecr != p1.TSval {
		t.Fatalf("third segment %+v", p2)
	}
	got := m.Inspect(0)[8:]
	wantF := []layout.Field{
		{"seq", fmt.Sprintf("%d (relative 0)", p0.Seq)}, {"ack", "0 (no ACK flag: not used)"}, {"flags", "SYN (0x02)"},
		{"window", "65535"}, {"mss", "1460"}, {"tsval", fmt.Sprint(p0.TSval)}, {"tsecr", "0"}, {"wscale", "7 (×128)"}, {"length", "0"},
	}
	if !slices.Equal(got, wantF) {
		t.Errorf("inspect SYN\n%q\nwant\n%q", got, wantF)
	}
	got = m.Inspect(2)[8:]
	wantF = []layout.Field{
		{"seq", fmt.Sprintf("%d (relative 1)", p2.Seq)}, {"ack", fmt.Sprintf("%d (relative 1)", p2.Ack)}, {"flags", "ACK (0x10)"},
		{"window", "8192 (scaled ×128 = 1048576)"}, {"tsval", fmt.Sprint(p2.TSval)}, {"tsecr", fmt.Sprint(p1.TSval)}, {"length", "0"},
	}
	if !slices.Equal(got, wantF) {
		t.Errorf("inspect ACK\n%q\nwant\n%q", got, wantF)
	}
	blocks := *p2
	blocks.SACK = []trace.SACKBlock{{Left: p1.Seq + 100, Right: p1.Seq + 200}, {Left: p1.Seq + 300, Right: p1.Seq + 400}}
	if got := m.Label(&blocks); got != "ACK seq=1 ack=1 win=1048576 sle=100 sre=200 sle=300 sre=400" {
		t.Errorf("ACK with SACK blocks: %q", got)
	}
	sack := *p0
	sack.Opts |= trace.OptSACKPerm
	if got := m.Label(&sack); got != fmt.Sprintf("SYN seq=0 win=65535 mss=1460 sack_perm tsval=%d tsecr=0 ws=128", p0.TSval) {
		t.Errorf("SYN with SACK_PERM: %q", got)
	}
}
