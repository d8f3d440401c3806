package pcap_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"socketlab/sim/trace"
	"socketlab/sim/trace/pcap"
)

// ---- real captures ----

// needTool returns the path of a program the test runs. Outside CI a
// missing one skips the test; in CI (CI=true) it fails it: make deps
// installs it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (make deps installs it)", name)
		}
		t.Skipf("%s is missing (make deps installs it)", name)
	}
	return p
}

// needRoot: capturing needs root (CAP_NET_RAW). CI runs as root.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("capturing with tcpdump needs root, and CI runs as root")
		}
		t.Skip("capturing with tcpdump needs root")
	}
}

// loopbackCapture runs tcpdump on lo with filter while traffic runs, and
// returns the capture file once no more frames arrive.
func loopbackCapture(t *testing.T, filter string, traffic func()) string {
	t.Helper()
	tcpdump := needTool(t, "tcpdump")
	needRoot(t)
	file := filepath.Join(t.TempDir(), "lo.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// --immediate-mode: every packet reaches the file at once, so that
	// stopping tcpdump loses none; -U writes each one through. Other
	// programs may flood lo with 64 KiB segments: a short snap length and
	// a 16 MiB buffer give the kernel's ring thousands of slots, not eight.
	cmd := exec.CommandContext(ctx, tcpdump, "-i", "lo", "-U", "--immediate-mode", "-s", "4096", "-B", "16384", "-w", file, filter)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	var errText bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			errText.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "listening on") {
				close(listening)
				io.Copy(&errText, stderr)
				return
			}
		}
	}()
	select {
	case <-listening:
	case <-copied:
		cmd.Wait()
		t.Fatalf("tcpdump stopped before listening: %s", errText.String())
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-copied
		cmd.Wait()
		t.Fatalf("tcpdump did not start listening: %s", errText.String())
	}
	traffic()
	// The capture is complete when the frame count stops growing.
	last, stable := -1, 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && stable < 4; {
		time.Sleep(50 * time.Millisecond)
		if n := countFrames(file); n == last && n > 0 {
			stable++
		} else {
			last, stable = n, 0
		}
	}
	cmd.Process.Signal(os.Interrupt)
	<-copied
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tcpdump: %v: %s", err, errText.String())
	}
	return file
}

func countFrames(file string) int {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return 0
	}
	n := 0
	for {
		if _, _, err := r.ReadPacketData(); err != nil {
			return n
		}
		n++
	}
}

// exchange is the traffic of the real-capture tests: a TCP connect,
// "hello", the reply and the close; a UDP request and reply; a UDP
// datagram to a closed port, which the kernel answers with an ICMP port
// unreachable.
type exchange struct {
	tcpPort, udpPort, closedPort int
}

func newExchange(t *testing.T) (*exchange, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	uc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	x := &exchange{tcpPort: ln.Addr().(*net.TCPAddr).Port, udpPort: uc.LocalAddr().(*net.UDPAddr).Port,
		closedPort: closed.LocalAddr().(*net.UDPAddr).Port}
	closed.Close()
	traffic := func() {
		done := make(chan error, 2)
		go func() { // the TCP server: read "hello", answer, close
			c, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			defer c.Close()
			buf := make([]byte, 5)
			if _, err := io.ReadFull(c, buf); err != nil {
				done <- err
				return
			}
			_, err = c.Write([]byte("hello back"))
			done <- err
		}()
		go func() { // the UDP server: one reply
			buf := make([]byte, 100)
			n, from, err := uc.ReadFrom(buf)
			if err == nil {
				_, err = uc.WriteTo(append([]byte("re: "), buf[:n]...), from)
			}
			done <- err
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		if reply, err := io.ReadAll(c); err != nil || string(reply) != "hello back" {
			t.Fatalf("reply %q, %v", reply, err)
		}
		c.Close()
		u, err := net.Dial("udp", uc.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		u.Write([]byte("ping"))
		u.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 100)
		if n, err := u.Read(buf); err != nil || string(buf[:n]) != "re: ping" {
			t.Fatalf("UDP reply %q, %v", buf[:n], err)
		}
		for range 2 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		// Nothing listens here: the kernel answers with ICMP 3/3.
		d, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(x.closedPort))
		if err != nil {
			t.Fatal(err)
		}
		d.Write([]byte("anyone?"))
		d.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := d.Read(buf); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("UDP to a closed port: %v, want connection refused", err)
		}
		d.Close()
	}
	t.Cleanup(func() { ln.Close(); uc.Close() })
	return x, traffic
}

// filter selects the exchange's frames (and no other test's): the ICMP
// error by the port of the datagram it quotes.
func (x *exchange) filter() string {
	return fmt.Sprintf("tcp port %d or udp port %d or udp port %d or (icmp and icmp[30:2] == %d)",
		x.tcpPort, x.udpPort, x.closedPort, x.closedPort)
}

