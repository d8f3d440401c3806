package tcp

import (
	"slices"

	"socketlab/sim/trace"
)

// Selective acknowledgment, RFC 2018: the receiver's side.

// maxSACKBlocks is how many SACK blocks fit in the 40 bytes of TCP option
// space (RFC 2018 §3: 2 + 8·n bytes, plus NOP, NOP): 4, or 3 when the 12
// bytes of the timestamps option take room.
func (c *Conn) maxSACKBlocks() int {
	if c.tsOK {
		return 3
	}
	return 4
}

// oooSpan returns the out-of-order span holding seq.
func (c *Conn) oooSpan(seq Seq) (span, bool) {
	for _, sp := range c.ooo {
		if seq.InRange(sp.start, sp.end) {
			return sp, true
		}
	}
	return span{}, false
}

// noteOOO records that the segment starting at seq was just held out of
// order: the span holding it becomes the first block of the next ACK
// (RFC 2018 §4: "The first SACK block ... MUST specify the contiguous
// block of data containing the segment which triggered this ACK"), and
// the spans reported before it follow, most recent first.
func (c *Conn) noteOOO(seq Seq) {
	c.sackOrder = append(c.sackOrder, 0)
	copy(c.sackOrder[1:], c.sackOrder)
	c.sackOrder[0] = seq
}

// sackBlocks returns the SACK option of an ACK sent now (RFC 2018 §4):
// the spans held out of order, one block each, most recently reported
// first, so the first is the one that triggered the ACK — after a D-SACK
// block when a duplicate arrived. Every held span was reported when it
// began, so each has an anchor in sackOrder. Nil when there is nothing to
// report.
func (c *Conn) sackBlocks() []trace.SACKBlock {
	if len(c.ooo) == 0 {
		c.sackOrder = c.sackOrder[:0]
	}
	if len(c.ooo) == 0 && !c.dsackDue {
		return nil
	}
	limit := c.maxSACKBlocks()
	blocks := make([]trace.SACKBlock, 0, limit)
	block := func(sp span) trace.SACKBlock {
		if c.oooFin && c.oooFinSeq == sp.end {
			sp.end++ // a FIN held after the span is SACKed with it, as Linux does
		}
		return trace.SACKBlock{Left: uint32(sp.start), Right: uint32(sp.end)}
	}
	var holding span // the span holding a D-SACKed duplicate, already the second block
	if c.dsackDue {
		// RFC 2883 §4: the D-SACK block first, then the span holding the
		// duplicate if it lies above RCV.NXT ("the second SACK block in
		// that SACK option should specify that (possibly larger) block of
		// data"), which tells the sender that the first block is a D-SACK.
		c.dsackDue = false
		blocks = append(blocks, block(c.dsack))
		if sp, ok := c.oooSpan(c.dsack.start); ok {
			blocks = append(blocks, block(sp))
			holding = sp
		}
	}
	// One anchor per span, most recent first; anchors of spans delivered
	// in order are forgotten, so the list stays short.
	kept := c.sackOrder[:0]
	for _, seq := range c.sackOrder {
		sp, ok := c.oooSpan(seq)
		if !ok || slices.ContainsFunc(kept, func(k Seq) bool { return k.InRange(sp.start, sp.end) }) {
			continue
		}
		kept = append(kept, seq)
		if len(blocks) < limit && sp != holding {
			blocks = append(blocks, block(sp))
		}
	}
	c.sackOrder = kept
	return blocks
}

// noteDuplicate records that [a, b) arrived again: the next ACK reports
// it in its first block, a D-SACK (RFC 2883 §4), once. An empty range
// (a segment with no data) is no duplicate data.
func (c *Conn) noteDuplicate(a, b Seq) {
	if c.sackOK && a.LessThan(b) {
		c.dsack, c.dsackDue = span{a, b}, true
	}
}

// Selective acknowledgment: the sender's scoreboard (RFC 6675 §4,
// Update()).

// isDSACK reports whether the first block of an ACK's SACK option is a
// D-SACK (RFC 2883 §4): it lies below the cumulative ACK, or inside the
// second block. It tells of a duplicate the receiver got, not of data
// newly held.
func isDSACK(ack Seq, blocks []trace.SACKBlock) bool {
	first := blocks[0]
	if Seq(first.Left).LessThan(ack) {
		return true
	}
	if len(blocks) < 2 {
		return false
	}
	second := blocks[1]
	return Seq(first.Left).GreaterEq(Seq(second.Left)) && Seq(first.Right).LessEq(Seq(second.Right))
}

// updateScoreboard records the SACK blocks of an ACK (RFC 6675's Update())
// and returns how many octets they SACKed that were not SACKed before.
// Every block is clipped to what is outstanding: at or above SEG.ACK and
// below SND.MAX. So a D-SACK block never counts as newly SACKed data:
// below the ACK nothing of it is left, and inside the second block it
// adds nothing to it. It is counted (dsacks) as a sign of reordering or
// of a needless retransmission.
func (c *Conn) updateScoreboard(ack Seq, blocks []trace.SACKBlock) uint32 {
	before := c.sackedBytes()
	if isDSACK(ack, blocks) {
		c.dsacks++
	}
	for _, b := range blocks {
		left, right := maxSeq(Seq(b.Left), ack), minSeq(Seq(b.Right), c.sndMax)
		if left.LessThan(right) {
			c.scoreboard = insertSpan(c.scoreboard, left, right)
		}
	}
	return c.sackedBytes() - before
}

// pruneScoreboard forgets what SND.UNA has passed.
func (c *Conn) pruneScoreboard() {
	i := 0
	for i < len(c.scoreboard) && c.scoreboard[i].end.LessEq(c.sndUna) {
		i++
	}
	c.scoreboard = append(c.scoreboard[:0], c.scoreboard[i:]...)
	if len(c.scoreboard) > 0 {
		c.scoreboard[0].start = maxSeq(c.scoreboard[0].start, c.sndUna)
	}
}

// sackedBytes is the octets above SND.UNA the scoreboard holds as SACKed.
func (c *Conn) sackedBytes() uint32 {
	var n uint32
	for _, sp := range c.scoreboard {
		n += uint32(sp.end.Sub(sp.start))
	}
	return n
}
