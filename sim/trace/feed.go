package trace

import (
	"errors"
	"sync"
)

// ErrFeedClosed is returned by Feed.Take after the consumer closed the feed.
var ErrFeedClosed = errors.New("trace: feed closed")

// Feed hands events from producers on any number of goroutines to one
// consumer: it is the Sink that real connections, the gateway and a
// simulator running off the UI goroutine share, and the view takes from it
// once per frame.
//
// Emit is safe for concurrent use and copies the event (a producer may
// reuse it). The feed holds at most its limit of events: a producer that
// must not block (a real connection) has the excess counted as lost by
// Emit; one that can wait (a simulation) calls WaitRoom first. The
// consumer calls Take and Wait; Close tells the producers it is gone.
type Feed struct {
	mu      sync.Mutex
	cond    sync.Cond // signalled when events arrive, room frees, or the feed ends or closes
	buf     []Event
	head    int // buf[head:] are waiting to be taken
	limit   int
	lost    uint64
	ended   bool // the producer said no more will come
	err     error
	closed  bool // the consumer is gone
	emitted uint64
}

// NewFeed returns a feed that holds at most limit events (at least 1).
func NewFeed(limit int) *Feed {
	f := &Feed{limit: max(limit, 1)}
	f.cond.L = &f.mu
	return f
}

// Emit queues a copy of e, or counts it as lost when the feed is full, has
// ended or was closed.
func (f *Feed) Emit(e *Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended || f.closed || len(f.buf)-f.head >= f.limit {
		f.lost++
		return
	}
	f.buf = append(f.buf, *e)
	f.emitted++
	f.cond.Broadcast()
}

// WaitRoom blocks until the feed can take n more events (n is capped at
// the limit) and reports true, or returns false once the consumer has
// closed the feed: a producer that can wait stops then.
func (f *Feed) WaitRoom(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n = min(n, f.limit)
	for !f.closed && len(f.buf)-f.head+n > f.limit {
		f.cond.Wait()
	}
	return !f.closed
}

// End tells the consumer that no more events will come; err, if not nil,
// says why the run stopped early. Events already queued are still taken.
func (f *Feed) End(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ended {
		f.ended, f.err = true, err
	}
	f.cond.Broadcast()
}

// Take appends to dst at most max of the queued events, oldest first,
// without waiting. ended is true once the producer has ended and nothing
// is left; err is then the producer's reason, or ErrFeedClosed after
// Close.
func (f *Feed) Take(dst []Event, max int) (evs []Event, ended bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return dst, true, ErrFeedClosed
	}
	k := min(len(f.buf)-f.head, max)
	dst = append(dst, f.buf[f.head:f.head+k]...)
	clear(f.buf[f.head : f.head+k]) // let payloads go
	f.head += k
	if f.head == len(f.buf) {
		f.buf, f.head = f.buf[:0], 0
	} else if f.head > 4096 && 2*f.head > len(f.buf) {
		f.buf = f.buf[:copy(f.buf, f.buf[f.head:])]
		f.head = 0
	}
	if k > 0 {
		f.cond.Broadcast() // room for a waiting producer
	}
	if f.ended && f.head == len(f.buf) {
		return dst, true, f.err
	}
	return dst, false, nil
}

// Wait blocks until there is something to take, the producer has ended,
// or the feed was closed.
func (f *Feed) Wait() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.closed && !f.ended && f.head == len(f.buf) {
		f.cond.Wait()
	}
}

// Close is the consumer's goodbye: queued events are discarded, later
// ones are counted as lost, and producers blocked in WaitRoom return.
func (f *Feed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.buf, f.head = nil, 0
	f.cond.Broadcast()
}

// Len returns how many events are waiting to be taken.
func (f *Feed) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.buf) - f.head
}

// Lost returns how many events Emit could not queue.
func (f *Feed) Lost() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lost
}

// Emitted returns how many events Emit has queued in all.
func (f *Feed) Emitted() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.emitted
}
