package routing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// routerCase is one router under the properties every router must have,
// with the bounds it is held to.
type routerCase struct {
	name  string
	build Builder
	// balance is the largest max/mean load allowed on 10 equal nodes.
	balance float64
	// move is the largest fraction of keys allowed to move on a change,
	// as a multiple of the ideal (the changed node's share).
	move float64
	// ordered: only a node that sorts last can be added or removed
	// cleanly (Jump).
	ordered bool
}

func routerCases() []routerCase {
	return []routerCase{
		{name: RouterHashRing, build: NewHashRing, balance: 1.25, move: 1.2},
		{name: RouterKetama, build: NewKetama, balance: 1.3, move: 1.3},
		{name: RouterRendezvous, build: NewRendezvous, balance: 1.05, move: 1.05},
		{name: RouterJump, build: NewJump, balance: 1.05, move: 1.05, ordered: true},
	}
}

// forEachRouter runs f as a subtest for every router.
func forEachRouter(t *testing.T, f func(t *testing.T, rc routerCase)) {
	for _, rc := range routerCases() {
		t.Run(rc.name, func(t *testing.T) { f(t, rc) })
	}
}

// build builds rc's router over nodes or fails the test.
func (rc routerCase) mustBuild(t testing.TB, nodes []Node) Router {
	t.Helper()
	r, err := rc.build(nodes)
	if err != nil {
		t.Fatalf("%s: %v", rc.name, err)
	}
	return r
}

// orderedNodes returns n equal nodes whose addresses sort in index order,
// so that the last one is also the last by address.
func orderedNodes(n int) []Node {
	nodes := make([]Node, n)
	for i := range nodes {
		nodes[i] = Node{Addr: fmt.Sprintf("cache-%03d.herd:11211", i), Weight: 1}
	}
	return nodes
}

func TestRouterBalance(t *testing.T) {
	keys := testKeys(100_000)
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		load := loads(owners(t, rc.mustBuild(t, orderedNodes(10)), keys))
		peak := 0
		for _, n := range load {
			peak = max(peak, n)
		}
		ratio := float64(peak) / (float64(len(keys)) / 10)
		t.Logf("%s: max/mean load %.3f (limit %.2f)", rc.name, ratio, rc.balance)
		if len(load) != 10 || ratio > rc.balance {
			t.Errorf("%d nodes own keys, max/mean %.3f; want 10 and <= %.2f",
				len(load), ratio, rc.balance)
		}
	})
}

func TestRouterAddNode(t *testing.T) {
	keys := testKeys(100_000)
	nodes := orderedNodes(11)
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		before := owners(t, rc.mustBuild(t, nodes[:10]), keys)
		after := owners(t, rc.mustBuild(t, nodes), keys)
		frac, between := movement(before, after, addrSet(nodes[:10]))
		t.Logf("%s: adding an 11th node moved %.2f%% (ideal %.2f%%)", rc.name, 100*frac, 100.0/11)
		if frac > rc.move/11 || between != 0 {
			t.Errorf("moved %.4f (limit %.4f), %d between staying nodes", frac, rc.move/11, between)
		}
		for i, a := range after {
			if a != before[i] && a != nodes[10].Addr {
				t.Fatalf("key %s moved to %s, not to the new node", keys[i], a)
			}
		}
	})
}

func TestRouterRemoveNode(t *testing.T) {
	keys := testKeys(100_000)
	nodes := orderedNodes(10)
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		before := owners(t, rc.mustBuild(t, nodes), keys)
		worst := 0.0
		for i := range nodes {
			if rc.ordered && i != len(nodes)-1 {
				continue // see TestJumpMiddleRemoval
			}
			rest := slices.Delete(slices.Clone(nodes), i, i+1)
			after := owners(t, rc.mustBuild(t, rest), keys)
			frac, between := movement(before, after, addrSet(rest))
			if frac > rc.move/10 || between != 0 {
				t.Errorf("removing %s moved %.4f (limit %.4f), %d between staying nodes",
					nodes[i].Addr, frac, rc.move/10, between)
			}
			worst = max(worst, frac)
		}
		t.Logf("%s: removing a node moved at most %.2f%% (ideal 10%%)", rc.name, 100*worst)
	})
}

