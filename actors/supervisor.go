package actors

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
)

// supervisor is the herd's top actor and its PID is the herd's address. It
// starts the cluster actor and restarts it by the herd strategy, and it
// serves requests sent as messages by routing them straight to the pools
// through the snapshot, so requests keep flowing while the cluster actor
// restarts.
type supervisor struct {
	rt      *Runtime
	cluster *actor.PID
	stopped bool
}

// drain asks the supervisor, and through it the cluster actor, to retire
// every pool; the reply (drained) comes once all pools have stopped.
type drain struct{}

type drained struct{}

func (s *supervisor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		s.start(ctx)
	case messages.Request:
		s.serve(ctx, msg)
	case *messages.Call:
		s.rt.Dispatch(msg)
	case *messages.Refresh:
		if s.cluster != nil {
			ctx.Send(s.cluster, msg)
		}
	case *drain:
		s.drain(ctx)
	case *messages.Crash:
		panic(crash(ctx, msg))
	case *actor.Terminated:
		s.childStopped(ctx, msg)
	case *actor.Stopping:
		s.stopped = true
	case *actor.Stopped:
		s.rt.closed.Store(true)
		s.rt.snap.Store(emptySnapshot)
	}
}

func (s *supervisor) start(ctx actor.Context) {
	if err := s.rt.attach(ctx); err != nil {
		s.rt.log.Error("refusing to start", "error", err)
		s.stopped = true
		ctx.Stop(ctx.Self())
		return
	}
	props := actor.PropsFromProducer(func() actor.Actor { return newCluster(s.rt) },
		actor.WithSupervisor(s.rt.strategy(s.rt.cfg.ClusterStrategy)))
	pid, err := ctx.SpawnNamed(props, "cluster")
	if err != nil {
		panic(fmt.Errorf("herd: spawn cluster actor: %w", err))
	}
	s.cluster = pid
}

// drain passes a drain request to the cluster actor, which answers the
// asker once its pools have stopped; with no cluster actor it answers now.
func (s *supervisor) drain(ctx actor.Context) {
	if s.cluster == nil {
		ctx.Respond(&drained{})
		return
	}
	ctx.Forward(s.cluster)
}

// serve wraps a request sent by an actor into a call that replies to the
// sender, with the default request timeout as its deadline.
func (s *supervisor) serve(ctx actor.Context, req messages.Request) {
	deadline := time.Now().Add(s.rt.cfg.RequestTimeout)
	call := messages.NewCall(req, deadline, replierFor(ctx))
	call.ArmTimer()
	s.rt.Dispatch(call)
}

func replierFor(ctx actor.Context) messages.Replier {
	if ctx.Sender() == nil {
		return messages.FuncReplier(func(*messages.Reply) {})
	}
	return messages.PIDReplier{System: ctx.ActorSystem(), PID: ctx.Sender()}
}

// childStopped handles the cluster actor stopping. Unless the herd is
// stopping, the cluster stopped because its restart limit was reached: the
// supervisor then fails too, and its parent's strategy decides.
func (s *supervisor) childStopped(ctx actor.Context, msg *actor.Terminated) {
	if s.stopped || !msg.Who.Equal(s.cluster) {
		return
	}
	panic(fmt.Errorf("herd %q: cluster actor stopped by its restart strategy", s.rt.cfg.Name))
}

// crash returns the panic value for a Crash message.
func crash(ctx actor.Context, msg *messages.Crash) error {
	return fmt.Errorf("herd: %s crashed on request: %s", ctx.Self().Id, msg.Reason)
}
