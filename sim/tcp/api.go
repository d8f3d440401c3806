// Package tcp is a TCP endpoint as a pure state machine (sans-I/O), after
// RFC 9293 with the congestion and timer algorithms of RFC 5681, RFC 6582
// (NewReno) and RFC 6298, and CUBIC (RFC 9438) as an option.
//
// A Conn has no clock, no goroutines and no sockets. Its owner (the
// simulator's host) passes time in explicitly: arriving segments go to
// Handle, expired timers fire in Poll, NextTimeout says when Poll is next
// due, and every segment the connection wants to send comes out through
// Config.Transmit, in order. Notices (established, readable, reset, ...) come
// out through Config.Notify. The same inputs at the same virtual times always
// produce the same outputs, which is what makes the simulator replayable.
//
// What the model implements:
//   - all eleven states of RFC 9293 §3.3.2, simultaneous open and close,
//     half-close (CloseWrite), TIME-WAIT for 2·MSL (re-ACKing a retransmitted
//     FIN and restarting the timer);
//   - MSS option on SYN (the smaller of both sides is used; 536 octets for
//     IPv4 and 1220 for IPv6 when the peer sends none, RFC 9293 §3.7.1);
//   - cumulative ACKs, receive window and flow control with sender and
//     receiver silly-window-syndrome avoidance (§3.8.6.2; the sender's
//     override timeout is the persist timer, as §3.8.6.2.1 suggests), zero
//     window and the persist timer with backed-off probes (§3.8.6.1);
//   - retransmission timeout per RFC 6298 (SRTT, RTTVAR, Karn's algorithm,
//     exponential back-off, configurable minimum and maximum, the RTO
//     re-initialised to 3 s after a SYN timeout, §5.7), go-back-N after a
//     timeout;
//   - slow start, congestion avoidance, fast retransmit and fast recovery
//     (RFC 5681) with NewReno partial-ACK handling (RFC 6582) and limited
//     transmit (RFC 3042); after a lost SYN or SYN,ACK the initial window
//     is one segment (RFC 5681 §3.1); after more than an RTO without
//     sending, cwnd restarts from min(IW, cwnd) (RFC 5681 §4.1);
//   - optional delayed ACKs (§3.8.6.3: ACK at least every second full
//     segment, out-of-order data and FINs are ACKed at once);
//   - out-of-order segments held and reassembled, duplicates ACKed but never
//     delivered twice;
//   - RST processing of §3.10.7 including the RFC 5961 challenge ACK that
//     RFC 9293 adopts for an in-window RST or SYN whose sequence is not
//     RCV.NXT; Close with unread data resets (RFC 1122 §4.2.2.13).
//
// Two details follow 4.4BSD and Linux rather than the letter of RFC 9293,
// because the letter can make two endpoints exchange ACKs for ever after
// heavy loss: an empty segment exactly at the right edge of the receive
// window is acceptable, and a bare ACK carries the highest sequence number
// sent so far (not the rewound SND.NXT of a go-back-N retransmission).
// A FIN needs one octet of the peer's window, like data; a zero window holds
// it back and the persist timer probes with it. And an ACK advertising a
// zero window is never a duplicate ACK, although RFC 5681 §2's condition
// (e) would count identical ones: it says the receiver has no room, not
// that a segment is missing, and fast retransmit cannot send into a zero
// window anyway.
//
// Optional (Config.WindowScale, Config.Timestamps), RFC 7323:
//   - window scaling (§2), in effect only when both SYNs carry the option;
//     a shift above 14 is used as 14; the window of a SYN is never scaled;
//     the advertised right edge never moves left when the window is
//     rounded down to the scale (§2.4);
//   - timestamps (§3) with the TS.Recent and Last.ACK.sent echo rules
//     (§4.3), RTTM (§4.1): every ACK that advances SND.UNA gives an RTT
//     sample from its TSecr, folded in with RFC 6298's gains divided by
//     the samples expected per RTT (§4.2 and Appendix G). Karn's
//     algorithm exists because an ACK of a retransmitted segment cannot
//     say which transmission it answers; a TSecr can, so with timestamps
//     retransmitted segments are measured too (and their timeouts still
//     back off the RTO until that sample arrives);
//   - PAWS (§5.3 R1–R3), including TS.Recent going stale after 24 days
//     idle (§5.5); a non-RST segment without timestamps after they were
//     negotiated is dropped silently (§3.2 SHOULD; Linux accepts it).
//
// Optional (Config.SACK), RFC 2018: selective acknowledgment, in effect
// only when both SYNs carry SACK-permitted (§2). The receiver adds SACK
// blocks to every ACK while it holds out-of-order data (§4): the first
// block is the span holding the segment that triggered the ACK, the
// others repeat the most recently reported spans; at most 4 blocks, 3
// beside timestamps (40 bytes of options). A FIN held right after a span
// is in its block, as Linux counts it. A duplicate segment is
// reported once, in a first D-SACK block (RFC 2883 §4), followed by the
// out-of-order span holding it if it lies above RCV.NXT. The sender keeps
// a scoreboard of the SACKed spans above SND.UNA (RFC 6675's Update());
// a D-SACK, recognised by lying below the ACK or inside the second
// block, SACKs nothing new.
//
// With SACK in effect, loss recovery is RFC 6675's instead of NewReno's
// (recovery.go): a duplicate ACK is one that SACKs new data (even if it
// also moves SND.UNA); IsLost() holds for an un-SACKed octet with
// DupThresh = 3 SACKed spans above it or more than 2·SMSS SACKed octets
// above it; recovery starts at the third duplicate or as soon as the
// octet at SND.UNA IsLost(), sets RecoveryPoint to the highest octet sent,
// ssthresh = cwnd = max(FlightSize/2, 2·SMSS) (RFC 5681 (4)) and
// retransmits the first segment; before that, new data goes out as
// cwnd − pipe allows (§5 step 3, limited transmit). In recovery cwnd is
// neither inflated nor deflated: every ACK updates the scoreboard and,
// while cwnd − pipe ≥ SMSS, NextSeg() rules 1–4 pick what to send (a lost
// hole above HighRxt, new data, any hole below the highest SACK, one
// rescue retransmission of the last un-SACKed segment per recovery); an
// ACK beyond RecoveryPoint ends it. On a retransmission timeout (§5.1)
// recovery ends and RecoveryPoint becomes the highest octet sent (no new
// recovery before it is ACKed); the scoreboard is kept (RFC 2018 §8 would
// clear it, RFC 6675 §5.1 allows both): go-back-N resends only what is
// not SACKed, and SACKed octets do not count against cwnd. A second
// timeout of the same segment clears the scoreboard, in case the
// receiver reneged. Snapshot carries the SACKed octets (Sacked) and,
// during a SACK-based recovery, pipe (Pipe).
//
// Optional (Config.RACK, with SACK in effect), RFC 8985 RACK-TLP
// (rack.go). RACK replaces RFC 6675's DupThresh and IsLost(): every
// segment's latest transmission time is kept; each ACK that delivers
// segments (cumulatively or by SACK) takes RACK.rtt from the most recently
// sent of them (not from a retransmission whose ACK may answer the
// original: TSecr older than it, or an RTT below min_RTT) and marks lost
// every segment sent before it more than RACK.rtt + reo_wnd ago; the
// reordering timer ("rack-reorder") waits for the others. reo_wnd is
// min_RTT/4 (min_RTT over the connection's life), at most SRTT, times a
// multiplier that each D-SACK round raises and 16 recoveries without one
// reset; it is 0 before any reordering was seen once DupThresh segments
// are SACKed, in recovery or after a timeout. A loss starts RFC 6675
// recovery, whose NextSeg() then sends the segments marked lost (a
// retransmission may be marked lost again), then new data, with pipe the
// segments neither delivered nor marked lost; on a small RTT one SACK
// above a hole is enough, as with Linux on loopback.
//
// The tail loss probe (§7): after new data leaves or new data is ACKed, while nothing is
// SACKed, no recovery or timeout is under way and no probe is out, the PTO
// (timer "tlp") is 2·SRTT, plus WCDelAckT = 200 ms when one segment is in
// flight (plus Linux's two jiffies, 8 ms, for a larger flight with
// Config.LinuxRTO), 1 s before an RTT sample, and never later than the RTO.
// The probe is a new segment if there is one and the peer's window allows
// it, else the last segment again; cwnd is neither consulted nor changed,
// and the RTO restarts from the probe, so a lost probe is repaired one RTO
// later. Not modelled: the congestion response of §7.4 once a probe turns
// out to have repaired a loss.
//
// Optional (Config.Congestion = CongestionCUBIC), RFC 9438 CUBIC makes
// Reno's two decisions instead (cc.go, cubic.go); slow start, fast
// recovery (NewReno, or RFC 6675 with SACK) and the timeout's loss
// window stay Reno's:
//   - at a loss (fast retransmit, or a segment's first timeout) ssthresh
//     = 0.7·FlightSize, at least 2·SMSS (§4.6: from the octets in flight;
//     Linux takes cwnd), and W_max = cwnd, or 0.85·cwnd below the last
//     W_max (fast convergence, §4.7);
//   - in congestion avoidance, with t from the stage's first ACK (the
//     model's now) and RTT = SRTT: W_cubic(t) = C·(t−K)³ + W_max, C = 0.4,
//     K = ∛((W_max − cwnd_epoch)/C); each ACK adds (target − cwnd)/cwnd
//     segments with target = W_cubic(t+RTT) kept within [cwnd, 1.5·cwnd]
//     (§4.2, §4.4, §4.5), unless W_cubic(t) is below the Reno estimate
//     W_est, which grows by α_cubic = 9/17 segments per RTT and by 1 once
//     it reaches the window the loss cut: then cwnd = W_est (§4.3);
//   - after a timeout, and in a first stage that no loss preceded,
//     K = 0 and W_max = cwnd_epoch (§4.8, §4.10); a restart after idle
//     begins a new stage, so t never counts the idle time (§5.8).
//
// cwnd stays in octets (an ACK's increase below one octet is lost), and the
// float arithmetic avoids fused multiply-adds, so runs replay identically
// on every architecture. Not modelled for CUBIC: HyStart++ (RFC 9406; slow
// start is RFC 5681's), undoing spurious reductions (§4.9), ECN, holding
// cwnd while application-limited other than after idle (§5.8, RFC 7661),
// and Linux's own arithmetic (β = 717/1024, a per-jiffy clock).
//
// Two profiles (profile.go) name sets of these settings: ProfileRFC is the
// textbook above with RFC defaults; ProfileLinux is what Linux 6.x does —
// IW10, window scaling, timestamps, SACK and CUBIC, a 200 ms minimum RTO
// with Linux's RTO formula (Config.LinuxRTO), linear SYN timeouts, a 40 ms delayed ACK
// with quick-ACK and ping-pong modes (Config.QuickAck), held while the
// receive buffer fills (Config.ShrinkDelaysAck), PSH every half window
// and at the end of every GSO packet (Config.ForcedPush, Config.GSOPush),
// empty zero-window probes at SND.UNA−1, TIME-WAIT of 60 s.
//
// Not modelled: urgent data, keep-alive,
// Nagle's algorithm (every Write is sent as if TCP_NODELAY were set), the
// FIN-WAIT-2 timeout of orphaned sockets, data on a SYN without ACK (not
// ACKed, so the peer sends it again; data on a SYN,ACK is accepted) and
// reopening a connection from TIME-WAIT.
package tcp

