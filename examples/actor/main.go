// Actor shows herd inside an actor program: an application actor spawns a
// herd as its own child, so the herd joins the application's supervision
// tree, then talks to it only with request and reply messages.
//
//	go run ./examples/actor
package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/backends/redis"
	"github.com/herd-go/herd/discovery"
	"github.com/herd-go/herd/internal/embedded"
	"github.com/herd-go/herd/messages"
)

var users = map[string]string{"user:1": "alice", "user:2": "bob", "user:3": "carol"}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "actor:", err)
		os.Exit(1)
	}
}

func run(out io.Writer) error {
	addrs, stop, err := embedded.Redis(2)
	if err != nil {
		return err
	}
	defer stop()
	h, err := herd.New(herd.Config{
		Backend:   redis.New(redis.Options{}),
		Discovery: discovery.Static(addrs...),
		Logger:    hclog.NewNullLogger(),
	})
	if err != nil {
		return err
	}
	defer h.Stop()

	system := actor.NewActorSystem(herd.QuietActorSystem())
	done := make(chan error, 1)
	system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &app{herd: h, out: out, done: done}
	}))
	return <-done
}

// app is the user's actor. It owns the herd as a child, writes the users,
// then reads them all back with one GetMulti.
type app struct {
	herd    *herd.Herd
	out     io.Writer
	done    chan<- error
	pending int
}

// herdReady tells the app that the herd has its nodes.
type herdReady struct{}

func (a *app) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *herdReady:
		for key, name := range users {
			a.pending++
			ctx.Request(a.herd.PID(), &messages.Set{Key: key, Value: []byte(name)})
		}
	case *messages.Reply:
		a.reply(ctx, msg)
	}
}

// start spawns the herd under this actor and learns, without blocking the
// actor, when discovery has answered.
func (a *app) start(ctx actor.Context) {
	if _, err := a.herd.Spawn(ctx); err != nil {
		a.done <- err
		return
	}
	self, root := ctx.Self(), ctx.ActorSystem().Root
	go func() {
		<-a.herd.ReadyChan()
		root.Send(self, &herdReady{})
	}()
}

func (a *app) reply(ctx actor.Context, r *messages.Reply) {
	if r.Err != nil {
		a.done <- fmt.Errorf("%T: %w", r.Request, r.Err)
		return
	}
	switch r.Request.(type) {
	case *messages.Set:
		fmt.Fprintf(a.out, "stored %s on %s\n", r.Request.RoutingKey(), r.Node)
		if a.pending--; a.pending == 0 {
			ctx.Request(a.herd.PID(), &messages.GetMulti{Keys: sortedKeys()})
		}
	case *messages.GetMulti:
		for _, key := range sortedKeys() {
			fmt.Fprintf(a.out, "%s = %s\n", key, r.Items[key].Value)
		}
		a.done <- nil
	}
}

func sortedKeys() []string {
	keys := make([]string, 0, len(users))
	for k := range users {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
