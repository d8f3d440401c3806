package trace_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// Many producers emit at once; the consumer gets every event exactly once,
// each producer's in the order it emitted them.
func TestFeedManyProducers(t *testing.T) {
	const producers, each = 8, 5000
	f := trace.NewFeed(producers * each)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			e := trace.Event{Node: string(rune('a' + p))}
			for i := range each {
				e.N = i // the producer reuses e: the feed must copy
				f.Emit(&e)
			}
		})
	}
	wg.Wait()
	f.End(nil)
	next := map[string]int{}
	var got []trace.Event
	for {
		var ended bool
		var err error
		got, ended, err = f.Take(got[:0], 777)
		for _, e := range got {
			if e.N != next[e.Node] {
				t.Fatalf("producer %s: got event %d, want %d", e.Node, e.N, next[e.Node])
			}
			next[e.Node]++
		}
		if ended {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	for p := range producers {
		if n := next[string(rune('a'+p))]; n != each {
			t.Errorf("producer %d: %d events arrived, want %d", p, n, each)
		}
	}
	if f.Lost() != 0 || f.Emitted() != producers*each {
		t.Errorf("lost %d, emitted %d", f.Lost(), f.Emitted())
	}
}

// A full feed never blocks Emit: the excess is counted as lost, and room
// freed by Take is used again.
func TestFeedFullCountsLost(t *testing.T) {
	f := trace.NewFeed(3)
	for i := range 5 {
		f.Emit(&trace.Event{N: i})
	}
	if f.Lost() != 2 {
		t.Fatalf("lost %d, want 2", f.Lost())
	}
	got, ended, _ := f.Take(nil, 2)
	if ended || len(got) != 2 || got[0].N != 0 || got[1].N != 1 {
		t.Fatalf("took %+v ended %v", got, ended)
	}
	f.Emit(&trace.Event{N: 9})
	got, _, _ = f.Take(nil, 10)
	if len(got) != 2 || got[0].N != 2 || got[1].N != 9 {
		t.Fatalf("took %+v", got)
	}
}

// WaitRoom holds a producer that can wait until the consumer takes; Close
// releases it with false.
func TestFeedWaitRoom(t *testing.T) {
	f := trace.NewFeed(2)
	f.Emit(&trace.Event{N: 1})
	f.Emit(&trace.Event{N: 2})
	room := make(chan bool)
	go func() { room <- f.WaitRoom(1) }()
	select {
	case <-room:
		t.Fatal("WaitRoom returned while the feed was full")
	case <-time.After(50 * time.Millisecond):
	}
	f.Take(nil, 1)
	select {
	case ok := <-room:
		if !ok {
			t.Fatal("WaitRoom reported a closed feed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitRoom still blocked after Take made room")
	}
	f.Emit(&trace.Event{N: 3})
	go func() { room <- f.WaitRoom(1) }()
	f.Close()
	select {
	case ok := <-room:
		if ok {
			t.Fatal("WaitRoom reported room on a closed feed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release WaitRoom")
	}
	if _, ended, err := f.Take(nil, 10); !ended || !errors.Is(err, trace.ErrFeedClosed) {
		t.Fatalf("Take after Close: ended %v, err %v", ended, err)
	}
}

// End delivers what is queued first, then the producer's reason; Wait
// returns as soon as there is something to take or the feed ended.
func TestFeedEndAndWait(t *testing.T) {
	f := trace.NewFeed(10)
	done := make(chan struct{})
	go func() { f.Wait(); close(done) }()
	select {
	case <-done:
		t.Fatal("Wait returned on an empty feed")
	case <-time.After(50 * time.Millisecond):
	}
	f.Emit(&trace.Event{N: 1})
	<-done
	boom := errors.New("boom")
	f.End(boom)
	f.Emit(&trace.Event{N: 2}) // after End: lost
	got, ended, err := f.Take(nil, 10)
	if len(got) != 1 || !ended || !errors.Is(err, boom) {
		t.Fatalf("took %+v, ended %v, err %v", got, ended, err)
	}
	if f.Lost() != 1 {
		t.Fatalf("lost %d", f.Lost())
	}
	f.Wait() // must not block once ended
}
