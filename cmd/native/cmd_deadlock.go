package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"socketlab/core"
	"socketlab/sim/trace"
)

var deadlockCmd = &command{
	name:    "deadlock",
	args:    "[--mode write-write|read-read|fixed-concurrent|fixed-alternate] [--bytes 32MiB] [--stall 2s] [--trace FILE]",
	summary: "act out the textbook's deadlock over loopback TCP: both sides send (or both receive) and nobody reads — and the fixes",
	parse:   parseDeadlock,
}

func parseDeadlock(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	mode := fs.String("mode", "write-write", "`MODE`: write-write (both send first), read-read (both receive first), fixed-concurrent (send and receive at once), fixed-alternate (receive after each send)")
	bytesFlag := fs.String("bytes", "32MiB", "how much each side sends (`SIZE`: bytes, or with K, M, G / KiB, MiB, GiB; 1 to 4GiB)")
	chunk := fs.String("chunk", "64KiB", "`SIZE` of one send/recv call, and of one message in fixed-alternate (1 to 16MiB)")
	stall := durationFlag(fs, "stall", core.DefaultDeadlockStall, time.Millisecond, 10*time.Minute, "",
		"call it a deadlock when no byte moves for this `duration`")
	sndbuf := fs.String("sndbuf", "0", "set SO_SNDBUF to this `SIZE` on both sockets (0: the kernel's autotuning; at most 64MiB)")
	rcvbuf := fs.String("rcvbuf", "0", "set SO_RCVBUF to this `SIZE` on both sockets (0: the kernel's autotuning; at most 64MiB)")
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("deadlock: unexpected argument %s; see 'socketlab deadlock --help'", strconv.Quote(pos[0]))
	}
	m, err := core.ParseDeadlockMode(*mode)
	if err != nil {
		return nil, usagef("deadlock: --mode: %v", err)
	}
	cfg := core.DeadlockConfig{Mode: m, Stall: *stall}
	sizes := []struct {
		name     string
		s        string
		min, max int64
		dst      func(int64)
	}{
		{"--bytes", *bytesFlag, 1, 4 << 30, func(n int64) { cfg.Bytes = n }},
		{"--chunk", *chunk, 1, 16 << 20, func(n int64) { cfg.Chunk = int(n) }},
		{"--sndbuf", *sndbuf, 0, 64 << 20, func(n int64) { cfg.SendBuf = int(n) }},
		{"--rcvbuf", *rcvbuf, 0, 64 << 20, func(n int64) { cfg.RecvBuf = int(n) }},
	}
	for _, sz := range sizes {
		n, err := parseByteSize(sz.s)
		if err != nil {
			return nil, usagef("deadlock: %s: %v", sz.name, err)
		}
		if n < sz.min || n > sz.max {
			return nil, usagef("deadlock: %s %s is out of range %d to %d bytes", sz.name, shown(sz.s), sz.min, sz.max)
		}
		sz.dst(n)
	}
	if err := checkTraceFlag(fs, *traceFile, true); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error {
			cfg.Trace = tr
			return deadlock(ctx, std, m, cfg)
		})
	}, nil
}

func deadlock(ctx context.Context, io stdio, m core.DeadlockMode, cfg core.DeadlockConfig) error {
	out := io.Out
	fmt.Fprintf(out, "deadlock demo, mode %s: a client and a server on one loopback TCP connection\n", m)
	cfg.Trace = narrate(cfg.Trace, out)
	res, err := core.Deadlock(ctx, cfg)
	var de *core.DeadlockError
	switch {
	case errors.As(err, &de) && m.Stalls():
		fmt.Fprintf(out, "\nresult: DEADLOCK after %.1fs — %s.\n", res.Elapsed.Seconds(), de.Explain())
		if m == core.DeadlockReadRead {
			fmt.Fprintln(out, "lesson: when both sides wait for the other to speak first, nothing ever happens: the protocol must")
			fmt.Fprintln(out, "        say who talks first (in the textbook the client sends, the server answers).")
			fmt.Fprintln(out, "fix:    let one side send first; a timeout (settimeout / SetDeadline) turns a silent hang into an error, as this demo does.")
			return nil
		}
		fmt.Fprintf(out, "lesson: a protocol where both sides send before they read works while the data fits in the buffers\n"+
			"        (here it stalled after %s from the client and %s from the server) and hangs for good beyond that.\n",
			sizeText(res.Client.Sent), sizeText(res.Server.Sent))
		fmt.Fprintln(out, "fix:    send and receive at the same time (--mode fixed-concurrent), or receive after each send (--mode fixed-alternate);")
		fmt.Fprintln(out, "        a timeout (settimeout / SetDeadline) turns a silent hang into an error, as this demo does.")
		return nil
	case err != nil:
		return err
	case m.Stalls():
		fmt.Fprintf(out, "\nresult: no deadlock — %s each way fit into the socket buffers, so both sends finished before anyone read.\n", sizeText(res.Bytes))
		fmt.Fprintln(out, "lesson: this is why the bug hides in small tests; try a larger --bytes (the default 32MiB stalls).")
		return nil
	}
	fmt.Fprintf(out, "\nresult: no deadlock — %s went each way in %v; every byte was checked.\n", sizeText(res.Bytes), res.Elapsed.Round(time.Millisecond))
	if m == core.DeadlockFixedConcurrent {
		fmt.Fprintln(out, "why:    each side's receiver drains the buffer its peer's sender fills, so no buffer stays full.")
	} else {
		fmt.Fprintf(out, "why:    one %s message at a time always fits into the buffers, and it is read before the next is sent.\n", sizeText(int64(res.Chunk)))
	}
	return nil
}

// parseByteSize reads "1234", "64K", "64KiB", "32M", "1G" (powers of 1024;
// case does not matter).
func parseByteSize(s string) (int64, error) {
	bad := fmt.Errorf("invalid size %q: write a number of bytes, optionally followed by K, M or G (or KiB, MiB, GiB), e.g. 32MiB", s)
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "IB"), "B")
	shift := 0
	if t != "" {
		switch t[len(t)-1] {
		case 'K':
			shift = 10
		case 'M':
			shift = 20
		case 'G':
			shift = 30
		}
		if shift > 0 {
			t = t[:len(t)-1]
		}
	}
	if t == "" || t[0] == '+' || t[0] == '-' {
		return 0, bad
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n > 1<<(62-shift) {
		return 0, bad
	}
	return n << shift, nil
}

// sizeText formats bytes for people: "512 B", "64.0 KiB", "3.8 MiB".
func sizeText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// narrate returns tr (or, when tr is off, a Tracer reading no TCP_INFO)
// with its Sink also printing the demo's narration — its notes with no
// node — to out, each with its time since the demo began: "[ 0.012s]
// progress: …". The narration is one consumer of the demo's events,
// --trace another.
func narrate(tr core.Tracer, out io.Writer) core.Tracer {
	if !tr.On() {
		tr = core.Tracer{Start: time.Now(), StatEvery: -1}
	}
	t0 := tr.At(time.Now())
	next := tr.Sink
	tr.Sink = trace.SinkFunc(func(e *trace.Event) {
		if e.Kind == trace.KindNote && e.Node == "" {
			fmt.Fprintf(out, "[%6.3fs] %s\n", (e.At - t0).Seconds(), e.Text)
		}
		if next != nil {
			next.Emit(e)
		}
	})
	return tr
}
