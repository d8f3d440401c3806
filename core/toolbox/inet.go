package toolbox

import (
	"fmt"
	"net/netip"
	"strings"
)

// Family is an address family of inet_pton and inet_ntop.
type Family int

// The families inet_pton and inet_ntop accept.
const (
	AFInet  Family = 4 // AF_INET: 4-byte IPv4 addresses
	AFInet6 Family = 6 // AF_INET6: 16-byte IPv6 addresses
)

// String returns the socket module's name, "AF_INET" or "AF_INET6".
func (f Family) String() string {
	switch f {
	case AFInet:
		return "AF_INET"
	case AFInet6:
		return "AF_INET6"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// Size is the length of a packed address of the family.
func (f Family) Size() int {
	if f == AFInet6 {
		return 16
	}
	return 4
}

// ParseFamily accepts "AF_INET", "inet", "4", "ipv4" and the IPv6
// equivalents, in any case.
func ParseFamily(s string) (Family, error) {
	switch strings.ToLower(s) {
	case "af_inet", "inet", "4", "ipv4", "ip4":
		return AFInet, nil
	case "af_inet6", "inet6", "6", "ipv6", "ip6":
		return AFInet6, nil
	}
	return 0, fmt.Errorf("unknown address family %q: use AF_INET or AF_INET6", s)
}

// InetPton is inet_pton: the strict parser. AF_INET takes exactly four
// decimal numbers 0–255 without leading zeros ("192.0.2.1"); AF_INET6
// takes the RFC 4291 text forms, including "::" and a trailing dotted
// IPv4 part, but no zone ("%eth0"). The result is the packed address in
// network byte order.
func InetPton(f Family, s string) ([]byte, error) {
	a, err := netip.ParseAddr(s)
	switch {
	case f != AFInet && f != AFInet6:
		return nil, fmt.Errorf("inet_pton: unknown address family %v", f)
	case err != nil && f == AFInet:
		return nil, fmt.Errorf("inet_pton(AF_INET, %q): not a dotted-quad IPv4 address like 192.0.2.1", s)
	case err != nil:
		return nil, fmt.Errorf("inet_pton(AF_INET6, %q): not an IPv6 address like 2001:db8::1", s)
	case a.Zone() != "":
		return nil, fmt.Errorf("inet_pton(%v, %q): a zone (%%%s) is not part of the address", f, s, a.Zone())
	case f == AFInet && !a.Is4():
		return nil, fmt.Errorf("inet_pton(AF_INET, %q): that is an IPv6 address; use AF_INET6", s)
	case f == AFInet6 && a.Is4():
		return nil, fmt.Errorf("inet_pton(AF_INET6, %q): that is an IPv4 address; use AF_INET, or write ::ffff:%s", s, s)
	}
	return a.AsSlice(), nil
}

// InetNtop is inet_ntop: the text form of a packed address, which must be
// 4 bytes for AF_INET and 16 for AF_INET6. IPv6 is written as RFC 5952
// recommends (lower case, the longest run of zeros as "::").
func InetNtop(f Family, b []byte) (string, error) {
	if f != AFInet && f != AFInet6 {
		return "", fmt.Errorf("inet_ntop: unknown address family %v", f)
	}
	if len(b) != f.Size() {
		return "", fmt.Errorf("inet_ntop(%v): got %d bytes, want %d", f, len(b), f.Size())
	}
	a, _ := netip.AddrFromSlice(b)
	return a.String(), nil
}

// InetAton is the C library's inet_aton, the lenient IPv4 parser that
// inet_pton replaced. It takes one to four parts separated by dots; each
// is decimal, octal with a leading 0, or hex with 0x. The last part fills
// all the remaining bytes, so "127.1" is 127.0.0.1 and "3221225985" is
// 192.0.2.1; "010.0.0.1" is 8.0.0.1. Like the C function it stops at the
// first white space and ignores what follows.
func InetAton(s string) ([4]byte, error) {
	var out [4]byte
	bad := func(why string) ([4]byte, error) {
		return [4]byte{}, fmt.Errorf("inet_aton(%q): %s", s, why)
	}
	text := s
	if i := strings.IndexAny(text, " \t\n\v\f\r"); i >= 0 {
		text = text[:i]
	}
	if text == "" {
		return bad("empty address")
	}
	parts := strings.Split(text, ".")
	if len(parts) > 4 {
		return bad("more than four parts")
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, err := atonPart(p)
		if err != "" {
			return bad(fmt.Sprintf("part %d %q: %s", i+1, p, err))
		}
		vals[i] = v
	}
	last := len(vals) - 1
	for i := range last {
		if vals[i] > 0xff {
			return bad(fmt.Sprintf("part %d is %d, more than 255", i+1, vals[i]))
		}
		out[i] = byte(vals[i])
	}
	// The last part fills bytes last..3.
	if limit := uint64(1)<<(8*(4-last)) - 1; vals[last] > limit {
		return bad(fmt.Sprintf("last part %d does not fit in %d bytes", vals[last], 4-last))
	}
	for i := 3; i >= last; i-- {
		out[i] = byte(vals[last])
		vals[last] >>= 8
	}
	return out, nil
}

// atonPart parses one number of InetAton, returning why it is not one.
func atonPart(p string) (uint64, string) {
	base, digits := uint64(10), p
	switch {
	case p == "":
		return 0, "empty"
	case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
		base, digits = 16, p[2:]
		if digits == "" {
			return 0, "no hex digits after 0x"
		}
	case p[0] == '0':
		base = 8
	}
	var v uint64
	for _, c := range []byte(digits) {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, fmt.Sprintf("%q is not a digit", c)
		}
		if d >= base {
			return 0, fmt.Sprintf("%q is not an octal digit (a leading 0 means octal)", c)
		}
		v = v*base + d
		if v > 0xffffffff {
			return 0, "more than 32 bits"
		}
	}
	return v, ""
}

// InetNtoa is inet_ntoa: the dotted-quad text of a packed IPv4 address.
func InetNtoa(b [4]byte) string { return netip.AddrFrom4(b).String() }
