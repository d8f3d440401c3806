package toolbox

import (
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// HasIPv6 answers the socket module's has_ipv6 at run time: can a TCP
// socket be bound to the IPv6 loopback [::1]? (Python's flag only says
// whether the interpreter was built with IPv6 support.) The error says why
// not.
func HasIPv6() (bool, error) {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false, err
	}
	l.Close()
	return true, nil
}

// Timeouts describes what limits a blocking connect when the program sets
// none. Python has a process-wide default (getdefaulttimeout(), None unless
// set); Go has none: every timeout belongs to a Dialer, a deadline or a
// context.
type Timeouts struct {
	// Dialer is net.Dialer{}.Timeout: zero, i.e. Go adds no limit.
	Dialer time.Duration
	// KeepAlive is the keep-alive probe interval a zero Dialer enables
	// (Go's default of 15 s, used when Dialer.KeepAlive is 0).
	KeepAlive time.Duration
	// SynRetries is Linux's net.ipv4.tcp_syn_retries, -1 if unknown.
	SynRetries int
	// Connect is how long the kernel keeps retrying an unanswered SYN with
	// an initial RTO of 1 s doubling each time: 2^(retries+1) - 1 seconds.
	// Zero if SynRetries is unknown.
	Connect time.Duration
}

// SynRetriesFile is where Linux keeps the SYN retry count.
const SynRetriesFile = "/proc/sys/net/ipv4/tcp_syn_retries"

// DefaultTimeouts reports the timeouts in force for a zero net.Dialer.
func DefaultTimeouts() Timeouts {
	var d net.Dialer
	t := Timeouts{Dialer: d.Timeout, KeepAlive: 15 * time.Second, SynRetries: -1}
	if b, err := os.ReadFile(SynRetriesFile); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n >= 0 && n < 32 {
			t.SynRetries = n
			t.Connect = ConnectTimeout(n)
		}
	}
	return t
}

// ConnectTimeout is how long an unanswered connect lasts with the given
// number of SYN retransmissions: the initial RTO is 1 s (RFC 6298 (2.1))
// and doubles after each (RFC 6298 (5.5)), and the last wait is as long
// as the next RTO would be, so 1+2+…+2^retries seconds.
func ConnectTimeout(retries int) time.Duration {
	return time.Duration(1<<(retries+1)-1) * time.Second
}
