//go:build linux

package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"socketlab/sim/trace"
)

// echoOnce serves one connection of ln: reads "hello", answers it, reads
// until the client closes, then closes too.
func echoOnce(t *testing.T, ln net.Listener, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := ln.Accept()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf := make([]byte, 5)
		if _, err := io.ReadFull(conn, buf); err != nil {
			t.Error(err)
			return
		}
		if _, err := conn.Write(buf); err != nil {
			t.Error(err)
			return
		}
		if n, err := conn.Read(buf); n != 0 || err != io.EOF {
			t.Errorf("server: read after the exchange = %d, %v; want 0, EOF", n, err)
		}
	}()
}

// helloClient connects to addr, sends "hello", reads the echo and closes.
func helloClient(t *testing.T, network, addr string) {
	t.Helper()
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("client: read %q, %v", buf, err)
	}
	conn.Close()
}

// ours drops the packets of another protocol than the test's: the kernel
// filter watches a port for TCP and UDP alike, and tests of other
// packages running at the same time may use the same number for the
// other protocol. They are logged, not failed.
func ours(t *testing.T, evs []trace.Event, proto string) []trace.Event {
	var out []trace.Event
	for _, e := range evs {
		if e.Packet.Proto.String() != proto && e.Packet.Proto != trace.ProtoICMP {
			t.Logf("ignored: %v packet #%d %v→%v (another test's socket with the same port number)", e.Packet.Proto, e.Packet.ID, e.Packet.Src, e.Packet.Dst)
			continue
		}
		out = append(out, e)
	}
	return out
}

// sends returns the Send events in order.
func sends(evs []trace.Event) []trace.Event {
	var out []trace.Event
	for _, e := range evs {
		if e.Kind == trace.KindSend {
			out = append(out, e)
		}
	}
	return out
}

// checkPairs asserts that every packet has exactly one Send followed by
// exactly one Deliver with the same packet, that IDs grow in the order of
// the Sends (from 1, unless ours dropped some), and that Node and Peer
// swap.
func checkPairs(t *testing.T, evs []trace.Event, link string) {
	t.Helper()
	sent := map[uint64]int{}
	delivered := map[uint64]bool{}
	var prev uint64
	for i, e := range evs {
		p := e.Packet
		if e.Link != link || e.Arrive != 0 {
			t.Errorf("event %d: Link %q Arrive %v; want %q and 0", i, e.Link, e.Arrive, link)
		}
		switch e.Kind {
		case trace.KindSend:
			if p.ID <= prev {
				t.Errorf("event %d: Send of packet #%d after #%d; IDs must grow in the order of the Sends", i, p.ID, prev)
			}
			prev = p.ID
			if _, dup := sent[p.ID]; dup {
				t.Errorf("packet #%d sent twice", p.ID)
			}
			sent[p.ID] = i
		case trace.KindDeliver:
			j, ok := sent[p.ID]
			if !ok {
				t.Errorf("event %d: Deliver of packet #%d before its Send", i, p.ID)
				continue
			}
			if delivered[p.ID] {
				t.Errorf("packet #%d delivered twice", p.ID)
			}
			delivered[p.ID] = true
			s := evs[j]
			if s.Node != e.Peer || s.Peer != e.Node {
				t.Errorf("packet #%d: Send %s→%s, Deliver at %s from %s", p.ID, s.Node, s.Peer, e.Node, e.Peer)
			}
			if e.At < s.At {
				t.Errorf("packet #%d: delivered at %v before it was sent at %v", p.ID, e.At, s.At)
			}
			if s.Packet.Seq != p.Seq || s.Packet.Flags != p.Flags || !bytes.Equal(s.Packet.Payload, p.Payload) || s.Packet.Src != p.Src {
				t.Errorf("packet #%d: Deliver carries another packet than its Send", p.ID)
			}
		default:
			t.Errorf("event %d: unexpected kind %v", i, e.Kind)
		}
	}
	for id := range sent {
		if !delivered[id] {
			t.Errorf("packet #%d sent but never delivered", id)
		}
	}
}

