package backends

import (
	"context"
	"time"

	"github.com/herd-go/herd/messages"
)

// Backend speaks one protocol. It checks requests before anything is sent
// and dials connections to nodes.
type Backend interface {
	// Name is the protocol's name, such as "memcached" or "redis".
	Name() string
	// Check returns a typed error (messages.ErrMalformedKey,
	// ErrValueTooLarge, ErrUnsupported, ErrInvalidRequest) if req cannot
	// be sent as it is. It sends nothing.
	Check(req messages.Request) error
	// Dial opens one connection to the node at addr.
	Dial(ctx context.Context, addr string) (Conn, error)
}

// Conn is one connection to one node, used by one worker. Requests are
// written (buffered) in order, flushed, and their replies read in the same
// order, so that several requests can be in flight. One goroutine may Write
// and Flush while another Reads.
type Conn interface {
	// Write buffers req. A request that fails Check is refused with its
	// error and nothing is buffered; the connection stays usable. Any other
	// error from Write or Flush means the connection must be closed.
	Write(req messages.Request) error
	// Flush sends everything buffered.
	Flush() error
	// Read reads the reply to req, the oldest request written and not yet
	// read, into into, which the caller provides zeroed; herd reuses one
	// Reply per connection, so Read must not keep it. Protocol-level
	// outcomes (a miss, a server error reply) go in the Reply's Err with a
	// nil error. A non-nil error means the connection is out of step or
	// broken and must be closed; it wraps messages.ErrConnection,
	// ErrProtocol or ErrTimeout.
	Read(req messages.Request, into *messages.Reply) error
	// SetDeadline bounds the next writes and reads, as net.Conn does.
	SetDeadline(t time.Time) error
	// Close closes the connection.
	Close() error
}

// Buffered is implemented by a Conn that can tell how many bytes it has
// received beyond the replies read so far. A worker with no other request
// in flight takes any such bytes as proof that the connection is out of
// step, and closes it.
type Buffered interface {
	Buffered() int
}

// SplitDeadlines is implemented by a Conn whose reads and writes take
// deadlines of their own, as net.Conn's do, so that a reader and a writer
// working at once do not reset each other's.
type SplitDeadlines interface {
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}
