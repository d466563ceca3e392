package herd_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/actors"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// Attacks on the request path, the self-read path (a caller with an
// uncancellable context reading its own reply) above all. Every call checks
// its own promises: one reply, its own (values equal keys, so a crossed
// reply shows), by its deadline plus 50 ms.

// tally counts what a load saw.
type tally struct {
	ok, errs, wrong, late atomic.Int64
	mu                    sync.Mutex
	samples               []string
	errKinds              map[string]int
}

func (tl *tally) note(format string, args ...any) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if len(tl.samples) < 10 {
		tl.samples = append(tl.samples, fmt.Sprintf(format, args...))
	}
}

func (tl *tally) kind(err error) {
	k := "other"
	for _, e := range []error{herd.ErrTimeout, herd.ErrNodeGone, herd.ErrConnection,
		herd.ErrClosed, herd.ErrNodeDown, herd.ErrMiss, herd.ErrNoNodes, context.Canceled} {
		if errors.Is(err, e) {
			k = e.Error()
			break
		}
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.errKinds == nil {
		tl.errKinds = map[string]int{}
	}
	tl.errKinds[k]++
	if k == "other" && len(tl.samples) < 10 {
		tl.samples = append(tl.samples, "unexpected error: "+err.Error())
	}
}

func (tl *tally) String() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return fmt.Sprintf("ok=%d errs=%d wrong=%d late=%d kinds=%v samples=%q",
		tl.ok.Load(), tl.errs.Load(), tl.wrong.Load(), tl.late.Load(), tl.errKinds, tl.samples)
}

// loadOpts shapes one load goroutine.
type loadOpts struct {
	timeout     time.Duration // the per-call budget (RequestTimeout for Background)
	cancellable bool          // a context with a Done channel
	prefix      string
	sleepEvery  int // sleep 1ms every n calls so connections go idle
}

// oneCall does a set then a get of a key whose value is the key itself, and
// checks the get's reply and both calls' timing.
func oneCall(h *herd.Herd, o loadOpts, i int, tl *tally) {
	key := fmt.Sprintf("%s-%d", o.prefix, i)
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if o.cancellable {
		ctx, cancel = context.WithTimeout(context.Background(), o.timeout)
	}
	defer cancel()
	start := time.Now()
	err := h.Set(ctx, key, []byte(key), 0)
	if took := time.Since(start); took > o.timeout+50*time.Millisecond {
		tl.late.Add(1)
		tl.note("set %s took %v (budget %v), err %v", key, took, o.timeout, err)
	}
	if err != nil {
		tl.errs.Add(1)
		tl.kind(err)
		return
	}
	start = time.Now()
	it, err := h.Get(ctx, key)
	if took := time.Since(start); took > o.timeout+50*time.Millisecond {
		tl.late.Add(1)
		tl.note("get %s took %v (budget %v), err %v", key, took, o.timeout, err)
	}
	switch {
	case err == nil && string(it.Value) == key:
		tl.ok.Add(1)
	case err == nil:
		tl.wrong.Add(1)
		tl.note("get %s returned %q", key, it.Value)
	case errors.Is(err, herd.ErrMiss):
		// A set that succeeded and a get that misses: either the value
		// was lost (a crossed reply) or evicted; with 64 MB it was not.
		tl.wrong.Add(1)
		tl.note("get %s missed after its set succeeded", key)
	default:
		tl.errs.Add(1)
		tl.kind(err)
	}
}

// runLoad runs n goroutines, half with Background contexts (self-read),
// half cancellable, until stop is closed.
func runLoad(h *herd.Herd, n int, timeout time.Duration, stop <-chan struct{},
	tl *tally) *sync.WaitGroup {
	var wg sync.WaitGroup
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := loadOpts{timeout: timeout, cancellable: g%2 == 1,
				prefix: fmt.Sprintf("L%d", g), sleepEvery: 3 + g%5}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				oneCall(h, o, i, tl)
				if i%o.sleepEvery == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	return &wg
}

// workerPIDOf returns the PID of worker i of addr's pool.
func workerPIDOf(h *herd.Herd, addr string, i int) *actor.PID {
	pool := h.Pool(addr)
	if pool == nil {
		return nil
	}
	return actor.NewPID(pool.Address, fmt.Sprintf("%s/w%d", pool.Id, i))
}