func readFile(t *testing.T, file string) *trace.Trace {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := pcap.ReadCapture(f, file)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// tsharkFields reads file with tshark: one row per frame, the first
// occurrence of every field (the outer header of an ICMP error).
func tsharkFields(t *testing.T, file string, fields ...string) []map[string]string {
	t.Helper()
	tshark := needTool(t, "tshark")
	args := []string{"-r", file, "-T", "fields", "-E", "occurrence=f"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	var rows []map[string]string
	for line := range strings.SplitSeq(strings.TrimSuffix(string(out), "\n"), "\n") {
		vals := strings.Split(line, "\t")
		if len(vals) != len(fields) {
			t.Fatalf("tshark line %q has %d fields, want %d", line, len(vals), len(fields))
		}
		row := map[string]string{}
		for i, f := range fields {
			row[f] = vals[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func sends(tr *trace.Trace) []trace.Event {
	var out []trace.Event
	for _, e := range tr.Events {
		if e.Kind == trace.KindSend {
			out = append(out, e)
		}
	}
	return out
}

// A real exchange on loopback, captured by tcpdump: it replays to what
// tshark reads from it, frame for frame and field for field; to the
// events and hosts the doc promises; and to the same events from pcapng.
func TestReadCaptureOfLoopback(t *testing.T) {
	x, traffic := newExchange(t)
	file := loopbackCapture(t, x.filter(), traffic)
	t.Run("tshark", func(t *testing.T) { checkAgainstTshark(t, file, x) })
	t.Run("events", func(t *testing.T) { checkEventsAndHosts(t, file, x) })
	t.Run("pcapng", func(t *testing.T) { checkPcapNG(t, file) })
}

func checkAgainstTshark(t *testing.T, file string, x *exchange) {
	tr := readFile(t, file)
	rows := tsharkFields(t, file, "frame.number", "frame.time_relative", "ip.src", "ip.dst", "ip.ttl", "ip.proto",
		"tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.window_size_value", "tcp.len",
		"tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr",
		"tcp.options.sack_perm", "udp.srcport", "udp.dstport", "udp.length", "icmp.type", "icmp.code")
	ss := sends(tr)
	if len(ss) != len(rows) || len(tr.Events) != 2*len(rows) {
		t.Fatalf("%d sends, %d events; tshark reads %d frames", len(ss), len(tr.Events), len(rows))
	}
	counts := map[trace.Proto]int{}
	for i, row := range rows {
		e := ss[i]
		p := &e.Packet
		counts[p.Proto]++
		check := func(field, got string) {
			t.Helper()
			if got != row[field] {
				t.Errorf("frame %s: %s = %q, tshark says %q", row["frame.number"], field, got, row[field])
			}
		}
		check("frame.number", strconv.FormatUint(p.ID, 10))
		rel, err := time.ParseDuration(row["frame.time_relative"] + "s")
		if err != nil || rel != e.At {
			t.Errorf("frame %s: At %v, tshark's time_relative %s", row["frame.number"], e.At, row["frame.time_relative"])
		}
		check("ip.src", p.Src.Addr().String())
		check("ip.dst", p.Dst.Addr().String())
		check("ip.ttl", strconv.Itoa(int(p.TTL)))
		switch p.Proto {
		case trace.ProtoTCP:
			check("ip.proto", "6")
			check("tcp.srcport", strconv.Itoa(int(p.Src.Port())))
			check("tcp.dstport", strconv.Itoa(int(p.Dst.Port())))
			check("tcp.seq_raw", strconv.FormatUint(uint64(p.Seq), 10))
			check("tcp.ack_raw", strconv.FormatUint(uint64(p.Ack), 10))
			check("tcp.flags", fmt.Sprintf("0x%04x", uint8(p.Flags)))
			check("tcp.window_size_value", strconv.Itoa(int(p.Window)))
			check("tcp.len", strconv.Itoa(len(p.Payload)))
			mss := ""
			if p.MSS != 0 {
				mss = strconv.Itoa(int(p.MSS))
			}
			check("tcp.options.mss_val", mss)
			// The other options of a real Linux capture: WS on SYNs,
			// SACK_PERM (tshark shows the option's bytes), timestamps.
			ws, sack, tsval, tsecr := "", "", "", ""
			if p.Opts&trace.OptWScale != 0 {
				ws = strconv.Itoa(int(p.WScale))
			}
			if p.Opts&trace.OptSACKPerm != 0 {
				sack = "0402"
			}
			if p.Opts&trace.OptTimestamps != 0 {
				tsval, tsecr = strconv.FormatUint(uint64(p.TSval), 10), strconv.FormatUint(uint64(p.TSecr), 10)
			}
			check("tcp.options.wscale.shift", ws)
			check("tcp.options.sack_perm", sack)
			check("tcp.options.timestamp.tsval", tsval)
			check("tcp.options.timestamp.tsecr", tsecr)
		case trace.ProtoUDP:
			check("ip.proto", "17")
			check("udp.srcport", strconv.Itoa(int(p.Src.Port())))
			check("udp.dstport", strconv.Itoa(int(p.Dst.Port())))
			check("udp.length", strconv.Itoa(8+len(p.Payload)))
		case trace.ProtoICMP:
			check("ip.proto", "1")
			check("icmp.type", strconv.Itoa(int(p.ICMPType)))
			check("icmp.code", strconv.Itoa(int(p.ICMPCode)))
			// The quote is the datagram to the closed port, and names it.
			q := ss[i-1].Packet
			if p.Quote != q.ID || q.Dst.Port() != uint16(x.closedPort) || !bytes.HasSuffix(p.Payload, []byte("anyone?")) {
				t.Errorf("frame %d: ICMP quotes #%d (%d bytes), want #%d to port %d", p.ID, p.Quote, len(p.Payload), q.ID, x.closedPort)
			}
		}
	}
	// Every kind of the exchange is there: the handshake, data both ways,
	// both FINs, the UDP request and reply, the datagram and the error.
	if counts[trace.ProtoTCP] < 8 || counts[trace.ProtoUDP] != 3 || counts[trace.ProtoICMP] != 1 {
		t.Errorf("frames by protocol: %v", counts)
	}
	var payloads []string
	for _, e := range ss {
		if len(e.Packet.Payload) > 0 && e.Packet.Proto != trace.ProtoICMP {
			payloads = append(payloads, string(e.Packet.Payload))
		}
	}
	if got := strings.Join(payloads, "|"); got != "hello|hello back|ping|re: ping|anyone?" {
		t.Errorf("payloads %q", got)
	}
}

// Every packet is a Send and a Deliver of the same packet at the same
// instant, from sender to receiver and back; a loopback capture names
// the endpoints by address and port, and the SYN's sender is the client.
func checkEventsAndHosts(t *testing.T, file string, x *exchange) {
	tr := readFile(t, file)
	h := tr.Header
	if h.Scenario != "lo.pcap" || !h.Live || !strings.HasPrefix(h.Title, "capture of ") {
		t.Errorf("header %+v", h)
	}
	server := "127.0.0.1:" + strconv.Itoa(x.tcpPort)
	roles := map[string]string{}
	for _, n := range h.Nodes {
		roles[n.Name] = n.Role
		if n.Kind != trace.NodeHost || len(n.Addrs) != 0 {
			t.Errorf("node %+v: want a host without addresses (its name has them)", n)
		}
	}
	if roles[server] != "server" {
		t.Errorf("roles %v: %s is not the server", roles, server)
	}
	for i := 0; i < len(tr.Events); i += 2 {
		s, d := tr.Events[i], tr.Events[i+1]
		want := s
		want.Kind, want.Node, want.Peer = trace.KindDeliver, s.Peer, s.Node
		if s.Kind != trace.KindSend || !reflect.DeepEqual(d, want) || s.Link != "capture" || s.Arrive != 0 {
			t.Fatalf("events %d, %d:\n%+v\n%+v", i, i+1, s, d)
		}
		p := s.Packet
		if p.Proto != trace.ProtoICMP && (s.Node != p.Src.String() || s.Peer != p.Dst.String()) {
			t.Errorf("#%d from %s to %s: nodes %s → %s", p.ID, p.Src, p.Dst, s.Node, s.Peer)
		}
		if p.Proto == trace.ProtoTCP && p.Flags == trace.FlagSYN && roles[s.Node] != "client" {
			t.Errorf("the SYN's sender %s has role %q", s.Node, roles[s.Node])
		}
		if p.Proto == trace.ProtoICMP && (s.Node != "127.0.0.1:"+strconv.Itoa(x.closedPort) || !strings.HasPrefix(s.Peer, "127.0.0.1:")) {
			t.Errorf("ICMP error from %s to %s, want from the closed port to the datagram's sender", s.Node, s.Peer)
		}
	}
}

// The same capture converted to pcapng replays to the same events.
func checkPcapNG(t *testing.T, file string) {
	editcap := needTool(t, "editcap")
	ng := filepath.Join(t.TempDir(), "lo.pcapng")
	if out, err := exec.Command(editcap, "-F", "pcapng", file, ng).CombinedOutput(); err != nil {
		t.Fatalf("editcap: %v: %s", err, out)
	}
	data, _ := os.ReadFile(ng)
	if pcap.Sniff(data) != pcap.FormatPcapNG {
		t.Fatalf("editcap wrote % x…, not pcapng", data[:8])
	}
	a, b := readFile(t, file), readFile(t, ng)
	b.Header.Scenario = a.Header.Scenario
	if !reflect.DeepEqual(a, b) {
		t.Errorf("pcapng replays differently:\n%s\nwant\n%s", jsonl(t, b), jsonl(t, a))
	}
}

func jsonl(t *testing.T, tr *trace.Trace) string {
	t.Helper()
	var b bytes.Buffer
	if err := trace.WriteJSONL(&b, tr); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// ---- synthetic captures: every link type ----

var (
	v6a = netip.MustParseAddr("fd00::1")
	v6b = netip.MustParseAddr("fd00::2")
	v4a = netip.MustParseAddr("10.0.0.1")
	v4b = netip.MustParseAddr("10.0.0.2")
	t0  = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
)

// ipPacket serializes an IP packet carrying p's transport.
func ipPacket(t testing.TB, p trace.Packet) []byte {
	t.Helper()
	src, dst := p.Src.Addr(), p.Dst.Addr()
	var ip gopacket.NetworkLayer
	var proto layers.IPProtocol
	switch p.Proto {
	case trace.ProtoTCP:
		proto = layers.IPProtocolTCP
	case trace.ProtoUDP:
		proto = layers.IPProtocolUDP
	case trace.ProtoICMP:
		proto = layers.IPProtocolICMPv4
		if src.Is6() {
			proto = layers.IPProtocolICMPv6
		}
	}
	if src.Is4() {
		ip = &layers.IPv4{Version: 4, IHL: 5, TTL: p.TTL, Id: uint16(p.ID), Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	} else {
		ip = &layers.IPv6{Version: 6, HopLimit: p.TTL, NextHeader: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	}
	ls := []gopacket.SerializableLayer{ip.(gopacket.SerializableLayer)}
	switch p.Proto {
	case trace.ProtoTCP:
		tcp := &layers.TCP{SrcPort: layers.TCPPort(p.Src.Port()), DstPort: layers.TCPPort(p.Dst.Port()), Seq: p.Seq, Ack: p.Ack,
			Window: p.Window, SYN: p.Flags.Has(trace.FlagSYN), ACK: p.Flags.Has(trace.FlagACK), FIN: p.Flags.Has(trace.FlagFIN),
			PSH: p.Flags.Has(trace.FlagPSH), RST: p.Flags.Has(trace.FlagRST), ECE: p.Flags.Has(trace.FlagECE), CWR: p.Flags.Has(trace.FlagCWR),
			URG: p.Flags.Has(trace.FlagURG)}
		if p.MSS != 0 {
			tcp.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(p.MSS >> 8), byte(p.MSS)}}}
		}
		if p.Opts&trace.OptSACKPerm != 0 {
			tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2})
		}
		tcp.SetNetworkLayerForChecksum(ip)
		ls = append(ls, tcp, gopacket.Payload(p.Payload))
	case trace.ProtoUDP:
		udp := &layers.UDP{SrcPort: layers.UDPPort(p.Src.Port()), DstPort: layers.UDPPort(p.Dst.Port())}
		udp.SetNetworkLayerForChecksum(ip)
		ls = append(ls, udp, gopacket.Payload(p.Payload))
	case trace.ProtoICMP:
		if src.Is4() {
			ls = append(ls, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(p.ICMPType, p.ICMPCode)}, gopacket.Payload(p.Payload))
		} else {
			icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(p.ICMPType, p.ICMPCode)}
			icmp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, icmp, gopacket.Payload(append(make([]byte, 4), p.Payload...)))
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// frameFor wraps an IP packet in the link-layer header of link type lt;
// dir is the Linux cooked packet type (0 to us, 4 outgoing).
func frameFor(lt layers.LinkType, ip []byte, dir uint16) []byte {
	v6 := ip[0]>>4 == 6
	etype := uint16(0x0800)
	if v6 {
		etype = 0x86dd
	}
	var h []byte
	switch lt {
	case layers.LinkTypeEthernet:
		h = []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, byte(etype >> 8), byte(etype)}
	case layers.LinkTypeLinuxSLL:
		h = make([]byte, 16)
		binary.BigEndian.PutUint16(h[0:], dir)
		binary.BigEndian.PutUint16(h[2:], 772) // ARPHRD_LOOPBACK
		binary.BigEndian.PutUint16(h[4:], 6)
		binary.BigEndian.PutUint16(h[14:], etype)
	case layers.LinkTypeLinuxSLL2:
		h = make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], etype)
		binary.BigEndian.PutUint32(h[4:], 1) // ifindex of lo
		binary.BigEndian.PutUint16(h[8:], 772)
		h[10], h[11] = byte(dir), 6
	case layers.LinkTypeNull: // the address family in host byte order: little endian here
		h = []byte{2, 0, 0, 0}
		if v6 {
			h = []byte{30, 0, 0, 0} // AF_INET6 of macOS
		}
	case layers.LinkTypeLoop: // network byte order
		h = []byte{0, 0, 0, 2}
		if v6 {
			h = []byte{0, 0, 0, 24}
		}
	}
	return append(h, ip...)
}

type synthFrame struct {
	at    time.Duration
	frame []byte
}

func writePcap(t testing.TB, lt layers.LinkType, frames []synthFrame) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(f.at), CaptureLength: len(f.frame), Length: len(f.frame)}
		if err := w.WritePacket(ci, f.frame); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// synthHandshake is a SYN, SYN-ACK, data and a port unreachable, over
