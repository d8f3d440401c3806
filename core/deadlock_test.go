package core

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"socketlab/sim/trace"
)

func TestDeadlockWriteWriteStalls(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const stall = 500 * time.Millisecond
	var lines []string
	start := time.Now()
	res, err := Deadlock(ctx, DeadlockConfig{
		Mode:  DeadlockWriteWrite,
		Bytes: 16 << 20,
		Stall: stall,
		Trace: narration(&lines),
	})
	took := time.Since(start)
	var de *DeadlockError
	if !errors.As(err, &de) || !errors.Is(err, ErrDeadlock) {
		t.Fatalf("err = %v, want a *DeadlockError", err)
	}
	// Buffers fill in milliseconds; then one stall period; bounded well below 10s.
	if took < stall || took > 10*time.Second {
		t.Errorf("Deadlock returned after %v, want between %v and 10s", took, stall)
	}
	if !res.Stalled || de.Client.Blocked != "send" || de.Server.Blocked != "send" {
		t.Fatalf("stalled=%v blocked client=%q server=%q, want both in send", res.Stalled, de.Client.Blocked, de.Server.Blocked)
	}
	want := "deadlock in write-write mode: both sides are blocked in send: each one's receive buffer is full because nobody reads (no progress for 500ms)"
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	for _, p := range []DeadlockPeer{res.Client, res.Server} {
		if p.Sent == 0 || p.Sent >= 16<<20 || p.Received != 0 {
			t.Errorf("%s sent %d received %d: want a partial send and nothing received", p.Name, p.Sent, p.Received)
		}
	}
	if runtime.GOOS == "linux" {
		// Every byte sent is in the sender's send queue or the receiver's
		// receive queue: nobody read anything.
		for _, pq := range [][2]DeadlockPeer{{res.Client, res.Server}, {res.Server, res.Client}} {
			p, q := pq[0], pq[1]
			if !p.QueuesKnown || int64(p.SendQueue+q.RecvQueue)+q.Received != p.Sent {
				t.Errorf("%s sent %d but send queue %d + peer receive queue %d + peer read %d differ",
					p.Name, p.Sent, p.SendQueue, q.RecvQueue, q.Received)
			}
		}
	}
	text := strings.Join(lines, "\n")
	for _, s := range []string{"SO_SNDBUF=", "no byte moved for 500ms", "DEADLOCK: both sides are blocked in send", "unblocked both sides"} {
		if !strings.Contains(text, s) {
			t.Errorf("narration lacks %q:\n%s", s, text)
		}
	}
}

func TestDeadlockReadReadStalls(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Deadlock(ctx, DeadlockConfig{Mode: DeadlockReadRead, Bytes: 1 << 20, Stall: 200 * time.Millisecond})
	var de *DeadlockError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *DeadlockError", err)
	}
	if de.Client.Blocked != "recv" || de.Server.Blocked != "recv" || res.Client.Sent != 0 || res.Server.Sent != 0 {
		t.Fatalf("client %+v server %+v: want both blocked in recv having sent nothing", res.Client, res.Server)
	}
	if !strings.Contains(err.Error(), "each waits for the other to send first") {
		t.Errorf("err = %q", err)
	}
}

// With small buffers set by hand the same protocol stalls after far fewer
// bytes: the lesson that buffer size only moves the cliff.
func TestDeadlockSmallBuffersStallEarlier(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("setting buffer sizes is implemented for Linux only")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Deadlock(ctx, DeadlockConfig{Bytes: 4 << 20, SendBuf: 32 << 10, RecvBuf: 32 << 10, Stall: 400 * time.Millisecond})
	if !errors.Is(err, ErrDeadlock) {
		t.Fatalf("err = %v, want a deadlock", err)
	}
	// Linux doubles what setsockopt asks for.
	if res.Client.SndBufStart != 64<<10 || res.Client.RcvBufStart != 64<<10 {
		t.Errorf("buffers = %d/%d, want 65536/65536", res.Client.SndBufStart, res.Client.RcvBufStart)
	}
	if res.Client.Sent > 512<<10 {
		t.Errorf("client sent %d bytes before stalling with 64 KiB buffers; want well under 512 KiB", res.Client.Sent)
	}
}

// A protocol that fits in the buffers does not deadlock even though it is
// written the wrong way round: the trap is that it works in small tests.
func TestDeadlockWriteWriteSmallFits(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	res, err := Deadlock(context.Background(), DeadlockConfig{Bytes: 32 << 10, Stall: 2 * time.Second})
	if err != nil || res.Stalled || res.Client.Received != 32<<10 || res.Server.Received != 32<<10 {
		t.Fatalf("res %+v err %v: want 32 KiB each way without a stall", res, err)
	}
}

