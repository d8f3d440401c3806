//go:build !linux

package netns

import (
	"context"
	"syscall"
)

// NS is a network namespace; on this system New always fails.
type NS struct{}

// New returns ErrUnsupported: network namespaces are Linux's.
func New(label string) (*NS, error) { return nil, ErrUnsupported }

// Name is the namespace's label.
func (n *NS) Name() string { return "" }

// Do returns ErrUnsupported.
func (n *NS) Do(f func() error) error { return ErrUnsupported }

// Close does nothing.
func (n *NS) Close() error { return nil }

// Command returns ErrUnsupported.
func (n *NS) Command(ctx context.Context, name string, args ...string) ([]byte, error) {
	return nil, ErrUnsupported
}

// Drop returns ErrUnsupported.
func (n *NS) Drop(ctx context.Context, match []string, nth ...int) error { return ErrUnsupported }

// SetMTU returns ErrUnsupported.
func (n *NS) SetMTU(ifname string, mtu int) error { return ErrUnsupported }

// NoOffload returns ErrUnsupported.
func (n *NS) NoOffload(ifname string) error { return ErrUnsupported }

// SetCongestion returns ErrUnsupported.
func SetCongestion(c syscall.RawConn, algorithm string) error { return ErrUnsupported }
