// Command tsTservSS is the textbook's SocketServer timestamp server
// (tsTservSS.py) written in Go. Go has no socketserver module: the
// accept loop is serve_forever(), handle is MyRequestHandler.handle —
// one line per connection, answered with "[ctime] line".
// Usage: tsTservSS HOST PORT   (PORT 0 picks a free port)
// Prints the bound port on the first line of stdout.
package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"
)

// ctime is Python's time.ctime(): "Mon Jan  2 15:04:05 2006".
func ctime() string { return time.Now().Format(time.ANSIC) }

// handle reads one line (with its "\r\n", or what came before the end)
// and writes it back stamped; then, as socketserver does, it shuts down
// its sending side and closes.
func handle(conn net.Conn) {
	defer conn.Close()
	fmt.Println("...connected from:", conn.RemoteAddr())
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	if err != nil && err != io.EOF {
		log.Print(err)
		return
	}
	if _, err := conn.Write(fmt.Appendf(nil, "[%s] %s", ctime(), line)); err != nil {
		log.Print(err)
		return
	}
	conn.(*net.TCPConn).CloseWrite()
}

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: tsTservSS HOST PORT")
	}
	HOST, PORT := os.Args[1], os.Args[2]
	ADDR := net.JoinHostPort(HOST, PORT)

	tcpServ, err := net.Listen("tcp", ADDR)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tcpServ.Addr().(*net.TCPAddr).Port)
	fmt.Println("waiting for connection...")
	for { // serve_forever(): one connection at a time, as TCPServer
		conn, err := tcpServ.Accept()
		if err != nil {
			log.Fatal(err)
		}
		handle(conn)
	}
}
