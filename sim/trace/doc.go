package trace

// JSONLVersion is the version of the JSON-lines trace format written by
// WriteJSONL and JSONLWriter and the only one ReadJSONL accepts. It changes
// only if a change would make an old reader misread a new file; new optional
// fields and new enum names (appended kinds, reasons, ...) keep the version.
//
// # The JSON-lines trace format
//
// A trace is UTF-8 text, one JSON object per line ("\n"; a "\r" before it is
// tolerated), no blank lines. The same lines travel over the live-mode and
// browser-bridge streams, so a consumer can decode them one at a time.
//
// The first line is the header:
//
//	{"version":1,"header":{"title":"…","scenario":"handshake","seed":1,
//	 "nodes":[{"name":"client","kind":"host","addrs":["10.0.0.1"],"role":"client"}, …],
//	 "links":[{"id":"c-s","a":"client","b":"server","ab":{"delay":10000000},"ba":{"delay":10000000}}]}}
//
// Every following line is one Event:
//
//	{"at":20000000,"t":"20ms","kind":"send","node":"client","peer":"server","link":"c-s","arrive":30000000,
//	 "pkt":{"id":4,"proto":"tcp","src":"10.0.0.1:49152","dst":"10.0.0.2:80","ttl":64,
//	        "seq":4294967001,"ack":1000001,"flags":"PSH,ACK","win":64240,"len":5,"payload":"aGVsbG8=","text":"hello"}}
//
// Rules, in the order a reader needs them:
//
//   - A field that is absent is zero; the writer omits zero values (the
//     exception: a TCP packet always carries "seq", "ack" and "win", so a
//     reader never has to guess). Empty slices and payloads decode as nil.
//   - Times and durations ("at", "arrive", "deadline", link "delay", "jitter",
//     "reorder_by", conn "srtt", "rttvar", "rto") are integer nanoseconds. "at"
//     is since the start of the run. "t" repeats "at" for people, in Go's
//     time.Duration notation ("1.25ms", "1s"); it is optional on input and,
//     when present, must equal "at".
//   - Enumerations are their names: "kind" (send, enqueue, drop, duplicate,
//     deliver, state, connstat, timer-set, timer-cancel, timer-fire, app,
//     note), "proto" (tcp, udp, icmp), "flags" (comma-separated, "SYN,ACK"),
//     "reason" (loss, queue-full, scripted, mtu, no-route, no-socket, ttl,
//     bad-state), "from"/"to"/conn "state" (the RFC 9293 names, "SYN-SENT"),
//     "timer" (retransmit, persist, time-wait, delayed-ack, app), "op"
//     (listen, connect, accept, write, read, shutdown, close, sendto,
//     recvfrom, error, connect-start, dns-query, dns-answer, http), node
//     "kind" (host, router).
//   - A simulated host's node says which TCP it runs: "tcp" is its
//     profile, "rfc" (the textbook) or "linux"; absent for routers and
//     real captures.
//   - Addresses are netip text: "10.0.0.1", "[fd00::1]:80", "10.0.0.1:49152".
//   - Sequence numbers are absolute, as on the wire (relative numbering is a
//     matter of display, see WriteLadder); "win" is the raw 16-bit field,
//     unscaled.
//   - TCP options: "mss" (absent = no option), and those of RFC 7323 and
//     RFC 2018 whose presence is itself the fact: "wscale" (the shift,
//     written even when 0), "sack_perm" (true, or absent), "tsval" and
//     "tsecr" (both or neither, written even when 0), "sack" (1 to 4
//     blocks [left, right], absolute sequence numbers). Traces written
//     before these fields existed read as packets without the options.
//   - A packet's "payload" is standard base64 (RFC 4648 §4, padded). "len" is
//     its length in bytes (checked when present); "text" is a short printable
//     rendering for people (control bytes escaped, at most 64 runes) and is
//     ignored on input.
//   - Strings are JSON strings; a Go string that is not valid UTF-8 is
//     written with U+FFFD in place of the bad bytes.
//   - The writer puts keys in a fixed order and writes one line per call,
//     so the same trace always gives the same bytes.
//
// Fields per kind (what a producer sets; the writer omits the zero rest):
//
//	send       node peer link pkt arrive
//	enqueue    node peer link pkt
//	drop       node peer link pkt reason
//	duplicate  node peer link pkt (pkt.orig names the original)
//	deliver    node peer link pkt
//	state      node from to conn
//	connstat   node conn
//	timer-set  node conn timer deadline
//	timer-*    node conn timer
//	app        node op socket remote n text
//	note       [node] text
//
// The reader is strict: unknown or repeated keys, a wrong JSON type, a
// number out of range or with a fraction where an integer belongs, an
// unknown enumeration name, bad base64 or a "t"/"len" that disagrees with
// "at"/"payload" is an error naming the line and the field
// (*JSONLError: `trace: line 7: field "pkt.flags": unknown flag "SNY"`).
const JSONLVersion = 1
