package main

import (
	"context"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"github.com/herd-go/herd/routing"
)

// ringKV drives go-redis v9's Ring (rendezvous hashing over its shards).
type ringKV struct{ r *goredis.Ring }

func (c ringKV) get(ctx context.Context, key string) ([]byte, error) {
	return c.r.Get(ctx, key).Bytes()
}

func (c ringKV) set(ctx context.Context, key string, val []byte) error {
	return c.r.Set(ctx, key, val, 0).Err()
}

// newGoRedisRing builds a Ring over addrs with PoolSize conc per shard.
func newGoRedisRing(name string, addrs []string, conc int) *client {
	shards := make(map[string]string, len(addrs))
	for i, a := range addrs {
		shards[fmt.Sprintf("shard%d", i)] = a
	}
	r := goredis.NewRing(&goredis.RingOptions{
		Addrs:        shards,
		PoolSize:     conc,
		ReadTimeout:  opTimeout,
		WriteTimeout: opTimeout,
	})
	return &client{name: name, kv: ringKV{r}, close: func() { _ = r.Close() }}
}

// rueidisKV drives one rueidis client per node, choosing the node with
// herd's own HashRing over the same addresses, so that keys land where
// herd puts them.
type rueidisKV struct {
	ring    routing.Router
	clients map[string]rueidis.Client
}

func (c *rueidisKV) pick(key string) (rueidis.Client, error) {
	n, err := c.ring.Lookup(key)
	if err != nil {
		return nil, err
	}
	return c.clients[n.Addr], nil
}

func (c *rueidisKV) get(ctx context.Context, key string) ([]byte, error) {
	cl, err := c.pick(key)
	if err != nil {
		return nil, err
	}
	return cl.Do(ctx, cl.B().Get().Key(key).Build()).AsBytes()
}

func (c *rueidisKV) set(ctx context.Context, key string, val []byte) error {
	cl, err := c.pick(key)
	if err != nil {
		return err
	}
	return cl.Do(ctx, cl.B().Set().Key(key).Value(rueidis.BinaryString(val)).Build()).Error()
}

// newRueidis builds one rueidis client per node with the library's defaults
// (auto-pipelining, client-side cache unused), told that each node is a
// single redis rather than a cluster.
func newRueidis(name string, addrs []string) (*client, error) {
	nodes := make([]routing.Node, len(addrs))
	for i, a := range addrs {
		nodes[i] = routing.Node{Addr: a}
	}
	ring, err := routing.NewHashRing(nodes)
	if err != nil {
		return nil, err
	}
	kv := &rueidisKV{ring: ring, clients: make(map[string]rueidis.Client, len(addrs))}
	closeAll := func() {
		for _, cl := range kv.clients {
			cl.Close()
		}
	}
	for _, a := range addrs {
		cl, err := rueidis.NewClient(rueidis.ClientOption{
			InitAddress: []string{a}, ForceSingleClient: true,
		})
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("rueidis %s: %w", a, err)
		}
		kv.clients[a] = cl
	}
	return &client{name: name, kv: kv, close: closeAll}, nil
}
