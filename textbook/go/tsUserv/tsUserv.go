// Command tsUserv is the textbook's UDP timestamp server (tsUserv.py)
// written in Go: each datagram answered with "[ctime] datagram".
// Usage: tsUserv HOST PORT   (PORT 0 picks a free port)
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
		log.Fatal("usage: tsUserv HOST PORT")
	}
	HOST, PORT := os.Args[1], os.Args[2]
	ADDR := net.JoinHostPort(HOST, PORT)

	// socket() and bind() in one call.
	udpSerSock, err := net.ListenPacket("udp", ADDR)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(udpSerSock.LocalAddr().(*net.UDPAddr).Port)

	data := make([]byte, BUFSIZ)
	for {
		fmt.Println("waiting for message...")
		n, addr, err := udpSerSock.ReadFrom(data)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := udpSerSock.WriteTo(fmt.Appendf(nil, "[%s] %s", ctime(), data[:n]), addr); err != nil {
			log.Print(err) // this client is gone; serve the next
			continue
		}
		fmt.Println("...received from and returned to:", addr)
	}
}
