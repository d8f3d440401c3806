package info_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"socketlab/core"
	"socketlab/core/info"
	"socketlab/core/lookup/dnstest"
	"socketlab/core/services"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// listen returns a loopback listener that accepts and closes connections.
func listen(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l
}

func TestRunByServiceName(t *testing.T) {
	l := listen(t, "tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	// The test's own service table maps "http" to the test server's port.
	tab, err := services.Parse(strings.NewReader(fmt.Sprintf("http %d/tcp www\n", port)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := (&info.Client{Services: tab}).Run(ctxT(t), &out, "localhost", "http")
	if err != nil {
		t.Fatal(err)
	}
	if res.Port != port || res.Peer.String() != l.Addr().String() || !res.Local.Addr().IsLoopback() || res.Local.Port() == 0 {
		t.Fatalf("result = %+v", res)
	}
	// The local port is the kernel's choice, so the expected text is built
	// from the result; every other byte is fixed.
	want := fmt.Sprintf("Creating socket... done.\nLooking up port number... done.\n"+
		"Connecting to remote host on port %d... done.\nConnected from %s\nConnected to 127.0.0.1:%d\n",
		port, res.Local, port)
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunIPv6(t *testing.T) {
	l := listen(t, "tcp", "[::1]:0")
	port := l.Addr().(*net.TCPAddr).Port
	var out bytes.Buffer
	res, err := (&info.Client{}).Run(ctxT(t), &out, "::1", fmt.Sprint(port))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), fmt.Sprintf("Connected to [::1]:%d\n", port)) || !res.Local.Addr().Is6() {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestRunThroughResolver(t *testing.T) {
	dns, err := dnstest.NewServer("class.example.test. 60 IN A 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	l := listen(t, "tcp", "127.0.0.1:0")
	port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	cl := &info.Client{Resolver: dns.Resolver(false)}
	var out bytes.Buffer
	if _, err := cl.Run(ctxT(t), &out, "class.example.test", port); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Connected to 127.0.0.1:"+port+"\n") {
		t.Errorf("output:\n%s", out.String())
	}
	out.Reset()
	_, err = cl.Run(ctxT(t), &out, "nosuch.example.test.", port)
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Phase != info.PhaseLookupAddr || ce.Class != core.ClassAddress {
		t.Errorf("unknown host: %v", err)
	}
	if !strings.HasSuffix(out.String(), "Connecting to remote host on port "+port+"... failed.\n") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestRunErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	for _, c := range []struct {
		service, phase, msg, out string
	}{
		{"nosuch", info.PhaseLookupPort, `look up port nosuch: service "nosuch"/tcp not found in built-in table [socket.error]`,
			"Creating socket... done.\nLooking up port number... failed.\n"},
		{refused, info.PhaseConnect, "connect 127.0.0.1:" + refused + ": connection refused [socket.error]",
			"Creating socket... done.\nLooking up port number... done.\nConnecting to remote host on port " + refused + "... failed.\n"},
	} {
		var out bytes.Buffer
		_, err := (&info.Client{Services: services.BuiltInTable()}).Run(ctxT(t), &out, "127.0.0.1", c.service)
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Phase != c.phase || err.Error() != c.msg {
			t.Errorf("Run(%s) error = %v, want %q", c.service, err, c.msg)
		}
		if out.String() != c.out {
			t.Errorf("Run(%s) output %q, want %q", c.service, out.String(), c.out)
		}
	}
}
