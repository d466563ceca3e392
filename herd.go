package herd

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/actors"
	"github.com/herd-go/herd/messages"
)

// Config configures a herd. Backend and Discovery are required; every other
// field has a documented default (go doc github.com/herd-go/herd/actors
// Config, or the README's options table).
type Config = actors.Config

// Item is a value read from a node.
type Item = messages.Item

// NodeHealth is a snapshot of one node's health.
type NodeHealth = actors.NodeHealth

// Stats is a snapshot of a herd's figures; see Herd.Stats.
type Stats = actors.Stats

// NodeStats are one node's figures in Stats.
type NodeStats = actors.NodeStats

// LatencySummary sums up one node's latency histogram in NodeStats.
type LatencySummary = actors.LatencySummary

// LatencyBucket is one bucket of a LatencySummary.
type LatencyBucket = actors.LatencyBucket

// DiscoveryResult is discovery's last answer, in Stats.
type DiscoveryResult = actors.DiscoveryResult

// ErrorKind names a kind of failed call in NodeStats.Errors and
// Stats.Unrouted.
type ErrorKind = actors.ErrorKind

// The kinds of failed call, each matching one or more of herd's errors.
const (
	ErrorTimeout    = actors.ErrorTimeout    // ErrTimeout
	ErrorCanceled   = actors.ErrorCanceled   // the caller's context was cancelled
	ErrorConnection = actors.ErrorConnection // ErrConnection
	ErrorProtocol   = actors.ErrorProtocol   // ErrProtocol
	ErrorServer     = actors.ErrorServer     // ErrServer
	ErrorNodeDown   = actors.ErrorNodeDown   // ErrNodeDown
	ErrorNodeGone   = actors.ErrorNodeGone   // ErrNodeGone
	ErrorClosed     = actors.ErrorClosed     // ErrClosed
	// ErrorRefused counts ErrMalformedKey, ErrValueTooLarge,
	// ErrInvalidRequest and ErrUnsupported.
	ErrorRefused = actors.ErrorRefused
	ErrorNoNodes = actors.ErrorNoNodes // ErrNoNodes
	ErrorOther   = actors.ErrorOther   // anything else
)

// NodeDownPolicy says what a request for a down node's key gets; see
// FailFast, Failover and FailoverReads.
type NodeDownPolicy = actors.NodeDownPolicy

// Policies for Config.OnNodeDown.
const (
	FailFast      = actors.FailFast
	Failover      = actors.Failover
	FailoverReads = actors.FailoverReads
)

// Herd is a running (or ready to run) cluster client. Its methods are safe
// for concurrent use.
type Herd struct {
	rt *actors.Runtime
}

// New returns a herd that is not running yet: spawn Props under one of your
// actors (or call Spawn). Most programs call Start instead.
func New(cfg Config) (*Herd, error) {
	rt, err := actors.NewRuntime(cfg)
	if err != nil {
		return nil, err
	}
	return &Herd{rt: rt}, nil
}

// Start spawns a herd at the root of system and waits, at most
// Config.DiscoveryTimeout, for discovery's first answer. A herd whose
// discovery has not answered yet still runs: it answers ErrNoNodes and
// keeps asking.
func Start(system *actor.ActorSystem, cfg Config) (*Herd, error) {
	h, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := h.Spawn(system.Root); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.rt.Config().DiscoveryTimeout)
	defer cancel()
	_ = h.Ready(ctx)
	return h, nil
}

// Props returns the props of the herd's supervisor actor, to spawn under
// one of your own actors so that the herd joins your supervision tree.
// Spawn them once, named with Config.Name (SpawnNamed) so the PID is stable.
func (h *Herd) Props() *actor.Props { return h.rt.Props() }

// Spawn spawns the herd's supervisor, named Config.Name, with spawner: an
// actor's context for a child herd, or system.Root.
func (h *Herd) Spawn(spawner actor.SpawnerContext) (*actor.PID, error) {
	if pid := h.rt.PID(); pid != nil {
		return nil, fmt.Errorf("%w: herd %q already runs as %s",
			ErrConfig, h.rt.Config().Name, pid.Id)
	}
	if h.rt.Closed() {
		return nil, fmt.Errorf("%w: herd %q was stopped", ErrConfig, h.rt.Config().Name)
	}
	pid, err := spawner.SpawnNamed(h.Props(), h.rt.Config().Name)
	if err != nil {
		return nil, fmt.Errorf("herd: spawn %q: %w", h.rt.Config().Name, err)
	}
	return pid, nil
}

// PID returns the herd's address for request messages, or nil before it
// started. After Stop the PID is that of a stopped actor: protoactor answers
// a request sent to it with *actor.DeadLetterResponse, as for any stopped
// actor, while the Go client's methods return ErrClosed.
func (h *Herd) PID() *actor.PID { return h.rt.PID() }

