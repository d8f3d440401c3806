package toolbox

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestByteOrder(t *testing.T) {
	little := HostOrder() == "little-endian"
	if little != (binary.NativeEndian.Uint16([]byte{0x12, 0x34}) == 0x3412) {
		t.Fatalf("HostOrder() = %s disagrees with encoding/binary", HostOrder())
	}
	for _, x := range []uint16{0, 1, 80, 0x1234, 0xffff} {
		// Whatever the host, htons(x) stored in memory is x big-endian.
		if got, want := Mem16(Htons(x)), binary.BigEndian.AppendUint16(nil, x); !bytes.Equal(got, want) {
			t.Errorf("memory of htons(%#x) = % x, want % x", x, got, want)
		}
		if Ntohs(Htons(x)) != x {
			t.Errorf("ntohs(htons(%#x)) != %#x", x, x)
		}
	}
	for _, x := range []uint32{0, 80, 0xc0000201, 0xffffffff} {
		if got, want := Mem32(Htonl(x)), binary.BigEndian.AppendUint32(nil, x); !bytes.Equal(got, want) {
			t.Errorf("memory of htonl(%#x) = % x, want % x", x, got, want)
		}
		if Ntohl(Htonl(x)) != x {
			t.Errorf("ntohl(htonl(%#x)) != %#x", x, x)
		}
	}
	if little && (Htons(80) != 0x5000 || Htonl(80) != 0x50000000) {
		t.Errorf("on a little-endian host htons(80) = %#x, htonl(80) = %#x", Htons(80), Htonl(80))
	}
}

func TestHexRoundTrip(t *testing.T) {
	want := []byte{0xc0, 0x00, 0x02, 0x01}
	if Hex(want) != "c0 00 02 01" {
		t.Errorf("Hex = %q", Hex(want))
	}
	for _, in := range []string{"c0000201", "c0 00 02 01", "C0:00:02:01", "0xc0000201", `\xc0\x00\x02\x01`, " c0-00-02-01 "} {
		if got, err := ParseHex(in); err != nil || !bytes.Equal(got, want) {
			t.Errorf("ParseHex(%q) = % x, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0x", "c00", "zz", "c0 0"} {
		if _, err := ParseHex(in); err == nil {
			t.Errorf("ParseHex(%q) succeeded", in)
		}
	}
}

func TestInetAton(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"127.1", "127.0.0.1"},      // a.b: b fills three bytes
		{"10.1.258", "10.1.1.2"},    // a.b.c: c fills two bytes
		{"3221225985", "192.0.2.1"}, // one number: all four bytes
		{"0xc0.0.2.1", "192.0.2.1"}, // hex part
		{"0XC0000201", "192.0.2.1"}, // upper-case hex
		{"010.0.0.1", "8.0.0.1"},    // a leading zero means octal
		{"0", "0.0.0.0"},
		{"255.255.255.255", "255.255.255.255"},
		{"1.2.3.4 trailing junk", "1.2.3.4"}, // the C function stops at white space
	} {
		b, err := InetAton(c.in)
		if err != nil || InetNtoa(b) != c.want {
			t.Errorf("InetAton(%q) = %v, %v; want %s", c.in, InetNtoa(b), err, c.want)
		}
	}
	for _, c := range []struct{ in, err string }{
		{"", `inet_aton(""): empty address`},
		{"1.2.3.4.5", `inet_aton("1.2.3.4.5"): more than four parts`},
		{"1..2", `inet_aton("1..2"): part 2 "": empty`},
		{"256.0.0.1", `inet_aton("256.0.0.1"): part 1 is 256, more than 255`},
		{"1.2.3.256", `inet_aton("1.2.3.256"): last part 256 does not fit in 1 bytes`},
		{"1.16777216", `inet_aton("1.16777216"): last part 16777216 does not fit in 3 bytes`},
		{"4294967296", `inet_aton("4294967296"): part 1 "4294967296": more than 32 bits`},
		{"09.1.1.1", `inet_aton("09.1.1.1"): part 1 "09": '9' is not an octal digit (a leading 0 means octal)`},
		{"0x.1", `inet_aton("0x.1"): part 1 "0x": no hex digits after 0x`},
		{"1.2.3.-4", `inet_aton("1.2.3.-4"): part 4 "-4": '-' is not a digit`},
		{" 1.2.3.4", `inet_aton(" 1.2.3.4"): empty address`},
	} {
		_, err := InetAton(c.in)
		if err == nil || err.Error() != c.err {
			t.Errorf("InetAton(%q) error = %v, want %q", c.in, err, c.err)
		}
	}
}

