package sim

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// twoHosts is client 10.0.0.1 — link l1 — server 10.0.0.2 with the given
// per-direction parameters and no programs.
func twoHosts(ab, ba LinkParams) *Scenario {
	return &Scenario{
		Name: "test", Seed: 1, Duration: Duration(10 * time.Second),
		Hosts: []NodeSpec{
			{Name: "client", Addrs: []string{"10.0.0.1", "fd00::1"}},
			{Name: "server", Addrs: []string{"10.0.0.2", "fd00::2"}},
		},
		Links: []LinkSpec{{ID: "l1", A: "client", B: "server", AB: ab, BA: ba}},
	}
}

func mustNew(t testing.TB, sc *Scenario) (*Sim, *trace.Trace) {
	t.Helper()
	tr := &trace.Trace{}
	s, err := New(sc, tr)
	if err != nil {
		t.Fatal(err)
	}
	tr.Header = s.Header()
	return s, tr
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func events(tr *trace.Trace, kind trace.Kind) []trace.Event {
	var out []trace.Event
	for _, e := range tr.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func TestQueueOrdersByTimeThenInsertion(t *testing.T) {
	var q queue
	at := []time.Duration{5, 3, 5, 1, 3, 5, 0, 3}
	for i, a := range at {
		q.push(a, evStart, int32(i), 0)
	}
	var got []string
	for q.len() > 0 {
		e := q.pop()
		got = append(got, fmt.Sprintf("%d/%d", e.at, e.ref))
	}
	want := "0/6 1/3 3/1 3/4 3/7 5/0 5/2 5/5"
	if s := strings.Join(got, " "); s != want {
		t.Fatalf("pop order %s, want %s", s, want)
	}
}

// TestQueueRandom interleaves random pushes (many equal times) and pops
// and checks every pop against the (time, insertion) order.
func TestQueueRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var q queue
	var model []event // what is queued, in no order
	var seq uint64
	for step := range 50000 {
		if r.IntN(3) > 0 || len(model) == 0 {
			at := time.Duration(r.IntN(50))
			seq++
			q.push(at, evStart, int32(step), 0)
			model = append(model, event{at: at, seq: seq, ref: int32(step)})
			continue
		}
		best := 0
		for i := range model {
			if before(&model[i], &model[best]) {
				best = i
			}
		}
		got := q.pop()
		if got.ref != model[best].ref {
			t.Fatalf("step %d: popped %d@%v, want %d@%v", step, got.ref, got.at, model[best].ref, model[best].at)
		}
		model = append(model[:best], model[best+1:]...)
	}
}

func TestSerializationDelayIsExact(t *testing.T) {
	// 1472 bytes of UDP payload + 8 UDP + 20 IPv4 = a 1500-byte packet: at
	// 1 Mb/s it takes exactly 12 ms to put on the wire.
	sc := twoHosts(LinkParams{Delay: Duration(5 * time.Millisecond), Bandwidth: 1_000_000}, LinkParams{})
	s, tr := mustNew(t, sc)
	u, err := s.Host("client").ListenUDP(4000)
	if err != nil {
		t.Fatal(err)
	}
	u.SendTo(make([]byte, 1472), ap("10.0.0.2:9"))
	u.SendTo(make([]byte, 1472), ap("10.0.0.2:9"))
	s.RunUntil(time.Second)
	sends := events(tr, trace.KindSend)
	if len(sends) < 2 {
		t.Fatalf("%d sends", len(sends))
	}
	if sends[0].At != 0 || sends[0].Arrive != 17*time.Millisecond {
		t.Errorf("first: sent %v arrives %v, want 0 and 17ms", sends[0].At, sends[0].Arrive)
	}
	// The second waits in the queue for the transmitter.
	if sends[1].At != 12*time.Millisecond || sends[1].Arrive != 29*time.Millisecond {
		t.Errorf("second: sent %v arrives %v, want 12ms and 29ms", sends[1].At, sends[1].Arrive)
	}
	if q := events(tr, trace.KindEnqueue); len(q) != 1 || q[0].Packet.ID != 2 {
		t.Errorf("enqueue events %v, want one for packet 2", q)
	}
	if d := events(tr, trace.KindDeliver); d[0].At != 17*time.Millisecond {
		t.Errorf("first delivered at %v", d[0].At)
	}
}

func TestQueueTailDrop(t *testing.T) {
	sc := twoHosts(LinkParams{Bandwidth: 1_000_000, Queue: 3}, LinkParams{})
	s, tr := mustNew(t, sc)
	u, _ := s.Host("client").ListenUDP(4000)
	for range 10 {
		u.SendTo(make([]byte, 100), ap("10.0.0.2:9"))
	}
	s.RunUntil(time.Second)
	// One on the wire, three queued, six tail-dropped, in that order.
	var got []string
	for _, e := range tr.Events {
		switch e.Kind {
		case trace.KindSend, trace.KindEnqueue, trace.KindDrop:
			if e.Node == "client" {
				got = append(got, fmt.Sprintf("%s#%d%s", e.Kind, e.Packet.ID, e.Reason))
			}
		}
	}
	want := "send#1 enqueue#2 enqueue#3 enqueue#4 drop#5queue-full drop#6queue-full drop#7queue-full " +
		"drop#8queue-full drop#9queue-full drop#10queue-full send#2 send#3 send#4"
	if g := strings.Join(got, " "); g != want {
		t.Fatalf("got  %s\nwant %s", g, want)
	}
}

func TestMTUDrop(t *testing.T) {
	sc := twoHosts(LinkParams{MTU: 576}, LinkParams{})
	s, tr := mustNew(t, sc)
	u, _ := s.Host("client").ListenUDP(4000)
	u.SendTo(make([]byte, 548), ap("10.0.0.2:9")) // 548+8+20 = 576: fits
	u.SendTo(make([]byte, 549), ap("10.0.0.2:9"))
	s.RunUntil(time.Second)
	d := events(tr, trace.KindDrop)
	if len(d) < 1 || d[0].Packet.ID != 2 || d[0].Reason != trace.DropMTU {
		t.Fatalf("drops %+v, want packet 2 for mtu", d)
	}
}

// countDrops runs n datagrams over an impaired link and counts what happened.
func impairedRun(t *testing.T, seed uint64, p LinkParams, n int) (sent, lost, dups, delivered int, order []int) {
	sc := twoHosts(p, LinkParams{})
	sc.Seed = seed
	s, tr := mustNew(t, sc)
	cl, _ := s.Host("client").ListenUDP(4000)
	sv, _ := s.Host("server").ListenUDP(9)
	var recv func()
	recv = func() {
		sv.RecvFrom(100, func(d []byte, _ netip.AddrPort, _ error) {
			var i int
			fmt.Sscanf(string(d), "%d", &i)
			order = append(order, i)
			recv()
		})
	}
	recv()
	for i := range n {
		i := i
		s.Host("client").After(time.Duration(i)*time.Millisecond, func() { cl.SendTo([]byte(fmt.Sprint(i)), ap("10.0.0.2:9")) })
	}
	s.RunUntil(time.Duration(n)*time.Millisecond + time.Second)
	for _, e := range tr.Events {
		switch {
		case e.Kind == trace.KindSend:
			sent++
		case e.Kind == trace.KindDrop && e.Reason == trace.DropLoss:
			lost++
		case e.Kind == trace.KindDuplicate:
			dups++
		case e.Kind == trace.KindDeliver:
			delivered++
		}
	}
	return
}

func TestImpairmentStatistics(t *testing.T) {
	const n = 1000
	var lost, dups, reordered, total int
	for seed := uint64(1); seed <= 5; seed++ {
		_, l, _, _, _ := impairedRun(t, seed, LinkParams{Delay: Duration(10 * time.Millisecond), Loss: 0.1}, n)
		lost += l
		_, _, d, dl, _ := impairedRun(t, seed, LinkParams{Delay: Duration(10 * time.Millisecond), Duplicate: 0.2}, n)
		dups += d
		if dl != n+d {
			t.Fatalf("seed %d: %d delivered, want %d originals + %d copies", seed, dl, n, d)
		}
		_, _, _, _, order := impairedRun(t, seed, LinkParams{Delay: Duration(10 * time.Millisecond), Reorder: 0.25, ReorderBy: Duration(5 * time.Millisecond)}, n)
		if len(order) != n {
			t.Fatalf("seed %d: reordering lost packets: %d of %d", seed, len(order), n)
		}
		for i := 1; i < len(order); i++ {
			if order[i] < order[i-1] {
				reordered++
			}
		}
		total += n
	}
	check := func(what string, got int, p float64) {
		want := p * float64(total)
		if float64(got) < 0.8*want || float64(got) > 1.2*want {
			t.Errorf("%s: %d of %d, want about %.0f", what, got, total, want)
		}
	}
	check("loss 0.1", lost, 0.1)
	check("duplicate 0.2", dups, 0.2)
	// A held-back packet is overtaken by the 4 sent in the next 5ms (minus
	// those held back too), so about p·(1-p)... per packet; be generous.
	if reordered < total/20 || reordered > total/2 {
		t.Errorf("reorder 0.25: %d inversions in %d packets", reordered, total)
	}
}

func TestJitterStaysInRange(t *testing.T) {
	sc := twoHosts(LinkParams{Delay: Duration(10 * time.Millisecond), Jitter: Duration(5 * time.Millisecond)}, LinkParams{})
	s, tr := mustNew(t, sc)
	u, _ := s.Host("client").ListenUDP(4000)
	for range 200 {
		u.SendTo([]byte("x"), ap("10.0.0.2:9"))
	}
	s.RunUntil(time.Second)
	seen := map[time.Duration]bool{}
	for _, e := range events(tr, trace.KindSend) {
		if e.Node != "client" {
			continue
		}
		if e.Arrive < 10*time.Millisecond || e.Arrive >= 15*time.Millisecond {
			t.Fatalf("arrival %v outside [10ms, 15ms)", e.Arrive)
		}
		seen[e.Arrive] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct arrival times: jitter is not drawn", len(seen))
	}
}

func runPreset(t testing.TB, name string, edit func(*Scenario)) *trace.Trace {
	t.Helper()
	sc, err := LoadPreset(name)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(sc)
	}
	tr, err := Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func jsonl(t testing.TB, tr *trace.Trace) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := trace.WriteJSONL(&b, tr); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWhatIfDropByID is the renderer's "what if this packet is lost?": the
// re-run drops exactly that packet, and everything before it is unchanged.
func TestWhatIfDropByID(t *testing.T) {
	base := runPreset(t, "handshake", nil)
	const id = 4 // the client's "hello"
	first := -1
	for i, e := range base.Events {
		if e.Packet.ID == id {
			first = i
			break
		}
	}
	if first < 0 || len(base.Events[first].Packet.Payload) == 0 {
		t.Fatalf("packet %d is not the data segment", id)
	}
	what := runPreset(t, "handshake", func(sc *Scenario) { sc.AddFault(Fault{Action: "drop", Packet: id}) })
	for i := 0; i <= first; i++ {
		a, b := base.Events[i], what.Events[i]
		if eventLine(&a) != eventLine(&b) {
			t.Fatalf("event %d changed before the fault:\n%s\n%s", i, eventLine(&a), eventLine(&b))
		}
	}
	var drops []trace.Event
	for _, e := range what.Events {
		if e.Kind == trace.KindDrop {
			drops = append(drops, e)
		}
	}
	if len(drops) != 1 || drops[0].Packet.ID != id || drops[0].Reason != trace.DropScripted {
		t.Fatalf("drops %v, want exactly packet %d, scripted", drops, id)
	}
	// Repaired by retransmission: the server still reads "hello".
	if !hasApp(what, "server", trace.OpRead, "hello") {
		t.Error("the lost data was never repaired")
	}
}

func hasApp(tr *trace.Trace, node string, op trace.AppOp, text string) bool {
	for _, e := range tr.Events {
		if e.Kind == trace.KindApp && e.Node == node && e.Op == op && e.Text == text {
			return true
		}
	}
	return false
}

func dropped(tr *trace.Trace, r trace.DropReason) []trace.Packet {
	var out []trace.Packet
	for _, e := range tr.Events {
		if e.Kind == trace.KindDrop && e.Reason == r {
			out = append(out, e.Packet)
		}
	}
	return out
}

func TestFaultRules(t *testing.T) {
	t.Run("first SYN-ACK", func(t *testing.T) {
		tr := runPreset(t, "lost-synack", nil)
		d := dropped(tr, trace.DropScripted)
		if len(d) != 1 || d[0].Flags != trace.FlagSYN|trace.FlagACK || d[0].Src.Addr().String() != "10.0.0.2" {
			t.Fatalf("dropped %+v", d)
		}
	})
	t.Run("data segment with relative seq 6", func(t *testing.T) {
		tr := runPreset(t, "lost-data", nil)
		d := dropped(tr, trace.DropScripted)
		if len(d) != 1 || string(d[0].Payload) != "world" {
			t.Fatalf("dropped %+v, want the segment carrying \"world\"", d)
		}
	})
	t.Run("3rd datagram", func(t *testing.T) {
		tr := runPreset(t, "udp-timestamp", func(sc *Scenario) {
			sc.Programs[1].Messages = []string{"a", "b", "c", "d"}
			sc.Programs[1].Timeout = Duration(300 * time.Millisecond)
			sc.AddFault(Fault{Action: "drop", Proto: "udp", Nth: 3})
		})
		d := dropped(tr, trace.DropScripted)
		if len(d) != 1 || string(d[0].Payload) != "b" || d[0].Dst.Port() != 21567 {
			// 1: "a", 2: its answer, 3: "b".
			t.Fatalf("dropped %+v, want datagram 3 (\"b\")", d)
		}
	})
	t.Run("count and link direction", func(t *testing.T) {
		tr := runPreset(t, "handshake", func(sc *Scenario) {
			sc.AddFault(Fault{Action: "drop", Link: "l1", Dir: "ba", Count: 2})
		})
		d := dropped(tr, trace.DropScripted)
		if len(d) != 2 || d[0].Flags != trace.FlagSYN|trace.FlagACK || d[1].Flags != trace.FlagSYN|trace.FlagACK {
			t.Fatalf("dropped %+v, want the SYN-ACK and its retransmission", d)
		}
	})
	t.Run("delay and duplicate", func(t *testing.T) {
		tr := runPreset(t, "handshake", func(sc *Scenario) {
			sc.AddFault(Fault{Action: "delay", Delay: Duration(50 * time.Millisecond), Flags: "SYN"})
			sc.AddFault(Fault{Action: "duplicate", From: "server", Data: true})
		})
		sends := events(tr, trace.KindSend)
		if sends[0].Arrive != 60*time.Millisecond {
			t.Errorf("delayed SYN arrives at %v, want 60ms", sends[0].Arrive)
		}
		dup := events(tr, trace.KindDuplicate)
		if len(dup) != 1 || dup[0].Packet.Orig == 0 || !strings.HasPrefix(string(dup[0].Packet.Payload), "[") {
			t.Errorf("duplicates %+v, want one copy of the server's reply", dup)
		}
	})
}

func TestUDPKeepsBoundaries(t *testing.T) {
	s, _ := mustNew(t, twoHosts(LinkParams{Delay: Duration(time.Millisecond)}, LinkParams{}))
	cl, _ := s.Host("client").ListenUDP(4000)
	sv, _ := s.Host("server").ListenUDP(9)
	var got []string
	var recv func()
	recv = func() {
		sv.RecvFrom(8192, func(d []byte, from netip.AddrPort, _ error) {
			got = append(got, fmt.Sprintf("%s<%s", d, from))
			recv()
		})
	}
	recv()
	for _, m := range []string{"a", "bb", "", "dddd"} {
		cl.SendTo([]byte(m), ap("10.0.0.2:9"))
	}
	s.RunUntil(time.Second)
	want := "a<10.0.0.1:4000 bb<10.0.0.1:4000 <10.0.0.1:4000 dddd<10.0.0.1:4000"
	if g := strings.Join(got, " "); g != want {
		t.Fatalf("received %s, want %s", g, want)
	}
}

func TestICMPPortUnreachable(t *testing.T) {
	for _, tc := range []struct {
		server    string
		typ, code uint8
		src       string
	}{{"server:7", 3, 3, "10.0.0.2:0"}, {"[fd00::2]:7", 1, 4, "[fd00::2]:0"}} {
		tr := runPreset(t, "udp-refused", func(sc *Scenario) { sc.Programs[0].Server = tc.server })
		var icmp []trace.Packet
		for _, e := range events(tr, trace.KindSend) {
			if e.Packet.Proto == trace.ProtoICMP {
				icmp = append(icmp, e.Packet)
			}
		}
		if len(icmp) != 1 || icmp[0].ICMPType != tc.typ || icmp[0].ICMPCode != tc.code || icmp[0].Quote != 1 || icmp[0].Src.String() != tc.src {
			t.Fatalf("%s: ICMP %+v, want type %d code %d quoting packet 1", tc.server, icmp, tc.typ, tc.code)
		}
		if nd := dropped(tr, trace.DropNoSocket); len(nd) != 1 || nd[0].ID != 1 {
			t.Errorf("no-socket drops %+v", nd)
		}
		if !hasApp(tr, "client", trace.OpError, "recv: connection refused") {
			t.Errorf("%s: the connected socket did not hear connection refused", tc.server)
		}
	}
}

func TestRefusedTCPGetsReset(t *testing.T) {
	tr := runPreset(t, "refused", nil)
	sends := events(tr, trace.KindSend)
	if len(sends) != 2 || sends[1].Packet.Flags != trace.FlagRST|trace.FlagACK || sends[1].Packet.Ack != sends[0].Packet.Seq+1 {
		t.Fatalf("sends %+v, want SYN then <SEQ=0><ACK=ISS+1><CTL=RST,ACK>", sends)
	}
	if !hasApp(tr, "client", trace.OpError, "connect: connection refused") {
		t.Error("connect did not fail with connection refused")
	}
}

func TestRoutingThroughRouter(t *testing.T) {
	tr := runPreset(t, "iterative-vs-concurrent", nil)
	// The first SYN goes c1 → r1 → server with the same ID, TTL 64 then 63.
	var hops []string
	for _, e := range tr.Events {
		if e.Kind == trace.KindSend && e.Packet.ID == 1 {
			hops = append(hops, fmt.Sprintf("%s>%s@%s ttl=%d", e.Node, e.Peer, e.Link, e.Packet.TTL))
		}
	}
	want := "c1>r1@c1-r1 ttl=64 r1>server@r1-server ttl=63"
	if g := strings.Join(hops, " "); g != want {
		t.Fatalf("hops %s, want %s", g, want)
	}
}

func TestIterativeServerServesOneAtATime(t *testing.T) {
	tr := runPreset(t, "iterative-vs-concurrent", nil)
	var it, co []time.Duration
	for _, e := range tr.Events {
		if e.Kind == trace.KindApp && e.Op == trace.OpAccept {
			if e.Socket.Port() == 21567 {
				it = append(it, e.At)
			} else {
				co = append(co, e.At)
			}
		}
	}
	if len(it) != 3 || len(co) != 3 {
		t.Fatalf("accepts: iterative %v, concurrent %v", it, co)
	}
	if it[1]-it[0] < 200*time.Millisecond || it[2]-it[1] < 200*time.Millisecond {
		t.Errorf("iterative accepts %v: each client should wait for the previous one's 200ms", it)
	}
	if co[2]-co[0] > 10*time.Millisecond {
		t.Errorf("concurrent accepts %v: should be nearly simultaneous", co)
	}
}

func TestDeadlockBothWindowsClose(t *testing.T) {
	sc, _ := LoadPreset("deadlock")
	s, tr := mustNew(t, sc)
	s.RunUntil(time.Duration(sc.Duration))
	conns := s.Conns()
	if len(conns) != 2 {
		t.Fatalf("%d conns", len(conns))
	}
	for _, c := range conns {
		if c.State != trace.StateEstablished || c.SndWnd != 0 || c.RcvWnd != 0 {
			t.Errorf("%v: state %v snd.wnd %d rcv.wnd %d, want ESTABLISHED with both windows 0", c.Local, c.State, c.SndWnd, c.RcvWnd)
		}
	}
	for _, e := range tr.Events {
		if e.Kind == trace.KindApp && e.Op == trace.OpRead {
			t.Fatalf("somebody read: %s", eventLine(&e))
		}
		if e.Kind == trace.KindNote && strings.Contains(e.Text, "returned") {
			t.Fatalf("a sendall returned: %s", e.Text)
		}
	}
}

func TestDeterminism(t *testing.T) {
	for _, name := range []string{"udp-impaired", "congestion", "duplicate"} {
		a := jsonl(t, runPreset(t, name, nil))
		b := jsonl(t, runPreset(t, name, nil))
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: two runs with the same seed differ", name)
		}
	}
	a := jsonl(t, runPreset(t, "udp-impaired", nil))
	c := jsonl(t, runPreset(t, "udp-impaired", func(sc *Scenario) { sc.Seed++ }))
	if bytes.Equal(a, c) {
		t.Fatal("udp-impaired: a different seed gave the same trace")
	}
}

