package main

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"socketlab/sim/view"
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
	lang := "en"
	if q.Get("lang") == "zh" {
		lang = "zh"
	}
	return view.Options{Source: view.SimSource{}, Request: req, Lang: lang, Projector: q.Get("projector") == "1"}, warn
}

// fragment is the URL fragment that reproduces req: scenario, seed,
// language, projector.
func fragment(req view.Request, lang string, projector bool) string {
	v := url.Values{}
	if req.Doc == nil && req.Preset != "" {
		v.Set("scenario", req.Preset)
	}
	if req.HasSeed {
		v.Set("seed", strconv.FormatUint(req.Seed, 10))
	}
	if lang == "zh" {
		v.Set("lang", "zh")
	}
	if projector {
		v.Set("projector", "1")
	}
	return v.Encode()
}
