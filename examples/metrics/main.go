// Metrics serves a herd's figures to Prometheus: it starts a herd, runs a
// small workload through it now and then, and serves the herd's metrics
// (package metrics) at http://127.0.0.1:9464/metrics until interrupted.
//
// With no flags it runs on two embedded in-process redis nodes, so it needs
// nothing installed:
//
//	go run ./examples/metrics
//	curl -s http://127.0.0.1:9464/metrics | grep '^herd_'
//
// Against real servers:
//
//	go run ./examples/metrics -backend memcached -nodes 127.0.0.1:11211,127.0.0.1:11212
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/embedded"
	"github.com/herd-go/herd/metrics"
)

func main() {
	backend := flag.String("backend", "redis", "protocol of -nodes: memcached or redis")
	nodes := flag.String("nodes", "",
		"comma-separated host:port list (default: 2 embedded redis nodes)")
	listen := flag.String("listen", "127.0.0.1:9464", "where to serve /metrics")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *backend, *nodes, *listen); err != nil {
		fmt.Fprintln(os.Stderr, "metrics:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, backendName, nodeList, listen string) error {
	addrs := strings.Split(nodeList, ",")
	if nodeList == "" {
		started, stop, err := embedded.Redis(2)
		if err != nil {
			return err
		}
		defer stop()
		addrs = started
	}
	backend, err := backendFor(backendName)
	if err != nil {
		return err
	}
	a, err := start(backend, addrs, listen)
	if err != nil {
		return err
	}
	defer a.close()
	fmt.Fprintf(out, "serving %s for nodes %s\n", a.url, strings.Join(addrs, ", "))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := 0; ; i++ {
		if err := a.workload(ctx, i); err != nil && ctx.Err() == nil {
			fmt.Fprintln(out, "workload:", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// app is a herd and the HTTP server of its metrics.
type app struct {
	system *actor.ActorSystem
	herd   *herd.Herd
	server *http.Server
	url    string // of the metrics page
	served chan error
}

// start starts a herd over addrs and serves its metrics on listen.
func start(backend backends.Backend, addrs []string, listen string) (*app, error) {
	system := actor.NewActorSystem(herd.QuietActorSystem())
	h, err := herd.Start(system, herd.Config{
		Backend:   backend,
		Discovery: discovery.Static(addrs...),
		Logger:    hclog.NewNullLogger(),
	})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.New(h))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		_ = h.Stop()
		return nil, err
	}
	a := &app{system: system, herd: h, served: make(chan error, 1),
		server: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second},
		url:    "http://" + ln.Addr().String() + "/metrics"}
	go func() { a.served <- a.server.Serve(ln) }()
	return a, nil
}

// workload writes ten keys and reads them back, with one miss.
func (a *app) workload(ctx context.Context, round int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for i := 0; i < 10; i++ {
		key := fmt.Sprintf("metrics:%d", i)
		if err := a.herd.Set(ctx, key, []byte(fmt.Sprint(round)), time.Minute); err != nil {
			return err
		}
		if _, err := a.herd.Get(ctx, key); err != nil {
			return err
		}
	}
	if _, err := a.herd.Get(ctx, "metrics:never-set"); !errors.Is(err, herd.ErrMiss) {
		return fmt.Errorf("expected a miss, got %v", err)
	}
	return nil
}

// close stops the HTTP server, then the herd and its actor system.
func (a *app) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.server.Shutdown(ctx)
	<-a.served
	_ = a.herd.Stop()
	a.system.Shutdown()
}

func backendFor(name string) (backends.Backend, error) {
	switch name {
	case "redis":
		return redis.New(redis.Options{}), nil
	case "memcached":
		return memcached.New(memcached.Options{}), nil
	}
	return nil, fmt.Errorf("unknown backend %q (want memcached or redis)", name)
}
