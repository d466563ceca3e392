package chaos

import (
	"testing"
	"time"

	"github.com/herd-go/herd/internal/faultproxy"
)

// proxyFaults are set one at a time, each on the next node in turn. Each
// one holds replies past the calls' budget, so that a worker that gave up
// on a call and kept its connection would read the late reply as the next
// call's.
var proxyFaults = []struct {
	name  string
	fault faultproxy.Fault
	dials bool // the node is dead under this fault, and the proxy counts its dials
}{
	{"delay 300ms", faultproxy.Fault{Delay: 300 * time.Millisecond}, true},
	// A node whose short replies pass while longer ones stall is not dead:
	// it answers probes, so herd marks it up after each probe and down
	// again after the next failures, probing less often each round. Its
	// dial rate is reported, not held to the dead-node bound.
	{"split at 40B, 300ms",
		faultproxy.Fault{SplitAt: 40, SplitPause: 300 * time.Millisecond}, false},
	{"stall, then clear", faultproxy.Fault{Stall: true}, true},
	{"reset", faultproxy.Fault{Reset: true}, true},
	{"refuse", faultproxy.Fault{Refuse: true}, false},
	{"blackhole", faultproxy.Fault{Blackhole: true}, true},
}

// phase is one fault's span of the run.
type phase struct {
	from, to time.Time
	o        *outage
}

// Proxy faults, one node at a time under steady load: no call gets
// another's reply or returns late, and each node serves again once its
// fault is cleared. A node that refuses only new connections keeps its
// open ones, so it need not be marked down; every other fault marks it
// down, and then the dead-node promises hold.
func TestProxyFaults(t *testing.T) {
	r := newRig(t, "memcached", 3, nil)
	l := startLoad(r.h, r.ks, sz.goroutines, sz.pace)
	phases := make([]phase, len(proxyFaults))
	for i, pf := range proxyFaults {
		v := r.nodes[i%len(r.nodes)]
		phases[i].from = time.Now()
		wait(sz.before)
		set := func() { setFault(t, v, pf.fault) }
		phases[i].o = r.outage(v, sz.fault, set, func() { setFault(t, v, faultproxy.Fault{}) })
		wait(sz.after)
		phases[i].to = time.Now()
	}
	all, stalls := l.stop()
	r.stop()

	for i, pf := range proxyFaults {
		ph := phases[i]
		rw := r.measure(pf.name, all.where(startedIn(ph.from, ph.to)), ph.o, ph.from, stalls)
		report.add(t, rw)
		if pf.fault.Refuse {
			rw.checkCalls(t)
			rw.checkBack(t)
			continue
		}
		rw.checkOutage(t, pf.dials)
	}
}

func setFault(t *testing.T, n *node, f faultproxy.Fault) {
	t.Helper()
	if err := n.proxy.Set(f); err != nil {
		t.Errorf("set fault %+v on %s: %v", f, n.addr(), err)
	}
}
