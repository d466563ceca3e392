package actors

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/routing"
)

// Defaults for the zero fields of Config.
const (
	DefaultName             = "herd"
	DefaultPoolSize         = 2
	DefaultPollInterval     = 5 * time.Second
	DefaultDiscoveryTimeout = 5 * time.Second
	DefaultDialTimeout      = time.Second
	DefaultRequestTimeout   = time.Second
	DefaultRedialMin        = 100 * time.Millisecond
	DefaultRedialMax        = 5 * time.Second
	DefaultStopTimeout      = 10 * time.Second
	DefaultFailureThreshold = 3
	DefaultNodeTimeout      = 100 * time.Millisecond
	DefaultProbeInterval    = 500 * time.Millisecond
	DefaultProbeMax         = 5 * time.Second
	DefaultRemovalLimit     = 0.5
	DefaultRemovalPolls     = 2
)

// NodeDownPolicy says what happens to a request whose key's owner is down.
type NodeDownPolicy uint8

// Policies for Config.OnNodeDown.
const (
	// FailFast answers ErrNodeDown at once; no key changes owner. It never
	// serves stale data, and is the default.
	FailFast NodeDownPolicy = iota
	// Failover sends the down node's requests, reads and writes, to the
	// next node on the ring that is up; they return when it is back. Only
	// the down node's keys move. The risk: a write made during the outage
	// lands on the stand-in, so once the owner is back, reads see the
	// owner's older value until it expires or is overwritten.
	Failover
	// FailoverReads fails reads over (Get, GetMulti) and fails writes fast
	// with ErrNodeDown, so no write is made where the owner cannot see it:
	// reads during the outage miss on the stand-in, and nothing is stale
	// afterwards.
	FailoverReads
)

// Config configures a herd. Backend and Discovery are required; every other
// field has a usable zero value, resolved by WithDefaults.
type Config struct {
	// Name names the herd's supervisor actor and tags its events and logs.
	// Two herds in one actor system need different names. Default "herd".
	Name string
	// Backend speaks the nodes' protocol (memcached, redis). Required.
	Backend backends.Backend
	// Discovery lists the nodes. Required.
	Discovery discovery.Discovery
	// Router builds the key-to-node mapping on each membership change.
	// Default routing.NewHashRing.
	Router routing.Builder

	// PoolSize is the number of connections (workers) per node. Each one is
	// pipelined, so a few carry any load: more add goroutines and wake-ups
	// and make smaller batches. Default 2.
	PoolSize int
	// PollInterval is how often discovery is asked. Default 5 s.
	PollInterval time.Duration
	// DiscoveryTimeout bounds one discovery query. Default 5 s.
	DiscoveryTimeout time.Duration
	// RemovalLimit is the largest share of the nodes one discovery answer
	// may remove at once: an answer that would remove more (say, a
	// registry that lost most of its entries) is held, and applied only
	// once it has come back RemovalPolls more times in a row. Set it to 1
	// to apply every removal at once. Default 0.5: more than half is held.
	RemovalLimit float64
	// RemovalPolls is how many more answers in a row must repeat a held
	// removal before it is applied. Default 2.
	RemovalPolls int
	// RemovalGrace is how long a removed node's pool keeps serving after
	// the node has left the routing snapshot, before it is stopped; a node
	// that comes back within it keeps its pool and connections. Default 0:
	// the pool is stopped at once (after serving what it has queued).
	RemovalGrace time.Duration
	// DialTimeout bounds one connection attempt. Default 1 s.
	DialTimeout time.Duration
	// RequestTimeout is the longest a request may take: a request's
	// deadline is the earlier of its context's and RequestTimeout from now;
	// a request sent as a message gets RequestTimeout. Default 1 s.
	RequestTimeout time.Duration
	// RedialMin and RedialMax bound the wait between connection attempts
	// to an unreachable node: it doubles from RedialMin up to RedialMax,
	// with full jitter. Defaults 100 ms and 5 s.
	RedialMin, RedialMax time.Duration
	// StopTimeout bounds how long Stop waits for calls in flight. Default 10 s.
	StopTimeout time.Duration

	// FailureThreshold is how many failures in a row (refused or broken
	// connections, garbage replies, timeouts the node is to blame for)
	// mark a node down. One successful probe marks it up. Default 3.
	FailureThreshold int
	// NodeTimeout is how long a request must have been on the wire before
	// its timeout counts against the node: a call that spent its budget
	// queued inside herd, or whose caller gave it almost no time, is not
	// the node's fault. Default 100 ms.
	NodeTimeout time.Duration
	// ProbeInterval is the first wait between probes of a down node; it
	// doubles, with jitter, up to ProbeMax. Defaults 500 ms and 5 s.
	ProbeInterval, ProbeMax time.Duration
	// OnNodeDown is what a request for a down node's key gets. Default
	// FailFast.
	OnNodeDown NodeDownPolicy

	// Logger receives herd's logs: state changes (nodes added, removed,
	// rejected, connections lost, actors restarted), never one line per
	// request. Default: named "herd", level Info, to stderr.
	Logger hclog.Logger

	// HerdStrategy is how the herd supervisor restarts the cluster actor.
	// Default DefaultStrategy (backoff from 100 ms to 10 s, at most 10
	// restarts a minute); past that the supervisor fails too and its own
	// parent decides.
	HerdStrategy actor.SupervisorStrategy
	// ClusterStrategy is how the cluster actor restarts a node's pool.
	// Default DefaultStrategy; past its limit the pool stops, the node is
	// marked down, and the next discovery poll starts the pool afresh.
	ClusterStrategy actor.SupervisorStrategy
	// PoolStrategy is how a pool restarts a worker whose connection broke.
	// Default DefaultWorkerStrategy (backoff from 10 ms to 5 s, at most 20
	// restarts a minute); past that the worker stops, and a pool left with
	// no workers fails to the cluster actor.
	PoolStrategy actor.SupervisorStrategy
}

