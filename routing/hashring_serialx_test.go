package routing

import (
	"fmt"
	"slices"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/serialx/hashring"
)

// serialxRing builds the ring HashRing answered from before it kept its own
// index: serialx/hashring over the same weights scaled by PointsPerWeight,
// hashing point names and keys with xxhash, asked key by key.
func serialxRing(t testing.TB, nodes []Node) *hashring.HashRing {
	t.Helper()
	byAddr, err := collapse(nodes)
	if err != nil {
		t.Fatal(err)
	}
	weights := make(map[string]int, len(byAddr))
	for addr, n := range byAddr {
		weights[addr] = n.Weight * PointsPerWeight
	}
	hash := func(b []byte) hashring.HashKey { return ringPoint(xxhash.Sum64(b)) }
	return hashring.NewWithHashAndWeights(weights, hash)
}

// agreementSets are the node sets on which HashRing must give every key the
// node serialx/hashring gives it: equal nodes, weighted ones, and input
// that collapse has to clean up.
func agreementSets() map[string][]Node {
	return map[string][]Node{
		"1 node":        testNodes(1),
		"3 equal":       testNodes(3),
		"10 equal":      testNodes(10),
		"100 equal":     benchNodes(100),
		"weights 1,2,1": {{Addr: "a:1", Weight: 1}, {Addr: "b:1", Weight: 2}, {Addr: "c:1", Weight: 1}},
		"mixed weights": {
			{Addr: "10.0.0.1:11211", Weight: 1}, {Addr: "10.0.0.2:11211", Weight: 3},
			{Addr: "10.0.0.3:11211", Weight: 5}, {Addr: "10.0.0.4:11211", Weight: 2},
			{Addr: "10.0.0.5:11211", Weight: MaxWeight}, {Addr: "10.0.0.6:11211"},
		},
		"zero and duplicates": {
			{Addr: "a:1"}, {Addr: "b:1", Weight: 4}, {Addr: "a:1", Weight: 2}, {Addr: "c:1"},
		},
	}
}

// TestLookupAgreesWithSerialx checks, for 100,000 keys on each node set,
// that Lookup and Group give exactly the node serialx/hashring gives.
func TestLookupAgreesWithSerialx(t *testing.T) {
	keys := testKeys(100_000)
	for name, nodes := range agreementSets() {
		t.Run(name, func(t *testing.T) {
			r := mustRing(t, nodes)
			ref := serialxRing(t, nodes)
			want := make(map[string][]string)
			for _, key := range keys {
				addr, _ := ref.GetNode(key)
				want[addr] = append(want[addr], key)
				if n, _ := r.Lookup(key); n.Addr != addr {
					t.Fatalf("Lookup(%q) = %s, serialx/hashring says %s", key, n.Addr, addr)
				}
			}

			groups, err := r.Group(keys)
			if err != nil || len(groups) != len(want) {
				t.Fatalf("Group: %d groups, %v; want %d", len(groups), err, len(want))
			}
			for addr, ks := range want {
				if !slices.Equal(groups[addr], ks) {
					t.Errorf("Group gives %s %d keys, serialx/hashring %d",
						addr, len(groups[addr]), len(ks))
				}
			}
		})
	}
}

// TestSuccessorsAgreeWithSerialx checks Successors against serialx's own
// walk round the ring, for a short and a full list.
func TestSuccessorsAgreeWithSerialx(t *testing.T) {
	keys := testKeys(5_000)
	for name, nodes := range agreementSets() {
		t.Run(name, func(t *testing.T) {
			r := mustRing(t, nodes).(Successors)
			ref := serialxRing(t, nodes)
			size := ref.Size()
			for _, n := range []int{1, min(2, size), size} {
				for _, key := range keys {
					got, _ := r.Successors(key, n)
					want, _ := ref.GetNodes(key, n)
					if !slices.Equal(addrs(got), want) {
						t.Fatalf("Successors(%q, %d) = %v, serialx/hashring %v",
							key, n, addrs(got), want)
					}
				}
			}
		})
	}
}

// addrs returns the addresses of nodes, in order.
func addrs(nodes []Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Addr
	}
	return out
}

func TestSuccessorsBounds(t *testing.T) {
	r := mustRing(t, testNodes(3)).(Successors)
	for _, n := range []int{-1, 0} {
		if got, err := r.Successors("k", n); len(got) != 0 || err != nil {
			t.Errorf("Successors(k, %d) = %v, %v; want none", n, got, err)
		}
	}
	if got, _ := r.Successors("k", 10); len(got) != 3 {
		t.Errorf("Successors(k, 10) gave %d nodes, want all 3", len(got))
	}

	// More nodes than seen's stack words cover.
	big := mustRing(t, benchNodes(300)).(Successors)
	if got, _ := big.Successors("k", 300); len(got) != 300 {
		t.Errorf("Successors(k, 300) on 300 nodes gave %d", len(got))
	}
}

// TestGroupSlicesIndependent checks that appending to one group cannot
// write into another, though they share one array.
func TestGroupSlicesIndependent(t *testing.T) {
	r := mustRing(t, testNodes(3))
	groups, _ := r.Group(testKeys(100))
	before := make(map[string][]string, len(groups))
	for addr, ks := range groups {
		before[addr] = slices.Clone(ks)
	}
	for addr := range groups {
		groups[addr] = append(groups[addr], "extra")
	}
	for addr, ks := range before {
		if !slices.Equal(groups[addr][:len(ks)], ks) {
			t.Errorf("appending to a group changed group %s", addr)
		}
	}
}

// TestAllocs pins what a lookup costs: nothing for Lookup, the returned
// slice for Successors, and for Group a count that does not grow with the
// number of keys.
func TestAllocs(t *testing.T) {
	r := mustRing(t, testNodes(10))
	keys := testKeys(10_000)
	if a := testing.AllocsPerRun(100, func() { r.Lookup(keys[7]) }); a != 0 {
		t.Errorf("Lookup: %v allocations, want 0", a)
	}
	succ := r.(Successors)
	if a := testing.AllocsPerRun(100, func() { succ.Successors(keys[7], 10) }); a != 1 {
		t.Errorf("Successors: %v allocations, want 1", a)
	}

	few := testing.AllocsPerRun(20, func() { r.Group(keys[:100]) })
	many := testing.AllocsPerRun(20, func() { r.Group(keys) })
	if many != few {
		t.Errorf("Group: %v allocations for 100 keys, %v for %d", few, many, len(keys))
	}
}

func BenchmarkGroup(b *testing.B) {
	r := mustRing(b, benchNodes(10))
	for _, size := range []int{10, 100} {
		keys := testKeys(size)
		b.Run(fmt.Sprintf("keys=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Group(keys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSuccessors(b *testing.B) {
	keys := testKeys(1024)
	r := mustRing(b, benchNodes(10)).(Successors)
	for _, n := range []int{2, 10} {
		b.Run(fmt.Sprintf("nodes=10/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := r.Successors(keys[i%len(keys)], n); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
