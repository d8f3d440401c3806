//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// Elsewhere than in a browser this command only says where it runs.
func main() {
	fmt.Fprintln(os.Stderr, "cmd/wasm is the playground in a browser: build it with make build and run socketlab serve")
	os.Exit(2)
}
