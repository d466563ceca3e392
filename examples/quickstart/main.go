// Quickstart spreads 10,000 keys over a herd of three nodes, reads them
// back, shows which node owns what, then removes a node through discovery
// and counts the keys that moved.
//
// With no flags it runs on three embedded in-process redis nodes, so it
// needs nothing installed:
//
//	go run ./examples/quickstart
//
// Against real servers:
//
//	go run ./examples/quickstart -backend memcached -nodes 127.0.0.1:11211,127.0.0.1:11212
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/embedded"
)

const keyCount = 10000

func main() {
	backend := flag.String("backend", "redis", "protocol of -nodes: memcached or redis")
	nodes := flag.String("nodes", "",
		"comma-separated host:port list (default: 3 embedded redis nodes)")
	flag.Parse()
	if err := run(*backend, *nodes); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(backendName, nodeList string) error {
	addrs, stop, err := nodesFor(nodeList)
	if err != nil {
		return err
	}
	defer stop()
	if len(addrs) < 2 {
		return fmt.Errorf("need at least 2 nodes to show a removal, got %d", len(addrs))
	}
	backend, err := backendFor(backendName)
	if err != nil {
		return err
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "herd", Level: hclog.Info, Output: os.Stdout})
	system := actor.NewActorSystem(herd.ActorSystemLogger(logger))
	disc := discovery.NewManual(addrs...)
	h, err := herd.Start(system, herd.Config{Backend: backend, Discovery: disc, Logger: logger})
	if err != nil {
		return err
	}
	defer h.Stop()
	return tour(h, disc, addrs)
}

// nodesFor parses -nodes, or starts three embedded redis nodes.
func nodesFor(list string) ([]string, func(), error) {
	if list != "" {
		return strings.Split(list, ","), func() {}, nil
	}
	addrs, stop, err := embedded.Redis(3)
	if err != nil {
		return nil, nil, err
	}
	fmt.Printf("started 3 embedded redis nodes: %s\n", strings.Join(addrs, ", "))
	return addrs, stop, nil
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

// tour writes and reads every key, shows the spread and a few owners, then
// removes the last node and counts what moved.
func tour(h *herd.Herd, disc *discovery.Manual, addrs []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := writeAndRead(ctx, h); err != nil {
		return err
	}
	before := ownersOf(h)
	printSpread("keys per node", before)
	for _, key := range []string{"user:42", "session:9f2c", "cart:7"} {
		owner, _ := h.Owner(key)
		fmt.Printf("  %-14s -> %s\n", key, owner)
	}

	removed := addrs[len(addrs)-1]
	fmt.Printf("\nremoving %s through discovery\n", removed)
	disc.Set(addrs[:len(addrs)-1]...)
	h.Refresh()
	if err := waitForNodes(ctx, h, len(addrs)-1); err != nil {
		return err
	}
	return reportMoves(ctx, h, before, removed)
}
