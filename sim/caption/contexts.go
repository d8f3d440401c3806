package caption

import (
	"net/netip"

	"socketlab/sim/trace"
)

// Events is a run by index, possibly still growing: the playground's
// compact store of events.
type Events interface {
	Len() int
	// Event returns event i (0 ≤ i < Len), which stays valid and
	// unchanged while events are appended.
	Event(i int) *trace.Event
}

// Contexts gives the events of a run the contexts Annotate gives them,
// without holding a context per event: a long run's contexts would take
// far more memory than its compact events. It walks the run once, as it
// grows (Advance), keeping only checkpoints of the walk — what it knows
// of the connections and the packets in flight — and gives a context on
// demand (At) by walking again from the checkpoint before it. Its memory
// follows the connections and what is in flight, not the run's length.
type Contexts struct {
	h      *trace.Header
	evs    Events
	protos protoIndex
	learnt int // events protos has learnt from

	front  *walk // the walk at the frontier
	done   int   // events walked: At answers below this
	checks []checkpoint
	since  int // events walked since the last checkpoint

	cache []*block // the blocks walked last, most recent first
	spare *block   // the block last pushed out of the cache
	look  blockLook

	blockEvents, checkEvery, checkWeight int // the constants' values, smaller in tests
}

// checkpoint is a walk's state at the start of a block.
type checkpoint struct {
	at int
	w  *walk
}

// block is the contexts of a stretch of whole instants [lo, hi).
type block struct {
	lo, hi int
	evs    []trace.Event
	out    []Context
	// provisional: the stretch reads events beyond the run as it was
	// (a packet still in flight, the next event), so it may change as
	// the run grows.
	provisional bool
}

const (
	// blockEvents is how many events a block holds at least (a block ends
	// with an instant).
	blockEvents = 1024
	// checkEvery is how many events a checkpoint is followed by at least
	// before the next; checkWeight times the checkpoint's entries, if
	// more, so that checkpoints never cost more than a few bytes an event.
	checkEvery  = 4 * blockEvents
	checkWeight = 16
	// cachedBlocks is how many walked blocks are kept: stepping back over
	// a few blocks walks nothing again.
	cachedBlocks = 8
)

// NewContexts returns the Contexts of the run evs with header h. Nothing
// is walked until Advance.
func NewContexts(h *trace.Header, evs Events) *Contexts {
	c := &Contexts{h: h, evs: evs, blockEvents: blockEvents, checkEvery: checkEvery, checkWeight: checkWeight}
	c.reset()
	return c
}

func (c *Contexts) reset() {
	c.front, c.done, c.since, c.cache = newWalk(c.h), 0, 0, nil
	c.checks = []checkpoint{{0, c.front.clone()}}
}

// Len returns how many events have a context: At answers for i < Len.
func (c *Contexts) Len() int { return c.done }

// Advance walks on through about budget events of the run as it is now,
// and reports whether it has walked all it can. Until final says the run
// is complete it stops before the run's last instant, which may still
// grow.
func (c *Contexts) Advance(budget int, final bool) bool {
	n := c.evs.Len()
	fresh := false
	for ; c.learnt < n; c.learnt++ {
		if c.protos.add(c.evs.Event(c.learnt)) {
			fresh = true
		}
	}
	if fresh {
		c.cache = c.cache[:0] // an application event's transport may be known now
	}
	if fresh && c.done > 0 && len(c.front.narr) > 0 {
		// A narrated run counts moments by their keys, and an application
		// event's key can depend on a packet that came after it: count again.
		c.reset()
	}
	if len(c.cache) > 0 && c.cache[0].provisional && n > c.cache[0].hi {
		c.cache = c.cache[:0] // what the run has grown by may change them
	}
	limit := n
	if !final {
		limit = instantStart(c.evs, n)
	}
	walked := 0
	for c.done < limit && walked < budget {
		if c.since >= max(c.checkEvery, c.checkWeight*c.front.held()) {
			c.checks = append(c.checks, checkpoint{c.done, c.front.clone()})
			c.since = 0
		}
		b := c.walkBlock(c.front, c.done, limit)
		walked += b.hi - b.lo
		c.since += b.hi - b.lo
		c.done = b.hi
		c.keep(b)
	}
	return c.done >= limit
}

// At returns the context of event i, or nil if it has none yet (i ≥
// Len). The context is Contexts' own: the caller must not change it, and
// it is valid until the next call of At or Advance.
func (c *Contexts) At(i int) *Context {
	if i < 0 || i >= c.done {
		return nil
	}
	for k, b := range c.cache {
		if b.lo <= i && i < b.hi {
			if k > 0 { // most recent first
				copy(c.cache[1:k+1], c.cache[:k])
				c.cache[0] = b
			}
			return &b.out[i-b.lo]
		}
	}
	// Walk again from the last checkpoint before i, keeping the blocks.
	k := len(c.checks) - 1
	for k > 0 && c.checks[k].at > i {
		k--
	}
	w, at := c.checks[k].w.clone(), c.checks[k].at
	for {
		b := c.walkBlock(w, at, c.done)
		c.keep(b)
		if i < b.hi {
			return &b.out[i-b.lo]
		}
		at = b.hi
	}
}

