package actors

import (
	"context"
	"errors"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

var errNoUsableNodes = errors.New("discovery answered no usable nodes")

// poll asks discovery in a goroutine of its own, so the cluster actor stays
// responsive while a slow source answers; the answer comes back as a
// message. At most one query runs at a time.
func (c *cluster) poll(ctx actor.Context) {
	if c.halted || c.draining {
		return
	}
	if c.polling {
		c.again = true
		return
	}
	c.polling = true
	sys, self := ctx.ActorSystem(), ctx.Self()
	qctx, cancel := context.WithTimeout(c.runCtx, c.rt.cfg.DiscoveryTimeout)
	c.rt.background.Add(1)
	go func() {
		defer c.rt.background.Done()
		defer cancel()
		nodes, err := c.rt.cfg.Discovery.Nodes(qctx)
		var resolved map[string]string
		if err == nil {
			resolved = resolveAll(qctx, c.rt.cfg.Discovery, nodes)
		}
		sys.Root.Send(self, &discovered{from: c, nodes: nodes, err: err, resolved: resolved})
	}()
}

// answered applies one discovery answer and schedules the next poll.
func (c *cluster) answered(ctx actor.Context, d *discovered) {
	if d.from != c || c.halted {
		return // an answer meant for an earlier incarnation
	}
	c.polling = false
	c.apply(ctx, d)
	c.rt.markReady()
	if c.again {
		c.again = false
		c.poll(ctx)
		return
	}
	c.schedule(ctx)
}

func (c *cluster) schedule(ctx actor.Context) {
	if c.tick != nil {
		c.tick.Stop()
	}
	sys, self := ctx.ActorSystem(), ctx.Self()
	c.tick = time.AfterFunc(c.rt.cfg.PollInterval, func() {
		sys.Root.Send(self, &pollTick{})
	})
}

func (c *cluster) apply(ctx actor.Context, d *discovered) {
	if c.draining {
		return
	}
	// What became of the answer, for Stats.
	res := &DiscoveryResult{At: time.Now()}
	defer c.rt.lastDiscovery.Store(res)
	if d.err != nil {
		res.Err = d.err
		c.keep(d.err)
		return
	}
	kept, rejected := discovery.Clean(d.nodes)
	res.Nodes, res.Rejected = len(kept), len(rejected)
	c.reject(rejected)
	if len(kept) == 0 {
		res.Err = errNoUsableNodes
		c.keep(errNoUsableNodes)
		return
	}
	if c.failing {
		c.failing = false
		c.rt.log.Info("discovery answers again", "nodes", len(kept))
	}
	if !c.guard(kept) {
		res.Held = true
		return
	}
	c.change(ctx, kept, nil)
	c.follow(ctx, d.resolved)
}

// keep logs a failed or empty answer and leaves the node set as it is.
func (c *cluster) keep(err error) {
	if !c.failing {
		c.rt.log.Warn("discovery failed; keeping the last good nodes",
			"error", err, "kept", len(c.nodes))
	} else {
		c.rt.log.Debug("discovery still failing", "error", err)
	}
	c.failing = true
	c.rt.event(&messages.DiscoveryFailed{Herd: c.rt.cfg.Name, Err: err, Kept: len(c.nodes)})
}

// reject logs each malformed entry once, when it first appears.
func (c *cluster) reject(rejected []discovery.Rejected) {
	seen := make(map[string]bool, len(rejected))
	for _, r := range rejected {
		seen[r.Entry] = true
		if c.rejected[r.Entry] {
			continue
		}
		c.rt.log.Warn("discovery entry rejected", "entry", r.Entry, "error", r.Err)
		c.rt.event(&messages.NodeRejected{Herd: c.rt.cfg.Name, Entry: r.Entry, Err: r.Err})
	}
	c.rejected = seen
}

// diff compares the current members with next.
func (c *cluster) diff(next []routing.Node) (added, removed []string, changed bool) {
	want := make(map[string]bool, len(next))
	for _, n := range next {
		want[n.Addr] = true
		old, ok := c.nodes[n.Addr]
		if !ok {
			added = append(added, n.Addr)
		} else if old.Weight != n.Weight {
			changed = true
		}
	}
	for addr := range c.nodes {
		if !want[addr] {
			removed = append(removed, addr)
		}
	}
	return added, removed, changed || len(added) > 0 || len(removed) > 0
}
