package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"socketlab/core"
)

func init() {
	register(command{
		name:    "demo",
		args:    "[--host 127.0.0.1]",
		summary: "start every textbook demo server at once (TCP and UDP timestamp, SocketServer variant, UDP echo) until Ctrl-C",
		run:     runDemo,
	})
}

// demoServer is one of the servers `socketlab demo` starts.
type demoServer struct {
	what    string
	network string
	port    int
	serve   func(ctx context.Context, network, addr string) error
}

// demoServers are the textbook's servers on the textbook's ports: 21567 for
// tsTserv.py and tsUserv.py (TCP and UDP may share a number), 51423 for the
// UDP echo server of the error-handling notes.
func demoServers(logf func(string, ...any)) []demoServer {
	return []demoServer{
		{"TCP timestamp server", "tcp", 21567, (&core.TimestampServer{Logf: logf}).ListenAndServe},
		{"UDP timestamp server", "udp", 21567, (&core.UDPTimestampServer{Logf: logf}).ListenAndServe},
		{"SocketServer timestamp server", "tcp", 21568, (&core.LineTimestampServer{Logf: logf}).ListenAndServe},
		{"UDP echo server", "udp", 51423, (&core.UDPEchoServer{Logf: logf}).ListenAndServe},
	}
}

func runDemo(ctx context.Context, args []string, io stdio) error {
	c := commands["demo"]
	fs := newFlags(c, io)
	host := fs.String("host", "127.0.0.1", "`ADDRESS` to listen on (::1 for IPv6 loopback, empty for every interface)")
	if err := parseFlags(fs, args, io); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo: unexpected argument %q", fs.Arg(0))
	}
	logf := lineLogger(io.Err)
	servers := demoServers(logf)
	fmt.Fprintln(io.Out, "socketlab demo servers (Ctrl-C stops them):")
	for _, s := range servers {
		fmt.Fprintf(io.Out, "  %-30s %s/%s\n", s.what, s.network, net.JoinHostPort(*host, strconv.Itoa(s.port)))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Go(func() {
			errs[i] = s.serve(ctx, s.network, net.JoinHostPort(*host, strconv.Itoa(s.port)))
			if errs[i] != nil {
				cancel() // one failed (port in use?): stop the others too
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
