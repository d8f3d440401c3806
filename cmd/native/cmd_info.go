package main

import (
	"context"
	"flag"
	"strconv"
	"time"

	"socketlab/core"
	"socketlab/core/info"
)

var infoCmd = &command{
	name:    "info",
	args:    "[--service http | --port N] [--server HOST:PORT] [--timeout 10s] [--trace FILE] HOST",
	summary: "the information example: connect to HOST by name, print getsockname and getpeername",
	parse:   parseInfo,
}

func parseInfo(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	service := fs.String("service", "http", "connect to the port of this service `NAME`, looked up over tcp")
	port := fs.String("port", "", "connect to port `N` instead of a service's port")
	rf := addResolverFlags(fs, 10*time.Second)
	traceFile := traceFlag(fs)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, usagef("info: give one HOST to connect to (see 'socketlab info --help')")
	}
	if err := checkHostName("info", "host name", pos[0]); err != nil {
		return nil, err
	}
	target, err := portTarget(fs, *service, *port)
	if err != nil {
		return nil, err
	}
	cl, err := rf.check("info")
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
			client := &info.Client{Resolver: cl.Resolver, Trace: tr}
			_, err := client.Run(ctx, std.Out, pos[0], target)
			return withHint(cl.NameServer(err), fs)
		})
	}, nil
}

// portTarget is the port --port or --service asks for.
func portTarget(fs *flag.FlagSet, service, port string) (string, error) {
	if wasFlagGiven(fs, "port") && wasFlagGiven(fs, "service") {
		return "", usagef("%s: give --port or --service, not both", fs.Name())
	}
	if wasFlagGiven(fs, "port") {
		if !isPortNumber(port) {
			return "", usagef("%s: --port %s: give a number from 0 to 65535 (or a name with --service)", fs.Name(), strconv.Quote(port))
		}
		return port, nil
	}
	if !isServiceName(service) {
		return "", usagef("%s: --service %s: a service name is letters, digits and '-', such as http (or give --port N)", fs.Name(), shown(service))
	}
	return service, nil
}

// isServiceName reports whether s could name a service in /etc/services.
func isServiceName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '+') {
			return false
		}
	}
	return true
}

// isPortNumber reports whether s is a decimal port number.
func isPortNumber(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}
