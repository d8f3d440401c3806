package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// memoryFloor is the soft memory limit a long command starts with (see
// memoryCap): with the binary's own pages, about 50 MB of resident memory.
const memoryFloor = 32 << 20

// memoryCap keeps a command that allocates fast but keeps little — sim
// writing its outputs as the run goes, replay reading a large file — from
// growing the process with garbage: by default the GC lets the heap grow
// to twice what is live before it collects. It sets a soft memory limit
// (runtime/debug.SetMemoryLimit) that follows what is live, never below
// twice it plus some room, so a large scenario does not make the GC run
// all the time. GOMEMLIMIT, when set, decides instead.
//
// The limit is the process's: while several commands run at once (tests
// do), the first sets it, each adjusts it, and the last to release it puts
// back what was there before.
type memoryCap struct {
	on   bool
	live []metrics.Sample
}

var memoryCaps struct {
	sync.Mutex
	n    int   // caps not yet released
	prev int64 // the limit before the first
}

// capMemory sets the limit; call adjust now and then, and release at the end.
func capMemory() *memoryCap {
	m := &memoryCap{live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	if os.Getenv("GOMEMLIMIT") != "" {
		return m
	}
	memoryCaps.Lock()
	defer memoryCaps.Unlock()
	if memoryCaps.n == 0 {
		memoryCaps.prev = debug.SetMemoryLimit(memoryFloor)
	}
	memoryCaps.n++
	m.on = true
	return m
}

// adjust raises the limit to twice the live heap plus 8 MiB when that is
// more than the floor.
func (m *memoryCap) adjust() {
	if !m.on {
		return
	}
	metrics.Read(m.live)
	if m.live[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	memoryCaps.Lock()
	defer memoryCaps.Unlock()
	debug.SetMemoryLimit(max(memoryFloor, 2*int64(m.live[0].Value.Uint64())+8<<20))
}

// release gives the limit up; the last one restores the limit there was
// before the first.
func (m *memoryCap) release() {
	if !m.on {
		return
	}
	m.on = false
	memoryCaps.Lock()
	defer memoryCaps.Unlock()
	if memoryCaps.n--; memoryCaps.n == 0 {
		debug.SetMemoryLimit(memoryCaps.prev)
	}
}
