//go:build !unix

package toolbox

import (
	"errors"
	"net"
	"runtime"
)

// SocketPair is socketpair(AF_UNIX, SOCK_STREAM); it needs a Unix system.
func SocketPair() (a, b net.Conn, err error) {
	return nil, nil, errors.New("socketpair: not available on " + runtime.GOOS)
}
