package herd

import (
	"fmt"
	"strings"

	"github.com/herd-go/herd/routing"
)

// Explanation says how herd routes one key at the moment it was asked, from
// the routing snapshot in force then.
type Explanation struct {
	Key string
	// Router names the router in use: "hashring", "ketama", "rendezvous",
	// "jump", or the Go type of a router of your own.
	Router string
	// Epoch is the snapshot's: the number of membership changes so far.
	Epoch uint64
	// Owner is the node that owns the key, and OwnerHealth its health.
	Owner       string
	OwnerHealth NodeHealth
	// Next is the node the key goes to should its owner leave, and where
	// Failover sends it while the owner is down if Next is up: the
	// owner's successor. It is "" when there is no other node, or the
	// router cannot rank nodes (it does not implement routing.Successors).
	Next       string
	NextHealth NodeHealth
}

// Explain tells which node owns key now, how that node is, which node is
// next in line for it, and which router decided. It reads the current
// routing snapshot, as a request would, and sends nothing to any node. It
// returns ErrNoNodes if the herd has no nodes.
func (h *Herd) Explain(key string) (Explanation, error) {
	snap := h.rt.Snapshot()
	e := Explanation{Key: key, Router: routing.Name(snap.Router), Epoch: snap.Epoch}
	owner, err := snap.Router.Lookup(key)
	if err != nil {
		return e, err
	}
	e.Owner = owner.Addr
	if succ, ok := snap.Router.(routing.Successors); ok {
		nodes, err := succ.Successors(key, 2)
		if err != nil {
			return e, err
		}
		if len(nodes) > 1 {
			e.Next = nodes[1].Addr
		}
	}
	health := snap.Health()
	e.OwnerHealth = health[e.Owner]
	if e.Next != "" {
		e.NextHealth = health[e.Next]
	}
	return e, nil
}

// String gives the explanation on one line, such as
// `key "user:42" → 10.0.0.2:11211 (up), next 10.0.0.1:11211 (up); router ketama, epoch 1`.
func (e Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "key %q → %s (%s)", e.Key, e.Owner, state(e.OwnerHealth))
	if e.Next != "" {
		fmt.Fprintf(&b, ", next %s (%s)", e.Next, state(e.NextHealth))
	}
	fmt.Fprintf(&b, "; router %s, epoch %d", e.Router, e.Epoch)
	return b.String()
}

// state is "up", or "down" with the failure that put the node there.
func state(h NodeHealth) string {
	if !h.Down {
		return "up"
	}
	if h.LastError != nil {
		return "down: " + h.LastError.Error()
	}
	return "down"
}
