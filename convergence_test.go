package herd_test

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/dnstest"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/messages"
)

// converge makes n changes with change(i) and measures each one, from the
// change to the NodesChanged event that follows the new snapshot.
func converge(t *testing.T, e *env, n int, change func(i int)) []time.Duration {
	t.Helper()
	var took []time.Duration
	for i := range n {
		for len(e.events) > 0 {
			<-e.events
		}
		start := time.Now()
		change(i)
		waitEvent(e, func(*messages.NodesChanged) bool { return true })
		took = append(took, time.Since(start))
	}
	return took
}

// quantiles gives p50, p99 and max.
func quantiles(d []time.Duration) (p50, p99, top time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return at(0.5), at(0.99), s[len(s)-1]
}

func report(t *testing.T, what string, d []time.Duration, bound time.Duration) {
	t.Helper()
	p50, p99, top := quantiles(d)
	t.Logf("convergence %-5s n=%-3d p50 %-8v p99 %-8v max %-8v target %v", what, len(d),
		p50.Round(100*time.Microsecond), p99.Round(100*time.Microsecond),
		top.Round(100*time.Microsecond), bound)
	// Half as much again as the target, so that a loaded machine's
	// scheduling does not fail the run; the figures say how close it was.
	if limit := bound * 3 / 2; p99 > limit {
		t.Errorf("%s: p99 %v over %v (target %v)", what, p99, limit, bound)
	}
}

// TestConvergence prints how long a change at each source takes to reach
// the routing snapshot, and holds it to the bounds: etcd's watch p99 100
// ms, a file 1 s, DNS its TTL plus the poll interval. Run with -v to see
// the figures.
func TestConvergence(t *testing.T) {
	addrs := fleet(t, 4)
	toggle := func(i int) []string { // 4 nodes, then 3, then 4 ...
		if i%2 == 0 {
			return addrs[:3]
		}
		return addrs
	}

	t.Run("etcd", func(t *testing.T) {
		srv := testserver.Etcd(t)
		cli := etcdClient(t, srv.Endpoint())
		for i, a := range addrs {
			etcdDo(t, func(ctx context.Context) error {
				_, err := cli.Put(ctx, "/c/"+string(rune('a'+i)), a)
				return err
			})
		}
		src, err := discovery.Etcd(discovery.EtcdOptions{Endpoints: []string{srv.Endpoint()},
			Prefix: "/c/"})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		e := startWith(t, src, time.Hour)
		took := converge(t, e, 50, func(i int) {
			etcdDo(t, func(ctx context.Context) error {
				var err error
				if i%2 == 0 {
					_, err = cli.Delete(ctx, "/c/d")
				} else {
					_, err = cli.Put(ctx, "/c/d", addrs[3])
				}
				return err
			})
		})
		report(t, "etcd", took, 100*time.Millisecond)
	})

	t.Run("file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nodes.yaml")
		writeList(t, path, addrs...)
		e := startWith(t, discovery.File(path, discovery.FileOptions{}), time.Hour)
		took := converge(t, e, 30, func(i int) { writeList(t, path, toggle(i)...) })
		report(t, "file", took, time.Second)
	})

	t.Run("dns", func(t *testing.T) {
		const ttl, poll = time.Second, 250 * time.Millisecond
		_, port, _ := net.SplitHostPort(addrs[0])
		testserver.MemcachedAt(t, net.JoinHostPort("127.0.0.2", port))
		srv := dnstest.Start(t)
		srv.Set("c.test. 1 IN A 127.0.0.1")
		p, _ := net.LookupPort("tcp", port)
		e := startWith(t, discovery.DNS(discovery.DNSOptions{Name: "c.test", Port: p,
			Server: srv.Addr}), poll)
		took := converge(t, e, 6, func(i int) {
			if i%2 == 0 {
				srv.Set("c.test. 1 IN A 127.0.0.1", "c.test. 1 IN A 127.0.0.2")
			} else {
				srv.Set("c.test. 1 IN A 127.0.0.1")
			}
		})
		report(t, "dns", took, ttl+poll)
	})
}

// startWith starts a herd over d, polling every poll, and waits until it
// has its nodes.
func startWith(t *testing.T, d discovery.Discovery, poll time.Duration) *env {
	t.Helper()
	e, cfg := newEnv(t)
	cfg.Discovery, cfg.PollInterval = d, poll
	h := e.start(cfg)
	eventually(t, "nodes", func() bool { return len(h.Nodes()) > 0 })
	return e
}
