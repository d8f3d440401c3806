package lesson

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, every error is one line, and what it
// accepts round-trips: Encode gives a document Parse accepts again, and
// encoding that gives the same bytes (the canonical encoding).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("lessons/*.json")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte(`{"id":"a","title":{"en":"a","zh":"甲"},"chapter":1,"steps":[{"scenario":"lost-syn","at":"the last drop","narration":{"en":"a","zh":"甲"}}]}`))
	f.Add([]byte(`{"id":"a","title":{"en":"a","zh":"甲"},"chapter":1,"steps":[{"scenario":"udp-impaired","from":"1ms","to":"the 2nd deliver at server of data",` +
		`"highlight":[3,"the next datagram from client"],"narration":{"en":"a","zh":"甲"},"question":{"kind":"number","prompt":{"en":"a","zh":"甲"},` +
		`"answer":1e3,"tolerance":0.5,"expect":"len of packet 3","hint":{"en":"a","zh":"甲"},"explain":{"right":{"en":"a","zh":"甲"},"wrong":{"en":"a","zh":"甲"}}}}]}`))
	f.Add([]byte(`{"id":"a","title":{"en":"a","zh":"甲"},"chapter":1,"steps":[{"scenario":"refused","at":"1ms","narration":{"en":"a","zh":"甲"},"real":"refused"}]}`))
	f.Add([]byte(`{"id":"a","title":{"en":"a","zh":"甲"},"chapter":1,"steps":[{"scenario":"handshake","at":"1ms","narration":{"en":"a","zh":"甲"},"real":"ftp"}]}`))
	f.Add([]byte(`{"id":"a","steps":[{"scenario":{"seed":1}}]}`))
	f.Add([]byte(`{"id":"a","id":"b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse(data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		enc, err := l.Encode()
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		l2, err := Parse(enc)
		if err != nil {
			t.Fatalf("Parse refuses what Encode wrote: %v\n%s", err, enc)
		}
		enc2, err := l2.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("the encoding is not stable (%v):\n%s\n---\n%s", err, enc, enc2)
		}
	})
}
