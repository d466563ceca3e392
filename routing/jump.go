package routing

import (
	"slices"

	"github.com/cespare/xxhash/v2"
)

// jump is the Router that NewJump builds.
type jump struct {
	nodes []Node  // sorted by address, weights resolved
	slots []int32 // slots[b] indexes nodes: the node of bucket b
	hash  func(string) uint64
}

// NewJump builds a jump consistent hash router (Lamping and Veach, 2014)
// for a fixed, ordered fleet. It fits Builder.
//
// The nodes are ordered by address and each gets as many consecutive
// buckets as its weight; a key's xxhash picks a bucket by jump hashing.
// Lookups are the cheapest of herd's routers, need no table of points, and
// spread keys almost perfectly evenly. The limit is in the order: growing
// the fleet by a node whose address sorts after all the others moves only
// that node's share of keys to it, and removing the node that sorts last
// moves only its keys; but adding or removing any other node renumbers the
// buckets after it, and moves keys between nodes that stayed (removing a
// middle node of ten moves nearly 60% of the keys). Use Jump where nodes are
// only ever appended, such as numbered shards (shard-00, shard-01, ...),
// and replaced in place rather than removed. Changing a weight renumbers
// too.
//
// Weights, duplicates and an empty set are handled as by NewHashRing.
func NewJump(nodes []Node) (Router, error) {
	return buildJump(nodes, xxhash.Sum64String)
}

// buildJump is NewJump with the key hash left open.
func buildJump(nodes []Node, hash func(string) uint64) (*jump, error) {
	sorted, err := sortedNodes(nodes)
	if err != nil {
		return nil, err
	}
	j := &jump{nodes: sorted, hash: hash}
	for i, n := range sorted {
		for range n.Weight {
			j.slots = append(j.slots, int32(i))
		}
	}
	return j, nil
}

// jumpBucket maps key to a bucket in [0, buckets) by Lamping and Veach's
// jump consistent hash: a pseudo-random walk, seeded by key, of jumps
// forward over the buckets; the last bucket reached below buckets wins.
// Growing buckets by one moves a key only to the new bucket.
func jumpBucket(key uint64, buckets int) int {
	b, next := -1, 0
	for next < buckets {
		b = next
		key = key*2862933555777941757 + 1
		next = int(float64(b+1) * (float64(1<<31) / float64(key>>33+1)))
	}
	return b
}

// owner returns the index of the node that owns key. There must be nodes.
func (j *jump) owner(key string) int32 {
	return j.slots[jumpBucket(j.hash(key), len(j.slots))]
}

// Lookup returns the node that owns key, or ErrNoNodes.
func (j *jump) Lookup(key string) (Node, error) {
	if len(j.slots) == 0 {
		return Node{}, ErrNoNodes
	}
	return j.nodes[j.owner(key)], nil
}

// Group splits keys by the address of the node that owns them, keeping
// their order within each node.
func (j *jump) Group(keys []string) (map[string][]string, error) {
	if len(j.slots) == 0 {
		return nil, ErrNoNodes
	}
	return groupBy(keys, j.nodes, j.owner), nil
}

// Successors returns up to n distinct nodes for key: its owner, then where
// the key would go were the nodes before it gone from the fleet (their
// buckets dropped and the rest renumbered). It allocates the slice it
// returns and a copy of the buckets.
func (j *jump) Successors(key string, n int) ([]Node, error) {
	if len(j.slots) == 0 {
		return nil, ErrNoNodes
	}
	n = min(n, len(j.nodes))
	if n <= 0 {
		return nil, nil
	}
	h := j.hash(key)
	slots := slices.Clone(j.slots)
	out := make([]Node, 0, n)
	for len(out) < n {
		o := slots[jumpBucket(h, len(slots))]
		out = append(out, j.nodes[o])
		slots = slices.DeleteFunc(slots, func(s int32) bool { return s == o })
	}
	return out, nil
}

// Nodes returns a copy of the nodes, sorted by address.
func (j *jump) Nodes() []Node { return slices.Clone(j.nodes) }

// String names the router.
func (j *jump) String() string { return RouterJump }