// TestTCPDeliversExactlyOnce: whatever the loss (up to 50% each way),
// duplication and reordering, TCP hands the receiver exactly the bytes
// written, in order, once. bulk-sink checks every byte against the pattern.
func TestTCPDeliversExactlyOnce(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 10
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		sc, _ := LoadPreset("transfer")
		sc.Seed = seed
		loss := float64(seed%6) / 10 // 0 ... 0.5
		p := LinkParams{Delay: Duration(time.Duration(seed%5+1) * time.Millisecond), Jitter: Duration(2 * time.Millisecond),
			Bandwidth: 10_000_000, Loss: loss, Duplicate: 0.05, Reorder: 0.1, ReorderBy: Duration(3 * time.Millisecond)}
		sc.Links[0].AB, sc.Links[0].BA = p, p
		sc.TCP.MaxRTO = Duration(2 * time.Second)
		sc.TCP.MaxRetries, sc.TCP.SynRetries = 100, 100
		sc.Duration = Duration(20 * time.Minute)
		sc.Programs[1].Bytes = 30000
		tr, err := Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, e := range events(tr, trace.KindNote) {
			notes = append(notes, e.Text)
		}
		want := "bulk-sink: 10.0.0.1:49152: 30000 bytes, all in order"
		if len(notes) != 1 || notes[0] != want {
			t.Fatalf("seed %d loss %.1f: notes %q, want %q", seed, loss, notes, want)
		}
	}
}