// Workers crash again and again while callers read their own replies on
// their connections: every call still gets its own reply, or an error, by
// its deadline.
func TestAttackWorkerCrashWhileCallersReadOwn(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	cfg.RequestTimeout = 300 * time.Millisecond
	// Restart at once, always: the attack is on the crash, not the backoff.
	cfg.PoolStrategy = fastRestarts()
	h := e.start(cfg)

	var tl tally
	stop := make(chan struct{})
	wg := runLoad(h, 16, cfg.RequestTimeout, stop, &tl)
	for i := 0; i < 60; i++ {
		addr := addrs[i%2]
		if pid := workerPIDOf(h, addr, i%cfg.PoolSize); pid != nil {
			e.system.Root.Send(pid, &messages.Crash{Reason: "attack"})
		}
		time.Sleep(15 * time.Millisecond)
	}
	close(stop)
	waitStart := time.Now()
	wg.Wait()
	t.Logf("load ended %v after stop; %s", time.Since(waitStart), &tl)
	stopStart := time.Now()
	_ = h.Stop()
	if took := time.Since(stopStart); took > time.Second {
		t.Errorf("Stop took %v", took)
	}
	if n := strings.Count(e.log.String(), "crashed on request"); n < 30 {
		t.Errorf("only %d workers crashed", n)
	}
	if tl.wrong.Load() != 0 || tl.late.Load() != 0 || tl.ok.Load() == 0 {
		t.Fatalf("worker crashes under self-read load: %s", &tl)
	}
}

// Pools restart again and again while callers read their own replies.
func TestAttackPoolRestartWhileCallersReadOwn(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	cfg.RequestTimeout = 300 * time.Millisecond
	cfg.ClusterStrategy = fastRestarts()
	h := e.start(cfg)

	var tl tally
	stop := make(chan struct{})
	wg := runLoad(h, 16, cfg.RequestTimeout, stop, &tl)
	for i := 0; i < 40; i++ {
		if pid := h.Pool(addrs[i%2]); pid != nil {
			e.system.Root.Send(pid, &messages.Crash{Reason: "attack"})
		}
		time.Sleep(25 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%s", &tl)
	stopStart := time.Now()
	_ = h.Stop()
	if took := time.Since(stopStart); took > time.Second {
		t.Errorf("Stop took %v", took)
	}
	if tl.wrong.Load() != 0 || tl.late.Load() != 0 || tl.ok.Load() == 0 {
		t.Fatalf("pool restarts under self-read load: %s", &tl)
	}
}

// A node flaps in and out of discovery while callers read their own
// replies: its pool retires and a new one starts, again and again.
func TestAttackNodeFlapWhileCallersReadOwn(t *testing.T) {
	addrs := fleet(t, 3)
	e, cfg := newEnv(t, addrs...)
	cfg.RequestTimeout = 300 * time.Millisecond
	h := e.start(cfg)

	var tl tally
	stop := make(chan struct{})
	wg := runLoad(h, 16, cfg.RequestTimeout, stop, &tl)
	for i := 0; i < 30; i++ {
		if i%2 == 0 {
			e.disc.Set(addrs[:2]...)
		} else {
			e.disc.Set(addrs...)
		}
		h.Refresh()
		time.Sleep(30 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%s", &tl)
	// A key that moved node between its set and its get misses honestly;
	// only a wrong value (not a miss) is a crossed reply here.
	if tl.late.Load() != 0 || tl.ok.Load() == 0 {
		t.Fatalf("node flaps under self-read load: %s", &tl)
	}
	tl.mu.Lock()
	for _, s := range tl.samples {
		if len(s) > 0 && s[len(s)-1] == '"' && !contains(s, "missed") {
			t.Errorf("crossed reply: %s", s)
		}
	}
	tl.mu.Unlock()
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Stop with a thousand calls in flight, half of them reading their own
// replies: each call gets exactly one reply, promptly, and nothing is left
// running.
func TestAttackStopWithThousandInFlight(t *testing.T) {
	addrs := fleet(t, 2)
	e, cfg := newEnv(t, addrs...)
	cfg.RequestTimeout = 2 * time.Second
	baseline := goleak.IgnoreCurrent()
	h := e.start(cfg)

	const n = 1000
	var started, finished atomic.Int64
	var bad atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if g%2 == 1 {
				c, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				ctx = c
			}
			key := fmt.Sprintf("s%d", g)
			started.Add(1)
			<-release
			for i := 0; ; i++ {
				start := time.Now()
				it, err := h.Get(ctx, key)
				if took := time.Since(start); took > 500*time.Millisecond {
					bad.Add(1)
					t.Errorf("call %s took %v (err %v)", key, took, err)
				}
				if err == nil && string(it.Value) != key && len(it.Value) != 0 {
					bad.Add(1)
					t.Errorf("call %s got %q", key, it.Value)
				}
				if errors.Is(err, herd.ErrClosed) {
					finished.Add(1)
					return
				}
				if err != nil && !errors.Is(err, herd.ErrMiss) && !errors.Is(err, herd.ErrNodeGone) {
					t.Errorf("call %s: %v", key, err)
				}
			}
		}()
	}
	for started.Load() < n {
		time.Sleep(time.Millisecond)
	}
	close(release)
	eventually(t, "the callers have calls answered", func() bool {
		var answered uint64
		for _, ns := range h.Stats().Nodes {
			answered += ns.Requests
		}
		return answered >= uint64(n)
	})
	start := time.Now()
	if err := h.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Stop took %v", took)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("callers still waiting 5 s after Stop (%d of %d returned):\n%s",
			finished.Load(), n, buf[:runtime.Stack(buf, true)])
	}
	goleak.VerifyNone(t, baseline)
}

// trickleServer is a memcached stand-in that answers "gets <key>" with a
// hit whose value is the key, written one byte per gap when the key starts
// with "slow", at once otherwise: a reply split across many TCP segments.
func trickleServer(t *testing.T, gap time.Duration) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					f := strings.Fields(line)
					if len(f) < 2 {
						continue
					}
					key := f[1]
					out := fmt.Sprintf("VALUE %s 0 %d 1\r\n%s\r\nEND\r\n", key, len(key), key)
					if !strings.HasPrefix(key, "slow") {
						if _, err := c.Write([]byte(out)); err != nil {
							return
						}
						continue
					}
					for i := 0; i < len(out); i++ {
						if _, err := c.Write([]byte{out[i]}); err != nil {
							return
						}
						time.Sleep(gap)
					}
				}
			}()
		}
	}()
	return ln
}

