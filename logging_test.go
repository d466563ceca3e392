package herd_test

import (
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
)

// protoactor's own lines reach the injected logger, named "actor".
func TestActorSystemLogger(t *testing.T) {
	buf := &syncBuffer{}
	logger := hclog.New(&hclog.LoggerOptions{Name: "app", Output: buf, Level: hclog.Info})
	system := actor.NewActorSystem(herd.ActorSystemLogger(logger))
	system.Logger().With("k", "v").Warn("from protoactor", "n", 3)
	system.Logger().Debug("below the level")

	out := buf.String()
	wants := []string{"actor system started", "app.actor", "from protoactor", "k=v", "n=3"}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Fatalf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "below the level") {
		t.Fatalf("a debug line passed an Info logger:\n%s", out)
	}
}