// IPv4 or IPv6 between two addresses.
func synthHandshake(a, b netip.Addr) []trace.Packet {
	c, s := netip.AddrPortFrom(a, 50000), netip.AddrPortFrom(b, 80)
	ps := []trace.Packet{
		{ID: 1, Proto: trace.ProtoTCP, Src: c, Dst: s, TTL: 64, Seq: 1000, Flags: trace.FlagSYN, Window: 64240, MSS: 1460, Opts: trace.OptSACKPerm},
		{ID: 2, Proto: trace.ProtoTCP, Src: s, Dst: c, TTL: 63, Seq: 5000, Ack: 1001, Flags: trace.FlagSYN | trace.FlagACK | trace.FlagECE, Window: 65535, MSS: 1400, Opts: trace.OptSACKPerm},
		{ID: 3, Proto: trace.ProtoTCP, Src: c, Dst: s, TTL: 64, Seq: 1001, Ack: 5001, Flags: trace.FlagPSH | trace.FlagACK, Window: 502, Payload: []byte("GET / HTTP/1.0\r\n\r\n")},
		{ID: 4, Proto: trace.ProtoUDP, Src: netip.AddrPortFrom(a, 40000), Dst: netip.AddrPortFrom(b, 9), TTL: 64, Payload: []byte("ping")},
	}
	icmp := trace.Packet{ID: 5, Proto: trace.ProtoICMP, Src: netip.AddrPortFrom(b, 0), Dst: netip.AddrPortFrom(a, 0), TTL: 64, ICMPType: 3, ICMPCode: 3, Quote: 4}
	if a.Is6() {
		icmp.ICMPType, icmp.ICMPCode = 1, 4
	}
	ps = append(ps, icmp)
	return ps
}