// TestTCPLoopback4 and TestTCPLoopback6 capture a real connection on
// loopback — handshake, "hello" each way, close — while an unrelated
// connection runs on another port, and check every number of every
// segment, the Send/Deliver pairs, the node names, that none of the other
// connection's packets got in, and that tshark reads the pcap file with
// the same numbers.
func TestTCPLoopback4(t *testing.T) { testTCPLoopback(t, "tcp4", "127.0.0.1", 65495) }
func TestTCPLoopback6(t *testing.T) { testTCPLoopback(t, "tcp6", "::1", 65476) }

func testTCPLoopback(t *testing.T, network, host string, mss uint16) {
	ln, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("no %s loopback: %v", network, err)
	}
	defer ln.Close()
	other, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	otherPort := uint16(other.Addr().(*net.TCPAddr).Port)

	rec := &recorder{}
	pcapFile := filepath.Join(t.TempDir(), "capture.pcap")
	f, err := os.Create(pcapFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg := Config{
		Sink: rec,
		Pcap: f,
		NodeOf: func(ep netip.AddrPort) string {
			if ep.Port() == port {
				return "server"
			}
			return "client"
		},
	}
	if network == "tcp6" {
		// Watch the endpoint (address and port) rather than the port.
		cfg.Endpoints = []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr(host), port)}
	}
	c := startOrSkip(t, cfg)
	if network == "tcp4" {
		if err := c.AddPorts(port); err != nil { // known after Start: added to the running filter
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	echoOnce(t, ln, &wg)
	echoOnce(t, other, &wg)
	done := make(chan struct{})
	go func() { // the unrelated connection, at the same time
		defer close(done)
		conn, err := net.Dial(network, other.Addr().String())
		if err != nil {
			t.Error(err)
			return
		}
		conn.Write([]byte("hello"))
		io.ReadFull(conn, make([]byte, 5))
		conn.Close()
	}()
	helloClient(t, network, ln.Addr().String())
	<-done
	wg.Wait()

	// The client closed first; the server's FIN is acknowledged last.
	evs := rec.waitFor(t, 5*time.Second, "the last ACK delivered", func(evs []trace.Event) bool {
		finFrom, last := map[netip.AddrPort]bool{}, false // a FIN sent again counts once
		for _, e := range evs {
			if e.Kind == trace.KindDeliver && e.Packet.Flags.Has(trace.FlagFIN) {
				finFrom[e.Packet.Src] = true
			}
			if len(finFrom) == 2 && e.Kind == trace.KindDeliver && e.Node == "server" && !e.Packet.Flags.Has(trace.FlagFIN) {
				last = true
			}
		}
		return last
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	evs = ours(t, rec.events(), "tcp") // Close may have taken a few more

	checkPairs(t, evs, "lo")
	for _, e := range evs {
		p := e.Packet
		if p.Proto != trace.ProtoTCP {
			t.Errorf("packet #%d: %v; want only TCP", p.ID, p.Proto)
		}
		if p.Src.Port() == otherPort || p.Dst.Port() == otherPort || (p.Src.Port() != port && p.Dst.Port() != port) {
			t.Errorf("packet #%d %v→%v is not of the watched connection", p.ID, p.Src, p.Dst)
		}
		if p.Src.Addr() != netip.MustParseAddr(host) || p.TTL != 64 {
			t.Errorf("packet #%d: from %v TTL %d; want from %s, TTL 64", p.ID, p.Src, p.TTL, host)
		}
		if p.Flags.Has(trace.FlagRST) {
			t.Errorf("packet #%d: RST", p.ID)
		}
	}

	ss := sends(evs)
	if len(ss) < 8 {
		t.Fatalf("%d segments; want at least 8 (3 handshake, 2 data, 2 FIN, 1 ACK)", len(ss))
	}
	if len(evs) == len(rec.events()) && ss[0].Packet.ID != 1 {
		t.Errorf("the first packet is #%d; want #1", ss[0].Packet.ID)
	}
	syn, synack, ack := ss[0], ss[1], ss[2]
	want := func(e trace.Event, node string, flags trace.TCPFlags) {
		t.Helper()
		if e.Node != node || e.Packet.Flags&^trace.FlagPSH != flags {
			t.Errorf("segment #%d: %s sends %v; want %s sends %v", e.Packet.ID, e.Node, e.Packet.Flags, node, flags)
		}
	}
	want(syn, "client", trace.FlagSYN)
	want(synack, "server", trace.FlagSYN|trace.FlagACK)
	want(ack, "client", trace.FlagACK)
	isnC, isnS := syn.Packet.Seq, synack.Packet.Seq
	if synack.Packet.Ack != isnC+1 || ack.Packet.Seq != isnC+1 || ack.Packet.Ack != isnS+1 {
		t.Errorf("handshake: SYN seq %d, SYN-ACK seq %d ack %d, ACK seq %d ack %d; want SYN-ACK.ack = SYN.seq+1, ACK.seq = SYN.seq+1, ACK.ack = SYN-ACK.seq+1",
			isnC, isnS, synack.Packet.Ack, ack.Packet.Seq, ack.Packet.Ack)
	}
	if syn.Packet.MSS != mss || synack.Packet.MSS != mss || ack.Packet.MSS != 0 {
		t.Errorf("MSS: SYN %d, SYN-ACK %d, ACK %d; want %d, %d, 0 (loopback MTU 65536)", syn.Packet.MSS, synack.Packet.MSS, ack.Packet.MSS, mss, mss)
	}
	if syn.Packet.Window == 0 || synack.Packet.Window == 0 {
		t.Errorf("windows %d, %d; want the real, non-zero ones", syn.Packet.Window, synack.Packet.Window)
	}
	if syn.Node != "client" || syn.Peer != "server" || syn.Packet.Dst.Port() != port {
		t.Errorf("SYN %s→%s to %v", syn.Node, syn.Peer, syn.Packet.Dst)
	}

	// A busy machine can delay an ACK on loopback past the sender's tail
	// loss probe, which then sends the last segment again: count such a
	// retransmission (same sender, sequence number, length, SYN and FIN)
	// once.
	type segKey struct {
		node     string
		seq      uint32
		n        int
		synOrFin trace.TCPFlags
	}
	seen := map[segKey]bool{}
	var data, fins []trace.Event
	for _, e := range ss[3:] {
		k := segKey{e.Node, e.Packet.Seq, len(e.Packet.Payload), e.Packet.Flags & (trace.FlagSYN | trace.FlagFIN)}
		if k.n > 0 || k.synOrFin != 0 {
			if seen[k] {
				t.Logf("segment #%d is a retransmission", e.Packet.ID)
				continue
			}
			seen[k] = true
		}
		if len(e.Packet.Payload) > 0 {
			data = append(data, e)
		}
		if e.Packet.Flags.Has(trace.FlagFIN) {
			fins = append(fins, e)
		}
		if e.Packet.Flags.Has(trace.FlagSYN) {
			t.Errorf("segment #%d: a second SYN", e.Packet.ID)
		}
	}
	if len(data) != 2 || string(data[0].Packet.Payload) != "hello" || string(data[1].Packet.Payload) != "hello" ||
		data[0].Node != "client" || data[1].Node != "server" {
		t.Fatalf("data segments: %+v; want client's \"hello\" then server's", data)
	}
	if d := data[0].Packet; d.Seq != isnC+1 || d.Ack != isnS+1 || !d.Flags.Has(trace.FlagPSH|trace.FlagACK) {
		t.Errorf("client data: seq %d ack %d %v; want seq %d ack %d PSH,ACK", d.Seq, d.Ack, d.Flags, isnC+1, isnS+1)
	}
	if d := data[1].Packet; d.Seq != isnS+1 || d.Ack != isnC+6 {
		t.Errorf("server data: seq %d ack %d; want seq %d ack %d", d.Seq, d.Ack, isnS+1, isnC+6)
	}
	if len(fins) != 2 || fins[0].Node != "client" || fins[1].Node != "server" {
		t.Fatalf("FINs: %d; want the client's, then the server's", len(fins))
	}
	if f := fins[0].Packet; f.Seq != isnC+6 || f.Ack != isnS+6 {
		t.Errorf("client FIN: seq %d ack %d; want %d %d", f.Seq, f.Ack, isnC+6, isnS+6)
	}
	if f := fins[1].Packet; f.Seq != isnS+6 || f.Ack != isnC+7 {
		t.Errorf("server FIN: seq %d ack %d; want %d %d", f.Seq, f.Ack, isnS+6, isnC+7)
	}
	if l := ss[len(ss)-1]; l.Node != "client" || l.Packet.Flags != trace.FlagACK || l.Packet.Seq != isnC+7 || l.Packet.Ack != isnS+7 {
		t.Errorf("last segment: %s %v seq %d ack %d; want the client's ACK seq %d ack %d", l.Node, l.Packet.Flags, l.Packet.Seq, l.Packet.Ack, isnC+7, isnS+7)
	}
	if n, dropped := c.Stats(); n != uint64(len(ss)) || dropped != 0 {
		t.Errorf("Stats = %d packets, %d dropped; want %d, 0", n, dropped, len(ss))
	}
	// Loopback shows every packet twice: leaving (PACKET_OUTGOING) and
	// arriving (PACKET_HOST).
	if c.proc.frames != 2*uint64(len(ss)) {
		t.Errorf("%d frames read for %d packets; want each seen twice on loopback", c.proc.frames, len(ss))
	}

	t.Run("tshark", func(t *testing.T) { checkTshark(t, pcapFile, ss) })
}

// checkTshark decodes the pcap file with tshark and compares every frame
// with the Send event of the same packet.
func checkTshark(t *testing.T, file string, ss []trace.Event) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if inCI() {
			t.Fatal("tshark is not installed (make deps installs it)")
		}
		t.Skip("tshark is not installed")
	}
	cmd := exec.Command(tshark, "-n", "-r", file, "-Y", "tcp", "-T", "fields", "-E", "separator=,",
		"-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.flags",
		"-e", "tcp.window_size_value", "-e", "tcp.options.mss_val", "-e", "tcp.len", "-e", "frame.time_epoch")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no profile of the user's
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(ss) {
		t.Fatalf("tshark reads %d frames; the capture emitted %d packets:\n%s", len(lines), len(ss), out)
	}
	for i, l := range lines {
		p := ss[i].Packet
		f := strings.Split(l, ",")
		if len(f) != 9 {
			t.Fatalf("tshark line %q", l)
		}
		flags, _ := strconv.ParseUint(strings.TrimPrefix(f[4], "0x"), 16, 16)
		mss := "0"
		if f[6] != "" {
			mss = f[6]
		}
		got := fmt.Sprintf("%s %s %s %s %d %s %s %s", f[0], f[1], f[2], f[3], flags&0xff, f[5], mss, f[7])
		wantS := fmt.Sprintf("%d %d %d %d %d %d %d %d", p.Src.Port(), p.Dst.Port(), p.Seq, p.Ack, uint8(p.Flags), p.Window, p.MSS, len(p.Payload))
		if got != wantS {
			t.Errorf("frame %d: tshark %q; event #%d %q", i+1, got, p.ID, wantS)
		}
		// The frame's timestamp is the Send's kernel timestamp.
		sec, frac, _ := strings.Cut(f[8], ".")
		s, _ := strconv.ParseInt(sec, 10, 64)
		ns, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		if d := time.Unix(s, ns).Sub(time.Unix(0, 0)); d <= 0 {
			t.Errorf("frame %d: timestamp %q", i+1, f[8])
		}
	}
}

// TestTCPBulk4 sends 4 MiB over a loopback connection and checks the
// data segments the capture saw: sequence numbers from ISN+1 without a
// gap, each segment's payload the bytes at its offset, all bytes seen. On
// loopback the kernel hands the device whole super-segments (no
// segmentation happens on lo), up to 64 KiB each.
func TestTCPBulk4(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	rec := &recorder{}
	c := startOrSkip(t, Config{Sink: rec, Ports: []uint16{port}})
	const size = 4 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7 / 251)
	}
	done := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		n, err := io.Copy(io.Discard, conn)
		if err == nil && n != size {
			err = fmt.Errorf("server read %d bytes", n)
		}
		done <- err
	}()
	conn, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(data); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, 5*time.Second, "both FINs delivered", func(evs []trace.Event) bool {
		// A FIN per direction: the kernel may send one again (a tail-loss
		// probe when the ACK is slow), which the capture sees too.
		finFrom := map[netip.AddrPort]bool{}
		for _, e := range evs {
			if e.Kind == trace.KindDeliver && e.Packet.Flags.Has(trace.FlagFIN) {
				finFrom[e.Packet.Src] = true
			}
		}
		return len(finFrom) == 2
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	evs := ours(t, rec.events(), "tcp")
	checkPairs(t, evs, "lo")
	var isn uint32
	got, segs, largest, retrans := 0, 0, 0, 0
	for _, e := range sends(evs) {
		p := e.Packet
		if p.Dst.Port() != port {
			continue
		}
		if p.Flags.Has(trace.FlagSYN) {
			isn = p.Seq
			continue
		}
		if len(p.Payload) == 0 {
			continue
		}
		off := int(p.Seq - isn - 1)
		end := off + len(p.Payload)
		if off > got || end > size {
			t.Fatalf("segment #%d carries bytes %d to %d; the capture has seen up to %d (a segment is missing)", p.ID, off, end, got)
		}
		if !bytes.Equal(p.Payload, data[off:end]) {
			t.Fatalf("segment #%d: payload differs from the bytes sent at offset %d", p.ID, off)
		}
		if off < got { // a busy machine's loopback can retransmit (tail loss probe)
			retrans++
		}
		got = max(got, end)
		segs++
		largest = max(largest, len(p.Payload))
	}
	if got != size {
		t.Errorf("the capture saw %d bytes of data; want %d", got, size)
	}
	if _, dropped := c.Stats(); dropped != 0 {
		t.Errorf("the kernel dropped %d frames", dropped)
	}
	t.Logf("%d bytes in %d segments (%d retransmitted), the largest %d bytes", got, segs, retrans, largest)
}

