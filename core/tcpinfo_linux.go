//go:build linux

package core

import (
	"math"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"socketlab/sim/trace"
)

// ReadTCPInfo returns the kernel's view of the TCP connection c
// (getsockopt TCP_INFO, plus the SIOCOUTQ ioctl for the bytes in flight):
//
//   - State: the kernel's TCP state by its RFC 9293 name. A socket whose
//     connection went on to TIME-WAIT or was reset reads CLOSED: Linux
//     hands TIME-WAIT to a separate, lighter object.
//   - SRTT, RTTVAR, RTO: the RFC 6298 estimates (microsecond precision).
//   - Cwnd, Ssthresh: in bytes, the kernel's segment counts times the
//     sender's MSS. Before the first loss ssthresh is "infinite", which
//     reads as math.MaxUint32.
//   - SndWnd: the peer's advertised receive window; RcvWnd: ours.
//   - InFlight: SND.NXT − SND.UNA, the bytes sent and not yet
//     acknowledged (a FIN counts as one).
//   - Retrans, BytesAcked, BytesReceived: segments retransmitted, bytes
//     the peer acknowledged and bytes received (the kernel counts a SYN
//     and a FIN as a byte each here, as in sequence space).
//
// Sequence numbers (ISS, IRS, SndUna, ...) are not in TCP_INFO and stay
// zero, as do Local and Remote. Off Linux ReadTCPInfo returns an error.
func ReadTCPInfo(c syscall.Conn) (trace.ConnState, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return trace.ConnState{}, err
	}
	return tcpInfo(rc)
}

// tcpInfo reads TCP_INFO through rc. RawConn.Control only holds a
// reference to the descriptor, so it works while another goroutine is
// blocked in a read or write on the same connection.
func tcpInfo(rc syscall.RawConn) (trace.ConnState, error) {
	var (
		ti   *unix.TCPInfo
		outq int
		ierr error
	)
	err := rc.Control(func(fd uintptr) {
		ti, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if ierr == nil {
			outq, _ = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ)
		}
	})
	if err == nil {
		err = ierr
	}
	if err != nil {
		return trace.ConnState{}, err
	}
	return connState(ti, outq), nil
}

// linuxStates maps the kernel's TCP states (include/net/tcp_states.h) to
// RFC 9293's.
var linuxStates = [...]trace.TCPState{
	unix.BPF_TCP_ESTABLISHED:  trace.StateEstablished,
	unix.BPF_TCP_SYN_SENT:     trace.StateSynSent,
	unix.BPF_TCP_SYN_RECV:     trace.StateSynReceived,
	unix.BPF_TCP_FIN_WAIT1:    trace.StateFinWait1,
	unix.BPF_TCP_FIN_WAIT2:    trace.StateFinWait2,
	unix.BPF_TCP_TIME_WAIT:    trace.StateTimeWait,
	unix.BPF_TCP_CLOSE:        trace.StateClosed,
	unix.BPF_TCP_CLOSE_WAIT:   trace.StateCloseWait,
	unix.BPF_TCP_LAST_ACK:     trace.StateLastAck,
	unix.BPF_TCP_LISTEN:       trace.StateListen,
	unix.BPF_TCP_CLOSING:      trace.StateClosing,
	unix.BPF_TCP_NEW_SYN_RECV: trace.StateSynReceived,
}

// linuxState maps a kernel TCP state; an unknown one is StateNone.
func linuxState(s uint8) trace.TCPState {
	if int(s) < len(linuxStates) {
		return linuxStates[s]
	}
	return trace.StateNone
}

// connState converts TCP_INFO and the send queue length outq.
func connState(ti *unix.TCPInfo, outq int) trace.ConnState {
	us := func(v uint32) time.Duration { return time.Duration(v) * time.Microsecond }
	bytes := func(segs uint32) uint32 {
		if segs >= math.MaxInt32 { // TCP_INFINITE_SSTHRESH
			return math.MaxUint32
		}
		return uint32(min(uint64(segs)*uint64(ti.Snd_mss), math.MaxUint32))
	}
	inFlight := 0
	if outq > int(ti.Notsent_bytes) {
		inFlight = outq - int(ti.Notsent_bytes)
	}
	return trace.ConnState{
		State:         linuxState(ti.State),
		SndWnd:        ti.Snd_wnd,
		RcvWnd:        ti.Rcv_wnd,
		Cwnd:          bytes(ti.Snd_cwnd),
		Ssthresh:      bytes(ti.Snd_ssthresh),
		SRTT:          us(ti.Rtt),
		RTTVAR:        us(ti.Rttvar),
		RTO:           us(ti.Rto),
		InFlight:      uint32(inFlight),
		Retrans:       ti.Total_retrans,
		BytesAcked:    ti.Bytes_acked,
		BytesReceived: ti.Bytes_received,
	}
}
