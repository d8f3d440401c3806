package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"golang.org/x/net/bpf"
)

// MaxEndpoints is how many watched endpoints (ports on any address and
// address:port pairs together) one capture's kernel filter holds. A
// classic BPF program has at most 4096 instructions, and every endpoint
// costs up to 22 of them.
const MaxEndpoints = 128

// snapLen is what the filter asks the kernel to keep of an accepted frame:
// all of it (libpcap's MAXIMUM_SNAPLEN; a loopback frame with segmentation
// offload can be a whole 64 KiB super-segment).
const snapLen = 262144

// ethLen is the link-layer header length of Ethernet and of Linux's
// loopback device, which carries an all-zero Ethernet header.
const ethLen = 14

// maxInsns is the kernel's limit for a classic BPF program (BPF_MAXINSNS).
const maxInsns = 4096

// watchSet is the set of endpoints a capture keeps. An endpoint whose
// address is not valid matches its port on any address. Addresses are
// unmapped, so an IPv4-mapped IPv6 address watches the IPv4 packets a
// dual-stack socket really sends.
type watchSet []netip.AddrPort

// with returns the set plus eps, sorted and without duplicates; an
// address:port pair whose port is already watched on any address is
// dropped as redundant. The receiver is not modified.
func (s watchSet) with(eps ...netip.AddrPort) (watchSet, error) {
	out := slices.Clone(s)
	for _, ep := range eps {
		if ep.Port() == 0 {
			return nil, fmt.Errorf("capture: cannot watch port 0 (%v): a socket's port is known once it is bound", ep)
		}
		a := ep.Addr().Unmap()
		if a.IsUnspecified() {
			a = netip.Addr{}
		}
		out = append(out, netip.AddrPortFrom(a.WithZone(""), ep.Port()))
	}
	anyPort := map[uint16]bool{}
	for _, ep := range out {
		if !ep.Addr().IsValid() {
			anyPort[ep.Port()] = true
		}
	}
	out = slices.DeleteFunc(out, func(ep netip.AddrPort) bool {
		return ep.Addr().IsValid() && anyPort[ep.Port()]
	})
	slices.SortFunc(out, func(a, b netip.AddrPort) int { return a.Compare(b) })
	out = slices.Compact(out)
	if len(out) > MaxEndpoints {
		return nil, fmt.Errorf("capture: %d endpoints to watch; one capture's kernel filter holds at most %d", len(out), MaxEndpoints)
	}
	return out, nil
}

// The program stores both endpoints of the packet it looks at — the
// packet itself, or for an ICMP error the packet it quotes — in scratch
// memory, addresses as four 32-bit words (IPv4 as ::ffff:a.b.c.d), and
// then compares them with every watched endpoint.
const (
	mSrc     = 0 // M[0..3]: source address
	mSrcPort = 4
	mDst     = 5 // M[5..8]: destination address
	mDstPort = 9
)

// IPv4 and IPv6 header offsets and protocol numbers the filter uses.
const (
	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
	protoICMP     = 1
	protoTCP      = 6
	protoUDP      = 17
	protoICMPv6   = 58
)

