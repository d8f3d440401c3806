//go:build linux

package core

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// deadlockBuffers returns SO_SNDBUF and SO_RCVBUF as the kernel reports them.
// Linux reports the sizes it actually uses: double what setsockopt asked
// for (the other half pays for bookkeeping), and with autotuning (when no
// size was set) a value that grows while the connection runs.
func deadlockBuffers(c syscall.Conn) (snd, rcv int, ok bool) {
	err := deadlockFD(c, func(fd int) error {
		var err error
		if snd, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF); err != nil {
			return err
		}
		rcv, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
		return err
	})
	return snd, rcv, err == nil
}

// deadlockSetBuffers sets SO_SNDBUF and SO_RCVBUF where they are > 0, which also
// turns the kernel's autotuning off for that direction.
func deadlockSetBuffers(c syscall.Conn, snd, rcv int) error {
	return deadlockFD(c, func(fd int) error {
		if snd > 0 {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, snd); err != nil {
				return err
			}
		}
		if rcv > 0 {
			return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcv)
		}
		return nil
	})
}

// deadlockQueues returns the bytes written but not yet acknowledged by the peer
// (SIOCOUTQ) and the bytes received but not yet read (SIOCINQ). On loopback
// nothing stays in flight, so a sender's bytes are either in its own send
// queue, in the peer's receive queue, or read by the peer.
func deadlockQueues(c syscall.Conn) (outq, inq int, ok bool) {
	err := deadlockFD(c, func(fd int) error {
		var err error
		if outq, err = unix.IoctlGetInt(fd, unix.SIOCOUTQ); err != nil {
			return err
		}
		inq, err = unix.IoctlGetInt(fd, unix.SIOCINQ)
		return err
	})
	return outq, inq, err == nil
}

// deadlockFD runs f on the socket's descriptor. RawConn.Control only holds a
// reference to the descriptor, so it works while another goroutine is
// blocked in Read or Write on the same connection.
func deadlockFD(c syscall.Conn, f func(fd int) error) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
