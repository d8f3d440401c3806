package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"socketlab/core"
)

// commandFlags returns the flag set c defines, every flag included.
func commandFlags(t testing.TB, c *command) *flag.FlagSet {
	t.Helper()
	var fs *flag.FlagSet
	flagSetMade = func(f *flag.FlagSet) {
		if fs == nil {
			fs = f
		}
	}
	defer func() { flagSetMade = nil }()
	_, err := c.parse(c, []string{"--help"}, stdio{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard})
	if !errors.Is(err, errHelpShown) || fs == nil {
		t.Fatalf("%s --help: %v", c.name, err)
	}
	return fs
}

// oneLineError checks what a failed command printed: one line on stderr
// that starts with "socketlab: ", and never a stack trace.
func oneLineError(t *testing.T, what, stderr string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "socketlab: ") ||
		strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Errorf("%s: stderr %q, want one line starting with \"socketlab: \"", what, stderr)
	}
}

// Junk on the command line is one line on stderr naming the problem,
// exit status 2, nothing on stdout: never the usage, never a stack trace.
func TestEveryCommandRefusesJunk(t *testing.T) {
	for _, c := range commands {
		for _, junk := range [][]string{
			{"--nosuchflag"}, {"--timeout=abc"}, {"%%%"}, {"-"}, {"---x"}, {"--timeout"}, {"-nosuch=1", "x"}, {"a\nb"},
		} {
			args := append([]string{c.name}, junk...)
			stdout, stderr, code := runCLI(t, context.Background(), "", args...)
			if code != 2 || stdout != "" {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and no output", args, code, stdout, stderr)
			}
			oneLineError(t, fmt.Sprintf("%q", args), stderr)
		}
	}
}

func TestFlagMistakesAreOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tcp-client", "--nosuchflag"}, "socketlab: tcp-client: unknown flag --nosuchflag (see 'socketlab tcp-client --help')\n"},
		{[]string{"tcp-client", "--timeout=abc", "127.0.0.1:1"}, "socketlab: tcp-client: --timeout abc: want a duration such as 10s or 250ms (0s to 24h) (see 'socketlab tcp-client --help')\n"},
		{[]string{"tcp-client", "127.0.0.1:1", "--timeout"}, "socketlab: tcp-client: --timeout needs a value (see 'socketlab tcp-client --help')\n"},
		{[]string{"dns", "---x"}, "socketlab: dns: bad flag syntax ---x (see 'socketlab dns --help')\n"},
		{[]string{"dns", "--tcp=maybe", "a"}, "socketlab: dns: --tcp maybe: want true or false (see 'socketlab dns --help')\n"},
		{[]string{"sim", "--seed", "-1"}, "socketlab: sim: --seed -1: want a whole number (see 'socketlab sim --help')\n"},
		{[]string{"sim", "--no such"}, "socketlab: sim: unknown flag \"--no such\" (see 'socketlab sim --help')\n"},
		{[]string{"sim", "--loss", "NaN"}, "socketlab: sim: --loss NaN: out of range 0 to 1 (see 'socketlab sim --help')\n"},
		{[]string{"play", "--at", "1\n2"}, "socketlab: play: --at \"1\\n2\": want a duration such as 10s or 250ms (0s to 24h) (see 'socketlab play --help')\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != 2 || stdout != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q\nstderr %q\nwant   %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

// Without arguments a command either says in one line what it needs
// (exit 2), or starts: then it stops cleanly when ctx ends.
func TestEveryCommandWithoutArguments(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	starts := map[string]bool{
		"tcp-server": true, "socketserver-server": true, "udp-server": true, "udp-echo": true, "demo": true,
		"deadlock": true, "toolbox": true, "scenarios": true, "lessons": true, "compare": true, "serve": true,
	}
	for _, c := range commands {
		ctx, cancel := context.WithCancel(context.Background())
		stop := time.AfterFunc(200*time.Millisecond, cancel)
		stdout, stderr, code := runCLI(t, ctx, "", c.name)
		stop.Stop()
		cancel()
		switch {
		case c.name == "play":
			if code != 1 || stderr != "socketlab: no window system is available (set DISPLAY, or run under xvfb-run)\n" {
				t.Errorf("play: exit %d, stderr %q", code, stderr)
			}
		case !starts[c.name]:
			if code != 2 || stdout != "" {
				t.Errorf("%s: exit %d, stdout %q; want 2", c.name, code, stdout)
			}
			oneLineError(t, c.name, stderr)
		case code == 1:
			// A server whose textbook port is taken on this machine, or
			// compare without the privilege to capture, or serve in a binary
			// built without its WebAssembly bundle.
			oneLineError(t, c.name, stderr)
			if !strings.Contains(stderr, "address already in use") && !strings.Contains(stderr, "needs root or CAP_NET_RAW") &&
				!strings.Contains(stderr, "build it with make build") {
				t.Errorf("%s: exit 1, stderr %q", c.name, stderr)
			}
		case code != 0 && code != 130, strings.Contains(stderr, "goroutine "), strings.Contains(stderr, "panic"):
			t.Errorf("%s: exit %d, stderr %q; want a clean stop", c.name, code, stderr)
		}
	}
}

// Every size, count and duration flag of every command has a range; a
// value outside it is refused, naming the flag and the range, before the
// command does anything. Negative durations are refused everywhere but
// where negative means never (--idle).
func TestEveryNumberFlagIsBounded(t *testing.T) {
	type rangedFlag interface {
		rangeText() string
		allowsNever() bool
	}
	std := stdio{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}
	checked := 0
	for _, c := range commands {
		commandFlags(t, c).VisitAll(func(f *flag.Flag) {
			r, ok := f.Value.(rangedFlag)
			if !ok {
				if g, ok := f.Value.(flag.Getter); ok {
					switch g.Get().(type) {
					case int, int64, uint, uint64, float64, time.Duration:
						if f.Name != "seed" && f.Name != "select" { // identifiers, not amounts
							t.Errorf("%s --%s is a number without a range", c.name, f.Name)
						}
					}
				}
				return
			}
			checked++
			huge := "99999999999999999"
			if _, isDur := f.Value.(flag.Getter).Get().(time.Duration); isDur {
				huge = "2000000h"
				_, err := c.parse(c, []string{"--" + f.Name, "-1s"}, std)
				switch {
				case r.allowsNever() && err != nil && strings.Contains(err.Error(), "--"+f.Name+" "):
					t.Errorf("%s --%s -1s (negative: never) refused: %v", c.name, f.Name, err)
				case !r.allowsNever() && (err == nil || !strings.Contains(err.Error(), "--"+f.Name+" -1s: out of range ")):
					t.Errorf("%s --%s -1s: %v; want out of range", c.name, f.Name, err)
				}
			}
			_, err := c.parse(c, []string{"--" + f.Name, huge}, std)
			want := fmt.Sprintf("%s: --%s %s: out of range %s (see 'socketlab %s --help')", c.name, f.Name, huge, r.rangeText(), c.name)
			var ue usageError
			if !errors.As(err, &ue) || ue.msg != want {
				t.Errorf("%s --%s %s: %v\nwant %q", c.name, f.Name, huge, err, want)
			}
			if !strings.Contains(f.Usage, "("+r.rangeText()+")") {
				t.Errorf("%s --%s: the help does not say the range: %q", c.name, f.Name, f.Usage)
			}
		})
	}
	if checked < 15 {
		t.Fatalf("only %d bounded flags found", checked)
	}
}

// The exact lines of the issue that reported them.
func TestBoundsFromTheIssue(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sim", "--scenario", "handshake", "--ladder", "--width", "99999999"},
			"socketlab: sim: --width 99999999: out of range 40 to 1000 (see 'socketlab sim --help')\n"},
		{[]string{"socketserver-client", "--timeout", "-1s", "127.0.0.1:21567"},
			"socketlab: socketserver-client: --timeout -1s: out of range 0s to 24h (see 'socketlab socketserver-client --help')\n"},
		{[]string{"tcp-client", "--timeout", "-5s", "127.0.0.1:21567"},
			"socketlab: tcp-client: --timeout -5s: out of range 0s to 24h (see 'socketlab tcp-client --help')\n"},
		{[]string{"loadgen", "127.0.0.1:1", "--requests", "1000000000"},
			"socketlab: loadgen: --requests 1000000000: out of range 1 to 100000000 (see 'socketlab loadgen --help')\n"},
		{[]string{"deadlock", "--bytes", "5GiB"}, "socketlab: deadlock: --bytes 5GiB is out of range 1 to 4294967296 bytes\n"},
		{[]string{"unix-client", "--path", strings.Repeat("x", 108)}, "socketlab: unix-client: --path is 108 bytes long; a Unix socket path holds at most 107\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != 2 || stdout != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q\nstderr %q\nwant   %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	// --idle: negative means never and is accepted.
	if _, err := tcpServerCmd.parse(tcpServerCmd, []string{"--idle", "-1s"}, stdio{}); err != nil {
		t.Errorf("tcp-server --idle -1s: %v", err)
	}
}

// Flags may follow the positional arguments in every command that has
// them.
func TestFlagsAfterArguments(t *testing.T) {
	tcp := startServerCLI(t, "tcp-server", "--addr", "127.0.0.1:0")
	ss := startServerCLI(t, "socketserver-server", "--addr", "127.0.0.1:0")
	udp := startServerCLI(t, "udp-server", "--addr", "127.0.0.1:0")
	zone := zoneServer(t)
	httpPort, _ := halfCloseServer(t, "HTTP/1.0 200 OK\r\n\r\nhello")
	infoL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer infoL.Close()
	go func() {
		if c, err := infoL.Accept(); err == nil {
			c.Close()
		}
	}()
	infoPort := fmt.Sprint(infoL.Addr().(*net.TCPAddr).Port)
	for _, tc := range []struct {
		args []string
		want *regexp.Regexp
	}{
		{[]string{"tcp-client", tcp.addr, "--timeout", "5s"}, stampLine("hi")},
		{[]string{"socketserver-client", ss.addr, "--timeout", "5s"}, stampLine("hi")},
		{[]string{"udp-client", udp.addr, "--timeout", "5s"}, stampLine("hi")},
		{[]string{"loadgen", tcp.addr, "--requests", "3", "--conns", "1", "--duration", "5s"}, regexp.MustCompile(`(?s)^loadgen: 1 persistent connection to .*\n +3 +0 +1 `)},
		{[]string{"get", "127.0.0.1", "/x", "--port", fmt.Sprint(httpPort), "--timeout", "5s"}, regexp.MustCompile(`^HTTP/1.0 200 OK\r\n\r\nhello$`)},
		{[]string{"info", "127.0.0.1", "--port", infoPort, "--timeout", "5s"}, regexp.MustCompile(`Connected to 127.0.0.1:` + infoPort + `$`)},
		{[]string{"services", "ssh/tcp", "--builtin"}, regexp.MustCompile(`getservbyname\('ssh', 'tcp'\) = 22 `)},
		{[]string{"fcrdns", "192.0.2.10", "--server", zone.Addr, "--timeout", "5s"}, regexp.MustCompile(`Validated hostname: web.example.test$`)},
		{[]string{"toolbox", "host", "www.example.test", "--server", zone.Addr}, regexp.MustCompile(`addresses: 192.0.2.10$`)},
		{[]string{"toolbox", "serv", "22/tcp", "--timeout", "1s", "--builtin"}, regexp.MustCompile(`getservbyport\(22, 'tcp'\) = 'ssh'`)},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "hi\n", tc.args...)
		if code != 0 || stderr != "" || !tc.want.MatchString(strings.TrimSuffix(stdout, "\n")) {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want %v", tc.args, code, stderr, stdout, tc.want)
		}
	}
}