// withQuote fills the ICMP error's payload with the datagram it quotes.
func withQuote(t testing.TB, ps []trace.Packet) {
	for i := range ps {
		if ps[i].Proto == trace.ProtoICMP {
			ps[i].Payload = ipPacket(t, ps[ps[i].Quote-1])
		}
	}
}

// wantEvents is what the reader should make of packets: a Send and a
// Deliver each, at the frame's time.
func wantEvents(ps []trace.Packet, ats []time.Duration, name func(netip.AddrPort) string, link string) []trace.Event {
	var out []trace.Event
	for i, p := range ps {
		from, to := name(p.Src), name(p.Dst)
		out = append(out,
			trace.Event{At: ats[i], Kind: trace.KindSend, Node: from, Peer: to, Link: link, Packet: p},
			trace.Event{At: ats[i], Kind: trace.KindDeliver, Node: to, Peer: from, Link: link, Packet: p})
	}
	return out
}

func byAddr(ap netip.AddrPort) string { return ap.Addr().String() }

func TestReadCaptureLinkTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		lt   layers.LinkType
		a, b netip.Addr
	}{
		{"ethernet-v4", layers.LinkTypeEthernet, v4a, v4b},
		{"ethernet-v6", layers.LinkTypeEthernet, v6a, v6b},
		{"sll-v4", layers.LinkTypeLinuxSLL, v4a, v4b},
		{"sll-v6", layers.LinkTypeLinuxSLL, v6a, v6b},
		{"sll2-v4", layers.LinkTypeLinuxSLL2, v4a, v4b},
		{"sll2-v6", layers.LinkTypeLinuxSLL2, v6a, v6b},
		{"raw-v4", layers.LinkTypeRaw, v4a, v4b},
		{"raw-v6", layers.LinkTypeRaw, v6a, v6b},
		{"ipv4", layers.LinkTypeIPv4, v4a, v4b},
		{"ipv6", layers.LinkTypeIPv6, v6a, v6b},
		{"null-v4", layers.LinkTypeNull, v4a, v4b},
		{"null-v6", layers.LinkTypeNull, v6a, v6b},
		{"loop-v4", layers.LinkTypeLoop, v4a, v4b},
		{"loop-v6", layers.LinkTypeLoop, v6a, v6b},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := synthHandshake(tc.a, tc.b)
			withQuote(t, ps)
			ats := []time.Duration{0, 1500 * time.Microsecond, 3 * time.Millisecond, 4 * time.Millisecond, 4*time.Millisecond + 17*time.Microsecond}
			var frames []synthFrame
			for i, p := range ps {
				frames = append(frames, synthFrame{ats[i], frameFor(tc.lt, ipPacket(t, p), 4)})
			}
			tr, err := pcap.ReadCapture(bytes.NewReader(writePcap(t, tc.lt, frames)), "captures/"+tc.name+".pcap")
			if err != nil {
				t.Fatal(err)
			}
			want := &trace.Trace{Header: trace.Header{Title: "capture of 5 packets", Scenario: tc.name + ".pcap", Live: true,
				Nodes: []trace.Node{{Name: tc.a.String(), Addrs: []netip.Addr{tc.a}, Role: "client"}, {Name: tc.b.String(), Addrs: []netip.Addr{tc.b}, Role: "server"}}},
				Events: wantEvents(ps, ats, byAddr, "capture")}
			if !reflect.DeepEqual(tr, want) {
				t.Errorf("got\n%s\nwant\n%s", jsonl(t, tr), jsonl(t, want))
			}
		})
	}
}

