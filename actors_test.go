package herd_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/messages"
)

// The cluster starts with the nodes discovery gives, and every key lands on
// the node that owns it, which is one of them.
func TestPopulatesFromDiscoveryAtBoot(t *testing.T) {
	addrs := fleet(t, 3)
	e, cfg := newEnv(t, addrs...)
	h := e.start(cfg)

	want := slices.Clone(addrs)
	sort.Strings(want)
	if got := h.Nodes(); !slices.Equal(got, want) {
		t.Fatalf("nodes = %v, want %v", got, want)
	}
	spread := map[string]int{}
	for i := 0; i < 300; i++ {
		key := fmt.Sprintf("key-%d", i)
		owner, err := h.Owner(key)
		if err != nil {
			t.Fatal(err)
		}
		r := h.Send(ctxT(t), &messages.Set{Key: key, Value: []byte(key)})
		if r.Err != nil || r.Node != owner {
			t.Fatalf("set %s: err %v, served by %q, owner %q", key, r.Err, r.Node, owner)
		}
		spread[owner]++
	}
	if len(spread) != 3 {
		t.Fatalf("keys reached %d of 3 nodes: %v", len(spread), spread)
	}
	assertOnlyOwnerHolds(t, h, addrs, "key-7")
}

// assertOnlyOwnerHolds reads key from every node directly: only its owner
// has it.
func assertOnlyOwnerHolds(t *testing.T, h *herd.Herd, addrs []string, key string) {
	t.Helper()
	owner, _ := h.Owner(key)
	for _, a := range addrs {
		held := rawGet(t, a, key) != ""
		if held != (a == owner) {
			t.Fatalf("key %s on %s: held=%v, owner %s", key, a, held, owner)
		}
	}
}

// A discovery change starts and stops exactly the right pools, routing
// follows, and keys on nodes that stayed keep their node.
func TestDiscoveryChangeStartsAndStopsPools(t *testing.T) {
	addrs := fleet(t, 3)
	a, b, c := addrs[0], addrs[1], addrs[2]
	e, cfg := newEnv(t, a, b)
	h := e.start(cfg)
	before := owners(t, h, 500)
	oldB := h.Pool(b)

	epoch := h.Epoch()
	e.disc.Set(a, b, c)
	h.Refresh()
	ev := waitEvent(e, func(ev *messages.NodesChanged) bool { return ev.Epoch > epoch })
	if !slices.Equal(ev.Added, []string{c}) || len(ev.Removed) != 0 {
		t.Fatalf("added %v removed %v, want added [%s]", ev.Added, ev.Removed, c)
	}
	if h.Pool(c) == nil || !h.Pool(b).Equal(oldB) {
		t.Fatal("adding c must start its pool and leave b's alone")
	}
	moved := movedBetweenStayers(before, owners(t, h, 500), c)
	if moved != 0 {
		t.Fatalf("%d keys moved between nodes that both stayed", moved)
	}

	epoch = h.Epoch()
	e.disc.Set(a, c)
	h.Refresh()
	ev = waitEvent(e, func(ev *messages.NodesChanged) bool { return ev.Epoch > epoch })
	if !slices.Equal(ev.Removed, []string{b}) || len(ev.Added) != 0 {
		t.Fatalf("added %v removed %v, want removed [%s]", ev.Added, ev.Removed, b)
	}
	eventually(t, "b's pool has stopped", func() bool {
		_, alive := e.system.ProcessRegistry.Get(oldB)
		return !alive
	})
	for key, owner := range owners(t, h, 500) {
		if owner == b {
			t.Fatalf("key %s still routed to removed node", key)
		}
		if err := h.Set(ctxT(t), key, []byte("v"), 0); err != nil {
			t.Fatalf("set %s after removal: %v", key, err)
		}
	}
}

func owners(t *testing.T, h *herd.Herd, n int) map[string]string {
	t.Helper()
	out := make(map[string]string, n)
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("k%d", i)
		owner, err := h.Owner(key)
		if err != nil {
			t.Fatal(err)
		}
		out[key] = owner
	}
	return out
}

// movedBetweenStayers counts keys whose owner changed to anything but the
// added node.
func movedBetweenStayers(before, after map[string]string, added string) int {
	moved := 0
	for k, was := range before {
		if now := after[k]; now != was && now != added {
			moved++
		}
	}
	return moved
}

// An empty or failing discovery answer never drains a running cluster.
func TestFailingDiscoveryKeepsNodes(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	h := e.start(cfg)
	want := h.Nodes()

	e.disc.Fail(errors.New("registry unreachable"))
	h.Refresh()
	waitEvent(e, func(ev *messages.DiscoveryFailed) bool { return ev.Kept == 2 })
	e.disc.Set()
	h.Refresh()
	waitEvent(e, func(ev *messages.DiscoveryFailed) bool { return ev.Kept == 2 })

	if got := h.Nodes(); !slices.Equal(got, want) {
		t.Fatalf("nodes after failures = %v, want %v", got, want)
	}
	if err := h.Set(ctxT(t), "still", []byte("here"), 0); err != nil {
		t.Fatalf("set after failed discovery: %v", err)
	}
	if !strings.Contains(e.log.String(), "registry unreachable") {
		t.Fatalf("discovery failure not logged:\n%s", e.log.String())
	}
}

// At boot with nothing to keep, herd starts empty, answers ErrNoNodes, and
// keeps asking until discovery answers.
func TestFailingDiscoveryAtBoot(t *testing.T) {
	addrs := fleet(t, 1)
	e, cfg := newEnv(t)
	e.disc.Fail(errors.New("not yet"))
	cfg.PollInterval = 20 * time.Millisecond
	h := e.start(cfg)

	start := time.Now()
	if _, err := h.Get(ctxT(t), "k"); !errors.Is(err, herd.ErrNoNodes) {
		t.Fatalf("get on an empty herd: %v, want ErrNoNodes", err)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Fatal("ErrNoNodes must come at once, not at the deadline")
	}
	e.disc.Set(addrs...)
	eventually(t, "the herd picks up the node", func() bool { return len(h.Nodes()) == 1 })
	if err := h.Set(ctxT(t), "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
}

// A malformed entry from discovery is rejected and logged; the valid ones
// are used.
func TestMalformedDiscoveryEntryRejected(t *testing.T) {
	addrs := fleet(t, 1)
	e, cfg := newEnv(t, addrs[0], "no-port", "host:99999")
	h := e.start(cfg)

	if got := h.Nodes(); !slices.Equal(got, addrs) {
		t.Fatalf("nodes = %v, want %v", got, addrs)
	}
	for _, bad := range []string{"no-port", "host:99999"} {
		ev := waitEvent(e, func(ev *messages.NodeRejected) bool { return ev.Entry == bad })
		if !errors.Is(ev.Err, herd.ErrMalformedAddress) {
			t.Fatalf("%s rejected with %v, want ErrMalformedAddress", bad, ev.Err)
		}
		if !strings.Contains(e.log.String(), bad) {
			t.Fatalf("rejection of %q not logged:\n%s", bad, e.log.String())
		}
	}
	if err := h.Set(ctxT(t), "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
}