func TestParseArgs(t *testing.T) {
	c := &command{name: "x", args: "ARGS", summary: "s"}
	for _, tc := range []struct {
		args []string
		mode argMode
		pos  []string
		v    bool
		n    string
	}{
		{[]string{"a", "-v", "b"}, flagsAnywhere, []string{"a", "b"}, true, "1"},
		{[]string{"-v", "a", "--n=2"}, flagsAnywhere, []string{"a"}, true, "2"},
		{[]string{"a", "--", "-v"}, flagsAnywhere, []string{"a", "-v"}, false, "1"},
		{[]string{"-1/tcp", "-.5", "-"}, flagsAnywhere, []string{"-1/tcp", "-.5", "-"}, false, "1"},
		{[]string{"--v=false", "-n", "3"}, flagsAnywhere, nil, false, "3"},
		{[]string{"-v", "tool", "-v", "-1"}, flagsFirst, []string{"tool", "-v", "-1"}, true, "1"},
		{[]string{"--other", "x", "-n", "4", "--", "-n"}, ownFlagsOnly, []string{"--other", "x", "--", "-n"}, false, "4"},
		{nil, flagsAnywhere, nil, false, "1"},
	} {
		fs := newFlags(c)
		v := fs.Bool("v", false, "")
		n := intFlag(fs, "n", 1, 0, 9, "`N`")
		pos, err := scanArgs(fs, tc.args, stdio{}, tc.mode)
		if err != nil || strings.Join(pos, ",") != strings.Join(tc.pos, ",") || *v != tc.v || fmt.Sprint(*n) != tc.n {
			t.Errorf("%q (mode %d): %q, v=%v, n=%d, %v", tc.args, tc.mode, pos, *v, *n, err)
		}
	}
	// --help anywhere before "--" prints the usage to stdout.
	var out bytes.Buffer
	fs := newFlags(c)
	fs.Bool("v", false, "be loud")
	if _, err := parseArgs(fs, []string{"a", "-v", "--help"}, stdio{Out: &out}); !errors.Is(err, errHelpShown) ||
		out.String() != "Usage: socketlab x ARGS\n\ns\n\nFlags:\n  -v\tbe loud\n" {
		t.Errorf("--help: %v, %q", err, out.String())
	}
}

