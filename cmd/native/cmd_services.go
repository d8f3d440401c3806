package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"socketlab/core/services"
)

var servicesCmd = &command{
	name:    "services",
	args:    "[--file PATH] [--list] NAME[/PROTO] | PORT[/PROTO] ...",
	summary: "getservbyname / getservbyport: a service's port, or a port's service (/etc/services or a built-in table)",
	parse:   parseServices,
}

// servicesQuery is one NAME[/PROTO] or PORT[/PROTO] argument.
type servicesQuery struct {
	arg, key, proto string
	port            int // -1 for a name
}

func parseServices(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	file := fs.String("file", "", "read the service table from `PATH` (default "+services.ServicesFile+", or the built-in table if it is missing)")
	builtIn := fs.Bool("builtin", false, "use the built-in table even if "+services.ServicesFile+" exists")
	list := fs.Bool("list", false, "print every entry of the table")
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) == 0 && !*list:
		return nil, usagef("services: give a service like http/tcp or a port like 80/tcp, or --list")
	case wasFlagGiven(fs, "file") && *builtIn:
		return nil, usagef("services: give --file or --builtin, not both")
	case wasFlagGiven(fs, "file") && *file == "":
		return nil, usagef("services: --file is empty; give the path of a services file")
	}
	// Check every argument before printing anything.
	qs := make([]servicesQuery, 0, len(pos))
	for _, arg := range pos {
		q, err := parseServicesQuery(arg)
		if err != nil {
			return nil, err
		}
		qs = append(qs, q)
	}
	return func(ctx context.Context) error {
		tab, err := servicesTable(*file, *builtIn)
		if err != nil {
			return err
		}
		return lookUpServices(std, tab, *list, qs)
	}, nil
}

// parseServicesQuery checks one argument: NAME, NAME/PROTO, PORT or PORT/PROTO.
func parseServicesQuery(arg string) (servicesQuery, error) {
	key, proto, _ := strings.Cut(arg, "/")
	q := servicesQuery{arg: arg, key: key, proto: proto, port: -1}
	switch {
	case key == "":
		return q, usagef("services: %q: give a name or a port before the /", arg)
	case strings.Contains(proto, "/"):
		return q, usagef("services: %q: want NAME/PROTO or PORT/PROTO with one /, e.g. http/tcp", arg)
	case strings.Contains(arg, "/") && !isServiceName(proto):
		return q, usagef("services: %q: the protocol after the / is a name such as tcp or udp", arg)
	case key[0] == '-' || key[0] == '+' || key[0] >= '0' && key[0] <= '9':
		port, err := strconv.Atoi(key)
		if err != nil || port < 0 || port > 65535 {
			return q, usagef("services: %q: a port is a number from 0 to 65535", arg)
		}
		q.port = port
	case !isServiceName(key):
		return q, usagef("services: %q: a service name is letters, digits and '-', such as http", arg)
	}
	return q, nil
}

// servicesTable loads the table the flags ask for. A file that holds no
// service entry at all is refused: it is not a services file.
func servicesTable(file string, builtIn bool) (*services.Table, error) {
	switch {
	case builtIn:
		return services.BuiltInTable(), nil
	case file == "":
		return services.Default(), nil
	}
	st, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("services: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("services: --file %s is not a regular file", file)
	}
	tab, err := services.Load(file)
	if err != nil {
		return nil, fmt.Errorf("services: %w", err)
	}
	if tab.Len() == 0 {
		return nil, fmt.Errorf("services: --file %s has no service entries (lines like \"http 80/tcp www\"): is it a services file?", file)
	}
	return tab, nil
}

func lookUpServices(io stdio, tab *services.Table, list bool, qs []servicesQuery) error {
	fmt.Fprintf(io.Out, "table: %s (%d services)\n", tab.Source, tab.Len())
	if list {
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
