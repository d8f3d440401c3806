//go:build js && wasm

// Command jsclient is the page of the bridge's Chromium test
// (TestBrowser): the browser build of the bridge against a real gateway.
// It reads its targets from the query string and leaves its findings as
// JSON in window.bridgeResult.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"syscall/js"
	"time"

	"socketlab/sim/bridge"
	"socketlab/sim/trace"
)

type result struct {
	TCP     string   `json:"tcp"`
	UDP     string   `json:"udp"`
	Refused string   `json:"refused"`
	Err     string   `json:"err,omitempty"`
	P50     float64  `json:"p50"` // µs, TCP round trips after the first
	P99     float64  `json:"p99"`
	MBps    float64  `json:"mbps"` // reliable channel → TCP sink, MB/s (0: not measured)
	Events  []string `json:"events"`
}

func main() {
	q, _ := url.ParseQuery(strings.TrimPrefix(js.Global().Get("location").Get("search").String(), "?"))
	feed := trace.NewFeed(10000)
	r := run(q.Get("tcp"), q.Get("udp"), q.Get("refused"), feed)
	if sink := q.Get("sink"); sink != "" && r.Err == "" {
		r.MBps, r.Err = bulk(sink)
	}
	evs, _, _ := feed.Take(nil, 10000)
	for _, e := range evs {
		if e.Kind == trace.KindNote {
			e.Op = 0
		}
		r.Events = append(r.Events, fmt.Sprintf("%s %v %s %d %q", e.Node, e.Kind, e.Op, e.N, e.Text))
	}
	out, _ := json.Marshal(r)
	js.Global().Set("bridgeResult", string(out))
}

// rounds is how many round trips the page measures.
const rounds = 200

func run(tcp, udp, refused string, feed *trace.Feed) (r result) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := bridge.Dial(ctx, bridge.Config{URL: "/rtc", Sink: feed})
	if err != nil {
		r.Err = "dial: " + err.Error()
		return r
	}
	defer b.Close()
	s, err := b.TCP(ctx, tcp)
	if err != nil {
		r.Err = "tcp: " + err.Error()
		return r
	}
	if _, err := s.Write([]byte("hello")); err != nil {
		r.Err = "write: " + err.Error()
		return r
	}
	buf := make([]byte, 32)
	if _, err := io.ReadFull(s, buf); err != nil {
		r.Err = "read: " + err.Error()
		return r
	}
	r.TCP = string(buf)
	rtts := make([]time.Duration, 0, rounds)
	for range rounds {
		start := time.Now()
		if _, err := s.Write([]byte("hello")); err != nil {
			r.Err = "write: " + err.Error()
			return r
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			r.Err = "read: " + err.Error()
			return r
		}
		rtts = append(rtts, time.Since(start))
	}
	slices.Sort(rtts)
	r.P50 = float64(rtts[len(rtts)/2].Microseconds())
	r.P99 = float64(rtts[len(rtts)*99/100].Microseconds())
	s.Close()
	d, err := b.UDP(ctx, udp)
	if err != nil {
		r.Err = "udp: " + err.Error()
		return r
	}
	for try := 0; try < 5 && r.UDP == ""; try++ {
		if err := d.Send([]byte("ping")); err != nil {
			r.Err = "send: " + err.Error()
			return r
		}
		rctx, rcancel := context.WithTimeout(ctx, time.Second)
		p, err := d.Recv(rctx)
		rcancel()
		if err == nil {
			r.UDP = string(p)
		}
	}
	d.Close()
	if _, err := b.TCP(ctx, refused); err != nil {
		r.Refused = err.Error()
	}
	return r
}

// bulkBytes is what the page sends to the sink, which answers "ok" once it
// has read all of it.
const bulkBytes = 16 << 20

// bulk sends bulkBytes through a reliable channel to the TCP sink and
// returns the rate from the first write to the sink's "ok" (events go to
// a discarding sink: the rate is the bridge's, not a feed's).
func bulk(sink string) (float64, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := bridge.Dial(ctx, bridge.Config{URL: "/rtc"})
	if err != nil {
		return 0, "bulk dial: " + err.Error()
	}
	defer b.Close()
	s, err := b.TCP(ctx, sink)
	if err != nil {
		return 0, "bulk: " + err.Error()
	}
	defer s.Close()
	chunk := make([]byte, 64<<10)
	start := time.Now()
	for sent := 0; sent < bulkBytes; sent += len(chunk) {
		if _, err := s.Write(chunk); err != nil {
			return 0, "bulk write: " + err.Error()
		}
	}
	ok := make([]byte, 2)
	if _, err := io.ReadFull(s, ok); err != nil || string(ok) != "ok" {
		return 0, fmt.Sprintf("bulk: the sink said %q, %v", ok, err)
	}
	return bulkBytes / 1e6 / time.Since(start).Seconds(), ""
}
