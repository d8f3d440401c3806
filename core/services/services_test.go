package services

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func loadTestdata(t *testing.T) *Table {
	t.Helper()
	tab, err := Load("testdata/services")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestParseTestdata(t *testing.T) {
	tab := loadTestdata(t)
	want := []Service{
		{Name: "http", Port: 80, Proto: "tcp", Aliases: []string{"www"}},
		{Name: "http", Port: 80, Proto: "udp", Aliases: []string{"www"}},
		{Name: "echo", Port: 7, Proto: "tcp"},
		{Name: "echo", Port: 7, Proto: "udp"},
		{Name: "alt", Port: 8080, Proto: "tcp", Aliases: []string{"webcache", "http"}},
		{Name: "dupe", Port: 80, Proto: "tcp"},
		{Name: "sctponly", Port: 9999, Proto: "sctp"},
		{Name: "max", Port: 65535, Proto: "udp"},
		{Name: "zero", Port: 0, Proto: "tcp"},
		{Name: "crlf", Port: 83, Proto: "tcp", Aliases: []string{"crlf-alias"}},
		{Name: "last-line-no-newline", Port: 84, Proto: "tcp"},
	}
	if got := tab.All(); !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", got, want)
	}
	// no-port, bad-proto, bad-port, negative, hex, no-slash
	if tab.Skipped != 6 {
		t.Errorf("Skipped = %d, want 6", tab.Skipped)
	}
	if tab.Source != "testdata/services" {
		t.Errorf("Source = %q", tab.Source)
	}
}

func TestByName(t *testing.T) {
	tab := loadTestdata(t)
	for _, c := range []struct {
		name, proto string
		want        int
	}{
		{"http", "tcp", 80},
		{"http", "udp", 80},
		{"http", "", 80},   // any protocol: the first line
		{"www", "tcp", 80}, // an alias
		{"webcache", "", 8080},
		{"echo", "udp", 7},
		{"sctponly", "sctp", 9999},
		{"max", "udp", 65535},
		{"zero", "tcp", 0},
		{"crlf-alias", "tcp", 83}, // the \r is whitespace, not part of the alias
	} {
		got, err := tab.ByName(c.name, c.proto)
		if err != nil || got != c.want {
			t.Errorf("ByName(%q, %q) = %d, %v; want %d", c.name, c.proto, got, err, c.want)
		}
	}
}

func TestByNameNotFound(t *testing.T) {
	tab := loadTestdata(t)
	for _, c := range []struct{ name, proto, msg string }{
		{"htp", "tcp", `service "htp"/tcp not found in testdata/services`},
		{"sctponly", "tcp", `service "sctponly"/tcp not found in testdata/services`},
		{"HTTP", "", `service "HTTP" not found in testdata/services`}, // case-sensitive, like libc
		{"bad-port", "tcp", `service "bad-port"/tcp not found in testdata/services`},
	} {
		_, err := tab.ByName(c.name, c.proto)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("ByName(%q, %q) error %v is not ErrNotFound", c.name, c.proto, err)
		}
		if err.Error() != c.msg {
			t.Errorf("ByName(%q, %q) error = %q, want %q", c.name, c.proto, err, c.msg)
		}
	}
}

func TestByPort(t *testing.T) {
	tab := loadTestdata(t)
	for _, c := range []struct {
		port  int
		proto string
		want  string
	}{
		{80, "tcp", "http"}, // "dupe" comes later
		{80, "", "http"},
		{8080, "tcp", "alt"},
		{9999, "", "sctponly"},
		{7, "udp", "echo"},
	} {
		got, err := tab.ByPort(c.port, c.proto)
		if err != nil || got != c.want {
			t.Errorf("ByPort(%d, %q) = %q, %v; want %q", c.port, c.proto, got, err, c.want)
		}
	}
	_, err := tab.ByPort(81, "tcp")
	if want := "port 81/tcp not found in testdata/services"; err == nil || err.Error() != want {
		t.Errorf("ByPort(81) error = %v, want %q", err, want)
	}
}

func TestParsePort(t *testing.T) {
	tab := loadTestdata(t)
	for _, c := range []struct {
		in   string
		want int
		err  string
	}{
		{"80", 80, ""},
		{"0", 0, ""},
		{"65535", 65535, ""},
		{"www", 80, ""},
		{"65536", 0, `port "65536" is not a number from 0 to 65535`},
		{"8o", 0, `port "8o" is not a number from 0 to 65535`},
		{"", 0, "empty port: give a number or a service name such as http"},
		{"gopher", 0, `service "gopher"/tcp not found in testdata/services`},
	} {
		got, err := tab.ParsePort(c.in, "tcp")
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != c.want || gotErr != c.err {
			t.Errorf("ParsePort(%q) = %d, %q; want %d, %q", c.in, got, gotErr, c.want, c.err)
		}
	}
}

