package actors

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// pipe is one connection in use, pipelined. The worker actor writes each
// call's request into the connection's buffer as the call arrives; the
// buffer is flushed when the worker's mailbox runs dry (or every
// flushEvery requests under a steady stream), so every request waiting for
// a worker goes out in one write. A reader goroutine of the pipe's own reads
// the replies in the order the requests were written and answers the calls,
// so reading never holds up writing. The one exception is a caller whose
// call went out alone on the idle connection from its own goroutine and
// who may read its own reply (messages.Call.SetSelfRead): it reads it
// itself (ReadOwn), then hands the read side back, so that a lone caller's
// round trip wakes no goroutine.
//
// When the connection fails (an I/O error, a garbage reply, a timeout on the
// request at the head), the reader answers every call in flight with an
// error, closes the connection, and tells the worker, which drops the pipe.
type pipe struct {
	conn   backends.Conn
	addr   string
	rt     *Runtime
	health *health
	tell   func(msg any) // sends to the worker
	fail   func(err error)

	mu        sync.Mutex // orders writes and flushes: the worker and its mailbox's flush
	unflushed int
	flushBy   time.Time   // the latest deadline among unflushed requests
	closed    atomic.Bool // the connection is closed

	inflight chan sent             // written, reply not read; only the worker sends and closes
	pending  atomic.Int32          // calls sent and not yet answered, for Stats
	failure  error                 // why the reader stopped; written before broken is set
	writeErr atomic.Pointer[error] // why a write failed, if one did
	aborted  atomic.Pointer[error] // why the worker dropped its calls, if it did

	// Who reads the connection: the reader goroutine, which parks on kick
	// while nothing is in flight, or a caller whose call went out alone on
	// the idle connection from its own goroutine, and who reads its own
	// reply (ReadOwn), so that no goroutine is woken on the way.
	qmu     sync.Mutex
	side    readSide       // under qmu
	kick    chan struct{}  // wakes the parked reader goroutine
	closing bool           // under qmu: close has begun
	ownErr  *failedRead    // under qmu: what a caller's own read failed on
	reply   messages.Reply // each reply is read here, by whoever holds the read side
	broken  atomic.Bool
	done    chan struct{} // closed when the reader has answered everything
}

// readSide says who reads a pipe's connection.
type readSide uint8

const (
	nobody          readSide = iota // the reader goroutine is parked on kick
	readerGoroutine                 // the reader goroutine reads
	callerReads                     // a caller reads its own reply
)

// failedRead is a caller's own read that failed: the reader goroutine
// answers it and the calls behind it.
type failedRead struct {
	s   sent
	err error
}

// sent is a call on the wire and when its request was written.
type sent struct {
	call *messages.Call
	at   time.Time
}

// pipeBroken tells a worker that its pipe's reader stopped on err.
type pipeBroken struct {
	pipe *pipe
	err  error
}

// quiet reports whether the worker may just redial: after a timeout.
// Anything else fails the worker.
func (b *pipeBroken) quiet() bool {
	return errors.Is(b.err, messages.ErrTimeout)
}

// flushEvery bounds how many requests wait in the buffer while the mailbox
// keeps receiving; maxInflight bounds requests awaiting replies.
const (
	flushEvery  = 64
	maxInflight = 1024
)

func newPipe(w *worker, ctx actor.Context, conn backends.Conn) *pipe {
	root, self := ctx.ActorSystem().Root, ctx.Self()
	p := &pipe{conn: conn, addr: w.addr, rt: w.rt, health: w.health,
		tell:     func(msg any) { root.Send(self, msg) },
		fail:     func(err error) { w.failedAsync(root, err) },
		inflight: make(chan sent, maxInflight), done: make(chan struct{}),
		kick: make(chan struct{}, 1)}
	p.health.counters.conns.Add(1)
	w.rt.background.Add(1)
	go p.read()
	return p
}

// send queues call on the pipe. The entry goes in flight before its request
// is written, so the reader always knows which request a reply belongs to.
// inline says that send runs on the caller's own goroutine.
func (p *pipe) send(call *messages.Call, inline bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending.Add(1)
	p.inflight <- sent{call: call, at: time.Now()}
	p.qmu.Lock()
	if p.side == nobody {
		if inline && call.SelfRead() && len(p.inflight) == 1 {
			p.side = callerReads
			call.GiveOwnReader(p)
		} else {
			p.side = readerGoroutine
			p.wakeReader()
		}
	}
	p.qmu.Unlock()
	// A large request goes to the socket from inside Write, so the write
	// deadline must cover it before Write, not only at the next flush.
	if call.Deadline.After(p.flushBy) {
		p.flushBy = call.Deadline
		if err := p.setWriteDeadline(p.flushBy); err != nil {
			p.brokeLocked(err)
			return
		}
	}
	if err := p.conn.Write(call.Request); err != nil {
		p.brokeLocked(err) // the reader answers the call
		return
	}
	p.unflushed++
	if p.unflushed >= flushEvery {
		p.flushLocked()
	}
}

