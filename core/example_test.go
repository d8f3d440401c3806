package core_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"socketlab/core"
)

// clock is a fixed time, so that the examples' output is deterministic.
func clock() time.Time { return time.Date(2026, time.November, 21, 11, 10, 46, 0, time.UTC) }

// The textbook's TCP timestamp server and client: every chunk the client
// sends comes back as "[ctime] chunk".
func ExampleTimestampServer() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &core.TimestampServer{Now: clock}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	var client core.TimestampClient
	conn, err := client.Dial(ctx, "tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	for _, msg := range []string{"hello", "5"} {
		reply, err := conn.Exchange(ctx, []byte(msg))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s\n", reply)
	}
	// Output:
	// [Sat Nov 21 11:10:46 2026] hello
	// [Sat Nov 21 11:10:46 2026] 5
}

// The SocketServer variant reads one line per connection; its client
// connects anew for every message and sends it with "\r\n".
func ExampleLineTimestampServer() {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &core.LineTimestampServer{Now: clock}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	var client core.LineTimestampClient
	reply, err := client.Exchange(context.Background(), "tcp", l.Addr().String(), []byte("fds"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", reply)
	// Output:
	// "[Sat Nov 21 11:10:46 2026] fds\r\n"
}

// The UDP timestamp server answers each datagram with one datagram.
func ExampleUDPTimestampServer() {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &core.UDPTimestampServer{Now: clock}
	go srv.ServePacket(pc)
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	var client core.UDPClient
	conn, err := client.Dial(ctx, "udp", pc.LocalAddr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	reply, err := conn.Exchange(ctx, []byte("fds"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n", reply)
	// Output:
	// [Sat Nov 21 11:10:46 2026] fds
}

// A UDP client cannot tell a lost datagram from a silent server: it gives
// up after its Timeout with a socket.timeout error.
func ExampleUDPClient_timeout() {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0") // reads nothing, answers nothing
	if err != nil {
		fmt.Println(err)
		return
	}
	defer silent.Close()

	ctx := context.Background()
	client := core.UDPClient{Timeout: 50 * time.Millisecond}
	conn, err := client.Dial(ctx, "udp", silent.LocalAddr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	_, err = conn.Exchange(ctx, []byte("anyone?"))
	var ce *core.Error
	if errors.As(err, &ce) {
		fmt.Println(ce.Phase, ce.Class, ce.Timeout())
	}
	// Output:
	// receive socket.timeout true
}

// Address strings are checked before anything is sent or resolved.
func ExampleCheckHostPort() {
	for _, addr := range []string{"[::1]:21567", "::1:21567", "localhost", "127.0.0.1:70000"} {
		fmt.Println(addr, "→", core.CheckHostPort(addr))
	}
	// Output:
	// [::1]:21567 → <nil>
	// ::1:21567 → parse address "::1:21567": an IPv6 address needs brackets: [ADDR]:PORT, e.g. [::1]:21567 [socket.gaierror]
	// localhost → parse address "localhost": missing port; write HOST:PORT, e.g. localhost:21567 [socket.gaierror]
	// 127.0.0.1:70000 → parse address "127.0.0.1:70000": port 70000 is out of range 0-65535 [socket.gaierror]
}

// The UDP echo server sends every datagram back, byte for byte.
func ExampleUDPEchoServer() {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	var srv core.UDPEchoServer
	go srv.ServePacket(pc)
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	var client core.UDPClient
	conn, err := client.Dial(ctx, "udp", pc.LocalAddr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	reply, _ := conn.Exchange(ctx, []byte{0, 'h', 'i', 0xff})
	fmt.Printf("%q\n", reply)
	// Output:
	// "\x00hi\xff"
}
