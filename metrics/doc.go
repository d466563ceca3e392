// Package metrics exposes a herd's Stats to Prometheus. It is a package of
// its own so that programs that do not use Prometheus do not import it.
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(metrics.New(h))
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// The collector holds no counters of its own: on each scrape it takes one
// herd.Stats snapshot and turns it into metrics. The request path keeps its
// counters with atomic adds whether or not a collector is registered, so
// registering one adds nothing to a request's cost, and a herd without one
// pays nothing more.
//
// Every series carries the label herd (Config.Name); per-node series carry
// node, the node's address. Counters start at zero when a node joins.
//
//	herd_node_requests_total                 counter    calls answered for the node
//	herd_node_misses_total                   counter    of which misses (not errors)
//	herd_node_not_stored_total               counter    conditional stores that did not apply
//	herd_node_errors_total{kind}             counter    of which failures, by kind (herd.ErrorKind)
//	herd_node_request_duration_seconds       histogram  time from a request's write to its reply
//	herd_node_connections_open               gauge      connections open to the node
//	herd_node_connections_in_use             gauge      of which with a call in flight
//	herd_node_queued_calls                   gauge      calls waiting in the workers' mailboxes
//	herd_node_inflight_calls                 gauge      calls written, awaiting their reply
//	herd_node_up                             gauge      1 if the node takes traffic, 0 if marked down
//	herd_node_state_since_seconds            gauge      when the node last changed state, Unix time
//	herd_node_consecutive_failures           gauge      the current run of failures
//	herd_nodes                               gauge      nodes in the membership
//	herd_membership_epoch                    gauge      membership changes applied
//	herd_discovery_last_answer_seconds       gauge      when discovery last answered, Unix time
//	herd_discovery_last_answer_ok            gauge      1 if that answer was used, else 0
//	herd_discovery_last_answer_nodes         gauge      usable nodes in that answer
//	herd_discovery_last_answer_rejected      gauge      malformed entries in that answer
//	herd_unrouted_errors_total{kind}         counter    calls refused before routing, by kind
//
// The discovery series are absent until discovery first answers.
package metrics
