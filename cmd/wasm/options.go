package main

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/bridge"
	"socketlab/sim/lesson"
	"socketlab/sim/view"
	"socketlab/textbook"
)

// defaultScenario is shown when the URL names none, or one that does not
// exist.
const defaultScenario = "handshake"

// params merges the query string and the fragment of the page's URL; the
// fragment wins (a shared link carries it; the query string is the older
// form, still read).
func params(search, hash string) url.Values {
	q, _ := url.ParseQuery(strings.TrimPrefix(search, "?"))
	f, _ := url.ParseQuery(strings.TrimPrefix(hash, "#"))
	for k, v := range f {
		q[k] = v
	}
	return q
}

// presetNames lists the scenarios src knows.
func presetNames(src view.Source) []string {
	var names []string
	for _, p := range src.Presets() {
		names = append(names, p.Name)
	}
	return names
}

// optionsFrom reads the page's parameters; unknown or malformed values
// fall back to the defaults, as a link typed on a projector should. An
// unknown scenario also returns a one-line notice for the page.
func optionsFrom(q url.Values, presets []string) (view.Options, string) {
	req := view.Request{Preset: defaultScenario}
	var warn string
	if s := q.Get("scenario"); s != "" {
		if slices.Contains(presets, s) {
			req.Preset = s
		} else {
			warn = "socketlab: no scenario named " + strconv.Quote(s) + "; showing " + defaultScenario + " instead"
		}
	}
	if s, err := strconv.ParseUint(q.Get("seed"), 10, 64); err == nil {
		req.Seed, req.HasSeed = s, true
	}
	var bad []string
	req.Links, bad = linksFrom(q)
	var badW []string
	req.WhatIfs, badW = whatIfsFrom(q)
	bad = append(bad, badW...)
	code, lang := false, textbook.Python
	switch c := q.Get("code"); c {
	case "":
	case "1", "python":
		code = true
	case "go":
		code, lang = true, textbook.Go
	default:
		bad = append(bad, "code="+c)
	}
	if len(bad) > 0 && warn == "" {
		warn = "socketlab: ignored in the URL: " + strings.Join(bad, ", ")
	}
	ui := "en"
	if q.Get("lang") == "zh" {
		ui = "zh"
	}
	o := view.Options{Source: view.SimSource{}, Request: req, Lang: ui, Projector: q.Get("projector") == "1", Code: code, CodeLang: lang}
	if id := q.Get("lesson"); id != "" { // a lesson: its steps choose the runs
		l, err := lesson.Load(id)
		if err != nil {
			return o, "socketlab: " + err.Error()
		}
		o.Lesson = l
		if n, err := strconv.Atoi(q.Get("step")); err == nil && n >= 1 && n <= len(l.Steps) {
			o.Step = n
		}
	}
	return o, warn
}

// lessonFragment is the URL fragment that reopens a lesson at a step
// (from 1), in lang.
func lessonFragment(id string, step int, lang string, projector bool, room string) string {
	v := url.Values{}
	v.Set("lesson", id)
	v.Set("step", strconv.Itoa(step))
	if lang == "zh" {
		v.Set("lang", "zh")
	}
	if projector {
		v.Set("projector", "1")
	}
	if room != defaultRoom {
		v.Set("room", room)
	}
	return v.Encode()
}

// withCode adds the code panel, when open, to a fragment: code=1 for
// the textbook's Python, code=go for its Go equivalent.
func withCode(frag string, open bool, lang textbook.Lang) string {
	if !open {
		return frag
	}
	v := "code=1"
	if lang == textbook.Go {
		v = "code=go"
	}
	if frag == "" {
		return v
	}
	return frag + "&" + v
}

// fragment is the URL fragment that reproduces req: scenario, seed, the
// sliders (all six link settings, when moved), the what-ifs in order
// (whatif=drop:12, whatif=delay:14:200ms), language, projector.
func fragment(req view.Request, lang string, projector bool, room string) string {
	v := url.Values{}
	if req.Doc == nil && req.Preset != "" {
		v.Set("scenario", req.Preset)
	}
	if req.HasSeed {
		v.Set("seed", strconv.FormatUint(req.Seed, 10))
	}
	if l := req.Links; l != nil {
		v.Set("delay", l.Delay.String())
		v.Set("jitter", l.Jitter.String())
		v.Set("bw", strconv.FormatInt(l.Bandwidth, 10))
		v.Set("loss", strconv.FormatFloat(l.Loss, 'g', -1, 64))
		v.Set("dup", strconv.FormatFloat(l.Duplicate, 'g', -1, 64))
		v.Set("reorder", strconv.FormatFloat(l.Reorder, 'g', -1, 64))
	}
	for _, w := range req.WhatIfs {
		s := w.Action + ":" + strconv.FormatUint(w.Packet, 10)
		if w.Action == "delay" {
			s += ":" + w.Delay.String()
		}
		v.Add("whatif", s)
	}
	if lang == "zh" {
		v.Set("lang", "zh")
	}
	if projector {
		v.Set("projector", "1")
	}
	if room != defaultRoom {
		v.Set("room", room)
	}
	return v.Encode()
}