// flush sends what is buffered. The worker's mailbox calls it when it runs
// dry.
func (p *pipe) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
}

func (p *pipe) flushLocked() {
	if p.unflushed == 0 || p.closed.Load() {
		return
	}
	p.unflushed = 0
	err := p.conn.Flush() // under the deadline send set
	p.flushBy = time.Time{}
	if err != nil {
		p.brokeLocked(err)
	}
}

// brokeLocked closes the connection after a write failed: the reader's
// read then fails too and answers everything in flight, with the write's
// error as the cause.
func (p *pipe) brokeLocked(err error) {
	p.writeErr.CompareAndSwap(nil, &err)
	p.shut()
}

// shut closes the connection once. It takes no lock: the reader calls it
// while the worker may hold mu, blocked on a full inflight channel that only
// the reader empties.
func (p *pipe) shut() {
	if p.closed.CompareAndSwap(false, true) {
		_ = p.conn.Close()
		p.health.counters.conns.Add(-1)
	}
}

// close ends the pipe: what is buffered is flushed, nothing more goes in
// flight, the reader answers every call still in flight (each by its
// deadline at the latest), and then the connection is closed.
func (p *pipe) close() {
	p.flush()
	close(p.inflight)
	p.wake()
	timer := time.NewTimer(p.rt.cfg.StopTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		// A call with a far deadline on a node that stopped answering: cut
		// it short rather than hold up a stop or restart. Its caller hears
		// why, and the node is not blamed for it.
		err := fmt.Errorf("%w: %s: the connection closed after StopTimeout with calls "+
			"still unanswered", messages.ErrNodeGone, p.addr)
		if p.rt.Closed() {
			err = messages.ErrClosed
		}
		p.aborted.CompareAndSwap(nil, &err)
		p.shut()
		<-p.done
	}
	p.shut()
}

// abort ends the pipe without waiting for replies: every call in flight
// gets err at once. A worker whose pool restarts aborts; one that stops
// with its herd or its node closes, and serves what it has.
func (p *pipe) abort(err error) {
	p.aborted.Store(&err)
	p.shut() // the reader's read fails, and it answers with err
	close(p.inflight)
	p.wake()
	<-p.done
}

// wake tells the reader goroutine that the pipe is closing.
func (p *pipe) wake() {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	p.closing = true
	if p.side == nobody {
		p.side = readerGoroutine
		p.wakeReader()
	}
}

// wakeReader unparks the reader goroutine. Call it with qmu held, having
// made the read side the reader goroutine's.
func (p *pipe) wakeReader() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *pipe) setWriteDeadline(t time.Time) error {
	if d, ok := p.conn.(backends.SplitDeadlines); ok {
		return d.SetWriteDeadline(t)
	}
	return nil
}

func (p *pipe) setReadDeadline(t time.Time) error {
	if d, ok := p.conn.(backends.SplitDeadlines); ok {
		return d.SetReadDeadline(t)
	}
	return p.conn.SetDeadline(t)
}

// read answers the calls in flight in order, until the pipe is closed or
// its connection fails.
func (p *pipe) read() {
	h := p.health
	defer p.rt.background.Done()
	defer close(p.done)
	for {
		if failed := p.claim(); failed != nil {
			p.stop(failed.s, failed.err, h)
			return
		}
		s, ok := <-p.inflight
		if !ok {
			return
		}
		if err := p.readOne(s, &p.reply); err != nil {
			p.stop(s, err, h)
			return
		}
		p.answer(s, &p.reply, h)
	}
}

// answer hands a reply read for s to its call, and counts it.
func (p *pipe) answer(s sent, reply *messages.Reply, h *health) {
	h.success()
	h.counters.wire(reply.Err, s.at)
	p.pending.Add(-1)
	reply.Node = p.addr
	s.call.FinishFrom(reply)
	*reply = messages.Reply{}
}

// claim returns once the reader goroutine holds the read side with a call
// in flight, or the pipe closing: it parks while nothing is in flight or a
// caller reads. It returns a caller's failed read for the reader to act on.
func (p *pipe) claim() *failedRead {
	for {
		p.qmu.Lock()
		if f := p.ownErr; f != nil {
			p.ownErr = nil
			p.side = readerGoroutine
			p.qmu.Unlock()
			return f
		}
		switch {
		case p.side == callerReads:
		case len(p.inflight) > 0 || p.closing:
			p.side = readerGoroutine
			p.qmu.Unlock()
			return nil
		default:
			p.side = nobody
		}
		p.qmu.Unlock()
		<-p.kick
	}
}

