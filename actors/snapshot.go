package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// Snapshot is one immutable view of the cluster: the router and the pool of
// each node. The cluster actor builds a new one on every membership change
// and swaps it in atomically; callers read it without locks or messages.
type Snapshot struct {
	// Epoch increases by one with every membership change.
	Epoch uint64
	// Router maps keys to nodes.
	Router routing.Router
	// Pools holds the PID of each node's pool, by address.
	Pools map[string]*actor.PID

	health map[string]*health // by address; shared with pools and workers
}

// Health returns each node's health, by address.
func (s *Snapshot) Health() map[string]NodeHealth {
	out := make(map[string]NodeHealth, len(s.health))
	for addr, h := range s.health {
		out[addr] = h.snapshot()
	}
	return out
}

// counters returns the counters of the node at addr, or else def.
func (s *Snapshot) counters(addr string, def *counters) *counters {
	if h := s.health[addr]; h != nil {
		return &h.counters
	}
	return def
}

// down reports whether the node at addr is marked down.
func (s *Snapshot) down(addr string) bool {
	h := s.health[addr]
	return h != nil && h.isDown()
}

// worker returns the next worker of the node at addr, or nil if its pool
// offers none just now.
func (s *Snapshot) worker(addr string) *workerRef {
	if h := s.health[addr]; h != nil {
		return h.worker()
	}
	return nil
}

// Route returns the node that owns key and its pool's PID.
func (s *Snapshot) Route(key string) (string, *actor.PID, error) {
	node, err := s.Router.Lookup(key)
	if err != nil {
		return "", nil, err
	}
	pid := s.Pools[node.Addr]
	if pid == nil {
		return node.Addr, nil, messages.ErrNodeGone
	}
	return node.Addr, pid, nil
}

// Addrs returns the addresses of the snapshot's nodes, sorted.
func (s *Snapshot) Addrs() []string {
	nodes := s.Router.Nodes()
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// emptyRouter answers ErrNoNodes; it stands in before the first membership.
type emptyRouter struct{}

func (emptyRouter) Lookup(string) (routing.Node, error) {
	return routing.Node{}, messages.ErrNoNodes
}

func (emptyRouter) Group([]string) (map[string][]string, error) {
	return nil, messages.ErrNoNodes
}

func (emptyRouter) Nodes() []routing.Node { return nil }

var emptySnapshot = &Snapshot{Router: emptyRouter{}, Pools: map[string]*actor.PID{},
	health: map[string]*health{}}
