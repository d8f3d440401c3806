package httpget_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"socketlab/core"
	"socketlab/core/httpget"
)

func ExampleRequest() {
	fmt.Printf("%q\n", httpget.Request("/index.html", ""))
	fmt.Printf("%q\n", httpget.Request("/", "example.test:8080"))
	// Output:
	// "GET /index.html HTTP/1.0\r\n\r\n"
	// "GET / HTTP/1.0\r\nHost: example.test:8080\r\n\r\n"
}

// A one-shot server that answers only after the client's half-close, and
// the client that fetches from it.
func ExampleClient_Get() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(io.Discard, c) // the request, up to the client's FIN
		io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())

	var out strings.Builder
	res, err := (&httpget.Client{}).Get(context.Background(), &out, "127.0.0.1", port, "/")
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n")) // CRs hidden for the example
	fmt.Println(res.Status, res.BodyBytes, err)

	// Nobody listens there any more: the connect phase fails.
	l.Close()
	_, err = (&httpget.Client{}).Get(context.Background(), io.Discard, "127.0.0.1", port, "/")
	var ce *core.Error
	fmt.Println(errors.As(err, &ce), ce.Phase, ce.Class)
	// Output:
	// HTTP/1.0 200 OK
	// Content-Length: 6
	//
	// hello
	// HTTP/1.0 200 OK 6 <nil>
	// true connect socket.error
}
