package core

import (
	"context"
	"net"
)

// EchoBufSize is the textbook UDP echo server's recvfrom(8192).
const EchoBufSize = 8192

// UDPEchoServer is the textbook's UDP echo server (udpechoserver.py): it
// sends every datagram back to where it came from and traces the client's
// address. A datagram longer than BufSize is cut to BufSize bytes, as
// recvfrom(8192) does, and a failure with one datagram is traced and the
// server keeps serving — the textbook's try/except around the loop body.
//
// The zero value is ready to use; concurrency and shutdown are as for
// UDPTimestampServer.
type UDPEchoServer struct {
	// BufSize is the most bytes of a datagram that are read and echoed (0
	// means EchoBufSize).
	BufSize int
	// Trace, if on, receives the server's events as for
	// UDPTimestampServer; a ServerLog with Echo set renders them as the
	// echo server's log ("got 5 bytes from 127.0.0.1:40000").
	Trace Tracer

	srv packetServer
}

// ServePacket echoes datagrams on pc until Shutdown or Close, then returns
// ErrServerClosed; it closes pc when it returns.
func (s *UDPEchoServer) ServePacket(pc net.PacketConn) error {
	size := s.BufSize
	if size <= 0 {
		size = EchoBufSize
	}
	buf := make([]byte, size+1)
	return s.srv.serve(pc, s.Trace, buf, func(n int, from net.Addr, ct *ConnTracer) []byte {
		n = s.srv.received(ct, buf, n, size, from)
		return buf[:n]
	})
}

// ListenAndServe listens on addr (network "udp", "udp4" or "udp6"), notes
// the bound address on Trace and serves until ctx is done, then shuts
// down and returns nil. After Shutdown or Close it returns ErrServerClosed.
func (s *UDPEchoServer) ListenAndServe(ctx context.Context, network, addr string) error {
	return listenAndServePacket(ctx, network, addr, "udp echo server", s.Trace, s.ServePacket, s.Shutdown)
}

// Shutdown stops the server after the datagram it is echoing, if any; see
// UDPTimestampServer.Shutdown.
func (s *UDPEchoServer) Shutdown(ctx context.Context) error { return s.srv.shutdown(ctx) }

// Close closes the server's sockets immediately.
func (s *UDPEchoServer) Close() error { return s.srv.close() }
