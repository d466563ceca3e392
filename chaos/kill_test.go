package chaos

import (
	"testing"
	"time"
)

// A memcached killed under load (SIGKILL) is marked down, fails fast, is
// dialled rarely, and serves again soon after it restarts on the same port.
func TestKillMemcached(t *testing.T) {
	r := newRig(t, "memcached", 3, nil)
	v := r.nodes[0]
	runOutage(t, r, "kill memcached", v, v.srv.Stop, v.srv.Restart)
}

// A paused memcached (SIGSTOP) still accepts connections but answers
// nothing: it is marked down by timeouts, and serves again once resumed.
func TestPauseMemcached(t *testing.T) {
	r := newRig(t, "memcached", 3, nil)
	v := r.nodes[1]
	runOutage(t, r, "pause memcached", v, v.srv.Pause, v.srv.Resume)
}

// The kill and restart of a redis-server, as for memcached.
func TestKillRedis(t *testing.T) {
	r := newRig(t, "redis", 3, nil)
	v := r.nodes[2]
	runOutage(t, r, "kill redis", v, v.srv.Stop, v.srv.Restart)
}

// runOutage runs the load, breaks v for sz.hold and restores it, then
// stops the herd and checks the row.
func runOutage(t *testing.T, r *rig, name string, v *node, breakIt, restore func()) {
	l := startLoad(r.h, r.ks, sz.goroutines, sz.pace)
	from := time.Now()
	wait(sz.before)
	o := r.outage(v, sz.hold, breakIt, restore)
	wait(sz.after)
	all, stalls := l.stop()
	same := r.samePools()
	r.stop()

	rw := r.measure(name, all, o, from, stalls)
	report.add(t, rw)
	rw.checkOutage(t, true)
	if !same {
		t.Errorf("%s: a pool or the membership changed; nothing should restart", name)
	}
}
