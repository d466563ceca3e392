// Events logs every membership and health event of a herd, as an
// operator's subscriber would, while it runs a drill that brings each one
// about: nodes join, discovery gives a malformed entry, fails, asks to
// remove most nodes at once, and moves a node to a new address.
//
//	go run ./examples/events
//
// It runs on embedded in-process redis nodes, so it needs nothing
// installed. Its test runs the same drill on real memcached servers, and
// also stops and restarts one, for NodeDown and NodeUp.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/eventstream"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/embedded"
	"github.com/herd-go/herd/messages"
)

func main() {
	servers, stop, err := embedded.Redis(4)
	if err != nil {
		fmt.Fprintln(os.Stderr, "events:", err)
		os.Exit(1)
	}
	defer stop()
	if err := run(os.Stdout, redis.New(redis.Options{}), servers, nil); err != nil {
		fmt.Fprintln(os.Stderr, "events:", err)
		stop()
		os.Exit(1)
	}
}

// logEvents subscribes to the events of the herd named name on system's
// event stream and logs each on one line. Unsubscribe the subscription it
// returns when done. The event stream calls it on the publishing actor's
// goroutine, so it only logs.
func logEvents(system *actor.ActorSystem, name string, log hclog.Logger) *eventstream.Subscription {
	return system.EventStream.Subscribe(func(evt any) {
		if e, ok := evt.(messages.Event); !ok || e.HerdName() != name {
			return // not an event of this herd
		}
		switch ev := evt.(type) {
		case *messages.NodesChanged:
			log.Info("membership changed", "epoch", ev.Epoch, "added", ev.Added,
				"removed", ev.Removed, "nodes", len(ev.Nodes))
		case *messages.DiscoveryFailed:
			log.Warn("discovery failed; nodes kept", "error", ev.Err, "kept", ev.Kept)
		case *messages.NodeRejected:
			log.Warn("discovery entry rejected", "entry", ev.Entry, "error", ev.Err)
		case *messages.RemovalHeld:
			log.Warn("large removal held", "removed", ev.Removed, "seen", ev.Seen, "need", ev.Need)
		case *messages.NodeMoved:
			log.Info("node moved", "node", ev.Node, "from", ev.From, "to", ev.To)
		case *messages.NodeDown:
			log.Error("node down", "node", ev.Node, "failures", ev.Failures, "error", ev.Err)
		case *messages.NodeUp:
			log.Info("node up", "node", ev.Node, "down_for", ev.DownFor.Round(time.Millisecond))
		}
	})
}

// names is a discovery source whose nodes are names, each resolved to the
// address of one of the servers: changing a name's address moves the node.
type names struct {
	*discovery.Manual
	mu    sync.Mutex
	addrs map[string]string
}

// Resolve implements discovery.Resolver.
func (n *names) Resolve(_ context.Context, name string) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if addr, ok := n.addrs[name]; ok {
		return addr, nil
	}
	return "", fmt.Errorf("no address for %s", name)
}

func (n *names) point(name, addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.addrs[name] = addr
}

// health stops and restarts the server behind a node, for the drill's
// NodeDown and NodeUp; nil skips that part.
type health struct {
	kill, revive func(addr string)
}

// run drills a herd over the first three servers, named a, b and c; the
// fourth is where c moves.
func run(out io.Writer, backend backends.Backend, servers []string, h *health) error {
	if len(servers) < 4 {
		return fmt.Errorf("need 4 servers, got %d", len(servers))
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "events", Output: out, Level: hclog.Info})
	src := &names{Manual: discovery.NewManual("a:1", "b:1"),
		addrs: map[string]string{"a:1": servers[0], "b:1": servers[1], "c:1": servers[2]}}
	system := actor.NewActorSystem(herd.QuietActorSystem())
	defer system.Shutdown()
	sub := logEvents(system, "drill", log)
	defer system.EventStream.Unsubscribe(sub)
	seen := make(chan any, 64)
	watch := system.EventStream.Subscribe(func(evt any) { seen <- evt })
	defer system.EventStream.Unsubscribe(watch)

	hd, err := herd.Start(system, herd.Config{Name: "drill", Backend: backend, Discovery: src,
		PollInterval: time.Hour, ProbeInterval: 50 * time.Millisecond,
		Logger: hclog.NewNullLogger()})
	if err != nil {
		return err
	}
	defer hd.Stop()
	d := &drill{herd: hd, src: src, seen: seen}
	return d.run(servers, h)
}

// drill brings each event about in turn and waits for it.
type drill struct {
	herd *herd.Herd
	src  *names
	seen chan any
}

func (d *drill) run(servers []string, h *health) error {
	steps := []struct {
		what string
		do   func()
		want func(any) bool
	}{
		{"start", func() {}, is[*messages.NodesChanged]},
		{"join", func() { d.src.Set("a:1", "b:1", "c:1", "not an address") },
			is[*messages.NodeRejected]},
		{"fail", func() { d.src.Fail(errors.New("registry unreachable")) },
			is[*messages.DiscoveryFailed]},
		{"hold", func() { d.src.Set("a:1") }, is[*messages.RemovalHeld]},
		{"move", func() { d.src.Set("a:1", "b:1", "c:1"); d.src.point("c:1", servers[3]) },
			is[*messages.NodeMoved]},
	}
	for _, s := range steps {
		s.do()
		d.herd.Refresh()
		if err := d.await(s.what, s.want); err != nil {
			return err
		}
	}
	if h == nil {
		return nil
	}
	return d.downAndUp(servers[1], h)
}

// downAndUp stops the server behind b, calls b until it is marked down,
// restarts the server and waits for a probe to bring b back.
func (d *drill) downAndUp(addr string, h *health) error {
	h.kill(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	key := keyOn(d.herd, "b:1")
	for !d.herd.Health()["b:1"].Down && ctx.Err() == nil {
		_ = d.herd.Set(ctx, key, []byte("v"), time.Minute)
	}
	if err := d.await("down", is[*messages.NodeDown]); err != nil {
		return err
	}
	h.revive(addr)
	return d.await("up", is[*messages.NodeUp])
}

// await waits, at most 5 s, for an event that want accepts.
func (d *drill) await(what string, want func(any) bool) error {
	timeout := time.After(5 * time.Second)
	for {
		select {
		case evt := <-d.seen:
			if want(evt) {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("step %q: no event within 5 s", what)
		}
	}
}

func is[T any](evt any) bool {
	_, ok := evt.(T)
	return ok
}

// keyOn returns a key that node owns.
func keyOn(h *herd.Herd, node string) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("drill:%d", i)
		if owner, _ := h.Owner(k); owner == node {
			return k
		}
	}
}
