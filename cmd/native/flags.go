package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"socketlab/sim/tcp"
	"strconv"
	"strings"
	"time"
)

// Every size, count and duration flag has a range, checked as the flag
// is parsed: a value outside it is a one-line usage error that says the
// range, before anything is allocated, bound or sent.

// maxWait bounds every --timeout: a day is longer than any lesson.
const maxWait = 24 * time.Hour

// rangeError is what a bounded flag says about a value it refuses.
type rangeError struct{ msg string }

func (e rangeError) Error() string { return e.msg }

// number is what a bounded flag may hold.
type number interface {
	~int | ~int64 | ~float64
}

// bounded is a flag.Value of type T that accepts values from lo to hi,
// and negative ones too when never says what they mean (--idle).
type bounded[T number] struct {
	p      *T
	lo, hi T
	never  string // if set, a negative value is allowed and means this
	want   string // what a value looks like, e.g. "a whole number"
	parse  func(string) (T, error)
	format func(T) string
}

func (b *bounded[T]) String() string {
	if b == nil || b.p == nil {
		var zero T
		return fmt.Sprint(zero)
	}
	if b.format != nil {
		return b.format(*b.p)
	}
	return fmt.Sprint(*b.p)
}

func (b *bounded[T]) Get() any { return *b.p }

func (b *bounded[T]) Set(s string) error {
	v, err := b.parse(s)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return rangeError{"out of range " + b.rangeText()}
	case err != nil:
		return rangeError{"want " + b.want + " (" + b.rangeText() + ")"}
	case b.never != "" && v < 0:
	case !(v >= b.lo && v <= b.hi): // also refuses NaN
		return rangeError{"out of range " + b.rangeText()}
	}
	*b.p = v
	return nil
}

// allowsNever reports whether a negative value is accepted (and means never).
func (b *bounded[T]) allowsNever() bool { return b.never != "" }

func (b *bounded[T]) rangeText() string {
	s := b.text(b.lo) + " to " + b.text(b.hi)
	if b.never != "" {
		s += ", or negative: " + b.never
	}
	return s
}

func (b *bounded[T]) text(v T) string {
	if b.format != nil {
		return b.format(v)
	}
	return fmt.Sprint(v)
}

// withRange appends the accepted range to a flag's help text.
func withRange[T number](b *bounded[T], usage string) string {
	return usage + " (" + b.rangeText() + ")"
}

// intFlag defines an int flag that accepts lo to hi.
func intFlag(fs *flag.FlagSet, name string, def, lo, hi int, usage string) *int {
	p := new(int)
	*p = def
	b := &bounded[int]{p: p, lo: lo, hi: hi, want: "a whole number", parse: func(s string) (int, error) {
		n, err := strconv.ParseInt(s, 0, strconv.IntSize)
		return int(n), err
	}}
	fs.Var(b, name, withRange(b, usage))
	return p
}

// int64Flag defines an int64 flag that accepts lo to hi.
func int64Flag(fs *flag.FlagSet, name string, def, lo, hi int64, usage string) *int64 {
	p := new(int64)
	*p = def
	b := &bounded[int64]{p: p, lo: lo, hi: hi, want: "a whole number", parse: func(s string) (int64, error) {
		return strconv.ParseInt(s, 0, 64)
	}}
	fs.Var(b, name, withRange(b, usage))
	return p
}

// probabilityFlag defines a float64 flag that accepts 0 to 1.
func probabilityFlag(fs *flag.FlagSet, name, usage string) *float64 {
	p := new(float64)
	b := &bounded[float64]{p: p, lo: 0, hi: 1, want: "a probability such as 0.1", parse: func(s string) (float64, error) {
		f, err := strconv.ParseFloat(s, 64)
		if errors.Is(err, strconv.ErrRange) {
			err = nil // ±Inf or 0: the range check decides
		}
		return f, err
	}}
	fs.Var(b, name, withRange(b, usage))
	return p
}

// durationFlag defines a duration flag that accepts lo to hi; never, if
// not empty, allows negative values and says what they mean.
func durationFlag(fs *flag.FlagSet, name string, def, lo, hi time.Duration, never, usage string) *time.Duration {
	p := new(time.Duration)
	*p = def
	b := &bounded[time.Duration]{p: p, lo: lo, hi: hi, never: never, want: "a duration such as 10s or 250ms",
		parse: time.ParseDuration, format: durationText}
	fs.Var(b, name, withRange(b, usage))
	return p
}

