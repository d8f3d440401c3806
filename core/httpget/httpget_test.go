package httpget_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"socketlab/core"
	"socketlab/core/httpget"
	"socketlab/core/lookup/dnstest"
	"socketlab/core/services"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rawServer accepts one connection and runs handle on it; the test fails
// if handle reports an error. It returns the port.
func rawServer(t *testing.T, handle func(c *net.TCPConn) error) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		l.Close()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second)) // never hang the test
		done <- handle(c.(*net.TCPConn))
	}()
	t.Cleanup(func() {
		l.Close()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// expectRequest reads until EOF — which only arrives if the client
// half-closed — and checks the bytes.
func expectRequest(c *net.TCPConn, want string) error {
	got, err := io.ReadAll(c)
	if err != nil {
		return fmt.Errorf("reading the request until EOF (did the client half-close?): %w", err)
	}
	if string(got) != want {
		return fmt.Errorf("request = %q, want %q", got, want)
	}
	return nil
}

func TestRequest(t *testing.T) {
	if got, want := httpget.Request("/index.html", ""), "GET /index.html HTTP/1.0\r\n\r\n"; got != want {
		t.Errorf("Request = %q, want %q", got, want)
	}
	if got, want := httpget.Request("/", "example.test:8080"), "GET / HTTP/1.0\r\nHost: example.test:8080\r\n\r\n"; got != want {
		t.Errorf("Request with host = %q, want %q", got, want)
	}
}

func TestGetHalfCloses(t *testing.T) {
	const resp = "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
	port := rawServer(t, func(c *net.TCPConn) error {
		if err := expectRequest(c, "GET /hello.txt HTTP/1.0\r\n\r\n"); err != nil {
			return err
		}
		_, err := io.WriteString(c, resp)
		return err
	})
	var out, log bytes.Buffer
	cl := &httpget.Client{Log: &log}
	res, err := cl.Get(ctxT(t), &out, "127.0.0.1", port, "/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != resp {
		t.Errorf("output = %q, want %q", out.String(), resp)
	}
	if res.Status != "HTTP/1.0 200 OK" || res.ContentLength != 6 || res.BodyBytes != 6 || res.Received != int64(len(resp)) {
		t.Errorf("result = %+v", res)
	}
	for _, step := range []string{"connected from 127.0.0.1:", "sent 27 bytes", "shut down the sending side (FIN sent)", fmt.Sprintf("received %d bytes", len(resp))} {
		if !strings.Contains(log.String(), step) {
			t.Errorf("log lacks %q:\n%s", step, log.String())
		}
	}
}

func TestGetHostHeader(t *testing.T) {
	port := rawServer(t, func(c *net.TCPConn) error {
		if err := expectRequest(c, "GET / HTTP/1.0\r\nHost: "+c.LocalAddr().String()+"\r\n\r\n"); err != nil {
			return err
		}
		_, err := io.WriteString(c, "HTTP/1.0 204 No Content\r\nContent-Length: 10\r\n\r\n")
		return err
	})
	cl := &httpget.Client{HostHeader: true}
	if _, err := cl.Get(ctxT(t), io.Discard, "127.0.0.1", port, "/"); err != nil {
		t.Fatal(err) // 204 has no body whatever Content-Length says
	}
}

// The port can be a service name, looked up in the table the client has.
func TestGetPortByServiceName(t *testing.T) {
	port := rawServer(t, func(c *net.TCPConn) error {
		if err := expectRequest(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
			return err
		}
		_, err := io.WriteString(c, "not HTTP at all")
		return err
	})
	tab, err := services.Parse(strings.NewReader("classweb " + port + "/tcp\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := (&httpget.Client{Services: tab}).Get(ctxT(t), &out, "localhost", "classweb", "/")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "not HTTP at all" || res.Status != "" || fmt.Sprint(res.Port) != port {
		t.Errorf("output %q, result %+v", out.String(), res)
	}
}

// A real HTTP server, Go's own, answers the textbook's request.
func TestGetFromNetHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s\n", r.Method, r.URL.Path, r.Proto)
	}))
	defer srv.Close()
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	var out bytes.Buffer
	res, err := (&httpget.Client{}).Get(ctxT(t), &out, host, port, "/textbook")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "HTTP/1.0 200 OK" || !strings.HasSuffix(out.String(), "\r\n\r\nGET /textbook HTTP/1.0\n") {
		t.Errorf("status %q, output %q", res.Status, out.String())
	}
}

func wantPhase(t *testing.T, err error, phase string, class core.Class, text string) {
	t.Helper()
	var ce *core.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v is not a *core.Error", err, err)
	}
	if ce.Phase != phase || ce.Class != class || !strings.Contains(err.Error(), text) {
		t.Errorf("error = %q (phase %q, %v); want phase %q, %v, containing %q", err, ce.Phase, ce.Class, phase, class, text)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q is not one line", err)
	}
}

