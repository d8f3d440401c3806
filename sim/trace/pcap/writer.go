package pcap

import (
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"socketlab/sim/trace"
)

// KeepFinished is how many packets a Writer remembers after they were
// delivered or dropped, for the ICMP errors that quote one.
const KeepFinished = 256

// Writer is Write one event at a time, for a trace that is never held
// whole: it is a trace.Sink that writes a frame for every packet's first
// Send as the event comes. Err returns the first error.
//
// Write remembers every packet of the trace, for an ICMP error that quotes
// one without carrying its bytes; a Writer remembers the packets in flight
// and the last KeepFinished that were delivered or dropped, so its memory
// follows the packets in flight, not the length of the trace. An ICMP
// error that quotes a packet it has forgotten is written as Write writes
// one whose packet is not in the trace (from its quoted bytes, or an
// error when it has none), and a packet it has forgotten that is sent
// again is a frame again. A Writer is not safe for concurrent use.
type Writer struct {
	pw     *pcapgo.Writer
	buf    gopacket.SerializeBuffer
	known  map[uint64]trace.Packet // the latest copy of every packet remembered
	state  map[uint64]packetState
	done   []finished // ring of the last KeepFinished finishes, oldest at next
	next   int
	seq    uint64 // finishes so far
	events int
	err    error
}

type packetState struct {
	framed bool
	done   uint64 // the finish's seq while the packet is finished; 0 while it lives
}

type finished struct {
	id, seq uint64
}

// NewWriter writes the file header of a pcap file (Ethernet link type,
// nanosecond timestamps) to w and returns the writer for the events.
func NewWriter(w io.Writer) (*Writer, error) {
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(SnapLen, layers.LinkTypeEthernet); err != nil {
		return nil, fmt.Errorf("pcap: %w", err)
	}
	return &Writer{pw: pw, buf: gopacket.NewSerializeBuffer(),
		known: map[uint64]trace.Packet{}, state: map[uint64]packetState{}}, nil
}

// Emit writes e's frame when it is a packet's first Send, and remembers
// what a later ICMP error may quote. After an error it does nothing.
func (w *Writer) Emit(e *trace.Event) {
	w.events++
	if w.err != nil {
		return
	}
	switch e.Kind {
	case trace.KindSend, trace.KindDeliver, trace.KindDrop, trace.KindEnqueue:
	default:
		return
	}
	p := e.Packet
	w.known[p.ID] = p
	st := w.state[p.ID]
	if e.Kind == trace.KindDeliver || e.Kind == trace.KindDrop {
		w.finish(p.ID, st)
		return
	}
	st.done = 0
	if e.Kind != trace.KindSend || st.framed || p.Orig != 0 {
		w.state[p.ID] = st
		return
	}
	st.framed = true
	w.state[p.ID] = st
	if err := Frame(w.buf, e, w.known); err != nil {
		w.err = fmt.Errorf("pcap: event %d (packet #%d at %v): %w", w.events, p.ID, e.At, err)
		return
	}
	data := w.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: Epoch.Add(e.At), CaptureLength: len(data), Length: len(data)}
	if err := w.pw.WritePacket(ci, data); err != nil {
		w.err = fmt.Errorf("pcap: %w", err)
	}
}

// finish notes that packet id arrived somewhere or was lost, and forgets
// the packet finished KeepFinished finishes ago unless it lives again (a
// router forwards what it was delivered).
func (w *Writer) finish(id uint64, st packetState) {
	w.seq++
	st.done = w.seq
	w.state[id] = st
	f := finished{id, w.seq}
	if len(w.done) < KeepFinished {
		w.done = append(w.done, f)
		return
	}
	old := w.done[w.next]
	if s, ok := w.state[old.id]; ok && s.done == old.seq {
		delete(w.state, old.id)
		delete(w.known, old.id)
	}
	w.done[w.next] = f
	w.next = (w.next + 1) % KeepFinished
}

// Err returns the first error of an Emit.
func (w *Writer) Err() error { return w.err }
