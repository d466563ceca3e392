package chaos

import (
	"testing"
	"time"
)

// Promises checked on every row that measures them.
const (
	failFastLimit = time.Millisecond        // p99 of calls for a down node's keys
	p99Floor      = 10 * time.Millisecond   // healthy p99 may always grow this much
	backLimit     = 2 * probeMax            // from a node's return to its first served call
	downLimit     = 5 * time.Second         // to mark a broken node down, at most
	upLimit       = backLimit + time.Second // to wait for a returned node, at most
	dialGrace     = 50 * time.Millisecond   // after the mark, before dials count
	markSlack     = 20 * time.Millisecond   // how late the test may see a mark
)

// outage is one node's fault as the test saw it.
type outage struct {
	victim  *node
	brokeAt time.Time // the fault began
	downAt  time.Time // herd marked the node down (zero if it never did)
	backAt  time.Time // the node returned: restarted, resumed or cleared
	upAt    time.Time // herd marked it up again (zero if it did not in time)

	dialsAtDown, dialsAtBack int64 // the proxy's accepted count at those moments
	dialsBackAt              time.Time
	watch                    *nodeWatch // from the break to the return
}

func (o *outage) wasDown() bool { return !o.downAt.IsZero() }

// outage breaks v, notes when herd marks it down, holds it broken until
// hold has passed since the break, restores it, and waits until herd marks
// it up again.
func (r *rig) outage(v *node, hold time.Duration, breakIt, restore func()) *outage {
	o := &outage{victim: v, brokeAt: time.Now()}
	o.watch = watchNode(v, func() bool { return r.h.Health()[v.addr()].Down })
	breakIt()
	o.downAt, _ = poll(min(hold, downLimit), func() bool { return r.h.Health()[v.addr()].Down })
	if o.wasDown() {
		// Dials a worker began before the node was marked down may land
		// just after: they are not dials to a node herd knew was down.
		wait(time.Until(o.downAt.Add(dialGrace)))
		o.dialsAtDown = v.accepted()
	}
	wait(time.Until(o.brokeAt.Add(hold)))
	o.dialsAtBack, o.dialsBackAt = v.accepted(), time.Now()
	o.watch.stop()
	restore()
	o.backAt = time.Now()
	o.upAt, _ = poll(upLimit, func() bool { return !r.h.Health()[v.addr()].Down })
	return o
}

// row is one scenario's measurements, a line of the report.
type row struct {
	scenario   string
	tally      tally
	goroutines [2]int
	note       string

	dials    int64 // accepted by the dead node's proxy while it was down
	dialSpan time.Duration
	dialPeak int // the most dials in any one second while it was down

	p99Before, p99During time.Duration // healthy nodes', 0 if not measured

	fast     ops           // calls for the down node's keys that met it marked down
	flaps    int           // how many times it was marked down during the outage
	stall    time.Duration // the longest stall of the test process in the phase
	back     time.Duration // from its return to its first served call
	backSeen bool          // a served call was seen after the return
	outage   *outage
}

