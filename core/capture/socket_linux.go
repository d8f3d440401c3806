//go:build linux

package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"socketlab/sim/trace"
)

// rcvBuf is the packet socket's receive buffer: what the kernel keeps
// while the reader is busy (a slow Sink) before it drops packets. A
// variable for tests.
var rcvBuf = 8 << 20

// dropCheckEvery is how often, in frames, a busy reader asks the kernel
// whether it dropped frames; an idle one asks when the queue runs empty,
// at most every dropCheckIdle.
const (
	dropCheckEvery = 4096
	dropCheckIdle  = 100 * time.Millisecond
)

// Capture is a running packet capture. Its methods are safe for
// concurrent use.
type Capture struct {
	file *os.File
	rc   syscall.RawConn
	proc *proc
	done chan struct{} // closed when the reader goroutine has returned

	mu      sync.Mutex // serializes filter changes, stats and Close
	set     watchSet
	closed  bool
	dropped uint64 // kernel drops counted so far (PACKET_STATISTICS resets on read)

	lastDropCheck time.Time // the reader's; see dropCheckIdle

	stopOnce sync.Once
	stopping atomic.Bool
	stopAt   atomic.Int64 // UnixNano of the stop: later frames are not taken
	stopCtx  func() bool  // unregisters the context.AfterFunc
	packets  atomic.Uint64
	frames   atomic.Uint64 // frames read, for tests
	err      error         // the reader's error, if it failed; read after done

	// The reader's buffers, used by its goroutine only.
	buf []byte
	oob []byte
	msg unix.Msghdr
	iov unix.Iovec
	sa  unix.RawSockaddrLinklayer
}

// Start opens a packet socket on cfg.Interface, installs the kernel filter
// for cfg.Ports and cfg.Endpoints, writes the pcap file header when
// cfg.Pcap is set, and starts the goroutine that reads the packets and
// emits their events to cfg.Sink, until Close or until ctx is done (then
// the reader stops as in Close, but the socket stays open until Close,
// which must still be called).
//
// Without root or CAP_NET_RAW it returns ErrNoPrivilege. Other errors (no
// such interface, too many endpoints, a failing pcap writer) say what is
// wrong in one line.
func Start(ctx context.Context, cfg Config) (*Capture, error) {
	if cfg.Sink == nil {
		return nil, errors.New("capture: Config.Sink is nil")
	}
	if cfg.Interface == "" {
		cfg.Interface = "lo"
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Now()
	}
	eps := append([]netip.AddrPort(nil), cfg.Endpoints...)
	for _, p := range cfg.Ports {
		eps = append(eps, netip.AddrPortFrom(netip.Addr{}, p))
	}
	set, err := watchSet(nil).with(eps...)
	if err != nil {
		return nil, err
	}
	prog, err := buildFilter(ethLen, set)
	if err != nil {
		return nil, err
	}
	ifi, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("capture: interface %q: %w", cfg.Interface, err)
	}

	// Protocol 0: the socket receives nothing until bind names a protocol,
	// so no packet gets in before the filter is attached.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return nil, ErrNoPrivilege
	}
	if err != nil {
		return nil, fmt.Errorf("capture: packet socket: %w", err)
	}
	fail := func(what string, err error) (*Capture, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("capture: %s: %w", what, err)
	}
	if err := attach(fd, prog); err != nil {
		return fail("attach filter", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fail("SO_TIMESTAMPNS", err)
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf) // capped at rmem_max
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return fail("bind to "+cfg.Interface, err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	ll, _ := sa.(*unix.SockaddrLinklayer)
	if ll == nil || (ll.Hatype != unix.ARPHRD_ETHER && ll.Hatype != unix.ARPHRD_LOOPBACK) {
		unix.Close(fd)
		return nil, fmt.Errorf("capture: interface %q is not Ethernet or loopback (link type %d); capture on lo or an Ethernet interface", cfg.Interface, hatype(ll))
	}

	c := &Capture{
		proc: newProc(cfg, cfg.Interface, ethLen, ll.Hatype == unix.ARPHRD_LOOPBACK),
		done: make(chan struct{}),
		set:  set,
		buf:  make([]byte, snapLen),
		oob:  make([]byte, unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))+unix.CmsgSpace(0)),
	}
	if cfg.Pcap != nil {
		if err := c.proc.startPcap(cfg.Pcap); err != nil {
			return fail("pcap", err)
		}
	}
	// The socket is non-blocking, so the file is registered with Go's
	// poller: reads park the goroutine, and a read deadline wakes it.
	c.file = os.NewFile(uintptr(fd), "packet:"+cfg.Interface)
	if c.rc, err = c.file.SyscallConn(); err != nil {
		c.file.Close()
		return nil, fmt.Errorf("capture: %w", err)
	}
	c.msg.Name = (*byte)(unsafe.Pointer(&c.sa))
	c.iov.Base = &c.buf[0]
	c.iov.SetLen(len(c.buf))
	c.msg.Iov = &c.iov
	c.msg.Iovlen = 1
	go c.run()
	c.stopCtx = context.AfterFunc(ctx, c.stop)
	return c, nil
}

