package routing

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/serialx/hashring"
)

// index fills r.points and r.owners from ring, which serialx/hashring built
// over r.nodes with r.hash and perWeight points per unit of weight.
//
// serialx/hashring decides who owns each arc, but asking it costs two
// allocations a key (a []byte copy of the key and a boxed hash). So index
// asks it once per point, at build time, and keeps the answers as plain
// integers for Lookup, Group and Successors to search.
func (r *hashRing) index(ring *hashring.HashRing, perWeight int) {
	all := r.place(perWeight)
	if len(all) == 0 {
		return
	}
	at := make(map[string]int32, len(r.nodes))
	for i, n := range r.nodes {
		at[n.Addr] = int32(i)
	}

	// A key that hashes exactly onto a point belongs to the next point,
	// so looking up the name of the point before each one (the last one
	// before the first) tells which node ring gives that point. Where two
	// nodes' points share a position, ring's choice would depend on the
	// order it met them in; there the node whose address sorts first wins.
	r.points = make([]uint64, len(all))
	r.owners = make([]int32, len(all))
	before := all[len(all)-1].name
	for i, p := range all {
		addr, _ := ring.GetNode(before)
		r.points[i], r.owners[i] = p.pos, at[addr]
		if p.shared {
			r.owners[i] = p.owner
		}
		before = p.name
	}
}

// namedPoint is a point's position on the ring, the name hashed to it, and
// the index of its node.
type namedPoint struct {
	pos    uint64
	name   string
	owner  int32
	shared bool // another node's point has the same position
}

// place returns the points of r.nodes in ascending order of position.
// Points that share a position appear once, as serialx/hashring keeps one
// owner for each position: the one of the node whose address sorts first,
// marked shared.
func (r *hashRing) place(perWeight int) []namedPoint {
	total := 0
	for _, n := range r.nodes {
		total += n.Weight * perWeight
	}
	all := make([]namedPoint, 0, total)
	for i, n := range r.nodes {
		for j := range n.Weight * perWeight {
			name := pointName(n.Addr, j)
			all = append(all, namedPoint{pos: r.hash(name), name: name, owner: int32(i)})
		}
	}
	slices.SortFunc(all, func(a, b namedPoint) int {
		return cmp.Or(cmp.Compare(a.pos, b.pos), cmp.Compare(a.owner, b.owner))
	})
	for i := 1; i < len(all); i++ {
		if all[i].pos == all[i-1].pos && all[i].owner != all[i-1].owner {
			all[i-1].shared, all[i].shared = true, true
		}
	}
	return slices.CompactFunc(all, func(a, b namedPoint) bool { return a.pos == b.pos })
}

// pointName is the name serialx/hashring hashes to place point j of the
// node at addr.
func pointName(addr string, j int) string {
	return addr + "-" + strconv.Itoa(j)
}

// owner returns the index in r.nodes of the node that owns key. The ring
// must have points.
func (r *hashRing) owner(key string) int32 {
	return r.owners[r.next(r.hash(key))]
}

// next returns the index in r.points of the first point strictly after
// pos, wrapping round to the first point.
func (r *hashRing) next(pos uint64) int {
	i, found := slices.BinarySearch(r.points, pos)
	if found {
		i++
	}
	if i == len(r.points) {
		return 0
	}
	return i
}

// serialx adapts h to serialx/hashring, which hashes point names and keys
// as bytes into an ordered key.
func (h keyHash) serialx(b []byte) hashring.HashKey {
	return ringPoint(h(string(b)))
}

// ringPoint is a position on serialx/hashring's ring.
type ringPoint uint64

// Less orders points for serialx/hashring.
func (p ringPoint) Less(other hashring.HashKey) bool {
	return p < other.(ringPoint)
}
