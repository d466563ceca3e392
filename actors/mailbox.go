package actors

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
)

// mailbox is the protoactor mailbox of herd's pools and workers. It keeps
// protoactor's rules (system messages first, a suspended mailbox holds its
// user messages, a panic escalates to the supervisor, a bounded run before
// yielding) and adds three things a request path needs:
//
//   - scheduling allocates nothing, so a message costs no garbage;
//   - idle runs whenever the mailbox runs dry: a worker flushes its
//     connection then, so every request that queued for it goes out in one
//     write;
//   - once closed, it answers every call left in it, and every call posted
//     to it later, with the error it was closed with. protoactor drops what
//     reaches a stopped actor; herd's callers get their reply at once
//     instead of at their deadline.
type mailbox struct {
	mu     sync.Mutex
	user   ring
	system ring
	closed error // why the actor stopped; set once, under mu

	userCount, sysCount atomic.Int32
	running             atomic.Bool
	suspended           atomic.Bool

	invoker    actor.MessageInvoker
	dispatcher actor.Dispatcher
	run        func() // m.process, bound once
	idle       func()
	quiet      func() bool
	divert     func(msg any) bool // hands a call to a sibling while suspended
	inline     any                // the message deliver is running on its caller's goroutine
	counters   *counters          // the node's, where the calls it answers itself count
}

// newMailbox returns a mailbox that calls idle (if not nil) when it runs
// dry. quiet (if not nil) tells deliver whether the actor may run on its
// caller's goroutine.
func newMailbox(idle func(), quiet func() bool) *mailbox {
	m := &mailbox{idle: idle, quiet: quiet}
	m.run = m.process
	return m
}

// producer returns the mailbox as protoactor props want it. An actor's
// mailbox is made once, at spawn, and kept across its restarts.
func (m *mailbox) producer() actor.MailboxProducer {
	return func() actor.Mailbox { return m }
}

// PostUserMessage queues msg for the actor, or answers it at once if the
// mailbox is closed. While the actor is suspended (it failed, and waits out
// its restart backoff), a call goes to a sibling that can serve it, if
// divert finds one.
func (m *mailbox) PostUserMessage(msg any) {
	if m.suspended.Load() && m.divertCall(msg) {
		return
	}
	m.mu.Lock()
	if err := m.closed; err != nil {
		m.mu.Unlock()
		m.fail(msg, err)
		return
	}
	m.user.push(msg)
	m.userCount.Add(1)
	m.mu.Unlock()
	m.schedule()
}

// PostSystemMessage queues a lifecycle message for the actor.
func (m *mailbox) PostSystemMessage(msg any) {
	m.mu.Lock()
	m.system.push(msg)
	m.sysCount.Add(1)
	m.mu.Unlock()
	m.schedule()
}

func (m *mailbox) RegisterHandlers(invoker actor.MessageInvoker, dispatcher actor.Dispatcher) {
	m.invoker, m.dispatcher = invoker, dispatcher
}

func (m *mailbox) Start() {}

func (m *mailbox) UserMessageCount() int { return int(m.userCount.Load()) }

func (m *mailbox) schedule() {
	if m.running.CompareAndSwap(false, true) {
		m.dispatcher.Schedule(m.run)
	}
}

// process runs the actor until the mailbox is empty, then calls idle; or
// until it is suspended with only user messages left.
func (m *mailbox) process() {
	for {
		m.drain()
		if m.idle != nil && !m.suspended.Load() {
			// Let the goroutines that are about to post run first, so
			// that what they send goes out in the same write.
			runtime.Gosched()
			if m.userCount.Load() > 0 || m.sysCount.Load() > 0 {
				continue
			}
		}
		if !m.release() {
			return
		}
	}
}

// release gives up running the actor. If messages came in meanwhile and
// nobody else took them up, it takes the actor back and reports true: the
// caller must go on running it. Otherwise it calls idle if the mailbox is
// empty.
func (m *mailbox) release() bool {
	m.running.Store(false)
	more := m.sysCount.Load() > 0 || (!m.suspended.Load() && m.userCount.Load() > 0)
	if more {
		return m.running.CompareAndSwap(false, true)
	}
	if !m.suspended.Load() && m.idle != nil {
		m.idle()
	}
	return false
}

// deliver hands msg to the actor. If the actor is idle, with nothing queued,
// and quiet, the caller's goroutine runs it for this one message, and runs
// idle after it: a lone caller writes and flushes its own request, with no
// goroutine woken on the way. Otherwise msg is queued as PostUserMessage
// queues it, and the actor's own goroutine gathers it with whatever else
// comes.
func (m *mailbox) deliver(msg any) {
	if m.quiet == nil || !m.quiet() || !m.running.CompareAndSwap(false, true) {
		m.PostUserMessage(msg)
		return
	}
	m.mu.Lock()
	if err := m.closed; err != nil {
		m.mu.Unlock()
		m.fail(msg, err)
		if m.release() {
			m.dispatcher.Schedule(m.run)
		}
		return
	}
	if m.user.size > 0 || m.system.size > 0 || m.suspended.Load() {
		m.user.push(msg)
		m.userCount.Add(1)
		m.mu.Unlock()
		m.dispatcher.Schedule(m.run) // it is ours to run
		return
	}
	m.mu.Unlock()
	m.inline = msg
	m.invoke(msg)
	m.inline = nil
	if m.sysCount.Load() > 0 || m.userCount.Load() > 0 || m.release() {
		m.dispatcher.Schedule(m.run)
	}
}

