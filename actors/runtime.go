package actors

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/eventstream"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd/messages"
)

// Runtime is the state one herd shares between its actors and its Go
// client: the configuration, the current routing snapshot, and whether the
// herd is closed. Its supervisor actor attaches it to an actor system when
// it starts.
type Runtime struct {
	cfg Config
	log hclog.Logger

	snap   atomic.Pointer[Snapshot]
	system atomic.Pointer[actor.ActorSystem]
	self   atomic.Pointer[actor.PID]
	closed atomic.Bool

	ready     chan struct{}
	readyOnce sync.Once

	mu      sync.Mutex // orders attach against stop; guards deadSub
	deadSub *eventstream.Subscription

	background sync.WaitGroup // discovery queries, probes and connection readers

	unrouted      counters // calls answered before a node was chosen
	lastDiscovery atomic.Pointer[DiscoveryResult]

	stopOnce sync.Once
	stopErr  error
}

// NewRuntime resolves cfg's defaults and returns a runtime that no actor
// has attached yet.
func NewRuntime(cfg Config) (*Runtime, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	r := &Runtime{cfg: cfg, log: cfg.Logger, ready: make(chan struct{})}
	r.snap.Store(emptySnapshot)
	return r, nil
}

// Config returns the configuration with its defaults resolved.
func (r *Runtime) Config() Config { return r.cfg }

// Props returns the props of the herd's supervisor actor. Spawn them once,
// at the root of an actor system or as a child of one of your actors.
func (r *Runtime) Props() *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &supervisor{rt: r} },
		actor.WithSupervisor(r.strategy(r.cfg.HerdStrategy)))
}

// Snapshot returns the current routing snapshot. It never returns nil.
func (r *Runtime) Snapshot() *Snapshot { return r.snap.Load() }

// PID returns the supervisor's PID, or nil before it started.
func (r *Runtime) PID() *actor.PID { return r.self.Load() }

// System returns the actor system the herd runs in, or nil before it started.
func (r *Runtime) System() *actor.ActorSystem { return r.system.Load() }

// Ready is closed once the first discovery answer has been applied, whether
// it brought nodes or not.
func (r *Runtime) Ready() <-chan struct{} { return r.ready }

// Closed reports whether the herd is stopped or stopping.
func (r *Runtime) Closed() bool { return r.closed.Load() }

func (r *Runtime) markReady() { r.readyOnce.Do(func() { close(r.ready) }) }

// attach binds the runtime to the supervisor that started it. A runtime
// serves one supervisor: a second spawn of the same props is refused.
func (r *Runtime) attach(ctx actor.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return fmt.Errorf("%w: herd %q was stopped", ErrConfig, r.cfg.Name)
	}
	if !r.self.CompareAndSwap(nil, ctx.Self()) && !r.self.Load().Equal(ctx.Self()) {
		return fmt.Errorf("%w: herd %q is already running as %s",
			ErrConfig, r.cfg.Name, r.self.Load().Id)
	}
	r.system.Store(ctx.ActorSystem())
	if r.deadSub == nil {
		r.deadSub = ctx.ActorSystem().EventStream.Subscribe(r.onDeadLetter)
	}
	return nil
}

// onDeadLetter answers calls that reached a stopped pool or worker of this
// herd: they get an error now rather than a timeout later.
func (r *Runtime) onDeadLetter(evt any) {
	dl, ok := evt.(*actor.DeadLetterEvent)
	if !ok {
		return
	}
	call, ok := dl.Message.(*messages.Call)
	if !ok || !r.owns(dl.PID) {
		return
	}
	err := messages.ErrClosed
	if !r.closed.Load() {
		err = fmt.Errorf("%w: %s", messages.ErrNodeGone, dl.PID.Id)
	}
	r.unrouted.countCall(call, err)
	call.Fail(err)
}

func (r *Runtime) owns(pid *actor.PID) bool {
	self := r.self.Load()
	return self != nil && pid != nil && strings.HasPrefix(pid.Id, self.Id+"/")
}

// publish swaps in a new snapshot.
func (r *Runtime) publish(s *Snapshot) { r.snap.Store(s) }

// event publishes msg on the actor system's event stream.
func (r *Runtime) event(msg any) {
	if sys := r.system.Load(); sys != nil {
		sys.EventStream.Publish(msg)
	}
}

// Stop closes the herd: later calls get ErrClosed at once, pools are
// retired so that calls already queued are served, then the actors stop and
// their connections close. It is idempotent and safe to call concurrently;
// every call returns after the herd has stopped.
func (r *Runtime) Stop() error {
	r.stopOnce.Do(func() { r.stopErr = r.stop() })
	return r.stopErr
}

func (r *Runtime) stop() error {
	// Under mu, so that a supervisor starting now either sees closed and
	// refuses, or has attached and is stopped below.
	r.mu.Lock()
	r.closed.Store(true)
	sys, self := r.system.Load(), r.self.Load()
	r.mu.Unlock()
	if sys == nil || self == nil {
		return nil
	}
	// Retire first: a plain stop would drop calls still in mailboxes.
	_, _ = sys.Root.RequestFuture(self, &drain{}, r.cfg.StopTimeout).Result()
	err := stopAndWait(sys, self, r.cfg.StopTimeout)
	r.detach(sys)
	r.awaitQueries()
	return err
}

// awaitQueries waits, at most DiscoveryTimeout, for discovery queries to
// return. Their contexts are cancelled; a source that ignores its context
// is logged and left to finish on its own.
func (r *Runtime) awaitQueries() {
	done := make(chan struct{})
	go func() { r.background.Wait(); close(done) }()
	timer := time.NewTimer(r.cfg.DiscoveryTimeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		r.log.Warn("a background task outlived Stop's wait; Stop leaves it running " +
			"(a discovery query that ignores its context, or a probe or reply still due)")
	}
}

func (r *Runtime) detach(sys *actor.ActorSystem) {
	r.snap.Store(emptySnapshot)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.deadSub != nil {
		sys.EventStream.Unsubscribe(r.deadSub)
		r.deadSub = nil
	}
}

// stopAndWait stops pid and waits until it and its children have stopped.
func stopAndWait(sys *actor.ActorSystem, pid *actor.PID, timeout time.Duration) error {
	done := make(chan struct{})
	watcher := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started:
			ctx.Watch(pid)
			ctx.Stop(pid)
		case *actor.Terminated:
			close(done)
			ctx.Stop(ctx.Self())
		}
	}))
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
		sys.Root.Stop(watcher)
		return fmt.Errorf("herd: stop timed out after %v", timeout)
	}
}
