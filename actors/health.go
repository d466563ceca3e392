package actors

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// health is what herd knows of one node's state. The cluster actor creates
// it with the node's pool and keeps it across pool restarts; workers count
// failures and successes into it; the pool marks the node up after a probe,
// and publishes its workers in it, so that the front door sends each call
// straight to a worker. The front door reads it on every request. All of it
// is atomic.
//
// The hysteresis: threshold failures in a row mark the node down, one
// successful probe marks it up, and a success in between resets the count.
type health struct {
	threshold int32

	down     atomic.Bool
	failures atomic.Int32
	since    atomic.Int64 // unix nanoseconds of the last change of state
	lastErr  atomic.Value // error, the failure that marked it down

	workers atomic.Pointer[[]workerRef] // the pool's, while it runs
	turn    atomic.Uint32               // picks the next worker

	// counters are written on every call's answer: padded away from what
	// the front door reads on every call.
	_        [64]byte
	counters counters
}

// workerRef is a worker as callers reach it: its PID, and its mailbox, to
// which a caller hands its call directly; and its flusher, through which
// Stats sees its connection.
type workerRef struct {
	pid     *actor.PID
	box     *mailbox
	flusher *flusher
}

// publish makes workers the ones callers send to; nil sends callers to the
// pool instead, which answers for a pool that is retiring or restarting.
func (h *health) publish(workers []workerRef) {
	if len(workers) == 0 {
		h.workers.Store(nil)
		return
	}
	ws := slices.Clone(workers)
	h.workers.Store(&ws)
}

// worker returns the next worker in turn, or nil if the pool publishes
// none. A worker whose mailbox is suspended (it failed, and waits out its
// restart backoff) is passed over while another can serve; calls already
// queued for it wait for its restart.
func (h *health) worker() *workerRef {
	ws := h.workers.Load()
	if ws == nil {
		return nil
	}
	n := uint32(len(*ws))
	first := h.turn.Add(1)
	for i := uint32(0); i < n; i++ {
		w := &(*ws)[(first+i)%n]
		if !w.box.suspended.Load() {
			return w
		}
	}
	return &(*ws)[first%n]
}

func newHealth(threshold int) *health {
	h := &health{threshold: int32(threshold)}
	h.since.Store(time.Now().UnixNano())
	return h
}

// failure counts one failure and reports whether it was the one that
// marked the node down; only that caller tells the pool.
func (h *health) failure(err error) bool {
	n := h.failures.Add(1)
	if n < h.threshold || h.down.Load() {
		return false
	}
	if !h.down.CompareAndSwap(false, true) {
		return false
	}
	h.lastErr.Store(errBox{err})
	h.since.Store(time.Now().UnixNano())
	return true
}

// success resets the run of failures of a node that is up.
func (h *health) success() {
	if h.failures.Load() != 0 && !h.down.Load() {
		h.failures.Store(0)
	}
}

// markDown marks the node down for a reason other than counted failures,
// such as its pool being stopped; it reports whether the state changed.
func (h *health) markDown(err error) bool {
	h.failures.Store(h.threshold)
	if !h.down.CompareAndSwap(false, true) {
		return false
	}
	h.lastErr.Store(errBox{err})
	h.since.Store(time.Now().UnixNano())
	return true
}

// markUp marks the node up after a successful probe and returns how long
// it was down.
func (h *health) markUp() (time.Duration, bool) {
	if !h.down.CompareAndSwap(true, false) {
		return 0, false
	}
	h.failures.Store(0)
	now := time.Now().UnixNano()
	was := h.since.Swap(now)
	return time.Duration(now - was), true
}

func (h *health) isDown() bool { return h.down.Load() }

// errBox lets atomic.Value hold errors of different types.
type errBox struct{ err error }

// NodeHealth is a snapshot of one node's health.
type NodeHealth struct {
	Down bool
	// Since is when the node last changed state (or joined).
	Since time.Time
	// Failures is the current run of consecutive failures.
	Failures int
	// LastError is the failure that marked the node down, if it is down.
	LastError error
}

func (h *health) snapshot() NodeHealth {
	s := NodeHealth{
		Down:     h.down.Load(),
		Since:    time.Unix(0, h.since.Load()),
		Failures: int(h.failures.Load()),
	}
	if b, ok := h.lastErr.Load().(errBox); ok && s.Down {
		s.LastError = b.err
	}
	return s
}
