package discovery

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/herd-go/herd/routing"
)

// DefaultEtcdDialTimeout bounds the first connection to etcd when
// EtcdOptions.DialTimeout is zero.
const DefaultEtcdDialTimeout = 2 * time.Second

// etcdRewatch is the pause before a watch that ended is started again.
const etcdRewatch = 100 * time.Millisecond

// EtcdOptions say where the nodes are kept in etcd.
type EtcdOptions struct {
	// Endpoints are the etcd servers' client URLs, such as
	// "http://127.0.0.1:2379". Required.
	Endpoints []string
	// Prefix is the key prefix under which each key is one node, such as
	// "/herd/cache/". Required.
	Prefix string
	// Username and Password authenticate, when etcd has auth enabled.
	Username, Password string
	// DialTimeout bounds connecting to etcd. Default
	// DefaultEtcdDialTimeout, 2 s.
	DialTimeout time.Duration
}

// EtcdSource is a Discovery that reads the nodes from the keys under a
// prefix in etcd (v3 API), and a Watcher that follows them: the first
// query reads every key under the prefix; Watch then watches the prefix
// from the revision read, so a change reaches herd as soon as etcd reports
// it. If the connection drops, the etcd client reconnects and the watch
// resumes from the last revision it saw, so no change is missed; herd's
// polls, which reread the prefix, go on as the safety net.
//
// Each key's value is a node: an address ("10.0.0.1:11211"), or a JSON
// object {"addr": "10.0.0.1:11211", "weight": 2}. A value that is neither
// is rejected by herd like a malformed address, without costing the other
// nodes. The keys' names are not used.
//
// Close the source after the herd that uses it has stopped.
type EtcdSource struct {
	prefix string
	client *clientv3.Client

	mu  sync.Mutex
	rev int64 // the revision of the last read or watch event
}

// Etcd connects to etcd (without waiting for it: a server that is down is
// an error of each query until it is back) and returns the source.
func Etcd(opts EtcdOptions) (*EtcdSource, error) {
	if len(opts.Endpoints) == 0 || opts.Prefix == "" {
		return nil, fmt.Errorf("%w: Endpoints and Prefix are required", ErrEtcd)
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultEtcdDialTimeout
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:            opts.Endpoints,
		Username:             opts.Username,
		Password:             opts.Password,
		DialKeepAliveTime:    5 * time.Second,
		DialKeepAliveTimeout: 2 * time.Second,
		Logger:               zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEtcd, err)
	}
	return &EtcdSource{prefix: opts.Prefix, client: cli}, nil
}

// Nodes reads every key under the prefix.
func (e *EtcdSource) Nodes(ctx context.Context) ([]routing.Node, error) {
	resp, err := e.client.Get(ctx, e.prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrEtcd, e.prefix, err)
	}
	e.seen(resp.Header.Revision)
	nodes := make([]routing.Node, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		nodes = append(nodes, ParseValue(kv.Value))
	}
	return nodes, nil
}

// ParseValue reads one etcd value: an address, or a JSON object with
// "addr" and "weight". A value that is neither comes back as its own text
// for an address, which herd's cleaning rejects as malformed.
func ParseValue(v []byte) routing.Node {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '{' {
		if n, err := parseJSONEntry(v); err == nil {
			return n
		}
	}
	return routing.Node{Addr: string(v), Weight: 1}
}

// Watch watches the prefix until ctx is done, notifying on every change.
// A watch that etcd ends (the revision was compacted, the server went
// away) is started again from the newest revision known.
func (e *EtcdSource) Watch(ctx context.Context, notify func()) error {
	for {
		e.watchOnce(ctx, notify)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(etcdRewatch):
		}
		notify() // changes may have been missed while the watch was down
	}
}

// watchOnce runs one etcd watch until it ends.
func (e *EtcdSource) watchOnce(ctx context.Context, notify func()) {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	opts := []clientv3.OpOption{clientv3.WithPrefix()}
	if rev := e.revision(); rev > 0 {
		opts = append(opts, clientv3.WithRev(rev+1))
	}
	for resp := range e.client.Watch(wctx, e.prefix, opts...) {
		if resp.CompactRevision > 0 {
			e.seen(resp.CompactRevision - 1)
		}
		if err := resp.Err(); err != nil {
			return
		}
		e.seen(resp.Header.Revision)
		if len(resp.Events) > 0 {
			notify()
		}
	}
}

// Close closes the connection to etcd.
func (e *EtcdSource) Close() error { return e.client.Close() }

func (e *EtcdSource) seen(rev int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rev = max(e.rev, rev)
}

func (e *EtcdSource) revision() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rev
}