// timeoutFlag is the --timeout of the clients: 0 means no limit.
func timeoutFlag(fs *flag.FlagSet, def time.Duration, usage string) *time.Duration {
	return durationFlag(fs, "timeout", def, 0, maxWait, "", usage+" (0: never)")
}

// durationText is d as people write it: 24h rather than 24h0m0s.
func durationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// flagDuration returns the value of a duration flag of fs, if it has one.
func flagDuration(fs *flag.FlagSet, name string) (time.Duration, bool) {
	f := fs.Lookup(name)
	if f == nil {
		return 0, false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return 0, false
	}
	d, ok := g.Get().(time.Duration)
	return d, ok
}

// wasFlagGiven reports whether the flag name was given on the command line.
func wasFlagGiven(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// maxScenarioFile bounds a scenario file: the presets are a few KiB.
const maxScenarioFile = 4 << 20

// readScenarioFile reads a scenario file of at most maxScenarioFile bytes;
// a device or a directory is refused before anything is read.
func readScenarioFile(path string) ([]byte, error) {
	return readSmallFile(path, maxScenarioFile, "a scenario file is a few KiB of JSON")
}

// readSmallFile reads a regular file of at most limit bytes; a device or a
// directory is refused before anything is read, and a larger file is
// refused with typical, which says what such a file usually is.
func readSmallFile(path string, limit int, typical string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB; %s", path, limit>>20, typical)
	}
	return data, nil
}

// wireFlags are the --trace and --pcap of every command that opens
// sockets: what the sockets do, and what went over the wire.
type wireFlags struct {
	trace string // JSON lines of the socket calls (and, with --pcap, the segments)
	pcap  string // the captured segments as a pcap file
}

// traceFlag adds --trace and --pcap to fs.
func traceFlag(fs *flag.FlagSet) *wireFlags {
	w := new(wireFlags)
	fs.StringVar(&w.trace, "trace", "", "write what the sockets do — every socket call, the kernel's TCP state, RTT and cwnd (TCP_INFO) — "+
		"as JSON lines to `FILE` while the command runs; 'socketlab replay FILE' draws them")
	if !strings.HasPrefix(fs.Name(), "unix-") { // a Unix socket never reaches a network interface
		fs.StringVar(&w.pcap, "pcap", "", "capture the segments of this command's own sockets from the wire (loopback) into a pcap `FILE` "+
			"for Wireshark, and into --trace (needs root or CAP_NET_RAW)")
	}
	return w
}

// checkTraceFlag refuses --trace - for a command whose stdout is its
// own output (replies, results): the events would be mixed into it. A
// server, whose stdout is otherwise unused, may trace to stdout. A pcap
// file is binary: never stdout.
func checkTraceFlag(fs *flag.FlagSet, w wireFlags, stdoutIsOutput bool) error {
	if w.trace == "-" && stdoutIsOutput {
		return usagef("%s: --trace -: stdout carries this command's own output; give a file name, e.g. --trace run.jsonl", fs.Name())
	}
	if w.pcap == "-" {
		return usagef("%s: --pcap -: a pcap file is binary; give a file name, e.g. --pcap run.pcap", fs.Name())
	}
	if strings.ContainsRune(w.trace, 0) || strings.ContainsRune(w.pcap, 0) {
		return usagef("%s: --trace or --pcap contains a NUL byte", fs.Name())
	}
	if w.pcap != "" && w.pcap == w.trace {
		return usagef("%s: --trace and --pcap name the same file", fs.Name())
	}
	return nil
}

// profileFlag is --profile, the TCP every simulated host runs.
func profileFlag(fs *flag.FlagSet) *string {
	return fs.String("profile", "", "the TCP every host runs: `rfc` (the textbook) or linux (what your kernel does: IW10, SACK, timestamps, CUBIC, 200 ms RTO); default: the scenario's")
}

// checkProfile refuses a --profile that names no profile.
func checkProfile(cmd, profile string) error {
	if _, err := tcp.ParseProfile(profile); err != nil {
		return usagef("%s: --profile: %v", cmd, err)
	}
	return nil
}
