package toolbox_test

import (
	"fmt"

	"socketlab/core/toolbox"
)

// inet_aton is lenient; inet_pton is strict.
func ExampleInetAton() {
	for _, s := range []string{"192.0.2.1", "127.1", "0x7f.1", "010.0.0.1"} {
		b, _ := toolbox.InetAton(s)
		fmt.Printf("%-10s → %-11s % x\n", s, toolbox.InetNtoa(b), b)
	}
	_, err := toolbox.InetPton(toolbox.AFInet, "127.1")
	fmt.Println(err)
	// Output:
	// 192.0.2.1  → 192.0.2.1   c0 00 02 01
	// 127.1      → 127.0.0.1   7f 00 00 01
	// 0x7f.1     → 127.0.0.1   7f 00 00 01
	// 010.0.0.1  → 8.0.0.1     08 00 00 01
	// inet_pton(AF_INET, "127.1"): not a dotted-quad IPv4 address like 192.0.2.1
}

func ExampleInetPton() {
	b, _ := toolbox.InetPton(toolbox.AFInet6, "2001:db8::1")
	fmt.Println(toolbox.Hex(b))
	s, _ := toolbox.InetNtop(toolbox.AFInet6, b)
	fmt.Println(s)
	// Output:
	// 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
	// 2001:db8::1
}

// In network byte order the most significant byte comes first, whatever
// the host's own order.
func ExampleHtons() {
	fmt.Println(toolbox.Hex(toolbox.Mem16(toolbox.Htons(80))))
	fmt.Println(toolbox.Hex(toolbox.Mem32(toolbox.Htonl(0xc0000201))))
	fmt.Println(toolbox.Ntohs(toolbox.Htons(8080)))
	// Output:
	// 00 50
	// c0 00 02 01
	// 8080
}

func ExampleConnectTimeout() {
	fmt.Println(toolbox.ConnectTimeout(6)) // Linux's default tcp_syn_retries
	// Output: 2m7s
}
