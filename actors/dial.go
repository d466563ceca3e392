package actors

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
)

// nodeState is what the workers of one pool share about reaching their
// node: one dial backoff for all of them, kept across worker restarts, so
// that dials to a node that cannot be reached stay about one per backoff
// interval however many workers the pool has or however often they
// restart. A successful dial, or a successful probe, lifts the backoff and
// every worker may dial at once.
type nodeState struct {
	mu       sync.Mutex
	lastErr  error     // why the last dial failed
	nextDial time.Time // no dial before this
	backoff  time.Duration
	lost     bool // the node is unreachable and that has been logged

	// restarting is set when the pool restarts: its workers then answer
	// the calls on their connections at once instead of waiting for the
	// replies.
	restarting atomic.Bool
}

// mayDial reports whether a dial may go ahead now, or else the last
// dial's error.
func (n *nodeState) mayDial(now time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if now.Before(n.nextDial) {
		return n.lastErr
	}
	return nil
}

// dialFailed schedules the next dial: the wait doubles from lo up to hi,
// drawn at random from its upper half. It reports whether the node was
// reachable until now, for a log line once per loss.
func (n *nodeState) dialFailed(err error, lo, hi time.Duration) (first bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lastErr = err
	n.backoff = min(max(2*n.backoff, lo), hi)
	half := n.backoff / 2
	n.nextDial = time.Now().Add(half + rand.N(half+1))
	first, n.lost = !n.lost, true
	return first
}

// reachable lifts the backoff after a successful dial or probe. It reports
// whether the node had been lost, for a log line once per recovery.
func (n *nodeState) reachable() (wasLost bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.backoff, n.nextDial = 0, time.Time{}
	wasLost, n.lost = n.lost, false
	return wasLost
}

// unreachable is a worker's answer while its node's dial backoff runs: the
// last dial's error, made to match ErrConnection if it does not already.
func (w *worker) unreachable(last error) error {
	if errors.Is(last, messages.ErrConnection) {
		return fmt.Errorf("node %s unreachable: %w", w.addr, last)
	}
	return fmt.Errorf("%w: node %s unreachable: %w", messages.ErrConnection, w.addr, last)
}

// redial dials for a call if the node's backoff allows it now. The dial
// ends by the call's deadline; if that cut it short, the call gets
// ErrTimeout and the node is not held at fault: an impatient caller does
// not mark a healthy node down for everyone.
func (w *worker) redial(ctx actor.Context, deadline time.Time) error {
	if last := w.node.mayDial(time.Now()); last != nil {
		// A call failed for the node's sake: it counts, or a pool whose
		// workers all wait out a backoff would never mark the node down.
		w.failed(ctx, last)
		return w.unreachable(last)
	}
	limit := time.Now().Add(w.rt.cfg.DialTimeout)
	cut := deadline.Before(limit)
	if !cut {
		deadline = limit
	}
	err := w.dial(ctx, deadline, !cut)
	if err != nil && cut && isTimeout(err) {
		return fmt.Errorf("%w: node %s: the call's deadline came while connecting (%v)",
			messages.ErrTimeout, w.addr, err)
	}
	if err != nil {
		return w.unreachable(err)
	}
	return nil
}

// dial connects by deadline. A failure counts against the node (backoff,
// logged once) unless the dial timed out with blame false.
func (w *worker) dial(actx actor.Context, deadline time.Time, blame bool) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	conn, err := w.rt.dial(ctx, w.addr)
	if err != nil {
		if blame || !isTimeout(err) {
			if w.node.dialFailed(err, w.rt.cfg.RedialMin, w.rt.cfg.RedialMax) {
				w.rt.log.Warn("node unreachable", "node", w.addr, "error", err)
			}
			w.failed(actx, err)
		}
		return err
	}
	w.pipe = newPipe(w, actx, conn)
	w.flusher.pipe.Store(w.pipe)
	if w.node.reachable() {
		w.rt.log.Info("node reachable again", "node", w.addr)
	}
	return nil
}

func isTimeout(err error) bool {
	return errors.Is(err, messages.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
}
