package main

import (
	"math/bits"
	"time"
)

// hist is a fixed-bucket latency histogram in the manner of HDR: below
// subBuckets nanoseconds one bucket per nanosecond, above that subBuckets
// buckets per power of two, so every bucket is within about 3% of its
// values. Each load goroutine owns one, so recording takes no lock and
// allocates nothing; they are merged after the run.
type hist struct {
	counts [histBuckets]uint64
	n      uint64
	sum    int64 // nanoseconds, for the mean
}

const (
	subBits     = 5
	subBuckets  = 1 << subBits
	histBuckets = 64 * subBuckets
)

// bucketOf returns the bucket of a latency in nanoseconds.
func bucketOf(ns int64) int {
	v := uint64(max(ns, 0))
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return min((shift+1)*subBuckets+int(v>>shift)-subBuckets, histBuckets-1)
}

// bucketMid returns a value in the middle of bucket i, in nanoseconds.
func bucketMid(i int) int64 {
	if i < subBuckets {
		return int64(i)
	}
	shift := i/subBuckets - 1
	lo := int64(i%subBuckets+subBuckets) << shift
	return lo + (int64(1)<<shift)/2
}

func (h *hist) record(d time.Duration) {
	h.counts[bucketOf(int64(d))]++
	h.n++
	h.sum += int64(d)
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
}

// quantile returns the latency below which a fraction q of the samples lie.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n-1)) + 1
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(bucketMid(i))
		}
	}
	return time.Duration(bucketMid(histBuckets - 1))
}

func (h *hist) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / int64(h.n))
}
