package herd_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// benchHerd starts a herd over one real memcached holding a 100-byte value
// under "bench:key". It skips where memcached is missing (fails under
// CI=true), like the tests.
func benchHerd(b testing.TB) (*actor.ActorSystem, *herd.Herd) {
	b.Helper()
	addr := testserver.Memcached(b).Addr
	system := actor.NewActorSystem(herd.QuietActorSystem())
	h, err := herd.Start(system, herd.Config{
		Backend:   memcached.New(memcached.Options{}),
		Discovery: discovery.Static(addr),
		Logger:    hclog.NewNullLogger(),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = h.Stop(); system.Shutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Set(ctx, "bench:key", bytes.Repeat([]byte("v"), 100), 0); err != nil {
		b.Fatal(err)
	}
	return system, h
}

// BenchmarkGet measures the Go client's Get, one caller at a time: a round
// trip to memcached on loopback plus herd's dispatch through the pool and
// worker actors.
func BenchmarkGet(b *testing.B) {
	_, h := benchHerd(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if it, err := h.Get(ctx, "bench:key"); err != nil || len(it.Value) != 100 {
			b.Fatalf("Get: %d bytes, %v", len(it.Value), err)
		}
	}
}

// BenchmarkGetParallel is BenchmarkGet from GOMAXPROCS goroutines at once.
func BenchmarkGetParallel(b *testing.B) {
	_, h := benchHerd(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Get(ctx, "bench:key"); err != nil {
				b.Errorf("Get: %v", err)
				return
			}
		}
	})
}

// BenchmarkActorRequest measures the message API: a request to the herd's
// PID and its *messages.Reply through a protoactor future.
func BenchmarkActorRequest(b *testing.B) {
	system, h := benchHerd(b)
	req := &messages.Get{Key: "bench:key"}
	b.ReportAllocs()
	for b.Loop() {
		res, err := system.Root.RequestFuture(h.PID(), req, time.Second).Result()
		if err != nil {
			b.Fatal(err)
		}
		if r, ok := res.(*messages.Reply); !ok || r.Err != nil {
			b.Fatalf("reply %#v", res)
		}
	}
}

// A Get through the Go client allocates twice: the call with its request,
// and the value. Everything else on the way (routing, the worker's
// mailbox, the reply, the reply channel, the caller's timer) allocates
// nothing.
func TestGetAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector; make test runs this without it")
	}
	_, h := benchHerd(t)
	ctx := context.Background()
	get := func() {
		if it, err := h.Get(ctx, "bench:key"); err != nil || len(it.Value) != 100 {
			t.Fatalf("Get: %d bytes, %v", len(it.Value), err)
		}
	}
	for i := 0; i < 100; i++ {
		get() // pools and buffers warm up
	}
	if n := testing.AllocsPerRun(1000, get); n > 2 {
		t.Errorf("a Get allocates %.2f times, want at most 2", n)
	}
}