func TestInetPton(t *testing.T) {
	for _, c := range []struct {
		f    Family
		in   string
		want string
	}{
		{AFInet, "192.0.2.1", "c0 00 02 01"},
		{AFInet6, "2001:db8::1", "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"},
		{AFInet6, "::1", "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"},
		{AFInet6, "::ffff:192.0.2.1", "00 00 00 00 00 00 00 00 00 00 ff ff c0 00 02 01"},
	} {
		b, err := InetPton(c.f, c.in)
		if err != nil || Hex(b) != c.want {
			t.Errorf("InetPton(%v, %q) = %s, %v; want %s", c.f, c.in, Hex(b), err, c.want)
		}
		back, err := InetNtop(c.f, b)
		if err != nil || back != c.in {
			t.Errorf("InetNtop(%v, %s) = %q, %v; want %q", c.f, Hex(b), back, err, c.in)
		}
	}
	for _, c := range []struct {
		f       Family
		in, err string
	}{
		{AFInet, "127.1", `inet_pton(AF_INET, "127.1"): not a dotted-quad IPv4 address like 192.0.2.1`},
		{AFInet, "010.0.0.1", `inet_pton(AF_INET, "010.0.0.1"): not a dotted-quad IPv4 address like 192.0.2.1`},
		{AFInet, "::1", `inet_pton(AF_INET, "::1"): that is an IPv6 address; use AF_INET6`},
		{AFInet6, "192.0.2.1", `inet_pton(AF_INET6, "192.0.2.1"): that is an IPv4 address; use AF_INET, or write ::ffff:192.0.2.1`},
		{AFInet6, "fe80::1%eth0", `inet_pton(AF_INET6, "fe80::1%eth0"): a zone (%eth0) is not part of the address`},
		{AFInet6, "2001:db8:::1", `inet_pton(AF_INET6, "2001:db8:::1"): not an IPv6 address like 2001:db8::1`},
		{Family(9), "::1", `inet_pton: unknown address family Family(9)`},
	} {
		_, err := InetPton(c.f, c.in)
		if err == nil || err.Error() != c.err {
			t.Errorf("InetPton(%v, %q) error = %v, want %q", c.f, c.in, err, c.err)
		}
	}
	if _, err := InetNtop(AFInet6, []byte{1, 2, 3, 4}); err == nil || err.Error() != "inet_ntop(AF_INET6): got 4 bytes, want 16" {
		t.Errorf("InetNtop with 4 bytes for AF_INET6: %v", err)
	}
}

func TestParseFamily(t *testing.T) {
	for in, want := range map[string]Family{"AF_INET": AFInet, "inet": AFInet, "4": AFInet, "AF_INET6": AFInet6, "ipv6": AFInet6} {
		if f, err := ParseFamily(in); err != nil || f != want {
			t.Errorf("ParseFamily(%q) = %v, %v", in, f, err)
		}
	}
	if _, err := ParseFamily("AF_UNIX"); err == nil || err.Error() != `unknown address family "AF_UNIX": use AF_INET or AF_INET6` {
		t.Errorf("ParseFamily(AF_UNIX) error = %v", err)
	}
}

