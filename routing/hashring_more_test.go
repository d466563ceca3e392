package routing

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestGroupAgreesWithLookup(t *testing.T) {
	r := mustRing(t, testNodes(5))
	keys := append(testKeys(1000), "key-7", "key-3", "key-7")

	groups, err := r.Group(keys)
	if err != nil {
		t.Fatalf("Group: %v", err)
	}

	// Rebuild each group from Lookup, in input order, and compare.
	want := make(map[string][]string)
	for _, k := range keys {
		n, _ := r.Lookup(k)
		want[n.Addr] = append(want[n.Addr], k)
	}
	if len(groups) != len(want) {
		t.Fatalf("Group gave %d groups, Lookup %d", len(groups), len(want))
	}
	for addr, ks := range want {
		if !slices.Equal(groups[addr], ks) {
			t.Errorf("group %s = %v, want %v", addr, groups[addr], ks)
		}
	}
}

func TestGroupNoKeys(t *testing.T) {
	groups, err := mustRing(t, testNodes(3)).Group(nil)
	if err != nil || len(groups) != 0 {
		t.Errorf("Group(nil) = %v, %v; want empty map, nil", groups, err)
	}
}

func TestNodesSortedAndCopied(t *testing.T) {
	r := mustRing(t, []Node{{Addr: "c:1"}, {Addr: "a:1", Weight: 2}, {Addr: "b:1"}})
	got := r.Nodes()
	want := []Node{{Addr: "a:1", Weight: 2}, {Addr: "b:1", Weight: 1}, {Addr: "c:1", Weight: 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("Nodes() = %v, want %v", got, want)
	}

	got[0].Addr = "changed"
	if again := r.Nodes(); !slices.Equal(again, want) {
		t.Errorf("changing Nodes()'s result changed the router: %v", again)
	}
}

func TestLookupReturnsWeight(t *testing.T) {
	r := mustRing(t, []Node{{Addr: "only:1", Weight: 4}})
	n, err := r.Lookup("anything")
	if err != nil || n != (Node{Addr: "only:1", Weight: 4}) {
		t.Errorf("Lookup = %v, %v; want only:1 with weight 4", n, err)
	}
}

// TestConcurrentLookups shares one router among goroutines; run with -race.
func TestConcurrentLookups(t *testing.T) {
	r := mustRing(t, testNodes(10))
	keys := testKeys(2000)
	want := owners(t, r, keys)

	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for i, k := range keys {
				if n, _ := r.Lookup(k); n.Addr != want[i] {
					errs <- k
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for k := range errs {
		t.Errorf("concurrent Lookup(%q) disagreed", k)
	}
}

// TestRingPositions places points by hand with an injected hash: a key
// belongs to the first point strictly after its hash, wrapping round.
func TestRingPositions(t *testing.T) {
	pos := map[string]uint64{
		"a:1-0": 100, "b:1-0": 200, "b:1-1": 300,
		"k50": 50, "k100": 100, "k150": 150, "k250": 250, "k300": 300, "k900": 900,
	}
	hash := func(s string) uint64 { return pos[s] }
	r, err := buildRing([]Node{{Addr: "a:1"}, {Addr: "b:1", Weight: 2}}, 1, hash)
	if err != nil {
		t.Fatal(err)
	}

	want := map[string]string{
		"k50": "a:1", "k100": "b:1", "k150": "b:1",
		"k250": "b:1", "k300": "a:1", "k900": "a:1",
	}
	for key, addr := range want {
		if n, _ := r.Lookup(key); n.Addr != addr {
			t.Errorf("Lookup(%q) = %s, want %s", key, n.Addr, addr)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	keys := testKeys(1024)
	for _, size := range []int{3, 10, 100} {
		b.Run(fmt.Sprintf("nodes=%d", size), func(b *testing.B) {
			r := mustRing(b, benchNodes(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := r.Lookup(keys[i%len(keys)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkNewHashRing measures the rebuild herd does on each membership
// change.
func BenchmarkNewHashRing(b *testing.B) {
	for _, size := range []int{3, 10, 100} {
		b.Run(fmt.Sprintf("nodes=%d", size), func(b *testing.B) {
			nodes := benchNodes(size)
			b.ReportAllocs()
			for b.Loop() {
				mustRing(b, nodes)
			}
		})
	}
}

// benchNodes returns n equal nodes with distinct addresses, n up to 64k.
func benchNodes(n int) []Node {
	nodes := make([]Node, n)
	for i := range nodes {
		nodes[i] = Node{Addr: fmt.Sprintf("10.1.%d.%d:11211", i/256, i%256)}
	}
	return nodes
}

// Successors starts with the key's owner, names each node at most once,
// and its second node is the one that owns the key once the owner is gone.
func TestSuccessors(t *testing.T) {
	nodes := []Node{{Addr: "a:1"}, {Addr: "b:1"}, {Addr: "c:1"}, {Addr: "d:1"}}
	full, _ := NewHashRing(nodes)
	for i := 0; i < 1000; i++ {
		key := fmt.Sprintf("key-%d", i)
		succ, err := full.(Successors).Successors(key, 4)
		if err != nil || len(succ) != 4 {
			t.Fatalf("successors of %s: %v, %v", key, succ, err)
		}
		owner, _ := full.Lookup(key)
		if succ[0] != owner {
			t.Fatalf("first successor of %s is %v, owner %v", key, succ[0], owner)
		}
		seen := map[string]bool{}
		for _, n := range succ {
			if seen[n.Addr] {
				t.Fatalf("successors of %s repeat %s", key, n.Addr)
			}
			seen[n.Addr] = true
		}
		var rest []Node
		for _, n := range nodes {
			if n.Addr != owner.Addr {
				rest = append(rest, n)
			}
		}
		without, _ := NewHashRing(rest)
		if next, _ := without.Lookup(key); next.Addr != succ[1].Addr {
			t.Fatalf("%s: second successor %s, but without the owner it goes to %s",
				key, succ[1].Addr, next.Addr)
		}
	}
	empty, _ := NewHashRing(nil)
	if _, err := empty.(Successors).Successors("k", 2); !errors.Is(err, ErrNoNodes) {
		t.Fatalf("empty ring: %v", err)
	}
}