// A hint names only flags the command has: tcp-client has no --server.
func TestHintsNameOnlyTheCommandsFlags(t *testing.T) {
	dnsErr := func(class core.Class, de *net.DNSError) error {
		return &core.Error{Phase: "look up address", Addr: "nosuch.test", Class: class, Err: de}
	}
	errs := []error{
		dnsErr(core.ClassAddress, &net.DNSError{Err: "no such host", Name: "nosuch.test", IsNotFound: true}),
		dnsErr(core.ClassTimeout, &net.DNSError{Err: "i/o timeout", Name: "nosuch.test", IsTimeout: true}),
		dnsErr(core.ClassHost, &net.DNSError{Err: "no such host", Name: "20.2.0.192.in-addr.arpa.", IsNotFound: true}),
		&core.Error{Phase: "connect", Addr: "127.0.0.1:1", Class: core.ClassTimeout, Err: os.ErrDeadlineExceeded},
		&core.Error{Phase: "connect", Addr: "127.0.0.1:1", Class: core.ClassSocket,
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}},
	}
	flagRE := regexp.MustCompile(`--([a-z][a-z-]*)`)
	for _, c := range commands {
		fs := commandFlags(t, c)
		for _, err := range errs {
			got := withHint(err, fs).Error()
			hint := strings.TrimPrefix(got, err.Error())
			for _, m := range flagRE.FindAllStringSubmatch(hint, -1) {
				if fs.Lookup(m[1]) == nil {
					t.Errorf("%s: hint %q names --%s, which %s does not have", c.name, hint, m[1], c.name)
				}
			}
		}
		// Refused is recognised by errors.Is, not by its text.
		if got := withHint(errs[4], fs).Error(); !strings.HasSuffix(got, "; is a server listening on that port?") {
			t.Errorf("%s: refused: %q", c.name, got)
		}
	}
	fs := commandFlags(t, tcpClientCmd)
	if got, want := withHint(errs[0], fs).Error(), errs[0].Error()+"; check the spelling of the name"; got != want {
		t.Errorf("tcp-client, no such host: %q, want %q", got, want)
	}
	fs = commandFlags(t, dnsCmd)
	if got := withHint(errs[0], fs).Error(); !strings.HasSuffix(got, "; check the spelling of the name, or ask another server with --server") {
		t.Errorf("dns, no such host: %q", got)
	}
}