// A reply that trickles in a byte at a time, slower than the caller's
// budget: a caller reading its own reply gets ErrTimeout by its deadline,
// and the calls after it get their own replies, never the rest of it.
func TestAttackTrickledReplyPastDeadline(t *testing.T) {
	ln := trickleServer(t, 5*time.Millisecond)
	e, cfg := newEnv(t, ln.Addr().String())
	cfg.PoolSize = 1
	cfg.RequestTimeout = 100 * time.Millisecond
	h := e.start(cfg)

	for i := 0; i < 5; i++ {
		start := time.Now()
		_, err := h.Get(context.Background(), fmt.Sprintf("slow-%d-%s", i, strings.Repeat("x", 40)))
		took := time.Since(start)
		if !errors.Is(err, herd.ErrTimeout) || took > cfg.RequestTimeout+50*time.Millisecond {
			t.Fatalf("trickled reply: %v after %v, want ErrTimeout by %v", err, took, cfg.RequestTimeout)
		}
		for j := 0; j < 3; j++ {
			key := fmt.Sprintf("fast-%d-%d", i, j)
			ctx := context.Background()
			if j == 1 {
				c, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				ctx = c
			}
			it, err := h.Get(ctx, key)
			if err != nil || string(it.Value) != key {
				t.Fatalf("after a trickled reply, get %s = %q, %v", key, it.Value, err)
			}
		}
	}
}

// A reply split into many segments, yet within the budget, is read whole
// by a caller reading its own reply.
func TestAttackTrickledReplyWithinDeadline(t *testing.T) {
	ln := trickleServer(t, 200*time.Microsecond)
	e, cfg := newEnv(t, ln.Addr().String())
	cfg.PoolSize = 1
	cfg.RequestTimeout = time.Second
	h := e.start(cfg)
	var wg sync.WaitGroup
	var bad atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				key := fmt.Sprintf("slow-%d-%d", g, i)
				if g%2 == 1 {
					key = fmt.Sprintf("fast-%d-%d", g, i)
				}
				it, err := h.Get(context.Background(), key)
				if err != nil || string(it.Value) != key {
					bad.Add(1)
					t.Errorf("get %s = %q, %v", key, it.Value, err)
				}
			}
		}()
	}
	wg.Wait()
}

