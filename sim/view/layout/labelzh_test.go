package layout_test

import (
	"slices"
	"testing"

	"socketlab/sim/view/layout"
)

// The inspector, the hex dump's last line and the ladder's labels speak
// Chinese too: the flight's own rows and markers are translated, the
// header fields keep the wire's names.
func TestInspectInChinese(t *testing.T) {
	m := model(t, "handshake")
	got := m.InspectIn(3, true)
	want := []layout.Field{
		{"分组", "#4"}, {"链路", "l1  client → server"}, {"发出", "20.000 ms"}, {"送达", "30.000 ms"},
		{"proto", "tcp"}, {"src", "10.0.0.1:40000"}, {"dst", "10.0.0.2:8080"}, {"ttl", "64"},
		{"seq", "4294967281（相对 1）"}, {"ack", "1001（相对 1）"}, {"flags", "PSH,ACK (0x18)"},
		{"window", "65535"}, {"长度", "5"}, {"文本", `"hello"`},
	}
	if !slices.Equal(got, want) {
		t.Errorf("inspect\n%q\nwant\n%q", got, want)
	}
	if got := layout.HexLinesIn([]byte("hello, world\x00\x01 and more bytes"), 20, true); got[len(got)-1] != "… 还有 9 字节" {
		t.Errorf("hex, last line %q", got[len(got)-1])
	}
	lost := model(t, "lost-syn")
	if got := lost.FlightLabelIn(0, true); got != "#1 SYN seq=0 win=65535 mss=1460 × 链路随机丢包" {
		t.Errorf("label = %q", got)
	}
	if got, en := lost.FlightLabelIn(0, false), lost.FlightLabel(0); got != en {
		t.Errorf("English label %q, FlightLabel %q", got, en)
	}
}