// Ready waits until discovery's first answer has been applied (whether it
// brought nodes or not), or until ctx ends.
func (h *Herd) Ready(ctx context.Context) error {
	select {
	case <-h.rt.Ready():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReadyChan is closed once discovery's first answer has been applied, for
// code (an actor, say) that must not block in Ready.
func (h *Herd) ReadyChan() <-chan struct{} { return h.rt.Ready() }

// Refresh asks the cluster actor to query discovery now.
func (h *Herd) Refresh() {
	if sys, pid := h.rt.System(), h.rt.PID(); sys != nil && pid != nil {
		sys.Root.Send(pid, &messages.Refresh{})
	}
}

// Owner returns the address of the node that owns key now.
func (h *Herd) Owner(key string) (string, error) {
	node, err := h.rt.Snapshot().Router.Lookup(key)
	return node.Addr, err
}

// Nodes returns the addresses of the current nodes, sorted.
func (h *Herd) Nodes() []string { return h.rt.Snapshot().Addrs() }

// Pool returns the PID of a node's pool actor, or nil if addr is not a
// current node. Its workers are "<pool id>/w0", "/w1", and so on.
func (h *Herd) Pool(addr string) *actor.PID { return h.rt.Snapshot().Pools[addr] }

// Health returns each current node's health, by address: whether it is
// down, since when, and the failure that put it there.
func (h *Herd) Health() map[string]NodeHealth { return h.rt.Snapshot().Health() }

// Stats returns a snapshot of the herd's figures: per node, requests,
// misses, errors by kind, latency, connections, queue depth and health; per
// herd, the membership epoch and discovery's last answer. It reads atomic
// counters that requests keep as they are answered, and sends no message.
func (h *Herd) Stats() Stats { return h.rt.Stats() }

// Epoch counts the membership changes applied so far.
func (h *Herd) Epoch() uint64 { return h.rt.Snapshot().Epoch }

// Stop stops the herd: new calls get ErrClosed at once, calls already
// queued are served, then the actors stop and connections close. It is
// idempotent; every call returns once the herd has stopped.
func (h *Herd) Stop() error { return h.rt.Stop() }

// Send dispatches any request and waits for its reply, at most until the
// earlier of ctx's deadline and Config.RequestTimeout from now. It never
// returns nil.
func (h *Herd) Send(ctx context.Context, req messages.Request) *messages.Reply {
	return h.call(ctx, new(messages.Call), req)
}

// call sends req as c, which it readies, and waits for the reply. The
// client's methods pass a call allocated together with its request, so that
// a request costs one allocation of herd's own.
func (h *Herd) call(ctx context.Context, c *messages.Call, req messages.Request) *messages.Reply {
	deadline, hasDeadline := ctx.Deadline()
	limit := time.Now().Add(h.rt.Config().RequestTimeout)
	if !hasDeadline || limit.Before(deadline) {
		deadline = limit
	}
	ch := getReplyChan()
	c.Init(req, deadline, ch)
	if ctx.Done() == nil {
		// Nothing can cut the wait short but the deadline, which bounds
		// the connection's read too: if the request goes out alone on an
		// idle connection, this goroutine reads the reply itself.
		c.SetSelfRead()
	}
	if own := h.rt.DispatchOwn(c); own != nil {
		own.ReadOwn(c)
	}
	r := wait(ctx, c, ch, deadline)
	putReplyChan(ch) // the one reply c will ever send has been taken
	return r
}

// callWith is a call and its request in one allocation.
type callWith[R any] struct {
	call messages.Call
	req  R
}

// wait returns the call's reply, or gives up at the deadline or when ctx
// ends. Giving up answers the call itself, so exactly one reply is ever in
// ch, and a worker that reaches the call later skips it.
func wait(ctx context.Context, call *messages.Call, ch messages.ChanReplier,
	deadline time.Time) *messages.Reply {
	select {
	case r := <-ch:
		return r
	default:
	}
	timer := getTimer(time.Until(deadline) + waitSlack)
	defer putTimer(timer)
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
		call.Fail(contextError(ctx.Err()))
	case <-timer.C:
		call.Fail(messages.ErrTimeout)
	}
	return <-ch
}

// replyChans recycles the callers' reply channels. A call sends exactly
// one reply, so once the caller has taken it the channel is empty and
// nothing will send on it again.
var replyChans sync.Pool

func getReplyChan() messages.ChanReplier {
	if ch, ok := replyChans.Get().(messages.ChanReplier); ok {
		return ch
	}
	return make(messages.ChanReplier, 1)
}

func putReplyChan(ch messages.ChanReplier) { replyChans.Put(ch) }

// timers recycles the callers' deadline timers: one per call would cost
// three allocations on the hot path. Since Go 1.23 a stopped timer's
// channel holds no stale value, so a recycled timer is as good as new.
var timers sync.Pool

func getTimer(d time.Duration) *time.Timer {
	if t, ok := timers.Get().(*time.Timer); ok {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}

func putTimer(t *time.Timer) {
	t.Stop()
	timers.Put(t)
}

// waitSlack lets a reply that herd's own deadline handling produces (a
// worker's timeout, a GetMulti's partial result) win over the caller's timer.
const waitSlack = 5 * time.Millisecond

func contextError(err error) error {
	if err == context.DeadlineExceeded {
		return messages.ErrTimeout
	}
	return fmt.Errorf("herd: %w", err)
}
