package view

import (
	"errors"
	"slices"
	"strings"
	"time"

	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
)

// Try it for real: a lesson's step that names a real program (the
// step's "real" field, one of lesson.RealPrograms) runs it on real
// sockets — the textbook's client against its server on loopback, or
// through the browser's bridge — and draws the real exchange beside the
// step's simulated one, so the learner compares the model with the
// kernel.
//
// The real run is drawn on the step's own ladder, on columns of its own
// ("real client", "real server": trace.RealPrefix), on the same time
// axis: its first event stands at the step's moment (the end of a
// range), and every real interval keeps its length (a loopback exchange
// takes microseconds, so the ladder zooms in on it, the simulated arrows
// standing almost upright there; → and ← step through it).
// Its packets are numbered after the simulated ones. The simulated run
// is not touched: its events keep their order, the step's highlights
// stay, and a question must be answered (or skipped) first — the real
// exchange shows the answer too. Another step, a what-if or a slider
// leaves the real run behind.

// Trier is implemented by a Source that can run a lesson step's real
// program on real sockets.
type Trier interface {
	// Try starts program (one of lesson.RealPrograms) and returns its
	// events as a stream that ends once the program is done. An error
	// (a program this source cannot run, no gateway) is one line for the
	// status line.
	Try(program string) (Stream, error)
}

// maxTryEvents bounds the events kept of one real run: a textbook
// exchange has a few dozen.
const maxTryEvents = 1 << 14

// tryRun is a step's real run: arriving, and drawn beside the step's
// simulated run.
type tryRun struct {
	step    int
	program string
	stream  Stream // nil once complete
	hdr     trace.Header
	evs     []trace.Event // as the source stamped them
	m       *layout.Model // the step's run with this one beside it; nil before the first event
}

// TryReal runs the shown step's real program, if it names one; the
// status line says what happens, or why not.
func (a *App) TryReal() {
	t := a.tut
	if t == nil {
		return
	}
	prog := t.l.Steps[t.step].Real
	tr, ok := a.src.(Trier)
	switch {
	case prog == "":
		a.Status = a.tr("status.try.none")
		return
	case t.open():
		a.Status = a.tr("status.try.first")
		return
	case a.try != nil && a.try.stream != nil || a.next != nil:
		a.Status = a.tr("status.try.busy")
		return
	case !ok:
		a.Status = a.tr("status.try.nosource")
		return
	}
	st, err := tr.Try(prog)
	if err != nil {
		a.Status = a.tr("status.error", err.Error())
		return
	}
	a.dropTry()
	if !a.ownRun() || a.req.Profile != "" { // the real run goes beside the step's own run
		a.req = t.reqs[t.step].Clone()
		a.undo, a.redo, a.Ghost = nil, nil, nil
	}
	a.try = &tryRun{step: t.step, program: prog, stream: st, hdr: st.Header()}
	a.Status = a.tr("status.try.running", prog)
}

// Tried returns the real run drawn beside the step, nil without one.
func (a *App) Tried() *layout.Model {
	if a.try == nil || a.try.m != a.M {
		return nil
	}
	return a.try.m
}

// TryRunning reports whether a real run is still arriving.
func (a *App) TryRunning() bool { return a.try != nil && a.try.stream != nil }

// pumpTry takes what the real run delivered since the last tick and,
// when something arrived, draws it beside the step.
func (a *App) pumpTry() {
	r := a.try
	if r == nil || r.stream == nil {
		return
	}
	if a.tut == nil || a.tut.step != r.step || a.next != nil || (r.m != nil && a.M != r.m) {
		a.dropTry() // the learner moved on
		return
	}
	n := len(r.evs)
	evs, ended, err := r.stream.Take(r.evs, max(maxTryEvents-len(r.evs), 0))
	r.evs = evs
	if ended || len(r.evs) >= maxTryEvents {
		r.stream.Close()
		r.stream = nil
	}
	if len(r.evs) > n {
		a.showTry()
	}
	switch {
	case err != nil && !errors.Is(err, trace.ErrFeedClosed):
		a.Status = a.tr("status.error", err.Error())
	case r.stream == nil:
		a.Status = a.tr("status.try.done", r.program, len(r.evs))
	}
}

