package trace_test

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"runtime"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/bench"
	"socketlab/sim/trace"
	"socketlab/sim/trace/tracetest"
)

// checkCompact stores evs in a Compact and checks every way of reading
// them back against the plain slice: At in order and out of order,
// AppendAll, and Search at every event's time and between.
func checkCompact(t *testing.T, name string, evs []trace.Event) *trace.Compact {
	t.Helper()
	var c trace.Compact
	for i := range evs {
		c.Append(&evs[i])
	}
	if c.Len() != len(evs) {
		t.Fatalf("%s: Len = %d, want %d", name, c.Len(), len(evs))
	}
	if all := c.AppendAll(nil); !reflect.DeepEqual(all, evs) && len(evs) > 0 {
		for i := range evs {
			if !reflect.DeepEqual(all[i], evs[i]) {
				t.Fatalf("%s: AppendAll event %d:\n got %+v\nwant %+v", name, i, all[i], evs[i])
			}
		}
	}
	r := rand.New(rand.NewPCG(uint64(len(evs)), 7))
	for _, i := range r.Perm(len(evs)) {
		if got := c.At(i); !reflect.DeepEqual(*got, evs[i]) {
			t.Fatalf("%s: At(%d):\n got %+v\nwant %+v", name, i, *got, evs[i])
		}
	}
	// The running maximum of the times is what Search orders by.
	run := make([]time.Duration, len(evs))
	for i := range evs {
		run[i] = evs[i].At
		if i > 0 {
			run[i] = max(run[i], run[i-1])
		}
	}
	want := func(at time.Duration) int {
		for i, v := range run {
			if v >= at {
				return i
			}
		}
		return len(run)
	}
	probe := []time.Duration{math.MinInt64, math.MaxInt64}
	for i := 0; i < len(evs); i += 1 + len(evs)/500 {
		probe = append(probe, evs[i].At-1, evs[i].At, evs[i].At+1)
	}
	for _, at := range probe {
		if got, w := c.Search(at), want(at); got != w {
			t.Fatalf("%s: Search(%v) = %d, want %d", name, at, got, w)
		}
	}
	return &c
}