// A port given by a service name this machine does not know is a mistake
// on the command line (exit status 2) that names the port.
func TestUnknownPortNameIsUsageError(t *testing.T) {
	const tail = ": no %s service of that name on this machine; give a number, or a name from 'socketlab services --list'\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tcp-client", "127.0.0.1:nosuchservice"}, "socketlab: tcp-client: unknown port \"nosuchservice\"" + fmt.Sprintf(tail, "tcp")},
		{[]string{"socketserver-client", "127.0.0.1:nosuchservice"}, "socketlab: socketserver-client: unknown port \"nosuchservice\"" + fmt.Sprintf(tail, "tcp")},
		{[]string{"udp-client", "127.0.0.1:nosuchservice"}, "socketlab: udp-client: unknown port \"nosuchservice\"" + fmt.Sprintf(tail, "udp")},
		{[]string{"loadgen", "127.0.0.1:nosuchservice"}, "socketlab: loadgen: unknown port \"nosuchservice\"" + fmt.Sprintf(tail, "tcp")},
		{[]string{"tcp-server", "--addr", "127.0.0.1:nosuchservice"}, "socketlab: tcp-server: --addr: unknown port \"nosuchservice\"" + fmt.Sprintf(tail, "tcp")},
		{[]string{"udp-echo", "--addr", "127.0.0.1:nosuchservice"}, "socketlab: udp-echo: --addr: unknown port \"nosuchservice\"" + fmt.Sprintf(tail, "udp")},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "hi\n", tc.args...)
		if code != 2 || stdout != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q\nstderr %q\nwant   %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	// The issue's own example: "abc" is a well-formed service name that
	// names no service.
	_, stderr, code := runCLI(t, context.Background(), "hi\n", "tcp-client", "127.0.0.1:abc")
	if code != 2 || !strings.HasPrefix(stderr, "socketlab: tcp-client: unknown port \"abc\": ") {
		t.Errorf("tcp-client 127.0.0.1:abc: exit %d, stderr %q", code, stderr)
	}
}

// socketserver-client against a plain tcp-server: the reply arrives, the
// server keeps the connection open; the client says exactly that.
func TestSocketServerClientAgainstPlainServer(t *testing.T) {
	srv := startServerCLI(t, "tcp-server", "--addr", "127.0.0.1:0")
	start := time.Now()
	stdout, stderr, code := runCLI(t, context.Background(), "hello\n", "socketserver-client", "--timeout", "300ms", srv.addr)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	want := regexp.MustCompile(`^socketlab: receive ` + regexp.QuoteMeta(srv.addr) + `: a reply arrived \("\[[^]]+\] hello"\), ` +
		`but the server did not close the connection within 300ms: it is probably not a SocketServer-style server \(one line per connection\); ` +
		`try 'socketlab tcp-client ` + regexp.QuoteMeta(srv.addr) + `'\n$`)
	if code != 1 || stdout != "" || !want.MatchString(stderr) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A server that answers nothing at all is still "no reply".
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	_, stderr, code = runCLI(t, context.Background(), "hello\n", "socketserver-client", "--timeout", "200ms", l.Addr().String())
	if want := "socketlab: receive " + l.Addr().String() + ": no reply within 200ms: i/o timeout [socket.timeout]; " +
		"nothing within 200ms: check the host and port, or raise --timeout\n"; code != 1 || stderr != want {
		t.Errorf("silent server: exit %d, stderr %q, want %q", code, stderr, want)
	}
}

