package view

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"socketlab/sim/view/layout"
)

// ErrNoWindowSystem is returned by Run when there is no display to open a
// window on (no X server, no DISPLAY): the CLI prints it as one line.
var ErrNoWindowSystem = errors.New("no window system is available (set DISPLAY, or run under xvfb-run)")

// Shot asks Run for one picture instead of a window session: the frame at
// virtual time At, Width × Height pixels, encoded as PNG to W.
type Shot struct {
	At            time.Duration
	Width, Height int
	W             io.Writer
}

// ebiten runs one game per process: a second RunGame panics. runOnce
// remembers the first outcome so that a second Run returns an error.
var runOnce struct {
	sync.Mutex
	done bool
	err  error
}

// Run opens the playground window (or takes the shot) and returns when the
// window is closed, ctx is cancelled, or the shot is written. It can run
// once per process (an ebiten limit); later calls return an error.
func Run(ctx context.Context, a *App, width, height int, shot *Shot) error {
	runOnce.Lock()
	defer runOnce.Unlock()
	if runOnce.done {
		if errors.Is(runOnce.err, ErrNoWindowSystem) {
			return ErrNoWindowSystem
		}
		return errors.New("the playground window can be opened once per process")
	}
	runOnce.done = true
	runOnce.err = run(ctx, a, width, height, shot)
	return runOnce.err
}

func run(ctx context.Context, a *App, width, height int, shot *Shot) (err error) {
	defer func() {
		// ebiten reports some start-up failures by panicking; the CLI
		// promises one line and an exit status, never a stack trace.
		if r := recover(); r != nil {
			err = fmt.Errorf("window: %v", r)
		}
	}()
	ebiten.SetWindowTitle("socketlab — " + a.M.Header.Scenario)
	ebiten.SetWindowSize(width, height)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetTPS(TPS)
	g := &game{ctx: ctx, a: a, shot: shot}
	if shot != nil {
		ebiten.SetWindowSize(min(shot.Width, 640), min(shot.Height, 400))
	}
	err = ebiten.RunGameWithOptions(g, &ebiten.RunGameOptions{InitUnfocused: shot != nil})
	switch {
	case err == nil:
		return g.err
	case errors.Is(err, errShotDone):
		return nil
	case strings.Contains(err.Error(), "no window system"):
		return ErrNoWindowSystem
	case strings.Contains(err.Error(), "failed to open display"):
		// DISPLAY names an X server that is not there (an ssh session
		// without -X, a stopped Xvfb): say what to check, not glfw's words.
		return fmt.Errorf("cannot open the X display %q: is an X server running there? (or run under xvfb-run)", os.Getenv("DISPLAY"))
	}
	return err
}

var errShotDone = errors.New("shot done")

type game struct {
	ctx   context.Context
	a     *App
	shot  *Shot
	err   error
	keys  []ebiten.Key
	input Input
	w, h  int // the screen size Layout last gave: what Draw paints on
}

// keyMap translates ebiten keys to the playground's.
var keyMap = map[ebiten.Key]Key{
	ebiten.KeySpace: KeySpace, ebiten.KeyArrowLeft: KeyLeft, ebiten.KeyArrowRight: KeyRight,
	ebiten.KeyArrowUp: KeyUp, ebiten.KeyArrowDown: KeyDown, ebiten.KeyHome: KeyHome, ebiten.KeyEnd: KeyEnd,
	ebiten.KeyR: KeyR, ebiten.KeyC: KeyC, ebiten.KeyH: KeyH, ebiten.KeyD: KeyD, ebiten.KeyL: KeyL,
	ebiten.KeyU: KeyU, ebiten.KeyZ: KeyZ, ebiten.KeyY: KeyY, ebiten.KeyS: KeyS, ebiten.KeyN: KeyN,
	ebiten.KeyP: KeyP, ebiten.KeyG: KeyG, ebiten.KeyEscape: KeyEscape, ebiten.KeyEqual: KeyPlus,
	ebiten.KeyNumpadAdd: KeyPlus, ebiten.KeyMinus: KeyMinus, ebiten.KeyNumpadSubtract: KeyMinus, ebiten.KeyTab: KeyTab,
	ebiten.KeyQ:      KeyQ,
	ebiten.KeyDigit1: Key1, ebiten.KeyDigit2: Key2, ebiten.KeyDigit3: Key3, ebiten.KeyDigit4: Key4, ebiten.KeyDigit5: Key5,
	ebiten.KeyDigit6: Key6, ebiten.KeyDigit7: Key7, ebiten.KeyDigit8: Key8, ebiten.KeyDigit9: Key9,
	ebiten.KeyNumpad1: Key1, ebiten.KeyNumpad2: Key2, ebiten.KeyNumpad3: Key3, ebiten.KeyNumpad4: Key4, ebiten.KeyNumpad5: Key5,
	ebiten.KeyNumpad6: Key6, ebiten.KeyNumpad7: Key7, ebiten.KeyNumpad8: Key8, ebiten.KeyNumpad9: Key9,
	ebiten.KeyT: KeyT, ebiten.KeyV: KeyV, ebiten.KeyF: KeyF, ebiten.KeyK: KeyK, ebiten.KeyPageUp: KeyPageUp, ebiten.KeyPageDown: KeyPageDown, ebiten.KeyEnter: KeyEnter, ebiten.KeyNumpadEnter: KeyEnter, ebiten.KeyBackspace: KeyBackspace,
	ebiten.KeyBracketLeft: KeyBracketLeft, ebiten.KeyBracketRight: KeyBracketRight, ebiten.KeySlash: KeySlash, ebiten.KeyA: KeyA, ebiten.KeyI: KeyI,
	ebiten.KeyE: KeyE,
}