// ErrConfig reports a configuration herd cannot run with.
var ErrConfig = errors.New("herd: bad configuration")

// WithDefaults returns a copy of c with every zero field set to its default,
// or an error wrapping ErrConfig.
func (c Config) WithDefaults() (Config, error) {
	if err := c.validate(); err != nil {
		return c, err
	}
	orString(&c.Name, DefaultName)
	orInt(&c.PoolSize, DefaultPoolSize)
	orDuration(&c.PollInterval, DefaultPollInterval)
	orDuration(&c.DiscoveryTimeout, DefaultDiscoveryTimeout)
	orDuration(&c.DialTimeout, DefaultDialTimeout)
	if c.RemovalLimit == 0 {
		c.RemovalLimit = DefaultRemovalLimit
	}
	orInt(&c.RemovalPolls, DefaultRemovalPolls)
	orDuration(&c.RequestTimeout, DefaultRequestTimeout)
	orDuration(&c.RedialMin, DefaultRedialMin)
	orDuration(&c.RedialMax, DefaultRedialMax)
	orDuration(&c.StopTimeout, DefaultStopTimeout)
	orInt(&c.FailureThreshold, DefaultFailureThreshold)
	orDuration(&c.NodeTimeout, DefaultNodeTimeout)
	orDuration(&c.ProbeInterval, DefaultProbeInterval)
	orDuration(&c.ProbeMax, DefaultProbeMax)
	if c.Router == nil {
		c.Router = routing.NewHashRing
	}
	if c.Logger == nil {
		c.Logger = hclog.New(&hclog.LoggerOptions{
			Name: c.Name, Level: hclog.Info, Output: os.Stderr,
		})
	}
	c.HerdStrategy = orStrategy(c.HerdStrategy, DefaultStrategy())
	c.ClusterStrategy = orStrategy(c.ClusterStrategy, DefaultStrategy())
	c.PoolStrategy = orStrategy(c.PoolStrategy, DefaultWorkerStrategy())
	return c, nil
}

// validate rejects what no default can mend.
func (c Config) validate() error {
	if c.Backend == nil || c.Discovery == nil {
		return fmt.Errorf("%w: Backend and Discovery are required", ErrConfig)
	}
	if c.PoolSize < 0 || c.FailureThreshold < 0 {
		return fmt.Errorf("%w: PoolSize %d or FailureThreshold %d is negative",
			ErrConfig, c.PoolSize, c.FailureThreshold)
	}
	if c.RemovalLimit < 0 || c.RemovalLimit > 1 || c.RemovalPolls < 0 || c.RemovalGrace < 0 {
		return fmt.Errorf("%w: RemovalLimit %v is outside 0..1, or RemovalPolls %d or "+
			"RemovalGrace %v is negative", ErrConfig, c.RemovalLimit, c.RemovalPolls, c.RemovalGrace)
	}
	if c.OnNodeDown > FailoverReads {
		return fmt.Errorf("%w: unknown OnNodeDown policy %d", ErrConfig, c.OnNodeDown)
	}
	return nil
}

// DefaultStrategy is herd's restart strategy for the cluster actor and the
// pools: restart the failed child after an exponential backoff with jitter,
// 100 ms doubling to 10 s; a child that fails more than 10 times within a
// minute is stopped.
func DefaultStrategy() actor.SupervisorStrategy {
	return NewBackoffStrategy(Backoff{Min: 100 * time.Millisecond, Max: 10 * time.Second,
		Window: time.Minute, MaxRestarts: 10})
}

// DefaultWorkerStrategy is herd's restart strategy for workers: as
// DefaultStrategy, but the first restart comes within 10 ms, since calls
// queue in a restarting worker's mailbox, and 20 failures a minute are
// allowed. A worker fails when its connection breaks; a node that keeps
// breaking them is marked down by its health and gets no traffic.
func DefaultWorkerStrategy() actor.SupervisorStrategy {
	return NewBackoffStrategy(Backoff{Min: 10 * time.Millisecond, Max: 5 * time.Second,
		Window: time.Minute, MaxRestarts: 20})
}

func orStrategy(s, def actor.SupervisorStrategy) actor.SupervisorStrategy {
	if s == nil {
		return def
	}
	return s
}

func orString(v *string, d string) {
	if *v == "" {
		*v = d
	}
}

func orInt(v *int, d int) {
	if *v == 0 {
		*v = d
	}
}

func orDuration(v *time.Duration, d time.Duration) {
	if *v <= 0 {
		*v = d
	}
}
