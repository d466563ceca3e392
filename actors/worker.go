package actors

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
)

// worker owns one connection to one node, as a pipe: it writes each call's
// request as the call arrives, the pipe's reader answers the calls in order,
// and the pipe is flushed when the worker's mailbox runs dry, so requests
// that queue for a worker go out together. A broken connection makes the
// worker fail, once its calls are answered, and its pool restarts it; a node
// that cannot be reached is redialled at most once per backoff interval,
// and calls meanwhile fail fast with ErrConnection.
type worker struct {
	rt     *Runtime
	addr   string
	node   *nodeState
	health *health
	pool   *actor.PID
	warn   func(msg string, args ...any) // Warn for w0, Debug for the rest
	info   func(msg string, args ...any) // Info for w0, Debug for the rest

	pipe     *pipe
	flusher  *flusher  // the mailbox's flush hook, kept across restarts
	lastErr  error     // why the last dial failed
	failedAt time.Time // when it failed
	nextDial time.Time // no dial before this
	backoff  time.Duration
	lost     bool // the node is unreachable and that has been logged
}

// nodeState is what the workers of one pool share about their node: when
// one of them last connected. A worker waiting out its backoff dials at
// once when a sibling has connected since its own dial failed, so a node
// that comes back is used by every worker within one call each.
type nodeState struct {
	connectedAt atomic.Int64 // unix nanoseconds
}

func (n *nodeState) connected(t time.Time) { n.connectedAt.Store(t.UnixNano()) }

func (n *nodeState) connectedSince(t time.Time) bool {
	return n.connectedAt.Load() > t.UnixNano()
}

// connFailure is the reason a worker fails when its connection breaks.
type connFailure struct {
	addr string
	err  error
}

func (f *connFailure) Error() string {
	return "connection to " + f.addr + " broke: " + f.err.Error()
}

// newWorker returns worker i of a node's pool. Only worker 0 logs the
// node's state at Warn and Info: the others would repeat it.
func newWorker(rt *Runtime, addr string, i int, node *nodeState, h *health,
	fl *flusher) *worker {
	w := &worker{rt: rt, addr: addr, node: node, health: h, flusher: fl,
		warn: rt.log.Debug, info: rt.log.Debug}
	if i == 0 {
		w.warn, w.info = rt.log.Warn, rt.log.Info
	}
	return w
}

func (w *worker) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *messages.Call:
		w.serve(ctx, msg)
	case *pipeBroken:
		w.pipeBroken(msg)
	case *actor.Started:
		w.pool = ctx.Parent()
		_ = w.dial(ctx, time.Now().Add(w.rt.cfg.DialTimeout), true)
	case *actor.Restarting, *actor.Stopped:
		w.close()
	case *messages.Crash:
		panic(crash(ctx, msg))
	}
}

func (w *worker) serve(ctx actor.Context, call *messages.Call) {
	if call.Answered() {
		return // the caller gave up while the call waited
	}
	if call.Expired(time.Now()) {
		call.Finish(&messages.Reply{Node: w.addr, Err: messages.ErrTimeout})
		return
	}
	if err := w.rt.cfg.Backend.Check(call.Request); err != nil {
		call.Finish(&messages.Reply{Node: w.addr, Err: err})
		return
	}
	if w.pipe == nil {
		if err := w.redial(ctx, call.Deadline); err != nil {
			call.Finish(&messages.Reply{Node: w.addr, Err: err})
			return
		}
	}
	w.pipe.send(call)
}

// pipeBroken drops a pipe whose reader stopped. A timeout reconnects
// quietly on the next call; any other fault fails the worker so its
// supervisor sees it.
func (w *worker) pipeBroken(msg *pipeBroken) {
	if msg.pipe != w.pipe {
		return // a pipe already dropped
	}
	w.close()
	if errors.Is(msg.err, messages.ErrTimeout) {
		return
	}
	w.warn("connection broke", "node", w.addr, "error", msg.err)
	panic(&connFailure{addr: w.addr, err: msg.err})
}

// failed counts a failure against the node; the worker whose failure
// marks it down tells the pool, which logs it once and starts probing.
func (w *worker) failed(ctx actor.Context, err error) {
	if w.health.failure(err) && w.pool != nil {
		ctx.Send(w.pool, &nodeDown{err: err, failures: w.rt.cfg.FailureThreshold})
	}
}

// failedAsync is failed for the pipe's reader, outside the actor.
func (w *worker) failedAsync(root *actor.RootContext, err error) {
	if w.health.failure(err) && w.pool != nil {
		root.Send(w.pool, &nodeDown{err: err, failures: w.rt.cfg.FailureThreshold})
	}
}

func refused(err error) bool {
	return errors.Is(err, messages.ErrMalformedKey) ||
		errors.Is(err, messages.ErrValueTooLarge) ||
		errors.Is(err, messages.ErrInvalidRequest) ||
		errors.Is(err, messages.ErrUnsupported)
}

// unreachable is the answer while the node cannot be reached: the last
// dial's error, made to match ErrConnection if it does not already.
func (w *worker) unreachable() error {
	if errors.Is(w.lastErr, messages.ErrConnection) {
		return fmt.Errorf("node %s unreachable: %w", w.addr, w.lastErr)
	}
	return fmt.Errorf("%w: node %s unreachable: %w", messages.ErrConnection, w.addr, w.lastErr)
}

// redial dials for a call if the backoff allows it now, or if a sibling
// worker has connected since this one's dial failed. The dial ends by the
// call's deadline; if that cut it short, the call gets ErrTimeout and the
// node is not held at fault: an impatient caller does not mark a healthy
// node down for everyone.
func (w *worker) redial(ctx actor.Context, deadline time.Time) error {
	if time.Now().Before(w.nextDial) && !w.node.connectedSince(w.failedAt) {
		// A call failed for the node's sake: it counts, or a pool whose
		// workers all wait out a backoff would never mark the node down.
		w.failed(ctx, w.lastErr)
		return w.unreachable()
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
		return w.unreachable()
	}
	return nil
}

// dial connects by deadline. A failure counts against the node (backoff,
// logged once) unless the dial timed out with blame false.
func (w *worker) dial(actx actor.Context, deadline time.Time, blame bool) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	conn, err := w.rt.cfg.Backend.Dial(ctx, w.addr)
	if err != nil {
		if blame || !isTimeout(err) {
			w.dialFailed(err)
			w.failed(actx, err)
		}
		return err
	}
	w.pipe = newPipe(w, actx, conn)
	w.flusher.pipe.Store(w.pipe)
	w.backoff = 0
	w.nextDial = time.Time{}
	w.node.connected(time.Now())
	if w.lost {
		w.lost = false
		w.info("node reachable again", "node", w.addr)
	}
	return nil
}

func isTimeout(err error) bool {
	return errors.Is(err, messages.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
}

// dialFailed schedules the next dial: the wait doubles from RedialMin up to
// RedialMax, and is drawn at random from its upper half.
func (w *worker) dialFailed(err error) {
	w.lastErr = err
	w.failedAt = time.Now()
	w.backoff = min(max(2*w.backoff, w.rt.cfg.RedialMin), w.rt.cfg.RedialMax)
	half := w.backoff / 2
	w.nextDial = time.Now().Add(half + rand.N(half+1))
	if !w.lost {
		w.lost = true
		w.warn("node unreachable", "node", w.addr, "error", err)
	}
}

// close ends the worker's pipe, once every call on it is answered.
func (w *worker) close() {
	if w.pipe != nil {
		w.flusher.pipe.Store(nil)
		w.pipe.close()
		w.pipe = nil
	}
}
