// Package bundle builds the browser playground's WebAssembly bundle: it
// compiles cmd/wasm for GOOS=js GOARCH=wasm, copies the Go release's
// wasm_exec.js next to it, and pre-compresses the module with brotli and
// gzip, so that `socketlab serve` sends compressed bytes without a
// compressor (or a brotli decoder) in the binary. `make build` runs it
// through assets/web/mkbundle; the browser tests call Build directly.
package bundle

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
)

// The files Build writes into its output directory, as `socketlab serve`
// reads them.
const (
	WasmBrotli = "socketlab.wasm.br"
	WasmGzip   = "socketlab.wasm.gz"
	WasmExec   = "wasm_exec.js"
)

// Sizes are what Build wrote, in bytes.
type Sizes struct {
	Wasm, Brotli, Gzip int
}

// BuildFlags are the go build flags of the module: no symbol table or
// DWARF, no file paths. Inlining stays on: without it (-gcflags=all=-l)
// brotli makes the module 14 % smaller (2.72 → 2.34 MB), but the
// simulator runs 1.7 times slower in WebAssembly. It is off only in
// code that runs once, when a shader is compiled: ebiten's shader
// compiler and what it uses (go/parser, go/constant and math/big,
// text/template for its built-in shaders, encoding/gob): 99 kB less
// brotli (2.999 → 2.900 MB) at a cost no frame and no simulation pays.
var BuildFlags = []string{"-ldflags=-s -w", "-trimpath",
	"-gcflags=go/...=-l", "-gcflags=text/...=-l", "-gcflags=math/big=-l", "-gcflags=encoding/gob=-l",
	"-gcflags=github.com/hajimehoshi/ebiten/v2/internal/shader...=-l",
	"-gcflags=github.com/hajimehoshi/ebiten/v2/internal/legacyshader=-l",
	"-gcflags=github.com/hajimehoshi/ebiten/v2/internal/builtinshader=-l"}

// Build compiles the module at root's ./cmd/wasm with goCmd ("go") and
// writes the bundle into dir. brotliQuality is 0–11; 11 is the smallest
// and the slowest (make build uses it; tests may trade size for time).
func Build(ctx context.Context, goCmd, root, dir string, brotliQuality int) (Sizes, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Sizes{}, err
	}
	tmp, err := os.MkdirTemp("", "socketlab-wasm-")
	if err != nil {
		return Sizes{}, err
	}
	defer os.RemoveAll(tmp)
	wasm := filepath.Join(tmp, "socketlab.wasm")
	cmd := exec.CommandContext(ctx, goCmd, append([]string{"build"}, append(BuildFlags, "-o", wasm, "./cmd/wasm")...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return Sizes{}, fmt.Errorf("GOOS=js GOARCH=wasm go build ./cmd/wasm: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	raw, err := os.ReadFile(wasm)
	if err != nil {
		return Sizes{}, err
	}
	goroot, err := exec.CommandContext(ctx, goCmd, "env", "GOROOT").Output()
	if err != nil {
		return Sizes{}, fmt.Errorf("go env GOROOT: %v", err)
	}
	js, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", WasmExec))
	if err != nil {
		return Sizes{}, err
	}
	br, err := Brotli(raw, brotliQuality)
	if err != nil {
		return Sizes{}, err
	}
	gz, err := Gzip(raw)
	if err != nil {
		return Sizes{}, err
	}
	for name, b := range map[string][]byte{WasmBrotli: br, WasmGzip: gz, WasmExec: js} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return Sizes{}, err
		}
	}
	return Sizes{Wasm: len(raw), Brotli: len(br), Gzip: len(gz)}, nil
}

// Brotli compresses b at quality (0–11) with a 16 MiB window.
func Brotli(b []byte, quality int) ([]byte, error) {
	var out bytes.Buffer
	w := brotli.NewWriterOptions(&out, brotli.WriterOptions{Quality: quality, LGWin: 24})
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Gzip compresses b at the best compression; its trailer records len(b)
// (mod 2³²), which serve reads as the decoded size.
func Gzip(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