import (
	"net/netip"
	"strconv"
	"time"

	"socketlab/sim/trace"
)

// Segment is a TCP segment as this model sees it: the header fields that
// matter plus the payload. Ports and addresses belong to the host.
type Segment struct {
	Seq, Ack Seq
	Flags    trace.TCPFlags
	Window   uint16
	MSS      uint16 // MSS option on a SYN; 0 = absent
	// RFC 7323 and RFC 2018 options as trace.Packet carries them: Opts
	// says which are present.
	Opts         trace.TCPOpts
	WScale       uint8  // window scale shift, on a SYN (OptWScale)
	TSval, TSecr uint32 // timestamps (OptTimestamps)
	// SACK holds the blocks of a SACK option (RFC 2018 §3), at most 4
	// (3 beside timestamps); nil when the segment carries none. Like
	// Payload it is never modified once handed over.
	SACK []trace.SACKBlock
	// Payload is never modified after the segment is handed to Transmit (or
	// to Handle): the simulator keeps it in packets and traces, and a Conn
	// hands out sub-slices of its send buffer without copying.
	Payload []byte
}

// Len is the sequence space the segment occupies: its payload plus one for
// SYN and one for FIN (RFC 9293 §3.4, SEG.LEN).
func (s Segment) Len() int {
	n := len(s.Payload)
	if s.Flags&trace.FlagSYN != 0 {
		n++
	}
	if s.Flags&trace.FlagFIN != 0 {
		n++
	}
	return n
}

