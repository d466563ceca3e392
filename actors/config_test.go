package actors

import (
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd/backends/memcached"
	"github.com/herd-go/herd/discovery"
)

func TestWithDefaults(t *testing.T) {
	base := Config{Backend: memcached.New(memcached.Options{}), Discovery: discovery.Static()}
	got, err := base.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Name", got.Name, DefaultName},
		{"PoolSize", got.PoolSize, DefaultPoolSize},
		{"PollInterval", got.PollInterval, DefaultPollInterval},
		{"DiscoveryTimeout", got.DiscoveryTimeout, DefaultDiscoveryTimeout},
		{"DialTimeout", got.DialTimeout, DefaultDialTimeout},
		{"RequestTimeout", got.RequestTimeout, DefaultRequestTimeout},
		{"RedialMin", got.RedialMin, DefaultRedialMin},
		{"RedialMax", got.RedialMax, DefaultRedialMax},
		{"StopTimeout", got.StopTimeout, DefaultStopTimeout},
		{"RemovalLimit", got.RemovalLimit, DefaultRemovalLimit},
		{"RemovalPolls", got.RemovalPolls, DefaultRemovalPolls},
		{"RemovalGrace", got.RemovalGrace, time.Duration(0)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if got.Router == nil || got.Logger == nil || got.HerdStrategy == nil ||
		got.ClusterStrategy == nil || got.PoolStrategy == nil {
		t.Error("Router, Logger and strategies must get defaults")
	}
}

// Set fields are kept as they are.
func TestWithDefaultsKeepsChoices(t *testing.T) {
	strategy := actor.NewRestartingStrategy()
	cfg := Config{
		Backend: memcached.New(memcached.Options{}), Discovery: discovery.Static(),
		Name: "sessions", PoolSize: 9, PollInterval: time.Minute, PoolStrategy: strategy,
		Logger: hclog.NewNullLogger(),
	}
	got, err := cfg.WithDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "sessions" || got.PoolSize != 9 || got.PollInterval != time.Minute ||
		got.PoolStrategy != strategy {
		t.Fatalf("choices overwritten: %+v", got)
	}
}

func TestWithDefaultsRejects(t *testing.T) {
	backend, disc := memcached.New(memcached.Options{}), discovery.Static()
	for name, cfg := range map[string]Config{
		"no backend":        {Discovery: disc},
		"no discovery":      {Backend: backend},
		"negative poolsize": {Backend: backend, Discovery: disc, PoolSize: -1},
		"removal limit > 1": {Backend: backend, Discovery: disc, RemovalLimit: 1.5},
		"negative grace":    {Backend: backend, Discovery: disc, RemovalGrace: -time.Second},
	} {
		if _, err := cfg.WithDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}
