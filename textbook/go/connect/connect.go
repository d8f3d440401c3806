// Command connect is the textbook's information example (connect.py,
// Chapter 2) written in Go: look up the port of a service, connect to a
// host by its name (the address look-up happens inside net.Dial), then
// print both ends of the connection.
// Usage: connect HOST [SERVICE]   (SERVICE defaults to http)
package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		log.Fatal("usage: connect HOST [SERVICE]")
	}
	HOST := os.Args[1]
	SERVICE := "http"
	if len(os.Args) > 2 {
		SERVICE = os.Args[2]
	}

	fmt.Print("Looking up port number... ")
	port, err := net.LookupPort("tcp", SERVICE)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("done.")

	// net.Dial creates the socket, looks HOST up and connects.
	fmt.Printf("Connecting to remote host on port %d... ", port)
	s, err := net.Dial("tcp", net.JoinHostPort(HOST, strconv.Itoa(port)))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println("done.")

	fmt.Println("Connected from", s.LocalAddr())
	fmt.Println("Connected to", s.RemoteAddr())
}
