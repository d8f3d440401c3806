package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/core"
	"socketlab/sim/trace"
)

// readTrace reads a --trace file back with the strict reader replay uses.
func readTrace(t *testing.T, path string) *trace.Trace {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := trace.ReadJSONL(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	h := tr.Header
	if !h.Live || len(h.Nodes) != 2 || h.Nodes[0].Name != core.NodeClient || h.Nodes[1].Name != core.NodeServer {
		t.Errorf("%s: header %+v: want a live trace with nodes client and server", path, h)
	}
	return tr
}

// ops lists node's application events as "op n text".
func ops(tr *trace.Trace, node string) []string {
	var out []string
	for _, e := range tr.Events {
		if e.Kind == trace.KindApp && e.Node == node {
			out = append(out, strings.TrimSpace(fmt.Sprintf("%v %d %s", e.Op, e.N, e.Text)))
		}
	}
	return out
}

func hasKind(tr *trace.Trace, node string, k trace.Kind) bool {
	return slices.ContainsFunc(tr.Events, func(e trace.Event) bool { return e.Node == node && e.Kind == k })
}

// TestTraceFlagTCPSession: tcp-server and tcp-client with --trace write
// the session as JSON lines, the server's file while it runs (tail -f
// sees the accept before the server stops).
func TestTraceFlagTCPSession(t *testing.T) {
	dir := t.TempDir()
	sfile, cfile := filepath.Join(dir, "server.jsonl"), filepath.Join(dir, "client.jsonl")
	srv := startServerCLI(t, "tcp-server", "--addr", "127.0.0.1:0", "--trace", sfile)
	stdout, stderr, code := runCLI(t, context.Background(), "hello\n\n", "tcp-client", "--trace", cfile, srv.addr)
	if code != 0 || stderr != "" {
		t.Fatalf("tcp-client: exit %d, stderr %q", code, stderr)
	}
	checkReplies(t, stdout, "hello")
	for deadline := time.Now().Add(5 * time.Second); ; {
		b, _ := os.ReadFile(sfile)
		if strings.Contains(string(b), `"op":"close","socket"`) { // the connection's close, written while serving
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's trace is not written while it runs:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, log := srv.stop(t); code != 0 {
		t.Fatalf("server exit %d:\n%s", code, log)
	}

	st := readTrace(t, sfile)
	if st.Header.Scenario != "tcp-server" || st.Header.Title != "socketlab tcp-server --addr 127.0.0.1:0 --trace "+sfile {
		t.Errorf("header %q %q", st.Header.Scenario, st.Header.Title)
	}
	want := []string{"listen " + fmt.Sprint(core.ListenBacklog()), "accept 0", "read 5 hello", "write 32 ", "read 0",
		"close 0 client closed the connection", "close 0"}
	got := ops(st, core.NodeServer)
	if len(got) != len(want) {
		t.Fatalf("server events %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("server event %d = %q, want %q…", i, got[i], want[i])
		}
	}
	if !hasKind(st, core.NodeServer, trace.KindState) {
		t.Error("the server's trace has no TCP state (TCP_INFO)")
	}
	ct := readTrace(t, cfile)
	got = ops(ct, core.NodeClient)
	want = []string{"connect-start 0", "connect 0", "write 5 hello", "read 32 ", "close 0"}
	if len(got) != len(want) {
		t.Fatalf("client events %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("client event %d = %q, want %q…", i, got[i], want[i])
		}
	}
	if !hasKind(ct, core.NodeClient, trace.KindState) {
		t.Error("the client's trace has no TCP state (TCP_INFO)")
	}
	// socketlab replay draws the file as it draws a simulation.
	out, stderr, code := runCLI(t, context.Background(), "", "replay", "--ladder", sfile)
	if code != 0 || !strings.Contains(out, "accept ← ") || !strings.Contains(out, `read 5 "hello"`) ||
		!strings.Contains(out, "CLOSE-WAIT") || !strings.Contains(out, "close (client closed the connection)") {
		t.Errorf("replay --ladder %s: exit %d, stderr %q, stdout:\n%s", sfile, code, stderr, out)
	}
	// Both files share nothing but the format: each starts its own clock.
	if len(ct.Events) == 0 || ct.Events[0].At <= 0 || ct.Events[0].At > time.Minute {
		t.Errorf("client's first event at %v", ct.Events[0].At)
	}
}

// TestTraceFlagCommands: every other client and server command writes a
// --trace file that reads back with the events of its socket calls.
func TestTraceFlagCommands(t *testing.T) {
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name+".jsonl") }
	check := func(t *testing.T, path, node string, want ...string) {
		t.Helper()
		got := ops(readTrace(t, path), node)
		for _, w := range want {
			if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
				t.Errorf("%s: no %q event on %s in %q", filepath.Base(path), w, node, got)
			}
		}
	}
	t.Run("udp", func(t *testing.T) {
		srv := startServerCLI(t, "udp-server", "--addr", "127.0.0.1:0", "--trace", file("udp-server"))
		if _, stderr, code := runCLI(t, context.Background(), "hi\n", "udp-client", "--trace", file("udp-client"), srv.addr); code != 0 {
			t.Fatalf("udp-client: %d %s", code, stderr)
		}
		srv.stop(t)
		check(t, file("udp-server"), core.NodeServer, "listen 0", "recvfrom 2 hi", "sendto 29 [", "close 0")
		check(t, file("udp-client"), core.NodeClient, "connect 0", "sendto 2 hi", "recvfrom 29 [", "close 0")
	})
	t.Run("udp-echo", func(t *testing.T) {
		srv := startServerCLI(t, "udp-echo", "--addr", "127.0.0.1:0", "--size", "2", "--trace", file("udp-echo"))
		if _, stderr, code := runCLI(t, context.Background(), "hey\n", "udp-client", srv.addr); code != 0 {
			t.Fatalf("udp-client: %d %s", code, stderr)
		}
		srv.stop(t)
		tr := readTrace(t, file("udp-echo"))
		if got := ops(tr, core.NodeServer); !slices.Contains(got, "recvfrom 2 he") || !slices.Contains(got, "sendto 2 he") {
			t.Errorf("echo events %q", got)
		}
		if !slices.ContainsFunc(tr.Events, func(e trace.Event) bool {
			return e.Kind == trace.KindNote && strings.Contains(e.Text, "cut to 2 bytes")
		}) {
			t.Error("no note that the datagram was cut")
		}
	})
	t.Run("socketserver", func(t *testing.T) {
		srv := startServerCLI(t, "socketserver-server", "--addr", "127.0.0.1:0", "--trace", file("ss-server"))
		if _, stderr, code := runCLI(t, context.Background(), "hi\n", "socketserver-client", "--trace", file("ss-client"), srv.addr); code != 0 {
			t.Fatalf("socketserver-client: %d %s", code, stderr)
		}
		srv.stop(t)
		check(t, file("ss-server"), core.NodeServer, "accept 0", "read 4 hi", "write 31 [", "shutdown 0", "close 0 answered")
		check(t, file("ss-client"), core.NodeClient, "connect-start 0", "connect 0", "write 4 hi", "read 31 [", "read 0", "close 0")
	})
	t.Run("unix", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ts.sock")
		ctx, cancel := context.WithCancel(context.Background())
		stderr := &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			err := run(ctx, []string{"unix-server", "--path", path, "--trace", file("unix-server")}, stdio{In: strings.NewReader(""), Out: &syncBuffer{}, Err: stderr})
			done <- report(err, stderr)
		}()
		for i := 0; !strings.Contains(stderr.String(), "listening on unix "); i++ {
			if i == 1000 {
				t.Fatalf("no listening line: %q", stderr.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		_, errOut, code := runCLI(t, context.Background(), "hi\n", "unix-client", "--path", path, "--trace", file("unix-client"))
		cancel()
		if c := <-done; c != 0 || code != 0 {
			t.Fatalf("unix-server exit %d, unix-client exit %d %s", c, code, errOut)
		}
		check(t, file("unix-server"), core.NodeServer, "listen "+fmt.Sprint(core.ListenBacklog())+" "+path, "accept 0 "+path, "read 2 hi", "write 29 [", "close 0 client closed")
		check(t, file("unix-client"), core.NodeClient, "connect-start 0 "+path, "connect 0 "+path, "write 2 hi", "read 29 [", "close 0")
	})
	t.Run("get", func(t *testing.T) {
		port, got := halfCloseServer(t, "HTTP/1.0 200 OK\r\n\r\nhi")
		if _, stderr, code := runCLI(t, context.Background(), "", "get", "--port", fmt.Sprint(port), "--trace", file("get"), "127.0.0.1"); code != 0 {
			t.Fatalf("get: %d %s", code, stderr)
		}
		<-got
		check(t, file("get"), core.NodeClient, "connect-start", "connect", "http 18 request GET / HTTP/1.0", "write 18", "shutdown",
			"read 21", "http 19 response HTTP/1.0 200 OK", "read 0", "http 21 response complete", "close")
	})
	t.Run("info", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			if c, err := l.Accept(); err == nil {
				c.Close()
			}
		}()
		if _, stderr, code := runCLI(t, context.Background(), "", "info", "--port", fmt.Sprint(l.Addr().(*net.TCPAddr).Port), "--trace", file("info"), "127.0.0.1"); code != 0 {
			t.Fatalf("info: %d %s", code, stderr)
		}
		check(t, file("info"), core.NodeClient, "connect-start", "connect", "close")
	})
	t.Run("dns", func(t *testing.T) {
		srv := zoneServer(t)
		if _, stderr, code := runCLI(t, context.Background(), "", "dns", "--server", srv.Addr, "--trace", file("dns"), "www.example.test"); code != 0 {
			t.Fatalf("dns: %d %s", code, stderr)
		}
		check(t, file("dns"), core.NodeClient, "dns-query 0 A/AAAA www.example.test", "connect 0", "sendto", "recvfrom",
			"dns-answer 2 192.0.2.10 2001:db8::10", "dns-query 0 CNAME www.example.test", "dns-answer 1 web.example.test")
		if _, stderr, code := runCLI(t, context.Background(), "", "dns", "--server", srv.Addr, "--tcp", "--trace", file("dns-x"), "-x", "192.0.2.10"); code != 0 {
			t.Fatalf("dns -x: %d %s", code, stderr)
		}
		check(t, file("dns-x"), core.NodeClient, "dns-query 0 PTR 192.0.2.10", "connect-start", "write", "read", "dns-answer 1 web.example.test")
		if _, _, code := runCLI(t, context.Background(), "", "fcrdns", "--server", srv.Addr, "--trace", file("fcrdns"), "192.0.2.10"); code != 0 {
			t.Fatalf("fcrdns: %d", code)
		}
		check(t, file("fcrdns"), core.NodeClient, "dns-query 0 PTR 192.0.2.10", "dns-answer 1 web.example.test", "dns-query 0 A/AAAA web.example.test")
	})
	t.Run("deadlock", func(t *testing.T) {
		if _, stderr, code := runCLI(t, context.Background(), "", "deadlock", "--mode", "fixed-alternate", "--bytes", "64KiB", "--chunk", "16KiB", "--trace", file("deadlock")); code != 0 {
			t.Fatalf("deadlock: %d %s", code, stderr)
		}
		tr := readTrace(t, file("deadlock"))
		var sent [2]int
		for _, e := range tr.Events {
			if e.Kind == trace.KindApp && e.Op == trace.OpWrite {
				sent[slices.Index([]string{core.NodeClient, core.NodeServer}, e.Node)] += e.N
			}
		}
		if sent != [2]int{64 << 10, 64 << 10} {
			t.Errorf("writes add up to %v, want 64 KiB each way", sent)
		}
		check(t, file("deadlock"), core.NodeServer, "listen", "accept", "close")
		check(t, file("deadlock"), core.NodeClient, "connect-start", "connect", "close")
	})
	t.Run("demo", func(t *testing.T) {
		const host = "127.0.0.39" // a corner of 127/8 of its own
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			_, _, code := runCLI(t, ctx, "", "demo", "--host", host, "--trace", file("demo"))
			done <- code
		}()
		var replied bool
		for deadline := time.Now().Add(10 * time.Second); !replied && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			_, _, code := runCLI(t, context.Background(), "hi\n", "udp-client", "--timeout", "200ms", host+":51423")
			replied = code == 0
		}
		cancel()
		if code := <-done; code != 0 || !replied {
			t.Fatalf("demo exit %d, echo replied %v", code, replied)
		}
		tr := readTrace(t, file("demo"))
		var listens int
		for _, e := range tr.Events {
			if e.Kind == trace.KindApp && e.Op == trace.OpListen {
				listens++
			}
		}
		if listens != 4 {
			t.Errorf("%d listen events, want one per demo server (4)", listens)
		}
		check(t, file("demo"), core.NodeServer, "recvfrom 2 hi", "sendto 2 hi")
	})
}

