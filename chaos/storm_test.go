package chaos

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/actors"
	"github.com/herd-go/herd/backends"
)

// stormBackoff is the cluster actor's strategy for pools in the storm.
var stormBackoff = actors.Backoff{Min: 50 * time.Millisecond, Max: time.Second,
	Window: time.Minute, MaxRestarts: actors.UnlimitedRestarts}

// maxStormCPU is the share of one core the process may use while a pool
// fails on every start and nothing else runs: near idle.
const maxStormCPU = 0.05

// panicky is a backend whose Dial panics for one address: every worker of
// that node fails as it starts.
type panicky struct {
	backends.Backend
	addr string
}

func (p panicky) Dial(ctx context.Context, addr string) (backends.Conn, error) {
	if addr == p.addr {
		panic("chaos: dial " + addr + " always panics")
	}
	return p.Backend.Dial(ctx, addr)
}

// failures is a strategy that notes when each child failed, then lets
// inner decide.
type failures struct {
	inner actor.SupervisorStrategy
	mu    sync.Mutex
	at    map[string][]time.Time
}

func (f *failures) HandleFailure(sys *actor.ActorSystem, sup actor.Supervisor,
	child *actor.PID, rs *actor.RestartStatistics, reason, msg any) {
	f.mu.Lock()
	f.at[child.Id] = append(f.at[child.Id], time.Now())
	f.mu.Unlock()
	f.inner.HandleFailure(sys, sup, child, rs, reason, msg)
}

// of returns the failures in [from, to) of child, or of every child if
// child is "".
func (f *failures) of(child string, from, to time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for id, times := range f.at {
		for _, t := range times {
			if (child == "" || id == child) && !t.Before(from) && t.Before(to) {
				n++
			}
		}
	}
	return n
}

func (f *failures) first(child string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.at[child]) == 0 {
		return time.Time{}, false
	}
	return f.at[child][0], true
}

// allowed is the most failures a child that fails at once on every start
// can have in its first d under b, from its first failure on: the n-th
// failure comes no sooner than the sum of the shortest delays before it,
// half of each ceiling.
func allowed(b actors.Backoff, d time.Duration) int {
	n, elapsed := 1, time.Duration(0)
	for ceiling := b.Min; ; ceiling = min(2*ceiling, b.Max) {
		elapsed += ceiling / 2
		if elapsed > d {
			return n
		}
		n++
	}
}

// A pool whose workers all fail as they start fails itself on every start.
// Its restarts follow the cluster's backoff strategy, no more often, and
// the process stays near idle meanwhile; the other node serves throughout
// and the herd stops clean.
func TestRestartStorm(t *testing.T) {
	pools := &failures{inner: actors.NewBackoffStrategy(stormBackoff), at: map[string][]time.Time{}}
	stop := func(any) actor.Directive { return actor.StopDirective }
	workers := &failures{inner: actor.NewOneForOneStrategy(1, time.Second, stop),
		at: map[string][]time.Time{}}
	r := newRig(t, "memcached", 2, func(r *rig, cfg *herd.Config) {
		cfg.Backend = panicky{Backend: cfg.Backend, addr: r.nodes[0].addr()}
		cfg.ClusterStrategy, cfg.PoolStrategy = pools, workers
		r.noSeed = true
	})
	pool := r.h.Pool(r.nodes[0].addr()).Id
	if _, ok := poll(downLimit, func() bool { _, ok := pools.first(pool); return ok }); !ok {
		t.Fatalf("the pool of %s never failed", r.nodes[0].addr())
	}
	first, _ := pools.first(pool)
	cpu0, wall0 := cpuTime(), time.Now()
	wait(sz.storm)
	cpu := (cpuTime() - cpu0).Seconds() / time.Since(wall0).Seconds()
	got, limit := pools.of(pool, first, first.Add(sz.storm)), allowed(stormBackoff, sz.storm)
	calls := stormCalls(r)
	r.stop()

	rw := row{scenario: "restart storm", tally: calls.tally(), goroutines: r.goroutines,
		note: fmt.Sprintf("pool restarts %d in %v (schedule allows %d), %.1f/s; "+
			"worker failures %d; cpu %.1f%% of a core", got, sz.storm, limit,
			float64(got)/sz.storm.Seconds(), workers.of("", first, first.Add(sz.storm)), 100*cpu)}
	report.add(t, rw)
	rw.checkCalls(t)
	checkStorm(t, got, limit, cpu)
}

// checkStorm asserts that the pool failed again and again (a storm), but
// no more often than the schedule allows, and that the process used at
// most maxStormCPU of a core meanwhile.
func checkStorm(t *testing.T, got, limit int, cpu float64) {
	t.Helper()
	if got > limit || got < 2 {
		t.Errorf("pool failed %d times in %v; the schedule allows %d, and a storm has 2 or more",
			got, sz.storm, limit)
	}
	if cpu > maxStormCPU {
		t.Errorf("cpu %.1f%% of a core during the storm, want under %.0f%%",
			100*cpu, 100*maxStormCPU)
	}
}

// stormCalls sends a few calls to each node once the storm has been
// measured: the healthy node must serve, the storming one answer by its
// deadline.
func stormCalls(r *rig) ops {
	l := &load{h: r.h, ks: r.ks}
	var all ops
	for i, k := range r.ks.keys[:32] {
		o := l.call(opSet, k, setReq(r.ks, k))
		if r.ownerOf[k] == r.nodes[1].addr() && !o.out.served() {
			r.t.Errorf("call %d to the healthy node during the storm: %v", i, o.err)
		}
		all = append(all, o)
	}
	return all
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
