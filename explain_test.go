package herd_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/routing"
)

// TestExplain: a running herd explains a key with the router that routes
// its requests, the owner's successor, and each node's health, down
// included.
func TestExplain(t *testing.T) {
	servers := []*testserver.Server{testserver.Memcached(t), testserver.Memcached(t),
		testserver.Memcached(t)}
	var addrs []string
	for _, s := range servers {
		addrs = append(addrs, s.Addr)
	}
	e, cfg := newEnv(t, addrs...)
	cfg.Router = routing.NewKetama
	h := e.start(cfg)

	const key = "user:42"
	ex, err := h.Explain(key)
	if err != nil {
		t.Fatal(err)
	}
	owner, _ := h.Owner(key)
	var rest []routing.Node
	for _, a := range addrs {
		if a != owner {
			rest = append(rest, routing.Node{Addr: a})
		}
	}
	without, _ := routing.NewKetama(rest)
	next, _ := without.Lookup(key)
	if ex.Key != key || ex.Router != "ketama" || ex.Owner != owner || ex.Next != next.Addr ||
		ex.Epoch != h.Epoch() || ex.OwnerHealth.Down || ex.NextHealth.Down {
		t.Fatalf("Explain = %+v; want owner %s, next %s, router ketama, both up", ex, owner, next.Addr)
	}
	if s := ex.String(); !strings.Contains(s, owner+" (up), next "+next.Addr+" (up); router ketama") {
		t.Errorf("String() = %q", s)
	}

	// Stop the owner's server and fail requests on it until herd marks it
	// down; Explain then says so.
	for _, s := range servers {
		if s.Addr == owner {
			s.Stop()
		}
	}
	eventually(t, "the owner is marked down", func() bool {
		_, _ = h.Get(ctxT(t), key)
		ex, _ = h.Explain(key)
		return ex.OwnerHealth.Down
	})
	if ex.Owner != owner || ex.NextHealth.Down || !strings.Contains(ex.String(), owner+" (down: ") {
		t.Errorf("after the owner went down: %+v, %q", ex, ex.String())
	}
}

// TestExplainNoNodes: a herd with no nodes explains nothing.
func TestExplainNoNodes(t *testing.T) {
	e, cfg := newEnv(t)
	h := e.start(cfg)
	if _, err := h.Explain("k"); !errors.Is(err, herd.ErrNoNodes) {
		t.Errorf("Explain on an empty herd: %v, want ErrNoNodes", err)
	}
}
