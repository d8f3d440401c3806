//go:build !js

package bridge_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"socketlab/core/gateway"
)

// TestJSSignaling runs the package's js tests under Node (Go's wasm
// runner) against a real gateway: the browser build's fetch signaling
// end to end, short of a browser's RTCPeerConnection.
func TestJSSignaling(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package for js/wasm")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	_, url := startGateway(t, gateway.Config{})
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "bridge.test.wasm")
	build := exec.CommandContext(ctx, goBin, "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the js tests: %v\n%s", err, out)
	}
	run := exec.CommandContext(ctx, filepath.Join(runtime.GOROOT(), "lib", "wasm", "go_js_wasm_exec"), bin, "-test.v", "-test.run", "^TestJS")
	run.Env = append(os.Environ(), "BRIDGE_TEST_GATEWAY="+url)
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestJSFetchGateway") {
		t.Fatalf("the js tests under node: %v\n%s", err, out)
	}
}
