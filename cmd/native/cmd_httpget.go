package main

import (
	"context"
	"time"

	"socketlab/core/httpget"
)

func init() {
	register(command{
		name:    "get",
		args:    "[--port N | --service http] [--host-header] [--pause 10s] [-v] HOST [PATH]",
		summary: "the textbook's HTTP/1.0 GET client: send, half-close (shutdown(1)), print the response; errors name the phase",
		run:     runGet,
	})
}

func runGet(ctx context.Context, args []string, io stdio) error {
	c := commands["get"]
	fs := newFlags(c, io)
	service := fs.String("service", "http", "connect to the port of this service `NAME` (getservbyname over tcp)")
	port := fs.String("port", "", "connect to port `N` instead of a service's port")
	hostHeader := fs.Bool("host-header", false, "add a Host header (the textbook's request has none; name-based virtual hosts need it)")
	pause := fs.Duration("pause", 0, "wait this `duration` between connect and send, like the textbook's sleep(10): stop the server meanwhile and see which phase fails")
	verbose := fs.Bool("v", false, "print each step (connected, sent, shut down, received) to stderr")
	rf := addResolverFlags(fs, 30*time.Second)
	pos, err := parseInterspersed(fs, args, io)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usagef("get: give HOST and optionally PATH (see 'socketlab get --help')")
	}
	path := "/"
	if len(pos) == 2 {
		path = pos[1]
	}
	if path == "" || path[0] != '/' {
		return usagef("get: PATH %q must start with /", path)
	}
	if *pause < 0 {
		return usagef("get: --pause must not be negative")
	}
	target := *service
	if wasFlagGiven(fs, "port") && wasFlagGiven(fs, "service") {
		return usagef("get: give --port or --service, not both")
	}
	if *port != "" {
		if !isPortNumber(*port) {
			return usagef("get: --port %q: give a number from 0 to 65535 (or a name with --service)", *port)
		}
		target = *port
	}
	cl, ctx, cancel, err := rf.client(ctx, "get")
	if err != nil {
		return err
	}
	defer cancel()
	client := &httpget.Client{Resolver: cl.Resolver, HostHeader: *hostHeader, Pause: *pause}
	if *verbose {
		client.Log = io.Err
	}
	_, err = client.Get(ctx, io.Out, pos[0], target, path)
	return withHint(cl.NameServer(err), *rf.timeout)
}
