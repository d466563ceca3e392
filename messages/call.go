package messages

import (
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Replier is where a call's reply goes.
type Replier interface {
	Reply(*Reply)
}

// Call carries a request to a worker with its deadline and reply path. It is
// answered exactly once: Finish delivers the first reply and drops any
// later one.
type Call struct {
	Request  Request
	Deadline time.Time

	to       Replier
	answered atomic.Bool
	timer    atomic.Pointer[time.Timer]
	reply    Reply // what FinishFrom delivers, so that answering allocates nothing

	selfRead  bool      // the caller may read its own reply (SetSelfRead)
	ownReader OwnReader // where it reads it, if it was given the chance
}

// OwnReader is a connection on which a caller reads its own call's reply;
// herd's runtime hands one over through the call (see SetSelfRead).
type OwnReader interface {
	ReadOwn(c *Call)
}

// SetSelfRead marks a call whose caller waits for it on its own goroutine
// and cannot be cancelled before its deadline: herd's Go client with a
// context that has no Done channel. If such a call goes out alone on an
// idle connection from the caller's own goroutine, the runtime lets the
// caller read the reply itself (OwnReader) rather than wake a reader
// goroutine to do it. Call it before the call is sent.
func (c *Call) SetSelfRead() { c.selfRead = true }

// SelfRead reports whether SetSelfRead was called.
func (c *Call) SelfRead() bool { return c.selfRead }

// GiveOwnReader hands the caller the connection its reply is to be read
// from. The runtime calls it on the caller's goroutine, while dispatching.
func (c *Call) GiveOwnReader(r OwnReader) { c.ownReader = r }

// TakeOwnReader returns, and forgets, the connection handed over by
// GiveOwnReader, or nil. The caller must read from it (ReadOwn) at once.
func (c *Call) TakeOwnReader() OwnReader {
	r := c.ownReader
	c.ownReader = nil
	return r
}

// NewCall returns a call whose reply goes to r.
func NewCall(req Request, deadline time.Time, r Replier) *Call {
	c := &Call{}
	c.Init(req, deadline, r)
	return c
}

// Init readies a Call that is part of a larger value, such as a struct
// that holds the call and its request in one allocation. It must be called
// once, before the call is sent; a Call is never reused.
func (c *Call) Init(req Request, deadline time.Time, r Replier) {
	c.Request, c.Deadline, c.to = req, deadline, r
}

// Finish answers the call with r, stamping r with the request it answers. It
// reports false, and delivers nothing, if the call was already answered.
func (c *Call) Finish(r *Reply) bool {
	if !c.claim() {
		return false
	}
	r.Request = c.Request
	c.to.Reply(r)
	return true
}

// FinishFrom answers the call with a copy of *r, kept in the call itself,
// and reports whether it did. The copy is made only by the one who answers,
// so r may be reused at once: a connection reads every reply into the same
// Reply and hands each to its call this way.
func (c *Call) FinishFrom(r *Reply) bool {
	if !c.claim() {
		return false
	}
	c.reply = *r
	c.reply.Request = c.Request
	c.to.Reply(&c.reply)
	return true
}

// claim makes the caller the one who answers c, if nobody has yet.
func (c *Call) claim() bool {
	if !c.answered.CompareAndSwap(false, true) {
		return false
	}
	if t := c.timer.Load(); t != nil {
		t.Stop()
	}
	return true
}

// ArmTimer makes the call answer itself with ErrTimeout at its deadline if
// nothing else has answered it by then. Call it before the call is sent.
func (c *Call) ArmTimer() {
	if c.Deadline.IsZero() {
		return
	}
	c.timer.Store(time.AfterFunc(time.Until(c.Deadline), func() { c.Fail(ErrTimeout) }))
}

// Fail answers the call with err.
func (c *Call) Fail(err error) bool { return c.Finish(&Reply{Err: err}) }

// Answered reports whether the call has been answered.
func (c *Call) Answered() bool { return c.answered.Load() }

// Expired reports whether the call's deadline has passed at now.
func (c *Call) Expired(now time.Time) bool {
	return !c.Deadline.IsZero() && !now.Before(c.Deadline)
}

// IgnoreDeadLetterLogging keeps protoactor from logging calls that reach a
// stopped actor: herd answers those itself.
func (c *Call) IgnoreDeadLetterLogging() {}

// ChanReplier delivers a reply on a channel. The channel needs room for one
// reply so that the worker never blocks on a caller that gave up.
type ChanReplier chan *Reply

// Reply implements Replier.
func (ch ChanReplier) Reply(r *Reply) { ch <- r }

// PIDReplier delivers a reply to an actor.
type PIDReplier struct {
	System *actor.ActorSystem
	PID    *actor.PID
}

// Reply implements Replier.
func (p PIDReplier) Reply(r *Reply) { p.System.Root.Send(p.PID, r) }

// FuncReplier delivers a reply to a function.
type FuncReplier func(*Reply)

// Reply implements Replier.
func (f FuncReplier) Reply(r *Reply) { f(r) }
