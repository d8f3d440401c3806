package sim

import (
	"bytes"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// TestPortUnreachableQuote: a host of the rfc profile quotes RFC 792's
// 8 bytes of the refused datagram (its UDP header); one of the linux
// profile the whole datagram, as Linux does, up to the 576-byte limit of
// an ICMP error.
func TestPortUnreachableQuote(t *testing.T) {
	for _, tc := range []struct {
		profile string
		payload int
		want    int
	}{
		{"rfc", 5, 8},
		{"linux", 5, 13},
		{"linux", 1000, 576 - 20 - 8 - 20},
	} {
		sc := twoHosts(LinkParams{}, LinkParams{})
		sc.TCP.Profile = tc.profile
		s, tr := mustNew(t, sc)
		u, err := s.Host("client").ListenUDP(4000)
		if err != nil {
			t.Fatal(err)
		}
		msg := bytes.Repeat([]byte("x"), tc.payload)
		u.SendTo(msg, ap("10.0.0.2:9"))
		s.RunUntil(time.Second)
		var icmp *trace.Packet
		for i := range tr.Events {
			if e := &tr.Events[i]; e.Kind == trace.KindSend && e.Packet.Proto == trace.ProtoICMP {
				icmp = &e.Packet
			}
		}
		if icmp == nil || len(icmp.Payload) != tc.want {
			t.Fatalf("%s, %d bytes: ICMP %+v, want a quote of %d bytes", tc.profile, tc.payload, icmp, tc.want)
		}
		if tc.want > 8 && !bytes.Equal(icmp.Payload[8:], msg[:tc.want-8]) {
			t.Fatalf("%s: the quote's data is not the datagram's", tc.profile)
		}
	}
}