// A loopback exchange (one address) gets a lifeline per endpoint; a
// packet seen leaving and arriving is one packet; frames that are not
// TCP, UDP or ICMP over IP are counted and skipped.
func TestReadCaptureLoopbackDuplicatesAndSkips(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	ps := synthHandshake(lo, lo)
	withQuote(t, ps)
	arp := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06}, make([]byte, 28)...)
	igmp := ipPacket(t, trace.Packet{Src: netip.AddrPortFrom(lo, 0), Dst: netip.AddrPortFrom(lo, 0), TTL: 1})
	igmp[9] = 2 // IGMP
	frag := ipPacket(t, ps[3])
	frag[6] |= 0x20 // more fragments
	ethOf := func(ip []byte) []byte { return frameFor(layers.LinkTypeEthernet, ip, 0) }
	sllOf := func(ip []byte, dir uint16) []byte { return frameFor(layers.LinkTypeLinuxSLL, ip, dir) }
	us := time.Microsecond
	for _, tc := range []struct {
		name   string
		lt     layers.LinkType
		frames []synthFrame
		ids    []uint64 // frame numbers of the packets replayed
		ats    []time.Duration
		title  string
	}{
		{"ethernet", layers.LinkTypeEthernet, []synthFrame{
			{0, ethOf(ipPacket(t, ps[0]))}, {3 * us, append(ethOf(ipPacket(t, ps[0])), 0, 0, 0, 0)}, // seen twice (padded)
			{10 * us, arp}, {20 * us, ethOf(ipPacket(t, ps[1]))}, {30 * us, ethOf(igmp)}, {40 * us, ethOf(frag)},
			{50 * us, ethOf(ipPacket(t, ps[2]))}, {60 * us, ethOf(ipPacket(t, ps[3]))}, {70 * us, ethOf(ipPacket(t, ps[4]))},
		}, []uint64{1, 4, 7, 8, 9}, []time.Duration{0, 20 * us, 50 * us, 60 * us, 70 * us},
			"capture of 5 packets; skipped 4 frames (1 not IP, 1 IP fragments, 1 not TCP, UDP or ICMP, 1 seen twice)"},
		// Linux cooked frames say which way they went: leaving then
		// arriving is one packet, twice leaving is two.
		{"sll", layers.LinkTypeLinuxSLL, []synthFrame{
			{0, sllOf(ipPacket(t, ps[0]), 4)}, {2 * us, sllOf(ipPacket(t, ps[0]), 0)},
			{20 * us, sllOf(ipPacket(t, ps[1]), 4)}, {21 * us, sllOf(ipPacket(t, ps[1]), 0)},
			{50 * us, sllOf(ipPacket(t, ps[2]), 4)},
			{60 * us, sllOf(ipPacket(t, ps[3]), 4)}, {61 * us, sllOf(ipPacket(t, ps[3]), 4)},
			{70 * us, sllOf(ipPacket(t, ps[4]), 4)},
		}, []uint64{1, 3, 5, 6, 7, 8}, []time.Duration{0, 20 * us, 50 * us, 60 * us, 61 * us, 70 * us},
			"capture of 6 packets; skipped 2 frames (2 seen twice)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := pcap.ReadCapture(bytes.NewReader(writePcap(t, tc.lt, tc.frames)), "lo.pcap")
			if err != nil {
				t.Fatal(err)
			}
			var want []trace.Packet
			for _, id := range tc.ids {
				var p trace.Packet
				switch {
				case tc.name == "sll" && id == 7:
					p = ps[3] // the datagram sent twice
				case tc.name == "sll" && id == 8:
					p = ps[4]
					p.Quote = 7 // the latest datagram it may quote
				default:
					for _, q := range ps {
						if b1, b2 := ipPacket(t, q), tc.frames[id-1].frame; bytes.HasSuffix(b2, b1) {
							p = q
						}
					}
				}
				if p.Quote != 0 && tc.name != "sll" {
					p.Quote = 8
				}
				p.ID = id
				want = append(want, p)
			}
			name := func(ap netip.AddrPort) string { return ap.String() }
			evs := wantEvents(want, tc.ats, name, "capture")
			for i := range evs { // the ICMP error goes from the closed port back to the datagram's sender
				if evs[i].Packet.Proto == trace.ProtoICMP {
					from, to := "127.0.0.1:9", "127.0.0.1:40000"
					if evs[i].Kind == trace.KindDeliver {
						from, to = to, from
					}
					evs[i].Node, evs[i].Peer = from, to
				}
			}
			wantTr := &trace.Trace{Header: trace.Header{Title: tc.title, Scenario: "lo.pcap", Live: true, Nodes: []trace.Node{
				{Name: "127.0.0.1:50000", Role: "client"}, {Name: "127.0.0.1:80", Role: "server"},
				{Name: "127.0.0.1:40000"}, {Name: "127.0.0.1:9"}}}, Events: evs}
			if !reflect.DeepEqual(tr, wantTr) {
				t.Errorf("got\n%s\nwant\n%s", jsonl(t, tr), jsonl(t, wantTr))
			}
		})
	}
}

