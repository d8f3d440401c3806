//go:build js && wasm

// Command wasm is the playground in a browser: the same simulator and the
// same renderer as `socketlab play`, compiled to WebAssembly, on the page
// `socketlab serve` sends (assets/web). The URL chooses what to show, in
// the fragment of a shared link or the query string:
// #scenario=lost-syn&seed=3&lang=zh&projector=1, or a lesson:
// #lesson=handshake&step=2. The fragment follows the run (another
// scenario or seed picked in the window, the lesson's step), so a copied
// link reproduces it. A class room (class.go): #lesson=handshake&teach=NAME
// opens class NAME, which the page leads; #follow=NAME joins it as a
// student, whose page opens the teacher's lesson and follows it.
package main

import (
	"context"
	"slices"
	"strings"
	"syscall/js"
	"time"

	"socketlab/sim/bridge"
	"socketlab/sim/class"
	"socketlab/sim/view"
	"socketlab/sim/view/progress"
)

func main() {
	loc := js.Global().Get("location")
	q := params(loc.Get("search").String(), loc.Get("hash").String())
	room, roomWarn := roomFrom(q)
	src := newLiveSource(room)
	opts, warn := optionsFrom(q, presetNames(src))
	if warn == "" {
		warn = roomWarn
	}
	opts.Source = src
	teachName, followName, classWarn := classFrom(q)
	if warn == "" {
		warn = classWarn
	}
	if warn != "" {
		notice(warn, false)
	}
	var st *class.Student
	var teacherPeer *bridge.Peer
	if followName != "" { // the teacher's lesson and step, before the window opens
		var err error
		if st, teacherPeer, err = follow(&opts, followName); err != nil {
			notice("socketlab: "+err.Error(), true)
			followName = ""
		}
	}
	if teachName != "" && opts.Lesson != nil {
		opts.Teach = class.NewTeacher(class.Position{Lesson: opts.Lesson.ID, Step: max(opts.Step, 1)})
		opts.ClassName = teachName
	}
	if opts.Lesson != nil {
		opts.Progress = progress.Local() // the browser's local storage
	}
	a, err := view.New(opts)
	if err != nil {
		notice("socketlab: "+err.Error(), true)
		return
	}
	if opts.Teach != nil {
		go teach(opts.Teach, teachName)
	}
	if st != nil {
		go followOn(st, teacherPeer, followName)
	}
	go mirror(a, opts, room, classFragment(teachName, followName))
	if err := view.Run(context.Background(), a, 1280, 800, nil); err != nil {
		notice("socketlab: "+err.Error(), true)
	}
}

// notice shows msg in one line at the top of the page (the page's
// socketlab.showNotice), or on the console if the page has none.
func notice(msg string, isError bool) {
	if s := js.Global().Get("socketlab"); s.Truthy() && s.Get("showNotice").Type() == js.TypeFunction {
		s.Call("showNotice", msg, isError)
		return
	}
	js.Global().Get("console").Call("error", msg)
}

// mirror keeps the page in step with the window: the live region
// (aria-live) gets the caption and the selected packet for screen readers,
// and the URL fragment the scenario, seed and language shown. The canvas
// itself is opaque to assistive technology.
func mirror(a *view.App, opts view.Options, room, classFrag string) {
	doc := js.Global().Get("document")
	live := doc.Call("getElementById", "live")
	list := doc.Call("getElementById", "arrows")
	var said, frag string
	var listed []string
	for range time.Tick(250 * time.Millisecond) {
		text, f := describe(a, opts, room)
		if f != "" && a.Lesson() != nil {
			f += classFrag
		}
		if text != said && live.Truthy() {
			live.Set("textContent", text)
			said = text
		}
		if arrows := lastArrows(a, maxListed); list.Truthy() && !slices.Equal(arrows, listed) {
			list.Call("replaceChildren")
			for _, line := range arrows {
				li := doc.Call("createElement", "li")
				li.Set("textContent", line) // text, never markup: labels quote what the network said
				list.Call("appendChild", li)
			}
			listed = arrows
		}
		if f != frag {
			frag = f
			if cur := js.Global().Get("location").Get("hash").String(); strings.TrimPrefix(cur, "#") != f {
				s := js.Global().Get("socketlab")
				if s.Truthy() {
					s.Set("settingHash", true)
				}
				js.Global().Get("history").Call("replaceState", js.Null(), "", "#"+f)
				if s.Truthy() {
					s.Set("settingHash", false)
				}
			}
		}
	}
}

// maxListed is how many of the latest arrows the page lists.
const maxListed = 24

// lastArrows returns the latest n arrows of the ladder, one line each:
// "browser → tcp/127.0.0.1:21567: #1 "hello" len=5 · rtt 412µs". The page
// lists them for screen readers (the canvas says nothing to them) and
// for tests.
func lastArrows(a *view.App, n int) (lines []string) {
	defer func() {
		if recover() != nil {
			lines = nil
		}
	}()
	fs := a.M.Flights
	for i := max(0, len(fs)-n); i < len(fs); i++ {
		lines = append(lines, a.M.Nodes[fs[i].From].Name+" → "+a.M.Nodes[fs[i].To].Name+": "+a.Label(i))
	}
	return lines
}

// describe returns the live region's text and the fragment for what a
// shows now.
func describe(a *view.App, opts view.Options, room string) (text, frag string) {
	defer func() {
		if recover() != nil {
			text = a.Caption()
		}
	}()
	frag = fragment(a.Request(), opts.Lang, opts.Projector, room)
	if l := a.Lesson(); l != nil {
		i, _ := a.LessonStep()
		frag = lessonFragment(l.ID, i+1, opts.Lang, opts.Projector, room)
	}
	frag = withCode(frag, a.Code, a.CodeLang)
	text = a.Caption()
	if s := a.ClassSummary(); s != "" {
		text = s + " · " + text
	}
	if a.Sel >= 0 {
		sel := a.Label(a.Sel)
		if a.Lang == "zh" {
			text += "（已选：" + sel + "）"
		} else {
			text += " (selected: " + sel + ")"
		}
	}
	return text, frag
}
