package routing

import (
	"slices"
	"strings"
)

// sortedNodes checks weights, collapses duplicate addresses (the largest
// weight wins) and returns the nodes sorted by address. Every router works
// from this list, so none depends on the order of its input.
func sortedNodes(nodes []Node) ([]Node, error) {
	byAddr, err := collapse(nodes)
	if err != nil {
		return nil, err
	}
	out := make([]Node, 0, len(byAddr))
	for _, n := range byAddr {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Node) int { return strings.Compare(a.Addr, b.Addr) })
	return out, nil
}

// groupBy splits keys by the address of their owner, as owner gives the
// index of each key's node in nodes, keeping the keys' order in each group.
// Its allocations do not grow with the number of keys.
func groupBy(keys []string, nodes []Node, owner func(string) int32) map[string][]string {
	// Look each key up once and count the keys of each node, so that every
	// group can be cut from one array.
	owned := make([]int32, len(keys))
	ends := make([]int, len(nodes))
	for i, key := range keys {
		owned[i] = owner(key)
		ends[owned[i]]++
	}
	for i := 1; i < len(ends); i++ {
		ends[i] += ends[i-1]
	}

	// Fill each node's stretch from its end backwards, walking the keys in
	// reverse, so each group keeps the keys' order.
	all := make([]string, len(keys))
	for i := len(keys) - 1; i >= 0; i-- {
		ends[owned[i]]--
		all[ends[owned[i]]] = keys[i]
	}

	// ends[i] is now where node i's stretch starts.
	groups := make(map[string][]string, min(len(nodes), len(keys)))
	for i, start := range ends {
		end := len(all)
		if i+1 < len(ends) {
			end = ends[i+1]
		}
		if end > start {
			// A full slice expression, so that appending to one group
			// cannot overwrite the next.
			groups[nodes[i].Addr] = all[start:end:end]
		}
	}
	return groups
}

// seenSet returns a bit set for n nodes: small when it fits, or a new one.
// Callers pass a stack array as small, so that up to 256 nodes it costs no
// allocation.
func seenSet(small []uint64, n int) []uint64 {
	if w := (n + 63) / 64; w > len(small) {
		return make([]uint64, w)
	}
	return small
}

// mark sets bit i of seen and reports whether it was clear.
func mark(seen []uint64, i int32) bool {
	if seen[i/64]&(1<<(i%64)) != 0 {
		return false
	}
	seen[i/64] |= 1 << (i % 64)
	return true
}

// walkRing returns up to n distinct owners met walking owners from index
// first round the ring: the successors of a key whose first point is first.
// It allocates only the slice it returns, and none for n <= 0.
func walkRing(nodes []Node, owners []int32, first, n int) []Node {
	n = min(n, len(nodes))
	if n <= 0 {
		return nil
	}
	var small [4]uint64
	seen := seenSet(small[:], len(nodes))
	out := make([]Node, 0, n)
	for k := 0; k < len(owners) && len(out) < n; k++ {
		if o := owners[(first+k)%len(owners)]; mark(seen, o) {
			out = append(out, nodes[o])
		}
	}
	return out
}
