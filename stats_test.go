package herd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/actors"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// keysOn returns n keys, starting with prefix, that node owns.
func keysOn(t *testing.T, h *herd.Herd, node, prefix string, n int) []string {
	t.Helper()
	var keys []string
	for i := 0; len(keys) < n; i++ {
		if i > 100*n {
			t.Fatalf("no %d keys on %s among %d tried", n, node, i)
		}
		k := fmt.Sprintf("%s:%d", prefix, i)
		if owner, err := h.Owner(k); err != nil {
			t.Fatal(err)
		} else if owner == node {
			keys = append(keys, k)
		}
	}
	return keys
}

// noErrors fails the test if s counts any error.
func noErrors(t *testing.T, node string, s herd.NodeStats) {
	t.Helper()
	if n := s.ErrorCount(); n != 0 {
		t.Errorf("%s counts %d errors: %v", node, n, s.Errors)
	}
}

// Stats counts exactly the calls each node answered, by outcome, through
// both ways a reply is read (the caller's own read with a context that
// cannot be cancelled, the reader goroutine's otherwise), and a GetMulti
// once on each node it asks.
func TestStatsCountsAWorkload(t *testing.T) {
	addrs := fleet(t, 2)
	a, b := addrs[0], addrs[1]
	e, cfg := newEnv(t, addrs...)
	h := e.start(cfg)
	const sets, hits, misses = 5, 20, 7
	onA := keysOn(t, h, a, "stats", sets+misses)
	onB := keysOn(t, h, b, "stats", 3)

	for _, k := range onA[:sets] {
		if err := h.Set(ctxT(t), k, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < hits; i++ {
		ctx := context.Background() // the caller reads its own reply
		if i%2 == 1 {
			ctx = ctxT(t) // the reader goroutine reads it
		}
		if _, err := h.Get(ctx, onA[i%sets]); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range onA[sets:] {
		if _, err := h.Get(context.Background(), k); !errors.Is(err, herd.ErrMiss) {
			t.Fatalf("get %s: %v, want a miss", k, err)
		}
	}
	// One GetMulti over both nodes: a hit on A, misses on B.
	items, err := h.GetMulti(ctxT(t), append([]string{onA[0]}, onB...))
	if err != nil || len(items) != 1 {
		t.Fatalf("GetMulti: %v, %v", items, err)
	}
	if _, err := h.Get(ctxT(t), "bad key"); !errors.Is(err, herd.ErrMalformedKey) {
		t.Fatalf("malformed key: %v", err)
	}

	s := h.Stats()
	sa, sb := s.Nodes[a], s.Nodes[b]
	if want := uint64(sets + hits + misses + 1); sa.Requests != want ||
		sa.OK != sets+hits+1 || sa.Misses != misses {
		t.Errorf("node A: %d requests (%d ok, %d misses), want %d (%d ok, %d misses)",
			sa.Requests, sa.OK, sa.Misses, want, sets+hits+1, misses)
	}
	if sb.Requests != 1 || sb.OK != 1 || sb.Misses != 0 {
		t.Errorf("node B: %+v, want the one GetMulti part (its misses are keys, not calls)", sb)
	}
	noErrors(t, a, sa)
	noErrors(t, b, sb)
	if sa.Latency.Count != sa.Requests || sa.Latency.Mean <= 0 ||
		sa.Latency.P50 <= 0 || sa.Latency.P99 < sa.Latency.P50 {
		t.Errorf("node A latency %+v over %d requests", sa.Latency, sa.Requests)
	}
	if s.Unrouted[actors.ErrorRefused] != 1 {
		t.Errorf("unrouted %v, want the malformed key refused", s.Unrouted)
	}
	if sa.ConnsOpen != cfg.PoolSize || sa.InFlight != 0 || sa.Queued != 0 || sa.Health.Down {
		t.Errorf("node A at rest: %+v", sa)
	}
	d := s.Discovery
	if s.Herd != "herd" || s.Epoch != 1 || d.Err != nil || d.Nodes != 2 || d.Held ||
		d.At.IsZero() || d.At.After(s.At) || sa.Health.Since.After(s.At) {
		t.Errorf("herd figures: %q epoch %d discovery %+v", s.Herd, s.Epoch, d)
	}
}

// A dead node's failed calls are counted by kind, each exactly once, and
// its health shows in Stats with the time it changed.
func TestStatsCountsFailures(t *testing.T) {
	srv := testserver.Memcached(t)
	e, h := healthEnv(t, herd.FailFast, srv)
	if err := h.Set(ctxT(t), "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	srv.Stop()
	calls := 0
	for ; !h.Health()[srv.Addr].Down; calls++ {
		if calls > 2*actors.DefaultFailureThreshold {
			t.Fatalf("not down after %d calls", calls)
		}
		_ = h.Set(ctxT(t), "k", []byte("v"), 0)
	}
	waitEvent(e, func(ev *messages.NodeDown) bool { return ev.Node == srv.Addr })
	const fast = 10
	for i := 0; i < fast; i++ {
		if _, err := h.Get(ctxT(t), "k"); !errors.Is(err, herd.ErrNodeDown) {
			t.Fatalf("get on a down node: %v", err)
		}
	}

	s := h.Stats().Nodes[srv.Addr]
	wire := s.Errors[actors.ErrorConnection] + s.Errors[actors.ErrorProtocol]
	if wire < 1 || wire+s.Errors[actors.ErrorNodeDown] != uint64(calls+fast) {
		t.Errorf("errors %v, want %d calls on the dead node, then %d refused as down",
			s.Errors, calls, fast)
	}
	if s.Requests != 1+uint64(calls+fast) || s.OK != 1 {
		t.Errorf("%d requests, %d ok; want 1 ok and %d failed", s.Requests, s.OK, calls+fast)
	}
	if !s.Health.Down || s.Health.Since.Before(before) || s.ConnsOpen != 0 {
		t.Errorf("a dead node's stats: %+v", s)
	}
}

// Calls waiting on a paused node show as in flight on connections in use,
// and leave the figures once answered.
func TestStatsQueueDepth(t *testing.T) {
	srv := testserver.Memcached(t)
	e, cfg := newEnv(t, srv.Addr)
	cfg.RequestTimeout = 20 * time.Second
	h := e.start(cfg)
	if err := h.Set(ctxT(t), "q", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	// SIGSTOP takes effect a moment after it is sent: wait until the
	// kernel shows the process stopped, or the calls may all be answered.
	eventually(t, "the server is stopped", func() bool { return stopped(t, srv.PID()) })
	const waiting = 6
	var wg sync.WaitGroup
	errs := make(chan error, waiting)
	for i := 0; i < waiting; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.Get(context.Background(), "q")
			errs <- err
		}()
	}
	eventually(t, "every call waits in herd", func() bool {
		s := h.Stats().Nodes[srv.Addr]
		return s.InFlight+s.Queued == waiting && s.ConnsInUse >= 1
	})
	srv.Resume()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := h.Stats().Nodes[srv.Addr]
	if s.InFlight != 0 || s.Queued != 0 || s.ConnsInUse != 0 || s.OK != waiting+1 {
		t.Errorf("after the node resumed: %+v", s)
	}
}

// stopped reports whether every thread of the process pid is stopped by a
// signal, as /proc shows it (state T).
func stopped(t *testing.T, pid int) bool {
	t.Helper()
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		t.Fatalf("threads of %d: %v", pid, err)
	}
	for _, path := range stats {
		stat, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		// The state follows the command name, which is in parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+2 >= len(stat) || stat[i+2] != 'T' {
			return false
		}
	}
	return true
}
