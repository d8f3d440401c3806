package caption

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"

	"socketlab/sim"
	"socketlab/sim/bench"
	"socketlab/sim/trace"
)

// growing is a run that grows as a test appends to it.
type growing struct {
	all []trace.Event
	n   int
}

func (g *growing) Len() int                 { return g.n }
func (g *growing) Event(i int) *trace.Event { return &g.all[i] }

// contextRuns returns runs to check Contexts against Annotate with: every
// preset under both profiles and three seeds, and the captured traces.
func contextRuns(t *testing.T) map[string]*trace.Trace {
	runs := map[string]*trace.Trace{}
	for _, p := range sim.Presets() {
		for _, prof := range []string{"rfc", "linux"} {
			for seed := uint64(1); seed <= 3; seed++ {
				sc, err := sim.LoadPreset(p.Name)
				if err != nil {
					t.Fatal(err)
				}
				sc.TCP.Profile, sc.Seed = prof, seed
				tr, err := sim.Run(sc)
				if err != nil {
					t.Fatal(err)
				}
				runs[fmt.Sprintf("%s/%s/%d", p.Name, prof, seed)] = tr
			}
		}
	}
	for _, name := range []string{"udp", "handshake", "handshake-v6", "lossy"} {
		f, err := os.Open("../trace/testdata/" + name + ".jsonl")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := trace.ReadJSONL(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		runs["capture/"+name] = tr
	}
	return runs
}

// sameContext reports how got differs from want, "" if it does not.
func sameContext(got, want *Context) string {
	if got == nil {
		return "no context"
	}
	if !reflect.DeepEqual(*got, *want) {
		return fmt.Sprintf("got  %+v\nwant %+v", *got, *want)
	}
	return ""
}

// TestContextsAreAnnotate holds Contexts to Annotate, event for event, on
// tiny blocks and checkpoints — so that every run crosses many — asked in
// an order that makes it go back to checkpoints: from the end, then at
// random.
func TestContextsAreAnnotate(t *testing.T) {
	for name, tr := range contextRuns(t) {
		want := Annotate(tr)
		for _, size := range []int{1, 7, 64} {
			c := NewContexts(&tr.Header, &growing{all: tr.Events, n: len(tr.Events)})
			c.blockEvents, c.checkEvery, c.checkWeight = size, 3*size, 0
			if !c.Advance(len(tr.Events)+1, true) || c.Len() != len(tr.Events) {
				t.Fatalf("%s: walked %d of %d events", name, c.Len(), len(tr.Events))
			}
			if len(c.checks) < 2 && len(tr.Events) > 8*size {
				t.Fatalf("%s: %d checkpoints for %d events", name, len(c.checks), len(tr.Events))
			}
			r := rand.New(rand.NewPCG(uint64(size), 1))
			order := r.Perm(len(tr.Events))
			for i := len(tr.Events) - 1; i >= 0; i-- {
				order = append(order, i)
			}
			for _, i := range order {
				if d := sameContext(c.At(i), &want[i]); d != "" {
					t.Fatalf("%s, blocks of %d: event %d (%s %s):\n%s", name, size, i, tr.Events[i].Kind, tr.Events[i].Node, d)
				}
			}
			if c.At(len(tr.Events)) != nil || c.At(-1) != nil {
				t.Fatalf("%s: a context beyond the run", name)
			}
		}
	}
}

// TestContextsOfAGrowingRun appends a run piece by piece, advancing and
// asking between pieces, as the playground does with a live run: once it
// is complete every context is Annotate's, whatever was asked before
// (a context read while its packet was in flight is not kept).
func TestContextsOfAGrowingRun(t *testing.T) {
	for name, tr := range contextRuns(t) {
		want := Annotate(tr)
		r := rand.New(rand.NewPCG(uint64(len(tr.Events)), 2))
		g := &growing{all: tr.Events}
		c := NewContexts(&tr.Header, g)
		c.blockEvents, c.checkEvery, c.checkWeight = 5, 15, 0
		for g.n < len(tr.Events) {
			g.n = min(len(tr.Events), g.n+1+r.IntN(40))
			c.Advance(1+r.IntN(60), false)
			if c.Len() > 0 {
				c.At(r.IntN(c.Len()))
				c.At(c.Len() - 1)
			}
			if c.Len() > g.n {
				t.Fatalf("%s: %d contexts for %d events", name, c.Len(), g.n)
			}
		}
		for !c.Advance(50, true) {
		}
		for i := len(tr.Events) - 1; i >= 0; i-- {
			if d := sameContext(c.At(i), &want[i]); d != "" {
				t.Fatalf("%s: event %d (%s %s):\n%s", name, i, tr.Events[i].Kind, tr.Events[i].Node, d)
			}
		}
	}
}

// TestContextsLastInstantWaits: until the run is final, its last instant
// may still grow, so it has no contexts yet.
func TestContextsLastInstantWaits(t *testing.T) {
	sc, err := sim.LoadPreset("handshake")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	n := len(tr.Events)
	last := n - 1
	for last > 0 && tr.Events[last-1].At == tr.Events[n-1].At {
		last--
	}
	c := NewContexts(&tr.Header, &growing{all: tr.Events, n: n})
	if !c.Advance(n, false) || c.Len() != last {
		t.Fatalf("not final: %d contexts, want %d (up to the last instant)", c.Len(), last)
	}
	if !c.Advance(n, true) || c.Len() != n {
		t.Fatalf("final: %d contexts, want %d", c.Len(), n)
	}
}

// TestContextsMemoryFollowsWhatIsInFlight walks 10 s of scenario (A), a
// bulk flow of 567,552 events, and checks that what Contexts
// holds — checkpoints and cached blocks — stays a small fraction of a
// context per event.
func TestContextsMemoryFollowsWhatIsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("a 20 s bulk run")
	}
	sc := bench.Bulk()
	sc.Duration = sim.Duration(10e9)
	tr, err := sim.Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	evs := growing{all: tr.Events, n: len(tr.Events)}
	c := NewContexts(&tr.Header, &evs)
	c.Advance(evs.n, true)
	held := 0
	for _, k := range c.checks {
		held += k.w.held()
	}
	perEvent := float64(held) / float64(evs.n)
	t.Logf("%d events, %d checkpoints holding %d entries (%.3f an event)", evs.n, len(c.checks), held, perEvent)
	if perEvent > 0.2 {
		t.Errorf("checkpoints hold %.3f entries an event: they grow with the run", perEvent)
	}
	for _, i := range []int{evs.n - 1, evs.n / 2, 10} {
		if c.At(i) == nil {
			t.Fatalf("no context for event %d", i)
		}
	}
}

