package sim

import "time"

// evKind says what a scheduled engine event does.
type evKind uint8

const (
	evStart     evKind = iota + 1 // start program ref
	evTxDone                      // link direction ref finished serializing a packet
	evArrive                      // packet slot ref reaches the far end of its hop
	evLost                        // packet slot ref was lost in flight: report the drop
	evConnTimer                   // TCP conn ref's timer (gen must match)
	evAppTimer                    // app timer ref (gen must match)
)

// event is one entry of the engine's queue: a small value, so the heap is a
// flat slice and scheduling allocates nothing once the slice has grown.
type event struct {
	at   time.Duration
	seq  uint64 // insertion order: the tie-break for events at the same time
	kind evKind
	ref  int32
	gen  uint32
}

// queue is a min-heap ordered by (at, seq), a total order, so the order
// events come out in does not depend on the heap's shape. It is 4-ary
// (half the depth of a binary heap; the four children of a node share a
// cache line or two) and sifts a hole instead of swapping. container/heap
// would box every event in an interface.
type queue struct {
	ev  []event
	seq uint64
}

// before reports whether a runs before b.
func before(a, b *event) bool { return a.at < b.at || (a.at == b.at && a.seq < b.seq) }

const queueArity = 4

func (q *queue) push(at time.Duration, kind evKind, ref int32, gen uint32) {
	q.seq++
	e := event{at: at, seq: q.seq, kind: kind, ref: ref, gen: gen}
	q.ev = append(q.ev, e)
	i := len(q.ev) - 1
	for i > 0 {
		p := (i - 1) / queueArity
		if !before(&e, &q.ev[p]) {
			break
		}
		q.ev[i] = q.ev[p]
		i = p
	}
	q.ev[i] = e
}

func (q *queue) peek() (event, bool) {
	if len(q.ev) == 0 {
		return event{}, false
	}
	return q.ev[0], true
}

func (q *queue) pop() event {
	top := q.ev[0]
	n := len(q.ev) - 1
	last := q.ev[n]
	q.ev = q.ev[:n]
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := queueArity*i + 1
		if c >= n {
			break
		}
		m := c
		for k := c + 1; k < min(c+queueArity, n); k++ {
			if before(&q.ev[k], &q.ev[m]) {
				m = k
			}
		}
		if !before(&q.ev[m], &last) {
			break
		}
		q.ev[i] = q.ev[m]
		i = m
	}
	q.ev[i] = last
	return top
}

func (q *queue) len() int { return len(q.ev) }
