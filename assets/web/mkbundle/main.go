// Command mkbundle builds the browser playground's bundle into
// assets/web/dist, where `socketlab serve` embeds it from:
//
//	go run ./assets/web/mkbundle
//
// (make build runs it before building socketlab). Run it from the module
// root.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"socketlab/assets/web/bundle"
)

func main() {
	out := flag.String("o", "assets/web/dist", "output `DIR`")
	quality := flag.Int("q", 11, "brotli `QUALITY`, 0–11")
	flag.Parse()
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	s, err := bundle.Build(context.Background(), goCmd, ".", *out, *quality)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkbundle:", err)
		os.Exit(1)
	}
	fmt.Printf("wasm bundle: %.2f MB, brotli %.2f MB, gzip %.2f MB (%s)\n",
		mb(s.Wasm), mb(s.Brotli), mb(s.Gzip), *out)
}

func mb(n int) float64 { return float64(n) / 1e6 }
