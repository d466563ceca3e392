package herd_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// An actor of the user's sends requests to the herd's PID and gets one
// reply each, carrying the request it answers.
func TestActorRequestsGetReplies(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	h := e.start(cfg)

	set := &messages.Set{Key: "greeting", Value: []byte("hello")}
	get := &messages.Get{Key: "greeting"}
	replies := make(chan *messages.Reply, 4)
	user := e.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch msg := ctx.Message().(type) {
		case *actor.Started:
			ctx.Request(h.PID(), set)
		case *messages.Reply:
			replies <- msg
			if msg.Request == messages.Request(set) {
				ctx.Request(h.PID(), get)
			}
		}
	}))
	defer e.system.Root.Stop(user)

	first, second := receive(t, replies), receive(t, replies)
	if first.Request != messages.Request(set) || first.Err != nil {
		t.Fatalf("set reply: %+v", first)
	}
	if second.Request != messages.Request(get) || string(second.Value) != "hello" {
		t.Fatalf("get reply: %+v", second)
	}
	select {
	case extra := <-replies:
		t.Fatalf("a second reply for one request: %+v", extra)
	case <-time.After(50 * time.Millisecond):
	}
}

func receive(t *testing.T, ch chan *messages.Reply) *messages.Reply {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(3 * time.Second):
		t.Fatal("no reply within 3 s")
		return nil
	}
}

// A request that cannot be routed gets an error reply at once, not silence.
func TestUnroutableRequestGetsErrorReply(t *testing.T) {
	e, cfg := newEnv(t)
	e.disc.Fail(errors.New("nothing yet"))
	h := e.start(cfg)

	for _, req := range []messages.Request{
		&messages.Get{Key: "k"},
		&messages.GetMulti{Keys: []string{"a", "b"}},
		&messages.Get{Key: "bad key"},
	} {
		start := time.Now()
		res, err := e.system.Root.RequestFuture(h.PID(), req, 2*time.Second).Result()
		if err != nil {
			t.Fatalf("%T: no reply: %v", req, err)
		}
		reply := res.(*messages.Reply)
		if !errors.Is(reply.Err, herd.ErrNoNodes) && !errors.Is(reply.Err, herd.ErrMalformedKey) {
			t.Fatalf("%T: reply error %v", req, reply.Err)
		}
		if time.Since(start) > 200*time.Millisecond {
			t.Fatalf("%T: error reply took %v", req, time.Since(start))
		}
	}
}

// Keys memcached cannot carry and values over the limit get typed errors,
// and not a byte reaches the server.
func TestBadInputNeverReachesServer(t *testing.T) {
	rec := newRecorder(t)
	addr := rec.ln.Addr().String()
	e, cfg := newEnv(t, addr)
	h := e.start(cfg)
	eventually(t, "workers connect", func() bool { return rec.conns.Load() == 2 })

	long := strings.Repeat("k", 251)
	for _, key := range []string{"foo bar", "a\r\nb", "", long} {
		if _, err := h.Get(ctxT(t), key); !errors.Is(err, herd.ErrMalformedKey) {
			t.Fatalf("get %q: %v, want ErrMalformedKey", key, err)
		}
		if err := h.Set(ctxT(t), key, []byte("v"), 0); !errors.Is(err, herd.ErrMalformedKey) {
			t.Fatalf("set %q: %v, want ErrMalformedKey", key, err)
		}
	}
	_, err := h.GetMulti(ctxT(t), []string{"ok", "not ok"})
	if !errors.Is(err, herd.ErrMalformedKey) {
		t.Fatalf("get multi with a bad key: %v", err)
	}
	big := make([]byte, 1<<20+1)
	if err := h.Set(ctxT(t), "big", big, 0); !errors.Is(err, herd.ErrValueTooLarge) {
		t.Fatalf("set of %d bytes: %v, want ErrValueTooLarge", len(big), err)
	}
	if n := rec.bytes.Load(); n != 0 {
		t.Fatalf("%d bytes reached the server", n)
	}
}

