package main

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bradfitz/gomemcache/memcache"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
)

// kv is what the load loop drives: one read and one write.
type kv interface {
	get(ctx context.Context, key string) ([]byte, error)
	set(ctx context.Context, key string, val []byte) error
}

// client is a kv under test, with its name and how to release it.
type client struct {
	name  string
	kv    kv
	close func()
}

// Client names, in the order they run within a repetition.
const (
	herdMemcached = "herd-memcached"
	gomemcacheSL  = "gomemcache"
	gomemcacheTw  = "gomemcache-twemproxy"
	herdRedis     = "herd-redis"
	goRedisRing   = "go-redis-ring"
	rueidisShard  = "rueidis"
)

var allClients = []string{
	herdMemcached, gomemcacheSL, gomemcacheTw, herdRedis, goRedisRing, rueidisShard,
}

// fleet holds the addresses of the servers the clients talk to.
type fleet struct {
	memcached []string
	redis     []string
	twemproxy string
}

// opTimeout bounds each request in every client: herd's RequestTimeout
// default, applied to the others as their socket timeout.
const opTimeout = time.Second

// newClient builds the named client for concurrency conc.
func newClient(name string, f fleet, conc int, herdPool int) (*client, error) {
	switch name {
	case herdMemcached:
		return newHerd(name, memcached.New(memcached.Options{}), f.memcached, herdPool)
	case gomemcacheSL:
		return newGomemcache(name, f.memcached, conc), nil
	case gomemcacheTw:
		return newGomemcache(name, []string{f.twemproxy}, conc), nil
	case herdRedis:
		return newHerd(name, redis.New(redis.Options{}), f.redis, herdPool)
	case goRedisRing:
		return newGoRedisRing(name, f.redis, conc), nil
	case rueidisShard:
		return newRueidis(name, f.redis)
	}
	return nil, fmt.Errorf("unknown client %q (known: %v)", name, allClients)
}

// herdKV drives herd's Go client.
type herdKV struct{ h *herd.Herd }

func (c herdKV) get(ctx context.Context, key string) ([]byte, error) {
	it, err := c.h.Get(ctx, key)
	return it.Value, err
}

func (c herdKV) set(ctx context.Context, key string, val []byte) error {
	return c.h.Set(ctx, key, val, 0)
}

// newHerd starts a herd in an actor system of its own, quiet but for
// warnings, and waits until every node has been dialled once.
func newHerd(name string, b backends.Backend, addrs []string, pool int) (*client, error) {
	system := actor.NewActorSystem(herd.QuietActorSystem())
	h, err := herd.Start(system, herd.Config{
		Backend:        b,
		Discovery:      discovery.Static(addrs...),
		PoolSize:       pool,
		RequestTimeout: opTimeout,
		Logger:         hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Warn}),
	})
	if err != nil {
		system.Shutdown()
		return nil, err
	}
	stop := func() { _ = h.Stop(); system.Shutdown() }
	if got := len(h.Nodes()); got != len(addrs) {
		stop()
		return nil, fmt.Errorf("%s: %d of %d nodes after start", name, got, len(addrs))
	}
	return &client{name: name, kv: herdKV{h}, close: stop}, nil
}

// gomemcacheKV drives bradfitz/gomemcache.
type gomemcacheKV struct{ c *memcache.Client }

func (c gomemcacheKV) get(_ context.Context, key string) ([]byte, error) {
	it, err := c.c.Get(key)
	if err != nil {
		return nil, err
	}
	return it.Value, nil
}

func (c gomemcacheKV) set(_ context.Context, key string, val []byte) error {
	return c.c.Set(&memcache.Item{Key: key, Value: val})
}

// newGomemcache builds a gomemcache client over addrs (its ServerList,
// CRC32 modulo) keeping up to conc idle connections per address, so that
// no goroutine waits on a dial after warm-up.
func newGomemcache(name string, addrs []string, conc int) *client {
	mc := memcache.New(addrs...)
	mc.MaxIdleConns = conc
	mc.Timeout = opTimeout
	return &client{name: name, kv: gomemcacheKV{mc}, close: func() { _ = mc.Close() }}
}
