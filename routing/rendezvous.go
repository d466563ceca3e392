package routing

import (
	"math"
	"slices"

	"github.com/cespare/xxhash/v2"
)

// rendezvous is the Router that NewRendezvous builds.
type rendezvous struct {
	nodes   []Node    // sorted by address, weights resolved
	seeds   []uint64  // seeds[i]: the hash of nodes[i]'s address
	weights []float64 // nodes' weights, for weighted scores
	equal   bool      // all weights equal: compare raw scores
	hash    func(string) uint64
	mix     func(key, seed uint64) uint64
}

// NewRendezvous builds a rendezvous (highest random weight) router: each
// node scores each key by a hash of the pair, and the highest score owns
// the key. It fits Builder.
//
// The key is hashed once with xxhash; each node's score mixes that with a
// hash of the node's address. With unequal weights a node of weight w
// scores w / -ln(u), u being its hash as a fraction in (0, 1), so its share
// of keys is its share of the weight. Removing a node moves exactly its
// keys, adding one moves to it only its share, and no key moves between
// nodes that stayed, whatever the weights. A lookup costs one score per
// node, so it grows with the fleet; it allocates nothing.
//
// Should two nodes score a key equally, the node whose address sorts first
// wins. Weights, duplicates and an empty set are handled as by NewHashRing.
func NewRendezvous(nodes []Node) (Router, error) {
	return buildRendezvous(nodes, xxhash.Sum64String, mix64)
}

// buildRendezvous is NewRendezvous with the hashes left open, so that tests
// can force ties.
func buildRendezvous(nodes []Node, hash func(string) uint64,
	mix func(key, seed uint64) uint64) (*rendezvous, error) {
	sorted, err := sortedNodes(nodes)
	if err != nil {
		return nil, err
	}
	r := &rendezvous{nodes: sorted, hash: hash, mix: mix, equal: true,
		seeds: make([]uint64, len(sorted)), weights: make([]float64, len(sorted))}
	for i, n := range sorted {
		r.seeds[i] = hash(n.Addr)
		r.weights[i] = float64(n.Weight)
		r.equal = r.equal && n.Weight == sorted[0].Weight
	}
	return r, nil
}

// mix64 combines a key's hash with a node's seed into a well-spread score:
// the seed is xored in, then the bits are stirred by a multiply-xorshift
// finaliser, so that nearby inputs give unrelated scores.
func mix64(key, seed uint64) uint64 {
	x := key ^ seed
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// score is node i's score for a key that hashed to h.
func (r *rendezvous) score(h uint64, i int) float64 {
	s := r.mix(h, r.seeds[i])
	if r.equal {
		return float64(s)
	}
	// u in (0, 1): the top 53 bits, off both ends by half a step.
	u := (float64(s>>11) + 0.5) / (1 << 53)
	return r.weights[i] / -math.Log(u)
}

// owner returns the index of the node that owns key: the highest score,
// the first address on a tie. There must be nodes.
func (r *rendezvous) owner(key string) int32 {
	h := r.hash(key)
	if r.equal {
		// Raw scores compare exactly; no float rounding can make a tie.
		best, top := 0, r.mix(h, r.seeds[0])
		for i := 1; i < len(r.seeds); i++ {
			if s := r.mix(h, r.seeds[i]); s > top {
				best, top = i, s
			}
		}
		return int32(best)
	}
	best, top := 0, r.score(h, 0)
	for i := 1; i < len(r.seeds); i++ {
		if s := r.score(h, i); s > top {
			best, top = i, s
		}
	}
	return int32(best)
}

// Lookup returns the node that owns key, or ErrNoNodes.
func (r *rendezvous) Lookup(key string) (Node, error) {
	if len(r.nodes) == 0 {
		return Node{}, ErrNoNodes
	}
	return r.nodes[r.owner(key)], nil
}

// Group splits keys by the address of the node that owns them, keeping
// their order within each node.
func (r *rendezvous) Group(keys []string) (map[string][]string, error) {
	if len(r.nodes) == 0 {
		return nil, ErrNoNodes
	}
	return groupBy(keys, r.nodes, r.owner), nil
}

// Successors returns up to n nodes for key in descending order of score:
// each is exactly where the key goes once those before it are gone. It
// allocates the slice it returns (and a bit set beyond 256 nodes).
func (r *rendezvous) Successors(key string, n int) ([]Node, error) {
	if len(r.nodes) == 0 {
		return nil, ErrNoNodes
	}
	n = min(n, len(r.nodes))
	if n <= 0 {
		return nil, nil
	}
	var small [4]uint64
	seen := seenSet(small[:], len(r.nodes))
	h := r.hash(key)
	out := make([]Node, 0, n)
	for len(out) < n {
		best := int32(-1)
		var top float64
		var topRaw uint64
		for i := range r.nodes {
			if seen[i/64]&(1<<(i%64)) != 0 {
				continue
			}
			if r.equal {
				if s := r.mix(h, r.seeds[i]); best < 0 || s > topRaw {
					best, topRaw = int32(i), s
				}
			} else if s := r.score(h, i); best < 0 || s > top {
				best, top = int32(i), s
			}
		}
		mark(seen, best)
		out = append(out, r.nodes[best])
	}
	return out, nil
}

// Nodes returns a copy of the nodes, sorted by address.
func (r *rendezvous) Nodes() []Node { return slices.Clone(r.nodes) }

// String names the router.
func (r *rendezvous) String() string { return RouterRendezvous }
