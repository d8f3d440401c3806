package core

import (
	"bytes"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// flakyPacketConn fails its first ReadFrom and its first WriteTo, the way
// a socket reports a transient error (ICMP feedback, ENOBUFS).
type flakyPacketConn struct {
	net.PacketConn
	readFails, writeFails atomic.Int32
}

var errInjected = errors.New("injected failure")

func (f *flakyPacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	if f.readFails.Add(-1) >= 0 {
		return 0, nil, &net.OpError{Op: "read", Net: "udp", Err: errInjected}
	}
	return f.PacketConn.ReadFrom(b)
}

func (f *flakyPacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if f.writeFails.Add(-1) >= 0 {
		return 0, &net.OpError{Op: "write", Net: "udp", Err: errInjected}
	}
	return f.PacketConn.WriteTo(b, addr)
}

func TestUDPEchoServer(t *testing.T) {
	for _, network := range []string{"udp4", "udp6"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			log := newLog()
			addr := servePacket(t, &UDPEchoServer{Trace: log.echoTracer()}, network)
			u := dialUDP(t, ctx, UDPClient{BufSize: 65536}, addr)
			for _, msg := range [][]byte{[]byte("hello"), {0, 0xff, 0, '\n'}, bytes.Repeat([]byte{0xab}, 8192)} {
				got, err := u.Exchange(ctx, msg)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("echo of %d bytes: got %d bytes, %v", len(msg), len(got), err)
				}
			}
			want := "got 5 bytes from " + u.LocalAddr().String()
			if line := log.waitFor(t, ctx, "got 5 bytes"); line != want {
				t.Fatalf("log %q, want %q", line, want)
			}
		})
	}
}

// TestUDPEchoServerSurvivesBadDatagrams: an empty datagram, an oversize
// one, a reply to a socket that is gone, and an injected read and write
// failure are each logged, and the next datagram is echoed.
func TestUDPEchoServerSurvivesBadDatagrams(t *testing.T) {
	ctx := testCtx(t)
	log := newLog()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyPacketConn{PacketConn: pc}
	flaky.readFails.Store(1)
	srv := &UDPEchoServer{Trace: log.echoTracer()}
	addr := servePacketOn(t, srv, flaky)
	log.waitFor(t, ctx, ": injected failure [socket.error]; serving on in 5ms")

	u := dialUDP(t, ctx, UDPClient{BufSize: 65536, Timeout: 5 * time.Second}, addr)
	// The first reply fails to send: the client hears nothing, the server goes on.
	// The injected failure makes that certain, so a short timeout is no race.
	flaky.writeFails.Store(1)
	lost := dialUDP(t, ctx, UDPClient{Timeout: 100 * time.Millisecond}, addr)
	_, err = lost.Exchange(ctx, []byte("lost"))
	var ce *Error
	if want := "receive " + addr + ": no reply within 100ms (UDP cannot tell a lost datagram from a silent server): i/o timeout [socket.timeout]"; !errors.As(err, &ce) || !ce.Timeout() || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	log.waitFor(t, ctx, "reply "+lost.LocalAddr().String()+": injected failure [socket.error]; serving on")

	// Empty datagram: echoed as an empty datagram.
	if got, err := u.Exchange(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty datagram: %q, %v", got, err)
	}
	// Oversize: cut to 8192 bytes like recvfrom(8192).
	big := bytes.Repeat([]byte("0123456789"), 6000)
	if got, err := u.Exchange(ctx, big); err != nil || !bytes.Equal(got, big[:EchoBufSize]) {
		t.Fatalf("60000-byte datagram: %d bytes back, %v", len(got), err)
	}
	log.waitFor(t, ctx, "cut to 8192 bytes, as recvfrom(8192) does")
	// A client that vanished before its echo came back.
	gone, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	gone.Write([]byte("bye"))
	gone.Close()

	if got, err := u.Exchange(ctx, []byte("still here")); err != nil || string(got) != "still here" {
		t.Fatalf("after bad datagrams: %q, %v", got, err)
	}
	if n := srv.srv.datagrams.Load(); n < 3 {
		t.Fatalf("%d datagrams answered", n)
	}
}
