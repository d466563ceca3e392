package actors

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
)

// nodeDown tells a pool that its workers' failures have marked the node
// down.
type nodeDown struct {
	err      error
	failures int
}

// probeTick is the probe timer firing.
type probeTick struct{}

// probed carries a probe's outcome back to the pool.
type probed struct {
	from *prober
	err  error
}

func (*probeTick) IgnoreDeadLetterLogging() {}
func (*probed) IgnoreDeadLetterLogging()    {}

// probeKey is the key a probe reads: any node answers it, with a miss.
const probeKey = "herd:probe"

// prober probes a down node on a backoff schedule, one probe at a time, on
// a fresh connection of its own: a probe is a dial and one read of
// probeKey, so a node that accepts connections but does not answer (a
// paused process) stays down.
type prober struct {
	delay   time.Duration // the wait before the next probe
	upAt    time.Time     // when a probe last marked the node up
	timer   *time.Timer
	cancel  context.CancelFunc
	stopped bool
}

// down logs and publishes the node's fall once, then starts probing.
func (p *pool) down(ctx actor.Context, msg *nodeDown) {
	p.rt.log.Warn("node down", "node", p.addr, "failures", msg.failures, "error", msg.err)
	p.rt.event(&messages.NodeDown{Herd: p.rt.cfg.Name, Node: p.addr,
		Failures: msg.failures, Err: msg.err})
	p.probe.schedule(ctx, p.nextProbeAfterDown())
}

// nextProbeAfterDown is ProbeInterval, unless the node went down again soon
// after a probe marked it up: a node that answers probes but fails real
// requests would flap, so each such round waits twice as long, up to
// ProbeMax.
func (p *pool) nextProbeAfterDown() time.Duration {
	if !p.probe.upAt.IsZero() && time.Since(p.probe.upAt) < 2*p.rt.cfg.ProbeMax {
		return min(2*p.probe.delay, p.rt.cfg.ProbeMax)
	}
	return p.rt.cfg.ProbeInterval
}

// probed marks the node up after a successful probe, or schedules the next
// one, waiting twice as long (with jitter) up to ProbeMax.
func (p *pool) probed(ctx actor.Context, msg *probed) {
	if msg.from != &p.probe || p.probe.stopped || !p.health.isDown() {
		return
	}
	if msg.err != nil {
		next := min(2*p.probe.delay, p.rt.cfg.ProbeMax)
		p.probe.schedule(ctx, next)
		return
	}
	downFor, changed := p.health.markUp()
	if !changed {
		return
	}
	p.probe.upAt = time.Now()
	p.node.reachable() // workers waiting out a backoff dial at once
	p.rt.log.Info("node up", "node", p.addr, "down_for", downFor.Round(time.Millisecond))
	p.rt.event(&messages.NodeUp{Herd: p.rt.cfg.Name, Node: p.addr, DownFor: downFor})
}

// schedule arms the next probe after about delay: between 3/4 and 5/4 of it.
func (pr *prober) schedule(ctx actor.Context, delay time.Duration) {
	if pr.stopped {
		return
	}
	pr.delay = max(delay, time.Millisecond)
	jittered := pr.delay*3/4 + rand.N(pr.delay/2+1)
	sys, self := ctx.ActorSystem(), ctx.Self()
	if pr.timer != nil {
		pr.timer.Stop()
	}
	pr.timer = time.AfterFunc(jittered, func() { sys.Root.Send(self, &probeTick{}) })
}

// start runs one probe in a goroutine; its outcome comes back as probed.
func (pr *prober) start(ctx actor.Context, p *pool) {
	if pr.stopped || !p.health.isDown() {
		return
	}
	pctx, cancel := context.WithTimeout(context.Background(), p.rt.cfg.DialTimeout)
	pr.cancel = cancel
	sys, self, rt, addr := ctx.ActorSystem(), ctx.Self(), p.rt, p.addr
	rt.background.Add(1)
	go func() {
		defer rt.background.Done()
		defer cancel()
		err := probeOnce(pctx, rt, addr)
		sys.Root.Send(self, &probed{from: pr, err: err})
	}()
}

// stop ends probing for this pool incarnation.
func (pr *prober) stop() {
	pr.stopped = true
	if pr.timer != nil {
		pr.timer.Stop()
	}
	if pr.cancel != nil {
		pr.cancel()
	}
}

// probeOnce dials addr and reads probeKey within ctx's deadline.
func probeOnce(ctx context.Context, rt *Runtime, addr string) error {
	conn, err := rt.dial(ctx, addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	req := &messages.Get{Key: probeKey}
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	if err := conn.Write(req); err != nil {
		return err
	}
	if err := conn.Flush(); err != nil {
		return err
	}
	if err := conn.Read(req, &messages.Reply{}); err != nil {
		return fmt.Errorf("probe read: %w", err)
	}
	return nil
}