// showTry draws the step's run with the real run so far beside it, the
// cursor at the real run's last event, the ladder zoomed in on the whole
// real exchange.
func (a *App) showTry() {
	r, t := a.try, a.tut
	mo := t.moments[r.step]
	base := mo.Trace
	first := slices.MinFunc(r.evs, func(x, y trace.Event) int { return int(x.At - y.At) }).At
	shift := mo.To.At - first
	var off uint64 // the real packets are numbered after the simulated ones
	for i := range base.Events {
		p := &base.Events[i].Packet
		off = max(off, p.ID, p.Orig, p.Quote)
	}
	id := func(n uint64) uint64 {
		if n == 0 {
			return 0
		}
		return n + off
	}
	real := make([]trace.Event, len(r.evs))
	last := time.Duration(0)
	for i, e := range r.evs {
		e.At += shift
		if e.Arrive != 0 {
			e.Arrive += shift
		}
		if e.Deadline != 0 {
			e.Deadline += shift
		}
		e.Node, e.Peer, e.Link = realName(e.Node), realName(e.Peer), realName(e.Link)
		e.Packet.ID, e.Packet.Orig, e.Packet.Quote = id(e.Packet.ID), id(e.Packet.Orig), id(e.Packet.Quote)
		real[i] = e
		last = max(last, e.At)
	}
	slices.SortStableFunc(real, func(x, y trace.Event) int { return int(x.At - y.At) })
	// Merge by time; at one instant the simulated events come first, so
	// every simulated event keeps its place among its own.
	merged := make([]trace.Event, 0, len(base.Events)+len(real))
	i, j := 0, 0
	for i < len(base.Events) || j < len(real) {
		if j == len(real) || i < len(base.Events) && base.Events[i].At <= real[j].At {
			merged = append(merged, base.Events[i])
			i++
		} else {
			merged = append(merged, real[j])
			j++
		}
	}
	h := base.Header
	h.Nodes = slices.Clone(h.Nodes)
	for _, n := range r.hdr.Nodes {
		// No role: a caption then names the node as it is, "real
		// client", not "client real client".
		n.Name, n.Role = realName(n.Name), ""
		h.Nodes = append(h.Nodes, n)
	}
	m := layout.NewStream(h)
	m.Append(merged...)
	a.show(&pending{m: m, t: last})
	r.m = m
	a.remark(mo.Highlight)
	a.Cur = m.At(last)
	a.Playing, a.Live, a.Real = false, false, false
	// The whole real exchange in view, the cursor at its end (the
	// ladder puts the cursor 7/10 down): → and ← then zoom as stepping
	// does anywhere.
	a.zoomHeld = false
	a.Span = max((m.Display(last)-m.Display(mo.To.At))*10/6, 20*time.Microsecond)
}

// realName names a real node or link beside the simulated ones.
func realName(s string) string {
	if s == "" || strings.HasPrefix(s, trace.RealPrefix) {
		return s
	}
	return trace.RealPrefix + s
}

// remark marks the flights of the packets ids (the step's highlight) in
// the run shown, the first selected.
func (a *App) remark(ids []uint64) {
	a.marks = a.marks[:0]
	a.Sel = -1
	for _, id := range ids {
		for fi := range a.M.Flights {
			if a.M.Flights[fi].ID == id {
				a.marks = append(a.marks, fi)
				if a.Sel < 0 {
					a.Sel = fi
				}
				break
			}
		}
	}
}

// dropTry leaves the real run: its stream stops, and the step's run is
// shown without it.
func (a *App) dropTry() {
	r := a.try
	if r == nil {
		return
	}
	a.try = nil
	if r.stream != nil {
		r.stream.Close()
	}
	if r.m == nil || a.M != r.m || a.tut == nil {
		return
	}
	tr := a.tut.moments[r.step].Trace
	m := layout.NewStream(tr.Header)
	m.Append(tr.Events...)
	a.show(&pending{m: m, t: min(a.Cur.T, m.End)})
	a.remark(a.tut.moments[r.step].Highlight)
}

// SettleTry waits until the real run has arrived and is drawn: for a
// screenshot or a test, never inside the window's Update.
func (a *App) SettleTry() {
	for a.try != nil && a.try.stream != nil {
		a.try.stream.Wait()
		a.pumpTry()
	}
}
