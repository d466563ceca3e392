package actors

import (
	"time"
)

// Stats is a snapshot of a herd's figures, read from counters that the
// request path keeps with atomic adds. Counters only grow, from the moment
// a node joins: a node that leaves and comes back, or that moves to
// another address, starts again from zero.
type Stats struct {
	// Herd is the herd's name (Config.Name).
	Herd string
	// At is when the snapshot was taken.
	At time.Time
	// Epoch counts the membership changes applied so far.
	Epoch uint64
	// Discovery is discovery's last answer; its At is zero before the
	// first.
	Discovery DiscoveryResult
	// Nodes holds each current node's figures, by address.
	Nodes map[string]NodeStats
	// Unrouted counts, by kind, the calls answered before any node was
	// chosen: a bad key or value (ErrorRefused), a herd stopped
	// (ErrorClosed) or without nodes (ErrorNoNodes). Every kind is present.
	Unrouted map[ErrorKind]uint64
}

// DiscoveryResult is one discovery answer as the cluster actor applied it.
type DiscoveryResult struct {
	// At is when the answer came.
	At time.Time
	// Err is why the answer was not used (discovery failed, or gave no
	// usable node); nil if it was.
	Err error
	// Nodes is how many usable nodes the answer gave; Rejected how many of
	// its entries were malformed.
	Nodes, Rejected int
	// Held reports that the answer would have removed more nodes than
	// Config.RemovalLimit allows, and was held (see messages.RemovalHeld).
	Held bool
}

// NodeStats are one node's figures. A call counts once on the node it was
// sent to when it is answered: Requests = OK + Misses + NotStored + every
// kind of error. A GetMulti counts once on each node it asks, as OK when
// the node answered (its keys' misses are not calls, and not counted).
type NodeStats struct {
	// Requests counts the calls answered for this node.
	Requests uint64
	// OK counts calls answered with a value or an acknowledgement.
	OK uint64
	// Misses counts ErrMiss answers: not an error.
	Misses uint64
	// NotStored counts ErrNotStored and ErrCASConflict answers: a
	// conditional store that did not apply is not an error either.
	NotStored uint64
	// Errors counts failed calls by kind; every kind is present.
	Errors map[ErrorKind]uint64
	// Latency is the time from a request's write to its reply, of the
	// calls that went on the wire.
	Latency LatencySummary
	// ConnsOpen is how many of the workers' connections to the node are
	// open (a probe's own connection is not counted); ConnsInUse how many
	// of those have a call in flight.
	ConnsOpen, ConnsInUse int
	// Queued is how many calls wait in the node's workers' mailboxes, and
	// InFlight how many have been written and await their reply.
	Queued, InFlight int
	// Health is whether the node is down, and since when.
	Health NodeHealth
}

// ErrorCount returns the number of failed calls, all kinds together.
func (s NodeStats) ErrorCount() uint64 {
	var n uint64
	for _, v := range s.Errors {
		n += v
	}
	return n
}

// LatencySummary sums up a latency histogram of fixed buckets.
type LatencySummary struct {
	Count uint64
	Sum   time.Duration
	// Mean is Sum / Count; P50 and P99 are estimated from the buckets, by
	// linear interpolation inside the bucket that holds them.
	Mean, P50, P99 time.Duration
	// Buckets are the histogram's, each counting the calls no slower than
	// its bound and slower than the bound before. The last has no bound
	// (Le is 0) and counts the rest.
	Buckets []LatencyBucket
}

// LatencyBucket is one bucket of a latency histogram.
type LatencyBucket struct {
	Le    time.Duration // the bucket's upper bound; 0 for the last, unbounded one
	Count uint64
}

// Stats returns a snapshot of the herd's figures. It reads the counters
// and the workers' queues; it sends no message and takes no lock that a
// request takes.
func (r *Runtime) Stats() Stats {
	snap := r.Snapshot()
	s := Stats{Herd: r.cfg.Name, At: time.Now(), Epoch: snap.Epoch,
		Nodes: make(map[string]NodeStats, len(snap.health)), Unrouted: errorMap(&r.unrouted)}
	if d := r.lastDiscovery.Load(); d != nil {
		s.Discovery = *d
	}
	for addr, h := range snap.health {
		s.Nodes[addr] = h.stats()
	}
	return s
}

// stats reads one node's figures.
func (h *health) stats() NodeStats {
	c := &h.counters
	s := NodeStats{
		OK:        c.outcomes[outOK].Load(),
		Misses:    c.outcomes[outMiss].Load(),
		NotStored: c.outcomes[outNotStored].Load(),
		Errors:    errorMap(c),
		Latency:   c.latency(),
		ConnsOpen: int(c.conns.Load()),
		Health:    h.snapshot(),
	}
	s.Requests = s.OK + s.Misses + s.NotStored + s.ErrorCount()
	if ws := h.workers.Load(); ws != nil {
		for _, w := range *ws {
			s.Queued += w.box.UserMessageCount()
			if p := w.flusher.pipe.Load(); p != nil {
				if n := int(p.pending.Load()); n > 0 {
					s.InFlight += n
					s.ConnsInUse++
				}
			}
		}
	}
	s.ConnsInUse = min(s.ConnsInUse, s.ConnsOpen)
	return s
}

func errorMap(c *counters) map[ErrorKind]uint64 {
	m := make(map[ErrorKind]uint64, len(errorKinds))
	for i, k := range errorKinds {
		m[k] = c.outcomes[firstError+outcome(i)].Load()
	}
	return m
}

// latency reads the histogram. Count is the buckets' total, so that it
// always agrees with them.
func (c *counters) latency() LatencySummary {
	l := LatencySummary{Buckets: make([]LatencyBucket, len(c.buckets)),
		Sum: time.Duration(c.sumNanos.Load())}
	for i := range c.buckets {
		n := c.buckets[i].Load()
		l.Count += n
		l.Buckets[i].Count = n
		if i < len(latencyBounds) {
			l.Buckets[i].Le = latencyBounds[i]
		}
	}
	if l.Count == 0 {
		return l
	}
	l.Mean = l.Sum / time.Duration(l.Count)
	l.P50, l.P99 = l.quantile(0.5), l.quantile(0.99)
	return l
}

// quantile estimates the q-quantile: the bucket that holds it is found by
// rank, and the value placed inside it linearly. In the last, unbounded
// bucket it is the last bound.
func (l LatencySummary) quantile(q float64) time.Duration {
	rank := q * float64(l.Count)
	var below uint64
	for i, b := range l.Buckets {
		if b.Count == 0 || float64(below+b.Count) < rank {
			below += b.Count
			continue
		}
		if b.Le == 0 {
			return latencyBounds[len(latencyBounds)-1]
		}
		var lo time.Duration
		if i > 0 {
			lo = l.Buckets[i-1].Le
		}
		frac := (rank - float64(below)) / float64(b.Count)
		return lo + time.Duration(frac*float64(b.Le-lo))
	}
	return latencyBounds[len(latencyBounds)-1]
}
