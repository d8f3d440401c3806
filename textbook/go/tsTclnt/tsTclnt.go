// Command tsTclnt is the textbook's TCP timestamp client (tsTclnt.py)
// written in Go, line for line where Go allows.
// Usage: tsTclnt HOST PORT; reads lines from stdin with the '> ' prompt.
package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"os"
)

const BUFSIZ = 1024

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: tsTclnt HOST PORT")
	}
	HOST, PORT := os.Args[1], os.Args[2]
	ADDR := net.JoinHostPort(HOST, PORT)

	// socket() and connect() in one call; "tcp" picks IPv4 or IPv6.
	tcpCliSock, err := net.Dial("tcp", ADDR)
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
		if _, err := tcpCliSock.Write(stdin.Bytes()); err != nil {
			log.Fatal(err)
		}
		n, err := tcpCliSock.Read(data)
		if err == io.EOF { // the server closed its end
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(data[:n]))
	}

	tcpCliSock.Close()
}
