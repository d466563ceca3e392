package faultproxy

import "sync/atomic"

// Stats is a snapshot of a proxy's counters, taken by Proxy.Stats. Every
// count but Open is a running total since Start.
type Stats struct {
	Accepted      int64 // connections accepted, including those reset at once
	Open          int64 // proxied connections open now
	Resets        int64 // connections aborted with a TCP RST by the Reset fault
	DialFailures  int64 // connections closed because the target could not be dialed
	BytesToServer int64 // bytes written to the target
	BytesToClient int64 // bytes written to clients
	BytesDropped  int64 // bytes discarded by Blackhole, either way
}

// counters are the live, atomically updated counts behind Stats.
type counters struct {
	accepted      atomic.Int64
	resets        atomic.Int64
	dialFailures  atomic.Int64
	bytesToServer atomic.Int64
	bytesToClient atomic.Int64
	bytesDropped  atomic.Int64
}

// snapshot copies the counters; open is supplied by the caller.
func (c *counters) snapshot(open int) Stats {
	return Stats{
		Accepted:      c.accepted.Load(),
		Open:          int64(open),
		Resets:        c.resets.Load(),
		DialFailures:  c.dialFailures.Load(),
		BytesToServer: c.bytesToServer.Load(),
		BytesToClient: c.bytesToClient.Load(),
		BytesDropped:  c.bytesDropped.Load(),
	}
}
