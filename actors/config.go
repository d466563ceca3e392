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
	DefaultPoolSize         = 4
	DefaultPollInterval     = 5 * time.Second
	DefaultDiscoveryTimeout = 5 * time.Second
	DefaultDialTimeout      = time.Second
	DefaultRequestTimeout   = time.Second
	DefaultRedialMin        = 100 * time.Millisecond
	DefaultRedialMax        = 5 * time.Second
	DefaultStopTimeout      = 10 * time.Second
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

	// PoolSize is the number of connections (workers) per node. Default 4.
	PoolSize int
	// PollInterval is how often discovery is asked. Default 5 s.
	PollInterval time.Duration
	// DiscoveryTimeout bounds one discovery query. Default 5 s.
	DiscoveryTimeout time.Duration
	// DialTimeout bounds one connection attempt. Default 1 s.
	DialTimeout time.Duration
	// RequestTimeout is the deadline of a request whose context has none,
	// and of every request sent as a message. Default 1 s.
	RequestTimeout time.Duration
	// RedialMin and RedialMax bound the wait between connection attempts
	// to an unreachable node: it doubles from RedialMin up to RedialMax,
	// with full jitter. Defaults 100 ms and 5 s.
	RedialMin, RedialMax time.Duration
	// StopTimeout bounds how long Stop waits for calls in flight. Default 10 s.
	StopTimeout time.Duration

	// Logger receives herd's logs: state changes (nodes added, removed,
	// rejected, connections lost, actors restarted), never one line per
	// request. Default: named "herd", level Info, to stderr.
	Logger hclog.Logger

	// HerdStrategy is how the herd supervisor restarts the cluster actor.
	// Default: restart, at most 10 times in 10 s; past that the supervisor
	// fails too and its own parent decides.
	HerdStrategy actor.SupervisorStrategy
	// ClusterStrategy is how the cluster actor restarts a node's pool.
	// Default: restart, at most 10 times in 10 s; past that the pool stops
	// and the next discovery poll starts it afresh.
	ClusterStrategy actor.SupervisorStrategy
	// PoolStrategy is how a pool restarts a worker whose connection broke.
	// Default: restart, at most 10 times in 10 s; past that the worker
	// stops, and a pool left with no workers fails to the cluster actor.
	PoolStrategy actor.SupervisorStrategy
}

// ErrConfig reports a configuration herd cannot run with.
var ErrConfig = errors.New("herd: bad configuration")

// WithDefaults returns a copy of c with every zero field set to its default,
// or an error wrapping ErrConfig.
func (c Config) WithDefaults() (Config, error) {
	if c.Backend == nil || c.Discovery == nil {
		return c, fmt.Errorf("%w: Backend and Discovery are required", ErrConfig)
	}
	if c.PoolSize < 0 {
		return c, fmt.Errorf("%w: PoolSize %d is negative", ErrConfig, c.PoolSize)
	}
	orString(&c.Name, DefaultName)
	orInt(&c.PoolSize, DefaultPoolSize)
	orDuration(&c.PollInterval, DefaultPollInterval)
	orDuration(&c.DiscoveryTimeout, DefaultDiscoveryTimeout)
	orDuration(&c.DialTimeout, DefaultDialTimeout)
	orDuration(&c.RequestTimeout, DefaultRequestTimeout)
	orDuration(&c.RedialMin, DefaultRedialMin)
	orDuration(&c.RedialMax, DefaultRedialMax)
	orDuration(&c.StopTimeout, DefaultStopTimeout)
	if c.Router == nil {
		c.Router = routing.NewHashRing
	}
	if c.Logger == nil {
		c.Logger = hclog.New(&hclog.LoggerOptions{
			Name: c.Name, Level: hclog.Info, Output: os.Stderr,
		})
	}
	c.HerdStrategy = orStrategy(c.HerdStrategy)
	c.ClusterStrategy = orStrategy(c.ClusterStrategy)
	c.PoolStrategy = orStrategy(c.PoolStrategy)
	return c, nil
}

// DefaultStrategy is herd's restart strategy at every level: restart the
// failed child, at most 10 times within 10 s, then stop it.
func DefaultStrategy() actor.SupervisorStrategy {
	return actor.NewOneForOneStrategy(10, 10*time.Second, actor.DefaultDecider)
}

func orStrategy(s actor.SupervisorStrategy) actor.SupervisorStrategy {
	if s == nil {
		return DefaultStrategy()
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
