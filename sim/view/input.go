package view

import "socketlab/sim/view/layout"

// Key is a key the playground reacts to. The view reads ebiten's keyboard
// into these once per tick (input_ebiten.go), so that App.Update, and every
// test of it, runs without a display.
type Key uint8

// Keys. The letters are named after what they do in the help overlay.
const (
	KeyNone   Key = iota
	KeySpace      // play / pause
	KeyLeft       // step back one event
	KeyRight      // step forward one event
	KeyUp         // faster
	KeyDown       // slower
	KeyHome       // restart (as R)
	KeyEnd        // jump to the end
	KeyR          // restart
	KeyC          // caption language EN ⇄ ZH
	KeyH          // help overlay
	KeyD          // what if: drop the selected packet
	KeyL          // what if: delay the selected packet
	KeyU          // what if: duplicate the selected packet
	KeyZ          // undo a what-if (Ctrl+Z too)
	KeyY          // redo a what-if (Ctrl+Y, Ctrl+Shift+Z too)
	KeyS          // Ctrl+S: save the scenario with its what-ifs
	KeyN          // next seed (Shift: previous)
	KeyP          // scenario picker
	KeyG          // show / hide the previous branch (ghost)
	KeyEscape     // close overlays, clear the selection
	KeyPlus       // zoom the ladder in
	KeyMinus      // zoom the ladder out
	KeyTab        // next host in the host panel
	KeyQ          // quit (Esc too, when nothing is open to close)
	Key1          // run action 1 of a live source (Key2 … Key9 follow)
	Key2
	Key3
	Key4
	Key5
	Key6
	Key7
	Key8
	Key9
	KeyT            // live: type a HOST:PORT for the TCP client
	KeyEnter        // end the text being typed; otherwise select the current event's packet
	KeyBackspace    // delete the last character typed
	KeyV            // next theme: screen, high contrast, projector
	KeyPageUp       // pan the ladder a third of its height earlier (Shift+wheel up too)
	KeyPageDown     // pan the ladder a third of its height later (Shift+wheel down too)
	KeyF            // larger type: 100 %, 115 %, 130 %, then 100 % again
	KeyK            // the TCP every host runs: the RFC textbook ⇄ Linux
	KeyBracketLeft  // lesson: the previous step
	KeyBracketRight // lesson: the next step (skips an open question first)
	KeySlash        // lesson: the question's hint (the ? key)
	KeyA            // the code panel: the host's textbook program beside the ladder
	KeyI            // lesson: try the step for real (its real program beside the simulated run)
	KeyE            // class room: the teacher unlocks / locks the students' free exploration
	keyCount
)

// Input is everything the user did during one tick.
type Input struct {
	Keys        []Key // keys that went down this tick, in order
	Ctrl, Shift bool
	Mouse       layout.Pt // cursor position in screen pixels
	Pressed     bool      // the left button went down this tick
	Down        bool      // the left button is held
	Released    bool      // the left button went up this tick
	Wheel       float64   // vertical wheel movement (positive: up)
	Width       int       // screen size in pixels
	Height      int
	Dropped     []byte // a scenario file dropped on the window, if any
	DroppedName string
	Chars       []rune // characters typed this tick (text entry)
}