// String formats the segment the way RFC 9293 draws them:
// "<SEQ=100><ACK=301><CTL=SYN,ACK><WND=65535><MSS=1460><LEN=0>", with
// "<WS=7>", "<SACK_PERM>", "<TSval=5,TSecr=3>" and "<SACK=1206-2206,...>"
// (the blocks' left and right edges) after the MSS when present.
func (s Segment) String() string {
	b := make([]byte, 0, 80)
	b = append(b, "<SEQ="...)
	b = strconv.AppendUint(b, uint64(s.Seq), 10)
	if s.Flags&trace.FlagACK != 0 {
		b = append(b, "><ACK="...)
		b = strconv.AppendUint(b, uint64(s.Ack), 10)
	}
	b = append(b, "><CTL="...)
	b = append(b, s.Flags.String()...)
	b = append(b, "><WND="...)
	b = strconv.AppendUint(b, uint64(s.Window), 10)
	if s.MSS != 0 {
		b = append(b, "><MSS="...)
		b = strconv.AppendUint(b, uint64(s.MSS), 10)
	}
	if s.Opts&trace.OptWScale != 0 {
		b = append(b, "><WS="...)
		b = strconv.AppendUint(b, uint64(s.WScale), 10)
	}
	if s.Opts&trace.OptSACKPerm != 0 {
		b = append(b, "><SACK_PERM"...)
	}
	if s.Opts&trace.OptTimestamps != 0 {
		b = append(b, "><TSval="...)
		b = strconv.AppendUint(b, uint64(s.TSval), 10)
		b = append(b, ",TSecr="...)
		b = strconv.AppendUint(b, uint64(s.TSecr), 10)
	}
	for i, k := range s.SACK {
		if i == 0 {
			b = append(b, "><SACK="...)
		} else {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(k.Left), 10)
		b = append(b, '-')
		b = strconv.AppendUint(b, uint64(k.Right), 10)
	}
	b = append(b, "><LEN="...)
	b = strconv.AppendInt(b, int64(len(s.Payload)), 10)
	b = append(b, '>')
	return string(b)
}