// TestUDPPortUnreachable4 and TestUDPPortUnreachable6 send a datagram to
// a closed port on loopback and check the datagram and the ICMP port
// unreachable the kernel answers with: type and code, the quoted packet's
// ID and bytes, and that the error is drawn from the server's endpoint to
// the client.
func TestUDPPortUnreachable4(t *testing.T) { testUnreachable(t, "udp4", "127.0.0.1", 3, 3) }
func TestUDPPortUnreachable6(t *testing.T) { testUnreachable(t, "udp6", "::1", 1, 4) }

func testUnreachable(t *testing.T, network, host string, typ, code uint8) {
	pc, err := net.ListenPacket(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("no %s loopback: %v", network, err)
	}
	closed := pc.LocalAddr().String()
	port := uint16(pc.LocalAddr().(*net.UDPAddr).Port)
	pc.Close() // nothing listens there any more

	rec := &recorder{}
	var pcap bytes.Buffer
	c := startOrSkip(t, Config{
		Ports: []uint16{port},
		Sink:  rec,
		Pcap:  &pcap,
		NodeOf: func(ep netip.AddrPort) string {
			if ep.Port() == port {
				return "server"
			}
			return "client"
		},
	})
	conn, err := net.Dial(network, closed)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	// A connected UDP socket reports the ICMP error as ECONNREFUSED.
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Read(make([]byte, 16)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("read after the datagram: %v; want connection refused", err)
	}
	evs := rec.waitFor(t, 5*time.Second, "the ICMP error delivered", func(evs []trace.Event) bool {
		return len(evs) >= 4
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	evs = ours(t, rec.events(), "udp")
	checkPairs(t, evs, "lo")
	ss := sends(evs)
	if len(ss) != 2 {
		t.Fatalf("%d packets; want the datagram and the ICMP error", len(ss))
	}
	udp, icmp := ss[0].Packet, ss[1].Packet
	h := netip.MustParseAddr(host)
	if udp.Proto != trace.ProtoUDP || string(udp.Payload) != "ping" || udp.Dst != netip.AddrPortFrom(h, port) || ss[0].Node != "client" || ss[0].Peer != "server" {
		t.Errorf("datagram: %v %q to %v, %s→%s", udp.Proto, udp.Payload, udp.Dst, ss[0].Node, ss[0].Peer)
	}
	if icmp.Proto != trace.ProtoICMP || icmp.ICMPType != typ || icmp.ICMPCode != code {
		t.Errorf("error: %v type %d code %d; want ICMP %d/%d", icmp.Proto, icmp.ICMPType, icmp.ICMPCode, typ, code)
	}
	if icmp.Quote != udp.ID {
		t.Errorf("the error quotes packet #%d; want the datagram #%d", icmp.Quote, udp.ID)
	}
	if icmp.Src != netip.AddrPortFrom(h, 0) || icmp.Dst != netip.AddrPortFrom(h, 0) || ss[1].Node != "server" || ss[1].Peer != "client" {
		t.Errorf("error: %v→%v, %s→%s; want the addresses with port 0, drawn server→client", icmp.Src, icmp.Dst, ss[1].Node, ss[1].Peer)
	}
	ver := byte(6)
	if h.Is4() {
		ver = 4
	}
	if len(icmp.Payload) == 0 || icmp.Payload[0]>>4 != ver || !bytes.HasSuffix(icmp.Payload, []byte("ping")) {
		t.Errorf("quote % x; want the datagram from its IP header on", icmp.Payload)
	}
	if qs, qd, ok := quotedEndpoints(icmp.Payload); !ok || qs != udp.Src || qd != udp.Dst {
		t.Errorf("quoted endpoints %v→%v; want %v→%v", qs, qd, udp.Src, udp.Dst)
	}
	if pcap.Len() <= 24 {
		t.Errorf("pcap: %d bytes", pcap.Len())
	}
}

// TestNoPrivilege runs Start in a process without CAP_NET_RAW (as root,
// a copy of the test binary re-executed as nobody) and checks that it
// returns ErrNoPrivilege with its one-line message.
func TestNoPrivilege(t *testing.T) {
	if os.Getenv("CAPTURE_TEST_CHILD") == "noprivilege" {
		_, err := Start(context.Background(), Config{Sink: trace.Discard, Ports: []uint16{9}})
		fmt.Printf("is ErrNoPrivilege: %v\nmessage: %v\n", errors.Is(err, ErrNoPrivilege), err)
		return
	}
	if os.Geteuid() != 0 {
		_, err := Start(context.Background(), Config{Sink: trace.Discard})
		if err == nil {
			t.Skip("this user may capture (CAP_NET_RAW); nothing to check")
		}
		if !errors.Is(err, ErrNoPrivilege) {
			t.Fatalf("Start without root: %v; want ErrNoPrivilege", err)
		}
		return
	}
	// nobody cannot enter the go build directory: run a copy.
	dir, err := os.MkdirTemp("", "capture-noprivilege")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "capture.test")
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestNoPrivilege$", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CAPTURE_TEST_CHILD=noprivilege")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("is ErrNoPrivilege: true\n")) {
		t.Fatalf("child as nobody:\n%s", out)
	}
	wantMsg := "message: capturing packets needs root or CAP_NET_RAW (try sudo); showing the socket calls only\n"
	if !bytes.Contains(out, []byte(wantMsg)) {
		t.Errorf("child as nobody:\n%s\nwant the line %q", out, wantMsg)
	}
	if strings.Count(ErrNoPrivilege.Error(), "\n") != 0 {
		t.Error("the message is not one line")
	}
}

