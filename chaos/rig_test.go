package chaos

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
	"go.uber.org/goleak"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/faultproxy"
	"github.com/herd-go/herd/internal/testserver"
)

// Herd settings shared by every scenario.
const (
	probeInterval = 200 * time.Millisecond
	probeMax      = time.Second
	dialTimeout   = 250 * time.Millisecond
)

// node is one real server behind its own fault proxy.
type node struct {
	srv   *testserver.Server
	proxy *faultproxy.Proxy
}

// addr is the node's address as herd knows it: the proxy's.
func (n *node) addr() string { return n.proxy.Addr() }

// accepted is how many connections the proxy has accepted: herd's dials.
func (n *node) accepted() int64 { return n.proxy.Stats().Accepted }

// rig is a herd over a fleet of proxied servers, for one test.
type rig struct {
	t      *testing.T
	nodes  []*node
	ks     *keyspace
	system *actor.ActorSystem
	disc   *discovery.Manual
	h      *herd.Herd
	log    *syncBuffer
	cfg    herd.Config

	noSeed       bool // set by an edit for a herd that cannot take writes
	baseline     goleak.Option
	goroutines   [2]int            // before the herd started, after it stopped
	ownerOf      map[string]string // key to node address, at start
	poolAtStart  map[string]string // node address to pool PID id
	epochAtStart uint64
}

// newRig starts n servers of kind ("memcached" or "redis"), a proxy for
// each, and a herd over the proxies; edit may change the rig and the
// config first.
func newRig(t *testing.T, kind string, n int, edit func(*rig, *herd.Config)) *rig {
	t.Helper()
	r := &rig{t: t, ks: newKeyspace(), log: &syncBuffer{}}
	addrs := make([]string, n)
	for i := range addrs {
		r.nodes = append(r.nodes, startNode(t, kind))
		addrs[i] = r.nodes[i].addr()
	}
	r.disc = discovery.NewManual(addrs...)
	r.cfg = r.config(kind)
	if edit != nil {
		edit(r, &r.cfg)
	}
	r.start()
	return r
}

// startNode starts one server and its proxy; both stop when the test ends
// (the proxy first, as cleanups run in reverse).
func startNode(t *testing.T, kind string) *node {
	t.Helper()
	var srv *testserver.Server
	if kind == "redis" {
		srv = testserver.Redis(t)
	} else {
		srv = testserver.Memcached(t)
	}
	p, err := faultproxy.Start(srv.Addr)
	if err != nil {
		t.Fatalf("proxy for %s: %v", srv.Addr, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return &node{srv: srv, proxy: p}
}

func (r *rig) config(kind string) herd.Config {
	cfg := herd.Config{
		Backend:        memcached.New(memcached.Options{}),
		Discovery:      r.disc,
		PoolSize:       4,
		PollInterval:   time.Hour, // membership changes only when a test says so
		RequestTimeout: budget,
		DialTimeout:    dialTimeout,
		ProbeInterval:  probeInterval,
		ProbeMax:       probeMax,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "herd", Level: hclog.Info, Output: r.log,
		}),
	}
	if kind == "redis" {
		cfg.Backend = redis.New(redis.Options{})
	}
	return cfg
}

// start takes the goroutine baseline, starts the herd, seeds the keys and
// notes who owns them.
func (r *rig) start() {
	r.system = actor.NewActorSystem(herd.QuietActorSystem())
	r.baseline = goleak.IgnoreCurrent()
	r.goroutines[0] = runtime.NumGoroutine()
	h, err := herd.Start(r.system, r.cfg)
	if err != nil {
		r.t.Fatalf("herd start: %v", err)
	}
	r.h = h
	r.t.Cleanup(r.dumpLogOnFailure)
	r.t.Cleanup(func() { _ = h.Stop() })
	if !r.noSeed {
		seed(h, r.ks)
	}
	r.ownerOf = make(map[string]string, numKeys)
	for _, k := range r.ks.keys {
		r.ownerOf[k], _ = h.Owner(k)
	}
	r.poolAtStart = map[string]string{}
	for _, n := range r.nodes {
		if pid := h.Pool(n.addr()); pid != nil {
			r.poolAtStart[n.addr()] = pid.Id
		}
	}
	r.epochAtStart = h.Epoch()
}

// stop stops the herd and checks that it left no goroutine behind. Two
// kinds started after the baseline are the fixtures', not herd's: the
// goroutine that waits for a restarted server's process, and a proxy's
// accept loop started again when Refuse is cleared.
func (r *rig) stop() {
	r.t.Helper()
	if err := r.h.Stop(); err != nil {
		r.t.Errorf("stop: %v", err)
	}
	const fixtures = "github.com/herd-go/herd/internal/"
	goleak.VerifyNone(r.t, r.baseline,
		goleak.IgnoreAnyFunction(fixtures+"testserver.(*Server).launch.func1"),
		goleak.IgnoreAnyFunction(fixtures+"faultproxy.(*Proxy).acceptLoop"))
	r.goroutines[1] = runtime.NumGoroutine()
}

// samePools reports whether every node still has the pool it started with
// and membership never changed: nothing was restarted by hand.
func (r *rig) samePools() bool {
	for addr, id := range r.poolAtStart {
		if pid := r.h.Pool(addr); pid == nil || pid.Id != id {
			return false
		}
	}
	return r.h.Epoch() == r.epochAtStart
}

func (r *rig) dumpLogOnFailure() {
	if r.t.Failed() {
		r.t.Logf("herd log:\n%s", r.log.tail(8000))
	}
}

// wait blocks for d: a fixed span of traffic or of a node held dead, not
// a wait for a condition.
func wait(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	<-t.C
}

// poll calls cond every millisecond until it holds or limit passes, and
// returns when it held, or false.
func poll(limit time.Duration, cond func() bool) (time.Time, bool) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return time.Now(), true
		}
		select {
		case <-deadline.C:
			return time.Time{}, false
		case <-tick.C:
		}
	}
}

// syncBuffer is a log sink that the test can read while herd writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tail returns the last n bytes written.
func (b *syncBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	return s[max(0, len(s)-n):]
}
