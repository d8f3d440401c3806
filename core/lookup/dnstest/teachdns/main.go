// Command teachdns serves socketlab's teaching zone (dnstest.Zone) on
// loopback, so that a class can try every outcome of the DNS commands
// without the internet:
//
//	go run ./core/lookup/dnstest/teachdns                 # 127.0.0.1:5353, UDP and TCP
//	socketlab fcrdns --server 127.0.0.1:5353 192.0.2.40
//
// With -silent it runs a server that reads every query and never answers,
// to show a DNS timeout. It stops on Ctrl-C.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"socketlab/core/lookup/dnstest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5353", "serve on this `HOST:PORT` (UDP and TCP); port 0 picks a free one")
	silent := flag.Bool("silent", false, "never answer (on a free port): every query times out")
	flag.Parse()

	var (
		where string
		stop  func() error
	)
	if *silent {
		s, err := dnstest.NewSilent()
		if err != nil {
			fmt.Fprintln(os.Stderr, "teachdns:", err)
			os.Exit(1)
		}
		where, stop = s.Addr, s.Close
		fmt.Printf("silent DNS server on %s (UDP and TCP): reads queries, never answers\n", where)
	} else {
		s, err := dnstest.NewServerOn(*addr, dnstest.Zone...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "teachdns:", err)
			os.Exit(1)
		}
		where, stop = s.Addr, s.Close
		fmt.Printf("teaching zone on %s (UDP and TCP):\n", where)
		for _, r := range dnstest.Zone {
			fmt.Println("  " + r)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "teachdns:", err)
		os.Exit(1)
	}
}
