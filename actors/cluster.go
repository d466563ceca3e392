package actors

import (
	"context"
	"sort"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// cluster keeps the node set in step with discovery. It asks discovery at
// start, every poll interval and on Refresh; cleans the answer; starts the
// pools of added nodes; publishes a new snapshot; and only then retires the
// pools of removed nodes. A failed or empty answer changes nothing.
type cluster struct {
	rt *Runtime

	nodes    map[string]routing.Node // current members, by address
	pools    map[string]*actor.PID   // their pools, by address
	health   map[string]*health      // their health, by address
	retiring map[string]*actor.PID   // pools of removed nodes, by PID id
	leaving  map[string]leaving      // removed nodes' pools in their grace, by address
	resolved map[string]string       // where each member was last resolved to
	epoch    uint64

	held     string // the removal being held, as heldKey gives it
	heldSeen int    // how many answers in a row brought it

	polling, again bool // a query is in flight; ask again when it ends
	failing        bool // the last query failed
	rejected       map[string]bool
	tick           *time.Timer
	runCtx         context.Context
	cancel         context.CancelFunc

	draining bool
	drainTo  *actor.PID // who asked for the drain
	halted   bool
}

// pollTick is the poll timer firing.
type pollTick struct{}

// discovered carries one discovery answer back to the cluster actor.
type discovered struct {
	from     *cluster
	nodes    []routing.Node
	err      error
	resolved map[string]string // the answer's nodes resolved, for a Resolver
}

func (*pollTick) IgnoreDeadLetterLogging()    {}
func (*discovered) IgnoreDeadLetterLogging()  {}
func (*watchNotice) IgnoreDeadLetterLogging() {}
func (*graceOver) IgnoreDeadLetterLogging()   {}

func newCluster(rt *Runtime) *cluster {
	return &cluster{
		rt:       rt,
		nodes:    map[string]routing.Node{},
		pools:    map[string]*actor.PID{},
		health:   map[string]*health{},
		retiring: map[string]*actor.PID{},
		leaving:  map[string]leaving{},
		resolved: map[string]string{},
		rejected: map[string]bool{},
	}
}

func (c *cluster) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		c.start(ctx)
	case *pollTick:
		c.poll(ctx)
	case *discovered:
		c.answered(ctx, msg)
	case *messages.Refresh:
		c.poll(ctx)
	case *watchNotice:
		if msg.from == c {
			c.poll(ctx)
		}
	case *graceOver:
		c.graceOver(ctx, msg)
	case *drain:
		c.drain(ctx)
	case *actor.Terminated:
		c.poolStopped(ctx, msg.Who)
	case *messages.Crash:
		panic(crash(ctx, msg))
	case *actor.Restarting, *actor.Stopping:
		c.halt()
	}
}

// start restores the last good set, if an earlier incarnation left one, so
// that a restart does not drain the cluster, then asks discovery.
func (c *cluster) start(ctx actor.Context) {
	c.runCtx, c.cancel = context.WithCancel(context.Background())
	last := c.rt.Snapshot()
	c.epoch = last.Epoch
	for addr, h := range last.health {
		c.health[addr] = h
	}
	if nodes := last.Router.Nodes(); len(nodes) > 0 {
		c.rt.log.Info("restoring last known nodes", "nodes", len(nodes))
		c.change(ctx, nodes, last.Router)
	}
	c.watch(ctx)
	c.poll(ctx)
}

// halt stops the timer and cancels any discovery query in flight. It does
// not wait for the query: a source that ignores its context must not hold
// up a restart. A late answer is discarded (see answered), and Stop waits
// for the query's goroutine, within a bound.
func (c *cluster) halt() {
	if c.halted {
		return
	}
	c.halted = true
	if c.tick != nil {
		c.tick.Stop()
	}
	if c.cancel != nil {
		c.cancel()
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
