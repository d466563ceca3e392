package discovery

import (
	"context"
	"slices"
	"sync"

	"github.com/herd-go/herd/routing"
)

// Manual is a Discovery whose answer is set by hand: for tests, and for
// programs that learn membership their own way and push it to herd. It is
// safe for concurrent use. The zero value answers an empty set, which herd
// treats like any empty answer: it keeps the last good set.
//
// A change is seen at herd's next query; send the herd a messages.Refresh
// to have it asked at once.
type Manual struct {
	mu    sync.Mutex
	nodes []routing.Node
	err   error
	calls int
}

// NewManual returns a Manual that answers addrs, each with weight 1.
func NewManual(addrs ...string) *Manual {
	return &Manual{nodes: nodesOf(addrs)}
}

// Nodes answers the current set, or the error given to Fail. It counts
// every call, including those made with a context already done, which
// answer the context's error.
func (m *Manual) Nodes(ctx context.Context) ([]routing.Node, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if m.err != nil {
		return nil, m.err
	}
	return slices.Clone(m.nodes), nil
}

// Set replaces the answer with addrs, each with weight 1, and ends any
// failure set by Fail.
func (m *Manual) Set(addrs ...string) {
	m.SetNodes(nodesOf(addrs)...)
}

// SetNodes replaces the answer with nodes, as given, and ends any failure
// set by Fail.
func (m *Manual) SetNodes(nodes ...routing.Node) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nodes = slices.Clone(nodes)
	m.err = nil
}

// Fail makes every query answer err until the next Set or SetNodes. The
// set itself is kept. Fail(nil) ends the failure.
func (m *Manual) Fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

// Calls reports how many times Nodes has been called.
func (m *Manual) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}