// ResetFor returns the reset a host sends in answer to segment s when no
// connection exists for it (RFC 9293 §3.10.7.1, state CLOSED): if s carries
// an ACK the reset is <SEQ=SEG.ACK><CTL=RST>, otherwise it is
// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. An incoming reset is never
// answered: ResetFor returns false for it.
func ResetFor(s Segment) (Segment, bool) {
	if s.Flags&trace.FlagRST != 0 {
		return Segment{}, false
	}
	if s.Flags&trace.FlagACK != 0 {
		return Segment{Seq: s.Ack, Flags: trace.FlagRST}, true
	}
	return Segment{Ack: s.Seq.Add(s.Len()), Flags: trace.FlagRST | trace.FlagACK}, true
}

// Notice is something a Conn tells its owner through Config.Notify.
type Notice uint8

// Notices, in the order they can happen in a connection's life.
const (
	NoticeNone        Notice = iota
	NoticeEstablished        // the handshake completed (ESTABLISHED reached)
	NoticeReadable           // new in-order data can be Read
	NoticeWritable           // an ACK freed send-buffer space (SendSpace grew)
	NoticeEOF                // the peer's FIN arrived in order: after the buffered data, Read returns 0 for good
	NoticeReset              // the peer reset the connection (or refused it)
	NoticeTimeout            // retransmissions exhausted Config.MaxRetries: the connection gave up
	NoticeClosed             // the connection reached CLOSED; the owner may forget it
	noticeCount
)