// inlined reports whether msg is being run by deliver on its sender's
// goroutine. Only the actor, while it handles msg, may ask.
func (m *mailbox) inlined(msg any) bool { return msg != nil && m.inline == msg }

// invoke hands the actor one user message; a panic escalates to its
// supervisor.
func (m *mailbox) invoke(msg any) {
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	m.invoker.InvokeUserMessage(msg)
}

// drain hands the actor its messages, system ones first, yielding the
// processor every Throughput messages. A panic in the actor escalates to
// its supervisor, as in protoactor's own mailbox.
func (m *mailbox) drain() {
	var msg any
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	limit := m.dispatcher.Throughput()
	for i := 0; ; i++ {
		if i >= limit {
			i = 0
			runtime.Gosched()
		}
		if msg = m.pop(&m.system, &m.sysCount); msg != nil {
			switch msg.(type) {
			case *actor.SuspendMailbox:
				m.suspended.Store(true)
				m.divertQueued()
			case *actor.ResumeMailbox:
				m.suspended.Store(false)
			default:
				m.invoker.InvokeSystemMessage(msg)
			}
			continue
		}
		if m.suspended.Load() {
			return
		}
		if msg = m.pop(&m.user, &m.userCount); msg == nil {
			return
		}
		m.invoker.InvokeUserMessage(msg)
	}
}

func (m *mailbox) pop(q *ring, count *atomic.Int32) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	msg, ok := q.pop()
	if !ok {
		return nil
	}
	count.Add(-1)
	return msg
}

// divertCall hands msg, if it is a call, to a sibling through divert.
func (m *mailbox) divertCall(msg any) bool {
	if m.divert == nil {
		return false
	}
	if _, ok := msg.(*messages.Call); !ok {
		return false
	}
	return m.divert(msg)
}

// divertQueued hands the calls queued in a mailbox just suspended to
// siblings that can serve them now, rather than leave them to wait out the
// actor's restart backoff. What no sibling takes stays, in order.
func (m *mailbox) divertQueued() {
	if m.divert == nil {
		return
	}
	m.mu.Lock()
	var queued []any
	for {
		msg, ok := m.user.pop()
		if !ok {
			break
		}
		queued = append(queued, msg)
	}
	m.mu.Unlock()
	var kept []any
	for _, msg := range queued {
		if !m.divertCall(msg) {
			kept = append(kept, msg)
		}
	}
	m.mu.Lock()
	// Anything posted meanwhile goes after what was already queued.
	for {
		msg, ok := m.user.pop()
		if !ok {
			break
		}
		kept = append(kept, msg)
	}
	for _, msg := range kept {
		m.user.push(msg)
	}
	m.userCount.Store(int32(m.user.size))
	m.mu.Unlock()
}

// close answers every call still queued with err, and makes every call
// posted from now on be answered with err at once. The actor calls it when
// it has stopped.
func (m *mailbox) close(err error) {
	m.mu.Lock()
	if m.closed != nil {
		m.mu.Unlock()
		return
	}
	m.closed = err
	var left []any
	for {
		msg, ok := m.user.pop()
		if !ok {
			break
		}
		left = append(left, msg)
	}
	m.userCount.Store(0)
	m.mu.Unlock()
	for _, msg := range left {
		m.fail(msg, err)
	}
}

// fail answers msg with err if it is a call, bare or in an envelope, and
// counts it against the node; other messages to a stopped actor are
// dropped, as protoactor does.
func (m *mailbox) fail(msg any, err error) {
	if env, ok := msg.(*actor.MessageEnvelope); ok {
		msg = env.Message
	}
	c, ok := msg.(*messages.Call)
	if !ok {
		return
	}
	if m.counters != nil {
		m.counters.countCall(c, err)
	}
	c.Fail(err)
}

// ring is a growable FIFO queue.
type ring struct {
	buf        []any
	head, size int
}

func (r *ring) push(v any) {
	if r.size == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.size)%len(r.buf)] = v
	r.size++
}

func (r *ring) pop() (any, bool) {
	if r.size == 0 {
		return nil, false
	}
	v := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return v, true
}

func (r *ring) grow() {
	buf := make([]any, max(16, 2*len(r.buf)))
	for i := 0; i < r.size; i++ {
		buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = buf, 0
}
