package metrics_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/testserver"
	"github.com/herd-go/herd/metrics"
)

func startHerd(t *testing.T, name string, addrs ...string) *herd.Herd {
	t.Helper()
	system := actor.NewActorSystem(herd.QuietActorSystem())
	h, err := herd.Start(system, herd.Config{
		Name:      name,
		Backend:   memcached.New(memcached.Options{}),
		Discovery: discovery.Static(addrs...),
		Logger:    hclog.NewNullLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Stop(); system.Shutdown() })
	return h
}

// documented returns the series names the package doc lists, sorted.
func documented(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^//\t(herd_[a-z_]+)`).FindAllSubmatch(doc, -1) {
		names = append(names, string(m[1]))
	}
	slices.Sort(names)
	return names
}

// The collector describes exactly the series the package doc lists, and
// what it exports passes Prometheus' lint.
func TestCollectorMatchesItsDoc(t *testing.T) {
	h := startHerd(t, "herd", testserver.Memcached(t).Addr)
	if err := h.Set(context.Background(), "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	c := metrics.New(h)
	ch := make(chan *prometheus.Desc, 64)
	c.Describe(ch)
	close(ch)
	var described []string
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		described = append(described, name.FindStringSubmatch(d.String())[1])
	}
	slices.Sort(described)
	if want := documented(t); !slices.Equal(described, want) {
		t.Errorf("described %v\ndocumented %v", described, want)
	}
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// Two herds register side by side, told apart by their herd label, and
// each counts only its own calls.
func TestTwoHerdsInOneRegistry(t *testing.T) {
	addr := testserver.Memcached(t).Addr
	one, two := startHerd(t, "one", addr), startHerd(t, "two", addr)
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.New(one), metrics.New(two))
	for i := 0; i < 3; i++ {
		if err := one.Set(context.Background(), "k", []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "herd_node_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "herd" {
					got[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	if got["one"] != 3 || got["two"] != 0 || len(got) != 2 {
		t.Errorf("requests by herd %v, want one=3 two=0", got)
	}
}
