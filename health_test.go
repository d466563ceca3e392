package herd_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/actors"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// healthEnv is a herd over servers with quick probes.
func healthEnv(t *testing.T, policy herd.NodeDownPolicy,
	servers ...*testserver.Server) (*env, *herd.Herd) {
	addrs := make([]string, len(servers))
	for i, s := range servers {
		addrs[i] = s.Addr
	}
	e, cfg := newEnv(t, addrs...)
	cfg.PoolSize = 2
	cfg.ProbeInterval = 50 * time.Millisecond
	cfg.RedialMin = time.Second // probes, not redials, bring the node back
	cfg.OnNodeDown = policy
	return e, e.start(cfg)
}

// killNode stops srv and sends calls for key until the node is marked
// down, which takes FailureThreshold calls; each fails with ErrConnection.
func killNode(t *testing.T, e *env, h *herd.Herd, srv *testserver.Server, key string) {
	t.Helper()
	srv.Stop()
	for i := 0; !h.Health()[srv.Addr].Down; i++ {
		err := h.Set(ctxT(t), key, []byte("v"), 0)
		failed := errors.Is(err, herd.ErrConnection) || errors.Is(err, herd.ErrNodeDown)
		if !failed || i > 2*actors.DefaultFailureThreshold {
			t.Fatalf("call %d on a dead node: %v, want ErrConnection; health %+v",
				i, err, h.Health()[srv.Addr])
		}
	}
	ev := waitEvent(e, func(ev *messages.NodeDown) bool { return ev.Node == srv.Addr })
	if ev.Failures != actors.DefaultFailureThreshold || ev.Err == nil {
		t.Fatalf("node down event: %+v", ev)
	}
	if hl := h.Health()[srv.Addr]; !hl.Down || hl.LastError == nil {
		t.Fatalf("health of a down node: %+v", hl)
	}
}

// A dead node is marked down after FailureThreshold failures, then fails
// fast; once its server is back a probe marks it up and every call
// succeeds, without restarting anything.
func TestDeadNodeFailsFastAndComesBack(t *testing.T) {
	srv := testserver.Memcached(t)
	e, h := healthEnv(t, herd.FailFast, srv)
	pool := h.Pool(srv.Addr)
	if err := h.Set(ctxT(t), "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	killNode(t, e, h, srv, "k")

	start := time.Now()
	for i := 0; i < 100; i++ {
		if _, err := h.Get(ctxT(t), "k"); !errors.Is(err, herd.ErrNodeDown) {
			t.Fatalf("get on a down node: %v", err)
		}
	}
	if per := time.Since(start) / 100; per > time.Millisecond {
		t.Fatalf("a call on a down node took %v, want under 1 ms", per)
	}

	srv.Restart()
	up := waitEvent(e, func(ev *messages.NodeUp) bool { return ev.Node == srv.Addr })
	if up.DownFor <= 0 {
		t.Fatalf("node up event: %+v", up)
	}
	for i := 0; i < 10; i++ {
		if err := h.Set(ctxT(t), "k", []byte("v"), 0); err != nil {
			t.Fatalf("call %d after the node came back: %v", i, err)
		}
	}
	if !h.Pool(srv.Addr).Equal(pool) || h.Health()[srv.Addr].Down {
		t.Fatal("the node must come back in the same pool, marked up")
	}
}

// Under Failover only the down node's keys move, to the next node on the
// ring, and they move back when it returns.
func TestFailover(t *testing.T) {
	servers := []*testserver.Server{testserver.Memcached(t), testserver.Memcached(t),
		testserver.Memcached(t)}
	e, h := healthEnv(t, herd.Failover, servers...)
	dead := servers[0]
	mine, other := keyOn(t, h, dead.Addr), keyOn(t, h, servers[1].Addr)
	killNode(t, e, h, dead, mine)

	r := h.Send(ctxT(t), &messages.Set{Key: mine, Value: []byte("moved")})
	if r.Err != nil || r.Node == dead.Addr {
		t.Fatalf("set of a down node's key under failover: node %s, err %v", r.Node, r.Err)
	}
	if r := h.Send(ctxT(t), &messages.Get{Key: other}); r.Node != servers[1].Addr {
		t.Fatalf("a live node's key moved to %s", r.Node)
	}
	dead.Restart()
	waitEvent(e, func(ev *messages.NodeUp) bool { return ev.Node == dead.Addr })
	if r := h.Send(ctxT(t), &messages.Get{Key: mine}); r.Node != dead.Addr {
		t.Fatalf("after the owner returned its key is served by %s", r.Node)
	}
}

// Under FailoverReads, reads of a down node's keys move and writes fail
// fast; GetMulti names the keys it could not serve under FailFast.
func TestFailoverReads(t *testing.T) {
	servers := []*testserver.Server{testserver.Memcached(t), testserver.Memcached(t)}
	e, h := healthEnv(t, herd.FailoverReads, servers...)
	dead := servers[0]
	mine := keyOn(t, h, dead.Addr)
	killNode(t, e, h, dead, mine)

	if err := h.Set(ctxT(t), mine, []byte("v"), 0); !errors.Is(err, herd.ErrNodeDown) {
		t.Fatalf("write under FailoverReads: %v, want ErrNodeDown", err)
	}
	if r := h.Send(ctxT(t), &messages.Get{Key: mine}); r.Node != servers[1].Addr ||
		!errors.Is(r.Err, herd.ErrMiss) {
		t.Fatalf("read under FailoverReads: node %s, err %v", r.Node, r.Err)
	}
}

func TestGetMultiWithDownNode(t *testing.T) {
	servers := []*testserver.Server{testserver.Memcached(t), testserver.Memcached(t)}
	e, h := healthEnv(t, herd.FailFast, servers...)
	keys := make([]string, 40)
	for i := range keys {
		keys[i] = fmt.Sprintf("gm%d", i)
		if err := h.Set(ctxT(t), keys[i], []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	killNode(t, e, h, servers[0], keyOn(t, h, servers[0].Addr))
	items, err := h.GetMulti(ctxT(t), keys)
	var partial *herd.PartialError
	if !errors.As(err, &partial) || !errors.Is(err, herd.ErrNodeDown) {
		t.Fatalf("get multi with a down node: %v", err)
	}
	if len(items)+len(partial.Keys) != len(keys) || len(items) == 0 {
		t.Fatalf("%d hits and %d failed keys of %d", len(items), len(partial.Keys), len(keys))
	}
}
