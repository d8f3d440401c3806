// Package web holds the browser playground that `socketlab serve` sends:
// the page, its script and style (in this folder), and the WebAssembly
// bundle that `make build` writes into dist/ (assets/web/mkbundle; not
// committed). A binary built without the bundle still builds: Dist then
// holds only dist/README and serve says how to build it.
package web

import (
	"embed"
	"io/fs"
)

//go:embed index.html app.js style.css
var page embed.FS

//go:embed dist
var dist embed.FS

// Page is the page, app.js and style.css.
func Page() fs.FS { return page }

// Dist is the built bundle: socketlab.wasm.br, socketlab.wasm.gz and
// wasm_exec.js, or none of them when it was not built.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}
