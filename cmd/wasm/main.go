//go:build js && wasm

// Command wasm is the playground in a browser: the same simulator and the
// same renderer as `socketlab play`, compiled to WebAssembly. The page's
// query string chooses what to show: ?scenario=lost-syn&lang=zh&seed=3&projector=1.
package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"syscall/js"

	"socketlab/sim/view"
)

func main() {
	q, _ := url.ParseQuery(strings.TrimPrefix(js.Global().Get("location").Get("search").String(), "?"))
	opts := optionsFromQuery(q)
	a, err := view.New(opts)
	if err != nil {
		js.Global().Get("console").Call("error", "socketlab: "+err.Error())
		return
	}
	if err := view.Run(context.Background(), a, 1280, 800, nil); err != nil {
		js.Global().Get("console").Call("error", "socketlab: "+err.Error())
	}
}

// optionsFromQuery reads the page's query string; unknown or malformed
// values fall back to the defaults, as a link typed on a projector should.
func optionsFromQuery(q url.Values) view.Options {
	req := view.Request{Preset: "handshake"}
	if s := q.Get("scenario"); s != "" {
		req.Preset = s
	}
	if s, err := strconv.ParseUint(q.Get("seed"), 10, 64); err == nil {
		req.Seed, req.HasSeed = s, true
	}
	lang := "en"
	if q.Get("lang") == "zh" {
		lang = "zh"
	}
	return view.Options{Source: view.SimSource{}, Request: req, Lang: lang, Projector: q.Get("projector") == "1"}
}
