package services

import (
	_ "embed"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// ProtocolsFile is where DefaultProtocols looks for the protocol table.
const ProtocolsFile = "/etc/protocols"

//go:embed fallback-protocols
var fallbackProtocols string

// Protocol is one line of /etc/protocols: "tcp 6 TCP".
type Protocol struct {
	Name    string
	Number  int // the IP protocol number, 0–255
	Aliases []string
}

// ProtocolTable is a parsed protocol table; first match wins. It is
// read-only after parsing and safe for concurrent use.
type ProtocolTable struct {
	Source  string // a file name or BuiltIn
	Skipped int    // malformed lines ignored

	entries  []Protocol
	byName   map[string]int
	byNumber map[int]int
}

// ParseProtocols reads a table in the /etc/protocols format:
//
//	name  number  [alias ...]  [# comment]
//
// Malformed lines are skipped and counted; only a read error is returned.
func ParseProtocols(r io.Reader) (*ProtocolTable, error) {
	t := &ProtocolTable{byName: map[string]int{}, byNumber: map[int]int{}}
	err := eachLine(r, func(f []string) {
		n, ok := 0, len(f) >= 2
		if ok {
			n, ok = parseNumber(f[1], 255)
		}
		if !ok {
			t.Skipped++
			return
		}
		p := Protocol{Name: f[0], Number: n}
		if len(f) > 2 {
			p.Aliases = append([]string(nil), f[2:]...)
		}
		i := len(t.entries)
		t.entries = append(t.entries, p)
		for _, name := range append([]string{p.Name}, p.Aliases...) {
			if _, dup := t.byName[name]; !dup {
				t.byName[name] = i
			}
		}
		if _, dup := t.byNumber[n]; !dup {
			t.byNumber[n] = i
		}
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Len returns the number of protocols in the table.
func (t *ProtocolTable) Len() int { return len(t.entries) }

// Find returns the first protocol called name or with name as an alias.
// Like the C library, names are case-sensitive ("TCP" matches only because
// it is listed as an alias).
func (t *ProtocolTable) Find(name string) (Protocol, bool) {
	i, ok := t.byName[name]
	if !ok {
		return Protocol{}, false
	}
	return t.entries[i], true
}

// FindNumber returns the first protocol with the given number.
func (t *ProtocolTable) FindNumber(n int) (Protocol, bool) {
	i, ok := t.byNumber[n]
	if !ok {
		return Protocol{}, false
	}
	return t.entries[i], true
}

// ByName is getprotobyname: the number of the protocol name.
func (t *ProtocolTable) ByName(name string) (int, error) {
	p, ok := t.Find(name)
	if !ok {
		return 0, &NotFoundError{What: "protocol", Key: name, Source: t.Source}
	}
	return p.Number, nil
}

// ByNumber is getprotobynumber: the official name of protocol n.
func (t *ProtocolTable) ByNumber(n int) (string, error) {
	p, ok := t.FindNumber(n)
	if !ok {
		return "", &NotFoundError{What: "protocol number", Key: strconv.Itoa(n), Source: t.Source}
	}
	return p.Name, nil
}

// LoadProtocols parses the file at path.
func LoadProtocols(path string) (*ProtocolTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := ParseProtocols(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	t.Source = path
	return t, nil
}

// BuiltInProtocols returns the embedded fallback protocol table.
func BuiltInProtocols() *ProtocolTable {
	t, err := ParseProtocols(strings.NewReader(fallbackProtocols))
	if err != nil {
		panic(err) // a strings.Reader cannot fail
	}
	t.Source = BuiltIn
	return t
}

var defaultProtocols = sync.OnceValue(func() *ProtocolTable {
	if t, err := LoadProtocols(ProtocolsFile); err == nil && t.Len() > 0 {
		return t
	}
	return BuiltInProtocols()
})

// DefaultProtocols returns the system table (ProtocolsFile), or the
// built-in one if that file cannot be read. It is loaded once.
func DefaultProtocols() *ProtocolTable { return defaultProtocols() }

// ProtoByName is getprotobyname on DefaultProtocols.
func ProtoByName(name string) (int, error) { return DefaultProtocols().ByName(name) }
