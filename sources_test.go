package herd_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/dnstest"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// writeList replaces path by rename, as deploy tools do.
func writeList(t *testing.T, path string, addrs ...string) {
	t.Helper()
	text := "- " + strings.Join(addrs, "\n- ") + "\n"
	if len(addrs) == 0 {
		text = ""
	}
	writeRaw(t, path, text)
}

func writeRaw(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// TestFileDiscovery: a herd follows its file as it changes, without
// waiting for a poll, and keeps the last good set while the file is
// garbled, empty or gone.
func TestFileDiscovery(t *testing.T) {
	addrs := fleet(t, 3)
	path := filepath.Join(t.TempDir(), "nodes.yaml")
	writeList(t, path, addrs[:2]...)
	e, cfg := newEnv(t)
	cfg.Discovery = discovery.File(path, discovery.FileOptions{})
	h := e.start(cfg) // PollInterval is an hour: only the watch can bring changes
	eventually(t, "2 nodes", func() bool { return len(h.Nodes()) == 2 })

	writeList(t, path, addrs...)
	waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Nodes) == 3 })

	for _, bad := range []string{"- addr: x\n  colour: red\n", "", "gone"} {
		if bad == "gone" {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		} else {
			writeRaw(t, path, bad)
		}
		ev := waitEvent(e, func(*messages.DiscoveryFailed) bool { return true })
		if ev.Kept != 3 || len(h.Nodes()) != 3 {
			t.Fatalf("%q: kept %d, nodes %v; want the 3 last good", bad, ev.Kept, h.Nodes())
		}
	}
	writeList(t, path, addrs[1:]...)
	waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Nodes) == 2 })
}

// etcdPut writes key=value to etcd at endpoint.
func etcdClient(t *testing.T, endpoint string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint},
		DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func etcdDo(t *testing.T, f func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f(ctx); err != nil {
		t.Fatalf("etcd: %v", err)
	}
}

// TestEtcdDiscovery: a herd follows etcd by its watch, keeps the last good
// set while etcd is down, and follows again once etcd is back: the watch
// resumes.
func TestEtcdDiscovery(t *testing.T) {
	addrs := fleet(t, 3)
	srv := testserver.Etcd(t)
	cli := etcdClient(t, srv.Endpoint())
	put := func(i int) {
		etcdDo(t, func(ctx context.Context) error {
			_, err := cli.Put(ctx, "/herd/n"+strconv.Itoa(i), addrs[i])
			return err
		})
	}
	put(0)
	put(1)
	src, err := discovery.Etcd(discovery.EtcdOptions{Endpoints: []string{srv.Endpoint()},
		Prefix: "/herd/"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	e, cfg := newEnv(t)
	cfg.Discovery, cfg.DiscoveryTimeout = src, 500*time.Millisecond
	h := e.start(cfg)
	eventually(t, "2 nodes", func() bool { return len(h.Nodes()) == 2 })
	put(2)
	waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Nodes) == 3 })

	srv.Stop()
	h.Refresh()
	if ev := waitEvent(e, func(*messages.DiscoveryFailed) bool { return true }); ev.Kept != 3 {
		t.Fatalf("etcd down: kept %d, want 3", ev.Kept)
	}
	srv.Restart()
	etcdDo(t, func(ctx context.Context) error {
		_, err := cli.Delete(ctx, "/herd/n0")
		return err
	})
	ev := waitEvent(e, func(ev *messages.NodesChanged) bool { return len(ev.Removed) == 1 })
	if !slices.Equal(ev.Removed, addrs[:1]) {
		t.Fatalf("removed %v, want %v", ev.Removed, addrs[:1])
	}
}

// TestDNSMove: an SRV target's name moves to another address. The herd
// connects to the new address; the node, and so every key's owner, stays.
func TestDNSMove(t *testing.T) {
	first := testserver.Memcached(t)
	_, port, _ := net.SplitHostPort(first.Addr)
	moved := testserver.MemcachedAt(t, net.JoinHostPort("127.0.0.2", port))
	other := testserver.Memcached(t)
	_, otherPort, _ := net.SplitHostPort(other.Addr)

	dns := dnstest.Start(t)
	dns.Set("_mc._tcp.test. 1 IN SRV 0 0 "+port+" one.test.",
		"_mc._tcp.test. 1 IN SRV 0 0 "+otherPort+" two.test.",
		"one.test. 1 IN A 127.0.0.1", "two.test. 1 IN A 127.0.0.1")
	e, cfg := newEnv(t)
	cfg.Discovery = discovery.DNS(discovery.DNSOptions{Name: "_mc._tcp.test", SRV: true,
		Server: dns.Addr})
	cfg.PollInterval = 200 * time.Millisecond
	h := e.start(cfg)
	one := "one.test:" + port
	eventually(t, "2 nodes", func() bool { return len(h.Nodes()) == 2 })
	owners := map[string]string{}
	for i := range 500 {
		k := "k" + strconv.Itoa(i)
		owners[k], _ = h.Owner(k)
	}
	key := keyOn(t, h, one)
	if err := h.Set(ctxT(t), key, []byte("before"), 0); err != nil {
		t.Fatal(err)
	}

	dns.Set("one.test. 1 IN A 127.0.0.2")
	ev := waitEvent(e, func(ev *messages.NodeMoved) bool { return ev.Node == one })
	if ev.From != first.Addr || ev.To != moved.Addr {
		t.Fatalf("moved %+v, want from %s to %s", ev, first.Addr, moved.Addr)
	}
	eventually(t, "the write lands on the new address", func() bool {
		if h.Set(ctxT(t), key, []byte("after"), 0) != nil {
			return false
		}
		it, err := memcache.New(moved.Addr).Get(key)
		return err == nil && string(it.Value) == "after"
	})
	if it, err := memcache.New(first.Addr).Get(key); err != nil || string(it.Value) != "before" {
		t.Errorf("the old address holds %v, %v; want the value written before the move", it, err)
	}
	for k, o := range owners {
		if now, _ := h.Owner(k); now != o {
			t.Fatalf("%s moved from %s to %s", k, o, now)
		}
	}
}