func TestDeadlockFixedModesTransferEverything(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, tc := range []struct {
		mode  DeadlockMode
		bytes int64
		chunk int
	}{
		{DeadlockFixedConcurrent, 16 << 20, 0},
		{DeadlockFixedConcurrent, 1<<20 + 7, 1000}, // odd sizes: the last chunk is short
		{DeadlockFixedAlternate, 16 << 20, 0},
		{DeadlockFixedAlternate, 100_003, 4096},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		res, err := Deadlock(ctx, DeadlockConfig{Mode: tc.mode, Bytes: tc.bytes, Chunk: tc.chunk, Stall: 5 * time.Second})
		cancel()
		if err != nil {
			t.Fatalf("%v %d bytes: %v", tc.mode, tc.bytes, err)
		}
		for _, p := range []DeadlockPeer{res.Client, res.Server} {
			if p.Sent != tc.bytes || p.Received != tc.bytes || p.Blocked != "" {
				t.Errorf("%v: %s sent %d received %d blocked %q, want %d both ways", tc.mode, p.Name, p.Sent, p.Received, p.Blocked, tc.bytes)
			}
		}
		if res.Stalled {
			t.Errorf("%v stalled", tc.mode)
		}
	}
}

func TestDeadlockContextCancelUnblocks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := Deadlock(ctx, DeadlockConfig{Mode: DeadlockReadRead, Stall: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestDeadlockBadConfig(t *testing.T) {
	for _, cfg := range []DeadlockConfig{
		{Mode: DeadlockMode(9)},
		{Bytes: -1},
		{Chunk: -1},
		{Chunk: 32 << 20},
		{Stall: -time.Second},
		{SendBuf: -1},
	} {
		if _, err := Deadlock(context.Background(), cfg); err == nil || !strings.HasPrefix(err.Error(), "deadlock: ") {
			t.Errorf("Deadlock(%+v) err = %v, want a deadlock: configuration error", cfg, err)
		}
	}
}

func TestPatternDetectsCorruption(t *testing.T) {
	p := newDeadlockPeer("x", nil, 1)
	q := newDeadlockPeer("y", nil, 2)
	if string(p.pattern[:64]) == string(q.pattern[:64]) {
		t.Fatal("both sides send the same pattern: a reflected stream would pass")
	}
	b := make([]byte, 3*deadlockPatternLen+10)
	const off = deadlockPatternLen - 5 // wraps inside b
	deadlockFill(p.pattern, b, off)
	if i := deadlockCheck(p.pattern, b, off); i != -1 {
		t.Fatalf("intact stream: mismatch at %d", i)
	}
	if i := deadlockCheck(p.pattern, b[1:], off); i == -1 {
		t.Error("a lost byte went unnoticed")
	}
	if i := deadlockCheck(p.pattern, b[4096:], off); i == -1 {
		t.Error("a lost 4 KiB chunk went unnoticed")
	}
	b[deadlockPatternLen+3] ^= 1
	if i := deadlockCheck(p.pattern, b, off); i != deadlockPatternLen+3 {
		t.Errorf("flipped bit at %d reported at %d", deadlockPatternLen+3, i)
	}
}

func TestParseDeadlockMode(t *testing.T) {
	for m := range deadlockModeCount {
		got, err := ParseDeadlockMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseDeadlockMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	_, err := ParseDeadlockMode("both-write")
	want := `unknown deadlock mode "both-write"; want one of write-write, read-read, fixed-concurrent, fixed-alternate`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	if !DeadlockWriteWrite.Stalls() || DeadlockFixedAlternate.Stalls() {
		t.Error("Stalls() is wrong")
	}
}

func FuzzParseDeadlockMode(f *testing.F) {
	for _, s := range []string{"write-write", "read-read", "fixed-concurrent", "fixed-alternate", "", "WRITE-WRITE", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseDeadlockMode(s)
		if err == nil && m.String() != s {
			t.Fatalf("ParseDeadlockMode(%q) = %v", s, m)
		}
	})
}

func TestDeadlockSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {64 << 10, "64.0 KiB"}, {3 << 19, "1.5 MiB"}, {5 << 30, "5.0 GiB"}} {
		if got := deadlockSize(tc.n); got != tc.want {
			t.Errorf("deadlockSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// narration returns a Tracer that collects a deadlock demo's narration,
// its notes with no node, into lines (without TCP_INFO).
func narration(lines *[]string) Tracer {
	var mu sync.Mutex
	return Tracer{Start: time.Now(), StatEvery: -1, Sink: trace.SinkFunc(func(e *trace.Event) {
		if e.Kind == trace.KindNote && e.Node == "" {
			mu.Lock()
			*lines = append(*lines, e.Text)
			mu.Unlock()
		}
	})}
}
