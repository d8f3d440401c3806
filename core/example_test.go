package core_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"socketlab/core"
	"socketlab/sim/trace"
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

// A server has no log besides its trace events: a ServerLog renders them
// as the lines the command line prints. Serve a server with
// Trace: core.Tracer{Sink: log, StatEvery: -1} (or a Sink that fans out
// to the log and a trace file); here the events are written out.
func ExampleServerLog() {
	log := &core.ServerLog{Line: func(line string) { fmt.Println(line) }}
	peer := netip.MustParseAddrPort("127.0.0.1:40000")
	for _, e := range []trace.Event{
		{Kind: trace.KindApp, Node: core.NodeServer, Op: trace.OpAccept, Remote: peer},
		{Kind: trace.KindApp, Node: core.NodeServer, Op: trace.OpRead, Remote: peer, N: 5, Text: "hello"}, // no line
		{Kind: trace.KindApp, Node: core.NodeServer, Op: trace.OpClose, Remote: peer, Text: "client closed the connection"},
		{Kind: trace.KindNote, Node: core.NodeServer, Text: "shutting down: interrupt"},
	} {
		log.Emit(&e)
	}
	// Output:
	// ...connected from 127.0.0.1:40000
	// ...closed 127.0.0.1:40000: client closed the connection
	// shutting down: interrupt
}