// defaultRoom is the room the live run's room key joins unless the URL
// names another (room=NAME): two pages opened with the same link meet.
const defaultRoom = "class"

// roomFrom reads the room's name from the URL; a malformed one falls back
// to the default with a notice.
func roomFrom(q url.Values) (room, warn string) {
	r := q.Get("room")
	switch {
	case r == "":
		return defaultRoom, ""
	case !bridge.ValidRoomName(r):
		return defaultRoom, "socketlab: room " + strconv.Quote(r) + " is not a room name (1–32 of a-z 0-9 - _); using " + defaultRoom
	}
	return r, ""
}

// linksFrom reads the sliders from the URL: all six together, or none
// (the scenario's own links). A malformed value drops them all and is
// named in the returned list.
func linksFrom(q url.Values) (*view.LinkOverride, []string) {
	keys := []string{"delay", "jitter", "bw", "loss", "dup", "reorder"}
	var set bool
	for _, k := range keys {
		set = set || q.Has(k)
	}
	if !set {
		return nil, nil
	}
	var l view.LinkOverride
	var bad []string
	dur := func(k string, d *time.Duration) {
		v, err := time.ParseDuration(q.Get(k))
		if err != nil || v < 0 || v > time.Hour {
			bad = append(bad, k+"="+q.Get(k))
		}
		*d = v
	}
	frac := func(k string, f *float64) {
		v, err := strconv.ParseFloat(q.Get(k), 64)
		if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
			bad = append(bad, k+"="+q.Get(k))
		}
		*f = v
	}
	dur("delay", &l.Delay)
	dur("jitter", &l.Jitter)
	bw, err := strconv.ParseInt(q.Get("bw"), 10, 64)
	if err != nil || bw < 0 {
		bad = append(bad, "bw="+q.Get("bw"))
	}
	l.Bandwidth = bw
	frac("loss", &l.Loss)
	frac("dup", &l.Duplicate)
	frac("reorder", &l.Reorder)
	if len(bad) > 0 {
		return nil, bad
	}
	return &l, nil
}

// whatIfsFrom reads whatif=ACTION:PACKET[:DELAY] values, in order; a
// malformed one is skipped and named.
func whatIfsFrom(q url.Values) ([]view.WhatIf, []string) {
	var ws []view.WhatIf
	var bad []string
	for _, s := range q["whatif"] {
		parts := strings.Split(s, ":")
		var w view.WhatIf
		ok := len(parts) >= 2
		if ok {
			w.Action = parts[0]
			id, err := strconv.ParseUint(parts[1], 10, 64)
			w.Packet = id
			switch {
			case err != nil:
				ok = false
			case w.Action == "delay" && len(parts) == 3:
				d, err := time.ParseDuration(parts[2])
				w.Delay, ok = d, err == nil && d > 0 && d <= time.Hour
			case (w.Action == "drop" || w.Action == "duplicate") && len(parts) == 2:
			default:
				ok = false
			}
		}
		if !ok {
			bad = append(bad, "whatif="+s)
			continue
		}
		ws = append(ws, w)
	}
	return ws, bad
}

// classFrom reads the page's part in a class room: teach=NAME opens the
// class NAME for the lesson of the URL (lesson=…), follow=NAME joins it
// as a student (the lesson and step come from the teacher). A bad name,
// both at once, or teach without a lesson drop the class with a notice.
func classFrom(q url.Values) (teach, follow, warn string) {
	teach, follow = q.Get("teach"), q.Get("follow")
	for _, n := range []string{teach, follow} {
		if n != "" && !bridge.ValidRoomName(n) {
			return "", "", "socketlab: class " + strconv.Quote(n) + " is not a class name (1–32 of a-z 0-9 - _)"
		}
	}
	switch {
	case teach != "" && follow != "":
		return "", "", "socketlab: a page either teaches or follows: drop teach= or follow= from the URL"
	case teach != "" && q.Get("lesson") == "":
		return "", "", "socketlab: teach=" + teach + " needs a lesson to teach: add lesson=NAME (for example lesson=handshake)"
	}
	return teach, follow, ""
}

// classFragment is what the fragment keeps of the page's class.
func classFragment(teach, follow string) string {
	v := url.Values{}
	if teach != "" {
		v.Set("teach", teach)
	}
	if follow != "" {
		v.Set("follow", follow)
	}
	if len(v) == 0 {
		return ""
	}
	return "&" + v.Encode()
}
