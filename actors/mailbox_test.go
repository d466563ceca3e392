package actors

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
)

// recorder is an actor that notes the user messages it gets, blocks on a
// gate message until the gate opens, panics on "panic", and closes its
// mailbox when it stops.
type recorder struct {
	box   *mailbox
	gate  chan struct{}
	mu    *sync.Mutex
	got   *[]any
	incar *atomic.Int32
}

func (r *recorder) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		r.incar.Add(1)
	case *actor.Stopped:
		r.box.close(messages.ErrNodeGone)
	case string:
		switch msg {
		case "gate":
			<-r.gate
		case "panic":
			panic("drill")
		}
		r.note(msg)
	case int, *messages.Call:
		r.note(msg)
	}
}

func (r *recorder) note(msg any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.got = append(*r.got, msg)
}

type mailboxRig struct {
	system *actor.ActorSystem
	pid    *actor.PID
	box    *mailbox
	gate   chan struct{}
	mu     sync.Mutex
	got    []any
	incar  atomic.Int32
	idles  atomic.Int32
	quiet  atomic.Bool
}

func newMailboxRig(t *testing.T) *mailboxRig {
	t.Helper()
	rig := &mailboxRig{system: quietSystem(), gate: make(chan struct{})}
	rig.box = newMailbox(func() { rig.idles.Add(1) }, rig.quiet.Load)
	props := actor.PropsFromProducer(func() actor.Actor {
		return &recorder{box: rig.box, gate: rig.gate, mu: &rig.mu, got: &rig.got, incar: &rig.incar}
	}, actor.WithMailbox(rig.box.producer()))
	rig.pid = rig.system.Root.Spawn(props)
	t.Cleanup(func() { rig.system.Shutdown() })
	return rig
}

func (rig *mailboxRig) received() []any {
	rig.mu.Lock()
	defer rig.mu.Unlock()
	return append([]any(nil), rig.got...)
}

func (rig *mailboxRig) waitFor(t *testing.T, n int) []any {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if got := rig.received(); len(got) >= n {
			return got
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the actor got %d messages, want %d", len(rig.received()), n)
	return nil
}

// Messages reach the actor in the order they were posted, and the mailbox
// calls idle once it has run dry.
func TestMailboxKeepsOrder(t *testing.T) {
	rig := newMailboxRig(t)
	for i := 0; i < 1000; i++ {
		rig.system.Root.Send(rig.pid, i)
	}
	got := rig.waitFor(t, 1000)
	for i, msg := range got {
		if msg != i {
			t.Fatalf("message %d is %v", i, msg)
		}
	}
	// idle runs once the mailbox has run dry, just after the last message.
	deadline := time.Now().Add(2 * time.Second)
	for rig.idles.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("idle never ran")
		}
		time.Sleep(time.Millisecond)
	}
}

// Calls left in the mailbox when the actor stops, and calls posted after,
// are answered at once with the error the mailbox was closed with.
func TestMailboxAnswersCallsAfterStop(t *testing.T) {
	rig := newMailboxRig(t)
	rig.system.Root.Send(rig.pid, "gate") // holds the actor
	replies := make(messages.ChanReplier, 2)
	left := messages.NewCall(&messages.Get{Key: "a"}, time.Now().Add(time.Hour), replies)
	rig.system.Root.Send(rig.pid, left)
	stopped := rig.system.Root.StopFuture(rig.pid)
	close(rig.gate)
	if err := stopped.Wait(); err != nil {
		t.Fatal(err)
	}
	late := messages.NewCall(&messages.Get{Key: "b"}, time.Now().Add(time.Hour), replies)
	rig.box.PostUserMessage(late)
	for i := 0; i < 2; i++ {
		select {
		case r := <-replies:
			if !errors.Is(r.Err, messages.ErrNodeGone) {
				t.Errorf("reply %d: %v, want ErrNodeGone", i, r.Err)
			}
		case <-time.After(time.Second):
			t.Fatalf("only %d of 2 calls answered", i)
		}
	}
	for _, msg := range rig.received() {
		if msg == left {
			t.Error("the stopped actor received the call left in its mailbox")
		}
	}
}

// deliver runs an idle, quiet actor on the caller's goroutine: the message
// has been handled when deliver returns. Otherwise it queues.
func TestMailboxDeliver(t *testing.T) {
	rig := newMailboxRig(t)
	rig.waitFor(t, 0)
	rig.quiet.Store(true)
	for i := 0; i < 100; i++ {
		waitIdle(t, rig.box)
		rig.box.deliver(i)
		if got := rig.received(); len(got) != i+1 || got[i] != i {
			t.Fatalf("after deliver(%d) the actor had %v", i, got)
		}
	}
	rig.quiet.Store(false)
	rig.box.deliver(100)
	got := rig.waitFor(t, 101)
	if got[100] != 100 {
		t.Fatalf("last message %v", got[100])
	}
}

// A panic in a message run on the caller's goroutine escalates to the
// supervisor, which restarts the actor; the caller does not see it.
func TestMailboxDeliverPanicEscalates(t *testing.T) {
	rig := newMailboxRig(t)
	rig.quiet.Store(true)
	waitIdle(t, rig.box)
	rig.box.deliver("panic")
	rig.system.Root.Send(rig.pid, 1)
	rig.waitFor(t, 1)
	if n := rig.incar.Load(); n != 2 {
		t.Errorf("the actor started %d times, want 2 (a restart)", n)
	}
}

// waitIdle waits until nothing runs the mailbox.
func waitIdle(t *testing.T, m *mailbox) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for m.running.Load() || m.userCount.Load() > 0 || m.sysCount.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the mailbox never went idle")
		}
		time.Sleep(100 * time.Microsecond)
	}
}
