//go:build !js

package bridge_test

import (
	"context"
	"fmt"
	"io"
	"time"

	"socketlab/sim/bridge"
	"socketlab/sim/trace"
)

// The page's side of a "hello" to the timestamp server: the same code
// compiles for the browser (GOOS=js) and natively.
func Example() {
	feed := trace.NewFeed(4096) // the live view takes the events from here
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bridge.Dial(ctx, bridge.Config{URL: "http://127.0.0.1:8080/rtc", Sink: feed})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	s, err := b.TCP(ctx, "127.0.0.1:9000")
	if err != nil {
		fmt.Println(err) // e.g. "target 127.0.0.1:9000 is not allowed"
		return
	}
	defer s.Close()
	s.Write([]byte("hello"))
	reply := make([]byte, 32)
	io.ReadFull(s, reply)
	fmt.Printf("%s\n", reply) // [Sat Nov 21 11:10:46 2026] hello
}
