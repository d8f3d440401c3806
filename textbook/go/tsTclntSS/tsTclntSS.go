// Command tsTclntSS is the textbook's SocketServer timestamp client
// (tsTclntSS.py) written in Go: a new connection for every message,
// sent with "\r\n".
// Usage: tsTclntSS HOST PORT; reads lines from stdin with the '> ' prompt.
package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
)

const BUFSIZ = 1024

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: tsTclntSS HOST PORT")
	}
	HOST, PORT := os.Args[1], os.Args[2]
	ADDR := net.JoinHostPort(HOST, PORT)

	stdin := bufio.NewScanner(os.Stdin)
	data := make([]byte, BUFSIZ)
	for {
		tcpCliSock, err := net.Dial("tcp", ADDR)
		if err != nil {
			log.Fatal(err)
		}

		fmt.Print("> ")
		if !stdin.Scan() || stdin.Text() == "" {
			tcpCliSock.Close() // the server reads an empty line
			break
		}
		if _, err := tcpCliSock.Write([]byte(stdin.Text() + "\r\n")); err != nil {
			log.Fatal(err)
		}
		n, err := tcpCliSock.Read(data)
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(strings.TrimSpace(string(data[:n])))
		tcpCliSock.Close()
	}
}
