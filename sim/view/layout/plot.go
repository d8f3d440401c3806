package layout

import (
	"time"

	"socketlab/sim/trace"
)

// SeqPoint is one mark of the time–sequence plot.
type SeqPoint struct {
	T       time.Duration
	Seq     int64 // relative sequence (or ack, or limit) number
	Len     int   // sequence space the segment occupies
	Retrans bool
	Dropped bool
	Flight  int // the flight, -1 for limit points
}

// SeqSeries is a Stevens-style time–sequence graph of one host's sending:
// each data segment at its send time and relative sequence number, the
// ACKs it received, and the send limit SND.UNA + cwnd, which shows the
// congestion window opening and collapsing.
type SeqSeries struct {
	Sends  []SeqPoint
	Acks   []SeqPoint // at arrival time, Seq = relative ack number
	Limit  []SeqPoint // SND.UNA + cwnd after each change, relative
	MaxSeq int64
}

// SeqPlot returns node's time–sequence series.
func (m *Model) SeqPlot(node int) SeqSeries {
	var s SeqSeries
	if node < 0 || node >= len(m.Nodes) {
		return s
	}
	for i := range m.Flights {
		f := &m.Flights[i]
		p := m.Packet(i)
		if p.Proto != trace.ProtoTCP || f.Dup {
			continue
		}
		if f.From == node && p.SegLen() > 0 && p.Flags&trace.FlagSYN == 0 {
			rel := int64(m.RelSeq(p))
			s.Sends = append(s.Sends, SeqPoint{T: f.Start, Seq: rel, Len: int(p.SegLen()), Retrans: f.Retrans, Dropped: f.Dropped, Flight: i})
			s.MaxSeq = max(s.MaxSeq, rel+int64(p.SegLen()))
		}
		if f.To == node && !f.Dropped && f.EndEv >= 0 && p.Flags.Has(trace.FlagACK) && p.Flags&trace.FlagSYN == 0 {
			s.Acks = append(s.Acks, SeqPoint{T: f.End, Seq: int64(m.RelAck(p)), Flight: i})
		}
	}
	for _, ci := range m.nodeConns[node] {
		for _, ev := range m.conns[ci].evs {
			e := m.Event(int(ev))
			c := &e.Conn
			if c.Cwnd == 0 || c.State < trace.StateEstablished {
				continue
			}
			lim := int64(c.SndUna-c.ISS) + int64(c.Cwnd)
			s.Limit = append(s.Limit, SeqPoint{T: e.At, Seq: lim, Flight: -1})
		}
	}
	return s
}

// UDPStats counts what node did with UDP up to t: datagrams it sent,
// datagrams delivered to it, and of those it sent, how many were lost on
// the way (a drop of any of their hops) — what a UDP host's panel shows
// instead of TCP's variables, since UDP keeps no state of its own. A copy
// a link made counts as received: the application gets it twice.
type UDPStats struct {
	Sent, Received, Lost int
}

// UDPStats returns node's UDP counts up to t.
func (m *Model) UDPStats(node int, t time.Duration) UDPStats {
	var s UDPStats
	sent := map[uint64]bool{}
	_, hi := m.FlightsBetween(0, t)
	for i := 0; i < hi; i++ {
		f := &m.Flights[i]
		p := m.Packet(i)
		if p.Proto != trace.ProtoUDP {
			continue
		}
		if f.From == node && !f.Dup && !sent[f.ID] && f.Start <= t {
			sent[f.ID] = true
			s.Sent++
		}
		if f.To == node && !f.Dropped && f.EndEv >= 0 && f.End <= t {
			s.Received++
		}
	}
	for i := 0; i < hi; i++ {
		if f := &m.Flights[i]; f.Dropped && f.End <= t && sent[f.ID] {
			s.Lost++
			sent[f.ID] = false // one loss per datagram
		}
	}
	return s
}
