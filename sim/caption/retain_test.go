package caption

import (
	"reflect"
	"runtime"
	"testing"
	"weak"

	"socketlab/sim/trace/tracetest"
)

// The contexts Annotate returns do not keep the trace's events alive: a
// caller may hand it a copy of a long run's events for the time of the
// call (the playground decodes its compact store into one). A Moment holds
// a copy of its event, equal to the trace's.
func TestAnnotateDoesNotRetainEvents(t *testing.T) {
	tr := tracetest.Lossy()
	evs := tr.Events
	ctx := Annotate(tr)
	shows := 0
	for i := range ctx {
		if m := ctx[i].Shows; m != nil {
			shows++
			if m.Event == &evs[m.Index] || !reflect.DeepEqual(*m.Event, evs[m.Index]) {
				t.Fatalf("context %d shows event %d as %p %+v, want a copy of %+v", i, m.Index, m.Event, *m.Event, evs[m.Index])
			}
		}
	}
	if shows == 0 {
		t.Fatal("no instant shows an earlier moment: the test checks nothing")
	}
	w := weak.Make(&evs[0])
	tr, evs = nil, nil
	runtime.GC()
	if w.Value() != nil {
		t.Fatal("the events stay reachable from the contexts")
	}
	runtime.KeepAlive(ctx)
}