// AddPorts watches more ports on every address, by installing a new kernel
// filter; packets already captured are not filtered again. It returns
// ErrClosed after Close.
func (c *Capture) AddPorts(ports ...uint16) error {
	eps := make([]netip.AddrPort, len(ports))
	for i, p := range ports {
		eps[i] = netip.AddrPortFrom(netip.Addr{}, p)
	}
	return c.AddEndpoints(eps...)
}

// AddEndpoints watches more endpoints, like Config.Endpoints, by
// installing a new kernel filter. It returns ErrClosed after Close.
func (c *Capture) AddEndpoints(eps ...netip.AddrPort) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	set, err := c.set.with(eps...)
	if err != nil {
		return err
	}
	prog, err := buildFilter(ethLen, set)
	if err != nil {
		return err
	}
	var aerr error
	if err := c.rc.Control(func(fd uintptr) { aerr = attach(int(fd), prog) }); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if aerr != nil {
		return fmt.Errorf("capture: attach filter: %w", aerr)
	}
	c.set = set
	return nil
}

// Stats returns how many packets the capture has emitted (IDs given) and
// how many frames the kernel dropped because the socket's buffer was full
// (the reader, or the Sink, was too slow). Both are totals since Start.
func (c *Capture) Stats() (packets, dropped uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.readDrops()
	}
	return c.packets.Load(), c.dropped
}

// readDrops adds the kernel's drop count since the last call. c.mu is held.
func (c *Capture) readDrops() {
	_ = c.rc.Control(func(fd uintptr) { c.addDrops(fd) })
}

// addDrops reads and resets the kernel's counters and adds the drops to
// the total. c.mu is held. It returns the drops added.
func (c *Capture) addDrops(fd uintptr) uint64 {
	st, err := unix.GetsockoptTpacketStats(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return 0
	}
	c.dropped += uint64(st.Drops)
	return uint64(st.Drops)
}

// noteDrops is the reader's check for kernel drops: when there were some
// since the last check (by the reader or Stats), it emits a KindNote
// saying so, since the events then miss packets the network did not lose.
func (c *Capture) noteDrops(fd uintptr, now time.Time) {
	c.lastDropCheck = now
	c.mu.Lock()
	before := c.dropped
	c.addDrops(fd)
	n := c.dropped - before
	c.mu.Unlock()
	if n == 0 {
		return
	}
	e := trace.Event{At: now.Sub(c.proc.cfg.Start), Kind: trace.KindNote, Link: c.proc.link,
		Text: fmt.Sprintf("capture: the kernel dropped %d frames because the capture fell behind; a packet may lack its Send or Deliver", n)}
	c.proc.cfg.Sink.Emit(&e)
}

// Close stops the capture: the reader takes the packets the kernel has
// already queued, emits their events, flushes the pcap file and returns;
// then the socket is closed. Close returns once the reader has stopped,
// with the reader's or the pcap writer's first error. Closing twice, or
// after ctx is done, is fine; later calls return nil. Close must not be
// called from the Sink or NodeOf, which run on the reader it waits for.
func (c *Capture) Close() error {
	c.stop()
	<-c.done
	c.stopCtx()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.readDrops()
	err := c.file.Close()
	if c.err != nil {
		return c.err
	}
	if c.proc.pcapErr != nil {
		return fmt.Errorf("capture: pcap: %w", c.proc.pcapErr)
	}
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	return nil
}

