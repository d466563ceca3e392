package herd_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/messages"
)

// TestLargeRemovalHeld: an answer that removes more than RemovalLimit of
// the nodes is held, with an event, until it has come RemovalPolls more
// times in a row; a different answer in between starts the count again.
func TestLargeRemovalHeld(t *testing.T) {
	addrs := fleet(t, 4)
	e, cfg := newEnv(t, addrs...)
	h := e.start(cfg)
	eventually(t, "4 nodes", func() bool { return len(h.Nodes()) == 4 })

	ask := func(set ...string) { // returns once the answer has been read
		calls := e.disc.Calls()
		e.disc.Set(set...)
		h.Refresh()
		eventually(t, "discovery asked", func() bool { return e.disc.Calls() > calls })
	}
	ask(addrs[0])
	if ev := waitEvent(e, func(*messages.RemovalHeld) bool { return true }); ev.Seen != 1 ||
		ev.Need != 3 || len(ev.Removed) != 3 {
		t.Fatalf("held %+v, want 3 removed, seen 1 of 3", ev)
	}
	ask(addrs...) // back to normal: the count starts again
	ask(addrs[0])
	for seen := 1; seen <= 2; seen++ {
		ev := waitEvent(e, func(*messages.RemovalHeld) bool { return true })
		if ev.Seen != seen {
			t.Fatalf("held %+v, want seen %d", ev, seen)
		}
		if len(h.Nodes()) != 4 {
			t.Fatalf("nodes %v while the removal is held", h.Nodes())
		}
		ask(addrs[0])
	}
	ev := waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Removed) == 3 })
	if !slices.Equal(ev.Nodes, addrs[:1]) {
		t.Fatalf("after the third answer nodes are %v, want %v", ev.Nodes, addrs[:1])
	}

	// Half is not more than half: 2 of 4 goes through at once.
	ask(addrs...)
	waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Nodes) == 4 })
	ask(addrs[:2]...)
	waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Removed) == 2 })
}

// TestSameNodesSameKeys: two herds given the same nodes in other orders,
// spellings and with a duplicate map every key to the same node.
func TestSameNodesSameKeys(t *testing.T) {
	addrs := fleet(t, 3)
	e, cfg := newEnv(t, addrs...)
	h1 := e.start(cfg)
	other := []string{" " + addrs[2], addrs[0] + " ", addrs[1], addrs[0]}
	cfg2 := cfg
	cfg2.Name, cfg2.Discovery = "herd2", discovery.Static(other...)
	h2, err := herd.Start(e.system, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Stop()
	eventually(t, "both see 3 nodes", func() bool {
		return len(h1.Nodes()) == 3 && len(h2.Nodes()) == 3
	})
	for i := range 10000 {
		k := fmt.Sprintf("key:%d", i)
		o1, err1 := h1.Owner(k)
		o2, err2 := h2.Owner(k)
		if err1 != nil || err2 != nil || o1 != o2 {
			t.Fatalf("%s: %s, %v vs %s, %v", k, o1, err1, o2, err2)
		}
	}
}

// TestReapplyIsFlat applies the same list, reordered and with duplicates,
// 200 times under load: no event, no new connection, no pool restarted,
// and the goroutine count stays where it was.
func TestReapplyIsFlat(t *testing.T) {
	addrs := fleet(t, 3)
	e, cfg := newEnv(t, addrs...)
	h := e.start(cfg)
	eventually(t, "3 nodes", func() bool { return len(h.Nodes()) == 3 })
	var stop atomic.Bool
	var wg sync.WaitGroup
	var done, failed atomic.Int64
	for g := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				k := fmt.Sprintf("g%d-%d", g, i%100)
				if err := h.Set(ctxT(t), k, []byte(k), 0); err != nil {
					failed.Add(1)
				}
				done.Add(1)
			}
		})
	}
	eventually(t, "load under way", func() bool { return done.Load() > 500 })
	pools := make(map[string]string)
	conns := make([]int, len(addrs))
	for i, a := range addrs {
		pools[a] = h.Pool(a).Id
		conns[i] = serverConns(t, a)
	}
	epoch, goroutines := h.Epoch(), runtime.NumGoroutine()
	for len(e.events) > 0 {
		<-e.events // the start's own events
	}

	for i := range 200 {
		list := slices.Clone(addrs)
		rand.Shuffle(len(list), func(a, b int) { list[a], list[b] = list[b], list[a] })
		list = append(list, strings.ToUpper(" "+list[0])) // a duplicate, spelled otherwise
		calls := e.disc.Calls()
		e.disc.Set(list...)
		h.Refresh()
		eventually(t, fmt.Sprintf("answer %d asked for", i),
			func() bool { return e.disc.Calls() > calls })
	}
	asked := time.Now()
	h.Refresh()
	eventually(t, "the last answer applied", func() bool {
		return h.Stats().Discovery.At.After(asked)
	})
	stop.Store(true)
	wg.Wait()

	if h.Epoch() != epoch {
		t.Errorf("epoch %d → %d: a re-applied list changed the membership", epoch, h.Epoch())
	}
	for i, a := range addrs {
		if got := serverConns(t, a); got != conns[i] {
			t.Errorf("%s has %d connections, had %d", a, got, conns[i])
		}
		if h.Pool(a).Id != pools[a] {
			t.Errorf("%s got a new pool", a)
		}
	}
	if n := runtime.NumGoroutine(); n > goroutines+10 {
		t.Errorf("goroutines %d → %d", goroutines, n)
	}
	for len(e.events) > 0 {
		if ev, ok := (<-e.events).(*messages.NodesChanged); ok {
			t.Errorf("event %+v for a re-applied list", ev)
		}
	}
	if failed.Load() > 0 {
		t.Errorf("%d of %d calls failed", failed.Load(), done.Load())
	}
	t.Logf("200 re-applies under %d calls: connections %v, goroutines %d → %d",
		done.Load(), conns, goroutines, runtime.NumGoroutine())
}

// TestRemovalGrace: a removed node's pool keeps its connections for the
// grace period; a node back within it takes up the same pool; after it,
// the connections close.
func TestRemovalGrace(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	cfg.RemovalGrace = 2 * time.Second
	h := e.start(cfg)
	b := addrs[1]
	eventually(t, "b connected", func() bool { return h.Pool(b) != nil && serverConns(t, b) >= 3 })
	conns, pool := serverConns(t, b), h.Pool(b).Id

	e.disc.Set(addrs[0])
	h.Refresh()
	waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Removed) == 1 })
	if got := serverConns(t, b); got != conns {
		t.Fatalf("b has %d connections right after removal, had %d", got, conns)
	}
	e.disc.Set(addrs...)
	h.Refresh()
	waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Added) == 1 })
	if h.Pool(b) == nil || h.Pool(b).Id != pool {
		t.Fatalf("b came back within its grace with pool %v, want %s", h.Pool(b), pool)
	}

	e.disc.Set(addrs[0])
	h.Refresh()
	waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Removed) == 1 })
	eventually(t, "b's connections close after the grace",
		func() bool { return serverConns(t, b) == conns-cfg.PoolSize })
}
