package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"socketlab/core/bench"
)

func main() {
	kind := os.Args[1]
	f, _ := os.Create(os.Args[2])
	var s *bench.Server
	if kind == "go" {
		s, _ = bench.StartGo(context.Background())
	} else {
		s, _ = bench.StartBare(context.Background())
	}
	fmt.Println(s.Addr)
	pprof.StartCPUProfile(f)
	time.Sleep(4 * time.Second)
	pprof.StopCPUProfile()
	s.Close()
}
