package herd_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/actors"
	"github.com/herd-go/herd/messages"
)

// counting is a user's restart strategy: it records every failure it is
// handed, then lets inner decide.
type counting struct {
	inner actor.SupervisorStrategy

	mu       sync.Mutex
	children []string
}

func countingOf(inner actor.SupervisorStrategy) *counting { return &counting{inner: inner} }

func (s *counting) HandleFailure(sys *actor.ActorSystem, sup actor.Supervisor, child *actor.PID,
	rs *actor.RestartStatistics, reason, msg any) {
	s.mu.Lock()
	s.children = append(s.children, child.Id)
	s.mu.Unlock()
	s.inner.HandleFailure(sys, sup, child, rs, reason, msg)
}

func (s *counting) failed(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.children {
		if c == id {
			return true
		}
	}
	return false
}

// keyOn returns a key that node addr owns.
func keyOn(t *testing.T, h *herd.Herd, addr string) string {
	t.Helper()
	for i := 0; i < 10000; i++ {
		key := fmt.Sprintf("on-%d", i)
		if owner, _ := h.Owner(key); owner == addr {
			return key
		}
	}
	t.Fatalf("no key owned by %s", addr)
	return ""
}

// serves reports whether a set on a key of addr's succeeds now.
func serves(t *testing.T, h *herd.Herd, addr string) bool {
	return h.Set(ctxT(t), keyOn(t, h, addr), []byte("v"), 0) == nil
}

// A crashed worker is restarted by the pool with the user's strategy, and
// serves again; the other node serves throughout.
func TestCrashedWorkerIsRestarted(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	strategy := countingOf(actors.DefaultStrategy())
	cfg.PoolStrategy = strategy
	h := e.start(cfg)

	w0 := workerPID(t, e, h, addrs[0], 0)
	e.system.Root.Send(w0, &messages.Crash{Reason: "drill"})
	eventually(t, "the user's strategy handles w0", func() bool { return strategy.failed(w0.Id) })
	if !serves(t, h, addrs[1]) {
		t.Fatal("the other node must keep serving")
	}
	set := &messages.Set{Key: keyOn(t, h, addrs[0]), Value: []byte("x")}
	reply := callDirect(t, e.system, w0, set)
	if reply.Err != nil || reply.Node != addrs[0] {
		t.Fatalf("restarted w0 answered %+v", reply)
	}
}

// callDirect sends a call straight to pid and waits for its reply.
func callDirect(t *testing.T, sys *actor.ActorSystem, pid *actor.PID,
	req messages.Request) *messages.Reply {
	t.Helper()
	ch := make(messages.ChanReplier, 1)
	sys.Root.Send(pid, messages.NewCall(req, time.Now().Add(2*time.Second), ch))
	select {
	case r := <-ch:
		return r
	case <-time.After(3 * time.Second):
		t.Fatalf("no reply from %s", pid.Id)
		return nil
	}
}

// A crashed pool is restarted by the cluster actor with the user's strategy,
// under the same PID, and its node serves again.
func TestCrashedPoolIsRestarted(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	strategy := countingOf(actors.DefaultStrategy())
	cfg.ClusterStrategy = strategy
	h := e.start(cfg)
	pool := h.Pool(addrs[0])

	e.system.Root.Send(pool, &messages.Crash{Reason: "drill"})
	eventually(t, "the user's strategy handles the pool", func() bool {
		return strategy.failed(pool.Id)
	})
	if !serves(t, h, addrs[1]) {
		t.Fatal("the other node must keep serving")
	}
	eventually(t, "the restarted pool serves", func() bool { return serves(t, h, addrs[0]) })
	if !h.Pool(addrs[0]).Equal(pool) {
		t.Fatal("a restarted pool must keep its PID")
	}
}

// A user strategy that stops failed workers is obeyed: the worker stays
// stopped and the pool serves with the ones it has left.
func TestUserStrategyDecides(t *testing.T) {
	addrs := fleet(t, 1)
	e, cfg := newEnv(t, addrs...)
	stop := func(any) actor.Directive { return actor.StopDirective }
	strategy := countingOf(actor.NewOneForOneStrategy(1, time.Second, stop))
	cfg.PoolStrategy = strategy
	h := e.start(cfg)

	w0 := workerPID(t, e, h, addrs[0], 0)
	e.system.Root.Send(w0, &messages.Crash{Reason: "drill"})
	eventually(t, "w0 has stopped", func() bool {
		_, alive := e.system.ProcessRegistry.Get(w0)
		return !alive
	})
	for i := 0; i < 10; i++ {
		if err := h.Set(ctxT(t), fmt.Sprintf("k%d", i), []byte("v"), 0); err != nil {
			t.Fatalf("set with one worker left: %v", err)
		}
	}
}

