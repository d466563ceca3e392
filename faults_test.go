package herd_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// A node that leaves and comes straight back, while its old pool still
// serves a slow call, is routed to at once: the new pool does not wait for
// the old one's name.
func TestRejoinWhileRetiring(t *testing.T) {
	slow := newRecorder(t) // accepts, never answers
	a, b := slow.ln.Addr().String(), fleet(t, 1)[0]
	e, cfg := newEnv(t, a, b)
	cfg.PoolSize = 1
	cfg.RemovalLimit = 1 // {b} → {a} removes every node; apply it at once
	h := e.start(cfg)
	go func() { // keeps a's only worker busy, so its pool retires slowly
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		_, _ = h.Get(ctx, keyOn(t, h, a))
	}()
	eventually(t, "a's worker is busy", func() bool { return slow.bytes.Load() > 0 })

	for _, set := range [][]string{{b}, {a}} {
		epoch := h.Epoch()
		e.disc.Set(set...)
		h.Refresh()
		waitEvent(e, func(ev *messages.NodesChanged) bool { return ev.Epoch > epoch })
	}
	if got := h.Nodes(); len(got) != 1 || got[0] != a {
		t.Fatalf("discovery answered [%s], herd has %v", a, got)
	}
	if owner, err := h.Owner("k"); err != nil || owner != a {
		t.Fatalf("owner of k = %q, %v", owner, err)
	}
	if h.Pool(a) == nil {
		t.Fatal("the rejoined node has no pool")
	}
}

// A caller whose deadline cuts a reconnect short gets ErrTimeout, and does
// not mark a healthy node unreachable for the callers after it. The node is
// a redis stand-in whose AUTH takes 50 ms, longer than the impatient
// caller's budget.
func TestImpatientCallerDoesNotMarkNodeDown(t *testing.T) {
	var mu sync.Mutex
	prevOf := map[int]string{} // each connection's previous argument
	srv := newFakeServer(t, func(conn int, line string) string {
		if strings.HasPrefix(line, "*") || strings.HasPrefix(line, "$") {
			return "" // RESP framing
		}
		mu.Lock()
		prev := prevOf[conn]
		prevOf[conn] = line
		mu.Unlock()
		switch {
		case prev == "AUTH":
			time.Sleep(50 * time.Millisecond) // a slow but healthy handshake
			return "+OK\r\n"
		case prev == "GET" && line == "stall":
			return ""
		case prev == "GET":
			return "$1\r\nv\r\n"
		}
		return ""
	})
	e, cfg := newEnv(t, srv.addr())
	cfg.Backend = redis.New(redis.Options{Password: "secret"})
	cfg.PoolSize = 1
	h := e.start(cfg)
	if _, err := h.Get(ctxT(t), "k"); err != nil {
		t.Fatalf("warm-up: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	_, err := h.Get(ctx, "stall") // times out mid-reply: the worker drops its connection
	cancel()
	if !errors.Is(err, herd.ErrTimeout) {
		t.Fatalf("stalled get: %v, want ErrTimeout", err)
	}
	eventually(t, "herd closes the stalled connection", func() bool {
		return srv.closed.Load() == 1
	})
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, err = h.Get(ctx, "k") // reconnects, but AUTH outlasts its deadline
	cancel()
	if !errors.Is(err, herd.ErrTimeout) || errors.Is(err, herd.ErrConnection) {
		t.Fatalf("impatient get: %v, want ErrTimeout and not ErrConnection", err)
	}
	if item, err := h.Get(ctxT(t), "k"); err != nil || string(item.Value) != "v" {
		t.Fatalf("patient get after an impatient one: %q, %v", item.Value, err)
	}
}

// Bytes that answer no request prove the connection out of step: the call
// gets ErrProtocol rather than a reply that may be another's, and the next
// call gets its own answer on a fresh connection.
func TestStrayReplyClosesConnection(t *testing.T) {
	for _, ctxs := range []struct {
		name string
		ctx  func(*testing.T) context.Context
	}{
		{"reader goroutine", ctxT},
		{"caller reads its own reply", func(*testing.T) context.Context { return context.Background() }},
	} {
		t.Run(ctxs.name, func(t *testing.T) {
			var sets atomic.Int64
			srv := newFakeServer(t, func(_ int, line string) string {
				switch {
				case !strings.HasPrefix(line, "set ") && !strings.HasPrefix(line, "add "):
					return "" // a data block
				case sets.Add(1) == 1:
					return "STORED\r\nSTORED\r\n" // the second STORED answers nothing
				}
				return "NOT_STORED\r\n"
			})
			e, cfg := newEnv(t, srv.addr())
			cfg.PoolSize = 1
			h := e.start(cfg)
			ctx := ctxs.ctx(t)
			if err := h.Set(ctx, "k", []byte("v"), 0); !errors.Is(err, herd.ErrProtocol) {
				t.Fatalf("set answered with a stray reply behind it: %v, want ErrProtocol", err)
			}
			if err := h.Add(ctx, "k", []byte("w"), 0); !errors.Is(err, herd.ErrNotStored) {
				t.Fatalf("add answered NOT_STORED: %v, want ErrNotStored", err)
			}
		})
	}
}

// stuckDiscovery answers once, then blocks every later query until the
// test ends, ignoring its context.
func stuckDiscovery(t *testing.T, addr string) (discovery.Discovery, *atomic.Int64) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	calls := &atomic.Int64{}
	return discovery.Func(func(context.Context) ([]routing.Node, error) {
		if calls.Add(1) > 1 {
			<-release
		}
		return []routing.Node{{Addr: addr}}, nil
	}), calls
}

// A discovery source that ignores its context holds up neither Stop nor a
// restart of the cluster actor.
func TestStuckDiscoveryHoldsNothingUp(t *testing.T) {
	e, cfg := newEnv(t)
	disc, calls := stuckDiscovery(t, fleet(t, 1)[0])
	cfg.Discovery = disc
	cfg.DiscoveryTimeout = 100 * time.Millisecond
	h := e.start(cfg)
	h.Refresh()
	eventually(t, "the second query starts", func() bool { return calls.Load() == 2 })

	cluster := actor.NewPID(e.system.Address(), h.PID().Id+"/cluster")
	e.system.Root.Send(cluster, &messages.Crash{Reason: "drill"})
	eventually(t, "the restarted cluster asks again", func() bool { return calls.Load() == 3 })

	start := time.Now()
	if err := h.Stop(); err != nil || time.Since(start) > time.Second {
		t.Fatalf("stop = %v after %v; want nil within a second", err, time.Since(start))
	}
}

// Stop racing the supervisor's start never returns with the herd running.
func TestStopRacingSpawn(t *testing.T) {
	e, cfg := newEnv(t, fleet(t, 1)[0])
	for i := 0; i < 200; i++ {
		c := cfg
		c.Name = fmt.Sprintf("h%d", i)
		h, err := herd.New(c)
		if err != nil {
			t.Fatal(err)
		}
		spawned := make(chan *actor.PID, 1)
		go func() { pid, _ := h.Spawn(e.system.Root); spawned <- pid }()
		if err := h.Stop(); err != nil {
			t.Fatal(err)
		}
		pid := <-spawned
		if pid == nil {
			continue
		}
		eventually(t, pid.Id+" stops", func() bool {
			_, alive := e.system.ProcessRegistry.Get(pid)
			return !alive
		})
	}
}

// Calls cancelled or timed out by their callers leave nothing behind: the
// calls after them are served at once, and no goroutine is left over.
func TestAbandonedCallsLeakNothing(t *testing.T) {
	e, cfg := newEnv(t, fleet(t, 1)...)
	cfg.PoolSize = 2
	h := e.start(cfg)
	if err := h.Set(ctxT(t), "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	for i := 0; i < 500; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		if i%2 == 0 {
			cancel()
		} else {
			ctx, cancel = context.WithTimeout(ctx, time.Microsecond)
		}
		_, err := h.Get(ctx, "k")
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, herd.ErrTimeout) {
			t.Fatalf("abandoned call %d: %v", i, err)
		}
	}
	for i := 0; i < 20; i++ {
		if _, err := h.Get(ctxT(t), "k"); err != nil {
			t.Fatalf("call %d after 500 abandoned ones: %v", i, err)
		}
	}
	eventually(t, "goroutines settle", func() bool { return runtime.NumGoroutine() <= base+2 })
}

