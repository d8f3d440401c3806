package layout_test

import (
	"strings"
	"testing"
	"time"

	"socketlab/sim"
	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
)

// Durations print as people write them, never with float noise.
func TestFormatShortHasNoFloatNoise(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1570 * time.Millisecond:  "1.57 s",
		1100 * time.Millisecond:  "1.1 s",
		3 * time.Second:          "3 s",
		12500 * time.Microsecond: "12.5 ms",
	} {
		if got := layout.FormatShort(d); got != want {
			t.Errorf("FormatShort(%v) = %q, want %q", d, got, want)
		}
	}
}

// In zero-window, the sender's probes are labelled as window probes,
// never as retransmissions, as the text ladder says them.
func TestWindowProbeLabels(t *testing.T) {
	m := presetModel(t, "zero-window")
	probes := 0
	for i := range m.Flights {
		l := m.FlightLabel(i)
		if m.Flights[i].Probe {
			probes++
			if !strings.HasSuffix(l, " window probe") || strings.Contains(l, "RETX") {
				t.Errorf("probe %q", l)
			}
		}
	}
	if probes < 2 {
		t.Fatalf("%d window probes in zero-window, want the repeated probes", probes)
	}
}

// A packet a what-if removed is "lost (what-if)" to a student, not
// "scripted".
func TestDropText(t *testing.T) {
	if got := layout.DropText(trace.DropScripted); got != "lost (what-if)" {
		t.Errorf("scripted: %q", got)
	}
	if got := layout.DropText(trace.DropQueueFull); got != "queue-full" {
		t.Errorf("queue-full: %q", got)
	}
}

// A UDP host's counts agree with the events themselves: every datagram
// the client sent, every one delivered to it (copies too), every one of
// its own lost on the way.
func TestUDPStats(t *testing.T) {
	m := presetModel(t, "udp-impaired")
	node, ok := m.NodeIndex("client")
	if !ok {
		t.Fatal("no client in udp-impaired")
	}
	var want layout.UDPStats
	sent, lost := map[uint64]bool{}, map[uint64]bool{}
	for _, e := range m.Events() {
		if e.Packet.Proto != trace.ProtoUDP {
			continue
		}
		switch {
		case e.Kind == trace.KindSend && e.Node == "client" && !sent[e.Packet.ID]:
			sent[e.Packet.ID] = true
			want.Sent++
		case e.Kind == trace.KindDeliver && e.Node == "client":
			want.Received++
		case e.Kind == trace.KindDrop && sent[e.Packet.ID] && !lost[e.Packet.ID]:
			lost[e.Packet.ID] = true
			want.Lost++
		}
	}
	got := m.UDPStats(node, m.End)
	if got != want || want.Lost == 0 || want.Sent < 5 {
		t.Errorf("client's UDP counts %+v, want %+v (with some losses)", got, want)
	}
	if half := m.UDPStats(node, 0); half.Sent > 1 || half.Received != 0 {
		t.Errorf("at 0 the client has %+v", half)
	}
}

// At the end of a short run the ladder shows all of it: the SYN and
// SYN-ACK do not scroll out for empty future. In a long run the end of
// the run is the window's bottom edge, near enough.
func TestLadderEndKeepsTheStart(t *testing.T) {
	m := model(t, "handshake")
	span := m.DefaultSpan()
	l := m.LayoutLadder(layout.Rect{W: 800, H: 600}, m.End, span)
	if l.Top != 0 {
		t.Errorf("at the end of handshake the ladder starts at %v, want 0 (span %v, end %v)", l.Top, span, m.Display(m.End))
	}
	short := span / 4
	l = m.LayoutLadder(layout.Rect{W: 800, H: 600}, m.End, short)
	if want := m.Display(m.End) + short/20 - short; l.Top != want {
		t.Errorf("zoomed in at the end: top %v, want %v", l.Top, want)
	}
}

// The event list speaks Chinese when the captions do: no English verb or
// remark of the view's is left in any line of any preset (a program's
// notes are its own words), and English says "1 byte".
func TestEventTextChinese(t *testing.T) {
	english := []string{" send ", " deliver ", "drop (", "duplicate of", "queued for", " timer ", " bytes", "fires at", "cancelled", "fired"}
	for _, p := range sim.Presets() {
		sc, err := sim.LoadPreset(p.Name)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := sim.Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		m := layout.NewModel(tr)
		for i := range m.Len() {
			if m.Event(i).Kind == trace.KindNote {
				continue // a program's own remark, in its own words
			}
			zh := m.EventTextIn(i, true)
			for _, w := range english {
				if strings.Contains(zh+" ", w) {
					t.Errorf("%s event %d in Chinese still says %q: %s", p.Name, i, w, zh)
				}
			}
			if en := m.EventText(i); strings.Contains(en, " 1 bytes") {
				t.Errorf("%s event %d: %s", p.Name, i, en)
			}
		}
	}
}

// Stepping into a burst zooms in until its arrows start a label's height
// apart; away from it the run's own span comes back. Simultaneous
// packets are not a burst.
func TestStepSpanExpandsBursts(t *testing.T) {
	m := presetModel(t, "congestion")
	const height, gap = 300.0, 20.0
	def := m.DefaultSpan()
	zoomed := 0
	for i := 1; i+1 < len(m.Flights); i += 7 {
		at := m.Flights[i].Start
		s := m.StepSpan(at, height, gap)
		if s > def || s <= 0 {
			t.Fatalf("at %v: span %v, default %v", at, s, def)
		}
		if s < def {
			zoomed++
			// The nearest distinct starts around the cursor are now a gap apart.
			d := m.Display(m.Flights[i+1].Start) - m.Display(m.Flights[i].Start)
			if d > 0 && float64(d)/float64(s)*height < gap*0.999 {
				f := &m.Flights[i]
				if whole := m.Display(f.End) - m.Display(f.Start); s > whole {
					t.Errorf("at %v: arrows %.1f px apart at span %v", at, float64(d)/float64(s)*height, s)
				}
			}
		}
	}
	if zoomed == 0 {
		t.Error("congestion has no burst to zoom into: the rule never fired")
	}
	h := model(t, "handshake")
	if s := h.StepSpan(h.Flights[2].Start, height, gap); s != h.DefaultSpan() {
		t.Errorf("handshake, a slow exchange: span %v, want its default %v", s, h.DefaultSpan())
	}
}

// A call's N is bytes only where the call moved data: a look-up's
// dns-answer counts answers and says no bytes; a read says its bytes.
func TestEventTextBytesOnlyForData(t *testing.T) {
	tr := &trace.Trace{Events: []trace.Event{
		{Kind: trace.KindApp, Node: "client", Op: trace.OpDNSAnswer, N: 1, Text: "A www: 10.0.0.2"},
		{Kind: trace.KindApp, Node: "client", Op: trace.OpRead, N: 5, Text: "hello"},
	}}
	m := layout.NewModel(tr)
	for i, want := range []string{`client  dns-answer() "A www: 10.0.0.2"`, `client  read() 5 bytes "hello"`} {
		if got := m.EventText(i); !strings.HasSuffix(got, want) {
			t.Errorf("event %d: %q, want …%q", i, got, want)
		}
	}
	if got := m.EventTextIn(1, true); !strings.HasSuffix(got, `read() 5 字节 "hello"`) {
		t.Errorf("in Chinese: %q", got)
	}
}
