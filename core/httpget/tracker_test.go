package httpget

import (
	"errors"
	"io"
	"testing"
)

func track(chunks ...string) (*Result, error) {
	r := &Result{ContentLength: -1}
	tr := &tracker{res: r}
	for _, c := range chunks {
		tr.see([]byte(c))
	}
	return r, tr.complete()
}

func TestTracker(t *testing.T) {
	for _, c := range []struct {
		name   string
		chunks []string
		status string
		cl     int64
		body   int64
		err    error
	}{
		{"complete", []string{"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"}, "HTTP/1.0 200 OK", 5, 5, nil},
		{"split inside the blank line", []string{"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r", "\nhel", "lo"}, "HTTP/1.0 200 OK", 5, 5, nil},
		{"bare LF head", []string{"HTTP/1.0 200 OK\ncontent-length:2\n\nok"}, "HTTP/1.0 200 OK", 2, 2, nil},
		{"no length: ends at close", []string{"HTTP/1.0 200 OK\r\n\r\nanything"}, "HTTP/1.0 200 OK", -1, 8, nil},
		{"truncated", []string{"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nhello"}, "HTTP/1.0 200 OK", 9, 5, io.ErrUnexpectedEOF},
		{"304 has no body", []string{"HTTP/1.0 304 Not Modified\r\nContent-Length: 9\r\n\r\n"}, "HTTP/1.0 304 Not Modified", 9, 0, nil},
		{"bad length ignored", []string{"HTTP/1.0 200 OK\r\nContent-Length: 5x\r\n\r\nhi"}, "HTTP/1.0 200 OK", -1, 2, nil},
		{"head cut off", []string{"HTTP/1.0 200 OK\r\nServ"}, "", -1, 0, io.ErrUnexpectedEOF},
		{"not HTTP", []string{"Sat Nov 21 11:00:00 2026\r\n"}, "", -1, 0, nil},
		{"nothing", nil, "", -1, 0, ErrNoResponse},
	} {
		r, err := track(c.chunks...)
		if r.Status != c.status || r.ContentLength != c.cl || r.BodyBytes != c.body || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("%s: %+v, %v; want status %q, length %d, body %d, %v", c.name, r, err, c.status, c.cl, c.body, c.err)
		}
	}
}

// FuzzTracker checks that the verdict on a response does not depend on
// how the network happened to split it into reads.
func FuzzTracker(f *testing.F) {
	f.Add("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", 17)
	f.Add("HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nhi", 3)
	f.Add("HTTP/1.1 204 No Content\n\n", 1)
	f.Add("garbage", 0)
	f.Fuzz(func(t *testing.T, data string, split int) {
		whole, werr := track(data)
		if split < 0 {
			split = -split
		}
		if len(data) > 0 {
			split %= len(data) + 1
		} else {
			split = 0
		}
		parts, perr := track(data[:split], data[split:])
		if *whole != *parts || (werr == nil) != (perr == nil) {
			t.Fatalf("split at %d: %+v, %v; whole: %+v, %v", split, parts, perr, whole, werr)
		}
		if whole.Received != int64(len(data)) || whole.BodyBytes > whole.Received {
			t.Fatalf("%+v for %d bytes", whole, len(data))
		}
	})
}
