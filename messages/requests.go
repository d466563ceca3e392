package messages

import (
	"strconv"
	"time"
)

// Request is a message herd routes to the node that owns its key. The set of
// requests is closed: backends know each of them, and a backend that cannot
// serve one answers ErrUnsupported.
type Request interface {
	// RoutingKey is the key whose owner serves the request. Multi-key
	// requests return "" and are split by node before they reach a worker.
	RoutingKey() string
}

// Get reads the value of Key.
type Get struct {
	Key string
}

// StoreMode says how a Set applies. The zero value stores unconditionally.
type StoreMode uint8

// Store modes. Memcached serves all of them; redis serves ModeSet, ModeAdd
// (SET NX), ModeReplace (SET XX) and ModeAppend.
const (
	ModeSet     StoreMode = iota // store unconditionally
	ModeAdd                      // store only if the key holds nothing
	ModeReplace                  // store only if the key holds a value
	ModeAppend                   // append Value (redis: creates a missing key)
	ModePrepend                  // prepend Value to the current value
	ModeCAS                      // store only if the key's CAS token is still CAS
)

var modeNames = [...]string{"set", "add", "replace", "append", "prepend", "cas"}

// String returns the mode's memcached command name.
func (m StoreMode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// Set stores Value under Key. TTL zero means no expiry; Flags are opaque bits
// memcached keeps beside the value (redis has none and rejects non-zero
// Flags). CAS is the token from an earlier Get, used by ModeCAS only.
type Set struct {
	Mode  StoreMode
	Key   string
	Value []byte
	Flags uint32
	TTL   time.Duration
	CAS   uint64
}

// Delete removes Key. Deleting a key that holds nothing answers ErrMiss.
type Delete struct {
	Key string
}

// Incr adds Delta to the counter at Key and replies with the new value in
// Reply.Int. A negative Delta decrements. Memcached answers ErrMiss for a
// missing key and never goes below zero; redis starts missing keys at zero.
type Incr struct {
	Key   string
	Delta int64
}

// Touch sets a new TTL on Key without reading its value.
type Touch struct {
	Key string
	TTL time.Duration
}

// GetMulti reads many keys at once. herd groups the keys by node, asks every
// node in parallel and merges the answers into one Reply: hits in Items,
// per-key failures in KeyErrors; a key in neither was a miss. No keys at all
// is answered at once with no items.
type GetMulti struct {
	Keys []string
}

// Do sends a backend-specific command, routed by Key. For redis, Command is
// the command name and Args its arguments after the name, Key included where
// the command takes it (for example Command "HGET", Args {"h", "field"} with
// Key "h"). The raw reply is in Reply.Result. Key must follow the backend's
// key rules even for a command that takes no key: it picks the node.
type Do struct {
	Key     string
	Command string
	Args    []any
}

// RoutingKey implements Request.
func (r *Get) RoutingKey() string { return r.Key }

// RoutingKey implements Request.
func (r *Set) RoutingKey() string { return r.Key }

// RoutingKey implements Request.
func (r *Delete) RoutingKey() string { return r.Key }

// RoutingKey implements Request.
func (r *Incr) RoutingKey() string { return r.Key }

// RoutingKey implements Request.
func (r *Touch) RoutingKey() string { return r.Key }

// RoutingKey implements Request; multi-key requests have none.
func (r *GetMulti) RoutingKey() string { return "" }

// RoutingKey implements Request.
func (r *Do) RoutingKey() string { return r.Key }
