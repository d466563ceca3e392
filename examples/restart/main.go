// Restart shows a restart strategy of your own at work. A pool restarts a
// failed worker with the strategy in Config.PoolStrategy; here that is a
// doubling backoff that prints every decision. The program crashes one
// worker three times, as a fault drill, and shows the node serving after
// each restart.
//
//	go run ./examples/restart
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/embedded"
	"github.com/herd-go/herd/messages"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "restart:", err)
		os.Exit(1)
	}
}

func run(out io.Writer) error {
	addrs, stop, err := embedded.Redis(1)
	if err != nil {
		return err
	}
	defer stop()
	strategy := &doublingBackoff{first: 10 * time.Millisecond, max: time.Second, out: out}
	system := actor.NewActorSystem(herd.QuietActorSystem())
	h, err := herd.Start(system, herd.Config{
		Backend:      redis.New(redis.Options{}),
		Discovery:    discovery.Static(addrs...),
		Logger:       hclog.NewNullLogger(),
		PoolStrategy: strategy,
		// The other levels keep herd's default, spelled out here:
		HerdStrategy: actor.NewOneForOneStrategy(10, 10*time.Second, actor.DefaultDecider),
	})
	if err != nil {
		return err
	}
	defer h.Stop()
	return drill(system, h, addrs[0], strategy, out)
}

// drill crashes worker w0 of the node's pool three times and checks, after
// each restart, that the node still serves.
func drill(system *actor.ActorSystem, h *herd.Herd, addr string, s *doublingBackoff,
	out io.Writer) error {
	w0 := actor.NewPID(system.Address(), h.Pool(addr).Id+"/w0")
	// A served call proves the pool has started its workers.
	if err := h.Set(context.Background(), "drill", []byte{0}, 0); err != nil {
		return err
	}
	for i := 1; i <= 3; i++ {
		system.Root.Send(w0, &messages.Crash{Reason: fmt.Sprintf("drill %d", i)})
		if err := waitUntil(func() bool { return s.restarts() == i }); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := h.Set(ctx, "drill", []byte{byte(i)}, 0)
		cancel()
		if err != nil {
			return fmt.Errorf("node did not serve after restart %d: %w", i, err)
		}
		fmt.Fprintf(out, "after restart %d the node serves\n", i)
	}
	return nil
}

func waitUntil(cond func() bool) error {
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
	}
	return fmt.Errorf("not done within 5 s")
}