// The built-in table must answer what the textbook asks even where
// /etc/services is missing.
func TestBuiltInTable(t *testing.T) {
	tab := BuiltInTable()
	if tab.Skipped != 0 {
		t.Errorf("built-in table has %d malformed lines", tab.Skipped)
	}
	if tab.Len() < 40 {
		t.Errorf("built-in table has only %d services", tab.Len())
	}
	for name, port := range map[string]int{"http": 80, "https": 443, "ssh": 22, "smtp": 25, "ftp": 21, "telnet": 23, "domain": 53} {
		if got, err := tab.ByName(name, "tcp"); err != nil || got != port {
			t.Errorf("built-in %s/tcp = %d, %v; want %d", name, got, err, port)
		}
	}
	if got, err := tab.ByPort(53, "udp"); err != nil || got != "domain" {
		t.Errorf("built-in 53/udp = %q, %v", got, err)
	}
	_, err := tab.ByName("nope", "tcp")
	if want := `service "nope"/tcp not found in built-in table`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestDefault(t *testing.T) {
	tab := Default()
	if _, err := os.Stat(ServicesFile); err == nil {
		if tab.Source != ServicesFile {
			t.Errorf("Default().Source = %q although %s exists", tab.Source, ServicesFile)
		}
	} else if tab.Source != BuiltIn {
		t.Errorf("Default().Source = %q without %s", tab.Source, ServicesFile)
	}
	if p, err := ByName("http", "tcp"); err != nil || p != 80 {
		t.Errorf("ByName(http, tcp) = %d, %v", p, err)
	}
	if n, err := ByPort(80, "tcp"); err != nil || n != "http" {
		t.Errorf("ByPort(80, tcp) = %q, %v", n, err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such-file")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestProtocols(t *testing.T) {
	for _, tab := range []*ProtocolTable{BuiltInProtocols(), DefaultProtocols()} {
		for name, n := range map[string]int{"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58, "TCP": 6} {
			if got, err := tab.ByName(name); err != nil || got != n {
				t.Errorf("%s: ByName(%q) = %d, %v; want %d", tab.Source, name, got, err, n)
			}
		}
		if got, err := tab.ByNumber(17); err != nil || got != "udp" {
			t.Errorf("%s: ByNumber(17) = %q, %v", tab.Source, got, err)
		}
		_, err := tab.ByName("tcpp")
		if !errors.Is(err, ErrNotFound) || err.Error() != `protocol "tcpp" not found in `+tab.Source {
			t.Errorf("%s: ByName(tcpp) error = %v", tab.Source, err)
		}
	}
	if BuiltInProtocols().Skipped != 0 {
		t.Error("built-in protocol table has malformed lines")
	}
}

func TestParseProtocolsSkipsMalformed(t *testing.T) {
	tab, err := ParseProtocols(strings.NewReader("tcp 6 TCP\nbig 256\nneg -1\nnonum\nudp\t17 UDP # c\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len() != 2 || tab.Skipped != 3 {
		t.Errorf("Len = %d, Skipped = %d; want 2, 3", tab.Len(), tab.Skipped)
	}
}

// FuzzParse checks that any input parses without panicking and that every
// entry kept is found again by both look-ups (first match wins).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "#", "http 80/tcp www\n", "a 1/b c d # e\r\n", "x 65536/tcp", "x /tcp", "x 1/",
		"\xff\xfe 7/udp\n", "a 1/t\na 2/t\n", "a\t0/t\x00", strings.Repeat("a 1/t ", 100),
	} {
		f.Add(s)
	}
	if b, err := os.ReadFile("testdata/services"); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := Parse(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tab.All() {
			if s.Port < 0 || s.Port > 65535 || s.Proto == "" || s.Name == "" || strings.ContainsAny(s.Name, " \t\n#") {
				t.Fatalf("bad entry %+v", s)
			}
			first, ok := tab.Find(s.Name, s.Proto)
			if !ok {
				t.Fatalf("entry %+v not found by name", s)
			}
			if p, err := tab.ByName(s.Name, s.Proto); err != nil || p != first.Port {
				t.Fatalf("ByName(%q, %q) = %d, %v; Find gave %+v", s.Name, s.Proto, p, err, first)
			}
			if _, err := tab.ByPort(s.Port, s.Proto); err != nil {
				t.Fatalf("entry %+v not found by port: %v", s, err)
			}
		}
	})
}

func FuzzParseProtocols(f *testing.F) {
	for _, s := range []string{"", "tcp 6 TCP\n", "x 256", "x 00006 y", "a 1\na 2\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := ParseProtocols(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tab.entries {
			if p.Number < 0 || p.Number > 255 {
				t.Fatalf("bad entry %+v", p)
			}
			if _, ok := tab.Find(p.Name); !ok {
				t.Fatalf("%+v not found by name", p)
			}
			if _, ok := tab.FindNumber(p.Number); !ok {
				t.Fatalf("%+v not found by number", p)
			}
		}
	})
}

func BenchmarkByName(b *testing.B) {
	tab := BuiltInTable()
	for b.Loop() {
		if _, err := tab.ByName("http-alt", "tcp"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBuiltIn(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(strings.NewReader(fallbackServices)); err != nil {
			b.Fatal(err)
		}
	}
}