func TestSocketPair(t *testing.T) {
	a, b, err := SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	deadline := time.Now().Add(5 * time.Second)
	a.SetDeadline(deadline)
	b.SetDeadline(deadline)
	if _, err := a.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(b, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("b read %q, %v", buf, err)
	}
	if _, err := b.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(a, buf); err != nil || string(buf) != "pong" {
		t.Fatalf("a read %q, %v", buf, err)
	}
	// Closing one end is end-of-file for the other.
	a.Close()
	if n, err := b.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("after close: %d, %v; want EOF", n, err)
	}
}

func TestHasIPv6(t *testing.T) {
	ok, err := HasIPv6()
	if ok != (err == nil) {
		t.Errorf("HasIPv6() = %v, %v", ok, err)
	}
}

func TestConnectTimeout(t *testing.T) {
	for retries, want := range map[int]time.Duration{0: time.Second, 1: 3 * time.Second, 5: 63 * time.Second, 6: 127 * time.Second} {
		if got := ConnectTimeout(retries); got != want {
			t.Errorf("ConnectTimeout(%d) = %v, want %v", retries, got, want)
		}
	}
	d := DefaultTimeouts()
	if d.Dialer != 0 || d.KeepAlive != 15*time.Second {
		t.Errorf("DefaultTimeouts() = %+v", d)
	}
	if d.SynRetries >= 0 && d.Connect != ConnectTimeout(d.SynRetries) {
		t.Errorf("DefaultTimeouts() = %+v", d)
	}
}

// FuzzInetAton checks the lenient parser against the strict one: whatever
// inet_pton accepts, inet_aton accepts with the same bytes; and whatever
// inet_aton accepts prints as a dotted quad that inet_pton reads back.
func FuzzInetAton(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "127.1", "0x7f.1", "010.0.0.1", "4294967295", "4294967296", "1.2.3.4 x",
		"", ".", "1.", "0x", "09", "1.2.3.4.5", "255.255.255.256", "00000000000000000000001", "\x00", "1\t2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := InetAton(s)
		if p, perr := InetPton(AFInet, s); perr == nil {
			if err != nil || !bytes.Equal(p, b[:]) {
				t.Fatalf("inet_pton(%q) = % x but inet_aton = % x, %v", s, p, b, err)
			}
		}
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		text := InetNtoa(b)
		p, perr := InetPton(AFInet, text)
		if perr != nil || !bytes.Equal(p, b[:]) {
			t.Fatalf("inet_ntoa gave %q which inet_pton reads as % x, %v", text, p, perr)
		}
	})
}

// FuzzInetPton checks that every accepted address round-trips through
// inet_ntop to the same bytes, and that the family decides the length.
func FuzzInetPton(f *testing.F) {
	for _, s := range []string{"::", "::1", "2001:db8::1", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4",
		"fe80::1%eth0", "1.2.3.4", "01.2.3.4", ":::", "1::2::3", "[::1]", "0:0:0:0:0:0:0:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fam := range []Family{AFInet, AFInet6} {
			b, err := InetPton(fam, s)
			if err != nil {
				continue
			}
			if len(b) != fam.Size() {
				t.Fatalf("inet_pton(%v, %q) gave %d bytes", fam, s, len(b))
			}
			text, err := InetNtop(fam, b)
			if err != nil {
				t.Fatal(err)
			}
			again, err := InetPton(fam, text)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("%q → % x → %q → % x, %v", s, b, text, again, err)
			}
			if a := netip.MustParseAddr(text); a.Zone() != "" {
				t.Fatalf("inet_ntop produced a zone: %q", text)
			}
		}
	})
}

func FuzzParseHex(f *testing.F) {
	for _, s := range []string{"c0000201", "c0 00 02 01", "0x", `\xc0`, "zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseHex(s)
		if err != nil {
			return
		}
		again, err := ParseHex(Hex(b))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%q → % x → %q → % x, %v", s, b, Hex(b), again, err)
		}
	})
}

func BenchmarkInetAton(b *testing.B) {
	for b.Loop() {
		if _, err := InetAton("192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInetPton6(b *testing.B) {
	for b.Loop() {
		if _, err := InetPton(AFInet6, "2001:db8::1"); err != nil {
			b.Fatal(err)
		}
	}
}
