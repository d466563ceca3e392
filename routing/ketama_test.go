package routing

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
)

// refKetama is ketama as the clients describe it, written the plain way:
// every point of every node in a list, and for each key a scan of the whole
// list for the lowest point at or above its hash, else the lowest point.
type refKetama struct {
	values []uint32
	addrs  []string
}

func newRefKetama(nodes []Node) refKetama {
	var r refKetama
	total := 0
	for _, n := range nodes {
		total += max(n.Weight, 1)
	}
	for _, n := range nodes {
		pct := float32(max(n.Weight, 1)) / float32(total)
		digests := int(pct * 160 / 4 * float32(len(nodes)))
		for d := range digests {
			sum := md5.Sum([]byte(fmt.Sprintf("%s-%d", KetamaName(n.Addr), d)))
			for x := range 4 {
				r.values = append(r.values, binary.LittleEndian.Uint32(sum[4*x:]))
				r.addrs = append(r.addrs, n.Addr)
			}
		}
	}
	return r
}

func (r refKetama) lookup(key string) string {
	sum := md5.Sum([]byte(key))
	h := binary.LittleEndian.Uint32(sum[:])
	best, lowest := -1, 0
	for i, v := range r.values {
		if v < r.values[lowest] {
			lowest = i
		}
		if v >= h && (best < 0 || v < r.values[best]) {
			best = i
		}
	}
	if best < 0 {
		best = lowest
	}
	return r.addrs[best]
}

// TestKetamaAgreesWithReference holds NewKetama to the plain reading of
// the algorithm on fleets without 156-point rounding.
func TestKetamaAgreesWithReference(t *testing.T) {
	sets := map[string][]Node{
		"3 default port": testNodes(3),
		"4 other ports": {{Addr: "127.0.0.1:11212"}, {Addr: "127.0.0.1:11213"},
			{Addr: "cache.example:22122"}, {Addr: "[::1]:11211"}},
		"weights": {{Addr: "a:11211", Weight: 1}, {Addr: "b:11211", Weight: 3},
			{Addr: "c:11211", Weight: 2}},
	}
	keys := append(testKeys(5_000), "", "a key longer than the usual ones, made of several words")
	for name, nodes := range sets {
		t.Run(name, func(t *testing.T) {
			r := mustKetama(t, nodes)
			ref := newRefKetama(nodes)
			if len(r.points) != len(ref.values) {
				t.Fatalf("%d points, reference %d", len(r.points), len(ref.values))
			}
			for _, key := range keys {
				if n, _ := r.Lookup(key); n.Addr != ref.lookup(key) {
					t.Fatalf("Lookup(%q) = %s, reference %s", key, n.Addr, ref.lookup(key))
				}
			}
		})
	}
}

