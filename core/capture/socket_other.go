//go:build !linux

package capture

import (
	"context"
	"net/netip"
)

// Capture is a running packet capture. On this system there is none:
// Start always fails with ErrUnsupported.
type Capture struct{}

// Start returns ErrUnsupported: packet capture is implemented for Linux
// only.
func Start(ctx context.Context, cfg Config) (*Capture, error) { return nil, ErrUnsupported }

// AddPorts returns ErrClosed.
func (c *Capture) AddPorts(ports ...uint16) error { return ErrClosed }

// AddEndpoints returns ErrClosed.
func (c *Capture) AddEndpoints(eps ...netip.AddrPort) error { return ErrClosed }

// Stats returns zeros.
func (c *Capture) Stats() (packets, dropped uint64) { return 0, 0 }

// Close returns nil.
func (c *Capture) Close() error { return nil }
