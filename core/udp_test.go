package core

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// packetServer is what the datagram servers share, for the helper below.
type packetServerAPI interface {
	ServePacket(net.PacketConn) error
	Shutdown(context.Context) error
}

// servePacket runs srv on a loopback socket and stops it at test end.
func servePacket(t *testing.T, srv packetServerAPI, network string) string {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "udp6" {
		addr = "[::1]:0"
	}
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	return servePacketOn(t, srv, pc)
}

func servePacketOn(t *testing.T, srv packetServerAPI, pc net.PacketConn) string {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- srv.ServePacket(pc) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-errc; !errors.Is(err, ErrServerClosed) {
			t.Errorf("ServePacket returned %v, want ErrServerClosed", err)
		}
	})
	return pc.LocalAddr().String()
}

func dialUDP(t *testing.T, ctx context.Context, c UDPClient, addr string) *UDPClientConn {
	t.Helper()
	u, err := c.Dial(ctx, "udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

func TestUDPTimestampServerExactBytes(t *testing.T) {
	for _, network := range []string{"udp4", "udp6"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			log := newLog()
			addr := servePacket(t, &UDPTimestampServer{Now: fixedNow, Trace: log.tracer()}, network)
			u := dialUDP(t, ctx, UDPClient{BufSize: 2048}, addr)
			for _, msg := range []string{"fds", "", "\x00\xff binary \x00", strings.Repeat("z", 1024)} {
				got, err := u.Exchange(ctx, []byte(msg))
				if err != nil {
					t.Fatal(err)
				}
				if want := stamp + msg; string(got) != want {
					t.Errorf("reply to %.20q = %.40q, want %.40q", msg, got, want)
				}
			}
			// recvfrom(1024): a longer datagram is cut, and the cut is logged.
			got, err := u.Exchange(ctx, bytes.Repeat([]byte("y"), 1500))
			if err != nil {
				t.Fatal(err)
			}
			if want := stamp + strings.Repeat("y", 1024); string(got) != want {
				t.Errorf("1500-byte datagram: got %d bytes, want %d", len(got), len(want))
			}
			want := "datagram from " + u.LocalAddr().String() + " cut to 1024 bytes, as recvfrom(1024) does"
			if line := log.waitFor(t, ctx, "cut to"); line != want {
				t.Errorf("log %q, want %q", line, want)
			}
			log.waitFor(t, ctx, "...received from and returned to "+u.LocalAddr().String())
		})
	}
}

// TestUDPClientTimeout: a socket that never answers makes the client give
// up after its Timeout with one ClassTimeout line.
func TestUDPClientTimeout(t *testing.T) {
	ctx := testCtx(t)
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	addr := silent.LocalAddr().String()
	u := dialUDP(t, ctx, UDPClient{Timeout: 150 * time.Millisecond}, addr)
	_, err = u.Exchange(ctx, []byte("anyone?"))
	want := "receive " + addr + ": no reply within 150ms (UDP cannot tell a lost datagram from a silent server): i/o timeout [socket.timeout]"
	var ce *Error
	if err == nil || err.Error() != want || !errors.As(err, &ce) || ce.Class != ClassTimeout {
		t.Fatalf("got %v, want %s", err, want)
	}
	// The datagram did arrive: UDP delivered it, nobody answered.
	buf := make([]byte, 16)
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := silent.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "anyone?" {
		t.Fatalf("silent socket read %q, %v", buf[:n], err)
	}
}

func TestUDPClientDefaultTimeoutAndContext(t *testing.T) {
	ctx := testCtx(t)
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	u := dialUDP(t, ctx, UDPClient{}, silent.LocalAddr().String())
	if u.timeout != DefaultUDPTimeout {
		t.Fatalf("default timeout %v", u.timeout)
	}
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(30*time.Millisecond, cancel)
	if _, err := u.Exchange(cctx, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestUDPClientRefused: a connected UDP socket learns from ICMP "port
// unreachable" that nothing listens, where the textbook's unconnected
// socket would wait forever.
func TestUDPClientRefused(t *testing.T) {
	ctx := testCtx(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	u := dialUDP(t, ctx, UDPClient{Timeout: 5 * time.Second}, addr)
	_, err = u.Exchange(ctx, []byte("x"))
	if want := "receive " + addr + ": connection refused [socket.error]"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestUDPClientInvalidAddress(t *testing.T) {
	var c UDPClient
	_, err := c.Dial(testCtx(t), "udp", "127.0.0.1")
	if want := `parse address "127.0.0.1": missing port; write HOST:PORT, e.g. 127.0.0.1:21567 [socket.gaierror]`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestUDPTimestampServerListenAndServe(t *testing.T) {
	log := newLog()
	srv := &UDPTimestampServer{Now: fixedNow, Trace: log.tracer()}
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, "udp", "[::1]:0") }()
	line := log.waitFor(t, testCtx(t), "listening on")
	if !strings.HasPrefix(line, "udp timestamp server listening on udp [::1]:") {
		t.Fatalf("log %q", line)
	}
	u := dialUDP(t, testCtx(t), UDPClient{}, line[strings.LastIndex(line, " ")+1:])
	if got, err := u.Exchange(testCtx(t), []byte("v6")); err != nil || string(got) != stamp+"v6" {
		t.Fatalf("got %q, %v", got, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe after cancel: %v", err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ServePacket(pc); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("ServePacket after shutdown: %v", err)
	}
}

// failingPacketConn fails every read with an error that is not
// net.ErrClosed, like a socket stuck in an error state: the server backs
// off between tries.
type failingPacketConn struct{ net.PacketConn }

func (failingPacketConn) ReadFrom([]byte) (int, net.Addr, error) {
	return 0, nil, &net.OpError{Op: "read", Net: "udp", Err: errInjected}
}

// TestPacketServerBackoffWakesOnStop: Shutdown and Close end the error
// back-off at once instead of sleeping it out (up to a second).
func TestPacketServerBackoffWakesOnStop(t *testing.T) {
	for _, tc := range []struct {
		name string
		srv  interface {
			packetServerAPI
			Close() error
		}
		log   *logLines
		close bool
	}{
		{"echo Shutdown", &UDPEchoServer{}, newLog(), false},
		{"timestamp Close", &UDPTimestampServer{}, newLog(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			switch s := tc.srv.(type) {
			case *UDPEchoServer:
				s.Trace = tc.log.echoTracer()
			case *UDPTimestampServer:
				s.Trace = tc.log.tracer()
			}
			pc, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() { errc <- tc.srv.ServePacket(failingPacketConn{pc}) }()
			// 5+10+…+320ms of back-off have passed; now it sleeps 640ms.
			tc.log.waitFor(t, testCtx(t), ": injected failure [socket.error]; serving on in 640ms")
			const prompt = 200 * time.Millisecond
			start := time.Now()
			if tc.close {
				tc.srv.Close()
			} else if err := tc.srv.Shutdown(testCtx(t)); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			select {
			case err := <-errc:
				if !errors.Is(err, ErrServerClosed) {
					t.Fatalf("ServePacket: %v, want ErrServerClosed", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("ServePacket did not return")
			}
			if el := time.Since(start); el > prompt {
				t.Fatalf("stopped after %v in a 640ms back-off, want within %v", el.Round(time.Millisecond), prompt)
			}
		})
	}
}
