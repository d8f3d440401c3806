// Package services answers the textbook's getservbyname, getservbyport and
// getprotobyname from the netdb files /etc/services and /etc/protocols.
//
// Go's standard library has no such call (net.LookupPort reads the same file
// but only maps a name to a port), so this package parses the files itself.
// Where a file cannot be read (a minimal container, Windows) a built-in table
// of well-known entries in the same format is used, so a look-up of "http"
// over "tcp" gives 80 everywhere.
package services

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// ServicesFile is where Default looks for the system's service table.
const ServicesFile = "/etc/services"

// BuiltIn names the source of a table parsed from the embedded fallback.
const BuiltIn = "built-in table"

//go:embed fallback-services
var fallbackServices string

// ErrNotFound is matched (errors.Is) by every look-up that finds nothing.
var ErrNotFound = errors.New("not found")

// NotFoundError says which look-up found nothing and in which table, so the
// user can tell a typo from a missing /etc/services entry.
type NotFoundError struct {
	What   string // "service", "port" or "protocol"
	Key    string // the name or number asked for
	Proto  string // the protocol asked for; "" means any
	Source string // the table searched
}

// Error reads like `service "htp"/tcp not found in /etc/services`.
func (e *NotFoundError) Error() string {
	k := strconv.Quote(e.Key)
	if e.What == "port" || e.What == "protocol number" {
		k = e.Key
	}
	if e.Proto != "" {
		k += "/" + e.Proto
	}
	if e.Source == "" {
		return e.What + " " + k + " not found"
	}
	return e.What + " " + k + " not found in " + e.Source
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Service is one line of /etc/services: "http 80/tcp www".
type Service struct {
	Name    string
	Port    int
	Proto   string // "tcp", "udp", "sctp", ...
	Aliases []string
}

// Table is a parsed service table. Look-ups return the first matching line,
// as the C library's getservbyname does. A Table is read-only after Parse
// and safe for concurrent use.
type Table struct {
	// Source is where the table came from: a file name or BuiltIn.
	Source string
	// Skipped counts malformed lines that were ignored, as the C library
	// ignores them.
	Skipped int

	entries []Service
	byName  map[nameKey]int // name or alias (+proto, "" = any) → first entry
	byPort  map[portKey]int // port (+proto, "" = any) → first entry
}

type nameKey struct{ name, proto string }
type portKey struct {
	port  int
	proto string
}

// Parse reads a table in the /etc/services format:
//
//	# comment
//	name  port/protocol  [alias ...]  [# comment]
//
// Malformed lines (no port, a port outside 0–65535, no protocol) are
// skipped and counted in Skipped. Only a read error is returned.
func Parse(r io.Reader) (*Table, error) {
	t := &Table{byName: map[nameKey]int{}, byPort: map[portKey]int{}}
	err := eachLine(r, func(fields []string) {
		s, ok := parseService(fields)
		if !ok {
			t.Skipped++
			return
		}
		t.add(s)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// eachLine calls fn with the whitespace-separated fields of every line that
// is not blank once its comment is removed.
func eachLine(r io.Reader, fn func(fields []string)) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if f := strings.Fields(line); len(f) > 0 {
			fn(f)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func parseService(f []string) (Service, bool) {
	if len(f) < 2 {
		return Service{}, false
	}
	port, proto, ok := strings.Cut(f[1], "/")
	if !ok || proto == "" {
		return Service{}, false
	}
	n, ok := parseNumber(port, 65535)
	if !ok {
		return Service{}, false
	}
	s := Service{Name: f[0], Port: n, Proto: proto}
	if len(f) > 2 {
		s.Aliases = append([]string(nil), f[2:]...)
	}
	return s, true
}

// parseNumber accepts plain decimal digits up to limit: no sign, no spaces.
func parseNumber(s string, limit int) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= limit
}

func (t *Table) add(s Service) {
	i := len(t.entries)
	t.entries = append(t.entries, s)
	first := func(k nameKey) {
		if _, dup := t.byName[k]; !dup {
			t.byName[k] = i
		}
	}
	for _, n := range append([]string{s.Name}, s.Aliases...) {
		first(nameKey{n, s.Proto})
		first(nameKey{n, ""})
	}
	for _, k := range []portKey{{s.Port, s.Proto}, {s.Port, ""}} {
		if _, dup := t.byPort[k]; !dup {
			t.byPort[k] = i
		}
	}
}

// Len returns the number of services in the table.
func (t *Table) Len() int { return len(t.entries) }

// All returns a copy of the entries in file order.
func (t *Table) All() []Service {
	out := make([]Service, len(t.entries))
	copy(out, t.entries)
	return out
}

// Find returns the first service called name (or with name as an alias)
// over proto; an empty proto matches any protocol.
func (t *Table) Find(name, proto string) (Service, bool) {
	i, ok := t.byName[nameKey{name, proto}]
	if !ok {
		return Service{}, false
	}
	return t.entries[i], true
}

// FindPort returns the first service on port over proto; an empty proto
// matches any protocol.
func (t *Table) FindPort(port int, proto string) (Service, bool) {
	i, ok := t.byPort[portKey{port, proto}]
	if !ok {
		return Service{}, false
	}
	return t.entries[i], true
}

// ByName is getservbyname: the port of the service name over proto ("" for
// any protocol). The error is a *NotFoundError.
func (t *Table) ByName(name, proto string) (int, error) {
	s, ok := t.Find(name, proto)
	if !ok {
		return 0, &NotFoundError{What: "service", Key: name, Proto: proto, Source: t.Source}
	}
	return s.Port, nil
}

// ByPort is getservbyport: the official name of the service on port over
// proto ("" for any protocol). The error is a *NotFoundError.
func (t *Table) ByPort(port int, proto string) (string, error) {
	s, ok := t.FindPort(port, proto)
	if !ok {
		return "", &NotFoundError{What: "port", Key: strconv.Itoa(port), Proto: proto, Source: t.Source}
	}
	return s.Name, nil
}

// Load parses the file at path and names the table after it.
func Load(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	t.Source = path
	return t, nil
}

// BuiltInTable returns the embedded fallback table.
func BuiltInTable() *Table {
	t, err := Parse(strings.NewReader(fallbackServices))
	if err != nil { // a strings.Reader cannot fail
		panic(err)
	}
	t.Source = BuiltIn
	return t
}

var defaultTable = sync.OnceValue(func() *Table {
	if t, err := Load(ServicesFile); err == nil && t.Len() > 0 {
		return t
	}
	return BuiltInTable()
})

// Default returns the system table (ServicesFile), or the built-in table if
// that file cannot be read or holds no service. It is loaded once.
func Default() *Table { return defaultTable() }

// ByName is getservbyname on the Default table.
func ByName(name, proto string) (int, error) { return Default().ByName(name, proto) }

// ByPort is getservbyport on the Default table.
func ByPort(port int, proto string) (string, error) { return Default().ByPort(port, proto) }

// ParsePort reads a port given as a number ("8080") or as a service name
// ("http") looked up over proto in t, the way the textbook's HTTP client
// first tries int(textport) and then getservbyname. A number must be in
// 0–65535; a name that is not in t gives a *NotFoundError.
func (t *Table) ParsePort(s, proto string) (int, error) {
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		n, ok := parseNumber(s, 65535)
		if !ok {
			return 0, fmt.Errorf("port %q is not a number from 0 to 65535", s)
		}
		return n, nil
	}
	if s == "" {
		return 0, errors.New("empty port: give a number or a service name such as http")
	}
	return t.ByName(s, proto)
}
