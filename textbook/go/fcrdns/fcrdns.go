// Command fcrdns is the textbook's forward-confirmed reverse DNS look-up
// (fcrdns.py) written in Go: the name of an address (reverse look-up),
// then the addresses of that name (forward look-up), which must include
// the address.
// Usage: fcrdns ADDRESS
package main

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
)

// getipaddrs returns the IP addresses of hostname: a standard (forward)
// lookup.
func getipaddrs(hostname string) ([]string, error) {
	return net.LookupHost(hostname)
}

// gethostname returns the first name of ipaddr, without the root's
// trailing dot: a reverse lookup.
func gethostname(ipaddr string) (string, error) {
	names, err := net.LookupAddr(ipaddr)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(names[0], "."), nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fcrdns ADDRESS")
		os.Exit(2)
	}

	// First, do the reverse lookup and get the hostname.
	hostname, err := gethostname(os.Args[1])
	if err != nil {
		fmt.Printf("No host names available for %s; this may be normal.\n", os.Args[1])
		os.Exit(0)
	}

	// Now, do a forward lookup on the result from the earlier reverse
	// lookup.
	ipaddrs, err := getipaddrs(hostname)
	if err != nil {
		fmt.Printf("Got hostname %s, but it could not be forward-resolved: %v\n",
			hostname, err)
		os.Exit(1)
	}

	// If the forward lookup did not yield the original IP address
	// anywhere, someone is playing tricks. Explain the situation and exit.
	if !slices.Contains(ipaddrs, os.Args[1]) {
		fmt.Printf("Got hostname %s, but on forward lookup,\n", hostname)
		fmt.Printf("original IP %s did not appear in IP address list.\n", os.Args[1])
		os.Exit(1)
	}

	// Otherwise, show the validated hostname.
	fmt.Println("Validated hostname:", hostname)
}
