package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"socketlab/core/services"
)

func init() {
	register(command{
		name:    "services",
		args:    "[--file PATH] [--list] NAME[/PROTO] | PORT[/PROTO] ...",
		summary: "getservbyname / getservbyport: a service's port, or a port's service (/etc/services or a built-in table)",
		run:     runServices,
	})
}

func runServices(ctx context.Context, args []string, io stdio) error {
	c := commands["services"]
	fs := newFlags(c, io)
	file := fs.String("file", "", "read the service table from `PATH` (default "+services.ServicesFile+", or the built-in table if it is missing)")
	builtIn := fs.Bool("builtin", false, "use the built-in table even if "+services.ServicesFile+" exists")
	list := fs.Bool("list", false, "print every entry of the table")
	pos, err := parseInterspersed(fs, args, io)
	if err != nil {
		return err
	}
	if len(pos) == 0 && !*list {
		return usagef("services: give a service like http/tcp or a port like 80/tcp, or --list")
	}
	tab := services.Default()
	switch {
	case *file != "" && *builtIn:
		return usagef("services: give --file or --builtin, not both")
	case *file != "":
		if tab, err = services.Load(*file); err != nil {
			return fmt.Errorf("services: %w", err)
		}
	case *builtIn:
		tab = services.BuiltInTable()
	}
	// Check every argument before printing anything.
	type query struct {
		arg, key, proto string
		port            int // -1 for a name
	}
	qs := make([]query, 0, len(pos))
	for _, arg := range pos {
		key, proto, _ := strings.Cut(arg, "/")
		q := query{arg: arg, key: key, proto: proto, port: -1}
		switch {
		case key == "":
			return usagef("services: %q: give a name or a port before the /", arg)
		case key[0] >= '0' && key[0] <= '9':
			port, err := strconv.Atoi(key)
			if err != nil || port > 65535 {
				return usagef("services: %q: a port is a number from 0 to 65535", arg)
			}
			q.port = port
		}
		qs = append(qs, q)
	}
	fmt.Fprintf(io.Out, "table: %s (%d services)\n", tab.Source, tab.Len())
	if *list {
		for _, s := range tab.All() {
			fmt.Fprintln(io.Out, entryText(s))
		}
	}
	for _, q := range qs {
		if q.port >= 0 {
			s, ok := tab.FindPort(q.port, q.proto)
			if !ok {
				_, err := tab.ByPort(q.port, q.proto)
				return hintedError{err, "see 'socketlab services --list'"}
			}
			fmt.Fprintf(io.Out, "getservbyport(%d%s) = '%s'   [%s]\n", q.port, protoArg(q.proto), s.Name, entryText(s))
			continue
		}
		s, ok := tab.Find(q.key, q.proto)
		if !ok {
			_, err := tab.ByName(q.key, q.proto)
			return hintedError{err, "see 'socketlab services --list'"}
		}
		fmt.Fprintf(io.Out, "getservbyname('%s'%s) = %d   [%s]\n", q.key, protoArg(q.proto), s.Port, entryText(s))
	}
	return nil
}

// protoArg is the optional second argument as Python would show it.
func protoArg(proto string) string {
	if proto == "" {
		return ""
	}
	return ", '" + proto + "'"
}

// entryText is a table line: "http 80/tcp www".
func entryText(s services.Service) string {
	return strings.Join(append([]string{s.Name, fmt.Sprintf("%d/%s", s.Port, s.Proto)}, s.Aliases...), " ")
}
