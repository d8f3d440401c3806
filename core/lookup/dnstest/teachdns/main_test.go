package main

import (
	"bytes"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that run may write while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// The default must not be the mDNS port, which avahi holds on most
// desktops, and must stay on loopback.
func TestDefaultAddr(t *testing.T) {
	host, port, err := net.SplitHostPort(defaultAddr)
	if err != nil || port == "5353" || port == "53" || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("defaultAddr %q: want a loopback address on a port other than 53 and 5353", defaultAddr)
	}
}

// The README's classroom section shows the address teachdns prints and
// points the commands at it; no example still uses the mDNS port.
func TestReadmeMatchesDefault(t *testing.T) {
	doc, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(doc)
	if !strings.Contains(readme, "$ go run ./core/lookup/dnstest/teachdns\nteaching zone on "+defaultAddr+" (UDP and TCP):\n") {
		t.Errorf("README does not show teachdns printing %q", defaultAddr)
	}
	if !strings.Contains(readme, "--server "+defaultAddr+" ") {
		t.Errorf("README never points --server at %s", defaultAddr)
	}
	if m := regexp.MustCompile(`.*(:5353|-p 5353).*`).FindString(readme); m != "" {
		t.Errorf("README still uses port 5353: %q", m)
	}
}

func TestRunServesAndStops(t *testing.T) {
	var out, errb lockedBuffer
	stop := make(chan struct{})
	done := make(chan int, 1)
	go func() { done <- run([]string{"-addr", "127.0.0.1:0"}, &out, &errb, stop) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "www.example.test.") {
		if time.Now().After(deadline) {
			t.Fatalf("no zone printed: %q, stderr %q", out.String(), errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !regexp.MustCompile(`^teaching zone on 127\.0\.0\.1:\d+ \(UDP and TCP\):\n`).MatchString(out.String()) {
		t.Errorf("first line: %q", out.String())
	}
	close(stop)
	select {
	case code := <-done:
		if code != 0 || errb.String() != "" {
			t.Fatalf("exit %d, stderr %q", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("teachdns did not stop")
	}
}

func TestRunCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args         []string
		code         int
		stdout, want string
	}{
		{[]string{"-h"}, 0, "Usage: go run ./core/lookup/dnstest/teachdns [-addr HOST:PORT] [-silent]\n", ""},
		{[]string{"-nosuch"}, 2, "", "teachdns: flag provided but not defined: -nosuch (see 'teachdns -h')\n"},
		{[]string{"extra"}, 2, "", "teachdns: unexpected argument \"extra\"; the address is given with -addr\n"},
		{[]string{"-addr", "127.0.0.1:99999"}, 1, "", "teachdns: "},
	} {
		var out, errb lockedBuffer
		code := run(tc.args, &out, &errb, nil)
		if code != tc.code || !strings.HasPrefix(out.String(), tc.stdout) || !strings.HasPrefix(errb.String(), tc.want) ||
			strings.Count(errb.String(), "\n") > 1 {
			t.Errorf("teachdns %q: exit %d, stdout %q, stderr %q", tc.args, code, out.String(), errb.String())
		}
	}
}
