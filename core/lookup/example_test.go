package lookup_test

import (
	"context"
	"fmt"
	"net/netip"

	"socketlab/core/lookup"
	"socketlab/core/lookup/dnstest"
)

// The forward-confirmed reverse look-up against the teaching zone, one
// address per outcome.
func ExampleClient_Confirm() {
	srv, err := dnstest.NewServer(dnstest.Zone...)
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	cl, _ := lookup.NewClient(srv.Addr, false)
	for _, a := range []string{"192.0.2.10", "192.0.2.20", "192.0.2.30", "192.0.2.40"} {
		r, err := cl.Confirm(context.Background(), netip.MustParseAddr(a))
		if err != nil {
			panic(err)
		}
		fmt.Printf("[%s, ok=%v] %s\n", r.Outcome, r.Outcome.OK(), r)
	}
	// Output:
	// [validated, ok=true] Validated hostname: web.example.test
	// [no PTR, ok=true] No host names available for 192.0.2.20; this may be normal.
	// [not forward-resolvable, ok=false] Got hostname ghost.example.test, but it could not be forward-resolved: no such host
	// [mismatch, ok=false] Got hostname liar.example.test, but on forward lookup,
	// original IP 192.0.2.40 did not appear in IP address list [198.51.100.40].
}

func ExampleClient_Forward() {
	srv, err := dnstest.NewServer(dnstest.Zone...)
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	cl, _ := lookup.NewClient(srv.Addr, true) // over TCP, like dig +tcp
	h, err := cl.Forward(context.Background(), "www.example.test")
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Canonical)
	for _, a := range h.Addrs {
		fmt.Println(lookup.Family(a), a)
	}
	// Output:
	// web.example.test
	// AF_INET 192.0.2.10
	// AF_INET6 2001:db8::10
}
