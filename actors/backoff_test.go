package actors

import (
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

const ms = time.Millisecond

// almostOne is the largest value a Rand may return.
var almostOne = math.Nextafter(1, 0)

func fixedRand(r float64) func() float64 { return func() float64 { return r } }

func TestBackoffDelaySchedule(t *testing.T) {
	// Defaults: the ceiling doubles from 100 ms and meets the 10 s cap at n = 8.
	rows := []struct {
		from, to              int
		atZero, atHalf, atOne time.Duration
	}{
		{1, 1, 50 * ms, 75 * ms, 100*ms - 1},
		{2, 2, 100 * ms, 150 * ms, 200*ms - 1},
		{3, 3, 200 * ms, 300 * ms, 400*ms - 1},
		{4, 4, 400 * ms, 600 * ms, 800*ms - 1},
		{5, 5, 800 * ms, 1200 * ms, 1600*ms - 1},
		{6, 6, 1600 * ms, 2400 * ms, 3200*ms - 1},
		{7, 7, 3200 * ms, 4800 * ms, 6400*ms - 1},
		{8, 20, 5 * time.Second, 7500 * ms, 10*time.Second - 1},
	}
	for _, row := range rows {
		for n := row.from; n <= row.to; n++ {
			for r, want := range map[float64]time.Duration{
				0: row.atZero, 0.5: row.atHalf, almostOne: row.atOne,
			} {
				got := Backoff{Rand: fixedRand(r)}.Delay(n)
				if got != want {
					t.Errorf("Delay(%d) with Rand %v = %v, want %v", n, r, got, want)
				}
			}
		}
	}
}

func TestBackoffDelayEdges(t *testing.T) {
	huge := time.Duration(math.MaxInt64)
	cases := []struct {
		name     string
		b        Backoff
		n        int
		r        float64
		want     time.Duration
		wantHigh bool // want is an upper bound, not an exact value
	}{
		{"n=0 is the first failure", Backoff{}, 0, 0, 50 * ms, false},
		{"negative n is the first failure", Backoff{}, -7, 0, 50 * ms, false},
		{"no overflow at n=100", Backoff{}, 100, almostOne, 10*time.Second - 1, false},
		{"shift 62 fits", Backoff{Min: 1, Max: huge}, 63, 0, 1 << 61, false},
		{"shift 63 is capped", Backoff{Min: 1, Max: huge}, 64, 0, huge / 2, false},
		{"huge cap at n=100", Backoff{Min: 1, Max: huge}, 100, almostOne, huge, true},
		{"Min over Max is lowered", Backoff{Min: time.Hour, Max: time.Second}, 1, 0,
			500 * ms, false},
		{"odd ceiling", Backoff{Min: 3, Max: time.Second}, 1, 0, 1, false},
		{"Rand above 1 is clamped", Backoff{}, 1, 1.5, 100 * ms, false},
		{"Rand below 0 is clamped", Backoff{}, 1, -1, 50 * ms, false},
	}
	for _, c := range cases {
		c.b.Rand = fixedRand(c.r)
		got := c.b.Delay(c.n)
		if c.wantHigh && (got <= 0 || got > c.want) || !c.wantHigh && got != c.want {
			t.Errorf("%s: Delay(%d) = %v, want %v", c.name, c.n, got, c.want)
		}
	}
}

func TestBackoffWithDefaults(t *testing.T) {
	got := Backoff{MaxRestarts: -3}.WithDefaults()
	checks := []struct {
		name      string
		got, want any
	}{
		{"Min", got.Min, DefaultBackoffMin},
		{"Max", got.Max, DefaultBackoffMax},
		{"Window", got.Window, DefaultBackoffWindow},
		{"MaxRestarts", got.MaxRestarts, UnlimitedRestarts},
		{"Rand set", got.Rand != nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for range 1000 {
		if r := got.Rand(); r < 0 || r >= 1 {
			t.Fatalf("default Rand returned %v", r)
		}
	}
	kept := Backoff{Min: 1, Max: 2, Window: 3, MaxRestarts: 4}.WithDefaults()
	if kept.Min != 1 || kept.Max != 2 || kept.Window != 3 || kept.MaxRestarts != 4 {
		t.Errorf("WithDefaults changed set fields: %+v", kept)
	}
}

// decideStep is one failure handed to Backoff.decide and what it should say.
type decideStep struct {
	restart bool
	delay   time.Duration
}

func TestBackoffDecide(t *testing.T) {
	b := Backoff{Min: 10 * ms, Max: 40 * ms, MaxRestarts: 3, Rand: fixedRand(0)}.WithDefaults()
	steps := []decideStep{
		{true, 5 * ms}, {true, 10 * ms}, {true, 20 * ms},
		{false, 0},     // the fourth failure within the Window stops the child
		{true, 5 * ms}, // and the record starts afresh, as protoactor's do
	}
	rs := actor.NewRestartStatistics()
	for i, want := range steps {
		restart, delay := b.decide(rs)
		if restart != want.restart || delay != want.delay {
			t.Errorf("failure %d: decide = %v, %v; want %v, %v",
				i+1, restart, delay, want.restart, want.delay)
		}
	}
}

func TestBackoffDecideUnlimited(t *testing.T) {
	b := Backoff{Min: 10 * ms, Max: 40 * ms, Rand: fixedRand(0)}.WithDefaults()
	rs := actor.NewRestartStatistics()
	for i := range 500 {
		restart, delay := b.decide(rs)
		if !restart || delay > b.Max {
			t.Fatalf("failure %d: decide = %v, %v", i+1, restart, delay)
		}
	}
	if _, delay := b.decide(rs); delay != 20*ms {
		t.Errorf("delay after 500 failures = %v, want the capped %v", delay, 20*ms)
	}
}

func TestBackoffWindowResetsCount(t *testing.T) {
	window := 100 * ms
	b := Backoff{Min: 10 * ms, Max: time.Second, Window: window, Rand: fixedRand(0)}
	b = b.WithDefaults()
	rs := actor.NewRestartStatistics()
	for _, want := range []time.Duration{5 * ms, 10 * ms, 20 * ms} {
		if _, got := b.decide(rs); got != want {
			t.Fatalf("delay = %v, want %v", got, want)
		}
	}

	// Once every failure is older than the Window, the next run starts at Min.
	waitUntil(t, "failures to age out", func() bool { return rs.NumberOfFailures(window) == 0 })
	if _, got := b.decide(rs); got != 5*ms || rs.FailureCount() != 1 {
		t.Errorf("after a quiet Window: delay %v, %d failures on record; want 5ms, 1",
			got, rs.FailureCount())
	}
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * ms)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// startLog records when a crashing child started.
type startLog struct {
	mu sync.Mutex
	at []time.Time
}

func (l *startLog) add(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.at = append(l.at, t)
}

func (l *startLog) times() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.at...)
}

// crashingChild panics every time it starts.
type crashingChild struct{ log *startLog }

func (c crashingChild) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		c.log.add(time.Now())
		panic("backoff test: crash on start")
	}
}