// TestJumpMiddleRemoval holds Jump's documented limit: removing a node
// that is not last renumbers the buckets after it, so keys move between
// nodes that stayed.
func TestJumpMiddleRemoval(t *testing.T) {
	keys := testKeys(100_000)
	nodes := orderedNodes(10)
	before := owners(t, mustJump(t, nodes), keys)
	rest := slices.Delete(slices.Clone(nodes), 4, 5)
	frac, between := movement(before, owners(t, mustJump(t, rest), keys), addrSet(rest))
	t.Logf("jump: removing the 5th of 10 nodes moved %.2f%%, %.2f%% between staying nodes",
		100*frac, 100*float64(between)/float64(len(keys)))
	if between == 0 || frac < 0.15 {
		t.Errorf("moved %.4f, %d between staying nodes; the documented limit no longer holds",
			frac, between)
	}
}

func mustJump(t testing.TB, nodes []Node) Router {
	t.Helper()
	r, err := NewJump(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRouterOrderIndependence(t *testing.T) {
	keys := testKeys(10_000)
	nodes := append(testNodes(10), Node{Addr: "10.0.0.3:11211", Weight: 2},
		Node{Addr: "10.0.0.20:11211", Weight: 3})
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		want := owners(t, rc.mustBuild(t, nodes), keys)
		wantNodes := rc.mustBuild(t, nodes).Nodes()
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 5 {
			shuffled := slices.Clone(nodes)
			rng.Shuffle(len(shuffled), func(a, b int) {
				shuffled[a], shuffled[b] = shuffled[b], shuffled[a]
			})
			r := rc.mustBuild(t, shuffled)
			if !slices.Equal(owners(t, r, keys), want) || !slices.Equal(r.Nodes(), wantNodes) {
				t.Fatalf("shuffle %d (%v) changed the mapping", i, shuffled)
			}
		}
	})
}

func TestRouterDuplicates(t *testing.T) {
	keys := testKeys(10_000)
	dup := []Node{{Addr: "a:1", Weight: 1}, {Addr: "b:1"}, {Addr: "a:1", Weight: 3}, {Addr: "b:1"}}
	single := []Node{{Addr: "a:1", Weight: 3}, {Addr: "b:1", Weight: 1}}
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		r := rc.mustBuild(t, dup)
		if got := r.Nodes(); !slices.Equal(got, single) {
			t.Errorf("Nodes() = %v, want %v (largest weight wins)", got, single)
		}
		if !slices.Equal(owners(t, r, keys), owners(t, rc.mustBuild(t, single), keys)) {
			t.Error("duplicates changed the mapping")
		}
	})
}

func TestRouterEmpty(t *testing.T) {
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		for _, nodes := range [][]Node{nil, {}} {
			r := rc.mustBuild(t, nodes)
			if _, err := r.Lookup("k"); !errors.Is(err, ErrNoNodes) {
				t.Errorf("Lookup: %v, want ErrNoNodes", err)
			}
			if _, err := r.Group([]string{"k"}); !errors.Is(err, ErrNoNodes) {
				t.Errorf("Group: %v, want ErrNoNodes", err)
			}
			if _, err := r.(Successors).Successors("k", 2); !errors.Is(err, ErrNoNodes) {
				t.Errorf("Successors: %v, want ErrNoNodes", err)
			}
			if len(r.Nodes()) != 0 {
				t.Errorf("Nodes() = %v, want none", r.Nodes())
			}
		}
	})
}

func TestRouterBadWeights(t *testing.T) {
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		for _, w := range []int{-1, MaxWeight + 1} {
			_, err := rc.build([]Node{{Addr: "a:1"}, {Addr: "b:1", Weight: w}})
			if !errors.Is(err, ErrBadWeight) {
				t.Errorf("weight %d: %v, want ErrBadWeight", w, err)
			}
		}
	})
}