// ReadOwn reads c's reply on the caller's goroutine: c went out alone on
// the idle connection, and the read side is the caller's (see send). The
// reply answers c as the reader goroutine's would. Then the read side goes
// back to the reader goroutine if anything else went in flight meanwhile;
// a failure is left to it as well, with c still to answer.
func (p *pipe) ReadOwn(c *messages.Call) {
	s := <-p.inflight // c: it went in alone, and only this read side takes
	err := p.readOne(s, &p.reply)
	if err == nil {
		p.answer(s, &p.reply, p.health)
	}
	p.qmu.Lock()
	defer p.qmu.Unlock()
	switch {
	case err != nil:
		p.ownErr = &failedRead{s: s, err: err}
	case len(p.inflight) == 0 && !p.closing:
		p.side = nobody
		return
	}
	p.side = readerGoroutine
	p.wakeReader()
}

// readOne reads the reply to s's request. Bytes left over once nothing
// else is in flight answer no request: the connection is out of step.
func (p *pipe) readOne(s sent, reply *messages.Reply) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: backend panicked: %v", messages.ErrProtocol, r)
		}
	}()
	if err := p.setReadDeadline(s.call.Deadline); err != nil {
		return fmt.Errorf("%w: %w", messages.ErrConnection, err)
	}
	err = p.conn.Read(s.call.Request, reply)
	if err == nil && len(p.inflight) == 0 && unread(p.conn) > 0 {
		return fmt.Errorf("%w: %d bytes after the reply to %T",
			messages.ErrProtocol, unread(p.conn), s.call.Request)
	}
	return err
}

// stop ends the reader after err on s: s gets err, the calls behind it an
// error saying the connection was reset, and the worker is told.
func (p *pipe) stop(s sent, err error, h *health) {
	if aerr := p.aborted.Load(); aerr != nil {
		p.drop(s, *aerr, h)
		return
	}
	if werr := p.writeErr.Load(); werr != nil {
		err = *werr // the read failed because the write did
	}
	p.failure = err
	p.broken.Store(true)
	p.shut()
	// The worker hears first, so that a caller who sends again as soon as
	// s is answered finds the pipe already dropped.
	p.tell(&pipeBroken{pipe: p, err: err})
	if p.blame(err, s) {
		p.fail(err)
	}
	h.counters.wire(err, s.at)
	p.pending.Add(-1)
	s.call.Finish(&messages.Reply{Node: p.addr, Err: fmt.Errorf("node %s: %w", p.addr, err)})
	behind := fmt.Errorf("%w: node %s: connection reset after a failure ahead (%v)",
		messages.ErrConnection, p.addr, err)
	for rest := range p.inflight { // until the worker closes the pipe
		h.counters.count(behind)
		p.pending.Add(-1)
		rest.call.Finish(&messages.Reply{Node: p.addr, Err: behind})
	}
}

// drop answers s and every call behind it with err, for a pipe aborted.
func (p *pipe) drop(s sent, err error, h *health) {
	p.broken.Store(true)
	rep := messages.Reply{Node: p.addr, Err: err}
	h.counters.count(err)
	p.pending.Add(-1)
	s.call.FinishFrom(&rep)
	for rest := range p.inflight {
		h.counters.count(err)
		p.pending.Add(-1)
		rest.call.FinishFrom(&rep)
	}
}

// blame reports whether a failure counts against the node: any broken
// connection or garbage reply does, but a timeout only if the request had
// at least NodeTimeout on the wire. Time spent queued inside herd, or a
// caller's tiny budget, is not the node's fault.
func (p *pipe) blame(err error, s sent) bool {
	return !errors.Is(err, messages.ErrTimeout) || s.call.Deadline.Sub(s.at) >= p.rt.cfg.NodeTimeout
}

// unread returns how many bytes conn holds beyond the replies read, if it
// can tell.
func unread(conn backends.Conn) int {
	if b, ok := conn.(backends.Buffered); ok {
		return b.Buffered()
	}
	return 0
}

// flusher flushes a worker's pipe when the worker's mailbox runs dry. It is
// made per worker and kept across its restarts along with the mailbox.
type flusher struct {
	pipe atomic.Pointer[pipe]
}

// quiet reports whether the worker's connection has nothing in flight: a
// caller who finds it so is alone, and writes its request itself.
func (f *flusher) quiet() bool {
	p := f.pipe.Load()
	return p != nil && len(p.inflight) == 0
}

// flush flushes whatever the worker wrote since the last flush.
func (f *flusher) flush() {
	if p := f.pipe.Load(); p != nil {
		p.flush()
	}
}