// Requests sent as messages to the herd's PID share connections with Go
// client callers that read their own replies: each gets its own reply.
func TestAttackActorAPIMixedWithSelfRead(t *testing.T) {
	srv := newBatchServer(t)
	e, cfg := newEnv(t, srv.ln.Addr().String())
	cfg.PoolSize = 1
	h := e.start(cfg)

	const perActor = 300
	var wrong, missing atomic.Int64
	var wg sync.WaitGroup
	for a := 0; a < 4; a++ {
		wg.Add(1)
		replies := make(chan *messages.Reply, perActor)
		user := e.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			switch msg := ctx.Message().(type) {
			case *actor.Started:
				for i := 0; i < perActor; i++ {
					ctx.Request(h.PID(), &messages.Get{Key: fmt.Sprintf("a%d-%d", a, i)})
				}
			case *messages.Reply:
				replies <- msg
			}
		}))
		go func() {
			defer wg.Done()
			defer e.system.Root.Stop(user)
			for i := 0; i < perActor; i++ {
				select {
				case r := <-replies:
					want := r.Request.(*messages.Get).Key
					if r.Err != nil || string(r.Value) != want {
						wrong.Add(1)
					}
				case <-time.After(3 * time.Second):
					missing.Add(perActor - int64(i))
					return
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				key := fmt.Sprintf("g%d-%d", g, i)
				it, err := h.Get(context.Background(), key)
				if err != nil || string(it.Value) != key {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 || missing.Load() != 0 {
		t.Fatalf("actor API mixed with self-read: %d wrong, %d missing", wrong.Load(), missing.Load())
	}
}

// messages.Call is how an actor builds a request with a reply path of its
// own, and SetSelfRead is exported on it. An actor that marks its call so
// and sends it to the herd's PID wedges the connection the call lands on:
// the supervisor dispatches it, the worker runs inline on the supervisor's
// goroutine and hands the read side to a caller that never takes it, and
// nothing reads that connection again.
func TestAttackActorCallWithSelfReadWedgesConnection(t *testing.T) {
	addrs := fleet(t, 1)
	e, cfg := newEnv(t, addrs...)
	cfg.PoolSize = 1
	cfg.RequestTimeout = 200 * time.Millisecond
	cfg.StopTimeout = 500 * time.Millisecond
	cfg.DiscoveryTimeout = 500 * time.Millisecond
	h := e.start(cfg)
	if err := h.Set(ctxT(t), "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}

	ch := make(messages.ChanReplier, 1)
	call := messages.NewCall(&messages.Get{Key: "k"}, time.Now().Add(200*time.Millisecond), ch)
	call.SetSelfRead()
	e.system.Root.Send(h.PID(), call)
	select {
	case r := <-ch:
		if r.Err != nil {
			t.Logf("the marked call: %v", r.Err)
		}
	case <-time.After(time.Second):
		t.Error("an actor's call marked SetSelfRead was never answered")
	}
	// The connection must still serve the next callers.
	for i := 0; i < 3; i++ {
		if _, err := h.Get(ctxT(t), "k"); err != nil {
			t.Errorf("get %d after an actor's self-read call: %v", i, err)
			break
		}
	}
	start := time.Now()
	err := h.Stop()
	if took := time.Since(start); err != nil || took > 2*cfg.StopTimeout {
		t.Errorf("Stop after an actor's self-read call: %v after %v", err, took)
	}
}

// Values at the size limit, with the longest key, go out from the caller's
// goroutine and come back to callers reading their own replies, beside small
// calls on the same connections.
func TestAttackHugeValuesSelfRead(t *testing.T) {
	addrs := fleet(t, 1)
	e, cfg := newEnv(t, addrs...)
	cfg.PoolSize = 2
	cfg.RequestTimeout = 3 * time.Second
	h := e.start(cfg)

	var wg sync.WaitGroup
	var bad atomic.Int64
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("%d%s", g, strings.Repeat("k", 249))
			val := make([]byte, 1<<20-512)
			for i := range val {
				val[i] = byte('a' + (i+g)%26)
			}
			for i := 0; i < 5; i++ {
				if err := h.Set(context.Background(), key, val, 0); err != nil {
					if errors.Is(err, herd.ErrServer) {
						t.Logf("server refused the largest value: %v", err)
						return
					}
					bad.Add(1)
					t.Errorf("huge set: %v", err)
					return
				}
				it, err := h.Get(context.Background(), key)
				if err != nil || string(it.Value) != string(val) {
					bad.Add(1)
					t.Errorf("huge get: %d bytes, %v", len(it.Value), err)
					return
				}
			}
		}()
	}
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				key := fmt.Sprintf("small-%d-%d", g, i)
				ctx := context.Background()
				if i%2 == 0 {
					c, cancel := context.WithTimeout(ctx, 3*time.Second)
					defer cancel()
					ctx = c
				}
				if err := h.Set(ctx, key, []byte(key), 0); err != nil {
					bad.Add(1)
					t.Errorf("small set: %v", err)
					return
				}
				it, err := h.Get(ctx, key)
				if err != nil || string(it.Value) != key {
					bad.Add(1)
					t.Errorf("small get %s: %q %v", key, it.Value, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A garbage reply read by the caller that reads its own reply gets it a
// typed error; the connection is dropped and the next callers are served.
func TestAttackGarbageToSelfReader(t *testing.T) {
	srv := newFakeServer(t, func(conn int, line string) string {
		f := strings.Fields(line)
		if len(f) < 2 {
			return ""
		}
		if strings.HasPrefix(f[1], "bad") {
			return "WHAT IS THIS\r\n"
		}
		return fmt.Sprintf("VALUE %s 0 %d 1\r\n%s\r\nEND\r\n", f[1], len(f[1]), f[1])
	})
	e, cfg := newEnv(t, srv.addr())
	cfg.PoolSize = 1
	cfg.FailureThreshold = 1000
	h := e.start(cfg)
	for i := 0; i < 20; i++ {
		start := time.Now()
		_, err := h.Get(context.Background(), fmt.Sprintf("bad%d", i))
		if !errors.Is(err, herd.ErrProtocol) || time.Since(start) > 500*time.Millisecond {
			t.Fatalf("garbage to a self-reader: %v after %v, want ErrProtocol", err, time.Since(start))
		}
		key := fmt.Sprintf("good%d", i)
		var it herd.Item
		for try := 0; try < 50; try++ {
			it, err = h.Get(context.Background(), key)
			if err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil || string(it.Value) != key {
			t.Fatalf("after garbage, get %s = %q, %v", key, it.Value, err)
		}
	}
}

// A node that now and then sends a garbage reply breaks one connection each
// time; its worker is restarted after a backoff that doubles with every
// failure in the minute (DefaultWorkerStrategy: 10 ms up to 5 s). The node
// stays up (successes on the other worker reset its failure count), and the
// front door keeps handing calls to the worker that waits out its backoff:
// they sit in its suspended mailbox and time out, though the node answers
// at once and the pool's other worker is idle.
func TestAttackWorkerBackoffStallsHealthyCalls(t *testing.T) {
	srv := newFakeServer(t, func(conn int, line string) string {
		f := strings.Fields(line)
		if len(f) < 2 {
			return ""
		}
		if strings.HasPrefix(f[1], "bad") {
			return "WHAT IS THIS\r\n"
		}
		return fmt.Sprintf("VALUE %s 0 %d 1\r\n%s\r\nEND\r\n", f[1], len(f[1]), f[1])
	})
	e, cfg := newEnv(t, srv.addr())
	cfg.PoolSize = 2
	cfg.RequestTimeout = 300 * time.Millisecond
	cfg.StopTimeout = 500 * time.Millisecond
	h := e.start(cfg)
	w0 := workerPIDOf(h, srv.addr(), 0)
	eventually(t, "w0 serves", func() bool {
		return callDirect(t, e.system, w0, &messages.Get{Key: "warm"}).Err == nil
	})

	// Eight garbage replies on w0, each followed by a good call straight to
	// it, which waits in its mailbox for the restart and is then served;
	// the node's failure count is reset by each.
	for i := 0; i < 8; i++ {
		bad := &messages.Get{Key: fmt.Sprintf("bad%d", i)}
		if r := callDirect(t, e.system, w0, bad); !errors.Is(r.Err, herd.ErrProtocol) {
			t.Fatalf("garbage %d: %v", i, r.Err)
		}
		if r := callDirect(t, e.system, w0, &messages.Get{Key: "warm"}); r.Err != nil {
			t.Fatalf("w0 after garbage %d: %v", i, r.Err)
		}
	}
	// A ninth: w0's restart now waits 0.64 to 1.28 s.
	_ = callDirect(t, e.system, w0, &messages.Get{Key: "bad9"})
	var good, timedOut int
	for i := 0; i < 10; i++ {
		key := fmt.Sprintf("good%d", i)
		it, err := h.Get(context.Background(), key)
		switch {
		case err == nil && string(it.Value) == key:
			good++
		case errors.Is(err, herd.ErrTimeout):
			timedOut++
		default:
			t.Errorf("get %s: %q, %v", key, it.Value, err)
		}
	}
	t.Logf("good=%d timed out=%d; health %+v", good, timedOut, h.Health())
	if timedOut > 0 {
		t.Errorf("%d of 10 calls to a node that answers at once timed out after %v, "+
			"handed to a worker waiting out its restart backoff while w1 was idle",
			timedOut, cfg.RequestTimeout)
	}
	// Stop waits for that worker's restart too.
	_ = callDirect(t, e.system, w0, &messages.Get{Key: "bad10"}) // next wait: 1.28 to 2.56 s
	start := time.Now()
	err := h.Stop()
	if took := time.Since(start); took > 300*time.Millisecond {
		t.Errorf("Stop took %v (err %v): it waits for a worker's restart backoff", took, err)
	}
}

// Two thousand goroutines on one connection per node, self-readers,
// cancellable callers and GetMulti callers mixed, while pools restart and
// a node flaps: every call returns by its deadline with its own reply.
func TestAttackThousandsMixedWithGetMulti(t *testing.T) {
	addrs := fleet(t, 3)
	e, cfg := newEnv(t, addrs...)
	cfg.PoolSize = 1
	cfg.RequestTimeout = time.Second
	cfg.ClusterStrategy = fastRestarts()
	baseline := goleak.IgnoreCurrent()
	h := e.start(cfg)
	for i := 0; i < 100; i++ {
		key := fmt.Sprintf("m%d", i)
		if err := h.Set(ctxT(t), key, []byte(key), 0); err != nil {
			t.Fatal(err)
		}
	}

	var wrong, late, calls atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 2000; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if g%3 == 1 {
					ctx, cancel = context.WithTimeout(ctx, 500*time.Millisecond)
				}
				budget := cfg.RequestTimeout
				if g%3 == 1 {
					budget = 500 * time.Millisecond
				}
				start := time.Now()
				if g%3 == 2 {
					keys := []string{fmt.Sprintf("m%d", (g+i)%100), fmt.Sprintf("m%d", (g+i+37)%100),
						fmt.Sprintf("m%d", (g+i+71)%100)}
					items, err := h.GetMulti(ctx, keys)
					var pe *herd.PartialError
					if err != nil && !errors.As(err, &pe) && !errors.Is(err, herd.ErrClosed) {
						t.Errorf("getmulti: %v", err)
					}
					for k, it := range items {
						if string(it.Value) != k {
							wrong.Add(1)
						}
					}
				} else {
					key := fmt.Sprintf("m%d", (g*7+i)%100)
					it, err := h.Get(ctx, key)
					if err == nil && string(it.Value) != key {
						wrong.Add(1)
					}
				}
				if time.Since(start) > budget+50*time.Millisecond {
					late.Add(1)
				}
				cancel()
				calls.Add(1)
			}
		}()
	}
	for i := 0; i < 10; i++ {
		time.Sleep(100 * time.Millisecond)
		if pid := h.Pool(addrs[i%3]); pid != nil && i%2 == 0 {
			e.system.Root.Send(pid, &messages.Crash{Reason: "attack"})
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d calls, %d wrong, %d late", calls.Load(), wrong.Load(), late.Load())
	if wrong.Load() != 0 || late.Load() != 0 {
		t.Errorf("%d wrong, %d late of %d", wrong.Load(), late.Load(), calls.Load())
	}
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, baseline)
}

// On redis, a self-reader whose command keeps the server busy past its
// deadline (DEBUG SLEEP) gets ErrTimeout by its deadline; callers pipelined
// behind it on the same connection get their own replies or an error by
// their own deadlines, never another's reply.
func TestAttackRedisSlowCommandSelfRead(t *testing.T) {
	srv := testserver.Redis(t, "--enable-debug-command", "yes")
	e, cfg := newEnv(t, srv.Addr)
	cfg.Backend = redis.New(redis.Options{})
	cfg.PoolSize = 1
	cfg.RequestTimeout = 200 * time.Millisecond
	h := e.start(cfg)
	if _, err := h.Do(ctxT(t), "x", "DEBUG", "SLEEP", "0"); err != nil {
		t.Skipf("DEBUG not available: %v", err)
	}
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		start := time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.Do(context.Background(), "x", "DEBUG", "SLEEP", "0.4")
			took := time.Since(start)
			if !errors.Is(err, herd.ErrTimeout) || took > cfg.RequestTimeout+50*time.Millisecond {
				t.Errorf("slow command: %v after %v", err, took)
			}
		}()
		eventually(t, "the slow command is on the wire", func() bool {
			return h.Stats().Nodes[srv.Addr].InFlight > 0
		})
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("r%d-%d", round, g)
				ctx := context.Background()
				if g%2 == 0 {
					c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
					defer cancel()
					ctx = c
				}
				s := time.Now()
				err := h.Set(ctx, key, []byte(key), 0)
				if took := time.Since(s); took > 300*time.Millisecond+50*time.Millisecond {
					t.Errorf("call behind the slow one took %v (%v)", took, err)
				}
			}()
		}
		wg.Wait()
		// Once the node has finished sleeping, every key must read back as
		// itself or be missing, never another's value.
		eventually(t, "the node answers again", func() bool {
			_, err := h.Do(context.Background(), "x", "PING")
			return err == nil
		})
		for g := 0; g < 8; g++ {
			key := fmt.Sprintf("r%d-%d", round, g)
			it, err := h.Get(context.Background(), key)
			if err == nil && string(it.Value) != key {
				t.Errorf("get %s = %q", key, it.Value)
			}
			if err != nil && !errors.Is(err, herd.ErrMiss) {
				t.Errorf("get %s after the slow command: %v", key, err)
			}
		}
	}
}

