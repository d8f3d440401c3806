// Command tsTserv is the textbook's TCP timestamp server (tsTserv.py)
// written in Go: one client at a time, each chunk received answered
// with "[ctime] chunk".
// Usage: tsTserv HOST PORT   (PORT 0 picks a free port)
// Prints the bound port on the first line of stdout.
package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"time"
)

const BUFSIZ = 1024

// ctime is Python's time.ctime(): "Mon Jan  2 15:04:05 2006".
func ctime() string { return time.Now().Format(time.ANSIC) }

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: tsTserv HOST PORT")
	}
	HOST, PORT := os.Args[1], os.Args[2]
	ADDR := net.JoinHostPort(HOST, PORT)

	// socket(), SO_REUSEADDR, bind() and listen() in one call.
	tcpSerSock, err := net.Listen("tcp", ADDR)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tcpSerSock.Addr().(*net.TCPAddr).Port)

	for {
		fmt.Println("waiting for connection ...")
		tcpCliSock, err := tcpSerSock.Accept()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("...connected from:", tcpCliSock.RemoteAddr())

		// Served here, one client at a time as in the textbook; a Go
		// server would usually serve each in a goroutine of its own.
		data := make([]byte, BUFSIZ)
		for {
			n, err := tcpCliSock.Read(data)
			if err != nil { // io.EOF: the client closed its end
				break
			}
			if _, err := tcpCliSock.Write(fmt.Appendf(nil, "[%s] %s", ctime(), data[:n])); err != nil {
				break
			}
		}

		tcpCliSock.Close()
	}
}
