package routing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/herd-go/herd/messages"
)

// testKeys returns n fixed keys: key-0, key-1, ...
func testKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%d", i)
	}
	return keys
}

// testNodes returns n equal nodes at 10.0.0.1:11211, 10.0.0.2:11211, ...
func testNodes(n int) []Node {
	nodes := make([]Node, n)
	for i := range nodes {
		nodes[i] = Node{Addr: fmt.Sprintf("10.0.0.%d:11211", i+1), Weight: 1}
	}
	return nodes
}

// mustRing builds a HashRing or fails the test.
func mustRing(t testing.TB, nodes []Node) Router {
	t.Helper()
	r, err := NewHashRing(nodes)
	if err != nil {
		t.Fatalf("NewHashRing: %v", err)
	}
	return r
}

// owners returns the address that owns each key.
func owners(t testing.TB, r Router, keys []string) []string {
	t.Helper()
	out := make([]string, len(keys))
	for i, k := range keys {
		n, err := r.Lookup(k)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", k, err)
		}
		out[i] = n.Addr
	}
	return out
}

// loads counts the keys each address owns.
func loads(owned []string) map[string]int {
	m := make(map[string]int)
	for _, a := range owned {
		m[a]++
	}
	return m
}

// movement compares two assignments: the fraction of keys that moved, and
// how many moved between two addresses that are both in stayed.
func movement(before, after []string, stayed map[string]bool) (float64, int) {
	moved, between := 0, 0
	for i := range before {
		if before[i] == after[i] {
			continue
		}
		moved++
		if stayed[before[i]] && stayed[after[i]] {
			between++
		}
	}
	return float64(moved) / float64(len(before)), between
}

// addrSet returns the addresses of nodes as a set.
func addrSet(nodes []Node) map[string]bool {
	s := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		s[n.Addr] = true
	}
	return s
}

func TestBalance(t *testing.T) {
	keys := testKeys(100_000)
	nodes := testNodes(11)
	ten := owners(t, mustRing(t, nodes[:10]), keys)

	t.Run("spread", func(t *testing.T) {
		load := loads(ten)
		peak := 0
		for _, n := range load {
			peak = max(peak, n)
		}
		ratio := float64(peak) / (float64(len(keys)) / 10)
		t.Logf("10 nodes, %d keys: max/mean load %.3f (limit 1.25)", len(keys), ratio)
		if len(load) != 10 || ratio > 1.25 {
			t.Errorf("%d nodes own keys, max/mean %.3f; want 10 and <= 1.25", len(load), ratio)
		}
	})

	t.Run("add", func(t *testing.T) {
		eleven := owners(t, mustRing(t, nodes), keys)
		frac, between := movement(ten, eleven, addrSet(nodes[:10]))
		t.Logf("adding an 11th node moved %.2f%% of keys (ideal %.2f%%, limit %.2f%%)",
			100*frac, 100.0/11, 120.0/11)
		if frac > 1.2/11 || between != 0 {
			t.Errorf("moved %.4f (limit %.4f), %d between staying nodes", frac, 1.2/11, between)
		}
	})

	t.Run("remove", func(t *testing.T) {
		worst := removeEach(t, nodes[:10], keys, ten)
		t.Logf("removing one of 10 nodes moved at most %.2f%% of keys (ideal 10%%, limit 12%%)",
			100*worst)
	})
}

// removeEach removes each node in turn from nodes, checks that only its
// keys move and that they are at most 1.2 times a fair share, and returns
// the largest fraction moved.
func removeEach(t *testing.T, nodes []Node, keys, before []string) float64 {
	t.Helper()
	worst := 0.0
	for i := range nodes {
		rest := slices.Delete(slices.Clone(nodes), i, i+1)
		after := owners(t, mustRing(t, rest), keys)
		frac, between := movement(before, after, addrSet(rest))
		if frac > 1.2/float64(len(nodes)) || between != 0 {
			t.Errorf("removing %s moved %.4f, %d between staying nodes",
				nodes[i].Addr, frac, between)
		}
		worst = max(worst, frac)
	}
	return worst
}

