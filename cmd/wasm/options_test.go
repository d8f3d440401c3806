package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"socketlab/sim/view"
	"socketlab/textbook"
)

// The fragment wins over the query string; an unknown scenario falls back
// to the default with a notice; the fragment written back reproduces the
// request.
func TestOptionsFromURL(t *testing.T) {
	presets := []string{"handshake", "lost-syn"}
	o, warn := optionsFrom(params("?scenario=handshake&lang=zh", "#scenario=lost-syn&seed=3"), presets)
	if warn != "" || o.Request.Preset != "lost-syn" || !o.Request.HasSeed || o.Request.Seed != 3 || o.Lang != "zh" {
		t.Errorf("got %+v, %q", o, warn)
	}
	o, warn = optionsFrom(params("", "#scenario=no-such&projector=1"), presets)
	if o.Request.Preset != defaultScenario || !o.Projector || !strings.Contains(warn, `no scenario named "no-such"; showing handshake instead`) {
		t.Errorf("got %+v, %q", o, warn)
	}
	if f := fragment(view.Request{Preset: "lost-syn", Seed: 3, HasSeed: true}, "zh", true, defaultRoom); f != "lang=zh&projector=1&scenario=lost-syn&seed=3" {
		t.Errorf("fragment %q", f)
	}
	o, _ = optionsFrom(params("", "#"+fragment(view.Request{Preset: "lost-syn", Seed: 7, HasSeed: true}, "en", false, defaultRoom)), presets)
	if o.Request.Preset != "lost-syn" || o.Request.Seed != 7 || o.Lang != "en" {
		t.Errorf("round trip: %+v", o)
	}
}

// code=1 and code=go open the code panel on the Python or the Go, and
// the fragment written back keeps it; another value is ignored with a
// notice.
func TestOptionsCode(t *testing.T) {
	presets := []string{"handshake"}
	for _, tc := range []struct {
		frag string
		code bool
		lang textbook.Lang
	}{
		{"#scenario=handshake", false, textbook.Python},
		{"#code=1", true, textbook.Python},
		{"#code=python", true, textbook.Python},
		{"#" + withCode(fragment(view.Request{Preset: "handshake"}, "en", false, defaultRoom), true, textbook.Go), true, textbook.Go},
		{"#" + withCode("", true, textbook.Python), true, textbook.Python},
	} {
		o, warn := optionsFrom(params("", tc.frag), presets)
		if warn != "" || o.Code != tc.code || o.CodeLang != tc.lang {
			t.Errorf("%s: code %v %v, %q; want %v %v", tc.frag, o.Code, o.CodeLang, warn, tc.code, tc.lang)
		}
	}
	if f := withCode("scenario=handshake", true, textbook.Go); f != "scenario=handshake&code=go" {
		t.Errorf("withCode: %q", f)
	}
	if f := withCode("scenario=handshake", false, textbook.Go); f != "scenario=handshake" {
		t.Errorf("withCode, panel closed: %q", f)
	}
	o, warn := optionsFrom(params("", "#code=rust"), presets)
	if o.Code || warn != "socketlab: ignored in the URL: code=rust" {
		t.Errorf("code=rust: code %v, %q", o.Code, warn)
	}
}

// The sliders and the what-ifs survive the fragment; malformed ones are
// ignored with a notice.
func TestOptionsSlidersAndWhatIfs(t *testing.T) {
	req := view.Request{Preset: "lost-syn", Seed: 3, HasSeed: true,
		Links:   &view.LinkOverride{Delay: 40 * time.Millisecond, Jitter: 5 * time.Millisecond, Bandwidth: 1000000, Loss: 0.1, Duplicate: 0.02, Reorder: 0},
		WhatIfs: []view.WhatIf{{Packet: 4, Action: "drop"}, {Packet: 7, Action: "delay", Delay: 200 * time.Millisecond}, {Packet: 9, Action: "duplicate"}}}
	f := fragment(req, "en", false, defaultRoom)
	o, warn := optionsFrom(params("", "#"+f), []string{"lost-syn"})
	if warn != "" || !reflect.DeepEqual(o.Request, req) {
		t.Errorf("fragment %q gives %+v (links %+v), %q", f, o.Request, o.Request.Links, warn)
	}
	o, warn = optionsFrom(params("", "#scenario=lost-syn&loss=2&delay=1ms&jitter=0s&bw=0&dup=0&reorder=0&whatif=drop:x&whatif=explode:3&whatif=drop:5"), []string{"lost-syn"})
	if o.Request.Links != nil || len(o.Request.WhatIfs) != 1 || o.Request.WhatIfs[0].Packet != 5 ||
		warn != "socketlab: ignored in the URL: loss=2, whatif=drop:x, whatif=explode:3" {
		t.Errorf("got %+v, %q", o.Request, warn)
	}
}

