package tcp

// Seq is a TCP sequence number. Arithmetic wraps modulo 2^32 and comparisons
// are only meaningful between numbers less than 2^31 apart (RFC 9293 §3.4:
// "the comparison operators must be interpreted modulo 2**32"), exactly like
// gVisor's seqnum.Value: a < b is int32(a-b) < 0.
type Seq uint32

// Add returns s advanced by n octets (n may be negative).
func (s Seq) Add(n int) Seq { return s + Seq(int32(n)) }

// Sub returns the signed distance s - o. It is positive when s is after o.
func (s Seq) Sub(o Seq) int32 { return int32(s - o) }

// LessThan reports whether s comes strictly before o.
func (s Seq) LessThan(o Seq) bool { return int32(s-o) < 0 }

// LessEq reports whether s comes before o or equals it.
func (s Seq) LessEq(o Seq) bool { return int32(s-o) <= 0 }

// GreaterThan reports whether s comes strictly after o.
func (s Seq) GreaterThan(o Seq) bool { return int32(s-o) > 0 }

// GreaterEq reports whether s comes after o or equals it.
func (s Seq) GreaterEq(o Seq) bool { return int32(s-o) >= 0 }

// InWindow reports whether start <= s < start+size. An empty window holds
// nothing.
func (s Seq) InWindow(start Seq, size uint32) bool {
	return uint32(s-start) < size
}

// InRange reports whether a <= s < b (a half-open range of sequence space).
func (s Seq) InRange(a, b Seq) bool { return uint32(s-a) < uint32(b-a) }

// maxSeq returns the later of a and b.
func maxSeq(a, b Seq) Seq {
	if a.LessThan(b) {
		return b
	}
	return a
}

// minSeq returns the earlier of a and b.
func minSeq(a, b Seq) Seq {
	if a.LessThan(b) {
		return a
	}
	return b
}