// demo binds all four sockets before it announces anything: a port that
// is taken, or an address this machine does not have, is one line, exit 1,
// and no banner.
func TestDemoBindsBeforeAnnouncing(t *testing.T) {
	const host = "127.0.0.38"
	l, err := net.Listen("tcp", host+":21568") // the SocketServer server's port
	if err != nil {
		t.Skipf("cannot take %s:21568: %v", host, err)
	}
	defer l.Close()
	stdout, stderr, code := runCLI(t, context.Background(), "", "demo", "--host", host)
	want := "socketlab: demo: listen tcp " + host + ":21568: address already in use [socket.error] — another socket is bound to this port " +
		"(a server still running? see 'ss -ltnup'); not TIME_WAIT: Go's net.Listen already sets SO_REUSEADDR on Unix; " +
		"stop the other program or pick another port (port 0 picks a free one)\n"
	if code != 1 || stdout != "" || stderr != want {
		t.Errorf("port taken: exit %d, stdout %q\nstderr %q\nwant   %q", code, stdout, stderr, want)
	}
	// 192.0.2.1 (TEST-NET-1) is no address of this machine: bind fails
	// without any name look-up.
	stdout, stderr, code = runCLI(t, context.Background(), "", "demo", "--host", "192.0.2.1")
	if code != 1 || stdout != "" || stderr != "socketlab: demo: listen tcp 192.0.2.1:21567: cannot assign requested address [socket.error]\n" {
		t.Errorf("foreign address: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	_, stderr, code = runCLI(t, context.Background(), "", "demo", "--host", "a b")
	if code != 2 || stderr != "socketlab: demo: --host \"a b\" is not a host name or address\n" {
		t.Errorf("bad host: exit %d, stderr %q", code, stderr)
	}
}

// Servers listen on loopback unless told otherwise, and their start-up
// lines say how to open them to the LAN.
func TestServersDefaultToLoopback(t *testing.T) {
	for _, name := range []string{"tcp-server", "socketserver-server", "udp-server", "udp-echo"} {
		def := commandFlags(t, lookupCommand(name)).Lookup("addr").DefValue
		host, _, err := net.SplitHostPort(def)
		if err != nil || !net.ParseIP(host).IsLoopback() {
			t.Errorf("%s --addr defaults to %q, want loopback", name, def)
		}
	}
	if def := commandFlags(t, demoCmd).Lookup("host").DefValue; def != "127.0.0.1" {
		t.Errorf("demo --host defaults to %q", def)
	}
	for _, args := range [][]string{{"tcp-server", "--addr", "127.0.0.1:0"}, {"udp-echo", "--addr", "[::1]:0"}} {
		srv := startServerCLI(t, args...)
		_, port, _ := net.SplitHostPort(srv.addr)
		lines := strings.Split(srv.stderr.String(), "\n")
		if want := "(loopback only; --addr :" + port + " opens it to the LAN)"; len(lines) < 2 || lines[1] != want {
			t.Errorf("%q: log %q, want a second line %q", args, lines, want)
		}
	}
	if h := lanHint(&net.TCPAddr{IP: net.IPv4zero, Port: 21567}, "--addr"); h != "" {
		t.Errorf("every interface: hint %q", h)
	}
}

func TestSimLadderFlagsNeedLadder(t *testing.T) {
	for _, f := range [][]string{{"--lang", "zh"}, {"--width", "90"}, {"--absolute"}, {"--routers"}, {"--timers"}} {
		args := append([]string{"sim", "--scenario", "handshake"}, f...)
		stdout, stderr, code := runCLI(t, context.Background(), "", args...)
		want := "socketlab: sim: " + f[0] + " applies to --ladder; add --ladder (the summary has no captions)\n"
		if code != 2 || stdout != "" || stderr != want {
			t.Errorf("%q: exit %d, stderr %q, want %q", args, code, stderr, want)
		}
	}
}

func TestPlayRefusesWhatItCannotDo(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--screenshot", filepath.Join(dir, "x.png"), "--at", "71ms"},
			"socketlab: play: --at 71ms is past the end of the run: handshake ends at 70ms\n"},
		{[]string{"--screenshot", filepath.Join(dir, "x.jpg"), "--at", "99h"},
			"socketlab: play: --at 99h: out of range 0s to 24h (see 'socketlab play --help')\n"},
		{[]string{"--at", "10ms"}, "socketlab: play: --at applies to --screenshot (the window starts at 0 and has a timeline)\n"},
		{[]string{"--screenshot", "x.gif", "--at", "10ms"}, "socketlab: play: --screenshot x.gif: name a .png or .jpg file\n"},
		{[]string{"--screenshot", "shot", "--at", "10ms"}, "socketlab: play: --screenshot shot: name a .png or .jpg file\n"},
	} {
		args := append([]string{"play"}, tc.args...)
		stdout, stderr, code := runCLI(t, context.Background(), "", args...)
		if code != 2 || stdout != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q\nstderr %q\nwant   %q", args, code, stdout, stderr, tc.want)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("a refused screenshot wrote %v", files)
	}
}