// buildFilter compiles the kernel filter for frames with a link header of
// linkLen bytes carrying an EtherType at offset 12. It accepts:
//
//   - IPv4 and IPv6 TCP and UDP packets (IPv4: first fragments only, as
//     the ports are in them; IPv6: no extension headers) whose source or
//     destination is a watched endpoint;
//   - ICMP errors (IPv4 destination unreachable and time exceeded, ICMPv6
//     types 1 to 4) quoting such a packet, whoever sent them.
//
// Everything else, and everything when the set is empty, is rejected.
func buildFilter(linkLen uint32, set watchSet) ([]bpf.RawInstruction, error) {
	L := linkLen
	var a asm
	a.op(bpf.LoadAbsolute{Off: 12, Size: 2})
	a.jeq(etherTypeIPv4, "v4", "")
	a.jeq(etherTypeIPv6, "v6", "reject")

	// IPv4.
	a.label("v4")
	a.op(bpf.LoadAbsolute{Off: L + 9, Size: 1})
	a.jeq(protoTCP, "v4tp", "")
	a.jeq(protoUDP, "v4tp", "")
	a.jeq(protoICMP, "v4icmp", "reject")
	a.label("v4tp")
	a.op(bpf.LoadAbsolute{Off: L + 6, Size: 2})
	a.jset(0x1fff, "reject", "") // a later fragment has no ports
	a.mapped4(bpf.LoadAbsolute{Off: L + 12, Size: 4}, bpf.LoadAbsolute{Off: L + 16, Size: 4})
	a.op(bpf.LoadMemShift{Off: L})
	a.load(bpf.LoadIndirect{Off: L, Size: 2}, mSrcPort)
	a.load(bpf.LoadIndirect{Off: L + 2, Size: 2}, mDstPort)
	a.ja("match")

	a.label("v4icmp")
	a.op(bpf.LoadAbsolute{Off: L + 6, Size: 2})
	a.jset(0x1fff, "reject", "")
	a.op(bpf.LoadMemShift{Off: L})
	a.op(bpf.LoadIndirect{Off: L, Size: 1}) // ICMP type
	a.jeq(3, "v4quote", "")                 // destination unreachable
	a.jeq(11, "v4quote", "reject")          // time exceeded
	a.label("v4quote")
	q := L + 8 // the quoted IPv4 header, after the ICMP header
	a.op(bpf.LoadIndirect{Off: q + 9, Size: 1})
	a.jeq(protoTCP, "v4quoted", "")
	a.jeq(protoUDP, "v4quoted", "reject")
	a.label("v4quoted")
	a.mapped4(bpf.LoadIndirect{Off: q + 12, Size: 4}, bpf.LoadIndirect{Off: q + 16, Size: 4})
	// X = outer header length + quoted header length.
	a.op(bpf.LoadIndirect{Off: q, Size: 1})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2})
	a.op(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	a.op(bpf.TAX{})
	a.load(bpf.LoadIndirect{Off: q, Size: 2}, mSrcPort)
	a.load(bpf.LoadIndirect{Off: q + 2, Size: 2}, mDstPort)
	a.ja("match")

	// IPv6.
	a.label("v6")
	a.op(bpf.LoadAbsolute{Off: L + 6, Size: 1}) // next header
	a.jeq(protoTCP, "v6tp", "")
	a.jeq(protoUDP, "v6tp", "")
	a.jeq(protoICMPv6, "v6icmp", "reject")
	a.label("v6tp")
	a.ip6(L)
	a.ja("match")
	a.label("v6icmp")
	a.op(bpf.LoadAbsolute{Off: L + 40, Size: 1}) // ICMPv6 type: 1-4 are errors
	a.jgt(4, "reject", "")
	a.jeq(0, "reject", "")
	a.op(bpf.LoadAbsolute{Off: L + 48 + 6, Size: 1}) // the quoted header's next header
	a.jeq(protoTCP, "v6quoted", "")
	a.jeq(protoUDP, "v6quoted", "reject")
	// The kernel's check that scratch memory is written before it is read
	// scans the program in order and takes a ret to fall through: the
	// block after this one must start by writing all it reads, as
	// v6quoted does, and falls through to match.
	a.label("reject")
	a.ret(0)
	a.label("v6quoted")
	a.ip6(L + 48)

	a.label("match")
	for side, m := range [2]struct{ addr, port uint32 }{{mSrc, mSrcPort}, {mDst, mDstPort}} {
		for i, ep := range set {
			next := fmt.Sprintf("next%d.%d", side, i)
			a.op(bpf.LoadScratch{Dst: bpf.RegA, N: int(m.port)})
			a.jeq(uint32(ep.Port()), "", next)
			if ep.Addr().IsValid() {
				w := ep.Addr().As16()
				for k := range uint32(4) {
					a.op(bpf.LoadScratch{Dst: bpf.RegA, N: int(m.addr + k)})
					a.jeq(binary.BigEndian.Uint32(w[4*k:]), "", next)
				}
			}
			a.ret(snapLen)
			a.label(next)
		}
	}
	a.ret(0)
	return a.assemble()
}

// asm is a tiny classic-BPF assembler with symbolic jump targets. A
// conditional jump reaches at most 255 instructions ahead, so the program
// above keeps them short and uses ja (32 bits of offset) for far ones.
type asm struct {
	ins    []asmInsn
	labels map[string]int
}

