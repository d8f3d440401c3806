package trace

import "unicode/utf8"

// PreviewLen is how many bytes of data an application event's Text
// shows.
const PreviewLen = 64

// Preview is the Text of an application event that moves data (a write,
// a read, a datagram), the same for every source: the data when it is
// printable UTF-8 (line breaks and tabs allowed), cut at a character
// boundary within PreviewLen bytes with "…" after the cut; "" for binary
// data (the event's N still says how much).
func Preview(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	n := min(len(b), PreviewLen)
	for n > 0 && n < len(b) && !utf8.RuneStart(b[n]) {
		n--
	}
	for _, c := range b[:n] {
		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f {
			return ""
		}
	}
	if !utf8.Valid(b[:n]) {
		return ""
	}
	if n < len(b) {
		return string(b[:n]) + "…"
	}
	return string(b)
}
