package chaos

import (
	"fmt"
	"testing"
	"time"
)

// flipGoroutines is the load while discovery flips.
const flipGoroutines = 32

// Discovery's answer flips every millisecond, dropping one node and then
// bringing it back, while 32 goroutines read and write: no panic, no race,
// no wrong value, no late call, no goroutine left behind.
func TestDiscoveryFlips(t *testing.T) {
	r := newRig(t, "memcached", 3, nil)
	l := startLoad(r.h, r.ks, flipGoroutines, sz.pace)
	from := time.Now()
	flips := r.flip(sz.flip)
	epochs := r.h.Epoch() - r.epochAtStart

	// Let the last answer, all three nodes, take hold, then serve a while.
	r.disc.Set(r.addrs()...)
	r.h.Refresh()
	if _, ok := poll(downLimit, func() bool { return len(r.h.Nodes()) == len(r.nodes) }); !ok {
		t.Errorf("after the flips herd has nodes %v, want all %d", r.h.Nodes(), len(r.nodes))
	}
	wait(sz.after)
	all, stalls := l.stop()
	r.stop()

	rw := row{scenario: "discovery flips", tally: all.tally(), goroutines: r.goroutines,
		stall: worstStall(stalls, from, time.Now()),
		note:  fmt.Sprintf("%d flips, %d membership changes applied", flips, epochs)}
	report.add(t, rw)
	rw.checkCalls(t)
}

// flip alternates discovery's answer every millisecond for d, between all
// nodes and all but one (a different one each time), asking herd to
// refresh after each change. It returns how many changes it made.
func (r *rig) flip(d time.Duration) int {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	end := time.Now().Add(d)
	all := r.addrs()
	n := 0
	for ; n < int(d/time.Millisecond) && time.Now().Before(end); n++ {
		<-tick.C
		if n%2 == 0 {
			drop := (n / 2) % len(all)
			r.disc.Set(append(append([]string{}, all[:drop]...), all[drop+1:]...)...)
		} else {
			r.disc.Set(all...)
		}
		r.h.Refresh()
	}
	return n
}

// addrs returns the nodes' addresses, as herd knows them.
func (r *rig) addrs() []string {
	out := make([]string, len(r.nodes))
	for i, n := range r.nodes {
		out[i] = n.addr()
	}
	return out
}
