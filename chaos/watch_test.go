package chaos

import "time"

// span is an interval of time.
type span struct{ from, to time.Time }

// holds reports whether t lies in s with margin to spare at both ends.
func (s span) holds(t time.Time, margin time.Duration) bool {
	return t.After(s.from.Add(margin)) && t.Before(s.to.Add(-margin))
}

// watchMargin is how far from a change of state a call must start to be
// sure of the state it met: the watch samples every millisecond.
const watchMargin = 2 * time.Millisecond

// nodeWatch samples, every millisecond, a node's proxy's accepted count
// and whether herd has the node marked down, so that bursts of dials and a
// node that flaps between down and up can be seen.
type nodeWatch struct {
	stopc chan struct{}
	done  chan struct{}
	dials []time.Time // when each dial was seen
	downs []span      // when the node was marked down
}

// watchNode starts watching n until stop, or maxLoad at most; isDown
// reads herd's view of the node.
func watchNode(n *node, isDown func() bool) *nodeWatch {
	w := &nodeWatch{stopc: make(chan struct{}), done: make(chan struct{})}
	go w.run(n, isDown)
	return w
}

func (w *nodeWatch) run(n *node, isDown func() bool) {
	defer close(w.done)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	limit := time.NewTimer(maxLoad)
	defer limit.Stop()
	last := n.accepted()
	var s sampler
	for {
		select {
		case <-w.stopc:
			w.endDown(s)
			return
		case <-limit.C:
			w.endDown(s)
			return
		case <-tick.C:
		}
		now := time.Now()
		for cur := n.accepted(); last < cur; last++ {
			w.dials = append(w.dials, now)
		}
		before := time.Now()
		is := isDown()
		w.sampleDown(&s, is, before, time.Now())
	}
}

// sampler is what the watch knows of the node's state between samples.
type sampler struct {
	down     bool      // the last sample saw the node down
	lastDown time.Time // when the last sample that saw it down began
}

// sampleDown records a sample of the node's state, read between before
// and after. A span of down time is kept conservative: it begins after
// the read that first saw the node down and ends before the last read
// that still saw it down, so a late-running sampler never stretches it
// over calls made while the node was up.
func (w *nodeWatch) sampleDown(s *sampler, is bool, before, after time.Time) {
	switch {
	case is && !s.down:
		w.downs = append(w.downs, span{from: after})
	case s.down && !is:
		w.downs[len(w.downs)-1].to = s.lastDown
	}
	if is {
		s.lastDown = before
	}
	s.down = is
}

func (w *nodeWatch) endDown(s sampler) {
	if s.down {
		w.downs[len(w.downs)-1].to = s.lastDown
	}
}

// stop ends the watch; its fields may be read once it returns.
func (w *nodeWatch) stop() {
	close(w.stopc)
	<-w.done
}

// wasDown reports whether the node was marked down throughout a call that
// started at t, as far as the samples tell.
func (w *nodeWatch) wasDown(t time.Time) bool {
	for _, s := range w.downs {
		if s.holds(t, watchMargin) {
			return true
		}
	}
	return false
}

// peakPerSecond returns the most dials seen in any one second of
// [from, to).
func peakPerSecond(at []time.Time, from, to time.Time) int {
	peak := 0
	for i, a := range at {
		if a.Before(from) || !a.Before(to) {
			continue
		}
		n := 0
		for _, b := range at[i:] {
			if b.Sub(a) >= time.Second || !b.Before(to) {
				break
			}
			n++
		}
		peak = max(peak, n)
	}
	return peak
}
