//go:build linux

package netns

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// nsID is the calling thread's network namespace, as the kernel names it.
func nsID(t *testing.T) string {
	t.Helper()
	id, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDoRunsInsideAndRestores(t *testing.T) {
	n := fresh(t)
	t.Parallel()
	var inside string
	var ifaces []net.Interface
	var l net.Listener
	err := n.Do(func() error {
		inside = nsID(t)
		var err error
		if ifaces, err = net.Interfaces(); err != nil {
			return err
		}
		l, err = net.Listen("tcp", "127.0.0.1:0")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if len(ifaces) != 1 || ifaces[0].Name != "lo" || ifaces[0].Flags&net.FlagUp == 0 {
		t.Errorf("a fresh namespace has lo up and nothing else: %v", ifaces)
	}
	if out := nsID(t); out == inside {
		t.Errorf("the test's goroutine runs in the rig's namespace %s", inside)
	}
	// The listener stays in the namespace: the machine's loopback does not
	// reach it, a socket made inside does.
	if c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Errorf("the machine's loopback reached the namespace's listener at %s", l.Addr())
	}
	err = n.Do(func() error {
		c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	if err != nil {
		t.Errorf("inside: %v", err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Do(func() error { return nil }); err == nil || !strings.HasSuffix(err.Error(), ": closed") {
		t.Errorf("Do after Close: %v", err)
	}
}

// Drop counts the matching packets from 1: the 2nd and 4th of five
// datagrams are lost, the others arrive in order.
func TestDropNth(t *testing.T) {
	n := fresh(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Drop(ctx, []string{"-p", "udp", "--dport", "9"}, 2, 4); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := n.Do(func() error {
		r, err := net.ListenPacket("udp", "127.0.0.1:9")
		if err != nil {
			return err
		}
		defer r.Close()
		s, err := net.Dial("udp", "127.0.0.1:9")
		if err != nil {
			return err
		}
		defer s.Close()
		for _, m := range []string{"1", "2", "3", "4", "5"} {
			if _, err := s.Write([]byte(m)); err != nil {
				return err
			}
		}
		r.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		buf := make([]byte, 16)
		for {
			k, _, err := r.ReadFrom(buf)
			if err != nil {
				return nil // the deadline: everything that came has been read
			}
			got = append(got, string(buf[:k]))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "1 3 5" {
		t.Errorf("received %q, want 1 3 5", got)
	}
	if err := n.Drop(ctx, []string{"-p", "udp"}, 3, 2); err == nil || !strings.Contains(err.Error(), "ascending, not [3 2]") {
		t.Errorf("Drop(3, 2): %v", err)
	}
}

func TestMTUAndCongestion(t *testing.T) {
	n := fresh(t)
	t.Parallel()
	if err := n.SetMTU("lo", 1500); err != nil {
		t.Fatal(err)
	}
	if err := n.NoOffload("lo"); err != nil {
		t.Fatal(err)
	}
	err := n.Do(func() error {
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			return err
		}
		if lo.MTU != 1500 {
			t.Errorf("lo's MTU is %d, want 1500", lo.MTU)
		}
		lc := net.ListenConfig{Control: Control("reno")}
		l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		rc, _ := l.(*net.TCPListener).SyscallConn()
		var algo string
		rc.Control(func(fd uintptr) { algo, err = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION) })
		if algo != "reno" {
			t.Errorf("TCP_CONGESTION is %q (%v), want reno", algo, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.NoOffload("nosuch0"); err == nil || !strings.Contains(err.Error(), "nosuch0") {
		t.Errorf("NoOffload(nosuch0): %v", err)
	}
	lc := net.ListenConfig{Control: Control("nosuch")}
	if _, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), `TCP_CONGESTION "nosuch"`) {
		t.Errorf("Control(nosuch): %v", err)
	}
}

// A Link's round trip is twice its delay: a TCP connect takes one.
func TestLinkDelays(t *testing.T) {
	fresh(t) // skips without root
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const delay = 15 * time.Millisecond
	l, err := NewLink(ctx, "netns-test", delay)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var ln net.Listener
	if err := l.Server.Do(func() (err error) {
		ln, err = net.Listen("tcp", ServerAddr.String()+":80")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	var rtts []time.Duration
	err = l.Client.Do(func() error {
		for range 3 { // the first waits for ARP too
			start := time.Now()
			c, err := net.DialTimeout("tcp", ServerAddr.String()+":80", 5*time.Second)
			if err != nil {
				return err
			}
			rtts = append(rtts, time.Since(start))
			c.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rtt := range rtts[1:] {
		if rtt < 2*delay || rtt > 2*delay+20*time.Millisecond {
			t.Errorf("connect took %v, want 2 × %v and a little", rtt, delay)
		}
	}
	// The server's namespace is not the client's: its address is not
	// local there.
	if err := l.Client.Do(func() error {
		_, err := net.Listen("tcp", ServerAddr.String()+":0")
		return err
	}); err == nil {
		t.Error("the client's namespace has the server's address")
	}
}
