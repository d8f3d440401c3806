package sim

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"sync"
	"time"
)

// program is an application instance; start runs at its Program.Start.
type program interface{ start() }

type programInfo struct {
	summary   string
	server    bool // needs a port
	client    bool // needs a server address
	needBytes bool
	paced     bool // needs chunk and interval
	// check, if set, checks the fields only this program uses.
	check func(c *checker, path string, p Program)
	new   func(h *Host, p Program, server netip.AddrPort) program
}

// programTypes lists the programs a scenario can run, after the textbook's
// examples (tsTserv.py, tsTclnt.py, tsUserv.py, tsUclnt.py, the UDP echo
// server, the deadlock example) plus a bulk transfer and what the lessons
// need: a half-close, holders that close after a delay, paced writes and a
// stalled reader. Each is listed in the package comment and the README.
var programTypes = map[string]programInfo{
	"tcp-timestamp-server": {summary: "answers each received chunk with \"[ctime] chunk\" (tsTserv.py); iterative unless concurrent",
		server: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &tsTCPServer{h: h, p: p} }},
	"tcp-readall-server": {summary: "reads each connection until EOF (the client's shutdown(SHUT_WR)), then answers \"[ctime] everything read\" and closes: the server of the HTTP/1.0 half-close; iterative unless concurrent",
		server: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &tsTCPServer{h: h, p: p, readAll: true} }},
	"tcp-timestamp-client": {summary: "connects, then per message: send it, recv(1024) the answer; then closes (tsTclnt.py)",
		client: true, new: func(h *Host, p Program, a netip.AddrPort) program { return &tsTCPClient{h: h, p: p, server: a} }},
	"udp-timestamp-server": {summary: "answers each datagram with \"[ctime] data\" (tsUserv.py)",
		server: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &udpServer{h: h, p: p, stamp: true} }},
	"udp-timestamp-client": {summary: "sendto each message, recvfrom the answer or time out (tsUclnt.py)",
		client: true, new: func(h *Host, p Program, a netip.AddrPort) program { return &udpClient{h: h, p: p, server: a} }},
	"udp-echo-server": {summary: "recvfrom(8192) and sendto the same bytes back",
		server: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &udpServer{h: h, p: p} }},
	"udp-echo-client": {summary: "a connected UDP socket: send, recv; ICMP port unreachable surfaces as \"connection refused\"",
		client: true, new: func(h *Host, p Program, a netip.AddrPort) program {
			return &udpClient{h: h, p: p, server: a, connected: true}
		}},
	"bulk-sender": {summary: "connects, writes bytes (a fixed pattern) with sendall, then closes",
		client: true, needBytes: true, new: func(h *Host, p Program, a netip.AddrPort) program { return &bulkSender{h: h, p: p, server: a} }},
	"bulk-sink": {summary: "accepts connections, reads (chunk bytes per recv, work pause between) until EOF and checks every byte",
		server: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &bulkSink{h: h, p: p} }},
	"paced-sender": {summary: "connects, writes bytes (the bulk pattern) chunk bytes at a time, one sendall every interval, and closes after the last",
		client: true, needBytes: true, paced: true, new: func(h *Host, p Program, a netip.AddrPort) program {
			return &bulkSender{h: h, p: p, server: a, pace: p.Interval}
		}},
	"stalled-sink": {summary: "accepts connections and reads nothing for stall (0 = forever: its window closes, the sender probes), then reads like bulk-sink",
		server: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &bulkSink{h: h, p: p, stall: true} }},
	"tcp-line-server": {summary: "the SocketServer server (tsTservSS.py): per connection, readline (recv(8192) until \"\\n\"), answer \"[ctime] line\", close; what follows the line is never answered; iterative unless concurrent",
		server: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &tsTCPServer{h: h, p: p, line: true} }},
	"tcp-line-client": {summary: "the SocketServer client (tsTclntSS.py): a new connection per message: connect, send message + \"\\r\\n\" (with chunk: in chunk-byte sends, interval apart), recv(1024), close; interval later the next",
		client: true, new: func(h *Host, p Program, a netip.AddrPort) program { return &lineClient{h: h, p: p, server: a} }},
	"tcp-halfclose-client": {summary: "connects, sends every message, shuts down its sending side (shutdown(SHUT_WR), the HTTP/1.0 GET), reads until EOF, closes",
		client: true, new: func(h *Host, p Program, a netip.AddrPort) program { return &halfCloseClient{h: h, p: p, server: a} }},
	"tcp-hold-client": {summary: "connects, holds the connection for interval without sending, then closes (interval 0: connect then close)",
		client: true, new: func(h *Host, p Program, a netip.AddrPort) program { return &holdClient{h: h, p: p, server: a} }},
	"tcp-hold-server": {summary: "accepts connections, holds each for work without reading, then closes it (the server closes first)",
		server: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &holdServer{h: h, p: p} }},
	"dns-server": {summary: "answers DNS queries over UDP (port 53, RFC 1035's wire format) from its zone, records \"NAME TYPE VALUE\" (A, AAAA, PTR): the records asked for, or NXDOMAIN for a name it does not know",
		server: true, check: checkDNSServer, new: func(h *Host, p Program, _ netip.AddrPort) program { return &dnsServer{h: h, p: p} }},
	"info-client": {summary: "the information example: getservbyname(service, 'tcp'), then connect to name — its address looked up first at the DNS server (server) — then getsockname and getpeername, and close",
		client: true, check: checkInfoClient, new: func(h *Host, p Program, a netip.AddrPort) program { return &infoClient{h: h, p: p, server: a} }},
	"fcrdns-client": {summary: "the forward-confirmed reverse look-up of address at the DNS server (server): PTR query, then A (AAAA) query for the name, then the outcome: confirmed, no-ptr, no-forward or mismatch",
		client: true, check: checkFCrDNSClient, new: func(h *Host, p Program, a netip.AddrPort) program { return &fcrdnsClient{h: h, p: p, server: a} }},
	"deadlock-server": {summary: "accepts one connection and writes bytes without ever reading",
		server: true, needBytes: true, new: func(h *Host, p Program, _ netip.AddrPort) program { return &deadlock{h: h, p: p} }},
	"deadlock-client": {summary: "connects and writes bytes without ever reading",
		client: true, needBytes: true, new: func(h *Host, p Program, a netip.AddrPort) program { return &deadlock{h: h, p: p, server: a} }},
}