// The room travels in the link, so that two pages opened with it meet;
// a malformed name falls back to the default with a notice.
func TestRoomFromURL(t *testing.T) {
	for _, c := range []struct{ hash, room, warn string }{
		{"#scenario=live", defaultRoom, ""},
		{"#scenario=live&room=lab-2", "lab-2", ""},
		{"#room=Lab%202", defaultRoom, `socketlab: room "Lab 2" is not a room name (1–32 of a-z 0-9 - _); using class`},
	} {
		room, warn := roomFrom(params("", c.hash))
		if room != c.room || warn != c.warn {
			t.Errorf("%s: room %q, notice %q; want %q, %q", c.hash, room, warn, c.room, c.warn)
		}
	}
	if f := fragment(view.Request{Preset: "live"}, "en", false, "lab-2"); f != "room=lab-2&scenario=live" {
		t.Errorf("fragment %q", f)
	}
}

// lesson=NAME&step=N opens a shipped lesson at a step; an unknown lesson
// is a notice, and the fragment of a lesson reopens it.
func TestOptionsLesson(t *testing.T) {
	o, warn := optionsFrom(params("", "#lesson=handshake&step=3&lang=zh"), nil)
	if warn != "" || o.Lesson == nil || o.Lesson.ID != "handshake" || o.Step != 3 || o.Lang != "zh" {
		t.Fatalf("lesson: %+v, %q", o, warn)
	}
	o, _ = optionsFrom(params("", "#lesson=handshake&step=99"), nil)
	if o.Lesson == nil || o.Step != 0 {
		t.Errorf("step 99 of 10: step %d, want 0 (where the learner left)", o.Step)
	}
	o, warn = optionsFrom(params("", "#lesson=nope"), nil)
	if o.Lesson != nil || !strings.HasPrefix(warn, `socketlab: no lesson named "nope" (one of `) {
		t.Errorf("unknown lesson: %v, %q", o.Lesson, warn)
	}
	if f := lessonFragment("handshake", 2, "zh", true, defaultRoom); f != "lang=zh&lesson=handshake&projector=1&step=2" {
		t.Errorf("lessonFragment = %q", f)
	}
	o, _ = optionsFrom(params("", "#"+lessonFragment("tcp-vs-udp", 4, "en", false, defaultRoom)), nil)
	if o.Lesson == nil || o.Lesson.ID != "tcp-vs-udp" || o.Step != 4 {
		t.Errorf("round trip: %+v", o)
	}
}

// A class room in the URL: a teacher names its lesson, a student only
// the class; bad names and contradictions fall back with one line.
func TestClassFromURL(t *testing.T) {
	for _, c := range []struct {
		frag, teach, follow, warn string
	}{
		{"#lesson=handshake&teach=lab-1", "lab-1", "", ""},
		{"#follow=lab-1", "", "lab-1", ""},
		{"#lesson=handshake", "", "", ""},
		{"#teach=lab-1", "", "", "socketlab: teach=lab-1 needs a lesson to teach: add lesson=NAME (for example lesson=handshake)"},
		{"#lesson=handshake&teach=a&follow=b", "", "", "socketlab: a page either teaches or follows: drop teach= or follow= from the URL"},
		{"#follow=Lab", "", "", `socketlab: class "Lab" is not a class name (1–32 of a-z 0-9 - _)`},
	} {
		teach, follow, warn := classFrom(params("", c.frag))
		if teach != c.teach || follow != c.follow || warn != c.warn {
			t.Errorf("%s: %q %q %q, want %q %q %q", c.frag, teach, follow, warn, c.teach, c.follow, c.warn)
		}
	}
	if f := lessonFragment("handshake", 3, "en", false, defaultRoom) + classFragment("", "lab-1"); f != "lesson=handshake&step=3&follow=lab-1" {
		t.Errorf("fragment %q", f)
	}
	if classFragment("", "") != "" {
		t.Error("a fragment without a class")
	}
}
