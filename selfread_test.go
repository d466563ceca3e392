package herd_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herd-go/herd"
)

// A caller whose context cannot be cancelled reads its own reply when its
// call goes out alone on an idle connection. These tests hold that path to
// the same promises as the reader goroutine's.

// Callers that read their own replies and callers whose replies the reader
// goroutine reads share connections, and each gets its own reply.
func TestSelfReadMixedWithPipelining(t *testing.T) {
	srv := newBatchServer(t)
	e, cfg := newEnv(t, srv.ln.Addr().String())
	cfg.PoolSize = 1
	h := e.start(cfg)

	var wg sync.WaitGroup
	var wrong atomic.Int64
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background() // may read its own replies
			if g%2 == 1 {
				ctx = ctxT(t) // cancellable: the reader goroutine reads
			}
			for i := 0; i < 300; i++ {
				key := fmt.Sprintf("g%d-%d", g, i)
				it, err := h.Get(ctx, key)
				if err != nil || string(it.Value) != key {
					wrong.Add(1)
				}
				if i%50 == 0 {
					time.Sleep(time.Millisecond) // let the connection go idle
				}
			}
		}()
	}
	wg.Wait()
	if n := wrong.Load(); n != 0 {
		t.Fatalf("%d of 4800 calls got an error or another's reply", n)
	}
}

// A caller reading its own reply from a node that never answers gets
// ErrTimeout at its deadline, and the herd stops promptly after.
func TestSelfReadTimeout(t *testing.T) {
	rec := newRecorder(t) // accepts, never answers
	e, cfg := newEnv(t, rec.ln.Addr().String())
	cfg.PoolSize = 1
	cfg.RequestTimeout = 100 * time.Millisecond
	h := e.start(cfg)
	for i := 0; i < 3; i++ {
		start := time.Now()
		_, err := h.Get(context.Background(), "k")
		if !errors.Is(err, herd.ErrTimeout) {
			t.Fatalf("Get from a silent node: %v, want ErrTimeout", err)
		}
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Fatalf("Get from a silent node took %v; RequestTimeout is 100ms", took)
		}
	}
	start := time.Now()
	if err := h.Stop(); err != nil || time.Since(start) > time.Second {
		t.Fatalf("stop = %v after %v", err, time.Since(start))
	}
}
