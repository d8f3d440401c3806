//go:build js && wasm

package bridge

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// Under Node (make's wasm runner) there is fetch but no RTCPeerConnection:
// Dial fails cleanly, and the fetch signaling reports an unreachable URL.

func TestJSDialWithoutWebRTC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, Config{URL: "http://127.0.0.1:1/rtc"})
	if err == nil || !strings.Contains(err.Error(), "peer connection") {
		t.Fatalf("Dial: %v, want a peer connection error", err)
	}
}

func TestJSFetchUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := signal(ctx, "http://127.0.0.1:1/rtc", "v=0")
	if err == nil || !strings.Contains(err.Error(), "POST http://127.0.0.1:1/rtc") {
		t.Fatalf("signal: %v", err)
	}
	t.Log(err)
}

func TestJSFetchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := signal(ctx, "http://127.0.0.1:1/rtc", "v=0")
	if err == nil {
		t.Fatal("signal with a cancelled context succeeded")
	}
	t.Log(err)
}

// TestJSFetchGateway posts to a real gateway when the native
// TestJSSignaling runs this test binary under Node and passes the URL in
// BRIDGE_TEST_GATEWAY: a bogus offer comes back as the gateway's status
// line, read through fetch.
func TestJSFetchGateway(t *testing.T) {
	url := os.Getenv("BRIDGE_TEST_GATEWAY")
	if url == "" {
		t.Skip("BRIDGE_TEST_GATEWAY not set (TestJSSignaling sets it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := signal(ctx, url, "v=0")
	if err == nil || !strings.Contains(err.Error(), "status 400: bad offer") {
		t.Fatalf("signal: %v, want the gateway's 400 line", err)
	}
}
