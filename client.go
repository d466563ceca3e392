package herd

import (
	"context"
	"time"

	"github.com/herd-go/herd/messages"
)

// Get returns the value stored under key, or ErrMiss.
func (h *Herd) Get(ctx context.Context, key string) (Item, error) {
	c := &callWith[messages.Get]{req: messages.Get{Key: key}}
	r := h.call(ctx, &c.call, &c.req)
	return Item{Value: r.Value, Flags: r.Flags, CAS: r.CAS}, r.Err
}

// Set stores value under key. A zero ttl means no expiry.
func (h *Herd) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return h.store(ctx, messages.Set{Key: key, Value: value, TTL: ttl})
}

// Add stores value only if key holds nothing; otherwise ErrNotStored.
func (h *Herd) Add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return h.store(ctx, messages.Set{Mode: messages.ModeAdd, Key: key, Value: value, TTL: ttl})
}

// Replace stores value only if key holds a value; otherwise ErrNotStored.
func (h *Herd) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return h.store(ctx, messages.Set{Mode: messages.ModeReplace, Key: key, Value: value, TTL: ttl})
}

// Append appends value to key's value; ErrNotStored if it holds none
// (memcached).
func (h *Herd) Append(ctx context.Context, key string, value []byte) error {
	return h.store(ctx, messages.Set{Mode: messages.ModeAppend, Key: key, Value: value})
}

// Prepend prepends value to key's value; ErrNotStored if it holds none.
func (h *Herd) Prepend(ctx context.Context, key string, value []byte) error {
	return h.store(ctx, messages.Set{Mode: messages.ModePrepend, Key: key, Value: value})
}

// CompareAndSwap stores value only if key's CAS token is still cas (from an
// earlier Get); ErrCASConflict if another writer came first, ErrMiss if the
// key is gone.
func (h *Herd) CompareAndSwap(ctx context.Context, key string, value []byte,
	ttl time.Duration, cas uint64) error {
	return h.store(ctx, messages.Set{
		Mode: messages.ModeCAS, Key: key, Value: value, TTL: ttl, CAS: cas,
	})
}

// Store applies a Set request with every field at hand (mode, flags, CAS).
func (h *Herd) Store(ctx context.Context, req *messages.Set) error {
	return h.Send(ctx, req).Err
}

// store is Store with the request allocated together with its call.
func (h *Herd) store(ctx context.Context, req messages.Set) error {
	c := &callWith[messages.Set]{req: req}
	return h.call(ctx, &c.call, &c.req).Err
}

// Delete removes key; ErrMiss if it held nothing.
func (h *Herd) Delete(ctx context.Context, key string) error {
	c := &callWith[messages.Delete]{req: messages.Delete{Key: key}}
	return h.call(ctx, &c.call, &c.req).Err
}

// Incr adds delta (negative to subtract) to the counter at key and returns
// its new value. Memcached answers ErrMiss for a missing key and stops at
// zero; redis starts a missing key at zero.
func (h *Herd) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	c := &callWith[messages.Incr]{req: messages.Incr{Key: key, Delta: delta}}
	r := h.call(ctx, &c.call, &c.req)
	return r.Int, r.Err
}

// Touch gives key a new ttl without reading it.
func (h *Herd) Touch(ctx context.Context, key string, ttl time.Duration) error {
	c := &callWith[messages.Touch]{req: messages.Touch{Key: key, TTL: ttl}}
	return h.call(ctx, &c.call, &c.req).Err
}

// Do sends a backend-specific command (redis) routed by key, and returns
// the server's raw reply.
func (h *Herd) Do(ctx context.Context, key, command string, args ...any) (any, error) {
	r := h.Send(ctx, &messages.Do{Key: key, Command: command, Args: args})
	return r.Result, r.Err
}

// GetMulti reads many keys at once, asking every node in parallel. It
// returns the hits; a key absent from the map was a miss. If some nodes
// failed, the hits of the others are still returned, with a *PartialError
// naming the failed keys.
func (h *Herd) GetMulti(ctx context.Context, keys []string) (map[string]Item, error) {
	r := h.Send(ctx, &messages.GetMulti{Keys: keys})
	if r.Err != nil {
		return nil, r.Err
	}
	if len(r.KeyErrors) > 0 {
		return r.Items, &PartialError{Keys: r.KeyErrors}
	}
	return r.Items, nil
}
