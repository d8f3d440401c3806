package core

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rawLine sends data on a fresh connection, half-closes if asked, and
// returns everything the server sends until it closes.
func rawLine(t *testing.T, addr, data string, halfClose bool) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, data); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		c.(*net.TCPConn).CloseWrite()
	}
	got, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatal(err)
	}
	return string(got)
}

func TestLineTimestampServerExactBytes(t *testing.T) {
	addr := serveStream(t, &LineTimestampServer{Now: fixedNow, MaxLine: 32}, "tcp")
	for _, tc := range []struct {
		name, send string
		halfClose  bool
		want       string
	}{
		{"CRLF line as tsTclntSS.py sends it", "hello\r\n", false, stamp + "hello\r\n"},
		{"LF line", "hello\n", false, stamp + "hello\n"},
		{"only the first line is answered", "one\ntwo\n", false, stamp + "one\n"},
		{"no newline before EOF", "partial", true, stamp + "partial"},
		{"nothing before EOF", "", true, stamp},
		{"binary", "\x00\xff\x00\r\n", false, stamp + "\x00\xff\x00\r\n"},
		{"line longer than MaxLine: closed without reply", strings.Repeat("x", 40) + "\n", false, ""},
		{"exactly MaxLine", strings.Repeat("y", 31) + "\n", false, stamp + strings.Repeat("y", 31) + "\n"},
	} {
		if got := rawLine(t, addr, tc.send, tc.halfClose); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestReadLineMax(t *testing.T) {
	for _, tc := range []struct {
		in      string
		limit   int
		want    string
		wantErr error
	}{
		{"abc\ndef", 10, "abc\n", nil},
		{"abc", 10, "abc", io.EOF},
		{"", 10, "", io.EOF},
		{strings.Repeat("a", 5000) + "\n", 6000, strings.Repeat("a", 5000) + "\n", nil},
		{strings.Repeat("a", 5000) + "\n", 4999, "", errLineTooLong},
		{"abcd\n", 4, "", errLineTooLong},
	} {
		got, err := readLineMax(bufio.NewReaderSize(strings.NewReader(tc.in), 16), tc.limit)
		if string(got) != tc.want || !errors.Is(err, tc.wantErr) {
			t.Errorf("readLineMax(%.10q, %d) = %.10q, %v; want %.10q, %v", tc.in, tc.limit, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestLineTimestampClient(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			ctx := testCtx(t)
			log := newLog()
			addr := serveStream(t, &LineTimestampServer{Now: fixedNow, Trace: log.tracer()}, network)
			c := LineTimestampClient{Timeout: 10 * time.Second}
			for _, msg := range []string{"fds", "fsdfsdfsd"} {
				got, err := c.Exchange(ctx, "tcp", addr, []byte(msg))
				if err != nil {
					t.Fatal(err)
				}
				if want := stamp + msg + "\r\n"; string(got) != want {
					t.Fatalf("got %q, want %q", got, want)
				}
			}
			// A new connection for every message, as the textbook says.
			log.waitFor(t, ctx, ": answered") // "...closed [::1]:5555: answered"
			n := 0
			for _, l := range log.snapshot() {
				if strings.HasPrefix(l, "...connected from") {
					n++
				}
			}
			if n != 2 {
				t.Fatalf("%d connections for 2 messages:\n%s", n, strings.Join(log.snapshot(), "\n"))
			}
		})
	}
}

func TestLineTimestampServerIdleAndIterative(t *testing.T) {
	ctx := testCtx(t)
	log := newLog()
	srv := &LineTimestampServer{Now: fixedNow, Iterative: true, IdleTimeout: 100 * time.Millisecond, Trace: log.tracer()}
	addr := serveStream(t, srv, "tcp")
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	// The iterative server is stuck on the silent client until its idle
	// timeout; the next client is served after that.
	c := LineTimestampClient{Timeout: 10 * time.Second}
	got, err := c.Exchange(ctx, "tcp", addr, []byte("next"))
	if err != nil || string(got) != stamp+"next\r\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	if i := log.index("...closed " + silent.LocalAddr().String() + ": idle for 100ms"); i < 0 {
		t.Fatalf("silent client not closed as idle:\n%s", strings.Join(log.snapshot(), "\n"))
	}
	if n, _ := silent.Read(make([]byte, 1)); n != 0 {
		t.Fatal("the idle client got a reply")
	}
}

func TestLineTimestampClientErrors(t *testing.T) {
	ctx := testCtx(t)
	var c LineTimestampClient
	addr := freePort(t, "tcp")
	_, err := c.Exchange(ctx, "tcp", addr, []byte("x"))
	if want := "connect " + addr + ": connection refused [socket.error]"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	_, err = c.Exchange(ctx, "tcp", "[::1]", []byte("x"))
	if want := `parse address "[::1]": missing port in address; write HOST:PORT, e.g. 127.0.0.1:21567 or [::1]:21567 [socket.gaierror]`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	// A server that closes without answering.
	l := listenLoopback(t, "tcp")
	defer l.Close()
	go func() {
		if conn, err := l.Accept(); err == nil {
			bufio.NewReader(conn).ReadString('\n')
			conn.Close()
		}
	}()
	_, err = c.Exchange(ctx, "tcp", l.Addr().String(), []byte("x"))
	if want := "receive " + l.Addr().String() + ": the server closed the connection: EOF [socket.error]"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func FuzzReadLineMax(f *testing.F) {
	f.Add([]byte("hello\r\n"), 8)
	f.Add([]byte(""), 1)
	f.Add(bytes.Repeat([]byte("a"), 100), 50)
	f.Fuzz(func(t *testing.T, in []byte, limit int) {
		limit = limit%10000 + 1
		if limit <= 0 {
			limit += 10000
		}
		got, err := readLineMax(bufio.NewReaderSize(bytes.NewReader(in), 16), limit)
		if errors.Is(err, errLineTooLong) {
			if i := bytes.IndexByte(in, '\n'); i >= 0 && i < limit || i < 0 && len(in) <= limit {
				t.Fatalf("%q rejected at limit %d", in, limit)
			}
			return
		}
		if len(got) > limit || !bytes.HasPrefix(in, got) {
			t.Fatalf("readLineMax(%q, %d) = %q", in, limit, got)
		}
		if err == nil && (len(got) == 0 || got[len(got)-1] != '\n' || bytes.IndexByte(got, '\n') != len(got)-1) {
			t.Fatalf("not one line: %q", got)
		}
	})
}