// measure builds the row of an outage from the calls of its phase, which
// began at from; stalls are the test process's. Latency figures leave out
// the calls a stall overlapped.
func (r *rig) measure(name string, all ops, o *outage, from time.Time, stalls []stall) row {
	rw := row{scenario: name, tally: all.tally(), goroutines: r.goroutines, outage: o,
		flaps: len(o.watch.downs)}
	end := from
	for _, x := range all {
		end = later(end, x.end)
	}
	rw.stall = worstStall(stalls, from, end)
	victim := o.victim.addr()
	healthy := func(x op) bool {
		return x.kind != opMulti && x.node != victim && x.out.served() && !x.stalled
	}
	rw.p99Before = all.where(startedIn(from, o.brokeAt)).where(healthy).percentile(99)
	if o.wasDown() {
		during := all.where(startedIn(o.downAt, o.backAt))
		rw.p99During = during.where(healthy).percentile(99)
		rw.fast = during.where(func(x op) bool {
			return x.kind != opMulti && r.ownerOf[x.key] == victim && o.watch.wasDown(x.start)
		})
		countFrom := o.downAt.Add(dialGrace)
		rw.dials, rw.dialSpan = o.dialsAtBack-o.dialsAtDown, o.dialsBackAt.Sub(countFrom)
		rw.dialPeak = peakPerSecond(o.watch.dials, countFrom, o.dialsBackAt)
	}
	rw.back, rw.backSeen = firstServed(all, victim, o.backAt)
	return rw
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// firstServed returns how long after at the first call served by node
// ended.
func firstServed(all ops, node string, at time.Time) (time.Duration, bool) {
	var first time.Time
	for _, x := range all {
		if x.node == node && x.out.served() && !x.start.Before(at) &&
			(first.IsZero() || x.end.Before(first)) {
			first = x.end
		}
	}
	return first.Sub(at), !first.IsZero()
}

// probesWithin is the most probes herd's schedule can make in span: the
// first after ProbeInterval, each next one after twice the last wait, up
// to ProbeMax, every wait shortened by the schedule's jitter as far as it
// goes (to 3/4). A node marked down gets those dials and no others.
func probesWithin(span time.Duration) int {
	n, at, wait := 0, time.Duration(0), probeInterval
	for {
		at += wait * 3 / 4
		if at > span {
			return n
		}
		n++
		wait = min(2*wait, probeMax)
	}
}

// dialRate is the dead node's dials per second while it was down.
func (rw row) dialRate() float64 {
	if rw.dialSpan <= 0 {
		return 0
	}
	return float64(rw.dials) / rw.dialSpan.Seconds()
}

// p99Limit is what the healthy nodes' p99 may grow to during an outage.
func (rw row) p99Limit() time.Duration {
	return max(2*rw.p99Before, rw.p99Before+p99Floor)
}

// checkCalls asserts what every call must do: return its own reply, by
// its deadline plus lateSlack.
func (rw row) checkCalls(t *testing.T) {
	t.Helper()
	if rw.tally.mismatches > 0 {
		t.Errorf("%s: %d crossed replies", rw.scenario, rw.tally.mismatches)
	}
	if n := rw.tally.late - rw.tally.lateStall; n > 0 {
		t.Errorf("%s: %d calls returned later than deadline + %v, outside any stall of "+
			"the test process; worst %v after", rw.scenario, n, lateSlack, rw.tally.worst)
	}
}

// checkOutage asserts the promises about a dead node: it is marked down,
// dialled no more than its probe schedule allows, fails fast, costs the healthy
// nodes little, and serves again soon after it returns. countDials is
// false where the proxy cannot count dials (Refuse).
func (rw row) checkOutage(t *testing.T, countDials bool) {
	t.Helper()
	rw.checkCalls(t)
	if !rw.outage.wasDown() {
		t.Errorf("%s: the node was never marked down", rw.scenario)
		return
	}
	// The schedule starts at the mark, which the test sees a little late.
	allowed := probesWithin(rw.dialSpan + dialGrace + markSlack)
	if countDials && rw.dials > int64(allowed) {
		t.Errorf("%s: %d dials in %v to the dead node (%.1f/s); its probe schedule "+
			"allows %d", rw.scenario, rw.dials, rw.dialSpan.Round(time.Millisecond),
			rw.dialRate(), allowed)
	}
	if rw.p99During > rw.p99Limit() {
		t.Errorf("%s: healthy p99 %v during the outage, %v before; limit %v",
			rw.scenario, rw.p99During, rw.p99Before, rw.p99Limit())
	}
	rw.checkFailFast(t)
	rw.checkBack(t)
}

// checkFailFast asserts that calls for the down node's keys failed with
// ErrNodeDown, 99% of them in under failFastLimit.
func (rw row) checkFailFast(t *testing.T) {
	t.Helper()
	slow := rw.fast.where(func(x op) bool { return x.out != outNodeDown })
	if len(slow) > 0 {
		t.Errorf("%s: %d of %d calls for the down node's keys did not fail fast, e.g. %v",
			rw.scenario, len(slow), len(rw.fast), slow[0].err)
	}
	if p := rw.fast.where(unstalled).percentile(99); p >= failFastLimit {
		t.Errorf("%s: p99 of calls for the down node's keys %v, want under %v",
			rw.scenario, p, failFastLimit)
	}
}

// checkBack asserts that the node served again within backLimit of its
// return.
func (rw row) checkBack(t *testing.T) {
	t.Helper()
	if !rw.backSeen || rw.back > backLimit {
		t.Errorf("%s: first served call %v after the node returned (seen %v), want within %v",
			rw.scenario, rw.back, rw.backSeen, backLimit)
	}
}