type asmInsn struct {
	i      bpf.Instruction
	cond   bpf.JumpTest
	val    uint32
	jt, jf string // conditional jump targets; "" = the next instruction
	ja     string // unconditional jump target
}

func (a *asm) op(i bpf.Instruction) { a.ins = append(a.ins, asmInsn{i: i}) }

func (a *asm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.ins)
}

func (a *asm) jeq(v uint32, jt, jf string) {
	a.ins = append(a.ins, asmInsn{cond: bpf.JumpEqual, val: v, jt: jt, jf: jf})
}

func (a *asm) jgt(v uint32, jt, jf string) {
	a.ins = append(a.ins, asmInsn{cond: bpf.JumpGreaterThan, val: v, jt: jt, jf: jf})
}

func (a *asm) jset(v uint32, jt, jf string) {
	a.ins = append(a.ins, asmInsn{cond: bpf.JumpBitsSet, val: v, jt: jt, jf: jf})
}

func (a *asm) ja(target string) { a.ins = append(a.ins, asmInsn{ja: target}) }

func (a *asm) ret(n uint32) { a.op(bpf.RetConstant{Val: n}) }

// load loads with i and stores A in scratch slot m.
func (a *asm) load(i bpf.Instruction, m uint32) {
	a.op(i)
	a.op(bpf.StoreScratch{Src: bpf.RegA, N: int(m)})
}

// mapped4 stores two IPv4 addresses, loaded by src and dst, as
// IPv4-mapped IPv6 addresses in the address slots.
func (a *asm) mapped4(src, dst bpf.Instruction) {
	a.op(bpf.LoadConstant{Dst: bpf.RegA, Val: 0})
	for _, m := range []int{mSrc, mSrc + 1, mDst, mDst + 1} {
		a.op(bpf.StoreScratch{Src: bpf.RegA, N: m})
	}
	a.op(bpf.LoadConstant{Dst: bpf.RegA, Val: 0xffff})
	a.op(bpf.StoreScratch{Src: bpf.RegA, N: mSrc + 2})
	a.op(bpf.StoreScratch{Src: bpf.RegA, N: mDst + 2})
	a.load(src, mSrc+3)
	a.load(dst, mDst+3)
}

// ip6 stores the addresses and ports of the IPv6 header at absolute
// offset h, followed directly by TCP or UDP.
func (a *asm) ip6(h uint32) {
	for k := range uint32(4) {
		a.load(bpf.LoadAbsolute{Off: h + 8 + 4*k, Size: 4}, mSrc+k)
		a.load(bpf.LoadAbsolute{Off: h + 24 + 4*k, Size: 4}, mDst+k)
	}
	a.load(bpf.LoadAbsolute{Off: h + 40, Size: 2}, mSrcPort)
	a.load(bpf.LoadAbsolute{Off: h + 42, Size: 2}, mDstPort)
}

var errFilterTooLong = errors.New("capture: the kernel filter would exceed 4096 instructions")

// assemble resolves the labels and encodes the program.
func (a *asm) assemble() ([]bpf.RawInstruction, error) {
	if len(a.ins) > maxInsns {
		return nil, errFilterTooLong
	}
	target := func(i int, name string) (uint32, error) {
		if name == "" {
			return 0, nil
		}
		t, ok := a.labels[name]
		if !ok || t <= i {
			return 0, fmt.Errorf("capture: filter: bad jump target %q at %d", name, i)
		}
		return uint32(t - i - 1), nil
	}
	prog := make([]bpf.Instruction, len(a.ins))
	for i, in := range a.ins {
		switch {
		case in.i != nil:
			prog[i] = in.i
		case in.ja != "":
			skip, err := target(i, in.ja)
			if err != nil {
				return nil, err
			}
			prog[i] = bpf.Jump{Skip: skip}
		default:
			jt, err := target(i, in.jt)
			if err != nil {
				return nil, err
			}
			jf, err := target(i, in.jf)
			if err != nil {
				return nil, err
			}
			if jt > 255 || jf > 255 {
				return nil, fmt.Errorf("capture: filter: conditional jump of %d/%d instructions at %d", jt, jf, i)
			}
			prog[i] = bpf.JumpIf{Cond: in.cond, Val: in.val, SkipTrue: uint8(jt), SkipFalse: uint8(jf)}
		}
	}
	return bpf.Assemble(prog)
}
