package discovery

import (
	"context"
	"errors"
	"slices"

	"github.com/herd-go/herd/routing"
)

// errNilFunc is the answer of a Func that is nil.
var errNilFunc = errors.New("herd: discovery.Func is nil")

// static answers the same list on every query.
type static []routing.Node

// Static returns a Discovery that always answers addrs, each with weight 1.
// The list is not checked here: herd cleans it like any other answer, so a
// malformed entry is rejected and logged while the rest are used.
func Static(addrs ...string) Discovery {
	return static(nodesOf(addrs))
}

// StaticNodes is Static with weights: it always answers nodes, as given.
func StaticNodes(nodes ...routing.Node) Discovery {
	return static(slices.Clone(nodes))
}

// Nodes returns a copy of the list, so callers may change it freely.
func (s static) Nodes(context.Context) ([]routing.Node, error) {
	return slices.Clone([]routing.Node(s)), nil
}

// Func adapts a function to Discovery, as http.HandlerFunc adapts one to
// http.Handler: Func(f) is a Discovery whose Nodes calls f. A nil Func
// answers an error rather than panicking.
type Func func(ctx context.Context) ([]routing.Node, error)

// Nodes calls f(ctx).
func (f Func) Nodes(ctx context.Context) ([]routing.Node, error) {
	if f == nil {
		return nil, errNilFunc
	}
	return f(ctx)
}

// nodesOf gives each address weight 1.
func nodesOf(addrs []string) []routing.Node {
	nodes := make([]routing.Node, len(addrs))
	for i, a := range addrs {
		nodes[i] = routing.Node{Addr: a, Weight: 1}
	}
	return nodes
}
