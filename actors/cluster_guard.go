package actors

import (
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// leaving is a removed node's pool during its grace period.
type leaving struct {
	pid    *actor.PID
	health *health
}

// graceOver is the end of a removed node's grace period.
type graceOver struct {
	from *cluster
	addr string
	pid  *actor.PID
}

// guard decides whether an answer may be applied. One that removes more
// than RemovalLimit of the nodes is held until the same answer has come
// RemovalPolls more times in a row, so that a registry that briefly loses
// most of its entries does not empty the ring.
func (c *cluster) guard(next []routing.Node) bool {
	_, removed, _ := c.diff(next)
	limit := c.rt.cfg.RemovalLimit * float64(len(c.nodes))
	if len(removed) == 0 || float64(len(removed)) <= limit {
		c.held, c.heldSeen = "", 0
		return true
	}
	key := heldKey(next)
	if key == c.held {
		c.heldSeen++
	} else {
		c.held, c.heldSeen = key, 1
	}
	need := c.rt.cfg.RemovalPolls + 1
	if c.heldSeen >= need {
		c.rt.log.Warn("applying a large removal that discovery repeated",
			"removed", len(removed), "of", len(c.nodes), "answers", c.heldSeen)
		c.held, c.heldSeen = "", 0
		return true
	}
	c.rt.log.Warn("holding a large removal until discovery repeats it",
		"removed", len(removed), "of", len(c.nodes), "seen", c.heldSeen, "need", need)
	c.rt.event(&messages.RemovalHeld{Herd: c.rt.cfg.Name, Removed: sorted(removed),
		Seen: c.heldSeen, Need: need})
	return false
}

// heldKey names a cleaned (sorted) answer, weights included.
func heldKey(nodes []routing.Node) string {
	var b strings.Builder
	for _, n := range nodes {
		b.WriteString(n.Addr)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(n.Weight))
		b.WriteByte(' ')
	}
	return b.String()
}

// leave retires a removed node's pool, at once or after RemovalGrace. In
// its grace the pool serves calls routed by an older snapshot, and a node
// that comes back takes it up again.
func (c *cluster) leave(ctx actor.Context, addr string, h *health) {
	grace := c.rt.cfg.RemovalGrace
	pid := c.pools[addr]
	if grace <= 0 || pid == nil || h == nil {
		c.retire(ctx, addr)
		return
	}
	delete(c.pools, addr)
	c.leaving[addr] = leaving{pid: pid, health: h}
	sys, self := ctx.ActorSystem(), ctx.Self()
	time.AfterFunc(grace, func() {
		sys.Root.Send(self, &graceOver{from: c, addr: addr, pid: pid})
	})
}

// graceOver retires the pool if its node has not come back meanwhile.
func (c *cluster) graceOver(ctx actor.Context, g *graceOver) {
	l, ok := c.leaving[g.addr]
	if g.from != c || !ok || !l.pid.Equal(g.pid) {
		return
	}
	delete(c.leaving, g.addr)
	c.retirePID(ctx, l.pid)
}

// follow replaces the pool of each member whose resolved address changed,
// so that its connections go to the new address. The router is unchanged:
// the node's keys stay with it.
func (c *cluster) follow(ctx actor.Context, resolved map[string]string) {
	var moved []string
	from := make(map[string]string)
	for addr, to := range resolved {
		was, known := c.resolved[addr]
		if _, member := c.nodes[addr]; member && known && was != to && c.pools[addr] != nil {
			moved = append(moved, addr)
			from[addr] = was
		}
	}
	for addr := range c.resolved {
		if _, member := c.nodes[addr]; !member {
			delete(c.resolved, addr)
		}
	}
	for addr, to := range resolved {
		if _, member := c.nodes[addr]; member {
			c.resolved[addr] = to
		}
	}
	if len(moved) == 0 {
		return
	}
	c.move(ctx, sorted(moved), from, resolved)
}

// move gives each moved node a new pool and health, swaps the snapshot,
// then retires the old pools.
func (c *cluster) move(ctx actor.Context, moved []string, from, to map[string]string) {
	old := make([]*actor.PID, 0, len(moved))
	for _, addr := range moved {
		old = append(old, c.pools[addr])
		c.health[addr] = newHealth(c.rt.cfg.FailureThreshold)
		c.pools[addr] = c.spawnPool(ctx, addr)
	}
	c.epoch++
	c.rt.publish(&Snapshot{Epoch: c.epoch, Router: c.rt.Snapshot().Router,
		Pools: copyPIDs(c.pools), health: copyMap(c.health)})
	for _, pid := range old {
		c.retirePID(ctx, pid)
	}
	for _, addr := range moved {
		c.rt.log.Info("node moved; reconnecting", "node", addr, "from", from[addr], "to", to[addr])
		c.rt.event(&messages.NodeMoved{Herd: c.rt.cfg.Name, Node: addr,
			From: from[addr], To: to[addr]})
	}
}
