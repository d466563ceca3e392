package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// workload is the key space and mix every client runs.
type workload struct {
	keys     []string
	value    []byte
	getShare float64 // fraction of operations that are gets
}

func newWorkload(nkeys, valueSize int, getShare float64) *workload {
	w := &workload{keys: make([]string, nkeys), value: bytes.Repeat([]byte("v"), valueSize),
		getShare: getShare}
	for i := range w.keys {
		w.keys[i] = fmt.Sprintf("key:%05d", i)
	}
	return w
}

// preload writes every key through c with 16 goroutines, then reads a few
// back to check that the client sees what it wrote.
func (w *workload) preload(ctx context.Context, c *client) error {
	var failed atomic.Value
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := g; i < len(w.keys) && ctx.Err() == nil; i += 16 {
				if err := c.kv.set(ctx, w.keys[i], w.value); err != nil {
					failed.CompareAndSwap(nil, fmt.Errorf("set %s: %w", w.keys[i], err))
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return fmt.Errorf("%s: preload: %w", c.name, err)
	}
	for i := 0; i < len(w.keys); i += len(w.keys) / 10 {
		v, err := c.kv.get(ctx, w.keys[i])
		if err != nil || !bytes.Equal(v, w.value) {
			return fmt.Errorf("%s: read back %s: %d bytes, %v", c.name, w.keys[i], len(v), err)
		}
	}
	return nil
}

// sample is what one timed run of one client measured.
type sample struct {
	Ops         uint64        `json:"ops"`
	Errors      uint64        `json:"errors"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	OpsPerSec   float64       `json:"ops_per_sec"`
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
	Mean        time.Duration `json:"mean_ns"`
	AllocsPerOp float64       `json:"allocs_per_op"`
}

// worker is one load goroutine's private state: its histogram, counters
// and random source, touched by no one else until the run ends.
type worker struct {
	h    hist
	errs uint64
	rng  *rand.Rand
}

// run drives c with conc goroutines for d (or until ctx ends) and measures.
// Allocations are counted over the whole process, so the clients' own
// background goroutines (herd's actors, rueidis's pipes) are included.
func (w *workload) run(ctx context.Context, c *client, conc int, d time.Duration) sample {
	workers := make([]*worker, conc)
	for i := range workers {
		workers[i] = &worker{rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
	}
	var stop atomic.Bool
	defer watch(ctx, &stop)()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for _, wk := range workers {
		wg.Go(func() { w.loop(c.kv, wk, end, &stop) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return summarise(workers, elapsed, after.Mallocs-before.Mallocs)
}

// watch sets stop when ctx ends; the returned func ends the watch.
func watch(ctx context.Context, stop *atomic.Bool) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			stop.Store(true)
		case <-done:
		}
	}()
	return func() { close(done) }
}

// loop is the hot loop: pick a key and an operation, time it, record it.
// Each request gets a context that cannot be cancelled, as a cache call in
// a service often does: every client's own 1 s timeout bounds it, and an
// interrupt stops the run between requests.
func (w *workload) loop(c kv, wk *worker, end time.Time, stop *atomic.Bool) {
	ctx := context.Background()
	for !stop.Load() {
		key := w.keys[wk.rng.IntN(len(w.keys))]
		var err error
		t0 := time.Now()
		if wk.rng.Float64() < w.getShare {
			_, err = c.get(ctx, key)
		} else {
			err = c.set(ctx, key, w.value)
		}
		t1 := time.Now()
		wk.h.record(t1.Sub(t0))
		if err != nil {
			wk.errs++
		}
		if !t1.Before(end) {
			return
		}
	}
}

func summarise(workers []*worker, elapsed time.Duration, mallocs uint64) sample {
	var h hist
	var errs uint64
	for _, wk := range workers {
		h.merge(&wk.h)
		errs += wk.errs
	}
	s := sample{Ops: h.n, Errors: errs, Elapsed: elapsed,
		P50: h.quantile(0.50), P99: h.quantile(0.99), Mean: h.mean()}
	if h.n > 0 {
		s.OpsPerSec = float64(h.n) / elapsed.Seconds()
		s.AllocsPerOp = float64(mallocs) / float64(h.n)
	}
	return s
}
