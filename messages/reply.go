package messages

// Reply answers one request. Err is nil on success; otherwise it is one of
// the package's errors (ErrMiss for a miss), possibly wrapped.
type Reply struct {
	// Request is the request this reply answers.
	Request Request
	// Node is the address of the node that served it ("" if none did).
	Node string

	// Item fields, set by Get (and by a GetMulti per hit, in Items).
	Value []byte
	Flags uint32
	CAS   uint64

	// Int is the counter value after an Incr.
	Int int64
	// Result is the raw reply to a Do.
	Result any

	// Items holds the hits of a GetMulti, by key.
	Items map[string]Item
	// KeyErrors holds the keys of a GetMulti that failed, with the error of
	// the node that owns them. A key in neither map was a miss.
	KeyErrors map[string]error

	Err error
}

// Item is one value read from a node.
type Item struct {
	Value []byte
	Flags uint32
	CAS   uint64
}

// ErrorReply returns a reply carrying err.
func ErrorReply(err error) *Reply { return &Reply{Err: err} }
