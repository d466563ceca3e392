// Package actors holds herd's actor tree and the runtime it shares with the
// Go client.
//
//	supervisor   the herd's PID; restarts the cluster actor (HerdStrategy)
//	└── cluster  polls discovery, diffs, owns the pools (ClusterStrategy)
//	    ├── <addr>   pool of one node; restarts its workers (PoolStrategy)
//	    │   ├── w0   worker: one connection
//	    │   └── w1 …
//	    └── <addr> …
//
// # How a request moves
//
// A request becomes a *messages.Call that holds its deadline and reply path.
// Runtime.Dispatch, the front door, checks it with the backend (a bad key
// never reaches a server), finds the owner of its key in the current
// Snapshot, and hands the call to one of that node's workers in turn: the
// pool publishes its workers in the node's health record while it runs, so
// the front door reaches a worker without a hop through the pool. While the
// pool restarts or retires it publishes none, and calls go to the pool,
// which answers them. The worker writes the request into its connection's
// buffer, which is flushed when the worker's mailbox runs dry, so calls that
// queue for a worker share one write; the connection's reader goroutine
// reads the replies in order and answers the calls (see pipe). A caller that
// finds its worker idle, with nothing in flight, runs the worker for its own
// call on its own goroutine (mailbox.deliver): a lone caller writes its
// request itself, and, if nothing but the deadline can end its wait
// (messages.Call.SetSelfRead), reads its own reply too (pipe.ReadOwn). The
// Go client calls Dispatch from the caller's goroutine and waits on a
// channel; an actor sends the request to the supervisor,
// which calls Dispatch with a reply path to the sender. Neither path
// messages the cluster actor, so requests keep flowing while it polls or
// restarts.
//
// # Membership
//
// The cluster actor asks discovery in a goroutine and gets the answer back
// as a message. It cleans the answer (discovery.Clean), starts pools for
// added nodes, swaps in a new immutable Snapshot, and then retires the pools
// of removed nodes: a retiring pool answers new calls with ErrNodeGone,
// lets its workers finish what they have queued, and stops. A failed or
// empty answer leaves everything as it was. A restarted cluster actor
// starts from the last snapshot's nodes, so a crash does not drain it.
//
// # Never dropped
//
// Every call is answered exactly once (messages.Call.Finish). Pools and
// workers have herd's own mailbox (mailbox.go): when its actor stops, it
// answers the calls left in it, and every call posted to it afterwards, with
// ErrNodeGone (ErrClosed when the herd stops), where protoactor would drop
// them. A call that reaches an actor already gone from the registry is
// answered by the runtime's dead-letter handler. A pool that restarts makes
// its workers answer the calls on their connections at once; one that
// stops with its node or its herd lets them finish. Whatever slips past all
// of that is answered at its deadline, by the caller's wait or by the
// call's timer.
//
// # Node health
//
// Failures in a row, counted by the workers, mark a node down (health.go);
// the front door then fails its calls fast or fails them over, and the pool
// probes the node on a backoff until one probe succeeds (probe.go). Dials
// share one backoff per node (dial.go), and restarts use herd's own
// exponential backoff strategy (backoff.go).
//
// # Figures
//
// Each node's health record holds its counters (counters.go), so they
// survive pool restarts: every call is counted once, by outcome, where it
// is answered (the pipe's answer, stop and drop; a worker's or pool's
// refusal; a mailbox closed; the front door refusing a down node), and the
// calls answered from the wire add their latency to a histogram of fixed
// buckets. All of it is atomic adds, read only by Runtime.Stats.
package actors
