// Package sim is socketlab's deterministic packet-flow simulator: hosts and
// routers joined by links with delay, jitter, bandwidth, a bounded queue,
// loss, duplication, reordering and an MTU; UDP and TCP (package sim/tcp)
// on the hosts; small programs written against a socket-like API; and
// scripted faults. Everything it does is a stream of trace.Events.
//
// # Determinism
//
// A run is a pure function of its Scenario (including the seed). Virtual
// time is a time.Duration since the start; the event queue orders by (time,
// insertion sequence). The package reads no clock, starts no goroutine and
// never lets map order decide anything, so the same scenario gives a
// byte-identical trace natively and in WebAssembly (TestGoldenPresets runs
// on both).
//
// Every random draw comes from its own stream, a PCG generator seeded by a
// hash of Scenario.Seed and the stream's name (rand.go): each direction of
// each link has one stream per impairment (jitter, reordering, loss,
// duplication), and each TCP connection one for its initial sequence
// numbers (named by host and four-tuple; a later connection with the same
// four-tuple takes the next value). Every packet a direction puts on the
// wire takes exactly one value from each of its four streams, whatever its
// fate and whether or not the impairment is switched on — a packet dropped
// by a fault too. So what happens on one link direction does not depend on
// how many packets crossed another, and a what-if changes only what it
// causes.
//
// Packet IDs are handed out in event order from 1; a packet keeps its ID
// across router hops, and a duplicate gets a new one (Packet.Orig names the
// original). A "what if this packet is lost?" re-run adds
// Fault{Action: "drop", Packet: id}: everything before that packet is
// unchanged, IDs included, and afterwards every packet outside the drop's
// causal future meets the same fate — same send and arrival times, lost or
// not, duplicated or not — though it may carry a different ID
// (TestWhatIfIsCounterfactual).
//
// # Public API
//
//	sc, err := sim.LoadPreset("handshake")       // or sim.ParseScenario(jsonBytes)
//	sc.AddFault(sim.Fault{Action: "drop", Packet: 4})
//	tr, err := sim.Run(sc)                        // run to sc.Duration, record everything
//
//	s, err := sim.New(sc, sink)                   // or step it yourself (the renderer)
//	hdr := s.Header()                             // topology for the layout
//	for s.Step() && s.Now() < limit { ... }       // or s.RunUntil(t)
//	conns := s.Conns()                            // TCP snapshots, in creation order
//
// # Trace events
//
// For every hop of every packet the simulator emits, at the sending node:
// KindEnqueue when the transmitter is busy, KindSend when the first bit
// leaves (Arrive = when the last bit will reach the peer), KindDuplicate for
// a copy the link made, or KindDrop with DropMTU / DropQueueFull. A packet
// lost on the wire (DropLoss, or DropScripted for a fault) is Sent and then
// Dropped half-way through its flight: a ladder draws it leaving and
// vanishing. For link drops Node/Peer/Link are the hop's sender, receiver
// and link. At the receiver: KindDeliver, then the host's verdict — a
// KindDrop with DropNoSocket (TCP answers with a RST, UDP with ICMP port
// unreachable), DropNoRoute, DropTTL or DropQueueFull (a full listen queue
// or UDP socket buffer), with Node = that host and no link. KindApp records
// every socket call of a program; KindNote what a program prints; a
// program's sleeps and timeouts (Host.After) are timer events with
// trace.TimerApp. The tcp package adds KindState, KindConnStat and its own
// timer events itself.
//
// Sizes: a packet's wire size (what MTU and bandwidth apply to) is its IP
// packet: 20 (IPv4) or 40 (IPv6) bytes of IP header, 20 of TCP plus its
// options as Linux lays them out (trace.Packet.TCPOptionsLen: 4 for the MSS
// of a SYN, 12 for timestamps, 4 for the window scale, 4 + 8 per SACK
// block) or 8 of UDP/ICMP,
// plus the payload. Serialization
// delay is size·8/bandwidth exactly (1500 B at 1 Mb/s = 12 ms).
//
// # Scenario format
//
// A scenario is one JSON object, decoded strictly: unknown fields, trailing
// data and out-of-range values are errors naming the field path
// ("links[0].ab.loss: 1.5 is out of range [0, 1]"). Durations are Go
// duration strings ("10ms", "1.5s"). Encode writes the same format; the
// presets in presets/*.json are examples of every feature.
//
//	name         string   preset or file name (shown in the trace header)
//	description  string   one line, the trace title
//	seed         uint64   drives every random draw (see Determinism)
//	duration     "2s"     virtual time Run simulates (1ns … 1h)
//	hosts        [node]   end hosts (at least one); node = {"name", "addrs": ["10.0.0.1", "fd00::1"], "role", "tcp"}
//	routers      [node]   forwarding nodes; addresses optional
//	links        [link]   {"id", "a", "b", "ab": params, "ba": params}: ab applies from a to b
//	tcp          {...}    TCP parameters of every host (below); a host's own "tcp" overrides the fields it sets
//	programs     [prog]   what runs on the hosts (below)
//	faults       [fault]  scripted drops, delays, duplicates (below)
//
// Link params (per direction; all optional):
//
//	delay       "10ms"  propagation delay, 0 … 10s
//	jitter      "2ms"   extra uniform random delay in [0, jitter)
//	bandwidth   int     bits per second; 0 = unlimited (no serialization delay)
//	queue       int     packets the transmit queue holds; 0 = unbounded; tail drop when full
//	loss        0…1     probability a packet is lost on the wire
//	duplicate   0…1     probability the link delivers a second copy (right behind the first)
//	reorder     0…1     probability a packet is held back ...
//	reorder_by  "15ms"  ... by this much extra delay, so later ones overtake it
//	mtu         int     largest IP packet, 68 … 65535; 0 = 1500; larger packets are dropped (no fragmentation)
//
// Routes are static and derived from the topology: a breadth-first search
// from every host through routers (never through another host); ties go to
// the link listed first. Routers decrement the TTL (64 at the source).
//
// TCP parameters. profile: "rfc" (the default, the textbook: RFC 9293
// and the defaults below) or "linux" (a Linux 6.x kernel as measured,
// tcp.ProfileLinux: window scale 10, 128 KiB buffers, timestamps, SACK,
// CUBIC, IW10, Linux's RTO, delayed and quick ACKs, …). The profile is
// applied first; every field set overrides it, and an unset field (0, absent) takes the
// profile's value or else the default: mss (64 … 65495, default 1460),
// rcvbuf (default 65535; at most 65535 without window scaling, 65535 <<
// window_scale and 16 MiB with it), window_scale (RFC 7323: the shift our
// SYNs offer, 0 … 14, or -1 for no window scale option, the rfc default),
// timestamps (RFC 7323 timestamps, RTTM and PAWS; false switches them off
// under linux), sack (RFC 2018 selective acknowledgments, RFC 6675 recovery; false switches
// them off under linux), rack_tlp (RFC 8985 RACK-TLP; needs sack; on
// under linux), sndbuf (default 65535), initial_rto (default 1s),
// min_rto (default 1s; the presets use Linux's 200ms), max_rto (default
// 60s), max_retries (default 15), syn_retries (default 7: connect gives up
// after 3 minutes, RFC 9293 §3.8.3; Linux's 6 gives up after about 2),
// delayed_ack ("0s" = ACK at once, the rfc default; ≤ 500ms), msl
// (TIME-WAIT lasts 2·msl; default 2m, the presets use 1s), initial_cwnd
// (bytes; default RFC 5681), congestion ("reno", the rfc default, or
// "cubic": RFC 9438, the linux default).
//
// A host's "tcp" takes the same fields: those it sets replace the
// scenario's for that host's connections ({"profile": "linux"} on the
// client and not on the server compares the two TCPs in one run). The
// trace header's nodes say which profile each host runs (trace.Node.TCP).
//
// Programs: {"type", "host", "start": "0s", ...} with, by type,
//
//	tcp-timestamp-server  port, work (think time per reply), concurrent, backlog
//	tcp-readall-server    port, work, concurrent, backlog: reads to EOF, then answers once
//	                      answers each recv(1024) with "[ctime] data" (tsTserv.py);
//	                      iterative (one client at a time) unless concurrent
//	tcp-timestamp-client  server, messages, interval: send, recv(1024), repeat, close (tsTclnt.py)
//	udp-timestamp-server  port, work: answers each datagram with "[ctime] data" (tsUserv.py)
//	udp-timestamp-client  server, messages, interval, timeout (default 1s): sendto, recvfrom
//	udp-echo-server       port, work: recvfrom(8192), sendto the same bytes back
//	udp-echo-client       server, messages, interval, timeout: a connected socket, so an
//	                      ICMP port unreachable surfaces as "recv: connection refused"
//	bulk-sender           server, bytes, chunk (default 8192): sendall a fixed pattern, close
//	bulk-sink             port, chunk (recv size, default 8192), work (pause between recvs):
//	                      reads to EOF, checks every byte, notes "N bytes, all in order"
//	paced-sender          server, bytes, chunk, interval (all required): paced writes,
//	                      sendall of chunk bytes of the bulk pattern, pause interval, repeat;
//	                      closes right after the last
//	stalled-sink          port, stall, chunk, work: accepts and reads nothing for stall
//	                      (0 = forever: the window closes, the sender probes it), then
//	                      reads to EOF like bulk-sink
//	deadlock-server       port, bytes: accepts, sendall bytes, never reads
//	deadlock-client       server, bytes: connects, sendall bytes, never reads
//	tcp-line-server       port, work, concurrent, backlog: the SocketServer server
//	                      (tsTservSS.py): per connection, readline — recv(8192) until
//	                      "\n" — answer "[ctime] line", shutdown and close; what came
//	                      after the line is dropped, never answered
//	tcp-line-client       server, messages, chunk, interval: tsTclntSS.py, a connection
//	                      per message: connect, send message + "\r\n" (with chunk: in
//	                      chunk-byte sends interval apart), recv(1024), close
//	tcp-halfclose-client  server, messages: the HTTP/1.0 GET — sends the messages,
//	                      shutdown(SHUT_WR), recv(1024) until EOF, close
//	tcp-hold-client       server, interval: connects, sends nothing, closes after
//	                      interval (0: connect then close)
//	tcp-hold-server       port, work, backlog: accepts, reads nothing, closes each
//	                      connection work after accepting it (the server closes first)
//	dns-server            port, records, work: answers A, AAAA and PTR queries over UDP
//	                      from its zone, records "NAME TYPE VALUE" ("www.example.test A
//	                      10.0.0.2", "10.0.0.2 PTR www.example.test"), in RFC 1035's wire
//	                      format (package sim/dns); NXDOMAIN for a name it does not know
//	info-client           server (the DNS server), name, service (default http), timeout:
//	                      the information example — getservbyname, the A look-up of name,
//	                      connect, getsockname, getpeername, close
//	fcrdns-client         server (the DNS server), address, timeout: the forward-confirmed
//	                      reverse look-up — PTR, then A (AAAA for an IPv6 address), and an
//	                      fcrdns app event: confirmed, no-ptr, no-forward or mismatch
//
// "server" is "node:port" (the node's first address), "10.0.0.2:port" or
// "[fd00::2]:port". ctime is Epoch (2026-11-21 11:10:46 UTC) plus virtual
// time, in time.ANSIC layout. Ephemeral ports count up from 49152 per host.
//
// Faults: {"action": "drop" | "delay" | "duplicate", "delay": "50ms" (for
// delay), then what to match}:
//
//	packet  the packet with this trace ID ("what if this packet is lost?")
//	proto   "tcp", "udp" or "icmp"
//	flags   TCP flags, e.g. "SYN,ACK": all listed must be set, and none of
//	        SYN/FIN/RST/ACK that is not listed ("ACK" matches data segments)
//	data    true: only packets with a payload
//	seq     relative TCP sequence number as Wireshark shows it: the sender's
//	        SYN is 0, the first data byte 1, so 1001 is the segment that
//	        starts at stream byte 1001
//	from/to the sending / addressed host
//	link    only on this link, dir "ab" or "ba" only in that direction
//	nth     act on the nth matching packet (1-based, default 1) ...
//	count   ... and on count-1 more after it (default 1)
//
// A fault is checked where a packet enters a hop. Without "link" it looks at
// a packet's first hop only (so a forwarded packet is counted once); with
// "link" it looks at that link wherever the packet comes from. "the 3rd
// datagram" is {"action": "drop", "proto": "udp", "nth": 3}. A copy made by
// a link starts on the wire, so a fault can only name it on a later hop
// (with "link").
//
// # Programs and the socket API
//
// Programs are event-driven: Host.Listen / Listener.Accept, Host.Dial,
// Stream.Recv / SendAll / Shutdown / Close, Host.ListenUDP / DialUDP,
// UDPConn.SendTo / Send / RecvFrom, Host.After. Each call takes a callback
// that runs once, later in the same or a later Step — never from inside the
// call — so a read loop iterates instead of recursing, and TCP is never
// re-entered from its own callbacks.
package sim
