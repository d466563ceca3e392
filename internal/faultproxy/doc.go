// Package faultproxy is a TCP proxy for herd's chaos tests. It sits between
// herd and a real memcached or redis-server on 127.0.0.1 and produces, on
// demand, the faults a real server cannot: slow replies, replies cut in two,
// silence, refused and reset connections, and a partitioned host.
//
// # Mechanism
//
// Start listens on a free 127.0.0.1 port. Every connection it accepts is
// paired with a new connection to the target, and two pumps copy bytes
// between them: the request pump (client to server) and the reply pump
// (server to client). Each pump reads a chunk (whatever one read returns, up
// to 32 KiB), consults the fault in force, and writes the chunk on. A pump
// reads its next chunk only after the last one has gone, so a held chunk
// holds everything behind it, and the kernel's buffers apply back-pressure
// to the sender as a slow peer would. When one side half-closes, the other
// side is half-closed too; when a read or write fails, both sides close.
//
// The fault is one Fault value, replaced as a whole by Set and Clear at any
// time while traffic flows. Every wait inside the proxy re-reads the fault
// when it changes, and ends when the proxy is closed.
//
// # Faults
//
// Unless a fault says otherwise, it acts on the reply direction only;
// requests reach the server untouched, so the server does its work and only
// the answer is disturbed.
//
//   - Delay holds each reply chunk until Delay has passed since the proxy
//     read it. A reply that arrives in several chunks is delayed once per
//     chunk, since the next chunk is read only after the last one went.
//   - SplitAt and SplitPause forward the first SplitAt bytes of each reply
//     chunk, wait SplitPause, then forward the rest: a reply cut mid-value.
//     Chunks no longer than SplitAt pass whole. Only Close cuts the pause
//     short. The rest of the chunk then goes under the fault in force by
//     then: held by Stall, dropped by Blackhole, never split again.
//   - Stall holds reply bytes for as long as it is set. Connections stay
//     open and requests still reach the server. Held bytes are delivered,
//     late, when Stall is cleared (unless Blackhole is set by then), so a
//     client that gave up on a request but kept its connection reads a
//     stale reply: the case herd must never reuse a connection in. A
//     connection with a held chunk stays open until Stall is cleared, even
//     if its client has gone.
//   - Refuse closes the listener, so dials fail with "connection refused",
//     as they do to a host whose server is not running. Connections already
//     proxied carry on; ones the kernel had completed but the proxy had not
//     yet accepted are reset by the kernel along with the listener.
//     Clearing Refuse listens again on the same port; Set returns an error
//     if the port has been taken meanwhile. The proxy never sees a refused
//     dial, so Stats cannot count them: to count dial attempts to a dead
//     node, use Reset alone, which accepts each dial and counts it.
//   - Reset aborts every open connection with a TCP RST (linger 0, then
//     close), and aborts each new connection the moment it is accepted, so
//     the client's first read or write fails with "connection reset by
//     peer". (The kernel completes a dial before the proxy accepts it, so
//     the dial usually succeeds; it fails with the same error when the RST
//     arrives before the dialer has checked its socket.) Stats.Resets counts
//     both kinds. Refuse with Reset looks like a server that crashed.
//   - Blackhole discards every byte in both directions, on open and new
//     connections alike, and never answers: a partitioned host. Bytes sent
//     during the partition are lost, not delivered when it heals, so a
//     connection that lived through it is out of step with the server.
//     New connections still open a connection to the target, whose bytes
//     are discarded too.
//
// Faults combine: Delay with SplitAt delays, then splits; Stall or Blackhole
// overrides Delay and SplitAt while set.
//
// # Targets
//
// The target must be a literal 127.0.0.1 address with a port. Anything else
// is refused with ErrNotLoopback, so a test can never aim the proxy at
// another host. If the target cannot be dialed, the client's connection is
// closed at once and Stats.DialFailures counts it.
//
// # Lifetime
//
// The proxy owns every goroutine it starts: one accept loop per listener,
// and per connection one goroutine for each pump. Close stops them all and
// returns only when they have ended.
package faultproxy
