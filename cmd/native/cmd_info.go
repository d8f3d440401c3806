package main

import (
	"context"
	"flag"
	"time"

	"socketlab/core/info"
)

func init() {
	register(command{
		name:    "info",
		args:    "[--service http | --port N] [--server HOST:PORT] [--timeout 10s] HOST",
		summary: "the information example: connect to HOST by name, print getsockname and getpeername",
		run:     runInfo,
	})
}

func runInfo(ctx context.Context, args []string, io stdio) error {
	c := commands["info"]
	fs := newFlags(c, io)
	service := fs.String("service", "http", "connect to the port of this service `NAME`, looked up over tcp")
	port := fs.String("port", "", "connect to port `N` instead of a service's port")
	rf := addResolverFlags(fs, 10*time.Second)
	pos, err := parseInterspersed(fs, args, io)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("info: give one HOST to connect to (see 'socketlab info --help')")
	}
	target := *service
	if wasFlagGiven(fs, "port") && wasFlagGiven(fs, "service") {
		return usagef("info: give --port or --service, not both")
	}
	if *port != "" {
		if !isPortNumber(*port) {
			return usagef("info: --port %q: give a number from 0 to 65535 (or a name with --service)", *port)
		}
		target = *port
	}
	cl, ctx, cancel, err := rf.client(ctx, "info")
	if err != nil {
		return err
	}
	defer cancel()
	client := &info.Client{Resolver: cl.Resolver}
	_, err = client.Run(ctx, io.Out, pos[0], target)
	return withHint(cl.NameServer(err), *rf.timeout)
}

// flagSet reports whether the flag name was given on the command line.
func wasFlagGiven(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
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
