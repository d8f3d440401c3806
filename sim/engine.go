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

// queue is a binary min-heap ordered by (at, seq). container/heap would box
// every event in an interface; this is the same algorithm on a typed slice.
type queue struct {
	ev  []event
	seq uint64
}

func (q *queue) less(i, j int) bool {
	a, b := &q.ev[i], &q.ev[j]
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (q *queue) push(at time.Duration, kind evKind, ref int32, gen uint32) {
	q.seq++
	q.ev = append(q.ev, event{at: at, seq: q.seq, kind: kind, ref: ref, gen: gen})
	i := len(q.ev) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.ev[i], q.ev[p] = q.ev[p], q.ev[i]
		i = p
	}
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
	q.ev[0] = q.ev[n]
	q.ev = q.ev[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			break
		}
		q.ev[i], q.ev[m] = q.ev[m], q.ev[i]
		i = m
	}
	return top
}

func (q *queue) len() int { return len(q.ev) }
