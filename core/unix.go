package core

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"
)

// Unix-domain stream sockets (AF_UNIX, SOCK_STREAM): the same stream API as
// TCP, but the address is a path in the file system and the traffic never
// leaves the kernel. The socket file outlives a crashed server, which is
// why a restart fails with "address already in use" until it is removed.

// ErrNotSocket means a path to listen on exists and is not a socket: it is
// never removed.
var ErrNotSocket = errors.New("not a socket")

// ErrSocketInUse means a server already answers on the socket path.
var ErrSocketInUse = errors.New("a server is already listening on this socket")

// maxUnixPath is the usable size of sockaddr_un.sun_path on Linux (108
// bytes including the terminating NUL); BSDs and macOS allow 104.
const maxUnixPath = 107

// StreamServer is what ListenAndServeUnix runs: TimestampServer and
// LineTimestampServer satisfy it, as does net/http.Server.
type StreamServer interface {
	Serve(l net.Listener) error
	Shutdown(ctx context.Context) error
}

// RemoveStaleSocket removes the socket file at path if it is left over
// from a server that is gone, and reports whether it did. It decides by
// connecting: a refused connection means nobody listens (the file is
// stale); a successful one returns an error wrapping ErrSocketInUse. A path
// that does not exist is fine (false, nil); a path that is not a socket
// returns an error wrapping ErrNotSocket and is left alone.
func RemoveStaleSocket(ctx context.Context, path string) (removed bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, &Error{Phase: "check socket path", Addr: path, Class: ClassSocket, Err: err}
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return false, &Error{Phase: "listen unix", Addr: path, Class: ClassSocket,
			Err: fmt.Errorf("refusing to remove it: %w (it is %s); delete it yourself or choose another path", ErrNotSocket, describeFileMode(fi.Mode()))}
	}
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var d net.Dialer
	c, derr := d.DialContext(dctx, "unix", path)
	if derr == nil {
		c.Close()
		return false, &Error{Phase: "listen unix", Addr: path, Class: ClassSocket,
			Err: fmt.Errorf("%w; stop it or choose another path", ErrSocketInUse)}
	}
	if !errors.Is(derr, syscall.ECONNREFUSED) {
		// Permission denied, a full backlog, a timeout: we cannot tell
		// whether a server is there, so the file stays.
		return false, Wrap("check socket", path, derr)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, &Error{Phase: "remove stale socket", Addr: path, Class: ClassSocket, Err: err}
	}
	return true, nil
}

func describeFileMode(m fs.FileMode) string {
	switch m.Type() {
	case 0:
		return "a regular file"
	case fs.ModeDir:
		return "a directory"
	case fs.ModeSymlink:
		return "a symbolic link"
	case fs.ModeNamedPipe:
		return "a named pipe"
	case fs.ModeDevice, fs.ModeDevice | fs.ModeCharDevice:
		return "a device"
	}
	return "not a socket (" + m.String() + ")"
}

// ListenUnix listens for stream connections on the Unix socket at path,
// after removing a stale socket file left there by a crashed run (see
// RemoveStaleSocket). Closing the listener removes the socket file.
// Errors are one-line *Error values naming the path.
func ListenUnix(ctx context.Context, path string) (*net.UnixListener, error) {
	if path == "" {
		return nil, &Error{Phase: "listen unix", Class: ClassAddress, Err: errors.New("empty socket path; give a file name such as /tmp/ts.sock")}
	}
	if len(path) > maxUnixPath {
		return nil, &Error{Phase: "listen unix", Addr: path, Class: ClassAddress,
			Err: fmt.Errorf("the path is %d bytes; a Unix socket path must be at most %d: choose a shorter one", len(path), maxUnixPath)}
	}
	if _, err := RemoveStaleSocket(ctx, path); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, Wrap("listen unix", path, err)
	}
	ul := l.(*net.UnixListener)
	ul.SetUnlinkOnClose(true) // Listen already does; say it where it matters
	return ul, nil
}

// ListenAndServeUnix listens on the Unix socket at path (removing a stale
// one), notes the address on tr ("listening on unix /tmp/ts.sock"; also
// "removed stale socket …" and, at the end, "shutting down: …"; tr may
// be off), runs srv on it
// until ctx is done, then shuts srv down gracefully — the same grace as
// the servers' ListenAndServe, a few seconds — and returns nil. A server
// that stops by itself after Shutdown or Close (ErrServerClosed, or
// net/http's ErrServerClosed for an *http.Server) also gives nil. The
// socket file is removed when it returns.
func ListenAndServeUnix(ctx context.Context, path string, srv StreamServer, tr Tracer) error {
	removed, err := RemoveStaleSocket(ctx, path)
	if err != nil {
		return err
	}
	if removed && tr.On() {
		tr.Note(NodeServer, "removed stale socket "+path+" (nothing answered on it)")
	}
	l, err := ListenUnix(ctx, path)
	if err != nil {
		return err
	}
	// Serve closes the listener when it returns, which unlinks the file;
	// the deferred Close covers a server that does not.
	defer l.Close()
	if tr.On() {
		tr.Note(NodeServer, "listening on unix "+path)
	}
	err = serveUntil(ctx, func() error { return srv.Serve(l) }, func(sctx context.Context) error {
		err := srv.Shutdown(sctx)
		l.Close() // stop accepting even if Shutdown did not close it
		return err
	}, tr)
	if serverClosed(err) {
		return nil
	}
	return err
}

// DialUnix connects to the Unix stream socket at path with d (nil means a
// zero net.Dialer). Errors are one-line *Error values naming the path; a
// socket file with no server behind it is "connection refused".
func DialUnix(ctx context.Context, d *net.Dialer, path string) (*net.UnixConn, error) {
	if path == "" {
		return nil, &Error{Phase: "connect unix", Class: ClassAddress, Err: errors.New("empty socket path")}
	}
	if d == nil {
		d = &net.Dialer{}
	}
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, Wrap("connect unix", path, err)
	}
	return c.(*net.UnixConn), nil
}
