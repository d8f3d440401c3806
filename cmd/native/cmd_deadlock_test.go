package main

import (
	"context"
	"strings"
	"testing"
)

func TestDeadlockCLIWriteWrite(t *testing.T) {
	stdout, stderr, code := runCLI(t, context.Background(), "", "deadlock", "--bytes", "16MiB", "--stall", "300ms")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"deadlock demo, mode write-write: a client and a server on one loopback TCP connection\n",
		"] both sides: send 16.0 MiB (in 64.0 KiB pieces), and only then receive\n",
		"] no byte moved for 300ms\n",
		"] DEADLOCK: both sides are blocked in send: each one's receive buffer is full because nobody reads\n",
		"\nresult: DEADLOCK after ",
		"fix:    send and receive at the same time (--mode fixed-concurrent)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestDeadlockCLIModes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--mode", "read-read", "--bytes", "1M", "--stall", "200ms"},
			"result: DEADLOCK after 0.2s — both sides are blocked in recv: each waits for the other to send first, and nobody does.\n" +
				"lesson: when both sides wait for the other to speak first, nothing ever happens: the protocol must\n"},
		{[]string{"--mode", "fixed-concurrent", "--bytes", "8MiB"},
			"result: no deadlock — 8.0 MiB went each way in "},
		{[]string{"--mode", "fixed-alternate", "--bytes", "3000000", "--chunk", "4k"},
			"why:    one 4.0 KiB message at a time always fits into the buffers, and it is read before the next is sent.\n"},
		{[]string{"--bytes", "20KiB"},
			"result: no deadlock — 20.0 KiB each way fit into the socket buffers, so both sends finished before anyone read.\n"},
		{[]string{"--bytes", "2MiB", "--sndbuf", "16K", "--rcvbuf", "16K", "--stall", "200ms"},
			"] client socket buffers: SO_SNDBUF=32.0 KiB SO_RCVBUF=32.0 KiB\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", append([]string{"deadlock"}, tc.args...)...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, tc.want) {
			t.Errorf("deadlock %v: exit %d, stderr %q, stdout lacks %q:\n%s", tc.args, code, stderr, tc.want, stdout)
		}
	}
}

func TestDeadlockCLIUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--mode", "both"}, `socketlab: deadlock: --mode: unknown deadlock mode "both"; want one of write-write, read-read, fixed-concurrent, fixed-alternate` + "\n"},
		{[]string{"--bytes", "12Q"}, `socketlab: deadlock: --bytes: invalid size "12Q": write a number of bytes, optionally followed by K, M or G (or KiB, MiB, GiB), e.g. 32MiB` + "\n"},
		{[]string{"--bytes", "0"}, "socketlab: deadlock: --bytes 0 is out of range 1 to 4294967296 bytes\n"},
		{[]string{"--stall", "0s"}, "socketlab: deadlock: --stall 0s: out of range 1ms to 10m (see 'socketlab deadlock --help')\n"},
		{[]string{"extra"}, `socketlab: deadlock: unexpected argument "extra"; see 'socketlab deadlock --help'` + "\n"},
	} {
		_, stderr, code := runCLI(t, context.Background(), "", append([]string{"deadlock"}, tc.args...)...)
		if code != 2 || stderr != tc.want {
			t.Errorf("deadlock %v: exit %d, stderr %q, want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1234", 1234, true}, {"64K", 64 << 10, true}, {"64kib", 64 << 10, true},
		{"64KB", 64 << 10, true}, {"32MiB", 32 << 20, true}, {"1G", 1 << 30, true}, {" 5 ", 5, true},
		{"12B", 12, true}, {"", 0, false}, {"K", 0, false}, {"-1", 0, false}, {"+1", 0, false},
		{"1.5M", 0, false}, {"12Q", 0, false}, {"9999999999G", 0, false}, {"1 M", 0, false},
	} {
		got, err := parseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"0", "64K", "32MiB", "1G", "", "-1", "9223372036854775807", "8589934591G"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseByteSize(s)
		if err == nil && n < 0 {
			t.Fatalf("parseByteSize(%q) = %d: negative", s, n)
		}
		if err != nil && n != 0 {
			t.Fatalf("parseByteSize(%q) = %d with error %v", s, n, err)
		}
	})
}
