package main

import (
	"context"
	"strconv"
	"strings"
	"time"

	"socketlab/core"
	"socketlab/core/httpget"
)

var getCmd = &command{
	name:    "get",
	args:    "[--port N | --service http] [--host-header] [--pause 10s] [-v] [--trace FILE] HOST [PATH]",
	summary: "the textbook's HTTP/1.0 GET client: send, half-close (shutdown(1)), print the response; errors name the phase",
	parse:   parseGet,
}

func parseGet(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	service := fs.String("service", "http", "connect to the port of this service `NAME` (getservbyname over tcp)")
	port := fs.String("port", "", "connect to port `N` instead of a service's port")
	hostHeader := fs.Bool("host-header", false, "add a Host header (the textbook's request has none; name-based virtual hosts need it)")
	pause := durationFlag(fs, "pause", 0, 0, time.Hour, "",
		"wait this `duration` between connect and send, like the textbook's sleep(10): stop the server meanwhile and see which phase fails")
	verbose := fs.Bool("v", false, "print each step (connected, sent, shut down, received) to stderr")
	rf := addResolverFlags(fs, 30*time.Second)
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return nil, usagef("get: give HOST and optionally PATH (see 'socketlab get --help')")
	}
	if err := checkHostName("get", "host name", pos[0]); err != nil {
		return nil, err
	}
	path := "/"
	if len(pos) == 2 {
		path = pos[1]
	}
	if path == "" || path[0] != '/' {
		return nil, usagef("get: PATH %s must start with /", strconv.Quote(path))
	}
	if strings.ContainsAny(path, " \t\r\n") || len(path) > 4096 {
		return nil, usagef("get: PATH %s: at most 4096 bytes without spaces or line breaks (write %%20 for a space)", shown(path))
	}
	target, err := portTarget(fs, *service, *port)
	if err != nil {
		return nil, err
	}
	cl, err := rf.check("get")
	if err != nil {
		return nil, err
	}
	if err := checkTraceFlag(fs, *traceFile, true); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return withTrace(*traceFile, std, c.name, args, func(tr core.Tracer) error {
			ctx, cancel := rf.bound(ctx)
			defer cancel()
			client := &httpget.Client{Resolver: cl.Resolver, HostHeader: *hostHeader, Pause: *pause, Trace: tr}
			if *verbose {
				client.Log = std.Err
			}
			_, err := client.Get(ctx, std.Out, pos[0], target, path)
			return withHint(cl.NameServer(err), fs)
		})
	}, nil
}