// A pcapng file names its interface: that is the link of the events.
func TestReadCapturePcapNGInterfaceName(t *testing.T) {
	ps := synthHandshake(v6a, v6b)
	withQuote(t, ps)
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&b, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: 262144,
		TimestampResolution: 9}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	var ats []time.Duration
	for i, p := range ps {
		at := time.Duration(i) * 1234567 * time.Nanosecond
		ats = append(ats, at)
		frame := frameFor(layers.LinkTypeEthernet, ipPacket(t, p), 0)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: t0.Add(at), CaptureLength: len(frame), Length: len(frame)}, frame); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	tr, err := pcap.ReadCapture(&b, "x.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if want := wantEvents(ps, ats, byAddr, "eth0"); !reflect.DeepEqual(tr.Events, want) {
		t.Errorf("got\n%s", jsonl(t, tr))
	}
}

// A capture that begins in the middle of a connection, and a packet cut
// by the snap length.
func TestReadCaptureSnapLength(t *testing.T) {
	ps := synthHandshake(v4a, v4b)
	frame := frameFor(layers.LinkTypeEthernet, ipPacket(t, ps[2]), 0)
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	w.WriteFileHeader(60, layers.LinkTypeEthernet)
	w.WritePacket(gopacket.CaptureInfo{Timestamp: t0, CaptureLength: 60, Length: len(frame)}, frame[:60])
	tr, err := pcap.ReadCapture(&b, "snap.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Events) != 2 || string(tr.Events[0].Packet.Payload) != "GET / " || tr.Header.Title != "capture of 1 packet; 1 cut short by the snap length" {
		t.Errorf("%s", jsonl(t, tr))
	}
}