// TestCloseIdle closes captures on which no packet ever arrives — by
// Close, and by cancelling the context — and checks that both return
// promptly; TestMain's goleak check fails the package if the reader
// goroutine were left behind.
func TestCloseIdle(t *testing.T) {
	rec := &recorder{}
	c := startOrSkip(t, Config{Sink: rec, Ports: []uint16{9}}) // discard: nothing there
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.AddPorts(7); !errors.Is(err, ErrClosed) {
		t.Errorf("AddPorts after Close: %v; want ErrClosed", err)
	}
	if n := len(rec.events()); n != 0 {
		t.Errorf("%d events from an idle capture", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	c2, err := Start(ctx, Config{Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-c2.done:
	case <-time.After(time.Second):
		t.Error("the reader is still running a second after the context was cancelled")
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSlowSink gives the capture a tiny socket buffer and a Sink that
// blocks for a while, floods the watched port, and checks that the kernel's
// drops are counted and announced by a note, that what was captured is
// still consistent, and that Close works.
func TestSlowSink(t *testing.T) {
	defer func(n int) { rcvBuf = n }(rcvBuf)
	rcvBuf = 4096
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	rec := &recorder{}
	var once sync.Once
	slow := trace.SinkFunc(func(e *trace.Event) {
		once.Do(func() { time.Sleep(150 * time.Millisecond) })
		rec.Emit(e)
	})
	c := startOrSkip(t, Config{Sink: slow, Ports: []uint16{uint16(pc.LocalAddr().(*net.UDPAddr).Port)}})
	conn, err := net.Dial("udp4", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for range 500 {
		conn.Write([]byte("flood"))
	}
	evs := rec.waitFor(t, 5*time.Second, "a note about the drops", func(evs []trace.Event) bool {
		for _, e := range evs {
			if e.Kind == trace.KindNote {
				return true
			}
		}
		return false
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	packets, dropped := c.Stats()
	if dropped == 0 || packets == 0 || packets >= 500 {
		t.Errorf("Stats = %d packets, %d dropped; want some of each", packets, dropped)
	}
	sent := map[uint64]bool{}
	for _, e := range rec.events() {
		switch e.Kind {
		case trace.KindNote:
			if !strings.Contains(e.Text, "the kernel dropped") || strings.Contains(e.Text, "\n") {
				t.Errorf("note %q", e.Text)
			}
		case trace.KindSend:
			sent[e.Packet.ID] = true
		case trace.KindDeliver:
			if !sent[e.Packet.ID] {
				t.Errorf("packet #%d delivered before it was sent", e.Packet.ID)
			}
		}
	}
	t.Logf("%d packets, %d frames dropped, %d events before the note", packets, dropped, len(evs))
}

// TestFilterKernelLimit installs the largest filter (MaxEndpoints IPv6
// address:port pairs) in the kernel, whose checker must accept it, and
// checks that one endpoint more is refused while the capture goes on.
func TestFilterKernelLimit(t *testing.T) {
	var eps []netip.AddrPort
	for i := range MaxEndpoints - 1 {
		eps = append(eps, netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)}), uint16(1000+i)))
	}
	c := startOrSkip(t, Config{Sink: trace.Discard, Endpoints: eps})
	if err := c.AddEndpoints(netip.MustParseAddrPort("[2001:db8::1]:9")); err != nil {
		t.Fatalf("the largest filter: %v", err)
	}
	if err := c.AddPorts(7); err == nil || !strings.Contains(err.Error(), "at most 128") {
		t.Errorf("one more: %v", err)
	}
	if err := c.AddPorts(1000); err != nil { // replaces [2001:db8::]:1000
		t.Errorf("a port that covers an endpoint: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestStartErrors checks the one-line errors of a bad configuration.
func TestStartErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "Config.Sink is nil"},
		{Config{Sink: trace.Discard, Interface: "nosuch0"}, `interface "nosuch0"`},
		{Config{Sink: trace.Discard, Ports: []uint16{0}}, "cannot watch port 0"},
	} {
		_, err := Start(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Start(%+v) = %v; want one line with %q", tc.cfg, err, tc.want)
		}
	}
}

// BenchmarkCaptureLoopback floods loopback with small UDP datagrams (16
// bytes, to a socket that does not read them) and measures how many
// packets per second the capture reads from the kernel, decodes and
// emits as Send and Deliver. One op is one datagram; the sender and the
// capture share the machine's two cores. dropped/op is the share the
// kernel dropped because the capture fell behind. "send-only" is the
// same flood without a capture: the sender's own pace.
func BenchmarkCaptureLoopback(b *testing.B) {
	for _, network := range []string{"udp4", "udp6"} {
		for _, captured := range []bool{false, true} {
			name := network + "/send-only"
			if captured {
				name = network + "/captured"
			}
			b.Run(name, func(b *testing.B) { benchFlood(b, network, captured) })
		}
	}
}

func benchFlood(b *testing.B, network string, captured bool) {
	host := "127.0.0.1"
	if network == "udp6" {
		host = "::1"
	}
	sinkConn, err := net.ListenPacket(network, net.JoinHostPort(host, "0"))
	if err != nil {
		b.Skip(err)
	}
	defer sinkConn.Close()
	port := uint16(sinkConn.LocalAddr().(*net.UDPAddr).Port)
	sink := &counter{}
	var c *Capture
	if captured {
		c = startOrSkip(b, Config{Sink: sink, Ports: []uint16{port}})
	}
	conn, err := net.Dial(network, sinkConn.LocalAddr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	msg := []byte("0123456789abcdef")
	b.ResetTimer()
	for range b.N {
		if _, err := conn.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
	if !captured {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
		return
	}
	// Loopback shows each datagram twice: wait until every frame was read
	// or dropped by the kernel.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, dropped := c.Stats()
		if c.frames.Load()+dropped >= 2*uint64(b.N) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	if err := c.Close(); err != nil {
		b.Fatal(err)
	}
	_, dropped := c.Stats()
	b.ReportMetric(float64(sink.delivered.Load())/b.Elapsed().Seconds(), "packets/s")
	b.ReportMetric(float64(dropped)/2/float64(b.N), "dropped/op")
}
