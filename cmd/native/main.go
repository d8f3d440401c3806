// Command socketlab is the native socketlab binary: the textbook's socket
// programs as subcommands, the simulator, and the desktop playground.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGINT/SIGTERM cancel ctx: servers shut down gracefully, clients stop.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(report(err, os.Stderr))
}