// A crashed cluster actor is restarted with the user's strategy; it starts
// from the last good nodes, so requests keep their routes.
func TestCrashedClusterKeepsNodes(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	strategy := countingOf(actors.DefaultStrategy())
	cfg.HerdStrategy = strategy
	h := e.start(cfg)
	e.disc.Fail(errors.New("discovery is down too"))

	cluster := actor.NewPID(e.system.Address(), h.PID().Id+"/cluster")
	epoch := h.Epoch()
	e.system.Root.Send(cluster, &messages.Crash{Reason: "drill"})
	gap := longestOutage(t, h, addrs[0], func() bool { return h.Epoch() > epoch })
	if !strategy.failed(cluster.Id) {
		t.Fatal("the user's strategy did not handle the cluster actor")
	}
	if got := h.Nodes(); len(got) != 2 {
		t.Fatalf("nodes after cluster restart = %v", got)
	}
	for _, a := range addrs {
		eventually(t, a+" serves after the restart", func() bool { return serves(t, h, a) })
	}
	// The pools are the cluster actor's children: they serve until its
	// restart begins, then briefly not, until they are respawned and dialled.
	if gap > 500*time.Millisecond {
		t.Fatalf("a node did not serve for %v around the cluster actor's restart", gap)
	}
	t.Logf("longest span without service around the cluster restart: %v", gap)
}

// longestOutage calls addr's keys every millisecond until restarted holds
// and 20 calls after it succeeded (at most 3 s), and returns the longest
// span in which calls failed.
func longestOutage(t *testing.T, h *herd.Herd, addr string, restarted func() bool) time.Duration {
	t.Helper()
	var worst time.Duration
	var failingSince time.Time
	okAfter, deadline := 0, time.Now().Add(3*time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for ; okAfter < 20 && time.Now().Before(deadline); <-tick.C {
		now := time.Now()
		switch ok := serves(t, h, addr); {
		case !ok && failingSince.IsZero():
			failingSince = now
		case ok && !failingSince.IsZero():
			worst, failingSince = max(worst, now.Sub(failingSince)), time.Time{}
		}
		if restarted() {
			okAfter++
		}
	}
	if okAfter < 20 {
		t.Fatal("the cluster actor did not restart within 3 s")
	}
	return worst
}

// workerPID returns the PID of worker i of addr's pool once it runs. A
// call served by the pool proves the pool has started, and so has spawned
// its workers: sending to a PID found in the registry before its spawn has
// finished would race protoactor's mailbox set-up.
func workerPID(t *testing.T, e *env, h *herd.Herd, addr string, i int) *actor.PID {
	t.Helper()
	if !serves(t, h, addr) {
		t.Fatalf("%s does not serve", addr)
	}
	return actor.NewPID(e.system.Address(), fmt.Sprintf("%s/w%d", h.Pool(addr).Id, i))
}

// Calls in flight on a stuck connection when its pool crashes get an error
// reply at once, not a timeout at their deadline.
func TestCrashedPoolAnswersQueuedCalls(t *testing.T) {
	stuck := newRecorder(t) // accepts, never answers
	e, cfg := newEnv(t, stuck.ln.Addr().String())
	cfg.PoolSize = 1
	cfg.NodeTimeout = time.Hour // the stuck call must not mark the node down
	h := e.start(cfg)
	eventually(t, "the worker connects", func() bool { return stuck.conns.Load() == 1 })

	errs := make(chan error, 5)
	for i := 0; i < 5; i++ {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err := h.Get(ctx, fmt.Sprintf("k%d", i))
			errs <- err
		}()
	}
	// Each "gets kN\r\n" is 9 bytes: wait until all five were written, so
	// that none is still on its way to the pool when it crashes.
	eventually(t, "the calls are on the wire", func() bool { return stuck.bytes.Load() >= 45 })
	start := time.Now()
	e.system.Root.Send(h.Pool(stuck.ln.Addr().String()), &messages.Crash{Reason: "drill"})
	fast := 0
	for i := 0; i < 5; i++ {
		err := <-errs
		if errors.Is(err, herd.ErrNodeGone) && time.Since(start) < time.Second {
			fast++
		}
	}
	if fast < 5 {
		t.Fatalf("%d of the 5 calls in flight got a quick error reply", fast)
	}
}