// BenchmarkContextsWalk walks 2 s of scenario (A) once; BenchmarkAnnotateBulk
// annotates the same run whole, for comparison.
func BenchmarkContextsWalk(b *testing.B) {
	tr := bulkRun(b, 2e9)
	b.ResetTimer()
	for range b.N {
		c := NewContexts(&tr.Header, &growing{all: tr.Events, n: len(tr.Events)})
		c.Advance(len(tr.Events), true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tr.Events)), "ns/event")
}

// BenchmarkContextsStepBack asks for the contexts of 5 s of scenario (A)
// from the end backwards, an event at a time, as a user stepping back
// does: most steps find their block walked already.
func BenchmarkContextsStepBack(b *testing.B) {
	tr := bulkRun(b, 5e9)
	c := NewContexts(&tr.Header, &growing{all: tr.Events, n: len(tr.Events)})
	c.Advance(len(tr.Events), true)
	b.ResetTimer()
	i := len(tr.Events) - 1
	for range b.N {
		if c.At(i) == nil {
			b.Fatal("no context")
		}
		if i--; i < 0 {
			i = len(tr.Events) - 1
		}
	}
}

// BenchmarkContextsStepBackWorst is the slowest step back: to the last
// event before a checkpoint with nothing walked, so that the whole stretch
// from the checkpoint before is walked again.
func BenchmarkContextsStepBackWorst(b *testing.B) {
	tr := bulkRun(b, 5e9)
	c := NewContexts(&tr.Header, &growing{all: tr.Events, n: len(tr.Events)})
	c.Advance(len(tr.Events), true)
	if len(c.checks) < 3 {
		b.Fatalf("%d checkpoints", len(c.checks))
	}
	b.ResetTimer()
	k := 1
	for range b.N {
		c.cache = c.cache[:0]
		if c.At(c.checks[k].at-1) == nil {
			b.Fatal("no context")
		}
		if k++; k == len(c.checks) {
			k = 1
		}
	}
	b.ReportMetric(float64(len(tr.Events))/float64(len(c.checks)), "events/checkpoint")
}

func BenchmarkAnnotateBulk(b *testing.B) {
	tr := bulkRun(b, 2e9)
	b.ResetTimer()
	for range b.N {
		Annotate(tr)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tr.Events)), "ns/event")
}

func bulkRun(b *testing.B, d sim.Duration) *trace.Trace {
	sc := bench.Bulk()
	sc.Duration = d
	tr, err := sim.Run(sc)
	if err != nil {
		b.Fatal(err)
	}
	return tr
}
