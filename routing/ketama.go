package routing

import (
	"cmp"
	"crypto/md5"
	"encoding/binary"
	"math"
	"net"
	"slices"
	"strconv"
)

// Ketama's constants, as libmemcached and twemproxy define them.
const (
	// ketamaPointsPerServer is the points an average node gets: 40 md5
	// digests of 4 points each.
	ketamaPointsPerServer = 160
	// ketamaPointsPerHash is how many points one digest gives.
	ketamaPointsPerHash = 4
	// ketamaDefaultPort is memcached's port, which a point name leaves out.
	ketamaDefaultPort = "11211"
	// ketamaMaxName is the longest point name twemproxy hashes: it formats
	// names into a buffer of 86 bytes, so longer ones are cut.
	ketamaMaxName = 85
)

// ketama is the Router that NewKetama builds: a continuum of 32-bit
// points, ascending, each with the index of its node.
type ketama struct {
	nodes  []Node   // sorted by address, weights resolved
	points []uint32 // ascending; equal values ordered by node address
	owners []int32  // owners[i] indexes nodes: the node at points[i]
	hash   func(string) uint32
}

// NewKetama builds the key-to-node mapping of libmemcached's weighted
// ketama (MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED with MD5) and of twemproxy's
// "distribution: ketama" with "hash: md5", so that herd finds a key on the
// node where those clients put it. It fits Builder.
//
// A node is named by its host, with ":port" added unless the port is
// memcached's default 11211, so "10.0.0.1:11211" is named "10.0.0.1".
// A node of weight w in a fleet of n nodes of total weight W gets
// floor(w/W × 160/4 × n) md5 digests, of "name-0", "name-1", ...; each
// digest gives 4 points (its four little-endian 32-bit words). A key hashes
// to the first little-endian word of its own md5, and belongs to the first
// point at or above that, wrapping round to the first point.
//
// The weight share is computed in 32-bit floating point, as those clients
// compute it; so with equal weights a node gets 160 points in most fleets
// but 156 in some (25, 47, 50, 100 nodes, ...), and crossing such a size
// moves a few keys between nodes that stayed. With unequal weights every
// change of the total weight rescales every node, so keys move between
// nodes that stayed; use equal weights where that matters.
//
// Should two points share a value, the one of the node whose address sorts
// first wins, whatever the order of nodes (the C clients leave such a tie
// to their sort). Weights, duplicates and an empty set are handled as by
// NewHashRing.
func NewKetama(nodes []Node) (Router, error) {
	return buildKetama(nodes, ketamaPoint, ketamaKeyHash)
}

// buildKetama is NewKetama with the point and key hashes left open, so that
// tests can place points by hand.
func buildKetama(nodes []Node, point func(name string, x int) uint32,
	hash func(string) uint32) (*ketama, error) {
	sorted, err := sortedNodes(nodes)
	if err != nil {
		return nil, err
	}
	k := &ketama{nodes: sorted, hash: hash}
	total := 0
	for _, n := range sorted {
		total += n.Weight
	}

	type entry struct {
		value uint32
		owner int32
	}
	var all []entry
	for i, n := range sorted {
		name := KetamaName(n.Addr)
		for d := range ketamaDigests(n.Weight, total, len(sorted)) {
			pname := ketamaPointName(name, d)
			for x := range ketamaPointsPerHash {
				all = append(all, entry{point(pname, x), int32(i)})
			}
		}
	}

	// Owners are indexes into nodes sorted by address, so sorting by value
	// then owner breaks ties the same way for any input order.
	slices.SortFunc(all, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.value, b.value), cmp.Compare(a.owner, b.owner))
	})
	k.points = make([]uint32, len(all))
	k.owners = make([]int32, len(all))
	for i, e := range all {
		k.points[i], k.owners[i] = e.value, e.owner
	}
	return k, nil
}

// ketamaDigests is how many md5 digests a node of weight w gets in a fleet
// of n nodes of total weight total. The arithmetic is libmemcached's and
// twemproxy's, step by step in float32 (each conversion rounds, so that no
// step is fused), then a tiny double added before the floor.
func ketamaDigests(w, total, n int) int {
	pct := float32(w) / float32(total)
	f := float32(pct * ketamaPointsPerServer)
	f = float32(f / ketamaPointsPerHash)
	f = float32(f * float32(n))
	return int(math.Floor(float64(float32(float64(f) + 0.0000000001))))
}

// KetamaName is the name ketama hashes for the node at addr: its host, then
// ":port" unless the port is 11211. An address that is not host:port is
// named as it stands.
func KetamaName(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if port == ketamaDefaultPort {
		return host
	}
	return host + ":" + port
}

// ketamaPointName is the string hashed for digest d of the node named name,
// cut as twemproxy cuts it.
func ketamaPointName(name string, d int) string {
	s := name + "-" + strconv.Itoa(d)
	if len(s) > ketamaMaxName {
		s = s[:ketamaMaxName]
	}
	return s
}

// ketamaPoint is point x (0 to 3) of the digest of name.
func ketamaPoint(name string, x int) uint32 {
	sum := md5.Sum([]byte(name))
	return binary.LittleEndian.Uint32(sum[4*x:])
}

// ketamaKeyHash places a key on the continuum: the first little-endian word
// of its md5. Keys up to 250 bytes, all a memcached key can be, are copied
// to the stack first, so hashing them allocates nothing.
func ketamaKeyHash(key string) uint32 {
	var buf [250]byte
	var sum [md5.Size]byte
	if len(key) <= len(buf) {
		n := copy(buf[:], key)
		sum = md5.Sum(buf[:n])
	} else {
		sum = md5.Sum([]byte(key))
	}
	return binary.LittleEndian.Uint32(sum[:])
}

// first returns the index of the first point at or above h, wrapping round
// to the first point.
func (k *ketama) first(h uint32) int {
	i, _ := slices.BinarySearch(k.points, h)
	if i == len(k.points) {
		return 0
	}
	return i
}

// owner returns the index in k.nodes of the node that owns key. The
// continuum must have points.
func (k *ketama) owner(key string) int32 {
	return k.owners[k.first(k.hash(key))]
}

// Lookup returns the node that owns key, or ErrNoNodes.
func (k *ketama) Lookup(key string) (Node, error) {
	if len(k.points) == 0 {
		return Node{}, ErrNoNodes
	}
	return k.nodes[k.owner(key)], nil
}

// Group splits keys by the address of the node that owns them, keeping
// their order within each node.
func (k *ketama) Group(keys []string) (map[string][]string, error) {
	if len(k.points) == 0 {
		return nil, ErrNoNodes
	}
	return groupBy(keys, k.nodes, k.owner), nil
}

// Successors returns up to n distinct nodes for key: its owner, then the
// owners of the next points round the continuum. With equal weights the
// second is where the key goes if its owner leaves (except where the fleet
// size crosses one that rounds to 156 points, see NewKetama).
func (k *ketama) Successors(key string, n int) ([]Node, error) {
	if len(k.points) == 0 {
		return nil, ErrNoNodes
	}
	return walkRing(k.nodes, k.owners, k.first(k.hash(key)), n), nil
}

// Nodes returns a copy of the nodes, sorted by address.
func (k *ketama) Nodes() []Node { return slices.Clone(k.nodes) }

// String names the router.
func (k *ketama) String() string { return RouterKetama }