func programTypeNames() []string {
	names := make([]string, 0, len(programTypes))
	for n := range programTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ProgramTypes returns the program type names with a one-line summary each,
// sorted by name.
func ProgramTypes() [][2]string {
	var out [][2]string
	for _, n := range programTypeNames() {
		out = append(out, [2]string{n, programTypes[n].summary})
	}
	return out
}

func newProgram(s *Sim, p Program) (program, error) {
	info := programTypes[p.Type]
	var server netip.AddrPort
	if info.client {
		a, err := resolve(s.servers, p.Server)
		if err != nil {
			return nil, err
		}
		server = a
	}
	return info.new(s.byName[p.Host], p, server), nil
}

// pause runs fn after d, or right away (no timer in the trace) for d == 0.
func pause(h *Host, d Duration, fn func()) {
	if d > 0 {
		h.After(time.Duration(d), fn)
	} else {
		fn()
	}
}

func ctime(h *Host) string { return h.Now().Format(time.ANSIC) }

func (h *Host) log(format string, a ...any) { h.sim.note(h.name, fmt.Sprintf(format, a...)) }

// tsTCPServer is tsTserv.py: accept, then for each recv(1024) send back
// "[ctime] data" until the client closes. Iterative by default (the next
// client waits in the listen queue); Concurrent serves each at once, like
// ThreadingMixIn.
type tsTCPServer struct {
	h *Host
	p Program
	l *Listener
	// readAll: read to EOF, then answer once (tcp-readall-server).
	readAll bool
	// line: tsTservSS.py, a TCPServer with a StreamRequestHandler
	// (tcp-line-server): per connection, rfile.readline() — recv(8192)
	// into the handler's buffer until a "\n" has come (or the client
	// has closed) — then wfile.write("[ctime] line"), shutdown(SHUT_WR)
	// and close. One line per connection: what was read after the line
	// is dropped with the buffer, never answered.
	line bool
}

func (sv *tsTCPServer) start() {
	l, err := sv.h.Listen(uint16(sv.p.Port), sv.p.Backlog)
	if err != nil {
		return
	}
	sv.l = l
	sv.accept()
}

func (sv *tsTCPServer) accept() {
	sv.l.Accept(func(c *Stream) {
		sv.h.log("...connected from: %s", c.RemoteAddr())
		if sv.p.Concurrent {
			sv.accept()
			sv.serve(c, func() {})
		} else {
			sv.serve(c, sv.accept)
		}
	})
}

func (sv *tsTCPServer) serve(c *Stream, done func()) {
	if sv.readAll {
		sv.serveAll(c, nil, done)
		return
	}
	if sv.line {
		sv.readLine(c, nil, done)
		return
	}
	c.Recv(1024, func(data []byte, err error) {
		if err != nil { // EOF or reset: "if not data: break"
			c.Close()
			done()
			return
		}
		data = append([]byte(nil), data...)
		reply := func() {
			c.SendAll([]byte("["+ctime(sv.h)+"] "+string(data)), func(err error) {
				if err != nil {
					c.Close()
					done()
					return
				}
				sv.serve(c, done)
			})
		}
		pause(sv.h, sv.p.Work, reply)
	})
}

// serveAll reads c until EOF, keeping what came (got), then answers
// "[ctime] got" and closes; a reset closes at once.
func (sv *tsTCPServer) serveAll(c *Stream, got []byte, done func()) {
	c.Recv(1024, func(data []byte, err error) {
		if err == nil {
			sv.serveAll(c, append(got, data...), done)
			return
		}
		if err != io.EOF {
			c.Close()
			done()
			return
		}
		pause(sv.h, sv.p.Work, func() {
			c.SendAll([]byte("["+ctime(sv.h)+"] "+string(got)), func(error) {
				c.Close()
				done()
			})
		})
	})
}

// tsTCPClient is tsTclnt.py: connect, then per message send and recv(1024).
type tsTCPClient struct {
	h      *Host
	p      Program
	server netip.AddrPort
}

func messages(p Program) []string {
	if len(p.Messages) == 0 {
		return []string{"hello"}
	}
	return p.Messages
}

func (cl *tsTCPClient) start() {
	cl.h.Dial(cl.server, func(c *Stream, err error) {
		if err != nil {
			return
		}
		cl.send(c, messages(cl.p))
	})
}

func (cl *tsTCPClient) send(c *Stream, msgs []string) {
	if len(msgs) == 0 {
		c.Close()
		return
	}
	c.SendAll([]byte(msgs[0]), func(err error) {
		if err != nil {
			c.Close()
			return
		}
		c.Recv(1024, func(data []byte, err error) {
			if err != nil { // "if not data: break"
				c.Close()
				return
			}
			pause(cl.h, cl.p.Interval, func() { cl.send(c, msgs[1:]) })
		})
	})
}

// halfCloseClient is the textbook's HTTP/1.0 GET: send the request,
// shutdown(SHUT_WR) so the server sees the end of it, then read the
// answer until the server closes.
type halfCloseClient struct {
	h      *Host
	p      Program
	server netip.AddrPort
}

func (cl *halfCloseClient) start() {
	cl.h.Dial(cl.server, func(c *Stream, err error) {
		if err != nil {
			return
		}
		var req []byte
		for _, m := range messages(cl.p) {
			req = append(req, m...)
		}
		c.SendAll(req, func(err error) {
			if err != nil {
				c.Close()
				return
			}
			c.Shutdown()
			cl.drain(c)
		})
	})
}

func (cl *halfCloseClient) drain(c *Stream) {
	c.Recv(1024, func(_ []byte, err error) {
		if err != nil { // EOF: the server has answered and closed
			c.Close()
			return
		}
		cl.drain(c)
	})
}

// holdClient connects, waits Interval and closes: with a holdServer
// waiting as long, the two FINs cross — a simultaneous close.
type holdClient struct {
	h      *Host
	p      Program
	server netip.AddrPort
}

func (cl *holdClient) start() {
	cl.h.Dial(cl.server, func(c *Stream, err error) {
		if err == nil {
			pause(cl.h, cl.p.Interval, c.Close)
		}
	})
}

// holdServer accepts, waits Work and closes, reading nothing.
type holdServer struct {
	h *Host
	p Program
	l *Listener
}

func (sv *holdServer) start() {
	l, err := sv.h.Listen(uint16(sv.p.Port), sv.p.Backlog)
	if err != nil {
		return
	}
	sv.l = l
	sv.accept()
}

func (sv *holdServer) accept() {
	sv.l.Accept(func(c *Stream) {
		sv.accept()
		pause(sv.h, sv.p.Work, c.Close)
	})
}

// udpServer is the UDP echo server (or, with stamp, tsUserv.py): recvfrom,
// sendto, forever.
type udpServer struct {
	h     *Host
	p     Program
	u     *UDPConn
	stamp bool
}

func (sv *udpServer) start() {
	u, err := sv.h.ListenUDP(uint16(sv.p.Port))
	if err != nil {
		return
	}
	sv.u = u
	sv.loop()
}

func (sv *udpServer) loop() {
	sv.u.RecvFrom(8192, func(data []byte, from netip.AddrPort, err error) {
		if err != nil { // the textbook server keeps running on errors
			sv.loop()
			return
		}
		reply := append([]byte(nil), data...)
		if sv.stamp {
			reply = []byte("[" + ctime(sv.h) + "] " + string(data))
		}
		pause(sv.h, sv.p.Work, func() { sv.u.SendTo(reply, from); sv.loop() })
	})
}

// udpClient sends each message and waits for one answer or its timeout
// (settimeout): UDP cannot tell a lost datagram from a slow server.
type udpClient struct {
	h         *Host
	p         Program
	server    netip.AddrPort
	connected bool
	u         *UDPConn
}

func (cl *udpClient) start() {
	var err error
	if cl.connected {
		cl.u, err = cl.h.DialUDP(cl.server)
	} else {
		cl.u, err = cl.h.ListenUDP(0)
	}
	if err != nil {
		return
	}
	cl.next(messages(cl.p))
}

func (cl *udpClient) next(msgs []string) {
	if len(msgs) == 0 {
		cl.u.Close()
		return
	}
	if cl.connected {
		cl.u.Send([]byte(msgs[0]))
	} else {
		cl.u.SendTo([]byte(msgs[0]), cl.server)
	}
	timeout := time.Duration(cl.p.Timeout)
	if timeout == 0 {
		timeout = time.Second
	}
	var timer *Timer
	cl.u.RecvFrom(8192, func([]byte, netip.AddrPort, error) {
		timer.Stop()
		pause(cl.h, cl.p.Interval, func() { cl.next(msgs[1:]) })
	})
	timer = cl.h.After(timeout, func() {
		cl.u.CancelRecv()
		cl.h.log("timed out after %v waiting for an answer to %q", timeout, msgs[0])
		pause(cl.h, cl.p.Interval, func() { cl.next(msgs[1:]) })
	})
}

// patternByte is byte i of the bulk transfer: position-dependent with a
// prime period, patternPeriod, so a lost, repeated or reordered chunk is
// detected unless it shifts the stream by a whole multiple of the period
// (about a mebibyte).
func patternByte(i int) byte { return byte((uint32(i%patternPeriod) * 2654435761) >> 24) }

// patternPeriod is the bulk pattern's period: the prime 2^20 − 3.
const patternPeriod = 1<<20 - 3

// maxStaticChunk is the largest write served from the static pattern.
const maxStaticChunk = 64 << 10

// bulkPattern is the pattern from byte 0 to patternPeriod+maxStaticChunk,
// built once: a write of up to maxStaticChunk bytes at stream offset i is
// bulkPattern[i%patternPeriod:][:n], shared by every sender and never
// modified, so TCP keeps references to it instead of copies
// (SendAllStatic). It is a pure function of nothing: every run sees the
// same bytes.
var bulkPattern = sync.OnceValue(func() []byte {
	b := make([]byte, patternPeriod+maxStaticChunk)
	for i := range b {
		b[i] = patternByte(i)
	}
	return b
})

// patternMismatch returns the stream offset of the first byte of data,
// which starts at stream offset at, that differs from the pattern, or -1.
// It compares whole runs with the static pattern (a memory compare) and
// looks for the byte only in a run that differs.
func patternMismatch(data []byte, at int) int {
	pat := bulkPattern()
	for len(data) > 0 {
		off := at % patternPeriod
		n := min(len(data), len(pat)-off)
		if !bytes.Equal(data[:n], pat[off:off+n]) {
			for i := range n {
				if data[i] != pat[off+i] {
					return at + i
				}
			}
		}
		data, at = data[n:], at+n
	}
	return -1
}

// bulkSender writes Bytes bytes in Chunk-sized sendall calls, then closes.
// Paced (paced-sender), it pauses pace after each sendall but the last.
// Its callbacks are bound once, so a long transfer allocates nothing per
// write.
type bulkSender struct {
	h       *Host
	p       Program
	server  netip.AddrPort
	pace    Duration
	sent    int
	chunk   int    // bytes per sendall
	buf     []byte // for chunks too large for the static pattern; else nil
	c       *Stream
	onSent  func(error)
	writeFn func()
}

func (b *bulkSender) start() {
	b.h.Dial(b.server, func(c *Stream, err error) {
		if err != nil {
			return
		}
		b.c = c
		b.chunk = 8192
		if b.p.Chunk > 0 {
			b.chunk = b.p.Chunk
		}
		if b.chunk > maxStaticChunk {
			b.buf = make([]byte, b.chunk)
		}
		b.onSent, b.writeFn = b.sentChunk, b.write
		b.write()
	})
}

func (b *bulkSender) sentChunk(err error) {
	if err != nil || b.sent == b.p.Bytes {
		b.c.Close()
		return
	}
	pause(b.h, b.pace, b.writeFn)
}

func (b *bulkSender) write() {
	n := min(b.chunk, b.p.Bytes-b.sent)
	if b.buf == nil {
		at := b.sent % patternPeriod
		b.sent += n
		b.c.SendAllStatic(bulkPattern()[at:at+n], b.onSent)
		return
	}
	for i := range n {
		b.buf[i] = patternByte(b.sent + i)
	}
	b.sent += n
	b.c.SendAll(b.buf[:n], b.onSent)
}

// bulkSink accepts connections and reads each to EOF, checking the pattern.
// With stall (stalled-sink) it first leaves each connection unread for
// Program.Stall, or for ever: the receive buffer fills and the window
// closes.
type bulkSink struct {
	h     *Host
	p     Program
	l     *Listener
	stall bool
}

func (k *bulkSink) start() {
	l, err := k.h.Listen(uint16(k.p.Port), k.p.Backlog)
	if err != nil {
		return
	}
	k.l = l
	k.accept()
}

func (k *bulkSink) accept() {
	k.l.Accept(func(c *Stream) {
		k.accept()
		r := &sinkConn{k: k, c: c, bad: -1, size: k.p.Chunk}
		if r.size == 0 {
			r.size = 8192
		}
		r.onData, r.readFn = r.data, r.read
		switch {
		case !k.stall:
			r.read()
		case k.p.Stall > 0:
			k.h.After(time.Duration(k.p.Stall), r.read)
		}
	})
}

// sinkConn is one connection of a bulk sink.
type sinkConn struct {
	k        *bulkSink
	c        *Stream
	got, bad int
	size     int
	onData   func([]byte, error)
	readFn   func()
}

func (r *sinkConn) read() { r.c.Recv(r.size, r.onData) }

func (r *sinkConn) data(data []byte, err error) {
	k, c := r.k, r.c
	if err == nil {
		if r.bad < 0 {
			r.bad = patternMismatch(data, r.got)
		}
		r.got += len(data)
		pause(k.h, k.p.Work, r.readFn) // a slow reader (work > 0): its window fills up
		return
	}
	c.Close()
	switch {
	case err != io.EOF:
		k.h.log("%s: %s: %v after %d bytes", k.p.Type, c.RemoteAddr(), err, r.got)
	case r.bad >= 0:
		k.h.log("%s: %s: %d bytes, WRONG from byte %d", k.p.Type, c.RemoteAddr(), r.got, r.bad)
	default:
		k.h.log("%s: %s: %d bytes, all in order", k.p.Type, c.RemoteAddr(), r.got)
	}
}

// deadlock writes Bytes bytes and never reads: when both ends do it, both
// receive windows fill, both send buffers fill, and both programs block in
// sendall forever (the textbook's deadlock).
type deadlock struct {
	h      *Host
	p      Program
	server netip.AddrPort
}

func (d *deadlock) start() {
	run := func(c *Stream) {
		data := make([]byte, d.p.Bytes)
		for i := range data {
			data[i] = patternByte(i)
		}
		c.SendAll(data, func(err error) {
			if err == nil {
				d.h.log("sendall of %s bytes returned", strconv.Itoa(d.p.Bytes))
			}
		})
	}
	if d.server.IsValid() {
		d.h.Dial(d.server, func(c *Stream, err error) {
			if err == nil {
				run(c)
			}
		})
		return
	}
	l, err := d.h.Listen(uint16(d.p.Port), d.p.Backlog)
	if err != nil {
		return
	}
	l.Accept(run)
}

// readLine reads c until buf holds a "\n" or the client has closed,
// then answers the first line (to EOF, what came: "" for nothing).
func (sv *tsTCPServer) readLine(c *Stream, buf []byte, done func()) {
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		sv.answer(c, buf[:i+1], done)
		return
	}
	c.Recv(8192, func(data []byte, err error) {
		switch {
		case err == nil:
			sv.readLine(c, append(buf, data...), done)
		case err == io.EOF:
			sv.answer(c, buf, done)
		default: // reset: the handler's exception; the server goes on
			c.Close()
			done()
		}
	})
}

