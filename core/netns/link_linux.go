//go:build linux

package netns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Link is two fresh namespaces, a client's and a server's, joined through
// a third where a relay forwards every Ethernet frame after a fixed
// one-way delay: a link with a round-trip time, which loopback does not
// have and this kernel's netem is not there to give.
//
// Each end has one interface, LinkIface, up, with a 1500-byte MTU and
// segmentation and checksum offload off (one TCP segment per frame, each
// with its own checksum, as on a wire): ClientAddr/24 in Client,
// ServerAddr/24 in Server. The relay reads the frames of the two veth
// peers in the middle namespace from packet sockets and writes each to
// the other side when its delay has passed, in order; it drops a frame
// only when a thousand are already waiting.
type Link struct {
	Client, Server *NS
	mid            *NS
	relay          *relay
}

// The interface name and the addresses of a Link's two ends.
const LinkIface = "veth0"

var (
	ClientAddr = netip.MustParseAddr("10.0.0.1")
	ServerAddr = netip.MustParseAddr("10.0.0.2")
)

// NewLink makes a Link labelled label whose frames each take delay from
// one end to the other (the round trip is twice delay, plus microseconds).
// It needs the ip command (iproute2).
func NewLink(ctx context.Context, label string, delay time.Duration) (_ *Link, err error) {
	l := &Link{}
	defer func() {
		if err != nil {
			l.Close() // what was made so far
		}
	}()
	if l.Client, err = New(label + "-client"); err != nil {
		return nil, err
	}
	if l.mid, err = New(label + "-relay"); err != nil {
		return nil, err
	}
	if l.Server, err = New(label + "-server"); err != nil {
		return nil, err
	}
	// The ip command opens the middle namespace by its path in /proc.
	midPath := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), l.mid.fd)
	for _, end := range []struct {
		ns   *NS
		peer string
		addr netip.Addr
	}{{l.Client, "c1", ClientAddr}, {l.Server, "s1", ServerAddr}} {
		for _, args := range [][]string{
			{"link", "add", LinkIface, "type", "veth", "peer", "name", end.peer},
			{"link", "set", end.peer, "netns", midPath},
			{"addr", "add", end.addr.String() + "/24", "dev", LinkIface},
			{"link", "set", LinkIface, "up"},
		} {
			if _, err := end.ns.Command(ctx, "ip", args...); err != nil {
				return nil, err
			}
		}
		if err := end.ns.NoOffload(LinkIface); err != nil {
			return nil, err
		}
		if _, err := l.mid.Command(ctx, "ip", "link", "set", end.peer, "up"); err != nil {
			return nil, err
		}
	}
	var c1, s1 *os.File
	err = l.mid.Do(func() error {
		var err error
		if c1, err = packetSocket("c1"); err != nil {
			return err
		}
		if s1, err = packetSocket("s1"); err != nil {
			c1.Close()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	l.relay = startRelay(c1, s1, delay)
	return l, nil
}

// Close stops the relay and releases the three namespaces.
func (l *Link) Close() error {
	if l.relay != nil {
		l.relay.stop()
	}
	var errs []error
	for _, n := range []*NS{l.Client, l.mid, l.Server} {
		if n != nil {
			errs = append(errs, n.Close())
		}
	}
	return errors.Join(errs...)
}

// packetSocket opens a packet socket on the interface ifname of the
// calling thread's namespace that reads every frame arriving there (not
// those it sends itself) and sends frames out of it.
func packetSocket(ifname string) (*os.File, error) {
	proto := int(htons(unix.ETH_P_ALL))
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return nil, fmt.Errorf("netns: relay socket: %w", err)
	}
	fail := func(err error) (*os.File, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("netns: relay socket on %s: %w", ifname, err)
	}
	var idx int
	err = withIfreq(ifname, func(s int, r *unix.Ifreq) error {
		if err := unix.IoctlIfreq(s, unix.SIOCGIFINDEX, r); err != nil {
			return err
		}
		idx = int(r.Uint32())
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1); err != nil {
		return fail(err)
	}
	// The kernel's time of arrival: a relay goroutine woken late still
	// sends each frame its delay after it came.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fail(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: idx}); err != nil {
		return fail(err)
	}
	// Non-blocking: the runtime's poller waits for it, and Close ends a
	// Read in progress.
	return os.NewFile(uintptr(fd), "packet:"+ifname), nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// relay forwards frames between two packet sockets, both ways, each
// after a fixed delay.
type relay struct {
	files [2]*os.File
	wg    sync.WaitGroup
}

// frame is one frame read, due to be written at due.
type frame struct {
	b   []byte
	due time.Time
}

func startRelay(a, b *os.File, delay time.Duration) *relay {
	r := &relay{files: [2]*os.File{a, b}}
	for _, p := range [][2]*os.File{{a, b}, {b, a}} {
		q := make(chan frame, 1000)
		from, to := p[0], p[1]
		r.wg.Go(func() {
			defer close(q)
			rc, err := from.SyscallConn()
			if err != nil {
				return
			}
			buf, oob := make([]byte, 1<<16), make([]byte, 128)
			for {
				var n, oobn int
				var rerr error
				err := rc.Read(func(fd uintptr) bool {
					n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, 0)
					return rerr != unix.EAGAIN
				})
				if err != nil || rerr != nil {
					return // closed by stop
				}
				select {
				case q <- frame{b: append([]byte(nil), buf[:n]...), due: arrival(oob[:oobn]).Add(delay)}:
				default: // a thousand frames waiting: the link's queue is full
				}
			}
		})
		r.wg.Go(func() {
			for f := range q {
				time.Sleep(time.Until(f.due))
				to.Write(f.b) // fails only once stop has closed it
			}
		})
	}
	return r
}

// arrival is the kernel's timestamp of a frame read with oob, or now.
func arrival(oob []byte) time.Time {
	msgs, _ := unix.ParseSocketControlMessage(oob)
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(unix.Timespec{})) {
			ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
			return time.Unix(ts.Unix())
		}
	}
	return time.Now()
}

// stop closes the sockets and waits for the relay's goroutines.
func (r *relay) stop() {
	for _, f := range r.files {
		f.Close()
	}
	r.wg.Wait()
}
