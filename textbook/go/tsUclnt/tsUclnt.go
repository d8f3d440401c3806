// Command tsUclnt is the textbook's UDP timestamp client (tsUclnt.py)
// written in Go.
// Usage: tsUclnt HOST PORT; reads lines from stdin with the '> ' prompt.
package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"os"
)

const BUFSIZ = 1024

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: tsUclnt HOST PORT")
	}
	HOST, PORT := os.Args[1], os.Args[2]
	ADDR, err := net.ResolveUDPAddr("udp", net.JoinHostPort(HOST, PORT))
	if err != nil {
		log.Fatal(err)
	}

	// An unconnected socket, bound to any port: each datagram names
	// where it goes, as sendto() does.
	udpCliSock, err := net.ListenPacket("udp", ":0")
	if err != nil {
		log.Fatal(err)
	}

	stdin := bufio.NewScanner(os.Stdin)
	data := make([]byte, BUFSIZ)
	for {
		fmt.Print("> ")
		if !stdin.Scan() || stdin.Text() == "" {
			break
		}
		if _, err := udpCliSock.WriteTo(stdin.Bytes(), ADDR); err != nil {
			log.Fatal(err)
		}
		n, _, err := udpCliSock.ReadFrom(data)
		if err != nil {
			log.Fatal(err)
		}
		if n == 0 {
			break
		}
		fmt.Println(string(data[:n]))
	}
	udpCliSock.Close()
}
