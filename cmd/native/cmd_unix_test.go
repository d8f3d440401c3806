package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUnixServerAndClientCLI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ts.sock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		err := run(ctx, []string{"unix-server", "--path", path}, stdio{In: strings.NewReader(""), Out: &syncBuffer{}, Err: stderr})
		done <- report(err, stderr)
	}()
	for i := 0; !strings.Contains(stderr.String(), "listening on unix "+path+"\n"); i++ {
		if i == 1000 {
			t.Fatalf("no listening line: %q", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}

	stdout, errOut, code := runCLI(t, context.Background(), "hello\n你好\n\nnot sent\n", "unix-client", "--path", path)
	if code != 0 || errOut != "" {
		t.Fatalf("unix-client: exit %d, stderr %q", code, errOut)
	}
	checkReplies(t, stdout, "hello", "你好")

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("unix-server exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("unix-server did not stop")
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file left behind: %v", err)
	}
	if log := stderr.String(); !strings.Contains(log, "shutting down: context canceled\n") {
		t.Errorf("log:\n%s", log)
	}
}

func TestUnixCLIErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nobody.sock")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"unix-server"}, 2, "socketlab: unix-server: missing --path, e.g. socketlab unix-server --path /tmp/ts.sock\n"},
		{[]string{"unix-client", "x.sock"}, 2, "socketlab: unix-client: unexpected argument \"x.sock\"; the socket is given with --path\n"},
		{[]string{"unix-server", "--path", file, "--idle", "0s"}, 2, "socketlab: unix-server: --idle 0s: out of range 1ms to 24h, or negative: never (see 'socketlab unix-server --help')\n"},
		{[]string{"unix-server", "--path", file}, 1, "socketlab: listen unix " + file + ": refusing to remove it: not a socket (it is a regular file); delete it yourself or choose another path [socket.error]\n"},
		{[]string{"unix-client", "--path", missing}, 1, "socketlab: connect unix " + missing + ": no such file or directory [socket.error]\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", tc.args...)
		if code != tc.code || stderr != tc.want {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "keep me" {
		t.Errorf("the regular file was changed: %q", b)
	}
}
