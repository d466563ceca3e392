package actors

import (
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/herd-go/herd/messages"
)

// Dispatch is herd's front door, used by the Go client and by the
// supervisor for requests sent as messages. It checks the request, looks its
// key up in the current snapshot and sends the call to the owning node's
// pool. A call that cannot be routed is answered at once with an error:
// nothing is dropped.
func (r *Runtime) Dispatch(call *messages.Call) {
	sys := r.system.Load()
	switch {
	case r.closed.Load():
		call.Fail(messages.ErrClosed)
		return
	case sys == nil:
		call.Fail(fmt.Errorf("%w: herd %q is not started", messages.ErrNoNodes, r.cfg.Name))
		return
	}
	if isNil(call.Request) {
		call.Fail(fmt.Errorf("%w: nil request", messages.ErrInvalidRequest))
		return
	}
	if multi, ok := call.Request.(*messages.GetMulti); ok && len(multi.Keys) == 0 {
		call.Finish(&messages.Reply{Items: map[string]messages.Item{}})
		return
	}
	if err := r.cfg.Backend.Check(call.Request); err != nil {
		call.Fail(err)
		return
	}
	if multi, ok := call.Request.(*messages.GetMulti); ok {
		r.fanOut(call, multi)
		return
	}
	node, pid, err := r.Snapshot().Route(call.Request.RoutingKey())
	if err != nil {
		call.Finish(&messages.Reply{Node: node, Err: err})
		return
	}
	sys.Root.Send(pid, call)
}

// fanOut splits a GetMulti by node, sends one call per node, and merges the
// replies. The parts get a deadline a little before the caller's, so that
// the merged reply, with the keys of any late node marked ErrTimeout, is
// ready when the caller's deadline comes.
func (r *Runtime) fanOut(call *messages.Call, req *messages.GetMulti) {
	snap := r.Snapshot()
	groups, err := snap.Router.Group(unique(req.Keys))
	if err != nil {
		call.Fail(err)
		return
	}
	m := newMerge(call, len(groups))
	partDeadline := earlier(call.Deadline)
	m.arm(partDeadline, groups)
	for addr, keys := range groups {
		req := &messages.GetMulti{Keys: keys}
		part := messages.NewCall(req, partDeadline, m.replier(addr, keys))
		pid := snap.Pools[addr]
		if pid == nil {
			part.Fail(messages.ErrNodeGone)
			continue
		}
		r.system.Load().Root.Send(pid, part)
	}
}

// earlier returns a deadline slightly before d: a tenth of the time left,
// at most 10 ms.
func earlier(d time.Time) time.Time {
	margin := time.Until(d) / 10
	if margin > 10*time.Millisecond {
		margin = 10 * time.Millisecond
	}
	return d.Add(-margin)
}

// merge gathers the per-node replies of one GetMulti.
type merge struct {
	call *messages.Call

	mu      sync.Mutex
	pending map[string][]string // keys of each node not yet answered
	out     *messages.Reply
	timer   *time.Timer
}

func newMerge(call *messages.Call, parts int) *merge {
	return &merge{
		call:    call,
		pending: make(map[string][]string, parts),
		out: &messages.Reply{
			Items:     make(map[string]messages.Item),
			KeyErrors: make(map[string]error),
		},
	}
}

// arm records the parts and starts the timer that ends the merge at the
// parts' deadline, whatever has not answered by then.
func (m *merge) arm(deadline time.Time, groups map[string][]string) {
	for addr, keys := range groups {
		m.pending[addr] = keys
	}
	if len(groups) == 0 {
		m.call.Finish(m.out)
		return
	}
	m.timer = time.AfterFunc(time.Until(deadline), m.expire)
}

func (m *merge) replier(addr string, keys []string) messages.Replier {
	return messages.FuncReplier(func(rep *messages.Reply) { m.add(addr, keys, rep) })
}

func (m *merge) add(addr string, keys []string, rep *messages.Reply) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.pending[addr]; !ok {
		return
	}
	delete(m.pending, addr)
	if rep.Err != nil {
		for _, k := range keys {
			m.out.KeyErrors[k] = fmt.Errorf("node %s: %w", addr, rep.Err)
		}
	}
	for k, it := range rep.Items {
		m.out.Items[k] = it
	}
	if len(m.pending) == 0 {
		m.timer.Stop()
		m.call.Finish(m.out)
	}
}

func (m *merge) expire() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) == 0 {
		return
	}
	for addr, keys := range m.pending {
		for _, k := range keys {
			m.out.KeyErrors[k] = fmt.Errorf("node %s: %w", addr, messages.ErrTimeout)
		}
	}
	m.pending = map[string][]string{}
	m.call.Finish(m.out)
}

// unique returns keys without repeats, in first-seen order.
func unique(keys []string) []string {
	seen := make(map[string]struct{}, len(keys))
	out := keys[:0:0]
	for _, k := range keys {
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out
}

// isNil reports whether req is nil or a nil pointer of a request type.
func isNil(req messages.Request) bool {
	if req == nil {
		return true
	}
	v := reflect.ValueOf(req)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
