package core

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"socketlab/textbook/texttest"
)

// needTool returns the path of a program the interop tests run. Missing,
// it skips the test, unless CI=true: there it must be installed.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not on PATH; CI=true requires it (install it, e.g. apt-get install python3 netcat-openbsd)", name)
		}
		t.Skipf("%s is not on PATH", name)
	}
	return p
}

// startPython runs a textbook server from textbook/ on host with port 0
// and returns its address; it is killed at the end of the test.
func startPython(t *testing.T, script, host string) string {
	t.Helper()
	return texttest.StartServer(t, host, needTool(t, "python3"), "-u", "../textbook/"+script)
}

// runPythonClient runs a textbook client from textbook/ against addr with
// stdin and returns its stdout.
func runPythonClient(t *testing.T, script, host, port, stdin string) string {
	t.Helper()
	py := needTool(t, "python3")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "../textbook/"+script, host, port)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v; stderr:\n%s", script, err, stderr.String())
	}
	return string(out)
}

func splitPort(t *testing.T, addr string) (host, port string) {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	return strings.Trim(addr[:i], "[]"), addr[i+1:]
}

// ctimeRE matches a reply of a Python server, whose clock is not ours.
var ctimeRE = regexp.MustCompile(`^\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d \d{4})\] `)

// checkPythonStamp checks that reply is "[ctime] " + rest with a ctime
// near now, and returns rest.
func checkPythonStamp(t *testing.T, reply []byte) string {
	t.Helper()
	m := ctimeRE.FindSubmatch(reply)
	if m == nil {
		t.Fatalf("reply %q has no ctime stamp", reply)
	}
	ts, err := time.ParseInLocation(time.ANSIC, string(m[1]), time.Local)
	if err != nil {
		t.Fatalf("stamp %q is not time.ANSIC: %v", m[1], err)
	}
	if d := time.Since(ts); d < -time.Minute || d > time.Minute {
		t.Fatalf("stamp %q is %v away from now", m[1], d)
	}
	return string(reply[len(m[0]):])
}

func TestInteropPythonClientsGoServers(t *testing.T) {
	needTool(t, "python3")
	const in = "hello\nworld\n"
	want := "> " + stamp + "hello\n> " + stamp + "world\n> "
	for _, tc := range []struct {
		script string
		serve  func(t *testing.T) string
	}{
		{"tsTclnt.py", func(t *testing.T) string { return serveStream(t, &TimestampServer{Now: fixedNow}, "tcp") }},
		{"tsTclntSS.py", func(t *testing.T) string { return serveStream(t, &LineTimestampServer{Now: fixedNow}, "tcp") }},
		{"tsUclnt.py", func(t *testing.T) string { return servePacket(t, &UDPTimestampServer{Now: fixedNow}, "udp4") }},
	} {
		t.Run(tc.script, func(t *testing.T) {
			host, port := splitPort(t, tc.serve(t))
			if got := runPythonClient(t, tc.script, host, port, in); got != want {
				t.Fatalf("%s printed\n%q\nwant\n%q", tc.script, got, want)
			}
		})
	}
}

func TestInteropGoClientsPythonServers(t *testing.T) {
	needTool(t, "python3")
	ctx := testCtx(t)
	t.Run("tsTserv.py", func(t *testing.T) {
		addr := startPython(t, "tsTserv.py", "127.0.0.1")
		tc := dialTS(t, ctx, addr)
		for _, msg := range []string{"hello", "\x00\xff binary"} {
			reply, err := tc.Exchange(ctx, []byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			if rest := checkPythonStamp(t, reply); rest != msg {
				t.Fatalf("reply carries %q, want %q", rest, msg)
			}
		}
	})
	t.Run("tsTservSS.py", func(t *testing.T) {
		addr := startPython(t, "tsTservSS.py", "127.0.0.1")
		c := LineTimestampClient{Timeout: 10 * time.Second}
		for _, msg := range []string{"fds", "fsdfsdfsd"} {
			reply, err := c.Exchange(ctx, "tcp", addr, []byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			if rest := checkPythonStamp(t, reply); rest != msg+"\r\n" {
				t.Fatalf("reply carries %q, want %q", rest, msg+"\r\n")
			}
		}
	})
	t.Run("tsUserv.py", func(t *testing.T) {
		addr := startPython(t, "tsUserv.py", "::1")
		u := dialUDP(t, ctx, UDPClient{Timeout: 10 * time.Second}, addr)
		reply, err := u.Exchange(ctx, []byte("fds"))
		if err != nil {
			t.Fatal(err)
		}
		if rest := checkPythonStamp(t, reply); rest != "fds" {
			t.Fatalf("reply carries %q", rest)
		}
	})
	t.Run("udpechoserver.py", func(t *testing.T) {
		addr := startPython(t, "udpechoserver.py", "127.0.0.1")
		u := dialUDP(t, ctx, UDPClient{Timeout: 10 * time.Second, BufSize: 9000}, addr)
		for _, msg := range [][]byte{[]byte("hello"), {0, 0xff, 0}, bytes.Repeat([]byte{7}, 8192)} {
			reply, err := u.Exchange(ctx, msg)
			if err != nil || !bytes.Equal(reply, msg) {
				t.Fatalf("echo of %d bytes: %d bytes back, %v", len(msg), len(reply), err)
			}
		}
	})
}

// TestInteropNetcat talks to the Go servers with OpenBSD netcat, over IPv4
// and IPv6: nc sends "hello" without a newline, exactly like tsTclnt.py.
func TestInteropNetcat(t *testing.T) {
	nc := needTool(t, "nc")
	run := func(t *testing.T, stdin string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, nc, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("nc %s: %v; stderr: %s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}
	for _, network := range []string{"4", "6"} {
		t.Run("tcp"+network, func(t *testing.T) {
			host, port := splitPort(t, serveStream(t, &TimestampServer{Now: fixedNow}, "tcp"+network))
			// -N: shut down the sending side at EOF, so the server sees EOF and closes.
			if got := run(t, "hello", "-N", host, port); got != stamp+"hello" {
				t.Fatalf("got %q", got)
			}
		})
		t.Run("udp"+network, func(t *testing.T) {
			host, port := splitPort(t, servePacket(t, &UDPTimestampServer{Now: fixedNow}, "udp"+network))
			// -W 1: quit after one datagram has come back.
			if got := run(t, "hello", "-u", "-W", "1", host, port); got != stamp+"hello" {
				t.Fatalf("got %q", got)
			}
		})
		t.Run("socketserver"+network, func(t *testing.T) {
			host, port := splitPort(t, serveStream(t, &LineTimestampServer{Now: fixedNow}, "tcp"+network))
			if got := run(t, "hello\r\n", host, port); got != stamp+"hello\r\n" {
				t.Fatalf("got %q", got)
			}
		})
	}
}
