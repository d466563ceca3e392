package herd_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/routing"
)

// twemproxyKeys is how many keys each compatibility test writes through
// twemproxy and looks for where herd's Ketama puts them.
const twemproxyKeys = 10_000

// TestKetamaMatchesTwemproxy writes keys through a real nutcracker in front
// of three memcached nodes of weights 1, 2 and 1, then reads every one with
// a herd routing by Ketama over the same nodes: each must be on the node
// herd computes.
func TestKetamaMatchesTwemproxy(t *testing.T) {
	addrs := fleet(t, 3)
	nodes := []routing.Node{{Addr: addrs[0], Weight: 1}, {Addr: addrs[1], Weight: 2},
		{Addr: addrs[2], Weight: 1}}
	var servers []testserver.NutServer
	for _, n := range nodes {
		servers = append(servers, testserver.NutServer{Addr: n.Addr, Weight: n.Weight})
	}
	proxy := testserver.Nutcracker(t, servers)
	keys := compatKeys()
	setAll(t, startHerd(t, discovery.Static(proxy.Addr), nil), keys)

	direct := startHerd(t, discovery.StaticNodes(nodes...), routing.NewKetama)
	perNode := make(map[string]int)
	for _, key := range keys {
		owner, _ := direct.Owner(key)
		perNode[owner]++
	}
	found := countHits(t, direct, keys)
	t.Logf("%d of %d keys written through twemproxy found where herd's Ketama puts them; "+
		"keys per node %v", found, len(keys), perNode)
	if found != len(keys) || len(perNode) != 3 {
		t.Errorf("found %d of %d keys on herd's node (%d nodes own keys)",
			found, len(keys), len(perNode))
	}
}

// TestKetamaMatchesTwemproxyNames runs nutcracker with 25 server entries
// over three memcached processes, each entry named as herd names a node:
// "10.9.0.i" for 10.9.0.i:11211, "10.9.0.i:22122" for 10.9.0.i:22122. That
// checks the default port's omission and the 156-point rounding of a
// 25-node fleet against twemproxy itself. Each key written through it must
// be in the memcached behind the entry that herd's Ketama picks.
func TestKetamaMatchesTwemproxyNames(t *testing.T) {
	mcs := fleet(t, 3)
	var servers []testserver.NutServer
	var nodes []routing.Node
	backing := make(map[string]string) // herd's node → the memcached behind it
	for i := range 25 {
		addr := fmt.Sprintf("10.9.0.%d:11211", i+1)
		if i%2 == 1 {
			addr = fmt.Sprintf("10.9.0.%d:22122", i+1)
		}
		nodes = append(nodes, routing.Node{Addr: addr})
		backing[addr] = mcs[i%3]
		servers = append(servers, testserver.NutServer{Addr: mcs[i%3],
			Name: routing.KetamaName(addr)})
	}
	proxy := testserver.Nutcracker(t, servers)
	keys := compatKeys()
	setAll(t, startHerd(t, discovery.Static(proxy.Addr), nil), keys)

	ring, err := routing.NewKetama(nodes)
	if err != nil {
		t.Fatal(err)
	}
	byMC := make(map[string][]string)
	for _, key := range keys {
		n, _ := ring.Lookup(key)
		byMC[backing[n.Addr]] = append(byMC[backing[n.Addr]], key)
	}
	found := 0
	for mc, ks := range byMC {
		found += countHits(t, startHerd(t, discovery.Static(mc), nil), ks)
	}
	t.Logf("%d of %d keys found behind the entry herd's Ketama picks", found, len(keys))
	if found != len(keys) {
		t.Errorf("found %d of %d keys where herd's Ketama puts them", found, len(keys))
	}
}

// compatKeys returns the keys the compatibility tests write: varied in
// length and shape, as real keys are.
func compatKeys() []string {
	keys := make([]string, twemproxyKeys)
	for i := range keys {
		switch i % 3 {
		case 0:
			keys[i] = fmt.Sprintf("key:%05d", i)
		case 1:
			keys[i] = fmt.Sprintf("user/%d/profile", i*7919)
		default:
			keys[i] = fmt.Sprintf("s%x", i*104729)
		}
	}
	return keys
}

// startHerd starts a memcached herd over disc, routed by router (nil: the
// default), stopped when the test ends.
func startHerd(t *testing.T, disc discovery.Discovery, router routing.Builder) *herd.Herd {
	t.Helper()
	system := actor.NewActorSystem(herd.QuietActorSystem())
	h, err := herd.Start(system, herd.Config{
		Backend:        memcached.New(memcached.Options{}),
		Discovery:      disc,
		Router:         router,
		RequestTimeout: 5 * time.Second,
		Logger:         hclog.NewNullLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Stop() })
	return h
}

// setAll sets each key to its own name through h, from 8 goroutines.
func setAll(t *testing.T, h *herd.Herd, keys []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(keys); i += 8 {
				if err := h.Set(ctx, keys[i], []byte(keys[i]), time.Hour); err != nil {
					errs <- fmt.Errorf("set %s: %w", keys[i], err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// countHits reads keys through h, 100 at a time, and counts those that hold
// their own name.
func countHits(t *testing.T, h *herd.Herd, keys []string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	found := 0
	for start := 0; start < len(keys); start += 100 {
		batch := keys[start:min(start+100, len(keys))]
		items, err := h.GetMulti(ctx, batch)
		if err != nil {
			t.Fatalf("GetMulti: %v", err)
		}
		for _, key := range batch {
			if it, ok := items[key]; ok && string(it.Value) == key {
				found++
			}
		}
	}
	return found
}
