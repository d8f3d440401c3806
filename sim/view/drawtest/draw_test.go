package drawtest

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"socketlab/sim/trace"
	"socketlab/sim/view"
	"socketlab/sim/view/layout"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata")

const ms = time.Millisecond

// Golden images are compared with a tolerance: software GL and font
// rasterisation may differ by a few levels at edges between machines, but
// a moved arrow, a missing label or a wrong colour changes thousands of
// pixels.
const (
	channelTolerance = 48     // per colour channel, out of 255
	pixelTolerance   = 0.0005 // fraction of pixels allowed to differ (288 of 960×600)
)

func newApp(t testing.TB, preset, lang string, projector bool) *view.App {
	t.Helper()
	return newAppFrom(t, fixtureSource{}, preset, lang, projector)
}

func newAppFrom(t testing.TB, src view.Source, preset, lang string, projector bool) *view.App {
	t.Helper()
	a, err := view.New(view.Options{Source: src, Request: view.Request{Preset: preset}, Lang: lang, Projector: projector})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func render(t testing.TB, a *view.App, at time.Duration, w, h int) *image.RGBA {
	t.Helper()
	img, err := a.Render(at, w, h)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestGoldenFrames(t *testing.T) {
	needDisplay(t)
	// The fixtures are hand-made traces that never change; the sim-* frames
	// show the simulator's presets and must be refreshed (-update) when a
	// preset or the simulator's behaviour changes on purpose.
	for _, tc := range []struct {
		name, preset, lang string
		at                 time.Duration
		projector, sim     bool
	}{
		{"handshake-15ms", "handshake", "en", 15 * ms, false, false},
		{"lost-syn-1015ms", "lost-syn", "en", 1015 * ms, false, false},
		{"reorder-33ms", "reorder", "en", 33 * ms, false, false},
		{"router3-zh-9ms", "router3", "zh", 9 * ms, false, false},
		{"handshake-projector-25ms", "handshake", "en", 25 * ms, true, false},
		{"sim-handshake-25ms", "handshake", "en", 25 * ms, false, true},
		{"sim-lost-syn-1015ms", "lost-syn", "en", 1015 * ms, false, true},
		{"sim-congestion-zh-1500ms", "congestion", "zh", 1500 * ms, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var src view.Source = fixtureSource{}
			if tc.sim {
				src = view.SimSource{}
			}
			a := newAppFrom(t, src, tc.preset, tc.lang, tc.projector)
			got := render(t, a, tc.at, 960, 600)
			compareGolden(t, tc.name, got)
		})
	}
}

// compareGolden compares got with testdata/NAME.png (or writes it with
// -update); a failure leaves the frame in a temporary file to look at.
func compareGolden(t *testing.T, name string, got *image.RGBA) {
	t.Helper()
	golden := filepath.Join("testdata", name+".png")
	if *update {
		var b bytes.Buffer
		if err := png.Encode(&b, got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if n, frac := diff(got, want); frac > pixelTolerance {
		out := filepath.Join(t.TempDir(), name+".png")
		var b bytes.Buffer
		_ = png.Encode(&b, got)
		_ = os.WriteFile(out, b.Bytes(), 0o644)
		t.Fatalf("%d pixels (%.2f%%) differ from %s; this frame is at %s", n, frac*100, golden, out)
	}
}

func diff(a *image.RGBA, b image.Image) (n int, frac float64) {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx() * a.Bounds().Dy(), 1
	}
	abs := func(x, y uint32) uint32 {
		if x > y {
			return x - y
		}
		return y - x
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if abs(r1, r2)>>8 > channelTolerance || abs(g1, g2)>>8 > channelTolerance || abs(b1, b2)>>8 > channelTolerance {
				n++
			}
		}
	}
	return n, float64(n) / float64(a.Bounds().Dx()*a.Bounds().Dy())
}

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { return int(x>>8)-int(y) <= 40 && int(y)-int(x>>8) <= 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// The ✕ of a lost packet is drawn where the geometry says, in the drop
// colour, and the moving packet in its class colour: checks that do not
// depend on golden files.
func TestDropAndPacketPixels(t *testing.T) {
	needDisplay(t)
	a := newApp(t, "lost-syn", "en", false)
	img := render(t, a, 7*ms, 1280, 800)
	m := a.M
	topo := m.LayoutTopology(a.TopologyArea(1280, 800))
	q := topo.DropPos(&m.Flights[0])
	if c := img.At(int(q.X), int(q.Y)); !near(c, layout.Screen.Drop) {
		t.Errorf("centre of the ✕ at %v is %v, want the drop colour %v", q, c, layout.Screen.Drop)
	}
	a = newApp(t, "handshake", "en", false)
	img = render(t, a, 5*ms, 1280, 800)
	topo = a.M.LayoutTopology(a.TopologyArea(1280, 800))
	q = topo.FlightPos(&a.M.Flights[0], 5*ms)
	if c := img.At(int(q.X), int(q.Y)); !near(c, layout.Screen.Control) {
		t.Errorf("the SYN at %v is %v, want the control colour %v", q, c, layout.Screen.Control)
	}
}

// Every simulator preset renders at its middle without trouble, and the
// picture is not blank.
func TestAllSimPresetsRender(t *testing.T) {
	needDisplay(t)
	for _, p := range (view.SimSource{}).Presets() {
		a, err := view.New(view.Options{Source: view.SimSource{}, Request: view.Request{Preset: p.Name}})
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		img := render(t, a, a.M.End/2, 640, 400)
		colours := map[color.RGBA]bool{}
		for i := 0; i < len(img.Pix); i += 4 * 97 {
			colours[color.RGBA{img.Pix[i], img.Pix[i+1], img.Pix[i+2], 255}] = true
		}
		if len(colours) < 8 {
			t.Errorf("%s: only %d colours: a blank frame?", p.Name, len(colours))
		}
	}
}

// benchTrace has n packets in flight at 500 ms on a router topology with
// three clients: Send/Deliver pairs spread over one second.
func benchTrace(n int) *trace.Trace {
	tr := &trace.Trace{Header: trace.Header{Scenario: fmt.Sprintf("bench-%d", n), Title: "frame-time benchmark"}}
	tr.Header.Nodes = append(tr.Header.Nodes, trace.Node{Name: "r1", Kind: trace.NodeRouter})
	for _, c := range []string{"c1", "c2", "c3", "server"} {
		tr.Header.Nodes = append(tr.Header.Nodes, trace.Node{Name: c, Role: c})
		tr.Header.Links = append(tr.Header.Links, trace.Link{ID: c + "-r1", A: c, B: "r1"})
	}
	type ev struct {
		at time.Duration
		e  trace.Event
	}
	var evs []ev
	const flight = 100 * ms
	for i := range n {
		c := []string{"c1", "c2", "c3", "server"}[i%4]
		start := 450*ms + time.Duration(i)*flight/time.Duration(n) // all in flight at 500 ms ... 550 ms
		p := trace.Packet{ID: uint64(i + 1), Proto: trace.ProtoTCP, Flags: trace.FlagACK, Seq: uint32(i * 1460), Payload: make([]byte, 1460)}
		evs = append(evs,
			ev{start, trace.Event{At: start, Kind: trace.KindSend, Node: c, Peer: "r1", Link: c + "-r1", Packet: p, Arrive: start + flight}},
			ev{start + flight, trace.Event{At: start + flight, Kind: trace.KindDeliver, Node: "r1", Peer: c, Link: c + "-r1", Packet: p}})
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at < evs[j].at })
	for _, e := range evs {
		tr.Events = append(tr.Events, e.e)
	}
	return tr
}

type traceSource struct{ tr *trace.Trace }

func (s traceSource) Presets() []view.Preset { return nil }
func (s traceSource) Open(view.Request) (view.Stream, error) {
	return view.TraceStream(s.tr), nil
}
func (s traceSource) Encode(view.Request) ([]byte, error) { return nil, fmt.Errorf("not supported") }

func benchDraw(b *testing.B, n int) {
	needDisplay(b)
	a, err := view.New(view.Options{Source: traceSource{benchTrace(n)}})
	if err != nil {
		b.Fatal(err)
	}
	a.SetTime(549995 * time.Microsecond) // every packet sent, none delivered yet
	if got := len(a.Snapshot().Flights); got != n {
		b.Fatalf("%d packets in flight, want %d", got, n)
	}
	img := ebiten.NewImage(1280, 800)
	a.Draw(img)      // warm the glyph cache and the batch buffers
	_ = img.At(0, 0) // reading a pixel waits for the GPU
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a.Draw(img)
		_ = img.At(0, 0) // wait for the GPU: measure the whole frame
	}
}