func TestOrderIndependence(t *testing.T) {
	keys := testKeys(10_000)
	nodes := append(testNodes(10), Node{Addr: "10.0.0.3:11211", Weight: 2})
	want := owners(t, mustRing(t, nodes), keys)
	wantNodes := mustRing(t, nodes).Nodes()

	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5 {
		shuffled := slices.Clone(nodes)
		rng.Shuffle(len(shuffled), func(a, b int) {
			shuffled[a], shuffled[b] = shuffled[b], shuffled[a]
		})
		r := mustRing(t, shuffled)
		if !slices.Equal(owners(t, r, keys), want) || !slices.Equal(r.Nodes(), wantNodes) {
			t.Fatalf("shuffle %d (%v) changed the mapping", i, shuffled)
		}
	}
}

func TestDuplicates(t *testing.T) {
	keys := testKeys(10_000)
	dup := []Node{
		{Addr: "a:1", Weight: 1}, {Addr: "b:1"}, {Addr: "a:1", Weight: 3}, {Addr: "b:1"},
	}
	single := []Node{{Addr: "a:1", Weight: 3}, {Addr: "b:1", Weight: 1}}

	r := mustRing(t, dup)
	if got := r.Nodes(); !slices.Equal(got, single) {
		t.Errorf("Nodes() = %v, want %v (largest weight wins)", got, single)
	}
	if !slices.Equal(owners(t, r, keys), owners(t, mustRing(t, single), keys)) {
		t.Error("duplicates changed the mapping")
	}
}

func TestEmpty(t *testing.T) {
	for _, nodes := range [][]Node{nil, {}} {
		r := mustRing(t, nodes)
		if _, err := r.Lookup("k"); !errors.Is(err, messages.ErrNoNodes) {
			t.Errorf("Lookup on %v: err %v, want ErrNoNodes", nodes, err)
		}
		if _, err := r.Group([]string{"k"}); !errors.Is(err, ErrNoNodes) {
			t.Errorf("Group on %v: err %v, want ErrNoNodes", nodes, err)
		}
		if got := r.Nodes(); len(got) != 0 {
			t.Errorf("Nodes() = %v, want none", got)
		}
	}
}

func TestWeights(t *testing.T) {
	keys := testKeys(100_000)
	nodes := []Node{{Addr: "a:1", Weight: 1}, {Addr: "b:1", Weight: 2}, {Addr: "c:1", Weight: 1}}
	load := loads(owners(t, mustRing(t, nodes), keys))

	ratio := float64(load["b:1"]) / (float64(load["a:1"]+load["c:1"]) / 2)
	t.Logf("weight 2 node owns %.2f times the keys of a weight 1 node", ratio)
	if ratio < 1.7 || ratio > 2.3 {
		t.Errorf("weight 2 / weight 1 load = %.2f, want about 2 (loads %v)", ratio, load)
	}
}

func TestWeightZeroCountsAsOne(t *testing.T) {
	keys := testKeys(10_000)
	zero := []Node{{Addr: "a:1"}, {Addr: "b:1"}}
	one := []Node{{Addr: "a:1", Weight: 1}, {Addr: "b:1", Weight: 1}}

	r := mustRing(t, zero)
	if !slices.Equal(owners(t, r, keys), owners(t, mustRing(t, one), keys)) {
		t.Error("weight 0 and weight 1 rings differ")
	}
	if got := r.Nodes(); !slices.Equal(got, one) {
		t.Errorf("Nodes() = %v, want %v", got, one)
	}
}

func TestBadWeights(t *testing.T) {
	for _, w := range []int{-1, MaxWeight + 1} {
		nodes := []Node{{Addr: "a:1"}, {Addr: "b:1", Weight: w}}
		if _, err := NewHashRing(nodes); !errors.Is(err, ErrBadWeight) {
			t.Errorf("weight %d: err %v, want ErrBadWeight", w, err)
		}
	}
	if _, err := NewHashRing([]Node{{Addr: "a:1", Weight: MaxWeight}}); err != nil {
		t.Errorf("weight MaxWeight: %v", err)
	}
}
