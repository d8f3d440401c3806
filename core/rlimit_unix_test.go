//go:build unix

package core

import (
	"syscall"
	"testing"
)

// floodSize is how many connections the flood case opens: 2,000, unless
// the process may not have that many descriptors open. Go raises the soft
// RLIMIT_NOFILE to the hard one at start-up; raising it here again covers
// a test binary run some other way. Each connection costs the test one
// descriptor, plus headroom for the server's and the runtime's own.
func floodSize(t *testing.T) int {
	t.Helper()
	const want, headroom = 2000, 200
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Logf("getrlimit: %v; flooding with %d connections regardless", err, want)
		return want
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			lim = raised
		}
	}
	if lim.Cur >= want+headroom {
		return want
	}
	n := max(int(lim.Cur)-headroom, 100)
	t.Logf("RLIMIT_NOFILE is %d (hard %d): flooding with %d connections instead of %d", lim.Cur, lim.Max, n, want)
	return n
}
