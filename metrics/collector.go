package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/herd-go/herd"
)

// Collector is a prometheus.Collector over one herd. Make it with New and
// register it with your registry; it reads the herd's Stats on each scrape.
type Collector struct {
	herd  *herd.Herd
	descs descs
}

// descs are the collector's metric descriptions, one per series name.
type descs struct {
	requests, misses, notStored, errors, duration           *prometheus.Desc
	connsOpen, connsInUse, queued, inflight                 *prometheus.Desc
	up, since, failures                                     *prometheus.Desc
	nodes, epoch                                            *prometheus.Desc
	discAt, discOK, discNodes, discRejected, unroutedErrors *prometheus.Desc
}

// New returns a collector for h. Two herds in one registry need two
// collectors, and two names (Config.Name), which label their series.
func New(h *herd.Herd) *Collector {
	herdLabel := prometheus.Labels{"herd": h.Stats().Herd}
	node := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append([]string{"node"}, labels...), herdLabel)
	}
	whole := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, herdLabel)
	}
	return &Collector{herd: h, descs: descs{
		requests:  node("herd_node_requests_total", "Calls answered for the node."),
		misses:    node("herd_node_misses_total", "Calls answered with a miss (not errors)."),
		notStored: node("herd_node_not_stored_total", "Conditional stores that did not apply."),
		errors:    node("herd_node_errors_total", "Failed calls, by kind.", "kind"),
		duration: node("herd_node_request_duration_seconds",
			"Time from a request's write to its reply."),
		connsOpen:  node("herd_node_connections_open", "Connections open to the node."),
		connsInUse: node("herd_node_connections_in_use", "Connections with a call in flight."),
		queued:     node("herd_node_queued_calls", "Calls waiting in the workers' mailboxes."),
		inflight:   node("herd_node_inflight_calls", "Calls written, awaiting their reply."),
		up:         node("herd_node_up", "1 if the node takes traffic, 0 if marked down."),
		since: node("herd_node_state_since_seconds",
			"When the node last changed state, in Unix time."),
		failures: node("herd_node_consecutive_failures", "The current run of failures."),
		nodes:    whole("herd_nodes", "Nodes in the membership."),
		epoch:    whole("herd_membership_epoch", "Membership changes applied."),
		discAt: whole("herd_discovery_last_answer_seconds",
			"When discovery last answered, in Unix time."),
		discOK: whole("herd_discovery_last_answer_ok",
			"1 if discovery's last answer was used, 0 if it failed or was held."),
		discNodes:    whole("herd_discovery_last_answer_nodes", "Usable nodes in the last answer."),
		discRejected: whole("herd_discovery_last_answer_rejected", "Malformed entries in it."),
		unroutedErrors: whole("herd_unrouted_errors_total",
			"Calls refused before a node was chosen, by kind.", "kind"),
	}}
}

// Describe sends the description of every series the collector exports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	d := &c.descs
	for _, desc := range []*prometheus.Desc{d.requests, d.misses, d.notStored, d.errors,
		d.duration, d.connsOpen, d.connsInUse, d.queued, d.inflight, d.up, d.since,
		d.failures, d.nodes, d.epoch, d.discAt, d.discOK, d.discNodes, d.discRejected,
		d.unroutedErrors} {
		ch <- desc
	}
}

// Collect takes one Stats snapshot and sends it as metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.herd.Stats()
	d := &c.descs
	for addr, n := range s.Nodes {
		c.collectNode(ch, addr, n)
	}
	gauge(ch, d.nodes, float64(len(s.Nodes)))
	gauge(ch, d.epoch, float64(s.Epoch))
	if disc := s.Discovery; !disc.At.IsZero() {
		gauge(ch, d.discAt, float64(disc.At.UnixNano())/1e9)
		gauge(ch, d.discOK, boolValue(disc.Err == nil && !disc.Held))
		gauge(ch, d.discNodes, float64(disc.Nodes))
		gauge(ch, d.discRejected, float64(disc.Rejected))
	}
	for kind, v := range s.Unrouted {
		counter(ch, d.unroutedErrors, float64(v), string(kind))
	}
}

func (c *Collector) collectNode(ch chan<- prometheus.Metric, addr string, n herd.NodeStats) {
	d := &c.descs
	counter(ch, d.requests, float64(n.Requests), addr)
	counter(ch, d.misses, float64(n.Misses), addr)
	counter(ch, d.notStored, float64(n.NotStored), addr)
	for kind, v := range n.Errors {
		counter(ch, d.errors, float64(v), addr, string(kind))
	}
	ch <- histogram(d.duration, n.Latency, addr)
	gauge(ch, d.connsOpen, float64(n.ConnsOpen), addr)
	gauge(ch, d.connsInUse, float64(n.ConnsInUse), addr)
	gauge(ch, d.queued, float64(n.Queued), addr)
	gauge(ch, d.inflight, float64(n.InFlight), addr)
	gauge(ch, d.up, boolValue(!n.Health.Down), addr)
	gauge(ch, d.since, float64(n.Health.Since.UnixNano())/1e9, addr)
	gauge(ch, d.failures, float64(n.Health.Failures), addr)
}

// histogram turns a latency summary into a Prometheus histogram, whose
// buckets count cumulatively.
func histogram(desc *prometheus.Desc, l herd.LatencySummary, node string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(l.Buckets))
	var cum uint64
	for _, b := range l.Buckets {
		cum += b.Count
		if b.Le > 0 {
			buckets[b.Le.Seconds()] = cum
		}
	}
	return prometheus.MustNewConstHistogram(desc, l.Count, l.Sum.Seconds(), buckets, node)
}

func counter(ch chan<- prometheus.Metric, desc *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, labels...)
}

func gauge(ch chan<- prometheus.Metric, desc *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
