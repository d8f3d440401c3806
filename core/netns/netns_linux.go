//go:build linux

package netns

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NS is a network namespace made by New. Its methods are safe for
// concurrent use.
type NS struct {
	name string
	mu   sync.Mutex
	fd   int // the namespace file; -1 after Close
}

var serial atomic.Uint64

// New makes a fresh network namespace with its loopback interface up
// (127.0.0.1 and ::1), labelled label-N (N unique in the process).
func New(label string) (*NS, error) {
	var fd int
	err := onThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			if errors.Is(err, unix.EPERM) {
				return ErrNoPrivilege
			}
			return fmt.Errorf("netns: unshare: %w", err)
		}
		var err error
		fd, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("netns: %w", err)
		}
		return nil
	}, -1)
	if err != nil {
		return nil, err
	}
	n := &NS{name: label + "-" + strconv.FormatUint(serial.Add(1), 10), fd: fd}
	if err := n.Do(func() error { return setFlags("lo", unix.IFF_UP) }); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// Name is the namespace's label, unique within the process.
func (n *NS) Name() string { return n.name }

// Do runs f on an OS thread inside the namespace and returns its error.
// Sockets f makes belong to the namespace for good; goroutines f starts
// run outside it. Do may be called from several goroutines at once.
func (n *NS) Do(f func() error) error {
	n.mu.Lock()
	fd := n.fd
	n.mu.Unlock()
	if fd < 0 {
		return fmt.Errorf("netns %s: closed", n.name)
	}
	return onThread(f, fd)
}

// onThread runs f on a goroutine locked to its OS thread, switched into
// the namespace fd first (unless fd is -1). The thread's own namespace is
// restored afterwards; if that fails, or f left the thread in another one
// (New's unshare), the goroutine ends still locked and the Go runtime ends
// the thread with it, so no other goroutine ever runs in a namespace it did
// not ask for.
func onThread(f func() error, fd int) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread() // nothing changed yet
			done <- fmt.Errorf("netns: %w", err)
			return
		}
		defer unix.Close(orig)
		if fd >= 0 {
			if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
				runtime.UnlockOSThread()
				done <- fmt.Errorf("netns: setns: %w", err)
				return
			}
		}
		err = f()
		if fd >= 0 && unix.Setns(orig, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

// Close releases the namespace. Sockets made inside it keep it alive
// until they are closed; then the kernel removes it with its interfaces
// and firewall rules.
func (n *NS) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fd < 0 {
		return nil
	}
	err := unix.Close(n.fd)
	n.fd = -1
	return err
}

// Command runs the program name with args inside the namespace and
// returns its combined output; a failure's error carries the output's
// first line.
func (n *NS) Command(ctx context.Context, name string, args ...string) ([]byte, error) {
	var out []byte
	err := n.Do(func() error {
		var err error
		// The child is forked from this thread and inherits its namespace.
		out, err = exec.CommandContext(ctx, name, args...).CombinedOutput()
		return err
	})
	if err != nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		if errors.Is(err, exec.ErrNotFound) {
			line = "not installed (make deps installs it)"
		}
		return out, fmt.Errorf("netns %s: %s %s: %v: %s", n.name, name, strings.Join(args, " "), err, line)
	}
	return out, nil
}

