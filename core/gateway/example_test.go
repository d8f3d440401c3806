package gateway_test

import (
	"log"
	"net/http"
	"net/netip"

	"socketlab/core/gateway"
)

// The gateway is mounted at /rtc next to the page; it relays only to the
// demo servers the program started.
func Example() {
	g, err := gateway.New(gateway.Config{
		Allow: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:21567")},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	mux := http.NewServeMux()
	mux.Handle(gateway.Path, g)
	_ = http.Server{Addr: "127.0.0.1:8080", Handler: mux}
}