// Stop while a self-reader waits on a node that never answers: Stop returns
// within StopTimeout and the caller gets one reply by its deadline.
func TestAttackStopWhileSelfReaderWaits(t *testing.T) {
	rec := newRecorder(t)
	e, cfg := newEnv(t, rec.ln.Addr().String())
	cfg.PoolSize = 1
	cfg.RequestTimeout = 2 * time.Second
	cfg.StopTimeout = 200 * time.Millisecond
	baseline := goleak.IgnoreCurrent()
	h := e.start(cfg)
	done := make(chan error, 2)
	start := time.Now()
	go func() {
		_, err := h.Get(context.Background(), "k")
		done <- err
	}()
	eventually(t, "the caller waits on the wire", func() bool {
		return h.Stats().Nodes[rec.ln.Addr().String()].InFlight > 0
	})
	if err := h.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Stop with a self-reader waiting took %v", took)
	}
	select {
	case err := <-done:
		t.Logf("the waiting caller got %v after %v", err, time.Since(start))
		if err == nil {
			t.Error("a node that never answers answered")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the waiting caller never returned")
	}
	// protoactor's dead-letter throttle belongs to the actor system, not
	// to herd: the stopped worker's pipeBroken went to dead letters.
	goleak.VerifyNone(t, baseline,
		goleak.IgnoreTopFunction(
			"github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"))
}

// fastRestarts restarts a crashed actor within 2 ms, so that tests can
// crash actors often without the backoff stacking up.
func fastRestarts() actor.SupervisorStrategy {
	return actors.NewBackoffStrategy(actors.Backoff{Min: time.Millisecond, Max: 2 * time.Millisecond})
}
