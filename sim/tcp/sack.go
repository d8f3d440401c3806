package tcp

import "socketlab/sim/trace"

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
// first, so the first is the one that triggered the ACK. Every held span
// was reported when it began, so each has an anchor in sackOrder. Nil
// when nothing is held out of order.
func (c *Conn) sackBlocks() []trace.SACKBlock {
	if len(c.ooo) == 0 {
		c.sackOrder = c.sackOrder[:0]
		return nil
	}
	limit := c.maxSACKBlocks()
	blocks := make([]trace.SACKBlock, 0, limit)
	has := func(sp span) bool {
		for _, b := range blocks {
			if b.Left == uint32(sp.start) {
				return true
			}
		}
		return false
	}
	// Forget the anchors of spans that were delivered in order (or that
	// another anchor already names), so the list stays short.
	kept := c.sackOrder[:0]
	for _, seq := range c.sackOrder {
		sp, ok := c.oooSpan(seq)
		if !ok || has(sp) {
			continue
		}
		kept = append(kept, seq)
		if len(blocks) < limit {
			blocks = append(blocks, trace.SACKBlock{Left: uint32(sp.start), Right: uint32(sp.end)})
		}
	}
	c.sackOrder = kept
	return blocks
}
