package chaos

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/herd-go/herd"
	"github.com/herd-go/herd/messages"
)

const (
	numKeys   = 256
	multiKeys = 8
	// budget is every call's deadline, from its start.
	budget = 200 * time.Millisecond
	// maxLoad bounds any load run, however long its scenario.
	maxLoad = 2 * time.Minute
)

// keyspace is the keys the load uses, each with the one value it ever has.
// Values are long enough that a reply cut at 40 bytes is cut mid-value.
type keyspace struct {
	keys []string
	want map[string][]byte
}

func newKeyspace() *keyspace {
	ks := &keyspace{keys: make([]string, numKeys), want: make(map[string][]byte, numKeys)}
	pad := strings.Repeat("x", 64)
	for i := range ks.keys {
		ks.keys[i] = fmt.Sprintf("k%d", i)
		ks.want[ks.keys[i]] = []byte(fmt.Sprintf("v%d-%s", i, pad))
	}
	return ks
}

// load runs paced calls from many goroutines until stopped, recording each.
type load struct {
	h     *herd.Herd
	ks    *keyspace
	pace  time.Duration
	stopc chan struct{}
	wg    sync.WaitGroup
	recs  []ops // one per goroutine, read only after wg.Wait
	can   *canary
}

// startLoad starts g goroutines, each sending one call per pace until
// stop, maxLoad, or maxLoad/pace calls.
func startLoad(h *herd.Herd, ks *keyspace, g int, pace time.Duration) *load {
	l := &load{h: h, ks: ks, pace: pace, stopc: make(chan struct{}), recs: make([]ops, g),
		can: startCanary()}
	for i := 0; i < g; i++ {
		l.wg.Add(1)
		go l.run(i)
	}
	return l
}

// stop ends the load and returns every record, each call marked if a
// stall of the process overlapped it, and the stalls.
func (l *load) stop() (ops, []stall) {
	close(l.stopc)
	l.wg.Wait()
	stalls := l.can.stop()
	var all ops
	for _, r := range l.recs {
		for _, o := range r {
			o.stalled = excused(stalls, o.start, o.end)
			all = append(all, o)
		}
	}
	return all, stalls
}

func (l *load) run(g int) {
	defer l.wg.Done()
	tick := time.NewTicker(l.pace)
	defer tick.Stop()
	limit := time.Now().Add(maxLoad)
	for i := 0; i < int(maxLoad/l.pace); i++ {
		select {
		case <-l.stopc:
			return
		case now := <-tick.C:
			if now.After(limit) {
				return
			}
		}
		l.recs[g] = append(l.recs[g], l.one(g, i))
	}
}

// one sends the i-th call of goroutine g: two in ten are Sets, one a
// GetMulti, the rest Gets, over keys that goroutines walk at different
// strides.
func (l *load) one(g, i int) op {
	n := (g*31 + i*7) % numKeys
	key := l.ks.keys[n]
	switch i % 10 {
	case 0, 5:
		return l.call(opSet, key, setReq(l.ks, key))
	case 9:
		keys := make([]string, multiKeys)
		for j := range keys {
			keys[j] = l.ks.keys[(n+j*numKeys/multiKeys)%numKeys]
		}
		return l.call(opMulti, key, &messages.GetMulti{Keys: keys})
	}
	return l.call(opGet, key, &messages.Get{Key: key})
}

// setReq stores key's one value.
func setReq(ks *keyspace, key string) *messages.Set {
	return &messages.Set{Key: key, Value: ks.want[key]}
}

// call sends req with a budget deadline and records what came back.
func (l *load) call(kind opKind, key string, req messages.Request) op {
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	deadline, _ := ctx.Deadline()
	start := time.Now()
	r := l.h.Send(ctx, req)
	o := op{kind: kind, key: key, start: start, end: time.Now(), deadline: deadline,
		node: r.Node, out: classify(r), err: r.Err}
	o.mismatch = l.ks.crossed(req, r)
	return o
}

// crossed reports whether r cannot be the reply to req: it names another
// request, or carries a value that is not its key's.
func (ks *keyspace) crossed(req messages.Request, r *messages.Reply) bool {
	if r.Request != req {
		return true
	}
	switch req := req.(type) {
	case *messages.Get:
		return r.Err == nil && !bytes.Equal(r.Value, ks.want[req.Key])
	case *messages.GetMulti:
		return ks.crossedMulti(req.Keys, r.Items)
	}
	return false
}

func (ks *keyspace) crossedMulti(asked []string, items map[string]messages.Item) bool {
	for k, it := range items {
		if !contains(asked, k) || !bytes.Equal(it.Value, ks.want[k]) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// seed stores every key's value once, so that Gets hit and can be
// checked. Failures are fine: a miss is never a mismatch.
func seed(h *herd.Herd, ks *keyspace) {
	for _, k := range ks.keys {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = h.Set(ctx, k, ks.want[k], 0)
		cancel()
	}
}
