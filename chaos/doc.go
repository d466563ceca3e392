// Package chaos is herd's chaos suite. It holds no code of its own, only
// tests: each one breaks a herd's nodes under load and measures what
// herd's callers saw.
//
// # Mechanism
//
// A rig starts N real servers (memcached or redis-server) on free loopback
// ports and puts each behind its own fault-injecting proxy
// (internal/faultproxy), so that every dial herd makes is counted by the
// proxy and proxy faults can be switched on and off under traffic. The herd
// under test knows only the proxies' addresses. Its probes are quick
// (ProbeInterval 200 ms, ProbeMax 1 s) and every call has a 200 ms budget.
//
// A load of G goroutines sends Set, Get and GetMulti on keys k0..kM, each
// paced by a ticker so that the offered load does not change when a node
// fails fast. Every key has one value for the whole run, so a Get of kN
// that returns anything but kN's value is a crossed reply (a miss is fine).
// Each call is recorded: its start and end, its deadline, the node that
// answered (messages.Reply.Node) and its outcome, typed with errors.Is.
//
// While the load runs, a scenario breaks one node: it kills the server
// (SIGKILL) and restarts it on the same port, pauses it (SIGSTOP) and
// resumes it, or sets a proxy fault (Delay, Split, Stall, Reset, Refuse,
// Blackhole) and clears it. Other scenarios start a pool that fails on every
// start (a restart storm) and flip discovery's answer every millisecond.
// The test notes when the node was broken, when herd marked it down, when it
// returned, and the proxy's accepted-connection count at each of those
// moments; a watch samples, every millisecond, the proxy's count and
// herd's view of the node, to show bursts of dials and a node that flaps.
//
// The machine may be shared and small, so a canary goroutine ticks every
// millisecond beside the load: a gap of 20 ms or more is a stall of the
// test process. Latency figures leave out the calls a stall overlapped, and
// a late call inside a stall is counted apart and not held against herd.
//
// # Measurements and promises
//
// From the records each scenario gets one row of a table printed at the end
// of the run: calls ok, errors by type, crossed replies, the worst lateness
// (latency less the call's budget), dial attempts per second to the dead
// node while it was marked down (the proxy's accepted count from 50 ms
// after herd marked it down, so that dials begun before the mark do not
// count, to its return, over that span; the busiest second is shown too),
// the healthy nodes' p99 before and during
// the outage, fail-fast latency, the time from the node's return to its
// first served call, and goroutines before and after. Each row is checked
// against herd's promises: no crossed reply; no call later than its
// deadline plus 50 ms; no more dials to a dead node than its probe
// schedule allows in the span (200 ms doubling to 1 s here, each wait at
// least 3/4 of that: 4 in the first 2 s, then about 1.3 a second); healthy
// nodes' p99 during the outage within max(2x before, before + 10 ms), since
// the p99 of sub-millisecond latencies is noisy on a small machine; calls
// for a down node's keys failing in under 1 ms (p99); the node served again
// within 2 probe intervals of its return, the interval being ProbeMax, the
// one probes settle at during an outage; restarts no more often than the
// strategy's schedule allows, with the process near idle; and no goroutine
// left behind (goleak) once the herd has stopped.
//
// # Sizes
//
// By default each scenario is short, so that the package runs inside
// `make test`. HERD_CHAOS=long holds every fault longer and runs more
// traffic; `make chaos` sets it and runs the suite verbosely under the race
// detector.
package chaos
