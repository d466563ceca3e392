package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/herd-go/herd/actors"
)

// runLevel runs every client at one concurrency: build and preload them
// all, warm each up, then the timed repetitions with the clients
// alternating. It returns what it measured even when it stops early.
func runLevel(ctx context.Context, o options, f fleet, w *workload,
	conc int) ([]*result, error) {
	clients, err := buildClients(ctx, o, f, w, conc)
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	if err != nil && ctx.Err() == nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, nil // interrupted while building: nothing measured yet
	}
	results := make([]*result, len(clients))
	for i, c := range clients {
		results[i] = &result{Client: c.name, Conc: conc}
	}
	repeat(ctx, o, w, clients, results, conc)
	return results, nil
}

// repeat runs the timed repetitions. Each one starts one client later than
// the one before, so no client always runs first (cold) or right after the
// same neighbour.
func repeat(ctx context.Context, o options, w *workload, clients []*client,
	results []*result, conc int) {
	for rep := range o.reps {
		for k := range clients {
			if ctx.Err() != nil {
				return
			}
			i := (rep + k) % len(clients)
			s := w.run(ctx, clients[i], conc, o.duration)
			results[i].Samples = append(results[i].Samples, s)
			fmt.Fprintf(os.Stderr, "C=%d rep %d/%d %-22s %8.1fk ops/s  p99 %v  errors %d\n",
				conc, rep+1, o.reps, clients[i].name, s.OpsPerSec/1000, s.P99, s.Errors)
		}
	}
}

// buildClients builds, preloads and warms up each selected client. The
// clients built so far are returned even with an error, to be closed.
func buildClients(ctx context.Context, o options, f fleet, w *workload,
	conc int) ([]*client, error) {
	pool := o.herdPool // 0: herd's default
	var out []*client
	for _, name := range o.clients {
		c, err := newClient(name, f, conc, pool)
		if err != nil {
			return out, err
		}
		out = append(out, c)
		if err := w.preload(ctx, c); err != nil {
			return out, err
		}
		if o.warmup > 0 {
			w.run(ctx, c, conc, o.warmup)
		}
	}
	return out, nil
}

// header describes the run: machine, servers and each client's pool.
func header(o options) []string {
	pool := fmt.Sprint(actors.DefaultPoolSize) + " (herd's default; pipelined)"
	if o.herdPool > 0 {
		pool = fmt.Sprint(o.herdPool)
	}
	return []string{
		fmt.Sprintf("herd bench %s  %s %s/%s  GOMAXPROCS=%d  NumCPU=%d",
			time.Now().Format(time.DateTime), runtime.Version(), runtime.GOOS,
			runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumCPU()),
		"servers: 3 x " + version("memcached", "-V") + " (-t 1 -m 64), 3 x " +
			version("redis-server", "--version") + " (no persistence), " +
			version("nutcracker", "-V") + " (ketama, md5, 1 conn/server)",
		"workload: 10,000 keys, 100-byte values, uniform, 90% get / 10% set; " +
			fmt.Sprintf("%d reps x %v per client and C (+%v warm-up), clients rotating",
				o.reps, o.duration, o.warmup),
		"pools per node: herd PoolSize=" + pool + "; " +
			"gomemcache MaxIdleConns=C; go-redis Ring PoolSize=C; " +
			"rueidis defaults (auto-pipelining)",
		"load average at start (1, 5, 15 min): " + loadavg(),
		"timeouts 1 s: herd RequestTimeout, gomemcache Timeout, go-redis Read/WriteTimeout; " +
			"allocs/op = process-wide Mallocs delta / ops",
	}
}

// loadavg returns the first three fields of /proc/loadavg, or "unknown".
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
