//go:build unix

package toolbox

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// SocketPair is socketpair(AF_UNIX, SOCK_STREAM): two sockets connected to
// each other, with no address and no listener — what a process uses to
// talk to a child, or two goroutines to talk through the kernel. Each end
// is a *net.UnixConn; close both.
func SocketPair() (a, b net.Conn, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", os.NewSyscallError("socketpair", err))
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		unix.CloseOnExec(fd)
		f := os.NewFile(uintptr(fd), fmt.Sprintf("socketpair[%d]", i))
		// FileConn duplicates the descriptor, so the *os.File is closed
		// either way.
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			if i == 1 {
				conns[0].Close()
			} else {
				unix.Close(fds[1])
			}
			return nil, nil, fmt.Errorf("socketpair: %w", err)
		}
		conns[i] = c
	}
	return conns[0], conns[1], nil
}
