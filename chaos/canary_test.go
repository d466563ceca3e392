package chaos

import (
	"sync"
	"time"
)

// stallGap is the scheduling gap that counts as a stall of the test
// process: a 1 ms ticker that goes this long without a tick.
const stallGap = 20 * time.Millisecond

// stall is a span in which the test process did not run its canary.
type stall struct{ from, to time.Time }

// canary runs a 1 ms ticker in its own goroutine and notes every gap of
// stallGap or more: spans in which no goroutine of the process could count
// on running, so that a call returning late inside one is not herd's
// doing. A machine shared with other work has such spans.
type canary struct {
	stopc chan struct{}
	wg    sync.WaitGroup

	mu     sync.Mutex
	stalls []stall
	worst  time.Duration
}

func startCanary() *canary {
	c := &canary{stopc: make(chan struct{})}
	c.wg.Add(1)
	go c.run()
	return c
}

func (c *canary) run() {
	defer c.wg.Done()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	limit := time.NewTimer(maxLoad)
	defer limit.Stop()
	last := time.Now()
	for {
		select {
		case <-c.stopc:
			return
		case <-limit.C:
			return
		case <-tick.C:
		}
		now := time.Now()
		c.note(last, now)
		last = now
	}
}

func (c *canary) note(last, now time.Time) {
	gap := now.Sub(last)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.worst = max(c.worst, gap)
	if gap >= stallGap {
		c.stalls = append(c.stalls, stall{from: last, to: now})
	}
}

// stop ends the canary and returns the stalls it saw.
func (c *canary) stop() []stall {
	close(c.stopc)
	c.wg.Wait()
	return c.stalls
}

// excused reports whether a stall overlapped [from, to].
func excused(stalls []stall, from, to time.Time) bool {
	for _, s := range stalls {
		if s.from.Before(to) && s.to.After(from) {
			return true
		}
	}
	return false
}

// worstStall returns the longest stall in [from, to), or 0.
func worstStall(stalls []stall, from, to time.Time) time.Duration {
	var worst time.Duration
	for _, s := range stalls {
		if s.to.After(from) && s.from.Before(to) {
			worst = max(worst, s.to.Sub(s.from))
		}
	}
	return worst
}
