package routing

import "github.com/herd-go/herd/messages"

// ErrNoNodes is returned by a router that has no nodes. It is the same
// value as messages.ErrNoNodes.
var ErrNoNodes = messages.ErrNoNodes

// Node is one member of the cluster: its address as discovery gave it
// (normalised to host:port) and its weight, a share of the keys relative to
// the other nodes. Weight 0 counts as 1.
type Node struct {
	Addr   string
	Weight int
}

// Router maps keys to nodes. A Router is immutable: a membership change
// builds a new one, so a router can be shared by any number of goroutines
// without locks.
type Router interface {
	// Lookup returns the node that owns key, or ErrNoNodes.
	Lookup(key string) (Node, error)
	// Group splits keys by the address of the node that owns them.
	Group(keys []string) (map[string][]string, error)
	// Nodes returns the router's nodes, sorted by address.
	Nodes() []Node
}

// Builder builds a router over nodes. herd calls it on every membership
// change; nodes have distinct addresses and arrive in no particular order.
type Builder func(nodes []Node) (Router, error)

// Successors is implemented by routers that can rank the nodes for a key:
// its owner first, then the nodes that would own it if those before them
// were gone. herd uses it to fail a key over while its owner is down.
type Successors interface {
	// Successors returns up to n distinct nodes for key, owner first.
	Successors(key string, n int) ([]Node, error)
}
