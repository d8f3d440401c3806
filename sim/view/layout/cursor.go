package layout

import (
	"slices"
	"sort"
	"time"

	"socketlab/sim/trace"
)

// Cursor is a position in a trace: a virtual time and how many events have
// happened. N matters when several events share one instant: stepping goes
// event by event, so N may stop in the middle of a group with the same time.
type Cursor struct {
	T time.Duration
	N int // events 0..N-1 have happened
}

// Current returns the index of the last event that happened, or -1.
func (c Cursor) Current() int { return c.N - 1 }

// At returns the cursor at time t with every event at or before t applied.
func (m *Model) At(t time.Duration) Cursor {
	t = min(max(t, 0), m.End)
	return Cursor{T: t, N: sort.Search(len(m.times), func(i int) bool { return m.times[i] > t })}
}

// TimeAt is the cursor's time once event i has happened: the latest event
// time up to i. Unlike Event(i).At it decodes nothing, so a loop over a
// long run's events (the timeline's ticks) stays cheap.
func (m *Model) TimeAt(i int) time.Duration { return m.times[i] }

// Next steps forward one event.
func (m *Model) Next(c Cursor) Cursor {
	if c.N >= len(m.times) {
		return c
	}
	return Cursor{T: m.times[c.N], N: c.N + 1}
}

// Prev steps back one event: it undoes the current event and moves the time
// to the event before it (or 0).
func (m *Model) Prev(c Cursor) Cursor {
	if c.N <= 0 {
		return Cursor{}
	}
	n := c.N - 1
	if n == 0 {
		return Cursor{}
	}
	return Cursor{T: m.times[n-1], N: n}
}

// Advance moves the time forward by dt (play) and applies every event up to
// the new time.
func (m *Model) Advance(c Cursor, dt time.Duration) Cursor {
	nc := m.At(c.T + dt)
	nc.N = max(nc.N, c.N)
	return nc
}

// HostView is what the topology badge and the host panel show for a node.
type HostView struct {
	Conns  []trace.ConnState // latest variables of each connection at the cursor, in first-seen order
	Latest int               // index in Conns of the one that changed last; -1 when none
	latest int               // its event index, to find Latest
}

// Snapshot is everything drawn at one cursor. Take reuses its slices, so a
// renderer that keeps one Snapshot allocates nothing in steady state.
type Snapshot struct {
	Cursor
	Flights []int // on the wire
	Drops   []int // dropped flights whose ✕ is still shown
	Marks   []int // node drops still shown
	Queued  []int // waiting in a queue
	Hosts   []HostView
}

// Take fills s for cursor c.
func (m *Model) Take(s *Snapshot, c Cursor) {
	s.Cursor = c
	s.Flights = m.Active(s.Flights[:0], c.T)
	s.Drops = s.Drops[:0]
	lo := sort.Search(len(m.Flights), func(i int) bool { return m.Flights[i].Start >= c.T-m.maxFlight-m.Linger })
	for i := lo; i < len(m.Flights) && m.Flights[i].Start <= c.T; i++ {
		f := &m.Flights[i]
		if f.Dropped && f.End <= c.T && c.T < f.End+m.Linger && f.EndEv < c.N {
			s.Drops = append(s.Drops, i)
		}
	}
	s.Marks = s.Marks[:0]
	for i, mk := range m.Marks {
		if mk.Ev < c.N && c.T < mk.At+m.Linger {
			s.Marks = append(s.Marks, i)
		}
	}
	s.Queued = s.Queued[:0]
	for i, q := range m.Queues {
		if q.Ev < c.N && q.From <= c.T && c.T < q.Until {
			s.Queued = append(s.Queued, i)
		}
	}
	if cap(s.Hosts) < len(m.Nodes) {
		s.Hosts = make([]HostView, len(m.Nodes))
	}
	s.Hosts = s.Hosts[:len(m.Nodes)]
	for n := range s.Hosts {
		h := &s.Hosts[n]
		h.Conns, h.Latest, h.latest = h.Conns[:0], -1, -1
		for _, ci := range m.nodeConns[n] {
			evs := m.conns[ci].evs
			k, _ := slices.BinarySearch(evs, int32(c.N)) // the last event before N is k-1
			if k == 0 {
				continue
			}
			ev := int(evs[k-1])
			h.Conns = append(h.Conns, m.Event(ev).Conn)
			if ev > h.latest {
				h.latest, h.Latest = ev, len(h.Conns)-1
			}
		}
	}
}

// Badge returns the TCP state shown on a node: the state of the connection
// that changed last, "" when the node has none.
func (h *HostView) Badge() string {
	if h.Latest < 0 {
		return ""
	}
	return h.Conns[h.Latest].State.String()
}