// GetMulti groups keys by node and merges the answers; with one node dead,
// the others' hits still come back and the dead node's keys are named.
func TestGetMultiAcrossNodes(t *testing.T) {
	servers := []*testserver.Server{testserver.Memcached(t), testserver.Memcached(t),
		testserver.Memcached(t)}
	e, cfg := newEnv(t, servers[0].Addr, servers[1].Addr, servers[2].Addr)
	h := e.start(cfg)
	keys := make([]string, 0, 110)
	for i := 0; i < 110; i++ {
		keys = append(keys, fmt.Sprintf("m%d", i))
		if i < 100 {
			if err := h.Set(ctxT(t), keys[i], []byte(keys[i]), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	items, err := h.GetMulti(ctxT(t), keys)
	if err != nil || len(items) != 100 || string(items["m42"].Value) != "m42" {
		t.Fatalf("get multi: %d items, err %v", len(items), err)
	}

	servers[0].Stop()
	items, err = h.GetMulti(ctxT(t), keys[:100])
	var partial *herd.PartialError
	if !errors.As(err, &partial) || !errors.Is(err, herd.ErrConnection) {
		t.Fatalf("with a dead node: %v, want a PartialError of ErrConnection", err)
	}
	for _, k := range keys[:100] {
		owner, _ := h.Owner(k)
		_, hit := items[k]
		_, failed := partial.Keys[k]
		if hit == (owner == servers[0].Addr) || failed != (owner == servers[0].Addr) {
			t.Fatalf("key %s (owner %s): hit %v, failed %v", k, owner, hit, failed)
		}
	}
}

// The same herd runs over redis: keys spread over the nodes, and every
// request kind the redis backend serves works end to end.
func TestRedisThroughHerd(t *testing.T) {
	addrs := []string{testserver.Redis(t).Addr, testserver.Redis(t).Addr, testserver.Redis(t).Addr}
	e, cfg := newEnv(t, addrs...)
	cfg.Backend = redis.New(redis.Options{})
	h := e.start(cfg)
	ctx := ctxT(t)

	keys := make([]string, 60)
	for i := range keys {
		keys[i] = fmt.Sprintf("r%d", i)
		if err := h.Set(ctx, keys[i], []byte(keys[i]), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	items, err := h.GetMulti(ctx, append(keys, "missing"))
	if err != nil || len(items) != len(keys) {
		t.Fatalf("mget: %d items, err %v", len(items), err)
	}
	if n, err := h.Incr(ctx, "counter", 5); err != nil || n != 5 {
		t.Fatalf("incr: %d, %v", n, err)
	}
	if _, err := h.Do(ctx, "hash", "HSET", "hash", "f", "v"); err != nil {
		t.Fatalf("do: %v", err)
	}
	if err := h.Delete(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Get(ctx, "r1"); !errors.Is(err, herd.ErrMiss) {
		t.Fatalf("get after delete: %v, want ErrMiss", err)
	}
}

// GetMulti of no keys is an empty answer, not an error, so batching loops
// need no special case.
func TestGetMultiOfNothing(t *testing.T) {
	e, cfg := newEnv(t, fleet(t, 1)...)
	h := e.start(cfg)
	for _, keys := range [][]string{nil, {}} {
		items, err := h.GetMulti(ctxT(t), keys)
		if err != nil || items == nil || len(items) != 0 {
			t.Fatalf("GetMulti(%v) = %v, %v; want an empty map", keys, items, err)
		}
	}
}

// A herd runs once: a second Spawn, or a Spawn after Stop, is refused with
// ErrConfig rather than started and quietly stopped.
func TestSpawnOnce(t *testing.T) {
	e, cfg := newEnv(t, fleet(t, 1)...)
	h := e.start(cfg)
	if _, err := h.Spawn(e.system.Root); !errors.Is(err, herd.ErrConfig) {
		t.Fatalf("second spawn: %v, want ErrConfig", err)
	}
	fresh, err := herd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_ = fresh.Stop()
	if _, err := fresh.Spawn(e.system.Root); !errors.Is(err, herd.ErrConfig) {
		t.Fatalf("spawn after stop: %v, want ErrConfig", err)
	}
}

// GetMulti over 3 nodes with one blackholed returns the other nodes' hits
// within the caller's deadline, with the blackholed node's keys marked as
// timed out and the node named.
func TestGetMultiWithBlackholedNode(t *testing.T) {
	hole := newRecorder(t) // accepts, never answers
	live := fleet(t, 2)
	e, cfg := newEnv(t, live[0], live[1], hole.ln.Addr().String())
	cfg.NodeTimeout = time.Hour // keep the hole up, so its keys are asked
	h := e.start(cfg)
	keys := make([]string, 60)
	for i := range keys {
		keys[i] = fmt.Sprintf("bh%d", i)
		if owner, _ := h.Owner(keys[i]); owner != hole.ln.Addr().String() {
			if err := h.Set(ctxT(t), keys[i], []byte("v"), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	items, err := h.GetMulti(ctx, keys)
	took := time.Since(start)
	var partial *herd.PartialError
	if !errors.As(err, &partial) || took > 300*time.Millisecond {
		t.Fatalf("get multi with a blackholed node: %v after %v", err, took)
	}
	for _, k := range keys {
		owner, _ := h.Owner(k)
		kerr, failed := partial.Keys[k]
		_, hit := items[k]
		if owner == hole.ln.Addr().String() {
			named := failed && strings.Contains(kerr.Error(), owner)
			if !named || !errors.Is(kerr, herd.ErrTimeout) {
				t.Fatalf("blackholed key %s: %v", k, kerr)
			}
		} else if !hit {
			t.Fatalf("live key %s missing (err %v)", k, kerr)
		}
	}
}