// Drop makes the namespace's firewall drop the packets matching match
// (iptables match arguments, such as "-p", "tcp", "--syn") that arrive
// (the INPUT chain, which on loopback sees every packet once) — only the
// nth of them, counted from 1, for each n in nth (ascending), and every
// one of them when nth is empty. Each dropped packet has a rule of its
// own, an nth-packet statistic counting the packets the earlier rules let
// through, so the drops are deterministic.
func (n *NS) Drop(ctx context.Context, match []string, nth ...int) error {
	rule := func(extra ...string) error {
		args := append([]string{"-w", "-A", "INPUT"}, match...)
		args = append(append(args, extra...), "-j", "DROP")
		_, err := n.Command(ctx, "iptables", args...)
		return err
	}
	if len(nth) == 0 {
		return rule()
	}
	for i, k := range nth {
		if k < 1 || i > 0 && k <= nth[i-1] {
			return fmt.Errorf("netns %s: Drop: the packets to drop must be counted from 1 and ascending, not %v", n.name, nth)
		}
		// The rule sees the matching packets the i earlier rules let
		// through: the k-th is the (k-i)-th it sees, counted from 0.
		if err := rule("-m", "statistic", "--mode", "nth", "--every", "1000000", "--packet", strconv.Itoa(k-1-i)); err != nil {
			return err
		}
	}
	return nil
}

// SetMTU sets the MTU of the interface ifname in the namespace.
func (n *NS) SetMTU(ifname string, mtu int) error {
	return n.Do(func() error {
		return withIfreq(ifname, func(fd int, r *unix.Ifreq) error {
			r.SetUint32(uint32(mtu))
			return unix.IoctlIfreq(fd, unix.SIOCSIFMTU, r)
		})
	})
}

// ethtool commands and the value they take (linux/ethtool.h).
const (
	ethtoolSTSO = 0x1f // set TCP segmentation offload
	ethtoolSGSO = 0x24 // set generic segmentation offload
)

type ethtoolValue struct{ cmd, data uint32 }

// NoOffload turns TCP and generic segmentation offload off on the
// interface ifname (ethtool -K ifname tso off gso off), and on any but
// loopback the checksum offload too (tx off): the kernel then hands the
// interface, the firewall and a capture one packet per TCP segment, with
// its checksum, as a real link carries them, instead of one large packet
// that the hardware would have cut and summed. Sockets made after it see
// the change.
func (n *NS) NoOffload(ifname string) error {
	cmds := []uint32{ethtoolSTSO, ethtoolSGSO}
	if ifname != "lo" { // a frame on loopback never leaves the machine
		cmds = append(cmds, unix.ETHTOOL_STXCSUM)
	}
	return n.Do(func() error {
		for _, cmd := range cmds {
			v := ethtoolValue{cmd: cmd}
			var req struct {
				name [unix.IFNAMSIZ]byte
				data unsafe.Pointer
				_    [16]byte
			}
			copy(req.name[:], ifname)
			req.data = unsafe.Pointer(&v)
			if err := ioctlSocket(unix.SIOCETHTOOL, unsafe.Pointer(&req)); err != nil {
				return fmt.Errorf("netns: turning segmentation offload off on %s: %w", ifname, err)
			}
		}
		return nil
	})
}

// setFlags sets flags on the interface ifname of the calling thread's
// namespace.
func setFlags(ifname string, flags uint16) error {
	return withIfreq(ifname, func(fd int, r *unix.Ifreq) error {
		if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, r); err != nil {
			return err
		}
		r.SetUint16(r.Uint16() | flags)
		return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, r)
	})
}

// withIfreq calls f with a datagram socket of the calling thread's
// namespace and an ifreq naming ifname.
func withIfreq(ifname string, f func(fd int, r *unix.Ifreq) error) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	defer unix.Close(fd)
	r, err := unix.NewIfreq(ifname)
	if err == nil {
		err = f(fd, r)
	}
	if err != nil {
		return fmt.Errorf("netns: interface %q: %w", ifname, err)
	}
	return nil
}

// ioctlSocket issues an ioctl whose argument is a pointer on a fresh
// datagram socket of the calling thread's namespace.
func ioctlSocket(req uint, arg unsafe.Pointer) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// SetCongestion sets the TCP congestion control algorithm of the socket
// c (TCP_CONGESTION).
func SetCongestion(c syscall.RawConn, algorithm string) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, algorithm)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("TCP_CONGESTION %q: %w (net.ipv4.tcp_available_congestion_control lists the loaded ones)", algorithm, serr)
	}
	return nil
}
