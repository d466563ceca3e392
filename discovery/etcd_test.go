package discovery_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/routing"
)

// etcdEnv is a real etcd, a client to change it, and a source reading it.
type etcdEnv struct {
	srv *testserver.Server
	cli *clientv3.Client
	src *discovery.EtcdSource
}

func newEtcdEnv(t *testing.T) *etcdEnv {
	t.Helper()
	srv := testserver.Etcd(t)
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint()},
		DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	src, err := discovery.Etcd(discovery.EtcdOptions{Endpoints: []string{srv.Endpoint()},
		Prefix: "/herd/cache/"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return &etcdEnv{srv: srv, cli: cli, src: src}
}

func (e *etcdEnv) put(t *testing.T, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.cli.Put(ctx, key, value); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func TestEtcdNodes(t *testing.T) {
	e := newEtcdEnv(t)
	e.put(t, "/herd/cache/a", "a:1")
	e.put(t, "/herd/cache/b", ` {"addr": "b:1", "weight": 2} `)
	e.put(t, "/herd/cache/c", `{"addr": 7}`)
	e.put(t, "/herd/other/d", "d:1")
	nodes, err := ask(t, e.src)
	want := []routing.Node{{Addr: "a:1", Weight: 1}, {Addr: "b:1", Weight: 2},
		{Addr: `{"addr": 7}`, Weight: 1}}
	if err != nil || !slices.Equal(nodes, want) {
		t.Fatalf("answered %v, %v; want %v", nodes, err, want)
	}
}

// TestEtcdOutageAndRestart: a query while etcd is down fails with
// ErrEtcd; a watch running across a restart resumes and reports changes
// made after it, and made while the source was cut off.
func TestEtcdOutageAndRestart(t *testing.T) {
	e := newEtcdEnv(t)
	e.put(t, "/herd/cache/a", "a:1")
	if _, err := ask(t, e.src); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var notices atomic.Int64
	done := make(chan error, 1)
	go func() { done <- e.src.Watch(ctx, func() { notices.Add(1) }) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch returned %v", err)
		}
	}()

	e.put(t, "/herd/cache/b", "b:1")
	waitNotices(t, &notices, 1, "a put")

	e.srv.Stop()
	qctx, qcancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	_, err := e.src.Nodes(qctx)
	qcancel()
	if !errors.Is(err, discovery.ErrEtcd) {
		t.Fatalf("etcd down: %v, want ErrEtcd", err)
	}

	e.srv.Restart()
	before := notices.Load()
	e.put(t, "/herd/cache/c", "c:1")
	waitNotices(t, &notices, before+1, "a put after etcd restarted")
	nodes, err := ask(t, e.src)
	if err != nil || len(nodes) != 3 {
		t.Fatalf("after restart answered %v, %v", nodes, err)
	}
}

func waitNotices(t *testing.T, n *atomic.Int64, want int64, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for n.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("no watch notice for %s within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEtcdOptions(t *testing.T) {
	_, err := discovery.Etcd(discovery.EtcdOptions{Prefix: "/x/"})
	if !errors.Is(err, discovery.ErrEtcd) {
		t.Errorf("no endpoints: %v, want ErrEtcd", err)
	}
}

func TestParseValue(t *testing.T) {
	for in, want := range map[string]routing.Node{
		"a:1":                       {Addr: "a:1", Weight: 1},
		" a:1\n":                    {Addr: "a:1", Weight: 1},
		`{"addr":"a:1","weight":3}`: {Addr: "a:1", Weight: 3},
		`{"addr":"a:1","colour":1}`: {Addr: `{"addr":"a:1","colour":1}`, Weight: 1},
		"":                          {Addr: "", Weight: 1},
	} {
		if got := discovery.ParseValue([]byte(in)); got != want {
			t.Errorf("ParseValue(%q) = %v, want %v", in, got, want)
		}
	}
}
