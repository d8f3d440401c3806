//go:build !linux

package netns

import (
	"context"
	"net/netip"
	"time"
)

// Link is two namespaces joined by a delaying relay; on this system
// NewLink always fails.
type Link struct{ Client, Server *NS }

// The interface name and the addresses of a Link's two ends.
const LinkIface = "veth0"

var (
	ClientAddr = netip.MustParseAddr("10.0.0.1")
	ServerAddr = netip.MustParseAddr("10.0.0.2")
)

// NewLink returns ErrUnsupported.
func NewLink(ctx context.Context, label string, delay time.Duration) (*Link, error) {
	return nil, ErrUnsupported
}

// Close does nothing.
func (l *Link) Close() error { return nil }