// keep puts b first in the cache; the block it pushes out is kept for
// its memory, which the next block walked reuses (a long run is walked a
// block at a time: new arrays for each would be garbage by the gigabyte).
func (c *Contexts) keep(b *block) {
	if len(c.cache) < cachedBlocks {
		c.cache = append(c.cache, nil)
	}
	c.spare = c.cache[len(c.cache)-1]
	copy(c.cache[1:], c.cache[:len(c.cache)-1])
	c.cache[0] = b
}

// instantStart returns the index of the first event of the instant that
// event n−1 belongs to (0 if n is 0).
func instantStart(evs Events, n int) int {
	if n == 0 {
		return 0
	}
	at := evs.Event(n - 1).At
	for n > 0 && evs.Event(n-1).At == at {
		n--
	}
	return n
}

// walkBlock walks w through the block that starts at lo — whole instants,
// at least blockEvents events if the run has them before limit — and
// returns its contexts.
func (c *Contexts) walkBlock(w *walk, lo, limit int) *block {
	b := c.spare
	c.spare = nil
	if b == nil {
		b = &block{evs: make([]trace.Event, 0, min(limit-lo, c.blockEvents+c.blockEvents/8))}
	}
	b.lo, b.evs, b.provisional = lo, b.evs[:0], false
	for j := lo; j < limit; j++ {
		e := c.evs.Event(j)
		if j-lo >= c.blockEvents && e.At != b.evs[len(b.evs)-1].At {
			break
		}
		b.evs = append(b.evs, *e)
	}
	b.hi = lo + len(b.evs)
	if cap(b.out) >= len(b.evs) {
		b.out = b.out[:len(b.evs)]
		clear(b.out)
	} else {
		b.out = make([]Context, len(b.evs))
	}
	lk := c.blockLook(b)
	for k := range b.evs {
		w.step(lo+k, &b.evs[k], &b.out[k], lk)
	}
	lead(b.evs, b.out, lo)
	b.provisional = lk.provisional
	return b
}

// blockLook is a look from a block: it reads the events after it until
// every packet of the block has finished, and the instant that finished
// the last.
type blockLook struct {
	c           *Contexts
	b           *block
	dropped     map[uint64]int
	delivered   map[uint64]bool
	noSock      map[nodePacket]bool
	open        map[uint64]bool
	provisional bool
}

func (c *Contexts) blockLook(b *block) *blockLook {
	lk := &c.look
	if lk.dropped == nil {
		lk.dropped, lk.delivered, lk.noSock, lk.open = map[uint64]int{}, map[uint64]bool{}, map[nodePacket]bool{}, map[uint64]bool{}
	}
	clear(lk.dropped)
	clear(lk.delivered)
	clear(lk.noSock)
	clear(lk.open)
	lk.c, lk.b, lk.provisional = c, b, false
	open := lk.open // packets of the block not yet finished
	z := c.front.z  // for Arrived, which reads only the addresses
	n := c.evs.Len()
	end := -1 // the end of the instant in which the last packet finished
	var endAt trace.Event
	for j := b.lo; ; j++ {
		if j >= n {
			lk.provisional = true
			break
		}
		if j >= b.hi && len(open) == 0 && (end < 0 || c.evs.Event(j).At != endAt.At) {
			break
		}
		var e *trace.Event
		if j < b.hi {
			e = &b.evs[j-b.lo]
			if isPacketKind(e.Kind) {
				if _, ok := lk.dropped[e.Packet.ID]; !ok && !lk.delivered[e.Packet.ID] {
					open[e.Packet.ID] = true
				}
			}
		} else {
			e = c.evs.Event(j)
		}
		if !isPacketKind(e.Kind) {
			continue
		}
		id := e.Packet.ID
		switch {
		case e.Kind == trace.KindDrop:
			if _, ok := lk.dropped[id]; !ok {
				lk.dropped[id] = j
			}
			if e.Reason == trace.DropNoSocket {
				lk.noSock[nodePacket{e.Node, id}] = true
			}
		case z.Arrived(e):
			lk.delivered[id] = true
		default:
			continue
		}
		if open[id] {
			delete(open, id)
			end, endAt = j, *e
		}
	}
	return lk
}

func (lk *blockLook) event(j int) *trace.Event {
	if b := lk.b; b.lo <= j && j < b.hi {
		return &b.evs[j-b.lo]
	}
	if j < 0 || j >= lk.c.evs.Len() {
		return nil
	}
	return lk.c.evs.Event(j)
}

func (lk *blockLook) fate(id uint64) (int, bool) {
	if d, ok := lk.dropped[id]; ok {
		return d, !lk.delivered[id]
	}
	return -1, false
}

func (lk *blockLook) noSocket(node string, id uint64) bool { return lk.noSock[nodePacket{node, id}] }

func (lk *blockLook) proto(a netip.AddrPort) trace.Proto { return lk.c.protos.of(a) }
