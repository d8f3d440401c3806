package trace_test

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"socketlab/sim/trace"
)

// handshake3 is the smallest interesting trace: a three-way handshake.
func handshake3() *trace.Trace {
	c := netip.MustParseAddrPort("10.0.0.1:49152")
	s := netip.MustParseAddrPort("10.0.0.2:80")
	ms := time.Millisecond
	syn := trace.Packet{ID: 1, Proto: trace.ProtoTCP, Src: c, Dst: s, TTL: 64, Seq: 4294967000, Flags: trace.FlagSYN, Window: 64240, MSS: 1460}
	synack := trace.Packet{ID: 2, Proto: trace.ProtoTCP, Src: s, Dst: c, TTL: 64, Seq: 1000000, Ack: 4294967001, Flags: trace.FlagSYN | trace.FlagACK, Window: 65535, MSS: 1460}
	ack := trace.Packet{ID: 3, Proto: trace.ProtoTCP, Src: c, Dst: s, TTL: 64, Seq: 4294967001, Ack: 1000001, Flags: trace.FlagACK, Window: 64240}
	return &trace.Trace{
		Header: trace.Header{Title: "three-way handshake", Scenario: "example", Seed: 1,
			Nodes: []trace.Node{
				{Name: "client", Addrs: []netip.Addr{c.Addr()}, Role: "client"},
				{Name: "server", Addrs: []netip.Addr{s.Addr()}, Role: "server"}},
			Links: []trace.Link{{ID: "c-s", A: "client", B: "server", AB: trace.LinkParams{Delay: 10 * ms}, BA: trace.LinkParams{Delay: 10 * ms}}}},
		Events: []trace.Event{
			{At: 0, Kind: trace.KindApp, Node: "client", Op: trace.OpConnect, Socket: c, Remote: s},
			{At: 0, Kind: trace.KindSend, Node: "client", Peer: "server", Link: "c-s", Packet: syn, Arrive: 10 * ms},
			{At: 0, Kind: trace.KindState, Node: "client", From: trace.StateClosed, To: trace.StateSynSent},
			{At: 10 * ms, Kind: trace.KindDeliver, Node: "server", Peer: "client", Link: "c-s", Packet: syn},
			{At: 10 * ms, Kind: trace.KindSend, Node: "server", Peer: "client", Link: "c-s", Packet: synack, Arrive: 20 * ms},
			{At: 10 * ms, Kind: trace.KindState, Node: "server", From: trace.StateListen, To: trace.StateSynReceived},
			{At: 20 * ms, Kind: trace.KindDeliver, Node: "client", Peer: "server", Link: "c-s", Packet: synack},
			{At: 20 * ms, Kind: trace.KindState, Node: "client", From: trace.StateSynSent, To: trace.StateEstablished},
			{At: 20 * ms, Kind: trace.KindSend, Node: "client", Peer: "server", Link: "c-s", Packet: ack, Arrive: 30 * ms},
			{At: 30 * ms, Kind: trace.KindDeliver, Node: "server", Peer: "client", Link: "c-s", Packet: ack},
			{At: 30 * ms, Kind: trace.KindState, Node: "server", From: trace.StateSynReceived, To: trace.StateEstablished},
		},
	}
}

func ExampleWriteJSONL() {
	tr := handshake3()
	tr.Events = tr.Events[:2]
	if err := trace.WriteJSONL(os.Stdout, tr); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"version":1,"header":{"title":"three-way handshake","scenario":"example","seed":1,"nodes":[{"name":"client","kind":"host","addrs":["10.0.0.1"],"role":"client"},{"name":"server","kind":"host","addrs":["10.0.0.2"],"role":"server"}],"links":[{"id":"c-s","a":"client","b":"server","ab":{"delay":10000000},"ba":{"delay":10000000}}]}}
	// {"at":0,"t":"0s","kind":"app","node":"client","op":"connect","socket":"10.0.0.1:49152","remote":"10.0.0.2:80"}
	// {"at":0,"t":"0s","kind":"send","node":"client","peer":"server","link":"c-s","arrive":10000000,"pkt":{"id":1,"proto":"tcp","src":"10.0.0.1:49152","dst":"10.0.0.2:80","ttl":64,"seq":4294967000,"ack":0,"flags":"SYN","win":64240,"mss":1460}}
}

func ExampleReadJSONL() {
	in := `{"version":1,"header":{"title":"one event"}}
{"at":1250000,"t":"1.25ms","kind":"drop","node":"client","link":"c-s","reason":"loss","pkt":{"id":7,"proto":"udp","src":"10.0.0.1:5000","dst":"10.0.0.2:7","len":5,"payload":"aGVsbG8="}}
`
	tr, err := trace.ReadJSONL(strings.NewReader(in))
	if err != nil {
		fmt.Println(err)
		return
	}
	e := tr.Events[0]
	fmt.Println(e.At, e.Kind, e.Reason, e.Packet.ID, string(e.Packet.Payload))

	_, err = trace.ReadJSONL(strings.NewReader(strings.Replace(in, `"loss"`, `"lost"`, 1)))
	fmt.Println(err)
	// Output:
	// 1.25ms drop loss 7 hello
	// trace: line 2: field "reason": unknown drop reason "lost"
}

func ExampleWriteLadder() {
	if err := trace.WriteLadder(os.Stdout, handshake3(), trace.LadderOptions{Width: 76, NoLegend: true}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// three-way handshake
	//         ms   client                                                  server
	//              10.0.0.1                                              10.0.0.2
	//              ┬                                                            ┬
	//      0.000   │ connect 10.0.0.2:80                                        │
	//              ├─ #1 SYN seq=0 win=64240 len=0 mss=1460                     │
	//              ● SYN-SENT                    ╲                              │
	//     10.000   │                                                       #1 ─▶┤
	//              │           #2 SYN,ACK seq=0 ack=1 win=65535 len=0 mss=1460 ─┤
	//              │                              ╱                SYN-RECEIVED ●
	//     20.000   ├◀─ #2                                                       │
	//              ● ESTABLISHED                                                │
	//              ├─ #3 ACK seq=1 ack=1 win=64240 len=0                        │
	//     30.000   │                                                       #3 ─▶┤
	//              │                                                ESTABLISHED ●
	//              ┴                                                            ┴
}