func TestUnknownService(t *testing.T) {
	_, err := (&httpget.Client{Services: services.BuiltInTable()}).Get(ctxT(t), io.Discard, "127.0.0.1", "nosuchservice", "/")
	wantPhase(t, err, httpget.PhaseLookupPort, core.ClassSocket, `look up port nosuchservice: service "nosuchservice"/tcp not found in built-in table [socket.error]`)
	if !errors.Is(err, services.ErrNotFound) {
		t.Error("error does not wrap services.ErrNotFound")
	}
	_, err = (&httpget.Client{}).Get(ctxT(t), io.Discard, "127.0.0.1", "70000", "/")
	wantPhase(t, err, httpget.PhaseLookupPort, core.ClassSocket, "not a number from 0 to 65535")
}

func TestUnknownHost(t *testing.T) {
	dns, err := dnstest.NewServer(dnstest.Zone...)
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	cl := &httpget.Client{Resolver: dns.Resolver(false)}
	_, err = cl.Get(ctxT(t), io.Discard, "nosuch.example.test.", "80", "/")
	wantPhase(t, err, httpget.PhaseLookupAddr, core.ClassAddress, "no such host [socket.gaierror]")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("error does not wrap a not-found *net.DNSError: %v", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	_, port, _ := net.SplitHostPort(addr)
	_, err = (&httpget.Client{}).Get(ctxT(t), io.Discard, "127.0.0.1", port, "/")
	wantPhase(t, err, httpget.PhaseConnect, core.ClassSocket, "connect "+addr+": connection refused [socket.error]")
}

func TestTruncatedResponse(t *testing.T) {
	const partial = "HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."
	port := rawServer(t, func(c *net.TCPConn) error {
		if err := expectRequest(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
			return err
		}
		_, err := io.WriteString(c, partial)
		return err // then close: an orderly FIN, but too early
	})
	var out bytes.Buffer
	_, err := (&httpget.Client{}).Get(ctxT(t), &out, "127.0.0.1", port, "/")
	wantPhase(t, err, httpget.PhaseReceive, core.ClassSocket, "connection closed after 10 of 100 body bytes (Content-Length): unexpected EOF")
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Error("error does not wrap io.ErrUnexpectedEOF")
	}
	if out.String() != partial {
		t.Errorf("output = %q; what arrived must still be written", out.String())
	}
}

func TestClosedInHead(t *testing.T) {
	port := rawServer(t, func(c *net.TCPConn) error {
		if err := expectRequest(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
			return err
		}
		_, err := io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-")
		return err
	})
	_, err := (&httpget.Client{}).Get(ctxT(t), io.Discard, "127.0.0.1", port, "/")
	wantPhase(t, err, httpget.PhaseReceive, core.ClassSocket, "connection closed in the middle of the response head (25 bytes)")
}

func TestNoResponse(t *testing.T) {
	port := rawServer(t, func(c *net.TCPConn) error { return expectRequest(c, "GET / HTTP/1.0\r\n\r\n") })
	_, err := (&httpget.Client{}).Get(ctxT(t), io.Discard, "127.0.0.1", port, "/")
	wantPhase(t, err, httpget.PhaseReceive, core.ClassSocket, "the server closed the connection without sending a response")
}

// A peer that aborts (RST) mid-response: the read fails with a reset.
func TestPeerResetsMidResponse(t *testing.T) {
	port := rawServer(t, func(c *net.TCPConn) error {
		if err := expectRequest(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
			return err
		}
		if _, err := io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\npart"); err != nil {
			return err
		}
		return c.SetLinger(0) // Close now sends RST instead of FIN
	})
	_, err := (&httpget.Client{}).Get(ctxT(t), io.Discard, "127.0.0.1", port, "/")
	wantPhase(t, err, httpget.PhaseReceive, core.ClassSocket, "connection reset by peer [socket.error]")
}

func TestReceiveTimeout(t *testing.T) {
	release := make(chan struct{})
	port := rawServer(t, func(c *net.TCPConn) error {
		<-release // read nothing, answer nothing
		return nil
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := (&httpget.Client{}).Get(ctx, io.Discard, "127.0.0.1", port, "/")
	wantPhase(t, err, httpget.PhaseReceive, core.ClassTimeout, "i/o timeout [socket.timeout]")
}

func TestCancelDuringPause(t *testing.T) {
	release := make(chan struct{})
	port := rawServer(t, func(c *net.TCPConn) error { <-release; return nil })
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := (&httpget.Client{Pause: time.Minute}).Get(ctx, io.Discard, "127.0.0.1", port, "/")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestOutputError(t *testing.T) {
	port := rawServer(t, func(c *net.TCPConn) error {
		if err := expectRequest(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
			return err
		}
		io.WriteString(c, "HTTP/1.0 200 OK\r\n\r\nx")
		return nil
	})
	_, err := (&httpget.Client{}).Get(ctxT(t), failWriter{}, "127.0.0.1", port, "/")
	wantPhase(t, err, httpget.PhaseOutput, core.ClassSocket, "write output: disk full")
}

// BenchmarkGet measures one whole textbook exchange on loopback: connect,
// send, half-close, read to EOF — a new connection each time.
func BenchmarkGet(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			io.Copy(io.Discard, c) // until the client's FIN
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
			c.Close()
		}
	}()
	defer func() { l.Close(); <-done }()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	cl := &httpget.Client{}
	for b.Loop() {
		if _, err := cl.Get(context.Background(), io.Discard, "127.0.0.1", port, "/"); err != nil {
			b.Fatal(err)
		}
	}
}