// Every preset's trace, and the hand-built ones of tracetest, round-trip
// exactly.
func TestCompactRoundTripPresets(t *testing.T) {
	for _, p := range sim.Presets() {
		sc, err := sim.LoadPreset(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := sim.Run(sc)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		checkCompact(t, p.Name, tr.Events)
	}
	for name, tr := range map[string]*trace.Trace{"handshake": tracetest.Handshake(), "handshake-v6": tracetest.HandshakeV6(),
		"lossy": tracetest.Lossy(), "udp": tracetest.UDP()} {
		checkCompact(t, name, tr.Events)
	}
}

// genEvents makes n events from r: flows of TCP segments whose fields
// move by small steps, as a real run's do, mixed with events whose every
// field is random — extreme values, times going backwards, kinds beyond
// the known ones, nil and empty-but-not-nil slices, shared and fresh
// payloads.
func genEvents(r *rand.Rand, n int) []trace.Event {
	addrs := []netip.AddrPort{{}, netip.MustParseAddrPort("10.0.0.1:49152"), netip.MustParseAddrPort("10.0.0.2:80"),
		netip.MustParseAddrPort("[fd00::1]:443"), netip.MustParseAddrPort("[fe80::1%eth0]:7")}
	names := []string{"", "client", "server", "r1", "三次握手", "l1"}
	u64 := func() uint64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return math.MaxUint64 - uint64(r.IntN(3))
		default:
			return r.Uint64() >> r.IntN(64)
		}
	}
	pattern := make([]byte, 4096)
	for i := range pattern {
		pattern[i] = byte(r.Uint32())
	}
	var prev []trace.Event
	evs := make([]trace.Event, 0, n)
	at := time.Duration(0)
	for len(evs) < n {
		var e trace.Event
		switch r.IntN(4) {
		case 0, 1: // a step of a flow: a small change to a recent event
			if len(prev) > 0 {
				e = prev[r.IntN(len(prev))]
				e.Packet.ID++
				e.Packet.Seq += uint32(len(e.Packet.Payload))
				e.Conn.RcvNxt += uint32(r.IntN(3000))
				if off := r.IntN(len(pattern) - 1448); r.IntN(2) == 0 {
					e.Packet.Payload = pattern[off : off+r.IntN(1449) : off+1448]
				}
				break
			}
			fallthrough
		default:
			// Kinds past 16 share a reference slot with a known one.
			e = trace.Event{Kind: trace.Kind(r.IntN(40)), Node: names[r.IntN(len(names))], Peer: names[r.IntN(len(names))],
				Link: names[r.IntN(len(names))], Reason: trace.DropReason(r.IntN(256)), Arrive: time.Duration(u64()),
				From: trace.TCPState(r.IntN(256)), To: trace.TCPState(r.IntN(12)), Timer: trace.TimerKind(r.IntN(7)),
				Deadline: time.Duration(u64()), Op: trace.AppOp(r.IntN(16)), Socket: addrs[r.IntN(len(addrs))],
				Remote: addrs[r.IntN(len(addrs))], N: int(u64())}
			if r.IntN(3) == 0 {
				e.Text = names[r.IntN(len(names))] + string(rune(r.IntN(0x10000)))
			}
			if r.IntN(2) == 0 {
				e.Packet = trace.Packet{ID: u64(), Orig: u64(), Proto: trace.Proto(r.IntN(6)), Src: addrs[r.IntN(len(addrs))],
					Dst: addrs[r.IntN(len(addrs))], TTL: uint8(r.Uint32()), Seq: uint32(u64()), Ack: uint32(u64()),
					Flags: trace.TCPFlags(r.Uint32()), Window: uint16(u64()), MSS: uint16(u64()), Opts: trace.TCPOpts(r.Uint32()),
					WScale: uint8(u64()), TSval: uint32(u64()), TSecr: uint32(u64()), ICMPType: uint8(u64()),
					ICMPCode: uint8(u64()), Quote: u64()}
				switch r.IntN(4) {
				case 0:
					e.Packet.Payload = []byte{}
				case 1:
					e.Packet.Payload = []byte(names[r.IntN(len(names))])
				}
				switch r.IntN(3) {
				case 0:
					e.Packet.SACK = []trace.SACKBlock{}
				case 1:
					for range 1 + r.IntN(4) {
						e.Packet.SACK = append(e.Packet.SACK, trace.SACKBlock{Left: uint32(u64()), Right: uint32(u64())})
					}
				}
			}
			if r.IntN(2) == 0 {
				e.Conn = trace.ConnState{Local: addrs[r.IntN(len(addrs))], Remote: addrs[r.IntN(len(addrs))],
					State: trace.TCPState(r.IntN(13)), ISS: uint32(u64()), IRS: uint32(u64()), SndUna: uint32(u64()),
					SndNxt: uint32(u64()), SndWnd: uint32(u64()), RcvNxt: uint32(u64()), RcvWnd: uint32(u64()),
					Cwnd: uint32(u64()), Ssthresh: uint32(u64()), SRTT: time.Duration(u64()), RTTVAR: time.Duration(u64()),
					RTO: time.Duration(u64()), DupAcks: uint8(u64()), InFlight: uint32(u64()), Retrans: uint32(u64()),
					BytesAcked: u64(), BytesReceived: u64(), Sacked: uint32(u64()), Pipe: uint32(u64())}
			}
		}
		switch r.IntN(8) {
		case 0: // backwards, as racing real sources stamp
			at -= time.Duration(r.IntN(1000))
		case 1:
			at = time.Duration(u64())
		default:
			at += time.Duration(r.IntN(100_000))
		}
		e.At = at
		evs = append(evs, e)
		if prev = append(prev, e); len(prev) > 8 {
			prev = prev[1:]
		}
	}
	return evs
}

// A random mix of events round-trips exactly, across many blocks.
func TestCompactRoundTripRandom(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		checkCompact(t, "random", genEvents(r, r.IntN(2000)))
	}
}

// FuzzCompact: any event mix round-trips.
func FuzzCompact(f *testing.F) {
	f.Add(uint64(1), uint16(10))
	f.Add(uint64(2), uint16(300))
	f.Add(uint64(3), uint16(1000))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16) {
		checkCompact(t, "fuzz", genEvents(rand.New(rand.NewPCG(seed, 2)), int(n)%3000))
	})
}

// Payloads are kept, not copied: a decoded packet's Payload is the
// appended slice.
func TestCompactPayloadNotCopied(t *testing.T) {
	pl := []byte("hello, world")
	var c trace.Compact
	for i := range 600 {
		c.Append(&trace.Event{At: time.Duration(i), Kind: trace.KindSend, Packet: trace.Packet{ID: uint64(i / 3), Payload: pl[i%3:]}})
	}
	for i := range 600 {
		if p := c.At(i).Packet.Payload; &p[0] != &pl[i%3] || len(p) != len(pl)-i%3 {
			t.Fatalf("event %d: payload %q at %p, want the appended slice at %p", i, p, &p[0], &pl[i%3])
		}
	}
}

