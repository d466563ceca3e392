package actors

import (
	"fmt"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
)

// pool supervises the workers of one node, one worker per connection, and
// hands each call to the next worker in turn. Its workers are named w0, w1,
// ... under the pool, so their PIDs survive restarts.
type pool struct {
	rt     *Runtime
	addr   string
	health *health
	node   *nodeState
	probe  prober
	box    *mailbox // the pool's own

	workers []workerRef
	next    int

	retiring  bool // serving what is queued, then stopping
	quiescent bool // restarting or stopping: children's ends are expected
}

// retire tells a pool its node left: answer new calls with ErrNodeGone,
// let the workers finish what they have queued, then stop.
type retire struct{}

func newPool(rt *Runtime, addr string, h *health, box *mailbox) *pool {
	return &pool{rt: rt, addr: addr, health: h, node: &nodeState{}, box: box}
}

func (p *pool) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *messages.Call:
		p.route(ctx, msg)
	case *actor.Started:
		p.start(ctx)
	case *retire:
		p.retire(ctx)
	case *actor.Terminated:
		p.workerStopped(ctx, msg.Who)
	case *nodeDown:
		p.down(ctx, msg)
	case *probeTick:
		p.probe.start(ctx, p)
	case *probed:
		p.probed(ctx, msg)
	case *messages.Crash:
		panic(crash(ctx, msg))
	case *actor.Restarting:
		p.node.restarting.Store(true)
		p.halt()
		p.rt.log.Warn("pool restarting", "node", p.addr)
	case *actor.Stopping:
		p.halt()
	case *actor.Stopped:
		p.box.close(p.goneErr())
	}
}

func (p *pool) start(ctx actor.Context) {
	p.workers = make([]workerRef, 0, p.rt.cfg.PoolSize)
	for i := 0; i < p.rt.cfg.PoolSize; i++ {
		fl := &flusher{}
		box := newMailbox(fl.flush, fl.quiet)
		box.divert = p.diverter(box)
		box.counters = &p.health.counters
		props := actor.PropsFromProducer(func() actor.Actor {
			return newWorker(p.rt, p.addr, i, p.node, p.health, fl, box)
		}, actor.WithMailbox(box.producer()))
		pid, err := ctx.SpawnNamed(props, "w"+strconv.Itoa(i))
		if err != nil {
			panic(fmt.Errorf("herd: pool %s: spawn worker: %w", p.addr, err))
		}
		p.workers = append(p.workers, workerRef{pid: pid, box: box, flusher: fl})
	}
	p.health.publish(p.workers)
	if p.health.isDown() {
		p.probe.schedule(ctx, p.rt.cfg.ProbeInterval)
	}
}

func (p *pool) route(ctx actor.Context, call *messages.Call) {
	var err error
	switch {
	case p.retiring:
		err = p.goneErr()
	case p.health.isDown():
		err = fmt.Errorf("%w: %s", messages.ErrNodeDown, p.addr)
	case len(p.workers) == 0:
		err = fmt.Errorf("%w: %s: no workers", messages.ErrConnection, p.addr)
	}
	if err != nil {
		p.health.counters.countCall(call, err)
		call.Fail(err)
		return
	}
	p.next = (p.next + 1) % len(p.workers)
	ctx.Send(p.workers[p.next].pid, call)
}

// diverter returns the hook by which box, while its worker waits out a
// restart backoff, hands calls to a sibling whose mailbox is not
// suspended, in turn. It reads the published workers, so a retiring or
// restarting pool diverts nothing.
func (p *pool) diverter(box *mailbox) func(msg any) bool {
	return func(msg any) bool {
		w := p.health.worker()
		if w == nil || w.box == box || w.box.suspended.Load() {
			return false
		}
		w.box.PostUserMessage(msg)
		return true
	}
}

// halt readies the pool for its workers' stop, on restart or stop: callers
// stop sending to the workers, and probing stops. Each worker's mailbox
// answers the calls it still holds when the worker stops.
func (p *pool) halt() {
	p.quiescent = true
	p.health.publish(nil)
	p.probe.stop()
}

// retire poisons each worker: the poison queues behind the calls the worker
// already has, so those are served before it stops. New calls come to the
// pool, which answers them ErrNodeGone.
func (p *pool) retire(ctx actor.Context) {
	p.retiring = true
	p.health.publish(nil)
	for _, w := range p.workers {
		if w.box.suspended.Load() {
			// It waits out a restart backoff, and a poison pill would
			// wait with it: its calls go to the others, or are answered
			// when it stops.
			ctx.Stop(w.pid)
			continue
		}
		ctx.Poison(w.pid)
	}
	if len(p.workers) == 0 {
		ctx.Stop(ctx.Self())
	}
}

// workerStopped drops a stopped worker from rotation. A pool left without
// workers, other than by retiring, fails: its supervisor decides what next.
func (p *pool) workerStopped(ctx actor.Context, who *actor.PID) {
	if p.quiescent {
		return
	}
	for i, w := range p.workers {
		if w.pid.Equal(who) {
			p.workers = append(p.workers[:i], p.workers[i+1:]...)
			break
		}
	}
	if !p.retiring {
		p.health.publish(p.workers)
	}
	if len(p.workers) > 0 {
		return
	}
	if p.retiring {
		ctx.Stop(ctx.Self())
		return
	}
	panic(fmt.Errorf("herd: pool %s: every worker stopped", p.addr))
}

// goneErr is the answer of a retiring pool: ErrClosed if the whole herd is
// stopping, ErrNodeGone if only this node left.
func (p *pool) goneErr() error {
	if p.rt.Closed() {
		return messages.ErrClosed
	}
	return fmt.Errorf("%w: %s", messages.ErrNodeGone, p.addr)
}
