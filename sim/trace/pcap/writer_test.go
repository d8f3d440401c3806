package pcap_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
	"socketlab/sim/trace/tracetest"
)

func writeStream(t *testing.T, tr *trace.Trace) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcap.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.Events {
		w.Emit(&tr.Events[i])
	}
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A Writer given the events one at a time writes Write's file.
func TestWriterWritesWrite(t *testing.T) {
	for _, tr := range []*trace.Trace{tracetest.Handshake(), tracetest.HandshakeV6(), tracetest.Lossy(), tracetest.UDP()} {
		if got, want := writeStream(t, tr), write(t, tr); !bytes.Equal(got, want) {
			t.Errorf("%s: Writer wrote %d bytes, Write %d", tr.Header.Scenario, len(got), len(want))
		}
	}
}

// A Writer remembers KeepFinished packets after they arrived: an ICMP
// error quoting one is Write's; one that quotes a packet finished longer
// ago is rebuilt from its quoted bytes, as Write does for a packet the
// trace does not contain (the sender's TTL 64, not 63 as it arrived), or
// is an error when it carries none.
func TestWriterForgetsFinishedPackets(t *testing.T) {
	udpHeader := []byte{0xc3, 0x50, 0x27, 0x0f, 0, 12, 0, 0, 'p', 'i', 'n', 'g'}
	for _, tc := range []struct {
		others  int
		payload []byte
		ttl     uint8
		err     string
	}{
		{pcap.KeepFinished - 1, nil, 63, ""},
		{pcap.KeepFinished, udpHeader, 64, ""},
		{pcap.KeepFinished, nil, 0, "the ICMP message quotes packet #7, which the trace does not contain"},
	} {
		tr := tracetest.UDP()
		icmp := -1
		var send trace.Event
		for i, e := range tr.Events {
			if e.Packet.Proto == trace.ProtoICMP {
				tr.Events[i].Packet.Payload = tc.payload
				if icmp < 0 {
					icmp = i
				}
			}
			if e.Kind == trace.KindSend && e.Packet.Proto == trace.ProtoUDP && send.Kind == 0 {
				send = e
			}
		}
		if icmp < 0 {
			t.Fatal("the UDP fixture has no ICMP error")
		}
		// Other datagrams arrive between the quoted one and the error.
		var others []trace.Event
		for k := range tc.others {
			s := send
			s.Packet.ID = 1000 + uint64(k)
			d := s
			d.Kind, d.Node, d.Peer = trace.KindDeliver, s.Peer, s.Node
			others = append(others, s, d)
		}
		tr.Events = append(tr.Events[:icmp], append(others, tr.Events[icmp:]...)...)
		var buf bytes.Buffer
		w, _ := pcap.NewWriter(&buf)
		for i := range tr.Events {
			w.Emit(&tr.Events[i])
		}
		if tc.err != "" {
			if w.Err() == nil || !strings.Contains(w.Err().Error(), tc.err) {
				t.Errorf("%d datagrams between, no quoted bytes: err = %v, want %q", tc.others, w.Err(), tc.err)
			}
			continue
		}
		var quote []byte
		for _, f := range decoded(t, buf.Bytes()) {
			if l, ok := f.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
				quote = l.Payload
			}
		}
		inner := gopacket.NewPacket(quote, layers.LayerTypeIPv4, gopacket.Default)
		ip, ok := inner.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok || ip.TTL != tc.ttl {
			t.Errorf("%d datagrams between: the quote is %v, want TTL %d", tc.others, inner, tc.ttl)
		}
		if same := bytes.Equal(buf.Bytes(), write(t, tr)); same != (tc.ttl == 63) {
			t.Errorf("%d datagrams between: Writer and Write agree: %v", tc.others, same)
		}
	}
}
