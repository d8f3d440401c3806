package caption

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
)

type presetRun struct {
	name string
	tr   *trace.Trace
}

var (
	presetOnce sync.Once
	presetRuns []presetRun
	presetErr  error
)

// presetTraces runs every built-in preset once.
func presetTraces(t *testing.T) []presetRun {
	t.Helper()
	presetOnce.Do(func() {
		for _, p := range sim.Presets() {
			sc, err := sim.LoadPreset(p.Name)
			if err != nil {
				presetErr = err
				return
			}
			tr, err := sim.Run(sc)
			if err != nil {
				presetErr = err
				return
			}
			presetRuns = append(presetRuns, presetRun{p.Name, tr})
		}
	})
	if presetErr != nil {
		t.Fatal(presetErr)
	}
	return presetRuns
}

func presetTrace(t *testing.T, name string) *trace.Trace {
	t.Helper()
	for _, p := range presetTraces(t) {
		if p.name == name {
			return p.tr
		}
	}
	t.Fatalf("no preset %q", name)
	return nil
}

// lastOfInstant returns the index of the last event at event i's time:
// the one a player shows while it stands at that time.
func lastOfInstant(tr *trace.Trace, i int) int {
	for i+1 < len(tr.Events) && tr.Events[i+1].At == tr.Events[i].At {
		i++
	}
	return i
}

// TestNarrations: every preset has a narration; every moment it names
// happens in the preset's run, has a caption of its own in the catalogue,
// and is what a player shows at its instant; every lesson text is used.
func TestNarrations(t *testing.T) {
	runs := presetTraces(t)
	used := map[string]bool{}
	for name := range narrations {
		if !slices.ContainsFunc(runs, func(p presetRun) bool { return p.name == name }) {
			t.Errorf("narration for %q, which is no preset", name)
		}
	}
	for _, p := range runs {
		ms := narrations[p.name]
		if len(ms) == 0 {
			t.Errorf("preset %s has no narration", p.name)
			continue
		}
		ctx := Annotate(p.tr)
		for _, m := range ms {
			used[m.key] = true
			if _, ok := index[m.key]; !ok {
				t.Errorf("%s: moment %+v names the missing key %q", p.name, m, m.key)
			}
			if _, ok := index[m.on]; !ok {
				t.Errorf("%s: moment %+v is on %q, which is no key", p.name, m, m.on)
			}
			n, hit := 0, -1
			for i := range p.tr.Events {
				e := &p.tr.Events[i]
				if ownKey(e, &ctx[i]) == m.on && (m.node == "" || m.node == e.Node) {
					n++
					if n == m.nth || m.nth == 0 && hit < 0 {
						hit = i
					}
				}
			}
			if hit < 0 {
				t.Errorf("%s: moment %+v never happens (%d events are %s)", p.name, m, n, m.on)
				continue
			}
			if got := Key(&p.tr.Events[hit], &ctx[hit]); got != m.key {
				t.Errorf("%s: moment %+v has key %q", p.name, m, got)
			}
			last := lastOfInstant(p.tr, hit)
			if got := Key(&p.tr.Events[last], &ctx[last]); got != m.key {
				t.Errorf("%s: at %v a player shows %q, not the moment %q", p.name, p.tr.Events[hit].At, got, m.key)
			}
			for _, lang := range Langs {
				s := For(&p.tr.Events[last], &ctx[last], lang)
				check(t, p.name+"/"+m.key+"/"+string(lang), s, lang)
				if s != For(&p.tr.Events[hit], &ctx[hit], lang) {
					t.Errorf("%s: the instant's caption differs from the moment's: %q", p.name, s)
				}
			}
		}
	}
	for _, e := range catalogue {
		if strings.HasPrefix(e.key, "lesson.") && !used[e.key] {
			t.Errorf("lesson %q is in no narration", e.key)
		}
	}
}

// shown returns what a player shows at the instant of the nth event
// (from 1) whose own key is key, in lang.
func shown(t *testing.T, preset, key string, nth int, lang Lang) string {
	t.Helper()
	tr := presetTrace(t, preset)
	ctx := Annotate(tr)
	n := 0
	for i := range tr.Events {
		if ownKey(&tr.Events[i], &ctx[i]) != key {
			continue
		}
		if n++; n == nth {
			last := lastOfInstant(tr, i)
			return For(&tr.Events[last], &ctx[last], lang)
		}
	}
	t.Fatalf("%s: no event %d with key %s", preset, nth, key)
	return ""
}

