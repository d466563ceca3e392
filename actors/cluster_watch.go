package actors

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// watchNotice is a Watcher saying its source may have changed.
type watchNotice struct{ from *cluster }

// rewatchPause is the wait before a Watch that returned early is called
// again.
const rewatchPause = time.Second

// watch runs the source's Watch, if it has one, for as long as this
// incarnation of the cluster actor runs: halt cancels runCtx, which ends
// it, and Stop waits for it with the other background tasks. Each notice
// becomes a poll; polls already coalesce, so a burst of notices costs one
// or two queries.
func (c *cluster) watch(ctx actor.Context) {
	w, ok := c.rt.cfg.Discovery.(discovery.Watcher)
	if !ok {
		return
	}
	sys, self, runCtx := ctx.ActorSystem(), ctx.Self(), c.runCtx
	notice := &watchNotice{from: c}
	notify := func() {
		if runCtx.Err() == nil {
			sys.Root.Send(self, notice)
		}
	}
	c.rt.background.Add(1)
	go func() {
		defer c.rt.background.Done()
		for {
			err := w.Watch(runCtx, notify)
			if runCtx.Err() != nil {
				return
			}
			c.rt.log.Warn("discovery watch ended; polling meanwhile", "error", err)
			select {
			case <-runCtx.Done():
				return
			case <-time.After(rewatchPause):
			}
		}
	}()
}

// resolveAll resolves each usable node of an answer, if the source is a
// Resolver. A node it cannot resolve now is left out: it is neither moved
// nor dropped.
func resolveAll(ctx context.Context, d discovery.Discovery,
	nodes []routing.Node) map[string]string {
	r, ok := d.(discovery.Resolver)
	if !ok {
		return nil
	}
	kept, _ := discovery.Clean(nodes)
	out := make(map[string]string, len(kept))
	for _, n := range kept {
		if to, err := r.Resolve(ctx, n.Addr); err == nil {
			out[n.Addr] = to
		}
	}
	return out
}

// dial connects to the node at addr, where its source's Resolver, if it
// has one, says it is now.
func (r *Runtime) dial(ctx context.Context, addr string) (conn backends.Conn, err error) {
	to := addr
	if res, ok := r.cfg.Discovery.(discovery.Resolver); ok {
		if to, err = res.Resolve(ctx, addr); err != nil {
			return nil, fmt.Errorf("%w: resolve %s: %w", messages.ErrConnection, addr, err)
		}
	}
	return r.cfg.Backend.Dial(ctx, to)
}
