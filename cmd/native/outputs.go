package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
)

// output is one file (or stdout) written as the events come, so that
// neither sim nor replay holds a whole trace for it.
type output struct {
	sink trace.Sink
	err  func() error // the first error so far: a run stops at it
	done func() error // flushes, closes, and reports the first error
}

// outputs hands every event to each output.
type outputs []*output

// Emit implements trace.Sink.
func (outs outputs) Emit(e *trace.Event) {
	for _, o := range outs {
		o.sink.Emit(e)
	}
}

// err returns the first output's error so far.
func (outs outputs) err() error {
	for _, o := range outs {
		if err := o.err(); err != nil {
			return err
		}
	}
	return nil
}

// finish finishes every output and returns the first error.
func (outs outputs) finish() error {
	var first error
	for _, o := range outs {
		if err := o.done(); first == nil {
			first = err
		}
	}
	return first
}

// openFiles appends the --jsonl and --pcap outputs the command line asks
// for ("" = none); on an error the outputs already open are finished.
func (outs *outputs) openFiles(cmd, jsonl, pcapFile string, stdout io.Writer, h *trace.Header) error {
	if jsonl != "" {
		o, err := jsonlOut(cmd, jsonl, stdout, h)
		if err != nil {
			outs.finish()
			return err
		}
		*outs = append(*outs, o)
	}
	if pcapFile != "" {
		o, err := pcapOut(cmd, pcapFile, stdout)
		if err != nil {
			outs.finish()
			return err
		}
		*outs = append(*outs, o)
	}
	return nil
}

// sinkOutput is an output that only collects (a trace, a summary).
func sinkOutput(s trace.Sink) *output { return &output{sink: s, err: noErr, done: noErr} }

func noErr() error { return nil }

// createOut opens path for writing, buffered, or stdout for "-"; cmd
// names the command in an error.
func createOut(cmd, path string, stdout io.Writer) (*bufio.Writer, func() error, error) {
	if path == "-" {
		return bufio.NewWriterSize(stdout, 64<<10), func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", cmd, err)
	}
	return bufio.NewWriterSize(f, 64<<10), f.Close, nil
}

// newOutput finishes an output whose sink writes to bw: done flushes bw
// and closes the file; an error names path ("writing run.jsonl: …").
func newOutput(path string, sink trace.Sink, sinkErr func() error, bw *bufio.Writer, closeFile func() error) *output {
	return &output{sink: sink, err: sinkErr, done: func() error {
		err := sinkErr()
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		if cerr := closeFile(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %v", path, err)
		}
		return nil
	}}
}

// jsonlOut streams the events as JSON lines to path (- is stdout).
func jsonlOut(cmd, path string, stdout io.Writer, h *trace.Header) (*output, error) {
	bw, closeFile, err := createOut(cmd, path, stdout)
	if err != nil {
		return nil, err
	}
	jw := trace.NewJSONLWriter(bw)
	if err := jw.WriteHeader(h); err != nil {
		closeFile()
		return nil, fmt.Errorf("%s: writing %s: %v", cmd, path, err)
	}
	return newOutput(path, jw, jw.Err, bw, closeFile), nil
}

// pcapOut streams the packets as a pcap file to path (- is stdout), frame
// for frame what pcap.Write writes for the whole trace.
func pcapOut(cmd, path string, stdout io.Writer) (*output, error) {
	bw, closeFile, err := createOut(cmd, path, stdout)
	if err != nil {
		return nil, err
	}
	pw, err := pcap.NewWriter(bw)
	if err != nil {
		closeFile()
		return nil, fmt.Errorf("%s: writing %s: %v", cmd, path, err)
	}
	return newOutput(path, pw, pw.Err, bw, closeFile), nil
}

// ladderOut draws the ladder to stdout as the events come.
func ladderOut(stdout io.Writer, h *trace.Header, opts trace.LadderOptions) (*output, error) {
	lw, err := trace.NewLadderWriter(stdout, h, opts)
	if err != nil {
		return nil, err
	}
	return &output{sink: lw, err: lw.Err, done: func() error {
		if err := lw.Close(); err != nil {
			return fmt.Errorf("ladder: %v", err)
		}
		return nil
	}}, nil
}
