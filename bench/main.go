// Command bench runs herd side by side with the plain clients it is
// measured against (see shared/ANCHORS.md), on servers it starts itself.
//
// It starts 3 memcached, 3 redis-server (persistence off) and nutcracker
// (twemproxy: ketama, md5, no ejection, in front of the 3 memcached) on free
// 127.0.0.1 ports, and kills them by PID when it exits. For each
// concurrency C it builds every selected client, preloads 10,000 keys with
// 100-byte values through it and warms it up; then, in each of -reps
// repetitions, it runs the clients one after another (rotating the order
// from one repetition to the next) for -duration each, with C goroutines
// doing 90% gets and 10% sets on uniform keys. It prints, per client and C,
// the median over the repetitions of ops/s, p50 and p99 latency, mean
// latency and allocations per operation, each with its range, then herd's
// ratio to each anchor.
//
//	go run ./bench                               # everything, about 5 minutes
//	go run ./bench -duration 2s -conc 16 -clients herd-redis,rueidis
//	go run ./bench -json out.json
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command line's settings.
type options struct {
	duration time.Duration
	warmup   time.Duration
	reps     int
	conc     []int
	clients  []string
	herdPool int
	jsonPath string
}

func parseFlags() (options, error) {
	var o options
	var conc, clients string
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each timed run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "untimed run per client and C")
	flag.IntVar(&o.reps, "reps", 3, "repetitions of each client at each C")
	flag.StringVar(&conc, "conc", "1,16,128", "concurrency levels, comma-separated")
	flag.StringVar(&clients, "clients", strings.Join(allClients, ","), "clients to run")
	flag.IntVar(&o.herdPool, "herd-pool", 0,
		"herd PoolSize per node (0: herd's default; each connection is pipelined)")
	flag.StringVar(&o.jsonPath, "json", "", "also write the results to this JSON file")
	flag.Parse()
	if o.duration <= 0 || o.reps < 1 {
		return o, errors.New("-duration and -reps must be positive")
	}
	for _, f := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("bad -conc entry %q", f)
		}
		o.conc = append(o.conc, n)
	}
	for _, name := range strings.Split(clients, ",") {
		if name = strings.TrimSpace(name); !slices.Contains(allClients, name) {
			return o, fmt.Errorf("unknown client %q (known: %s)", name,
				strings.Join(allClients, ","))
		}
		o.clients = append(o.clients, name)
	}
	return o, nil
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run owns the servers: whichever way it returns, or panics, its deferred
// killAll stops them. Ctrl-C ends the timed loops early and prints what was
// measured so far.
func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ps, err := newProcs()
	if err != nil {
		return err
	}
	defer ps.killAll()

	f, err := startFleet(ps, o.clients)
	if err != nil {
		return err
	}
	rep := &report{Header: header(o)}
	w := newWorkload(10_000, 100, 0.9)
	for _, conc := range o.conc {
		if ctx.Err() != nil {
			break
		}
		res, err := runLevel(ctx, o, f, w, conc)
		rep.Results = append(rep.Results, res...)
		if err != nil {
			return err
		}
	}
	return finish(ctx, o, rep)
}

func finish(ctx context.Context, o options, rep *report) error {
	rep.Results = slices.DeleteFunc(rep.Results, func(r *result) bool {
		return len(r.Samples) == 0
	})
	for _, r := range rep.Results {
		r.summarize()
	}
	rep.Ratios = ratios(rep.Results)
	if ctx.Err() != nil {
		rep.Header = append(rep.Header, "INTERRUPTED: partial results")
	}
	rep.print(os.Stdout)
	if o.jsonPath != "" {
		if err := rep.writeJSON(o.jsonPath); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	return nil
}

// startFleet starts the servers that the selected clients need.
func startFleet(ps *procs, clients []string) (fleet, error) {
	var f fleet
	needs := func(names ...string) bool {
		return slices.ContainsFunc(names, func(n string) bool {
			return slices.Contains(clients, n)
		})
	}
	for range 3 {
		if needs(herdMemcached, gomemcacheSL, gomemcacheTw) {
			p, err := ps.memcached()
			if err != nil {
				return f, err
			}
			f.memcached = append(f.memcached, p.addr)
		}
		if needs(herdRedis, goRedisRing, rueidisShard) {
			p, err := ps.redis()
			if err != nil {
				return f, err
			}
			f.redis = append(f.redis, p.addr)
		}
	}
	if needs(gomemcacheTw) {
		p, err := ps.nutcracker(f.memcached)
		if err != nil {
			return f, err
		}
		f.twemproxy = p.addr
	}
	return f, nil
}
