package chaos

import (
	"errors"
	"sort"
	"time"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/messages"
)

// outcome is what one call came back with, typed with errors.Is.
type outcome uint8

const (
	outOK outcome = iota
	outMiss
	outTimeout
	outConnection
	outNodeDown
	outNodeGone
	outClosed
	outPartial
	outOther
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "miss", "timeout", "conn", "down", "gone",
	"closed", "partial", "other"}

func (o outcome) String() string { return outcomeNames[o] }

// served reports whether a node answered the call itself.
func (o outcome) served() bool { return o == outOK || o == outMiss }

// classify types a reply's error. The order matters where one error wraps
// several: a down or gone node, or a closed herd, says more than the
// connection error it may carry.
func classify(r *messages.Reply) outcome {
	switch err := r.Err; {
	case err == nil && len(r.KeyErrors) > 0:
		return outPartial
	case err == nil:
		return outOK
	case errors.Is(err, herd.ErrMiss):
		return outMiss
	case errors.Is(err, herd.ErrNodeDown):
		return outNodeDown
	case errors.Is(err, herd.ErrNodeGone):
		return outNodeGone
	case errors.Is(err, herd.ErrClosed):
		return outClosed
	case errors.Is(err, herd.ErrTimeout):
		return outTimeout
	case errors.Is(err, herd.ErrConnection):
		return outConnection
	}
	return outOther
}

// opKind is the kind of request a call sent.
type opKind uint8

const (
	opGet opKind = iota
	opSet
	opMulti
)

// op is the record of one call.
type op struct {
	kind     opKind
	key      string // the key, or the first key of a GetMulti
	start    time.Time
	end      time.Time
	deadline time.Time
	node     string // Reply.Node: who answered, "" for a GetMulti
	out      outcome
	mismatch bool
	stalled  bool // a stall of the test process overlapped the call
	err      error
}

func (o op) latency() time.Duration { return o.end.Sub(o.start) }

// lateness is how long after its deadline the call returned (negative when
// it returned before it).
func (o op) lateness() time.Duration { return o.end.Sub(o.deadline) }

// ops is a run's records, in no particular order.
type ops []op

// where returns the records for which keep holds.
func (all ops) where(keep func(op) bool) ops {
	var out ops
	for _, o := range all {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// startedIn keeps the calls that started in [from, to).
func startedIn(from, to time.Time) func(op) bool {
	return func(o op) bool { return !o.start.Before(from) && o.start.Before(to) }
}

// unstalled keeps the calls that no stall of the test process overlapped:
// their latency is herd's, not the machine's.
func unstalled(o op) bool { return !o.stalled }

// percentile returns the p-th percentile (0 < p <= 100) of the latencies,
// or 0 for no records.
func (all ops) percentile(p float64) time.Duration {
	if len(all) == 0 {
		return 0
	}
	lat := make([]time.Duration, len(all))
	for i, o := range all {
		lat[i] = o.latency()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	i := int(float64(len(lat))*p/100+0.5) - 1
	return lat[min(max(i, 0), len(lat)-1)]
}

// tally counts the outcomes, the crossed replies and the late calls, and
// finds the worst lateness.
type tally struct {
	n          int
	outcomes   [numOutcomes]int
	mismatches int
	late       int // calls that returned more than lateSlack after their deadline
	lateStall  int // of those, calls that a stall of the process overlapped
	worst      time.Duration
	others     []error // a few of the errors typed other, for the report
}

// lateSlack is how long after its deadline a call may return.
const lateSlack = 50 * time.Millisecond

func (all ops) tally() tally {
	t := tally{worst: -time.Hour}
	for _, o := range all {
		t.n++
		t.outcomes[o.out]++
		if o.mismatch {
			t.mismatches++
		}
		if o.lateness() > lateSlack {
			t.late++
			if o.stalled {
				t.lateStall++
			}
		}
		t.worst = max(t.worst, o.lateness())
		if o.out == outOther && len(t.others) < 3 {
			t.others = append(t.others, o.err)
		}
	}
	return t
}
