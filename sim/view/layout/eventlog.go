package layout

import "socketlab/sim/trace"

// chunkBits sets the size of the eventLog's chunks: 4,096 events, about
// 2 MB.
const chunkBits = 12

const chunkSize = 1 << chunkBits

// eventLog keeps a run's events in chunks of chunkSize. Appending never
// moves what is stored — a long live run is not copied again each time a
// slice outgrows its array — so pointers to events stay valid, and a
// finished trace is wrapped without copying.
type eventLog struct {
	chunks [][]trace.Event // all full except the last
	n      int
}

func (l *eventLog) at(i int) *trace.Event { return &l.chunks[i>>chunkBits][i&(chunkSize-1)] }

// wrap makes the log the events of a finished trace, sharing their array.
// Each chunk's capacity ends where the chunk does, so appending later
// never writes into evs.
func (l *eventLog) wrap(evs []trace.Event) {
	for k := 0; k < len(evs); k += chunkSize {
		end := min(k+chunkSize, len(evs))
		l.chunks = append(l.chunks, evs[k:end:end])
	}
	l.n = len(evs)
}

// append copies evs to the end of the log.
func (l *eventLog) append(evs []trace.Event) {
	for len(evs) > 0 {
		last := len(l.chunks) - 1
		if last < 0 || len(l.chunks[last]) == chunkSize {
			l.chunks = append(l.chunks, make([]trace.Event, 0, chunkSize))
			last++
		} else if cap(l.chunks[last]) < chunkSize { // a wrapped tail: own it before filling it
			l.chunks[last] = append(make([]trace.Event, 0, chunkSize), l.chunks[last]...)
		}
		c := l.chunks[last]
		k := min(len(evs), chunkSize-len(c))
		l.chunks[last] = append(c, evs[:k]...)
		evs = evs[k:]
		l.n += k
	}
}
