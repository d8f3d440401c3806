//go:build !linux

package core

import (
	"errors"
	"syscall"
)

// Buffer sizes and queue lengths are read with Linux socket options and
// ioctls; elsewhere the deadlock lesson still runs but reports them as
// unknown.

func deadlockBuffers(syscall.Conn) (snd, rcv int, ok bool) { return 0, 0, false }

func deadlockSetBuffers(_ syscall.Conn, snd, rcv int) error {
	if snd > 0 || rcv > 0 {
		return errors.New("setting socket buffer sizes is implemented for Linux only")
	}
	return nil
}

func deadlockQueues(syscall.Conn) (outq, inq int, ok bool) { return 0, 0, false }
