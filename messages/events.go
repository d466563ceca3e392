package messages

import "time"

// NodesChanged is published on the actor system's event stream after each
// membership change, once the new routing snapshot is in place.
type NodesChanged struct {
	Herd    string   // the herd's name
	Epoch   uint64   // increases by one with every change
	Added   []string // nodes that joined
	Removed []string // nodes that left
	Nodes   []string // the whole set after the change, sorted
}

// DiscoveryFailed is published when discovery fails or answers empty. The
// cluster keeps its last good set of Kept nodes.
type DiscoveryFailed struct {
	Herd string
	Err  error
	Kept int
}

// NodeDown is published when a node is marked down: Failures consecutive
// failures in a row, the last being Err. Requests for its keys then fail
// fast or fail over, by policy, while herd probes it.
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