// ---- broken files: one error naming the byte ----

func readErr(data []byte) string {
	_, err := pcap.ReadCapture(bytes.NewReader(data), "x")
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestReadCaptureErrors(t *testing.T) {
	ps := synthHandshake(v4a, v4b)
	var frames []synthFrame
	for i, p := range ps[:3] {
		frames = append(frames, synthFrame{time.Duration(i) * time.Millisecond, frameFor(layers.LinkTypeEthernet, ipPacket(t, p), 0)})
	}
	good := writePcap(t, layers.LinkTypeEthernet, frames)
	first := 24 + 16 + len(frames[0].frame) // where record 2 starts
	rec2 := len(frames[1].frame)
	le := binary.LittleEndian
	patch := func(b []byte, at int, v uint32) []byte {
		b = bytes.Clone(b)
		le.PutUint32(b[at:], v)
		return b
	}
	ng := pcapNG(t)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "byte 0: the file is empty"},
		{"garbage", []byte("\x7fELF\x02\x01\x01"), "byte 0: not a pcap or pcapng file (it starts with 7f 45 4c 46)"},
		{"short header", good[:10], "byte 0: file header truncated (24 bytes, 10 left)"},
		{"record cut", good[:first+16+20], fmt.Sprintf("byte %d: packet record truncated (caplen %d, 20 bytes left)", first, rec2)},
		{"record header cut", good[:first+7], fmt.Sprintf("byte %d: packet record header truncated (16 bytes, 7 left)", first)},
		{"caplen 2 GB", patch(patch(good, first+8, 1<<31), first+12, 1<<31),
			fmt.Sprintf("byte %d: packet record claims caplen 2147483648, more than a capture holds (262144)", first)},
		{"caplen over length", patch(good, first+12, 10), fmt.Sprintf("byte %d: packet record claims caplen %d, more than the packet's length 10", first, rec2)},
		{"version", patch(good, 4, 0x00030002), "byte 4: pcap version 2.3 (this reader knows 2.4)"},
		{"link type", patch(good, 20, 105), "byte 20: link type 105 (802.11) is not one replay decodes (Ethernet, Linux cooked SLL and SLL2, raw IP, BSD loopback)"},
		{"pcapng cut", ng[:len(ng)-10], fmt.Sprintf("byte %d: enhanced packet block truncated (length %d, %d bytes left)", ngLast(ng), len(ng)-ngLast(ng), len(ng)-10-ngLast(ng))},
		{"pcapng block 2 GB", patch(ng, ngLast(ng)+4, 1<<31), fmt.Sprintf("byte %d: enhanced packet block claims 2147483648 bytes, more than a block holds (16777216)", ngLast(ng))},
		{"pcapng caplen 2 GB", patch(ng, ngLast(ng)+20, 1<<31), fmt.Sprintf("byte %d: enhanced packet block claims caplen 2147483648, more than a capture holds (262144)", ngLast(ng))},
		{"pcapng odd length", patch(ng, ngLast(ng)+4, 101), fmt.Sprintf("byte %d: enhanced packet block length 101 is not a multiple of 4", ngLast(ng))},
		{"pcapng trailer", patch(ng, len(ng)-4, 8), fmt.Sprintf("byte %d: enhanced packet block: the length at its end, 8, differs from the %d at its start", ngLast(ng), len(ng)-ngLast(ng))},
		{"pcapng no interface", patch(ng, ngLast(ng)+8, 3), fmt.Sprintf("byte %d: interface id 3 not present in section (have only 1 interfaces)", ngLast(ng))},
	} {
		if got := readErr(tc.data); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// pcapNG is a small pcapng file with two packets.
func pcapNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range synthHandshake(v4a, v4b)[:2] {
		frame := frameFor(layers.LinkTypeEthernet, ipPacket(t, p), 0)
		w.WritePacket(gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame)}, frame)
	}
	w.Flush()
	return b.Bytes()
}