// Drawing a frame allocates nothing per packet: the triangle batch, the
// snapshot and the label caches are reused, so a frame with 10,000 packets
// in flight allocates no more than one with 100. (What a frame does
// allocate is ebiten's own bookkeeping, about one object per draw call,
// and a few formatted strings.)
func TestDrawAllocationsDoNotGrowWithPackets(t *testing.T) {
	needDisplay(t)
	img := ebiten.NewImage(1280, 800)
	allocs := func(n int) float64 {
		a, err := view.New(view.Options{Source: traceSource{benchTrace(n)}})
		if err != nil {
			t.Fatal(err)
		}
		a.SetTime(549995 * time.Microsecond)
		a.Draw(img)
		return testing.AllocsPerRun(5, func() { a.Draw(img) })
	}
	few, many := allocs(100), allocs(10000)
	t.Logf("allocations per frame: %.0f with 100 packets, %.0f with 10,000", few, many)
	// A few more DrawTriangles batches (65,535 vertices each) cost ebiten
	// a few objects each; anything per packet would add ~9,900.
	if many > few+64 {
		t.Errorf("a frame with 10,000 packets allocates %.0f objects, with 100 %.0f: something allocates per packet", many, few)
	}
}

// TestCrowdSkipsOnlyInvisibleShapes: a frame with 10,000 packets in
// flight, where packets and arrows drawn exactly over identical ones are
// skipped (about 8,700 of the 10,000 arrows here), is pixel for pixel the
// frame that draws every one of them. BenchmarkFrame10000 shows the gain.
func TestCrowdSkipsOnlyInvisibleShapes(t *testing.T) {
	needDisplay(t)
	frame := func(every bool) *image.RGBA {
		a, err := view.New(view.Options{Source: traceSource{benchTrace(10000)}, DrawEveryPacket: every})
		if err != nil {
			t.Fatal(err)
		}
		a.SetTime(549995 * time.Microsecond)
		img := ebiten.NewImage(1280, 800)
		a.Draw(img)
		out := image.NewRGBA(image.Rect(0, 0, 1280, 800))
		img.ReadPixels(out.Pix)
		return out
	}
	skipped, every := frame(false), frame(true)
	diff := 0
	for i := range skipped.Pix {
		if skipped.Pix[i] != every.Pix[i] {
			diff++
		}
	}
	if diff != 0 {
		t.Fatalf("%d bytes differ between the crowd drawn with and without skipping", diff)
	}
}

// BenchmarkReadback is the baseline to subtract from BenchmarkFrame*: the
// frame benchmarks read a pixel back to wait for the GPU, which copies the
// whole 1280×800 target to memory — work a window never does.
func BenchmarkReadback(b *testing.B) {
	needDisplay(b)
	img := ebiten.NewImage(1280, 800)
	for range b.N {
		img.Clear()
		_ = img.At(0, 0)
	}
}

func BenchmarkFrame100(b *testing.B)   { benchDraw(b, 100) }
func BenchmarkFrame2000(b *testing.B)  { benchDraw(b, 2000) }
func BenchmarkFrame10000(b *testing.B) { benchDraw(b, 10000) }
