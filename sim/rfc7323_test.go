package sim

import (
	"strconv"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// goodput runs a bulk transfer of n bytes over a 100 Mbit/s path with a
// 20 ms RTT and returns the bytes per second the receiver got, from the
// client's SYN to the sink's last byte.
func goodput(t *testing.T, n int, edit func(*TCPSpec)) float64 {
	t.Helper()
	sc := bulkScenario(n, 100_000_000, time.Minute)
	sc.TCP.RcvBuf, sc.TCP.SndBuf = 1<<20, 1<<20
	edit(&sc.TCP)
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	var start, end time.Duration
	var done bool
	sink := trace.SinkFunc(func(e *trace.Event) {
		switch {
		case e.Kind == trace.KindSend && e.Packet.Flags == trace.FlagSYN && start == 0:
			start = e.At
		case e.Kind == trace.KindNote && !done:
			end, done = e.At, true
			if want := "bulk-sink: 10.0.0.1:49152: " + strconv.Itoa(n) + " bytes, all in order"; e.Text != want {
				t.Errorf("note %q, want %q", e.Text, want)
			}
		}
	})
	s, err := New(sc, sink)
	if err != nil {
		t.Fatal(err)
	}
	s.RunUntil(time.Duration(sc.Duration))
	if !done {
		t.Fatal("the transfer did not finish")
	}
	return float64(n) * 8 / (end - start).Seconds()
}

// TestWindowScalingFillsTheLink: RFC 7323 §1.1. A 100 Mbit/s × 20 ms path
// holds 250 kB; a 65,535-byte window fills a quarter of it (at most
// 65535·8/20 ms = 26 Mbit/s), a 1 MiB window with scaling all of it.
func TestWindowScalingFillsTheLink(t *testing.T) {
	const n = 20 << 20
	ws, on := 7, true
	with := goodput(t, n, func(tc *TCPSpec) { tc.WindowScale, tc.Timestamps = &ws, &on })
	t.Logf("with window scaling: %.1f Mbit/s", with/1e6)
	if with < 80e6 {
		t.Errorf("with window scaling and 1 MiB buffers: %.1f Mbit/s, want ≥ 80", with/1e6)
	}
	without := goodput(t, n/4, func(tc *TCPSpec) { tc.RcvBuf = 65535 })
	t.Logf("without: %.1f Mbit/s", without/1e6)
	if without > 27e6 {
		t.Errorf("without window scaling: %.1f Mbit/s, want ≤ 27 (window-limited)", without/1e6)
	}
}

// TestTCPDeliversExactlyOnceWithOptions is TestTCPDeliversExactlyOnce with
// window scaling and timestamps on (PAWS meets duplicates and reordering),
// and on every other seed SACK (RFC 6675 recovery meets them too).
func TestTCPDeliversExactlyOnceWithOptions(t *testing.T) {
	sackBlocks := 0
	for seed := uint64(1); seed <= 12; seed++ {
		sc, _ := LoadPreset("transfer")
		sc.Seed = seed
		loss := float64(seed%6) / 10
		p := LinkParams{Delay: Duration(time.Duration(seed%5+1) * time.Millisecond), Jitter: Duration(2 * time.Millisecond),
			Bandwidth: 10_000_000, Loss: loss, Duplicate: 0.05, Reorder: 0.1, ReorderBy: Duration(3 * time.Millisecond)}
		sc.Links[0].AB, sc.Links[0].BA = p, p
		ws, on := int(seed%4), true
		sc.TCP.WindowScale, sc.TCP.Timestamps, sc.TCP.RcvBuf = &ws, &on, 65535<<ws
		sack := seed%2 == 0
		sc.TCP.SACK = &sack
		sc.TCP.MaxRTO = Duration(2 * time.Second)
		sc.TCP.MaxRetries, sc.TCP.SynRetries = 100, 100
		sc.Duration = Duration(20 * time.Minute)
		sc.Programs[1].Bytes = 100000
		tr, err := Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, e := range events(tr, trace.KindNote) {
			notes = append(notes, e.Text)
		}
		want := "bulk-sink: 10.0.0.1:49152: 100000 bytes, all in order"
		if len(notes) != 1 || notes[0] != want {
			t.Fatalf("seed %d loss %.1f: notes %q, want %q", seed, loss, notes, want)
		}
		// Every TCP segment carries timestamps but the RSTs (RFC 7323 §3.2;
		// a closed socket's answer to a late duplicate is one).
		for _, e := range events(tr, trace.KindSend) {
			if e.Packet.Proto == trace.ProtoTCP && e.Packet.Flags&trace.FlagRST == 0 && e.Packet.Opts&trace.OptTimestamps == 0 {
				t.Fatalf("seed %d: #%d has no timestamps: %+v %v", seed, e.Packet.ID, e, e.Packet.Flags)
			}
			if len(e.Packet.SACK) > 0 && !sack {
				t.Fatalf("seed %d: #%d has SACK blocks without SACK", seed, e.Packet.ID)
			}
			sackBlocks += len(e.Packet.SACK)
		}
	}
	if sackBlocks == 0 {
		t.Fatal("no SACK blocks in any run")
	}
}