// stop tells the reader to finish: a read deadline in the past wakes it.
func (c *Capture) stop() {
	c.stopOnce.Do(func() {
		c.stopAt.Store(time.Now().UnixNano())
		c.stopping.Store(true)
		_ = c.file.SetReadDeadline(time.Unix(1, 0))
	})
}

// run is the reader goroutine. It stays inside one RawConn.Read: the
// callback reads every queued frame, and when none is left it flushes
// the pcap buffer and lets the poller park the goroutine until the socket
// is readable again. A stop wakes it with a deadline; it then reads what
// is still queued and returns.
func (c *Capture) run() {
	defer close(c.done)
	err := c.rc.Read(func(fd uintptr) bool { return c.drain(fd, false) })
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.err = fmt.Errorf("capture: read: %w", err)
	}
	if c.err == nil && c.stopping.Load() {
		_ = c.rc.Control(func(fd uintptr) { c.drain(fd, true) })
	}
	c.proc.flush()
}

// drain reads and handles frames until none is queued. It reports whether
// the reader is done: after an error, or when stopping — then at the
// first frame the kernel stamped after the stop, so that a flood cannot
// keep Close waiting. The kernel's queue may hold frames the current
// filter would reject but an earlier one accepted; they are handled like
// the others.
func (c *Capture) drain(fd uintptr, final bool) bool {
	for {
		c.msg.Control = &c.oob[0]
		c.msg.SetControllen(len(c.oob))
		c.msg.Namelen = uint32(unsafe.Sizeof(c.sa))
		n, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&c.msg)), unix.MSG_TRUNC)
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if final || c.stopping.Load() {
				return true
			}
			c.proc.flush()
			if now := time.Now(); now.Sub(c.lastDropCheck) >= dropCheckIdle {
				c.noteDrops(fd, now)
			}
			return false
		default:
			c.err = fmt.Errorf("capture: read: %w", e)
			return true
		}
		wire := int(n) // with MSG_TRUNC: the frame's real length
		frame := c.buf[:min(wire, len(c.buf))]
		ts := c.timestamp()
		if c.stopping.Load() && ts.UnixNano() > c.stopAt.Load() {
			return true
		}
		before := c.proc.nextID
		c.proc.frame(frame, wire, c.sa.Pkttype == unix.PACKET_OUTGOING, ts)
		if c.proc.nextID != before {
			c.packets.Store(c.proc.nextID)
		}
		c.frames.Store(c.proc.frames)
		if c.proc.frames%dropCheckEvery == 0 {
			c.noteDrops(fd, time.Now())
		}
	}
}

// timestamp returns the kernel's receive timestamp of the frame just read
// (SO_TIMESTAMPNS), or the current time if it is missing.
func (c *Capture) timestamp() time.Time {
	oob := c.oob[:c.msg.Controllen]
	hdr := unix.CmsgSpace(0)
	for len(oob) >= hdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if int(h.Len) < hdr || int(h.Len) > len(oob) {
			break
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SO_TIMESTAMPNS && int(h.Len)-hdr >= int(unsafe.Sizeof(unix.Timespec{})) {
			ts := (*unix.Timespec)(unsafe.Pointer(&oob[hdr]))
			return time.Unix(int64(ts.Sec), int64(ts.Nsec))
		}
		oob = oob[min(unix.CmsgSpace(int(h.Len)-hdr), len(oob)):]
	}
	return time.Now()
}

// attach installs prog as the socket's filter, replacing any other.
func attach(fd int, prog []bpf.RawInstruction) error {
	f := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		f[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
}

// htons converts to network byte order, as sockaddr_ll wants its protocol.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}

func hatype(ll *unix.SockaddrLinklayer) int {
	if ll == nil {
		return -1
	}
	return int(ll.Hatype)
}
