package main

import (
	"context"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"socketlab/core/loadgen"
)

func TestClientProfile(t *testing.T) {
	addr := os.Getenv("ADDR")
	f, _ := os.Create("/tmp/client.prof")
	pprof.StartCPUProfile(f)
	res, err := loadgen.Run(context.Background(), loadgen.Config{Addr: addr, Conns: 64, Duration: 3 * time.Second, ReplyLen: 32, Check: loadgen.CheckTimestamp})
	pprof.StopCPUProfile()
	t.Log(res, err)
}
