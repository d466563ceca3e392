package messages

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

// NodeRejected is published when discovery gives an entry herd cannot use,
// such as a malformed address. The other entries are used.
type NodeRejected struct {
	Herd  string
	Entry string
	Err   error
}