func TestPNGToJPEG(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	out, err := pngToJPEG(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil || got.Bounds() != img.Bounds() {
		t.Fatalf("not a JPEG of the picture: %v, %v", err, got)
	}
	if _, err := pngToJPEG([]byte("not a png")); err == nil {
		t.Error("garbage converted")
	}
}

func TestServicesMistakes(t *testing.T) {
	dir := t.TempDir()
	binary := filepath.Join(dir, "prog")
	if err := os.WriteFile(binary, append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0, 0xff, 0x13}, 300)...), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"a/b/c"}, 2, "socketlab: services: \"a/b/c\": want NAME/PROTO or PORT/PROTO with one /, e.g. http/tcp\n"},
		{[]string{"-1/tcp"}, 2, "socketlab: services: \"-1/tcp\": a port is a number from 0 to 65535\n"},
		{[]string{"http/t%p"}, 2, "socketlab: services: \"http/t%p\": the protocol after the / is a name such as tcp or udp\n"},
		{[]string{"ht tp"}, 2, "socketlab: services: \"ht tp\": a service name is letters, digits and '-', such as http\n"},
		{[]string{"--file", binary, "http"}, 1, "socketlab: services: --file " + binary + " has no service entries (lines like \"http 80/tcp www\"): is it a services file?\n"},
		{[]string{"--file", dir, "http"}, 1, "socketlab: services: --file " + dir + " is not a regular file\n"},
		{[]string{"--file", "", "http"}, 2, "socketlab: services: --file is empty; give the path of a services file\n"},
	} {
		args := append([]string{"services"}, tc.args...)
		stdout, stderr, code := runCLI(t, context.Background(), "", args...)
		if code != tc.code || stdout != "" || stderr != tc.want {
			t.Errorf("%q: exit %d, stdout %q\nstderr %q\nwant   %q", args, code, stdout, stderr, tc.want)
		}
	}
}

