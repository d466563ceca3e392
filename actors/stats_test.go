package actors

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/herd-go/herd/messages"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		want outcome
	}{
		{nil, outOK},
		{messages.ErrMiss, outMiss},
		{fmt.Errorf("node a: %w", messages.ErrMiss), outMiss},
		{messages.ErrNotStored, outNotStored},
		{messages.ErrCASConflict, outNotStored},
		{fmt.Errorf("node a: %w", messages.ErrTimeout), outTimeout},
		{fmt.Errorf("herd: %w", context.Canceled), outCanceled},
		{fmt.Errorf("%w: reset", messages.ErrConnection), outConnection},
		{fmt.Errorf("node a: %w", messages.ErrProtocol), outProtocol},
		{fmt.Errorf("%w: OOM", messages.ErrServer), outServer},
		{fmt.Errorf("%w: a", messages.ErrNodeDown), outNodeDown},
		{fmt.Errorf("%w: a", messages.ErrNodeGone), outNodeGone},
		{messages.ErrClosed, outClosed},
		{messages.ErrMalformedKey, outRefused},
		{messages.ErrValueTooLarge, outRefused},
		{messages.ErrInvalidRequest, outRefused},
		{messages.ErrUnsupported, outRefused},
		{messages.ErrNoNodes, outNoNodes},
		{errors.New("something else"), outOther},
	}
	for _, c := range cases {
		if got := classify(c.err); got != c.want {
			t.Errorf("classify(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// Each latency lands in the first bucket whose bound is not below it.
func TestLatencyBuckets(t *testing.T) {
	var c counters
	now := time.Now()
	c.wire(nil, now.Add(-30*time.Microsecond))                  // bucket 0 (≤50µs)
	c.wire(messages.ErrMiss, now.Add(-700*time.Microsecond))    // ≤1ms
	c.wire(messages.ErrTimeout, now.Add(-time.Hour))            // unbounded
	c.wire(fmt.Errorf("x: %w", messages.ErrServer), now.Add(0)) // ≤50µs or so
	l := c.latency()
	if l.Count != 4 {
		t.Fatalf("count %d, want 4", l.Count)
	}
	if got := l.Buckets[4]; got.Le != time.Millisecond || got.Count != 1 {
		t.Errorf("bucket 4 = %+v, want 1 call ≤1ms", got)
	}
	if last := l.Buckets[len(l.Buckets)-1]; last.Le != 0 || last.Count != 1 {
		t.Errorf("last bucket = %+v, want the hour-long call", last)
	}
	if l.Sum < time.Hour || l.Mean < 15*time.Minute {
		t.Errorf("sum %v mean %v: the hour is missing", l.Sum, l.Mean)
	}
	if c.outcomes[outOK].Load() != 1 || c.outcomes[outMiss].Load() != 1 ||
		c.outcomes[outTimeout].Load() != 1 || c.outcomes[outServer].Load() != 1 {
		t.Errorf("outcomes %v", &c.outcomes)
	}
}

// The quantiles are interpolated inside the bucket that holds them.
func TestLatencyQuantiles(t *testing.T) {
	var c counters
	for i := 0; i < 98; i++ {
		c.buckets[1].Add(1) // (50µs, 100µs]
	}
	c.buckets[5].Add(2) // (1ms, 2.5ms]
	c.sumNanos.Add(int64(98*75*time.Microsecond + 2*2*time.Millisecond))
	l := c.latency()
	if l.P50 <= 50*time.Microsecond || l.P50 > 100*time.Microsecond {
		t.Errorf("p50 %v, want within (50µs, 100µs]", l.P50)
	}
	if l.P99 <= time.Millisecond || l.P99 > 2500*time.Microsecond {
		t.Errorf("p99 %v, want within (1ms, 2.5ms]", l.P99)
	}
	var empty counters
	if l := empty.latency(); l.Count != 0 || l.P99 != 0 || l.Mean != 0 {
		t.Errorf("empty histogram summed up as %+v", l)
	}
}

// Counting an answer allocates nothing.
func TestCountersAllocations(t *testing.T) {
	var c counters
	at := time.Now()
	if n := testing.AllocsPerRun(1000, func() { c.wire(messages.ErrMiss, at) }); n != 0 {
		t.Errorf("counting a reply allocates %.1f times", n)
	}
}

// BenchmarkCountWire is what counting costs each call answered from the
// wire: the outcome, the clock, the bucket and the sum. The write time is
// renewed now and then, so that latencies stay in the first buckets, as a
// loopback round trip's do.
func BenchmarkCountWire(b *testing.B) {
	var c counters
	at := time.Now()
	i := 0
	for b.Loop() {
		if i++; i%1024 == 0 {
			at = time.Now()
		}
		c.wire(nil, at)
	}
}
