// Command socketlab is the native socketlab binary: the textbook's socket
// programs as subcommands, the simulator, and the desktop playground.
package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// commands are socketlab's subcommands, in the order 'socketlab help'
// lists them. Each is defined in its cmd_*.go file.
var commands = []*command{
	playCmd,
	simCmd,
	scenariosCmd,
	lessonsCmd,
	replayCmd,
	compareCmd,
	demoCmd,
	serveCmd,
	tcpServerCmd,
	tcpClientCmd,
	socketServerServerCmd,
	socketServerClientCmd,
	udpServerCmd,
	udpClientCmd,
	udpEchoCmd,
	infoCmd,
	getCmd,
	dnsCmd,
	fcrdnsCmd,
	servicesCmd,
	toolboxCmd,
	unixServerCmd,
	unixClientCmd,
	deadlockCmd,
	loadgenCmd,
}

func main() {
	ctx, stop := notifyContext(context.Background())
	err := run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(exitStatus(ctx, err, os.Stderr))
}

// signalCause is why ctx ended: a signal. Servers log it ("shutting down:
// terminated signal received").
type signalCause struct{ sig os.Signal }

func (c signalCause) Error() string { return c.sig.String() + " signal received" }

// notifyContext is signal.NotifyContext for SIGINT and SIGTERM with a
// cause that says which signal came: servers shut down gracefully,
// clients stop.
func notifyContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			cancel(signalCause{s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(context.Canceled)
	}
}

// exitStatus is report's status, except that a command stopped by
// SIGTERM that returns only the cancellation (it stopped cleanly) exits 0:
// SIGTERM is how a service manager or a script asks for a stop. SIGINT
// (Ctrl-C) still gives 130 for an interrupted client.
func exitStatus(ctx context.Context, err error, w io.Writer) int {
	var sc signalCause
	if errors.Is(err, context.Canceled) && errors.As(context.Cause(ctx), &sc) && sc.sig == syscall.SIGTERM {
		return 0
	}
	return report(err, w)
}