var noticeNames = [noticeCount]string{
	"none", "established", "readable", "writable", "eof", "reset", "timeout", "closed",
}

// String returns the notice's short name.
func (n Notice) String() string {
	if n < noticeCount {
		return noticeNames[n]
	}
	return "notice(" + strconv.Itoa(int(n)) + ")"
}

// Config describes one connection. The zero value of every numeric field
// means its default.
type Config struct {
	Local, Remote netip.AddrPort // for trace events only (and the IPv6 default MSS)
	Node          string         // trace Node name of the owning host
	ISS           Seq            // initial send sequence number (the simulator draws it from its seed)

	MSS    int // our maximum segment size, sent as the SYN's MSS option; default 1460
	RcvBuf int // receive buffer = largest advertised window, ≤ 65535 without window scaling (≤ 65535<<WScaleShift with it); default 65535
	SndBuf int // send buffer; Write accepts at most its free space; default 65535

	// RFC 6298 timer parameters. Defaults: InitialRTO 1 s (§2.1), MinRTO 1 s
	// (§2.4; Linux uses 200 ms, set it here to compare), MaxRTO 60 s (§2.5:
	// "a maximum value MAY be placed on RTO provided it is at least 60
	// seconds").
	InitialRTO, MinRTO, MaxRTO time.Duration

	// LinuxRTO computes the RTO as Linux does, SRTT + max(4·RTTVAR,
	// MinRTO), instead of RFC 6298's max(SRTT + max(G, 4·RTTVAR), MinRTO):
	// the floor applies to the variance term, so a path with an RTT of
	// 50 ms gets an RTO of 250 ms or more, not 200 ms.
	LinuxRTO bool

	// MaxRetries is how many consecutive retransmission timeouts of the same
	// segment (the SYN has its own MaxSynRetries) the connection survives;
	// one more and it gives up: NoticeTimeout, then CLOSED and NoticeClosed.
	// Like Linux it sends no RST when giving up (the peer is presumed
	// unreachable). Default 15 (Linux tcp_retries2). Zero-window probes
	// never count (RFC 1122 §4.2.2.17: the connection stays open while the
	// peer answers them).
	MaxRetries int

	// MaxSynRetries is the same for our SYN (or SYN,ACK): how many of its
	// retransmissions time out before the open gives up. RFC 9293 §3.8.3:
	// "R2 for a SYN segment MUST be set large enough to provide
	// retransmission of the segment for at least 3 minutes". Default 7:
	// with the default RTOs the SYN goes out at 0, 1, 3, 7, 15, 31, 63 and
	// 123 s and the open gives up at 183 s. (Linux's tcp_syn_retries is 6,
	// 127 s with its 120 s maximum RTO: below the RFC's 3 minutes.)
	MaxSynRetries int

	// SynLinearTimeouts is how many of our SYN's first timeouts (active
	// open only) do not back off the RTO: Linux's tcp_syn_linear_timeouts,
	// 4 since Linux 6.5: the timeouts are counted before the check, so a
	// lost SYN is sent again at 1, 2, 3, 4 and 5 s, then at 7 s. Zero backs
	// off every time (RFC 6298 §5.5).
	SynLinearTimeouts int

	// DelayedAck is the delayed-ACK timeout (RFC 9293 §3.8.6.3: under 0.5 s,
	// and at least every second full-sized segment is ACKed at once). Zero
	// ACKs every segment immediately. Values above 500 ms are clamped.
	DelayedAck time.Duration

	// QuickAck replaces RFC 9293's delayed-ACK rule with Linux's: the
	// first data of a connection (and data after a gap longer than the
	// RTO) starts quick-ACK mode, in which the next rcv_wnd/(2·rcv_mss)
	// ACKs (2 when that is 0, at most 16; rcv_mss is the largest segment
	// seen, starting at 536) go out at once; otherwise an ACK waits up to
	// DelayedAck unless more than one full segment is unacknowledged.
	// Ping-pong mode — entered when we send data within DelayedAck of
	// receiving some (a reply), or when the peer's FIN arrives in
	// ESTABLISHED, and left when the delayed-ACK timer fires — turns quick
	// ACKs off, so the ACK of a request or of a FIN rides on the reply or
	// on our own FIN. Linux's adaptive ACK timeout (ato) is modelled as
	// the constant DelayedAck. Needs DelayedAck.
	QuickAck bool

	// ShrinkDelaysAck adds to QuickAck the receive-buffer rules of
	// Linux's __tcp_ack_snd_check and __tcp_select_window: while less
	// than half the receive buffer is free, quick-ACK mode ends whenever
	// the window is worked out, and more than one full segment is ACKed
	// at once only if the window offered now is no smaller than the last
	// one advertised — a receiver whose buffer fills (the window would
	// shrink) ACKs after DelayedAck. And a duplicate segment does not
	// force an ACK but enters quick-ACK mode (tcp_data_queue), so while
	// the buffer fills it is reported, as a D-SACK, on that delayed ACK.
	// Needs QuickAck.
	ShrinkDelaysAck bool

	// MSL is the maximum segment lifetime; TIME-WAIT lasts 2·MSL. Default
	// 2 minutes, the RFC 9293 §3.4.2 value (Linux waits 60 s in total).
	MSL time.Duration

	// InitialCwnd is the initial congestion window in bytes; 0 means the
	// RFC 5681 §3.1 initial window (2, 3 or 4 segments depending on SMSS).
	// After a lost SYN or SYN,ACK it is one segment whatever this says
	// (RFC 5681 §3.1 MUST); restart after idle (§4.1) goes back to it.
	InitialCwnd int
	// InitialSegments, when InitialCwnd is 0, is the initial window in
	// segments of the effective send MSS (10 for Linux's IW10, RFC 6928)
	// instead of RFC 5681's 2 to 4.
	InitialSegments int

	// WindowScale offers the window scale option (RFC 7323 §2) on our SYN,
	// with shift WScaleShift (0 to 14; more is 14). Scaling is in effect
	// only if the peer's SYN carries the option too ("both sides MUST send
	// Window Scale options in their <SYN> segments to enable window
	// scaling", §2.2): then windows we advertise are RCV.WND >> WScaleShift
	// and the peer's are SEG.WND << its shift, except in SYNs, which are
	// never scaled. Without it RcvBuf may be at most 65535. Off by default,
	// the textbook RFC 9293 profile.
	WindowScale bool
	WScaleShift int

	// Timestamps offers the timestamps option (RFC 7323 §3) on our SYN. If
	// the peer's SYN carries it too, every segment (a RST too) carries TSval
	// (a clock of 1 ms ticks: virtual time plus a per-connection offset,
	// the ISS) and TSecr (TS.Recent, the echo rules of §4.3); RTT samples
	// come from the TSecr of every ACK of new data (§4.1), retransmissions
	// included; PAWS (§5.3) drops segments whose TSval is older than
	// TS.Recent; and the MSS available for data is 12 bytes smaller (the
	// option's room). Off by default.
	Timestamps bool

	// EmptyWindowProbes sends zero-window probes as Linux does: an empty
	// ACK at SND.UNA−1 (an old sequence number, which makes the receiver
	// answer with its current window, RFC 9293 §3.10.7.4; tshark calls it
	// a keep-alive) instead of RFC 9293 §3.8.6.1's one octet of new data.
	EmptyWindowProbes bool

	// SACK offers the SACK-permitted option (RFC 2018 §2) on our SYN.
	// Selective acknowledgment is in effect only if the peer's SYN carries
	// it too: then every ACK we send while out-of-order data is held
	// carries SACK blocks (§4). Off by default.
	SACK bool

	// RACK enables RACK-TLP (RFC 8985) on a connection that negotiated
	// SACK: time-based loss detection and the tail loss probe. Without
	// SACK in effect it does nothing. Off by default.
	RACK bool

	// Congestion is the congestion control algorithm: CongestionReno (the
	// zero value, RFC 5681) or CongestionCUBIC (RFC 9438).
	Congestion Congestion

	// ResetWithAck makes Abort (and Close with unread data) send
	// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>, as Linux does, instead of
	// RFC 9293 §3.10.5's <SEQ=SND.NXT><CTL=RST>.
	ResetWithAck bool

	// OOWRateLimit, if positive, is the least time between two ACKs
	// answering unacceptable segments without data (Linux's
	// tcp_invalid_ratelimit, 500 ms, against ACK loops, RFC 5961 §7):
	// RFC 9293 answers every one. A zero-window probe at SND.UNA−1 is such
	// a segment, so Linux leaves some probes unanswered.
	OOWRateLimit time.Duration

	// ForcedPush sets PSH, besides on the segment that empties the send
	// queue, on a segment that ends more than half the peer's largest
	// window after the last one that carried it (Linux's forced_push).
	ForcedPush bool

	// GSOPush sets PSH, besides, on the last segment of every GSO packet
	// of two or more segments, as Linux 6.18 does (measured): Linux sends
	// new data in packets of tcp_tso_autosize segments — what the pacing
	// rate (2·cwnd/SRTT in slow start, 1.2·cwnd/SRTT after) sends in
	// 2^-10 s, plus 64 KiB >> (min RTT / 512 µs), at least 2, at most
	// 64 KiB and half the peer's largest window — which the device cuts
	// into segments. On a path with an RTT of 20 ms that is 2: a bulk
	// write goes out with PSH on every second segment; on loopback the
	// packet is as large as the window allows and only the last segment
	// of a write carries PSH. Retransmissions are single segments.
	GSOPush bool

	// Transmit is called for every segment the connection sends, in order
	// (already during Dial and Accept). It must not modify s.Payload, which
	// may share its array with later segments, and must not call back into
	// the Conn.
	Transmit func(now time.Duration, s Segment)
	// Notify reports notices; may be nil. It must not call back into the Conn.
	Notify func(now time.Duration, n Notice)
	// Trace receives KindState, KindConnStat and KindTimerSet/Cancel/Fire
	// events whose Conn field is Snapshot(); may be nil.
	Trace trace.Sink
}

// Defaults used when a Config field is zero.
const (
	DefaultMSS           = 1460
	DefaultRcvBuf        = 65535
	DefaultSndBuf        = 65535
	DefaultInitialRTO    = time.Second      // RFC 6298 §2.1
	DefaultMinRTO        = time.Second      // RFC 6298 §2.4
	DefaultMaxRTO        = 60 * time.Second // RFC 6298 §2.5
	DefaultMaxRetries    = 15               // Linux net.ipv4.tcp_retries2
	DefaultMaxSynRetries = 7                // RFC 9293 §3.8.3: at least 3 minutes
	DefaultMSL           = 2 * time.Minute  // RFC 9293 §3.4.2
	maxDelayedAck        = 500 * time.Millisecond
)
