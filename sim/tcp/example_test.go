package tcp_test

import (
	"fmt"
	"net/netip"
	"time"

	"socketlab/sim/tcp"
	"socketlab/sim/trace"
)

// Two Conns joined by hand: every segment either side transmits is printed
// and delivered to the other 10 ms later. The owner passes time in; the
// Conns never read a clock.
func Example() {
	type wire struct {
		at  time.Duration // arrival
		to  int
		seg tcp.Segment
	}
	var (
		now   time.Duration
		queue []wire
		conns [2]*tcp.Conn
	)
	names := [2]string{"client", "server"}
	cfg := func(i int, iss tcp.Seq) tcp.Config {
		return tcp.Config{
			Local:  netip.MustParseAddrPort([]string{"10.0.0.1:40000", "10.0.0.2:80"}[i]),
			Remote: netip.MustParseAddrPort([]string{"10.0.0.2:80", "10.0.0.1:40000"}[i]),
			ISS:    iss,
			Transmit: func(now time.Duration, s tcp.Segment) {
				fmt.Printf("%-6v %-6s %s %q\n", now, names[i], s, s.Payload)
				queue = append(queue, wire{now + 10*time.Millisecond, 1 - i, s})
			},
		}
	}
	conns[0] = tcp.Dial(now, cfg(0, 100))
	for len(queue) > 0 {
		w := queue[0]
		queue = queue[1:]
		now = w.at
		if conns[w.to] == nil { // the server host sees a SYN for its listening port
			conns[w.to] = tcp.Accept(now, cfg(1, 300), w.seg)
		} else {
			conns[w.to].Handle(now, w.seg)
		}
		if conns[0].State() == trace.StateEstablished && conns[0].SendSpace() == 65535 {
			conns[0].Write(now, []byte("hello"))
			conns[0].CloseWrite(now)
		}
		if conns[1] != nil && conns[1].PeerClosed() && conns[1].State() == trace.StateCloseWait {
			buf := make([]byte, 16)
			n := conns[1].Read(now, buf)
			fmt.Printf("server reads %q\n", buf[:n])
			conns[1].Close(now)
		}
	}
	fmt.Println(conns[0].State(), conns[1].State())
	// Output:
	// 0s     client <SEQ=100><CTL=SYN><WND=65535><MSS=1460><LEN=0> ""
	// 10ms   server <SEQ=300><ACK=101><CTL=SYN,ACK><WND=65535><MSS=1460><LEN=0> ""
	// 20ms   client <SEQ=101><ACK=301><CTL=ACK><WND=65535><LEN=0> ""
	// 20ms   client <SEQ=101><ACK=301><CTL=PSH,ACK><WND=65535><LEN=5> "hello"
	// 20ms   client <SEQ=106><ACK=301><CTL=FIN,ACK><WND=65535><LEN=0> ""
	// 30ms   server <SEQ=301><ACK=106><CTL=ACK><WND=65530><LEN=0> ""
	// 30ms   server <SEQ=301><ACK=107><CTL=ACK><WND=65529><LEN=0> ""
	// server reads "hello"
	// 30ms   server <SEQ=301><ACK=107><CTL=FIN,ACK><WND=65529><LEN=0> ""
	// 40ms   client <SEQ=107><ACK=302><CTL=ACK><WND=65534><LEN=0> ""
	// TIME-WAIT CLOSED
}
