package actors

import (
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/herd-go/herd/messages"
	"github.com/herd-go/herd/routing"
)

// Dispatch is herd's front door, used by the Go client and by the
// supervisor for requests sent as messages. It checks the request, looks its
// key up in the current snapshot and sends the call to one of the owning
// node's workers, in turn (or to its pool, while the pool has no workers to
// offer). A call that cannot be routed is answered at once with an error:
// nothing is dropped.
//
// A call marked messages.Call.SetSelfRead may come back with its reply to
// be read by its caller (DispatchOwn); Dispatch, whose caller does not
// wait for it, has that reply read on a goroutine of its own.
func (r *Runtime) Dispatch(call *messages.Call) {
	if own := r.DispatchOwn(call); own != nil {
		go own.ReadOwn(call) // bounded by the call's deadline
	}
}

// DispatchOwn is Dispatch for a caller that waits for call on its own
// goroutine: if the call went out alone on an idle connection and may be
// read by its caller (messages.Call.SetSelfRead), it returns the
// connection, and the caller must read the reply from it at once
// (ReadOwn). Otherwise it returns nil, and the reply comes as usual.
func (r *Runtime) DispatchOwn(call *messages.Call) messages.OwnReader {
	r.dispatch(call)
	return call.TakeOwnReader()
}

func (r *Runtime) dispatch(call *messages.Call) {
	if call.Deadline.IsZero() {
		// A call an actor built without a deadline gets the default one,
		// and answers itself at it: nothing may wait on the wire forever.
		call.Deadline = time.Now().Add(r.cfg.RequestTimeout)
		call.ArmTimer()
	}
	if err := r.admit(call.Request); err != nil {
		r.unrouted.count(err)
		call.Fail(err)
		return
	}
	if multi, ok := call.Request.(*messages.GetMulti); ok {
		r.fanOut(call, multi)
		return
	}
	snap := r.Snapshot()
	key := call.Request.RoutingKey()
	node, pid, err := snap.Route(key)
	if err == nil && snap.down(node) {
		node, pid, err = r.standIn(snap, key, node, isRead(call.Request))
	}
	if err != nil {
		snap.counters(node, &r.unrouted).count(err)
		call.Finish(&messages.Reply{Node: node, Err: err})
		return
	}
	if w := snap.worker(node); w != nil {
		w.box.deliver(call)
		return
	}
	r.system.Load().Root.Send(pid, call)
}

// admit refuses a request the herd cannot take now (closed, not started) or
// that the backend cannot carry (a bad key, a value too large, a nil).
func (r *Runtime) admit(req messages.Request) error {
	switch {
	case r.closed.Load():
		return messages.ErrClosed
	case r.system.Load() == nil:
		return fmt.Errorf("%w: herd %q is not started", messages.ErrNoNodes, r.cfg.Name)
	case isNil(req):
		return fmt.Errorf("%w: nil request", messages.ErrInvalidRequest)
	}
	if multi, ok := req.(*messages.GetMulti); ok && len(multi.Keys) == 0 {
		return nil // answered empty by fanOut
	}
	return r.cfg.Backend.Check(req)
}

// standIn decides for a key whose owner is down, by the OnNodeDown policy:
// ErrNodeDown, or the first node after the owner on the ring that is up.
func (r *Runtime) standIn(snap *Snapshot, key, owner string,
	read bool) (string, *actor.PID, error) {
	downErr := fmt.Errorf("%w: %s", messages.ErrNodeDown, owner)
	policy := r.cfg.OnNodeDown
	if policy == FailFast || (policy == FailoverReads && !read) {
		return owner, nil, downErr
	}
	succ, ok := snap.Router.(routing.Successors)
	if !ok {
		return owner, nil, downErr
	}
	nodes, err := succ.Successors(key, len(snap.Pools))
	if err != nil {
		return owner, nil, err
	}
	for _, n := range nodes {
		if pid := snap.Pools[n.Addr]; pid != nil && !snap.down(n.Addr) {
			return n.Addr, pid, nil
		}
	}
	return owner, nil, downErr
}

// isRead reports whether req only reads, so that FailoverReads moves it.
func isRead(req messages.Request) bool {
	switch req.(type) {
	case *messages.Get, *messages.GetMulti:
		return true
	}
	return false
}

// fanOut splits a GetMulti by node, sends one call per node, and merges the
// replies. The parts get a deadline a little before the caller's, so that
// the merged reply, with the keys of any late node marked ErrTimeout, is
// ready when the caller's deadline comes.
func (r *Runtime) fanOut(call *messages.Call, req *messages.GetMulti) {
	if len(req.Keys) == 0 {
		call.Finish(&messages.Reply{Items: map[string]messages.Item{}})
		return
	}
	snap := r.Snapshot()
	groups, err := snap.Router.Group(unique(req.Keys))
	if err != nil {
		r.unrouted.count(err)
		call.Fail(err)
		return
	}
	groups, failed := r.regroup(snap, groups)
	m := newMerge(call, len(groups))
	for k, err := range failed {
		m.out.KeyErrors[k] = err
	}
	partDeadline := earlier(call.Deadline)
	m.arm(partDeadline, groups)
	for addr, keys := range groups {
		req := &messages.GetMulti{Keys: keys}
		part := messages.NewCall(req, partDeadline, m.replier(addr, keys))
		pid := snap.Pools[addr]
		if pid == nil {
			snap.counters(addr, &r.unrouted).count(messages.ErrNodeGone)
			part.Fail(messages.ErrNodeGone)
			continue
		}
		if w := snap.worker(addr); w != nil {
			w.box.PostUserMessage(part)
			continue
		}
		r.system.Load().Root.Send(pid, part)
	}
}

// regroup moves the keys of down owners to their stand-ins, or, when the
// policy fails fast, takes them out with ErrNodeDown.
func (r *Runtime) regroup(snap *Snapshot, groups map[string][]string) (
	map[string][]string, map[string]error) {
	var failed map[string]error
	for addr, keys := range groups {
		if !snap.down(addr) {
			continue
		}
		delete(groups, addr)
		var refused error
		for _, k := range keys {
			to, _, err := r.standIn(snap, k, addr, true)
			if err != nil {
				if failed == nil {
					failed = make(map[string]error)
				}
				failed[k], refused = err, err
				continue
			}
			groups[to] = append(groups[to], k)
		}
		if refused != nil {
			// The down owner's part, refused: it counts once on the owner.
			snap.counters(addr, &r.unrouted).count(refused)
		}
	}
	return groups, failed
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
