// Command teachdns serves socketlab's teaching zone (dnstest.Zone) on
// loopback, so that a class can try every outcome of the DNS commands
// without the internet:
//
//	go run ./core/lookup/dnstest/teachdns                 # 127.0.0.1:5300, UDP and TCP
//	socketlab fcrdns --server 127.0.0.1:5300 192.0.2.40
//
// Flags:
//
//	-addr HOST:PORT  serve on this address, UDP and TCP (default
//	                 127.0.0.1:5300; port 0 picks a free one). Not 5353:
//	                 that is the mDNS port, which avahi holds on most
//	                 desktops.
//	-silent          run a server that reads every query and never
//	                 answers (on a free port), to show a DNS timeout.
//
// It prints the address it serves on and stops on Ctrl-C or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"socketlab/core/lookup/dnstest"
)

// defaultAddr is where the teaching zone is served unless -addr says
// otherwise: loopback, and not 5353 (mDNS, held by avahi on most desktops).
const defaultAddr = "127.0.0.1:5300"

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	stop := make(chan struct{})
	go func() { <-sig; close(stop) }()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

// run serves until stop is closed and returns the exit status: 0, 1 for
// a failure, 2 for a mistake on the command line.
func run(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	fs := flag.NewFlagSet("teachdns", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", defaultAddr, "serve on this `HOST:PORT` (UDP and TCP); port 0 picks a free one")
	silent := fs.Bool("silent", false, "never answer (on a free port): every query times out")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: go run ./core/lookup/dnstest/teachdns [-addr HOST:PORT] [-silent]")
		fmt.Fprintln(fs.Output(), "\nServes socketlab's teaching DNS zone on loopback; Ctrl-C stops it.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fmt.Fprintf(stderr, "teachdns: %v (see 'teachdns -h')\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "teachdns: unexpected argument %q; the address is given with -addr\n", fs.Arg(0))
		return 2
	}

	var shutdown func() error
	if *silent {
		s, err := dnstest.NewSilent()
		if err != nil {
			fmt.Fprintln(stderr, "teachdns:", err)
			return 1
		}
		shutdown = s.Close
		fmt.Fprintf(stdout, "silent DNS server on %s (UDP and TCP): reads queries, never answers\n", s.Addr)
	} else {
		s, err := dnstest.NewServerOn(*addr, dnstest.Zone...)
		if err != nil {
			fmt.Fprintln(stderr, "teachdns:", err)
			return 1
		}
		shutdown = s.Close
		fmt.Fprintf(stdout, "teaching zone on %s (UDP and TCP):\n", s.Addr)
		for _, r := range dnstest.Zone {
			fmt.Fprintln(stdout, "  "+r)
		}
	}
	<-stop
	if err := shutdown(); err != nil {
		fmt.Fprintln(stderr, "teachdns:", err)
		return 1
	}
	return 0
}
