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
	queued *pending // calls in the pool's own mailbox

	workers  []*actor.PID
	next     int
	inflight map[string][]*messages.Call // per worker id, in the order sent

	retiring  bool // serving what is queued, then stopping
	quiescent bool // restarting or stopping: children's ends are expected
}

// retire tells a pool its node left: answer new calls with ErrNodeGone,
// let the workers finish what they have queued, then stop.
type retire struct{}

func newPool(rt *Runtime, addr string, h *health, queued *pending) *pool {
	return &pool{rt: rt, addr: addr, health: h, node: &nodeState{}, queued: queued}
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
		p.halt()
		p.rt.log.Warn("pool restarting", "node", p.addr)
	case *actor.Stopping:
		p.halt()
	case *actor.Stopped:
		p.queued.failAll(p.goneErr())
	}
}

func (p *pool) start(ctx actor.Context) {
	p.workers = make([]*actor.PID, 0, p.rt.cfg.PoolSize)
	for i := 0; i < p.rt.cfg.PoolSize; i++ {
		fl := &flusher{}
		props := actor.PropsFromProducer(func() actor.Actor {
			return newWorker(p.rt, p.addr, i, p.node, p.health, fl)
		}, actor.WithMailbox(actor.Unbounded(fl)))
		pid, err := ctx.SpawnNamed(props, "w"+strconv.Itoa(i))
		if err != nil {
			panic(fmt.Errorf("herd: pool %s: spawn worker: %w", p.addr, err))
		}
		p.workers = append(p.workers, pid)
	}
	if p.health.isDown() {
		p.probe.schedule(ctx, p.rt.cfg.ProbeInterval)
	}
}

func (p *pool) route(ctx actor.Context, call *messages.Call) {
	if p.retiring {
		call.Fail(p.goneErr())
		return
	}
	if p.health.isDown() {
		call.Fail(fmt.Errorf("%w: %s", messages.ErrNodeDown, p.addr))
		return
	}
	if len(p.workers) == 0 {
		call.Fail(fmt.Errorf("%w: %s: no workers", messages.ErrConnection, p.addr))
		return
	}
	p.next = (p.next + 1) % len(p.workers)
	w := p.workers[p.next]
	p.track(w.Id, call)
	ctx.Send(w, call)
}

// track remembers a call handed to a worker until it is answered, so that
// if the worker stops with the call still in its mailbox (protoactor drops
// such messages), the call gets an error now rather than a timeout later.
// A worker answers its calls in order, so answered ones leave from the
// front.
func (p *pool) track(worker string, call *messages.Call) {
	if p.inflight == nil {
		p.inflight = make(map[string][]*messages.Call)
	}
	q := p.inflight[worker]
	for len(q) > 0 && q[0].Answered() {
		q[0] = nil
		q = q[1:]
	}
	p.inflight[worker] = append(q, call)
}

// halt readies the pool for its workers' stop, on restart or stop: it
// stops probing and answers every call still queued, since protoactor drops
// what is left in a stopped worker's mailbox.
func (p *pool) halt() {
	p.quiescent = true
	p.probe.stop()
	for _, w := range p.workers {
		p.orphaned(w)
	}
}

// orphaned answers the calls a stopped worker left unanswered.
func (p *pool) orphaned(worker *actor.PID) {
	for _, call := range p.inflight[worker.Id] {
		if !call.Answered() {
			call.Fail(p.stoppedErr(worker))
		}
	}
	delete(p.inflight, worker.Id)
}

func (p *pool) stoppedErr(worker *actor.PID) error {
	if p.rt.Closed() {
		return messages.ErrClosed
	}
	return fmt.Errorf("%w: %s: worker %s stopped (its pool restarting or stopping) "+
		"before answering", messages.ErrNodeGone, p.addr, worker.Id)
}

// retire poisons each worker: the poison queues behind the calls the worker
// already has, so those are served before it stops.
func (p *pool) retire(ctx actor.Context) {
	p.retiring = true
	for _, w := range p.workers {
		ctx.Poison(w)
	}
	if len(p.workers) == 0 {
		ctx.Stop(ctx.Self())
	}
}

// workerStopped drops a stopped worker from rotation. A pool left without
// workers, other than by retiring, fails: its supervisor decides what next.
func (p *pool) workerStopped(ctx actor.Context, who *actor.PID) {
	p.orphaned(who)
	if p.quiescent {
		return
	}
	for i, w := range p.workers {
		if w.Equal(who) {
			p.workers = append(p.workers[:i], p.workers[i+1:]...)
			break
		}
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