func TestRouterWeights(t *testing.T) {
	keys := testKeys(100_000)
	nodes := []Node{{Addr: "a:1", Weight: 1}, {Addr: "b:1", Weight: 2}, {Addr: "c:1", Weight: 1}}
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		load := loads(owners(t, rc.mustBuild(t, nodes), keys))
		ratio := float64(load["b:1"]) / (float64(load["a:1"]+load["c:1"]) / 2)
		t.Logf("%s: weight 2 owns %.2f times the keys of weight 1", rc.name, ratio)
		if ratio < 1.7 || ratio > 2.3 {
			t.Errorf("weight 2 / weight 1 load = %.2f, want about 2 (%v)", ratio, load)
		}
	})
}

func TestRouterGroupAgreesWithLookup(t *testing.T) {
	keys := append(testKeys(2000), "key-7", "key-3", "key-7")
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		r := rc.mustBuild(t, testNodes(5))
		groups, err := r.Group(keys)
		if err != nil {
			t.Fatal(err)
		}
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
				t.Errorf("group %s differs from Lookup's", addr)
			}
		}
	})
}

// TestRouterSuccessors: the owner comes first, no node twice, and the
// second node is where the key goes once its owner is removed.
func TestRouterSuccessors(t *testing.T) {
	nodes := orderedNodes(5)
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		full := rc.mustBuild(t, nodes).(Successors)
		without := make(map[string]Router)
		for i, n := range nodes {
			without[n.Addr] = rc.mustBuild(t, slices.Delete(slices.Clone(nodes), i, i+1))
		}
		for _, key := range testKeys(2000) {
			succ, err := full.Successors(key, len(nodes))
			if err != nil || len(succ) != len(nodes) {
				t.Fatalf("Successors(%s): %v, %v", key, succ, err)
			}
			owner, _ := full.(Router).Lookup(key)
			if succ[0] != owner {
				t.Fatalf("first successor of %s is %v, owner %v", key, succ[0], owner)
			}
			if len(addrSet(succ)) != len(nodes) {
				t.Fatalf("successors of %s repeat a node: %v", key, succ)
			}
			if next, _ := without[owner.Addr].Lookup(key); next != succ[1] {
				t.Fatalf("%s: second successor %v, without the owner it goes to %v",
					key, succ[1], next)
			}
		}
	})
}

// TestRouterAllocs: a lookup allocates nothing, whatever the router and
// the fleet's size. Run without the race detector by `make test`.
func TestRouterAllocs(t *testing.T) {
	keys := testKeys(100)
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		for _, size := range []int{3, 10, 100} {
			r := rc.mustBuild(t, benchNodes(size))
			i := 0
			if a := testing.AllocsPerRun(200, func() { r.Lookup(keys[i%len(keys)]); i++ }); a != 0 {
				t.Errorf("%d nodes: Lookup allocates %v times, want 0", size, a)
			}
		}
		weighted := rc.mustBuild(t, []Node{{Addr: "a:1", Weight: 3}, {Addr: "b:1"}})
		if a := testing.AllocsPerRun(200, func() { weighted.Lookup(keys[1]) }); a != 0 {
			t.Errorf("weighted: Lookup allocates %v times, want 0", a)
		}
	})
}

func TestRouterNames(t *testing.T) {
	forEachRouter(t, func(t *testing.T, rc routerCase) {
		if got := Name(rc.mustBuild(t, testNodes(2))); got != rc.name {
			t.Errorf("Name = %q, want %q", got, rc.name)
		}
		b, err := ByName(" " + rc.name + " ")
		if err != nil {
			t.Fatalf("ByName(%q): %v", rc.name, err)
		}
		if got := Name(mustBuilt(t, b)); got != rc.name {
			t.Errorf("ByName(%q) builds %q", rc.name, got)
		}
	})
	if _, err := ByName("modulo"); !errors.Is(err, ErrUnknownRouter) {
		t.Errorf("ByName(modulo): %v, want ErrUnknownRouter", err)
	}
}

func mustBuilt(t *testing.T, b Builder) Router {
	t.Helper()
	r, err := b(testNodes(2))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
