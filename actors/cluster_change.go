package actors

import (
	"errors"
	"sort"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// change moves the cluster to next: pools for added nodes first, then one
// snapshot swap, then the removed nodes' pools retire. router, if given, is
// already built over next.
func (c *cluster) change(ctx actor.Context, next []routing.Node, router routing.Router) {
	added, removed, changed := c.diff(next)
	if !changed {
		return
	}
	if router == nil {
		built, err := c.rt.cfg.Router(next)
		if err != nil {
			c.rt.log.Error("router build failed; keeping the current nodes", "error", err)
			return
		}
		router = built
	}
	gone := make(map[string]*health, len(removed))
	for _, addr := range removed {
		gone[addr] = c.health[addr]
	}
	c.admit(ctx, next, added, removed)
	c.epoch++
	c.rt.publish(&Snapshot{Epoch: c.epoch, Router: router, Pools: copyPIDs(c.pools),
		health: copyMap(c.health)})
	for _, addr := range removed {
		c.leave(ctx, addr, gone[addr])
	}
	c.announce(added, removed)
}

// admit records next as the members: pools and health for the added nodes,
// no health for the removed ones (their pools retire after the swap).
func (c *cluster) admit(ctx actor.Context, next []routing.Node, added, removed []string) {
	for _, addr := range added {
		if l, ok := c.leaving[addr]; ok {
			// Back within its grace: it keeps its pool and connections.
			delete(c.leaving, addr)
			c.health[addr], c.pools[addr] = l.health, l.pid
			continue
		}
		if c.health[addr] == nil {
			c.health[addr] = newHealth(c.rt.cfg.FailureThreshold)
		}
		c.pools[addr] = c.spawnPool(ctx, addr)
	}
	for _, addr := range removed {
		delete(c.health, addr)
	}
	c.nodes = make(map[string]routing.Node, len(next))
	for _, n := range next {
		c.nodes[n.Addr] = n
	}
}

// spawnPool starts the pool of a node, named after its address. If a pool
// of an earlier membership of the same node is still retiring under that
// name, the new one takes the name with the epoch appended, so a node that
// leaves and comes straight back never waits for its old pool.
func (c *cluster) spawnPool(ctx actor.Context, addr string) *actor.PID {
	h, box := c.health[addr], newMailbox(nil, nil)
	box.counters = &h.counters
	props := actor.PropsFromProducer(func() actor.Actor { return newPool(c.rt, addr, h, box) },
		actor.WithSupervisor(c.rt.strategy(c.rt.cfg.PoolStrategy)),
		actor.WithMailbox(box.producer()))
	pid, err := ctx.SpawnNamed(props, addr)
	if errors.Is(err, actor.ErrNameExists) {
		pid, err = ctx.SpawnNamed(props, addr+"~"+strconv.FormatUint(c.epoch+1, 10))
	}
	if err != nil {
		// Calls routed to a nil pool get ErrNodeGone; the node is retried at
		// the next poll.
		c.rt.log.Error("pool spawn failed", "node", addr, "error", err)
	}
	return pid
}

// retire lets a removed node's pool serve what it has queued, then stop.
func (c *cluster) retire(ctx actor.Context, addr string) {
	pid := c.pools[addr]
	delete(c.pools, addr)
	c.retirePID(ctx, pid)
}

func (c *cluster) retirePID(ctx actor.Context, pid *actor.PID) {
	if pid == nil {
		return
	}
	c.retiring[pid.Id] = pid
	ctx.Send(pid, &retire{})
}

func (c *cluster) announce(added, removed []string) {
	for _, a := range added {
		c.rt.log.Info("node added", "node", a)
	}
	for _, a := range removed {
		c.rt.log.Info("node removed", "node", a)
	}
	c.rt.event(&messages.NodesChanged{
		Herd: c.rt.cfg.Name, Epoch: c.epoch,
		Added: sorted(added), Removed: sorted(removed), Nodes: sortedKeys(c.nodes),
	})
}

// poolStopped handles a pool's end: a retired pool is done; a member's pool
// stopped by the cluster strategy leaves the members, and the next poll
// starts it afresh.
func (c *cluster) poolStopped(ctx actor.Context, who *actor.PID) {
	if _, ok := c.retiring[who.Id]; ok {
		delete(c.retiring, who.Id)
		c.finishDrain(ctx)
		return
	}
	for addr, l := range c.leaving {
		if l.pid.Equal(who) {
			delete(c.leaving, addr)
			return
		}
	}
	if c.halted || c.draining {
		return
	}
	for addr, pid := range c.pools {
		if pid.Equal(who) {
			c.rt.log.Error("pool stopped by its restart strategy; it restarts at the next poll",
				"node", addr)
			c.poolLost(addr)
			return
		}
	}
}

// drain retires every pool, for Stop; the asker hears back once all stopped.
func (c *cluster) drain(ctx actor.Context) {
	c.draining = true
	c.drainTo = ctx.Sender()
	if c.tick != nil {
		c.tick.Stop()
	}
	for _, addr := range sortedKeys(c.pools) {
		c.retire(ctx, addr)
	}
	for _, addr := range sortedKeys(c.leaving) {
		c.retirePID(ctx, c.leaving[addr].pid)
		delete(c.leaving, addr)
	}
	c.finishDrain(ctx)
}

func (c *cluster) finishDrain(ctx actor.Context) {
	if c.draining && len(c.retiring) == 0 && c.drainTo != nil {
		ctx.Send(c.drainTo, &drained{})
		c.drainTo = nil
	}
}

// poolLost forgets a member whose pool was stopped by its strategy, so the
// next poll starts it afresh, and marks the node down meanwhile: its
// requests fail fast (or fail over) rather than reach a dead pool.
func (c *cluster) poolLost(addr string) {
	delete(c.pools, addr)
	delete(c.nodes, addr)
	if h := c.health[addr]; h != nil {
		err := errors.New("its pool was stopped by its restart strategy")
		if h.markDown(err) {
			c.rt.event(&messages.NodeDown{Herd: c.rt.cfg.Name, Node: addr, Err: err})
		}
	}
}

func copyPIDs(m map[string]*actor.PID) map[string]*actor.PID { return copyMap(m) }

func copyMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
