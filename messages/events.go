package messages

import "time"

// Events. herd publishes each change of membership and of a node's health
// as one of these on the actor system's event stream
// (system.EventStream.Subscribe); every one names its herd (Config.Name),
// so that a subscriber can tell two herds in one system apart:
//
//	NodesChanged     the node set changed (a node joined or left)
//	DiscoveryFailed  discovery failed or answered no usable node; the set is kept
//	NodeRejected     discovery gave an entry herd cannot use
//	RemovalHeld      an answer would remove too many nodes at once, and is held
//	NodeMoved        a node's name resolves to a new address; its pool reconnects
//	NodeDown         a node is marked down
//	NodeUp           a down node answers a probe and takes traffic again
//
// The event stream calls subscribers on the publishing actor's goroutine:
// a subscriber should return quickly, and hand slow work to a goroutine or
// an actor of its own. Requests publish nothing; their figures are in Stats.

// Event is implemented by every event herd publishes.
type Event interface {
	// HerdName is the name of the herd that published the event.
	HerdName() string
}

// HerdName implements Event.
func (e *NodesChanged) HerdName() string { return e.Herd }

// HerdName implements Event.
func (e *DiscoveryFailed) HerdName() string { return e.Herd }

// HerdName implements Event.
func (e *NodeRejected) HerdName() string { return e.Herd }

// HerdName implements Event.
func (e *RemovalHeld) HerdName() string { return e.Herd }

// HerdName implements Event.
func (e *NodeMoved) HerdName() string { return e.Herd }

// HerdName implements Event.
func (e *NodeDown) HerdName() string { return e.Herd }

// HerdName implements Event.
func (e *NodeUp) HerdName() string { return e.Herd }

// NodesChanged is published on the actor system's event stream after each
// membership change, once the new routing snapshot is in place.
type NodesChanged struct {
	Herd    string   // the herd's name
	Epoch   uint64   // increases by one with every change
	Added   []string // nodes that joined
	Removed []string // nodes that left
	Nodes   []string // the whole set after the change, sorted
}

// DiscoveryFailed is published for every discovery answer that fails or
// brings no usable node. The cluster keeps its last good set of Kept nodes.
type DiscoveryFailed struct {
	Herd string
	Err  error
	Kept int
}

// NodeDown is published when a node is marked down: Failures consecutive
// failures in a row, the last being Err. Requests for its keys then fail
// fast or fail over, by policy, while herd probes it. Failures is 0 when
// the node's pool was stopped by its restart strategy (Err says so); the
// node is then started afresh at the next poll.
type NodeDown struct {
	Herd     string
	Node     string
	Failures int
	Err      error
}

// NodeUp is published when a probe finds a down node serving again. It
// takes traffic from then on.
type NodeUp struct {
	Herd    string
	Node    string
	DownFor time.Duration
}

// NodeRejected is published when discovery gives an entry herd cannot use,
// such as a malformed address. The other entries are used.
type NodeRejected struct {
	Herd  string
	Entry string
	Err   error
}

// RemovalHeld is published when a discovery answer would remove more than
// Config.RemovalLimit of the nodes at once. herd keeps its nodes until the
// same answer has come Need times in a row; Seen counts them so far.
type RemovalHeld struct {
	Herd    string
	Removed []string // the nodes the answer would remove, sorted
	Seen    int
	Need    int
}

// NodeMoved is published when a node's name now resolves to another
// address (see discovery.Resolver): its pool is replaced by one that
// connects to the new address, and its keys stay with it.
type NodeMoved struct {
	Herd     string
	Node     string // the node's identity on the ring
	From, To string // the addresses dialled before and now
}