// An event returned by At stays valid and unchanged while more events
// are appended and other blocks decoded, and the cache's evictions do not
// reach it.
func TestCompactAtStable(t *testing.T) {
	evs := genEvents(rand.New(rand.NewPCG(5, 5)), 10_000)
	var c trace.Compact
	for i := range 100 {
		c.Append(&evs[i])
	}
	e := c.At(99)
	want := *e
	for i := 100; i < len(evs); i++ {
		c.Append(&evs[i])
		if i%97 == 0 {
			c.At(i)
			c.At(i / 2)
		}
	}
	if !reflect.DeepEqual(*e, want) || !reflect.DeepEqual(*e, evs[99]) {
		t.Fatalf("event 99 changed:\n got %+v\nwant %+v", *e, want)
	}
}

// Out-of-range indices panic, like a slice's.
func TestCompactAtOutOfRange(t *testing.T) {
	var c trace.Compact
	c.Append(&trace.Event{Kind: trace.KindNote})
	for _, i := range []int{-1, 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("At(%d) did not panic", i)
				}
			}()
			c.At(i)
		}()
	}
	var empty trace.Compact
	if empty.Search(0) != 0 || empty.Len() != 0 || len(empty.AppendAll(nil)) != 0 {
		t.Fatal("an empty Compact is not empty")
	}
}

// bulkA is scenario (A) of the ns-3 side-by-side benchmark (one bulk flow,
// 100 Mbit/s, 10 ms, a 100-packet DropTail queue), run for d.
func bulkA(tb testing.TB, d time.Duration, sink trace.Sink) {
	tb.Helper()
	sc := bench.Bulk()
	sc.Duration = sim.Duration(d)
	s, err := sim.New(sc, sink)
	if err != nil {
		tb.Fatal(err)
	}
	s.RunUntil(d)
}

// Scenario (A) for 10 s of virtual time, streamed into a Compact, costs at
// most 64 bytes per event: counted by Bytes and measured on the heap (which
// also holds the payloads only the store keeps alive: a segment spanning
// two chunks of the sender's buffer is a copy).
func TestCompactMemoryBounded(t *testing.T) {
	if raceEnabled {
		t.Skip("-race instruments allocations")
	}
	if testing.Short() {
		t.Skip("simulates 10 s of a 100 Mbit/s transfer")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := &trace.Compact{}
	bulkA(t, 10*time.Second, c)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	n := c.Len()
	t.Logf("%d events: Bytes %d (%.1f B/event), heap %d (%.1f B/event)", n, c.Bytes(), float64(c.Bytes())/float64(n), heap, float64(heap)/float64(n))
	if n < 500_000 {
		t.Fatalf("only %d events: scenario (A) changed", n)
	}
	if c.Bytes() > 64*n {
		t.Errorf("Bytes = %d for %d events: %.1f B/event, want ≤ 64", c.Bytes(), n, float64(c.Bytes())/float64(n))
	}
	if heap > int64(64*n) {
		t.Errorf("heap grew by %d for %d events: %.1f B/event, want ≤ 64", heap, n, float64(heap)/float64(n))
	}
	runtime.KeepAlive(c)
}

// bulkTrace is 2 s of scenario (A), about 110,000 events, and a Compact
// holding them.
func bulkTrace(b *testing.B) ([]trace.Event, *trace.Compact) {
	var tr trace.Trace
	bulkA(b, 2*time.Second, &tr)
	c := &trace.Compact{}
	for i := range tr.Events {
		c.Append(&tr.Events[i])
	}
	return tr.Events, c
}

// BenchmarkCompactAppend encodes scenario (A)'s events and reports the
// bytes the store holds per event and the events encoded per second.
func BenchmarkCompactAppend(b *testing.B) {
	evs, c := bulkTrace(b)
	b.ResetTimer()
	for range b.N {
		c = &trace.Compact{}
		for i := range evs {
			c.Append(&evs[i])
		}
	}
	b.ReportMetric(float64(c.Bytes())/float64(len(evs)), "B/event")
	b.ReportMetric(float64(b.N)*float64(len(evs))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkCompactDecode decodes every event of scenario (A) in order and
// reports the events decoded per second.
func BenchmarkCompactDecode(b *testing.B) {
	evs, c := bulkTrace(b)
	dst := make([]trace.Event, 0, len(evs))
	b.ResetTimer()
	for range b.N {
		dst = c.AppendAll(dst[:0])
	}
	b.ReportMetric(float64(b.N)*float64(len(evs))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkCompactAtCold reads one event of scenario (A), the cache
// always missing: the cost of decoding a block, what a
// jump to a new place in the run pays once per block it shows.
func BenchmarkCompactAtCold(b *testing.B) {
	_, c := bulkTrace(b)
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for k := range b.N {
		// Blocks 0 and 64 share a cache slot: read alternately, they always miss.
		c.At(k%2*64*256 + r.IntN(256))
	}
}
