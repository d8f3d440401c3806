// Package toolbox is the socket module's attribute table from the textbook
// (Core Python Programming, ch. 2) in Go: byte-order conversions, the
// inet_aton / inet_pton address parsers and their inverses, socketpair,
// has_ipv6 and the default timeout. Name and service look-ups live in
// socketlab/core/lookup and socketlab/core/services.
package toolbox

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Htons converts a 16-bit value from host to network byte order: the
// result, stored in this machine's memory, has the bytes of x most
// significant first. On a big-endian host it returns x unchanged.
func Htons(x uint16) uint16 {
	return binary.NativeEndian.Uint16(binary.BigEndian.AppendUint16(nil, x))
}

// Ntohs converts a 16-bit value from network to host byte order; it is
// the same swap as Htons.
func Ntohs(x uint16) uint16 { return Htons(x) }

// Htonl converts a 32-bit value from host to network byte order.
func Htonl(x uint32) uint32 {
	return binary.NativeEndian.Uint32(binary.BigEndian.AppendUint32(nil, x))
}

// Ntohl converts a 32-bit value from network to host byte order.
func Ntohl(x uint32) uint32 { return Htonl(x) }

// HostOrder names this machine's byte order: "little-endian" or
// "big-endian".
func HostOrder() string {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return "little-endian"
	}
	return "big-endian"
}

// Mem16 returns x's bytes as this machine stores them in memory.
func Mem16(x uint16) []byte { return binary.NativeEndian.AppendUint16(nil, x) }

// Mem32 returns x's bytes as this machine stores them in memory.
func Mem32(x uint32) []byte { return binary.NativeEndian.AppendUint32(nil, x) }

// Hex formats bytes for a byte dump: "c0 00 02 01".
func Hex(b []byte) string {
	s := make([]string, len(b))
	for i, c := range b {
		s[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(s, " ")
}

// ParseHex reads packed bytes written in hex, as Hex prints them or in the
// usual other spellings: "c0000201", "c0 00 02 01", "c0:00:02:01",
// "0xc0000201", `\xc0\x00\x02\x01` (Python's bytes repr).
func ParseHex(s string) ([]byte, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(strings.TrimPrefix(t, "0x"), "0X")
	t = strings.NewReplacer(`\x`, "", " ", "", ":", "", "-", "", "\t", "").Replace(t)
	if t == "" {
		return nil, fmt.Errorf("no bytes in %q: write them in hex, e.g. c0000201", s)
	}
	b, err := hex.DecodeString(t)
	if err != nil {
		return nil, fmt.Errorf("%q is not hex bytes (want e.g. c0000201 or \"c0 00 02 01\")", s)
	}
	return b, nil
}