// TestUDPDeliversASubset: over an impaired link every datagram the server
// gets is one the client sent, whole.
func TestUDPDeliversASubset(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		tr := runPreset(t, "udp-impaired", func(sc *Scenario) { sc.Seed = seed })
		sent := map[string]bool{}
		for _, e := range tr.Events {
			if e.Kind != trace.KindApp {
				continue
			}
			switch {
			case e.Node == "client" && e.Op == trace.OpSendTo:
				sent[e.Text] = true
			case e.Node == "server" && e.Op == trace.OpRecvFrom:
				if !sent[e.Text] || e.N != 3 {
					t.Fatalf("seed %d: server received %q (%d bytes), never sent whole", seed, e.Text, e.N)
				}
			}
		}
	}
}

func TestConnsSnapshot(t *testing.T) {
	sc, _ := LoadPreset("handshake")
	s, _ := mustNew(t, sc)
	s.RunUntil(25 * time.Millisecond)
	c := s.Conns()
	if len(c) != 2 || c[0].State != trace.StateEstablished || c[1].State != trace.StateSynReceived ||
		c[0].Local != ap("10.0.0.1:49152") || c[1].Local != ap("10.0.0.2:21567") {
		t.Fatalf("conns at 25ms: %+v", c)
	}
	s.RunUntil(time.Duration(sc.Duration))
	if c := s.Conns(); len(c) != 1 || c[0].State != trace.StateTimeWait {
		t.Fatalf("conns at the end: %+v, want the client in TIME-WAIT", c)
	}
	if s.Now() != time.Duration(sc.Duration) {
		t.Errorf("Now() = %v after RunUntil(%v)", s.Now(), time.Duration(sc.Duration))
	}
}

