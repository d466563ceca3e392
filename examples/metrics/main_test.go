package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.uber.org/goleak"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/internal/testserver"
)

// documented returns the series names listed in package metrics' doc.
func documented(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile("../../metrics/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^//\t(herd_[a-z_]+)`).FindAllSubmatch(doc, -1) {
		names = append(names, string(m[1]))
	}
	if len(names) < 10 {
		t.Fatalf("found only %d series in metrics/doc.go", len(names))
	}
	return names
}

// scrape fetches url over HTTP and parses the text exposition.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// value returns the value of the family's series whose labels include
// want, failing the test if there is not exactly one.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string,
	want map[string]string) float64 {
	t.Helper()
	var found []*dto.Metric
	for _, m := range fams[name].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if match {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, want, len(found))
	}
	m := found[0]
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	t.Fatalf("%s: no value", name)
	return 0
}

// After exactly N gets, S sets and M misses to node A, and nothing to node
// B, the scraped page shows every documented series, with those counts.
func TestMetricsExample(t *testing.T) {
	a, b := testserver.Memcached(t).Addr, testserver.Memcached(t).Addr
	baseline := goleak.IgnoreCurrent()
	app, err := start(memcached.New(memcached.Options{}), []string{a, b}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		app.close() // the server, the herd and its connections, all gone
		goleak.VerifyNone(t, baseline)
	}()
	const sets, gets, misses = 4, 25, 3
	keys := keysOn(t, app.herd, a, sets+misses)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, k := range keys[:sets] {
		if err := app.herd.Set(ctx, k, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < gets; i++ {
		if _, err := app.herd.Get(ctx, keys[i%sets]); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys[sets:] {
		if _, err := app.herd.Get(ctx, k); !errors.Is(err, herd.ErrMiss) {
			t.Fatalf("get %s: %v, want a miss", k, err)
		}
	}

	fams := scrape(t, app.url)
	for _, name := range documented(t) {
		if len(fams[name].GetMetric()) == 0 {
			t.Errorf("documented series %s missing from the page", name)
		}
	}
	nodeA, nodeB := map[string]string{"node": a, "herd": "herd"}, map[string]string{"node": b}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"herd_node_requests_total", nodeA, sets + gets + misses},
		{"herd_node_misses_total", nodeA, misses},
		{"herd_node_not_stored_total", nodeA, 0},
		{"herd_node_request_duration_seconds", nodeA, sets + gets + misses},
		{"herd_node_requests_total", nodeB, 0},
		{"herd_node_up", nodeA, 1},
		{"herd_node_connections_open", nodeA, 2},
		{"herd_node_inflight_calls", nodeA, 0},
		{"herd_node_queued_calls", nodeA, 0},
		{"herd_node_consecutive_failures", nodeA, 0},
		{"herd_nodes", nil, 2},
		{"herd_membership_epoch", nil, 1},
		{"herd_discovery_last_answer_ok", nil, 1},
		{"herd_discovery_last_answer_nodes", nil, 2},
		{"herd_discovery_last_answer_rejected", nil, 0},
	}
	for _, c := range checks {
		if got := value(t, fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, kind := range []string{"timeout", "connection", "protocol", "node_down", "server"} {
		if got := value(t, fams, "herd_node_errors_total",
			map[string]string{"node": a, "kind": kind}); got != 0 {
			t.Errorf("node A counts %v %s errors, want none", got, kind)
		}
	}
	now := float64(time.Now().Unix())
	stamps := []string{"herd_node_state_since_seconds", "herd_discovery_last_answer_seconds"}
	for _, name := range stamps {
		labels := map[string]string{}
		if name == "herd_node_state_since_seconds" {
			labels = nodeA
		}
		if got := value(t, fams, name, labels); got < now-60 || got > now+1 {
			t.Errorf("%s = %v, want within the last minute of %v", name, got, now)
		}
	}
	// The histogram's sum is the latency of the calls counted, each under
	// the request timeout.
	h := fams["herd_node_request_duration_seconds"]
	for _, m := range h.GetMetric() {
		hist := m.GetHistogram()
		if hist.GetSampleSum() < 0 || hist.GetSampleSum() > float64(hist.GetSampleCount()) {
			t.Errorf("latency sum %v over %d calls", hist.GetSampleSum(), hist.GetSampleCount())
		}
	}
}

// keysOn returns n keys that node owns.
func keysOn(t *testing.T, h *herd.Herd, node string, n int) []string {
	t.Helper()
	var keys []string
	for i := 0; len(keys) < n && i < 1000*n; i++ {
		k := fmt.Sprintf("scrape:%d", i)
		if owner, err := h.Owner(k); err == nil && owner == node {
			keys = append(keys, k)
		}
	}
	if len(keys) < n {
		t.Fatalf("found %d keys on %s, want %d", len(keys), node, n)
	}
	return keys
}