// TestKeyMoments: what the viewer reads at the key moments of the presets.
func TestKeyMoments(t *testing.T) {
	tests := []struct {
		preset, on string
		nth        int
		lang       Lang
		want       string
	}{
		{"handshake", "send.syn", 1, English,
			"The client calls connect(): TCP sends a SYN with its initial sequence number, ISN = 2843876295, chosen at random (the ladder counts from it, so it shows 0), and MSS 1460. Step 1 of the three-way handshake."},
		{"handshake", "send.synack", 1, English,
			"The server answers with SYN-ACK: ack=1, that is ISN + 1 (2843876295 + 1 on the wire), because the SYN occupies one sequence number. It also carries its own ISN, 3853273617. Step 2 of the three-way handshake."},
		{"handshake", "send.synack", 1, Chinese,
			"服务器回复 SYN-ACK：ack=1，即 ISN + 1（线路上是 2843876295 + 1），因为 SYN 本身占用一个序号。它同时带上自己的 ISN：3853273617。这是三次握手的第二步。"},
		{"handshake", "send.ack.data", 1, English,
			"The server acknowledges the data: ack=6 = 1 + 5, the segment's first sequence number plus its length, which is the next byte it expects. One ACK covers every byte before it."},
		{"teardown", "send.fin", 1, English,
			`tsTclnt.py calls close(): the client's TCP sends FIN (seq 6), "I will send no more". That closes one direction only: a half-close. The client still receives until the peer sends its own FIN.`},
		{"handshake", "send.ack.fin", 1, English,
			"The server acknowledges the FIN: ack=7, the FIN's sequence number + 1, because a FIN, like a SYN, occupies one sequence number. Only the peer's direction is closed: the server may still send (half-close)."},
		{"teardown", "send.fin", 2, English,
			"The server has acknowledged the FIN (ack=7: a FIN occupies one sequence number), and its recv() returned 0, so tsTserv.py closes too: the server sends its own FIN (seq 33) and waits in LAST-ACK. Each direction is closed by its own FIN and ACK."},
		{"handshake", "send.ack.fin.time-wait", 1, English,
			"The client acknowledges the peer's FIN (ack=34: a FIN occupies one sequence number) and stays in TIME-WAIT for 2·MSL = 2 s: if this last ACK is lost, the peer resends its FIN, and the client must still be there to acknowledge it."},
		{"teardown", "state.TIME-WAIT", 1, English,
			`The client enters TIME-WAIT for 2·MSL = 1 s, twice a segment's longest life: if its last ACK is lost, the peer resends its FIN and the client must answer again; and old duplicates must die out before the ports are reused (hence "Address already in use" without SO_REUSEADDR).`},
		{"teardown", "state.TIME-WAIT", 1, Chinese,
			"客户端进入 TIME-WAIT，等待 2·MSL = 1 秒（报文段最长寿命的两倍）：如果最后的 ACK 丢了，对方会重发 FIN，客户端还得再次确认；旧的重复报文也要先消失，端口才能再用（所以不设置 SO_REUSEADDR 会报“地址已被使用”）。"},
		{"handshake", "state.CLOSED.last-ack", 1, English,
			"The last ACK has arrived: the server goes from LAST-ACK to CLOSED and forgets the connection at once. No TIME-WAIT here: that is the job of the side that closed first."},
		{"lost-syn", "send.syn.retx", 1, English,
			"No SYN-ACK came within RTO = 1 s, so the client sends the same SYN again (same ISN) and doubles RTO to 2 s: exponential back-off (RFC 6298), in case the network is congested."},
		{"lost-syn", "drop.loss.syn", 1, English,
			"The SYN was lost on link l1: no SYN-ACK will come, so after RTO = 1 s the client sends the SYN again."},
		{"lost-data", "send.data.timeout", 1, English,
			"Nothing was sent after the lost segment, so no duplicate ACKs can come: only the timer can repair it. After RTO = 200 ms, the client sends the bytes from 6 again and doubles RTO to 400 ms (exponential back-off)."},
		{"fast-retransmit", "send.data.fastretx", 1, English,
			"Three duplicate ACKs say: the segment at 14601 is missing but later ones arrived. The client resends it at once, without waiting for the timer: fast retransmit."},
		{"zero-window", "send.zerowindow", 1, English,
			"The slow reader's buffer is full, so the server advertises window 0. This is flow control: the sender must stop, whatever its congestion window, until the application calls recv() and frees space."},
		{"zero-window", "send.probe", 1, English,
			"The peer's window is 0, so the client may not send. When its persist timer fires it sends a window probe, 1 byte beyond the window, to make the peer answer with its current window: a lost window update must not stall the connection for ever."},
		{"deadlock", "send.zerowindow", 2, English,
			"Now both windows are 0: each program is blocked in sendall(), waiting for the other to read, and neither reads. This is the deadlock of two writers. The cure: read while writing (a thread, or select())."},
		{"refused", "send.rst", 1, English,
			`No program on the server listens on that port, so its TCP answers the SYN with RST (ack=1: it acknowledges the SYN, so the client can tell it is no stray). tsTclnt.py's connect() fails with "connection refused".`},
		{"udp-refused", "send.icmp.port-unreachable", 1, English,
			`Nothing listens on UDP port 7 at the server, so it answers with an ICMP "port unreachable" error quoting the datagram.`},
		{"udp-impaired", "drop.loss.udp", 1, English,
			"The datagram is lost on link l1. UDP gives no delivery guarantee: nobody retransmits, and recvfrom() on the other side would wait for ever. Only the application can notice, with a timeout, and decide to send again."},
		{"iterative-vs-concurrent", "timer-set.app", 1, English,
			"The iterative server (port 21567) works 200 ms on the first client's request and calls accept() again only when it is done. The other clients' handshakes are complete: their connections wait in the listen backlog."},
		{"iterative-vs-concurrent", "app.accept", 2, English,
			"Only now does the iterative server call accept() again: it returns the connection from 10.0.2.1:49152, which has waited in the backlog since its handshake. Each client waits for every client before it."},
	}
	for _, tc := range tests {
		t.Run(tc.preset+"/"+tc.on+"/"+string(tc.lang), func(t *testing.T) {
			if got := shown(t, tc.preset, tc.on, tc.nth, tc.lang); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestLessonWinsItsInstant: the congestion window reported after a SYN
// does not hide the SYN, and wherever a key moment happens, a player
// stopped at that time shows a key moment too.
func TestLessonWinsItsInstant(t *testing.T) {
	tr := presetTrace(t, "handshake")
	ctx := Annotate(tr)
	last := lastOfInstant(tr, 0)
	if e := &tr.Events[last]; e.Kind != trace.KindConnStat || ownKey(e, &ctx[last]) != "connstat" || Key(e, &ctx[last]) != "send.syn" {
		t.Errorf("handshake at 0: the last event is %v, shown as %s", e.Kind, Key(e, &ctx[last]))
	}
	for _, p := range presetTraces(t) {
		ctx := Annotate(p.tr)
		for i := range p.tr.Events {
			if Rank(ownKey(&p.tr.Events[i], &ctx[i])) < 3 {
				continue
			}
			last := lastOfInstant(p.tr, i)
			if k := Key(&p.tr.Events[last], &ctx[last]); Rank(k) < 3 && ctx[last].Lesson == "" {
				t.Errorf("%s at %v: %s happens, a player shows %s", p.name, p.tr.Events[i].At, ownKey(&p.tr.Events[i], &ctx[i]), k)
			}
		}
	}
	// The ladder prints every event, each with its own caption.
	c := Ladder(tr, English)(last, &tr.Events[last])
	if !strings.HasPrefix(c, "The client's congestion window is") {
		t.Errorf("ladder row of the connstat: %s", c)
	}
}

// TestGrammar: a count of 1 takes the singular in English, any other
// count the plural, in every caption.
func TestGrammar(t *testing.T) {
	singular := regexp.MustCompile(`(^|[^0-9.])1 (bytes|segments|packets|datagrams|messages|duplicate ACKs|ACKs|seconds)\b`)
	plural := regexp.MustCompile(`(^|[^0-9.])2 (byte|segment|packet|datagram|message|duplicate ACK|second)([^s]|$)`)
	a := netip.MustParseAddrPort("10.0.0.1:40000")
	b := netip.MustParseAddrPort("10.0.0.2:80")
	for _, n := range []int{1, 2} {
		e := trace.Event{At: time.Second, Kind: trace.KindSend, Node: "client", Peer: "server", Link: "c-s", N: n,
			Packet: trace.Packet{ID: 1, Proto: trace.ProtoTCP, Src: a, Dst: b, Payload: []byte(strings.Repeat("x", n)), Seq: 1, Ack: uint32(n), Window: uint16(n)},
			Conn:   trace.ConnState{Cwnd: uint32(n), Ssthresh: uint32(n), InFlight: uint32(n), DupAcks: uint8(n), RTO: time.Second}}
		c := Context{Node: Who{Name: "client", Role: "client"}, Peer: Who{Name: "server", Role: "server"}, DataLen: uint32(n), DataSeq: 1,
			RTO: time.Second, Waited: time.Second}
		c.DupAck = n
		for _, en := range catalogue {
			s := fill(en.en, &e, &c, English)
			if m := singular.FindString(s); n == 1 && m != "" {
				t.Errorf("%s: %q in %q", en.key, m, s)
			}
			if m := plural.FindString(s); n == 2 && m != "" {
				t.Errorf("%s: %q in %q", en.key, m, s)
			}
		}
	}
	e := trace.Event{Kind: trace.KindConnStat, Node: "server", Conn: trace.ConnState{Cwnd: 4380, Ssthresh: 65535, InFlight: 1}}
	if got := For(&e, &Context{Node: Who{Name: "server", Role: "server"}}, English); got != "The server's congestion window is 4380 bytes (slow-start threshold 65535); 1 byte in flight." {
		t.Errorf("connstat: %s", got)
	}
}