func (sv *tsTCPServer) answer(c *Stream, line []byte, done func()) {
	reply := []byte("[" + ctime(sv.h) + "] " + string(line))
	pause(sv.h, sv.p.Work, func() {
		c.SendAll(reply, func(error) {
			c.Shutdown() // shutdown_request: shutdown(SHUT_WR), then close
			c.Close()
			done()
		})
	})
}

// lineClient is tsTclntSS.py: a new connection for every message, which
// it sends with "\r\n" (in Chunk-byte send() calls Interval apart when
// Chunk is set, so that the line crosses the wire in pieces), then
// recv(1024) the answer and close; Interval later, the next.
type lineClient struct {
	h      *Host
	p      Program
	server netip.AddrPort
}

func (cl *lineClient) start() { cl.next(messages(cl.p)) }

func (cl *lineClient) next(msgs []string) {
	if len(msgs) == 0 {
		return
	}
	cl.h.Dial(cl.server, func(c *Stream, err error) {
		if err != nil {
			return
		}
		cl.send(c, []byte(msgs[0]+"\r\n"), func() {
			c.Recv(1024, func(_ []byte, err error) {
				c.Close()
				if err == nil { // "if not data: break"
					pause(cl.h, cl.p.Interval, func() { cl.next(msgs[1:]) })
				}
			})
		})
	})
}

// send writes line in Chunk-byte pieces (all of it when Chunk is 0).
func (cl *lineClient) send(c *Stream, line []byte, done func()) {
	n := len(line)
	if cl.p.Chunk > 0 {
		n = min(n, cl.p.Chunk)
	}
	c.SendAll(line[:n], func(err error) {
		switch {
		case err != nil:
			c.Close()
		case n == len(line):
			done()
		default:
			pause(cl.h, cl.p.Interval, func() { cl.send(c, line[n:], done) })
		}
	})
}