// FuzzParseArgs feeds arbitrary command lines to every command's parse
// stage, which touches neither the network nor the files: it accepts, shows
// the help, or refuses with one line that names the command; it prints
// nothing else and never panics.
func FuzzParseArgs(f *testing.F) {
	for _, seed := range []string{
		"", "--help", "%%%", "--nosuchflag", "--timeout=abc", "127.0.0.1:21567\x00--timeout\x001s",
		"--addr\x00[::1]:0\x00--idle\x00-1s", "--scenario\x00handshake\x00--ladder\x00--width\x0099999999",
		"http/tcp\x00-1/tcp\x00a/b/c", "order\x00-1", "serv\x00--builtin\x0022/tcp", "-x\x00192.0.2.1",
		"--screenshot\x00x.jpg\x00--at\x0099h", "--whatif\x00drop:3\x00--select\x004", "--bytes\x0032MiB\x00--chunk\x000",
		"--\x00-v", "-\x00--=x", "--lang\x00zh\x00--loss\x00NaN", "host\x00a..b\x00--server\x00[::1]", "--size\x00200x200",
	} {
		for i := range commands {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, line string) {
		c := commands[int(which)%len(commands)]
		var args []string
		if line != "" {
			args = strings.Split(line, "\x00")
		}
		var out, errb bytes.Buffer
		act, err := c.parse(c, args, stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
		var ue usageError
		switch {
		case errb.Len() != 0:
			t.Fatalf("%s %q: parse wrote to stderr: %q", c.name, args, errb.String())
		case err == nil:
			if act == nil || out.Len() != 0 {
				t.Fatalf("%s %q: no action, or output %q", c.name, args, out.String())
			}
		case errors.Is(err, errHelpShown):
			if !strings.HasPrefix(out.String(), "Usage: socketlab "+c.name+" ") {
				t.Fatalf("%s %q: help %q", c.name, args, out.String())
			}
		case errors.As(err, &ue):
			if strings.ContainsAny(ue.msg, "\n\r") || !strings.HasPrefix(ue.msg, c.name) || out.Len() != 0 {
				t.Fatalf("%s %q: usage error %q, output %q", c.name, args, ue.msg, out.String())
			}
		default:
			t.Fatalf("%s %q: parse failed with a non-usage error: %v", c.name, args, err)
		}
	})
}

// FuzzCheckHostPort checks the address parser every HOST:PORT argument
// goes through: what it accepts splits into a host and a port number or
// service name; what it refuses is an address error, shown as one line.
func FuzzCheckHostPort(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1:21567", "[::1]:21567", ":0", "localhost", "::1:21567", "127.0.0.1:65536", "h:http", "h:abc",
		"h:-1", "[::1", "[fe80::1%eth0]:80", "a b:1", "h:\n", "x\ny", "[]:1", ":", "h:1:2", "[::1]:http-alt",
	} {
		f.Add(s)
	}
	fs := newFlags(tcpClientCmd)
	f.Fuzz(func(t *testing.T, s string) {
		err := core.CheckHostPort(s)
		if err == nil {
			host, port, err := net.SplitHostPort(s)
			if err != nil {
				t.Fatalf("CheckHostPort(%q) accepted what SplitHostPort refuses: %v", s, err)
			}
			if strings.ContainsAny(host, " \t\r\n/[]\x00") {
				t.Fatalf("CheckHostPort(%q) accepted host %q", s, host)
			}
			if isDigitsOnly(port) {
				if n, err := strconv.Atoi(port); err != nil || n > 65535 {
					t.Fatalf("CheckHostPort(%q) accepted port %q", s, port)
				}
			} else if !regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`).MatchString(port) {
				t.Fatalf("CheckHostPort(%q) accepted port %q", s, port)
			}
			return
		}
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Class != core.ClassAddress {
			t.Fatalf("CheckHostPort(%q) = %v, want a ClassAddress *core.Error", s, err)
		}
		// The CLI shows it as exactly one line.
		_, err = addrArg(fs, []string{s})
		var b bytes.Buffer
		if code := report(err, &b); code != 2 || strings.Count(b.String(), "\n") != 1 {
			t.Fatalf("tcp-client %q: exit %d, stderr %q", s, code, b.String())
		}
	})
}

func isDigitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// --screenshot x.jpg writes a JPEG, not PNG bytes under a .jpg name. It
// needs an X server: the test runs socketlab under xvfb-run when there is
// one.
func TestPlayScreenshotJPEG(t *testing.T) {
	xvfb, err := exec.LookPath("xvfb-run")
	if err != nil {
		t.Skip("no xvfb-run")
	}
	shot := filepath.Join(t.TempDir(), "handshake.jpg")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, xvfb, "-a", "-s", "-screen 0 640x480x24", os.Args[0])
	cmd.Env = append(os.Environ(), "SOCKETLAB_TEST_ARGS=play --scenario handshake --screenshot "+shot+" --at 25ms --size 400x300")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if want := "wrote " + shot + " (400x300, handshake at 25ms)\n"; string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 400 || img.Bounds().Dy() != 300 {
		t.Fatalf("not a 400x300 JPEG: %v", err)
	}
}