// crashParent spawns one crashingChild and reports when it has stopped.
type crashParent struct {
	log     *startLog
	stopped chan struct{}
}

func (p crashParent) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		ctx.Spawn(actor.PropsFromProducer(func() actor.Actor { return crashingChild{p.log} }))
	case *actor.Terminated:
		close(p.stopped)
	}
}

// quietSystem returns an actor system that logs nothing.
func quietSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
}

// spawnCrashing starts a parent with strategy s over a crashing child in a
// quiet actor system, and stops both when the test ends.
func spawnCrashing(t *testing.T, s actor.SupervisorStrategy) (*actor.ActorSystem, crashParent) {
	t.Helper()
	sys := quietSystem()
	p := crashParent{log: &startLog{}, stopped: make(chan struct{})}
	props := actor.PropsFromProducer(func() actor.Actor { return p }, actor.WithSupervisor(s))
	pid := sys.Root.Spawn(props)
	t.Cleanup(func() {
		if err := sys.Root.StopFuture(pid).Wait(); err != nil {
			t.Errorf("stopping the parent: %v", err)
		}
		sys.Shutdown()
	})
	return sys, p
}

// checkGaps fails the test if any restart came sooner than floor says.
func checkGaps(t *testing.T, starts []time.Time, floor Backoff) {
	t.Helper()
	for i := 1; i < len(starts); i++ {
		gap, want := starts[i].Sub(starts[i-1]), floor.Delay(i)
		if gap < want {
			t.Errorf("restart %d came %v after the previous start, want at least %v", i, gap, want)
		}
	}
}

func TestBackoffStrategyStopsAfterMaxRestarts(t *testing.T) {
	b := Backoff{Min: 20 * ms, Max: time.Second, MaxRestarts: 4, Rand: fixedRand(0)}
	sys, p := spawnCrashing(t, NewBackoffStrategy(b))
	var mu sync.Mutex
	directives := map[actor.Directive]int{}
	sub := sys.EventStream.Subscribe(func(evt any) {
		if e, ok := evt.(*actor.SupervisorEvent); ok {
			mu.Lock()
			directives[e.Directive]++
			mu.Unlock()
		}
	})
	defer sys.EventStream.Unsubscribe(sub)

	select {
	case <-p.stopped:
	case <-time.After(10 * time.Second):
		t.Fatalf("child not stopped; %d starts", len(p.log.times()))
	}
	starts := p.log.times()
	if len(starts) != b.MaxRestarts+1 {
		t.Errorf("child started %d times, want %d", len(starts), b.MaxRestarts+1)
	}
	checkGaps(t, starts, b)
	mu.Lock()
	defer mu.Unlock()
	if directives[actor.RestartDirective] != 4 || directives[actor.StopDirective] != 1 {
		t.Errorf("published directives %v, want 4 restarts and 1 stop", directives)
	}
}

func TestBackoffStrategyNoRestartStorm(t *testing.T) {
	b := Backoff{Min: 50 * ms} // unlimited restarts, random jitter
	_, p := spawnCrashing(t, NewBackoffStrategy(b))

	// Wait for the first start past the one-second span, so it is complete.
	waitUntil(t, "a start one second after the first", func() bool {
		starts := p.log.times()
		return len(starts) > 1 && starts[len(starts)-1].Sub(starts[0]) >= time.Second
	})
	starts := p.log.times()
	inSpan := 0
	for _, s := range starts {
		if s.Sub(starts[0]) < time.Second {
			inSpan++
		}
	}

	// The shortest delays are 25, 50, 100, 200, 400 ms (775 ms in all), then
	// 800: at most 6 starts in the span. The longest are twice as long, so
	// the fifth start comes by about 750 ms.
	if inSpan > 6 || inSpan < 4 {
		t.Errorf("%d starts in the first second, want 4 to 6", inSpan)
	}
	checkGaps(t, starts, Backoff{Min: b.Min, Rand: fixedRand(0)})
}
