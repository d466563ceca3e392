// Discovery shows a herd following a node list in a file: it starts with
// two embedded redis nodes listed in a YAML file, then rewrites the file to
// add a third, and the herd picks it up at once from the file system's
// notice, without waiting for a poll. With -etcd it follows keys under a
// prefix in that etcd instead (the keys it writes are /herd-example/*).
//
//	go run ./examples/discovery
//	go run ./examples/discovery -etcd http://127.0.0.1:2379
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/embedded"
	"github.com/herd-go/herd/messages"
)

func main() {
	etcd := flag.String("etcd", "", "an etcd client URL to follow instead of a file")
	flag.Parse()
	if err := run(os.Stdout, *etcd); err != nil {
		fmt.Fprintln(os.Stderr, "discovery:", err)
		os.Exit(1)
	}
}

// source is where the example keeps its node list: a file, or etcd.
type source interface {
	discovery.Discovery
	set(addrs []string) error
	close()
}

func run(out io.Writer, etcd string) error {
	addrs, stop, err := embedded.Redis(3)
	if err != nil {
		return err
	}
	defer stop()
	src, err := newSource(etcd)
	if err != nil {
		return err
	}
	defer src.close()
	if err := src.set(addrs[:2]); err != nil {
		return err
	}

	system := actor.NewActorSystem(herd.QuietActorSystem())
	changes := make(chan *messages.NodesChanged, 8)
	system.EventStream.Subscribe(func(evt any) {
		if ev, ok := evt.(*messages.NodesChanged); ok {
			changes <- ev
		}
	})
	h, err := herd.Start(system, herd.Config{
		Backend:      redis.New(redis.Options{}),
		Discovery:    src,
		PollInterval: time.Minute, // the watch brings changes; polling is the safety net
		Logger:       hclog.NewNullLogger(),
	})
	if err != nil {
		return err
	}
	defer h.Stop()
	if err := awaitNodes(changes, 2); err != nil {
		return err
	}
	fmt.Fprintf(out, "following %d nodes\n", len(h.Nodes()))

	start := time.Now()
	if err := src.set(addrs); err != nil {
		return err
	}
	if err := awaitNodes(changes, 3); err != nil {
		return err
	}
	fmt.Fprintf(out, "a third node joined; the herd followed in %v\n",
		time.Since(start).Round(time.Millisecond))
	return writeAndRead(out, h)
}

// awaitNodes waits for a membership of n nodes.
func awaitNodes(changes <-chan *messages.NodesChanged, n int) error {
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-changes:
			if len(ev.Nodes) == n {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no membership of %d nodes within 5 s", n)
		}
	}
}

// writeAndRead spreads some keys over the nodes and counts them per node.
func writeAndRead(out io.Writer, h *herd.Herd) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	perNode := map[string]int{}
	for i := range 30 {
		key := fmt.Sprintf("user:%d", i)
		if err := h.Set(ctx, key, []byte("v"), time.Minute); err != nil {
			return err
		}
		owner, _ := h.Owner(key)
		perNode[owner]++
	}
	fmt.Fprintf(out, "30 keys over %d nodes\n", len(perNode))
	return nil
}

func newSource(etcd string) (source, error) {
	if etcd != "" {
		return newEtcdSource(etcd)
	}
	dir, err := os.MkdirTemp("", "herd-example")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "nodes.yaml")
	return &fileSource{FileSource: discovery.File(path, discovery.FileOptions{}), path: path,
		dir: dir}, nil
}

// fileSource writes the list as YAML, by rename, as deploy tools do.
type fileSource struct {
	*discovery.FileSource
	path, dir string
}

func (f *fileSource) set(addrs []string) error {
	text := "# the nodes herd follows\n- " + strings.Join(addrs, "\n- ") + "\n"
	if err := os.WriteFile(f.path+".new", []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(f.path+".new", f.path)
}

func (f *fileSource) close() { os.RemoveAll(f.dir) }

// etcdSource writes one key per node under /herd-example/.
type etcdSource struct {
	*discovery.EtcdSource
	cli *clientv3.Client
}

const etcdPrefix = "/herd-example/"

func newEtcdSource(endpoint string) (*etcdSource, error) {
	src, err := discovery.Etcd(discovery.EtcdOptions{Endpoints: []string{endpoint},
		Prefix: etcdPrefix})
	if err != nil {
		return nil, err
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint},
		DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		src.Close()
		return nil, err
	}
	return &etcdSource{EtcdSource: src, cli: cli}, nil
}

func (e *etcdSource) set(addrs []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := e.cli.Delete(ctx, etcdPrefix, clientv3.WithPrefix()); err != nil {
		return err
	}
	for i, a := range addrs {
		if _, err := e.cli.Put(ctx, fmt.Sprintf("%snode%d", etcdPrefix, i), a); err != nil {
			return err
		}
	}
	return nil
}

func (e *etcdSource) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, _ = e.cli.Delete(ctx, etcdPrefix, clientv3.WithPrefix())
	e.cli.Close()
	e.EtcdSource.Close()
}
