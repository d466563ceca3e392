package actors

// The backoff strategy restarts a failed child after a wait that doubles with
// each failure in a run, so a child that fails on every start (a worker
// whose node refuses it, say) is restarted a few times a second at first and
// then about once per Max, instead of in a tight loop. A run ends when the
// child has gone a whole Window without failing. The wait is jittered so
// that the workers of one pool, which tend to fail together, do not restart
// together either.

import (
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Defaults for the zero fields of Backoff.
const (
	DefaultBackoffMin    = 100 * time.Millisecond
	DefaultBackoffMax    = 10 * time.Second
	DefaultBackoffWindow = time.Minute
)

// UnlimitedRestarts, as Backoff.MaxRestarts, lets a child restart however
// often it fails; the backoff alone slows it down.
const UnlimitedRestarts = 0

// Backoff configures NewBackoffStrategy. Every field has a usable zero value,
// resolved by WithDefaults.
//
// The n-th failure of a run waits a delay drawn from [ceiling/2, ceiling),
// where ceiling = min(Max, Min·2^(n-1)). This is "equal jitter": half of
// the ceiling is guaranteed and the other half is random. Full jitter, a
// draw from [0, ceiling), spreads restarts a little more but lets any single
// delay come out near zero, so a child can fail many times in quick
// succession however long its run; with equal jitter the shortest possible
// delays still double: until they reach Max, a child that fails on every
// start is restarted at most log2(2t/Min + 1) times in its first t.
type Backoff struct {
	// Min is the ceiling of the first delay (which is therefore at least
	// Min/2). Default 100 ms. A Min above Max is lowered to Max.
	Min time.Duration
	// Max caps every delay. Default 10 s.
	Max time.Duration
	// Window is how long failures are remembered: a failure counts toward
	// the delay and toward MaxRestarts while it is younger than Window, and
	// a child that goes a whole Window without failing starts its next run
	// at Min. Keep it well above Max, or the delay falls back to Min
	// whenever a wait outlasts the Window. Default 1 min.
	Window time.Duration
	// MaxRestarts is how many failures within Window are answered with a
	// restart; the next one stops the child. Zero, UnlimitedRestarts, never
	// stops it; a negative value is treated the same.
	MaxRestarts int
	// Rand returns the jitter, a number in [0, 1); values outside are
	// clamped. A strategy shared by several supervisors calls it from their
	// goroutines at once, so it must be safe for concurrent use. Default
	// math/rand/v2's Float64. Tests inject a fixed value.
	Rand func() float64
}

// WithDefaults returns a copy of b with every zero field set to its default
// and the fields brought into range: Min no larger than Max, and a negative
// MaxRestarts read as UnlimitedRestarts.
func (b Backoff) WithDefaults() Backoff {
	orDuration(&b.Min, DefaultBackoffMin)
	orDuration(&b.Max, DefaultBackoffMax)
	orDuration(&b.Window, DefaultBackoffWindow)
	b.Min = min(b.Min, b.Max)
	b.MaxRestarts = max(b.MaxRestarts, UnlimitedRestarts)
	if b.Rand == nil {
		b.Rand = rand.Float64
	}
	return b
}

// Delay returns how long the strategy waits before restarting a child on its
// n-th failure in a run (n counts from 1; smaller n is read as 1). It calls
// b.Rand once. Zero fields take their defaults.
func (b Backoff) Delay(n int) time.Duration {
	return b.WithDefaults().delay(n)
}

// delay is Delay for a b that has its defaults.
func (b Backoff) delay(n int) time.Duration {
	c := b.ceiling(n)
	low := c / 2
	r := min(max(b.Rand(), 0), 1)
	d := low + time.Duration(r*float64(c-low))

	// float64 rounds large durations, possibly up by a few nanoseconds.
	return min(d, c)
}

// ceiling is min(Max, Min<<(n-1)), computed without overflow.
func (b Backoff) ceiling(n int) time.Duration {
	shift := max(n, 1) - 1
	if shift >= 63 || b.Min > b.Max>>shift {
		return b.Max
	}
	return b.Min << shift
}

// decide records a failure in rs and says whether to restart the child, and
// after how long. It updates rs the way protoactor's own strategies do: a
// Window without failures clears the record, and stopping the child clears
// it too.
func (b Backoff) decide(rs *actor.RestartStatistics) (restart bool, delay time.Duration) {
	if rs.NumberOfFailures(b.Window) == 0 {
		rs.Reset()
	}
	rs.Fail()

	n := rs.NumberOfFailures(b.Window)
	if b.MaxRestarts != UnlimitedRestarts && n > b.MaxRestarts {
		rs.Reset()
		return false, 0
	}
	return true, b.delay(n)
}

// backoffStrategy is the actor.SupervisorStrategy built by NewBackoffStrategy.
type backoffStrategy struct {
	b Backoff
}

// NewBackoffStrategy returns a supervisor strategy that restarts a failed
// child after the delay opts gives for its failure count (see Backoff), and
// stops it once it has failed more than opts.MaxRestarts times within
// opts.Window. It treats every failure alike: it never resumes a child or
// escalates. Like protoactor's strategies, it publishes an
// actor.SupervisorEvent on the system's event stream for each decision,
// when it carries it out.
//
// The child's mailbox stays suspended while it waits, so messages sent to it
// queue until the restart; a worker's calls go to its siblings meanwhile
// (see mailbox.divertQueued).
//
// TODO: protoactor's RestartStatistics offers no way to drop one old failure,
// only all of them, so a child that never goes a Window without failing
// keeps every failure's timestamp until it is stopped (as with protoactor's
// own strategies). The backoff bounds that growth to about one per Max.
func NewBackoffStrategy(opts Backoff) actor.SupervisorStrategy {
	return backoffStrategy{b: opts.WithDefaults()}
}

// HandleFailure implements actor.SupervisorStrategy.
func (s backoffStrategy) HandleFailure(sys *actor.ActorSystem, sup actor.Supervisor,
	child *actor.PID, rs *actor.RestartStatistics, reason, _ any) {
	restart, delay := s.b.decide(rs)
	if !restart {
		publishDirective(sys, child, reason, actor.StopDirective)
		sup.StopChildren(child)
		return
	}
	time.AfterFunc(delay, func() {
		publishDirective(sys, child, reason, actor.RestartDirective)
		sup.RestartChildren(child)
	})
}

// publishDirective tells the event stream what was done with a failed child,
// as protoactor's strategies do.
func publishDirective(sys *actor.ActorSystem, child *actor.PID, reason any, d actor.Directive) {
	if sys == nil {
		return
	}
	sys.EventStream.Publish(&actor.SupervisorEvent{Child: child, Reason: reason, Directive: d})
}