// readInput fills in from ebiten's state for this tick.
func (g *game) readInput() *Input {
	in := &g.input
	in.Keys = in.Keys[:0]
	g.keys = inpututil.AppendJustPressedKeys(g.keys[:0])
	for _, k := range g.keys {
		if mk, ok := keyMap[k]; ok {
			in.Keys = append(in.Keys, mk)
		}
	}
	in.Chars = ebiten.AppendInputChars(in.Chars[:0])
	in.Ctrl = ebiten.IsKeyPressed(ebiten.KeyControl) || ebiten.IsKeyPressed(ebiten.KeyMeta)
	in.Shift = ebiten.IsKeyPressed(ebiten.KeyShift)
	x, y := ebiten.CursorPosition()
	in.Mouse = layout.Pt{X: float64(x), Y: float64(y)}
	in.Pressed = inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft)
	in.Released = inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft)
	in.Down = ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft)
	_, in.Wheel = ebiten.Wheel()
	in.Width, in.Height = g.w, g.h // not WindowSize: in a browser the canvas decides
	in.Dropped, in.DroppedName = nil, ""
	if files := ebiten.DroppedFiles(); files != nil {
		_ = fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || in.Dropped != nil {
				return nil
			}
			if b, err := fs.ReadFile(files, path); err == nil {
				in.Dropped, in.DroppedName = b, path
			}
			return nil
		})
	}
	return in
}

func (g *game) Update() error {
	if err := g.ctx.Err(); err != nil {
		g.err = err
		return ebiten.Termination
	}
	if g.shot != nil {
		img, err := g.a.Render(g.shot.At, g.shot.Width, g.shot.Height)
		if err == nil {
			err = png.Encode(g.shot.W, img)
		}
		if err != nil {
			return fmt.Errorf("screenshot: %w", err)
		}
		return errShotDone
	}
	if err := g.a.Update(*g.readInput()); errors.Is(err, ErrQuit) {
		return ebiten.Termination // RunGame returns nil: the user closed it
	} else if err != nil {
		return err
	}
	return nil
}

func (g *game) Draw(screen *ebiten.Image) { g.a.Draw(screen) }

func (g *game) Layout(w, h int) (int, int) {
	g.w, g.h = w, h
	return w, h
}

// Render draws the frame at virtual time t on a fresh w×h image and reads
// it back; a negative t draws the cursor where it is (at a live edge, say). It must run inside the game loop (ebiten cannot read pixels
// before the game starts): from Update, or from tests run by a game.
func (a *App) Render(t time.Duration, w, h int) (*image.RGBA, error) {
	if w <= 0 || h <= 0 || w > 8192 || h > 8192 {
		return nil, fmt.Errorf("size %dx%d out of range 1..8192", w, h)
	}
	if t >= 0 {
		a.SetTime(t)
	}
	a.w, a.h = w, h
	img := ebiten.NewImage(w, h)
	defer img.Deallocate()
	a.Draw(img)
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	img.ReadPixels(rgba.Pix)
	return rgba, nil
}

// EncodePNG is png.Encode into a byte slice.
func EncodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}