func mustKetama(t testing.TB, nodes []Node) *ketama {
	t.Helper()
	k, err := buildKetama(nodes, ketamaPoint, ketamaKeyHash)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKetamaName(t *testing.T) {
	for addr, want := range map[string]string{
		"10.0.0.1:11211":        "10.0.0.1",
		"10.0.0.1:11212":        "10.0.0.1:11212",
		"cache.example:11211":   "cache.example",
		"[::1]:11211":           "::1",
		"[::1]:6379":            "::1:6379",
		"not an address at all": "not an address at all",
	} {
		if got := KetamaName(addr); got != want {
			t.Errorf("KetamaName(%q) = %q, want %q", addr, got, want)
		}
	}
	long := string(make([]byte, 100))
	if got := ketamaPointName(long, 7); len(got) != ketamaMaxName {
		t.Errorf("a %d-byte name gave a point name of %d bytes, want %d",
			len(long), len(got), ketamaMaxName)
	}
}

// TestKetamaPointCounts: equal weights give 40 digests a node, except in
// the fleet sizes where float32 rounding leaves 39; weights scale by share.
func TestKetamaPointCounts(t *testing.T) {
	for _, n := range []int{1, 3, 10, 24, 26, 99} {
		if d := ketamaDigests(1, n, n); d != 40 {
			t.Errorf("%d equal nodes: %d digests each, want 40", n, d)
		}
	}
	for _, n := range []int{25, 47, 50, 100} {
		if d := ketamaDigests(1, n, n); d != 39 {
			t.Errorf("%d equal nodes: %d digests each, want 39", n, d)
		}
	}
	if got := len(mustKetama(t, benchNodes(25)).points); got != 25*156 {
		t.Errorf("25 nodes: %d points, want %d", got, 25*156)
	}
	// Weights 1, 2, 1: shares 1/4, 1/2, 1/4 of 160 × 3 points.
	k := mustKetama(t, []Node{{Addr: "a:1", Weight: 1}, {Addr: "b:1", Weight: 2}, {Addr: "c:1"}})
	counts := make(map[int32]int)
	for _, o := range k.owners {
		counts[o]++
	}
	if counts[0] != 120 || counts[1] != 240 || counts[2] != 120 {
		t.Errorf("points by node %v, want 120, 240, 120", counts)
	}
}

// TestKetamaRoundingMoves documents the cost of the clients' rounding:
// growing 24 equal nodes to 25 takes 4 points from each, so a few keys move
// between nodes that stayed.
func TestKetamaRoundingMoves(t *testing.T) {
	keys := testKeys(100_000)
	nodes := orderedNodes(25)
	before := owners(t, mustKetama(t, nodes[:24]), keys)
	after := owners(t, mustKetama(t, nodes), keys)
	frac, between := movement(before, after, addrSet(nodes[:24]))
	t.Logf("ketama 24 → 25 nodes: %.2f%% moved (ideal 4%%), %.2f%% between staying nodes",
		100*frac, 100*float64(between)/float64(len(keys)))
	if between == 0 || float64(between)/float64(len(keys)) > 0.05 {
		t.Errorf("%d keys moved between staying nodes; want a few (0 < n <= 5%%)", between)
	}
}

// TestKetamaEdges places points by hand: a key goes to the first point at
// or above its hash; below the first point it goes to the first point's
// node, above the last it wraps round to it.
func TestKetamaEdges(t *testing.T) {
	pos := map[string]uint32{"a-0": 100, "b-0": 200}
	point := func(name string, x int) uint32 { return pos[name] + uint32(x) }
	keyPos := map[string]uint32{"k0": 0, "k50": 50, "k100": 100, "k101": 101,
		"k104": 104, "k200": 200, "k203": 203, "k204": 204, "kmax": ^uint32(0)}
	hash := func(k string) uint32 { return keyPos[k] }
	k, err := buildKetama([]Node{{Addr: "b:11211"}, {Addr: "a:11211"}}, point, hash)
	if err != nil {
		t.Fatal(err)
	}
	// 160 digests per node here would repeat names; only digest 0 counts.
	want := map[string]string{
		"k0": "a:11211", "k50": "a:11211", "k100": "a:11211", "k101": "a:11211",
		"k104": "b:11211", "k200": "b:11211", "k203": "b:11211",
		"k204": "a:11211", "kmax": "a:11211",
	}
	for key, addr := range want {
		if n, _ := k.Lookup(key); n.Addr != addr {
			t.Errorf("Lookup(%q) at %d = %s, want %s", key, keyPos[key], n.Addr, addr)
		}
	}
}

// TestRouterTies: when two nodes' points fall on the same position, or
// score a key equally, the node whose address sorts first wins, in any
// input order.
func TestRouterTies(t *testing.T) {
	orders := [][]Node{
		{{Addr: "a:1"}, {Addr: "b:1"}},
		{{Addr: "b:1"}, {Addr: "a:1"}},
	}
	for _, nodes := range orders {
		ring, _ := buildRing(nodes, 1, func(s string) uint64 {
			return map[string]uint64{"a:1-0": 500, "b:1-0": 500}[s]
		})
		ket, _ := buildKetama(nodes, func(string, int) uint32 { return 500 },
			func(string) uint32 { return 400 })
		ren, _ := buildRendezvous(nodes, func(string) uint64 { return 7 },
			func(uint64, uint64) uint64 { return 42 })
		for name, r := range map[string]Router{"hashring": ring, "ketama": ket, "rendezvous": ren} {
			if n, _ := r.Lookup("k"); n.Addr != "a:1" {
				t.Errorf("%s, input %v: tie went to %s, want a:1", name, addrs(nodes), n.Addr)
			}
			if name == "hashring" {
				continue // one point each, shared: b:1 is left with none
			}
			succ, _ := r.(Successors).Successors("k", 2)
			if !slices.Equal(addrs(succ), []string{"a:1", "b:1"}) {
				t.Errorf("%s, input %v: successors %v, want [a:1 b:1]", name, addrs(nodes), addrs(succ))
			}
		}
	}
}

// TestHashExtremes: keys whose hash is 0 or the largest value go to a
// node, the one their successors start with, on the routers without points.
func TestHashExtremes(t *testing.T) {
	nodes := orderedNodes(7)
	for _, h := range []uint64{0, ^uint64(0)} {
		hash := func(string) uint64 { return h }
		ren, _ := buildRendezvous(nodes, hash, mix64)
		jmp, _ := buildJump(nodes, hash)
		for name, r := range map[string]Router{"rendezvous": ren, "jump": jmp} {
			n, err := r.Lookup("k")
			succ, _ := r.(Successors).Successors("k", 1)
			if err != nil || len(succ) != 1 || succ[0] != n {
				t.Errorf("%s, hash %#x: Lookup %v, %v; successors %v", name, h, n, err, succ)
			}
		}
	}
}
