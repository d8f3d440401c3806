package bridge

import (
	"testing"
	"time"
)

// The helpers shared by both builds (this file also runs under js).

func TestMaxMessageSize(t *testing.T) {
	for _, tc := range []struct {
		sdp  string
		want int
	}{
		{"v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=max-message-size:1000\r\n", 1000},
		{"v=0\r\na=max-message-size:0\r\n", 64 << 10},
		{"v=0\r\n", 64 << 10},
		{"a=max-message-size:1073741823\n", 256 << 10},
		{"a=max-message-size:x\n", 64 << 10},
	} {
		if got := maxMessageSize(tc.sdp); got != tc.want {
			t.Errorf("maxMessageSize(%q) = %d, want %d", tc.sdp, got, tc.want)
		}
	}
}

func TestRound(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{412345 * time.Nanosecond, "412µs"},
		{1234567 * time.Nanosecond, "1.23ms"},
		{12345678 * time.Nanosecond, "12.3ms"},
		{123456789 * time.Nanosecond, "123ms"},
	} {
		if got := round(tc.in).String(); got != tc.want {
			t.Errorf("round(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