func TestStepAndRunUntil(t *testing.T) {
	sc, _ := LoadPreset("handshake")
	s, tr := mustNew(t, sc)
	steps := 0
	for s.Step() {
		steps++
	}
	full := runPreset(t, "handshake", func(sc *Scenario) { sc.Duration = Duration(time.Hour) })
	if steps == 0 || len(tr.Events) != len(full.Events) {
		t.Fatalf("stepping to the end gave %d events in %d steps, Run gave %d", len(tr.Events), steps, len(full.Events))
	}
	if s.Step() {
		t.Fatal("Step after the end returned true")
	}
}

// Running in slices — NextAt, then Step while the next event is due —
// gives byte for byte the trace Run gives, and NextAt never lies about
// what Step runs next.
func TestSlicedRunEqualsRun(t *testing.T) {
	for _, name := range []string{"congestion", "lost-syn", "iterative-vs-concurrent"} {
		sc, err := LoadPreset(name)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		sc, _ = LoadPreset(name)
		got := &trace.Trace{}
		s, err := New(sc, got)
		if err != nil {
			t.Fatal(err)
		}
		got.Header = s.Header()
		end := time.Duration(sc.Duration)
		for {
			at, ok := s.NextAt()
			if !ok || at > end {
				break
			}
			if s.Step(); s.Now() != at {
				t.Fatalf("%s: NextAt said %v, Step ran at %v", name, at, s.Now())
			}
		}
		var a, b bytes.Buffer
		if err := trace.WriteJSONL(&a, want); err != nil {
			t.Fatal(err)
		}
		if err := trace.WriteJSONL(&b, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("%s: the sliced run differs from Run (%d vs %d events)", name, len(got.Events), len(want.Events))
		}
	}
}
