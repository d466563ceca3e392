package actors

import (
	"errors"
	"fmt"
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

	pipe     *pipe
	flusher  *flusher  // the mailbox's flush hook, kept across restarts
	box      *mailbox  // kept across restarts
	lastErr  error     // why the last dial failed
	failedAt time.Time // when it failed
	nextDial time.Time // no dial before this
	backoff  time.Duration
	lost     bool // the node is unreachable and that has been logged
}

// connFailure is the reason a worker fails when its connection breaks.
type connFailure struct {
	addr string
	err  error
}

func (f *connFailure) Error() string {
	return "connection to " + f.addr + " broke: " + f.err.Error()
}

// newWorker returns worker i of a node's pool. Only worker 0 logs a broken
// connection at Warn: the others would repeat it.
func newWorker(rt *Runtime, addr string, i int, node *nodeState, h *health,
	fl *flusher, box *mailbox) *worker {
	w := &worker{rt: rt, addr: addr, node: node, health: h, flusher: fl, box: box,
		warn: rt.log.Debug}
	if i == 0 {
		w.warn = rt.log.Warn
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
		if !w.health.isDown() { // a down node gets probes, not dials
			_ = w.dial(ctx, time.Now().Add(w.rt.cfg.DialTimeout), true)
		}
	case *actor.Restarting:
		w.close()
	case *actor.Stopped:
		err := w.stoppedErr(ctx.Self())
		if w.node.restarting.Load() {
			w.abort(err)
		} else {
			w.close()
		}
		w.box.close(err)
	case *messages.Crash:
		panic(crash(ctx, msg))
	}
}

func (w *worker) serve(ctx actor.Context, call *messages.Call) {
	if call.Answered() {
		w.health.counters.countGivenUp(call) // the caller gave up while the call waited
		return
	}
	if err := w.refuse(call); err != nil {
		w.health.counters.count(err)
		call.Finish(&messages.Reply{Node: w.addr, Err: err})
		return
	}
	if p := w.pipe; p != nil && p.broken.Load() {
		// Its reader failed and the message saying so is on its way: act
		// on it now. If that fails the worker, the call waits in the
		// mailbox for the restarted one.
		broke := &pipeBroken{pipe: p, err: p.failure}
		if !broke.quiet() {
			ctx.Send(ctx.Self(), call)
		}
		w.pipeBroken(broke)
	}
	if w.pipe == nil {
		if err := w.redial(ctx, call.Deadline); err != nil {
			w.health.counters.count(err)
			call.Finish(&messages.Reply{Node: w.addr, Err: err})
			return
		}
	}
	w.pipe.send(call, w.box.inlined(call))
}

// refuse returns why call cannot go on the wire now: its deadline passed,
// its node is down (it was queued before the node was marked down, and a
// down node gets no traffic, not even a dial, until a probe brings it
// back), or the backend refuses the request.
func (w *worker) refuse(call *messages.Call) error {
	switch {
	case call.Expired(time.Now()):
		return messages.ErrTimeout
	case w.health.isDown():
		return fmt.Errorf("%w: %s", messages.ErrNodeDown, w.addr)
	}
	return w.rt.cfg.Backend.Check(call.Request)
}

// pipeBroken drops a pipe whose reader stopped. A timeout reconnects
// quietly on the next call; any other fault fails the worker so its
// supervisor sees it.
func (w *worker) pipeBroken(msg *pipeBroken) {
	if msg.pipe != w.pipe {
		return // a pipe already dropped
	}
	w.close()
	if msg.quiet() {
		w.rt.log.Debug("connection dropped", "node", w.addr, "error", msg.err)
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

// stoppedErr answers the calls left in a stopped worker's mailbox:
// ErrClosed if the herd is stopping, ErrNodeGone otherwise (the node left,
// or its pool is restarting).
func (w *worker) stoppedErr(self *actor.PID) error {
	if w.rt.Closed() {
		return messages.ErrClosed
	}
	return fmt.Errorf("%w: %s: worker %s stopped (its pool restarting or stopping) "+
		"before answering", messages.ErrNodeGone, w.addr, self.Id)
}

// abort ends the worker's pipe at once, answering its calls with err.
func (w *worker) abort(err error) {
	if w.pipe != nil {
		w.flusher.pipe.Store(nil)
		w.pipe.abort(err)
		w.pipe = nil
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
