package actors

import (
	"sync"

	"github.com/herd-go/herd/messages"
)

// pending tracks the calls posted to a pool's mailbox and not yet
// received. protoactor drops whatever is left in a stopped actor's mailbox;
// a pool that stops answers those calls itself. It is a mailbox middleware,
// made with the pool's props.
type pending struct {
	mu    sync.Mutex
	calls map[*messages.Call]struct{}
}

func newPending() *pending { return &pending{calls: make(map[*messages.Call]struct{})} }

func (p *pending) MailboxStarted() {}
func (p *pending) MailboxEmpty()   {}

// MessagePosted records a call as it enters the mailbox.
func (p *pending) MessagePosted(msg any) {
	if c, ok := msg.(*messages.Call); ok {
		p.mu.Lock()
		p.calls[c] = struct{}{}
		p.mu.Unlock()
	}
}

// MessageReceived forgets a call once the pool has handled it.
func (p *pending) MessageReceived(msg any) {
	if c, ok := msg.(*messages.Call); ok {
		p.mu.Lock()
		delete(p.calls, c)
		p.mu.Unlock()
	}
}

// failAll answers every call still in the mailbox with err.
func (p *pending) failAll(err error) {
	p.mu.Lock()
	calls := p.calls
	p.calls = make(map[*messages.Call]struct{})
	p.mu.Unlock()
	for c := range calls {
		c.Fail(err)
	}
}