// ngLast is where the last block of a pcapng file starts.
func ngLast(data []byte) int {
	end := binary.LittleEndian.Uint32(data[len(data)-4:])
	return len(data) - int(end)
}

// A record claiming 2 GB is refused without allocating anything like it.
func TestReadCaptureHugeRecordAllocatesLittle(t *testing.T) {
	ps := synthHandshake(v4a, v4b)
	good := writePcap(t, layers.LinkTypeEthernet, []synthFrame{{0, frameFor(layers.LinkTypeEthernet, ipPacket(t, ps[0]), 0)}})
	huge := bytes.Clone(good)
	binary.LittleEndian.PutUint32(huge[24+8:], 1<<31-1)
	binary.LittleEndian.PutUint32(huge[24+12:], 1<<31-1)
	huge = append(huge, make([]byte, 1000)...)
	ng := pcapNG(t)
	hugeNG := bytes.Clone(ng)
	binary.LittleEndian.PutUint32(hugeNG[ngLast(ng)+4:], 1<<31-4)
	for _, data := range [][]byte{huge, hugeNG} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := pcap.ReadCapture(bytes.NewReader(data), "huge.pcap")
		runtime.ReadMemStats(&after)
		var fe *pcap.FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("err %v, want a FormatError", err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
			t.Errorf("reading a %d-byte file that claims 2 GB allocated %d bytes", len(data), n)
		}
	}
}

// ---- fuzzing ----

// FuzzReadCapture feeds arbitrary files to the reader. It never panics or
// hangs: a file is a trace or one FormatError of one line. What it reads
// is consistent (a Send and a Deliver per packet, IDs rising, time never
// going back) and survives the JSON-lines round trip and the pcap writer.
func FuzzReadCapture(f *testing.F) {
	lo := netip.MustParseAddr("127.0.0.1")
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
		layers.LinkTypeRaw, layers.LinkTypeNull, layers.LinkTypeLoop} {
		for _, addrs := range [][2]netip.Addr{{v4a, v4b}, {v6a, v6b}, {lo, lo}} {
			ps := synthHandshake(addrs[0], addrs[1])
			withQuote(f, ps)
			var frames []synthFrame
			for i, p := range ps {
				frames = append(frames, synthFrame{time.Duration(i) * time.Millisecond, frameFor(lt, ipPacket(f, p), uint16(i%2*4))})
			}
			f.Add(writePcap(f, lt, frames))
		}
	}
	var b bytes.Buffer
	w, _ := pcapgo.NewNgWriter(&b, layers.LinkTypeEthernet)
	for i, p := range synthHandshake(v4a, v4b) {
		frame := frameFor(layers.LinkTypeEthernet, ipPacket(f, p), 0)
		w.WritePacket(gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame)}, frame)
	}
	w.Flush()
	f.Add(b.Bytes())
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1})
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := pcap.ReadCapture(bytes.NewReader(data), "fuzz.pcap")
		if err != nil {
			var fe *pcap.FormatError
			if !errors.As(err, &fe) || strings.ContainsAny(err.Error(), "\n\r") || fe.Offset < 0 || fe.Offset > int64(len(data)) {
				t.Fatalf("error %q (%T)", err, err)
			}
			return
		}
		if len(tr.Events)%2 != 0 {
			t.Fatalf("%d events", len(tr.Events))
		}
		var lastID uint64
		var lastAt time.Duration
		for i := 0; i < len(tr.Events); i += 2 {
			s, d := tr.Events[i], tr.Events[i+1]
			if s.Kind != trace.KindSend || d.Kind != trace.KindDeliver || s.Packet.ID != d.Packet.ID || s.Packet.ID <= lastID ||
				s.At < lastAt || d.At != s.At || s.Node != d.Peer || s.Peer != d.Node {
				t.Fatalf("events %d, %d: %+v %+v", i, i+1, s, d)
			}
			lastID, lastAt = s.Packet.ID, s.At
		}
		var out bytes.Buffer
		if err := trace.WriteJSONL(&out, tr); err != nil {
			t.Fatal(err)
		}
		back, err := trace.ReadJSONL(&out)
		if err != nil || !reflect.DeepEqual(back, tr) {
			t.Fatalf("JSON-lines round trip: %v", err)
		}
		if err := pcap.Write(io.Discard, tr); err != nil {
			// Only a packet larger than IP's 16-bit lengths allow (an
			// offloaded segment with length 0) cannot be written back.
			huge := false
			for _, e := range tr.Events {
				huge = huge || len(e.Packet.Payload) > 65000
			}
			if !huge {
				t.Fatalf("pcap.Write: %v", err)
			}
		}
	})
}