// A value larger than the connection's write buffer goes to the socket from
// inside the write, after an idle spell longer than any earlier call's
// deadline: it must be written under its own call's deadline.
func TestLargeSetAfterIdle(t *testing.T) {
	e, cfg := newEnv(t, fleet(t, 1)...)
	cfg.PoolSize = 1
	cfg.RequestTimeout = 50 * time.Millisecond
	h := e.start(cfg)
	if err := h.Set(ctxT(t), "small", []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	idle := time.NewTimer(100 * time.Millisecond) // past that call's deadline
	<-idle.C
	big := make([]byte, 64<<10)
	if err := h.Set(ctxT(t), "big", big, 0); err != nil {
		t.Fatalf("large set after an idle spell: %v", err)
	}
}

// A call an actor built without a deadline gets the default one: it is
// answered by then even on a node that never replies, and it does not
// hold up Stop.
func TestCallWithoutDeadline(t *testing.T) {
	rec := newRecorder(t) // accepts, never answers
	e, cfg := newEnv(t, rec.ln.Addr().String())
	cfg.PoolSize = 1
	cfg.RequestTimeout = 100 * time.Millisecond
	h := e.start(cfg)

	ch := make(messages.ChanReplier, 1)
	e.system.Root.Send(h.PID(), messages.NewCall(&messages.Get{Key: "k"}, time.Time{}, ch))
	select {
	case r := <-ch:
		if !errors.Is(r.Err, herd.ErrTimeout) {
			t.Fatalf("call without a deadline: %v, want ErrTimeout", r.Err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a call without a deadline was not answered by the default one")
	}
	start := time.Now()
	if err := h.Stop(); err != nil || time.Since(start) > time.Second {
		t.Fatalf("stop = %v after %v", err, time.Since(start))
	}
}
