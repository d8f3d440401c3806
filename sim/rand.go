package sim

import (
	"math/bits"
	"math/rand/v2"
	"net/netip"
)

// Random streams. A what-if must change only what it causes, so no draw may
// depend on how many draws something unrelated made. Every random quantity
// therefore comes from its own stream, named by what it is for:
//
//   - each link direction has one stream per impairment (jitter, reorder,
//     loss, duplicate), and every packet that starts on the wire takes
//     exactly one value from each of the four, whatever its fate and
//     whether or not that impairment is switched on: the nth packet sent on
//     a direction always gets the nth values, a scripted drop included;
//   - each TCP connection's initial sequence numbers come from a stream
//     named by its host and its two ends; the nth incarnation of the same
//     four-tuple takes the nth value.
//
// A stream is a PCG generator seeded by a hash of Scenario.Seed and the
// stream's name, so streams are independent of one another and of the
// order in which things happen elsewhere in the network.

// Purposes of a link direction's streams, in the order they are drawn.
const (
	drawJitter = iota
	drawReorder
	drawLoss
	drawDuplicate
	numDraws
)

var drawNames = [numDraws]string{"jitter", "reorder", "loss", "duplicate"}

// nameHash folds the parts of a stream's name into 64 bits (FNV-1a; a zero
// byte ends each part, so ("ab", "c") and ("a", "bc") differ).
type nameHash uint64

func newNameHash() nameHash { return 14695981039346656037 }

func (h nameHash) bytes(b []byte) nameHash {
	for _, c := range b {
		h = (h ^ nameHash(c)) * 1099511628211
	}
	return h * 1099511628211 // the zero byte
}

func (h nameHash) str(s string) nameHash {
	for i := 0; i < len(s); i++ {
		h = (h ^ nameHash(s[i])) * 1099511628211
	}
	return h * 1099511628211 // the zero byte
}

func (h nameHash) addrPort(ap netip.AddrPort) nameHash {
	a := ap.Addr().As16()
	p := ap.Port()
	return h.bytes(a[:]).bytes([]byte{byte(p >> 8), byte(p)})
}

// mix64 is SplitMix64's finalizer: it spreads every input bit over the
// output, so seeds 1 and 2 give unrelated streams.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newStream returns the PCG stream named h under seed.
func newStream(seed uint64, h nameHash) rand.PCG {
	return *rand.NewPCG(mix64(seed^uint64(h)), mix64(uint64(h)+0x9e3779b97f4a7c15))
}

// linkStreams returns the four impairment streams of one link direction.
func linkStreams(seed uint64, link, dir string) [numDraws]rand.PCG {
	var out [numDraws]rand.PCG
	h := newNameHash().str("link").str(link).str(dir)
	for i, n := range drawNames {
		out[i] = newStream(seed, h.str(n))
	}
	return out
}

// unit maps a draw to [0, 1) with 53 random bits.
func unit(u uint64) float64 { return float64(u>>11) * 0x1p-53 }

// below maps a draw to [0, n) (n > 0) by a 128-bit multiply: one draw,
// always, unlike rejection sampling.
func below(u uint64, n int64) int64 {
	hi, _ := bits.Mul64(u, uint64(n))
	return int64(hi)
}

// isnFor returns the initial sequence number of the next connection host
// opens (or accepts) between local and remote: the nth incarnation of that
// four-tuple takes the nth value of its own stream.
func (s *Sim) isnFor(host string, local, remote netip.AddrPort) uint32 {
	k := flowKey{local, remote}
	n := s.incarnations[k]
	s.incarnations[k] = n + 1
	pcg := newStream(s.sc.Seed, newNameHash().str("isn").str(host).addrPort(local).addrPort(remote))
	for range n {
		pcg.Uint64()
	}
	return uint32(pcg.Uint64() >> 32)
}