// TestTraceFlagErrors: --trace - is refused where stdout is the command's
// own output and taken where it is free (a server); a file that cannot be
// created is one line and exit status 1 before anything is sent.
func TestTraceFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"tcp-client", "127.0.0.1:1"}, {"socketserver-client", "127.0.0.1:1"}, {"udp-client", "127.0.0.1:1"},
		{"unix-client", "--path", "/x.sock"}, {"info", "localhost"}, {"get", "localhost"}, {"dns", "localhost"},
		{"fcrdns", "127.0.0.1"}, {"deadlock"}, {"demo"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", append(args, "--trace", "-")...)
		want := "socketlab: " + args[0] + ": --trace -: stdout carries this command's own output; give a file name, e.g. --trace run.jsonl\n"
		if code != 2 || stderr != want {
			t.Errorf("%v --trace -: exit %d, stderr %q; want 2, %q", args, code, stderr, want)
		}
	}

	// A server writes to stdout if asked: its stdout is otherwise unused.
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		err := run(ctx, []string{"udp-server", "--addr", "127.0.0.1:0", "--trace", "-"}, stdio{In: strings.NewReader(""), Out: out, Err: errb})
		done <- report(err, errb)
	}()
	// The listening line comes when the socket is bound; the server's
	// listen event when it serves, a moment later: wait for that too, or
	// a stop in between rightly traces nothing.
	for i := 0; !strings.Contains(errb.String(), "listening on udp") || !strings.Contains(out.String(), `"op":"listen"`); i++ {
		if i == 1000 {
			t.Fatalf("no listening line or listen event: %q, %q", errb.String(), out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("udp-server --trace -: exit %d: %s", code, errb.String())
	}
	tr, err := trace.ReadJSONL(strings.NewReader(out.String()))
	if err != nil || tr.Header.Scenario != "udp-server" || len(tr.Events) != 2 || tr.Events[0].Op != trace.OpListen || tr.Events[1].Op != trace.OpClose {
		t.Errorf("udp-server --trace - wrote %q (%v)", out.String(), err)
	}

	// A file that cannot be created: nothing is sent, no server starts.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	bad := filepath.Join(t.TempDir(), "no-such-dir", "t.jsonl")
	_, stderr, code := runCLI(t, context.Background(), "hello\n", "tcp-client", "--trace", bad, l.Addr().String())
	if want := "socketlab: tcp-client: --trace: open " + bad + ": no such file or directory\n"; code != 1 || stderr != want {
		t.Errorf("unwritable --trace: exit %d, stderr %q; want 1, %q", code, stderr, want)
	}
	l.(*net.TCPListener).SetDeadline(time.Now().Add(50 * time.Millisecond))
	if c, err := l.Accept(); err == nil {
		c.Close()
		t.Error("the client connected although its --trace file could not be created")
	} else if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal(err)
	}
	_, stderr, code = runCLI(t, context.Background(), "", "tcp-server", "--addr", "127.0.0.1:0", "--trace", bad)
	if code != 1 || strings.Contains(stderr, "listening") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("tcp-server with an unwritable --trace: exit %d, stderr %q", code, stderr)
	}
}
