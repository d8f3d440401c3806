package layout

import "socketlab/sim/trace"

// eventLog keeps a run's events compact (trace.Compact: about 15 bytes an
// event for a bulk transfer instead of over 500), so that a long run costs
// the playground little more than its index; the few events on screen are
// decoded on demand. Payloads are shared with the events appended, not
// copied.
type eventLog struct {
	c trace.Compact
}

func (l *eventLog) len() int { return l.c.Len() }

// at returns event i, decoded into memory of its own: it stays valid and
// unchanged while events are appended or others decoded.
func (l *eventLog) at(i int) *trace.Event { return l.c.At(i) }

// append encodes evs at the end of the log.
func (l *eventLog) append(evs []trace.Event) {
	for i := range evs {
		l.c.Append(&evs[i])
	}
}

// all returns a copy of every event, in order.
func (l *eventLog) all() []trace.Event { return l.c.AppendAll(make([]trace.Event, 0, l.c.Len())) }
