package redis

import (
	"bufio"
	"net"
	"sync"
	"time"

	"github.com/herd-go/herd/backends"
	"github.com/herd-go/herd/messages"
)

// Buffer sizes of a connection. Commands are written into a buffer of
// their own and reach the socket on Flush, or sooner when a large value
// fills it. Replies are read through a buffer; a bulk string larger than
// it is read straight into the value's own slice.
const (
	readBufferSize  = 16 << 10
	writeBufferSize = 16 << 10
)

// conn is one connection to one redis node. The encoder writes commands
// into a buffer, Flush sends them, and the reader parses their replies in
// the order they were written.
type conn struct {
	opts *Options
	nc   net.Conn // the socket; herd's deadlines are set on it
	enc  encoder  // used by the goroutine that writes
	rd   *reader  // used by the goroutine that reads
	once sync.Once
	err  error // the result of closing nc, once
}

var (
	_ backends.Conn           = (*conn)(nil)
	_ backends.Buffered       = (*conn)(nil)
	_ backends.SplitDeadlines = (*conn)(nil)
)

// newConn wraps an open socket. Its reader bounds replies by the resolved
// opts.MaxValueSize.
func newConn(opts *Options, nc net.Conn) *conn {
	return &conn{
		opts: opts,
		nc:   nc,
		enc:  encoder{w: bufio.NewWriterSize(nc, writeBufferSize)},
		rd:   newReader(nc, readBufferSize, opts.MaxValueSize),
	}
}

// Write checks req and buffers its commands. A request that fails the
// check is refused with its typed error before anything is buffered, and
// the connection stays usable. A value larger than the buffer starts to go
// out before Flush; a failure to send it wraps messages.ErrConnection or
// ErrTimeout, and the connection must be closed.
func (c *conn) Write(req messages.Request) error {
	if err := c.opts.check(req); err != nil {
		return err
	}
	if err := c.enc.encode(req); err != nil {
		return ioError("write", err)
	}
	return nil
}

// Flush sends everything buffered.
func (c *conn) Flush() error {
	if err := c.enc.w.Flush(); err != nil {
		return ioError("write", err)
	}
	return nil
}

// Read reads the replies to req's commands into into. A request that
// Write refused gets its refusal in into.Err, and nothing is read: nothing
// of it is on the wire. Once a read has failed, every later one fails the
// same way, since the stream is out of step.
func (c *conn) Read(req messages.Request, into *messages.Reply) error {
	if err := c.opts.check(req); err != nil {
		into.Err = err
		return nil
	}
	if c.rd.err == nil {
		c.rd.err = c.rd.decode(req, into)
	}
	return c.rd.err
}

// Buffered returns how many bytes have arrived beyond the replies read so
// far. It implements backends.Buffered. The reader takes exactly one reply
// per command from its buffer, so whatever is left there belongs to no
// reply read yet.
func (c *conn) Buffered() int { return c.rd.r.Buffered() }

// SetDeadline bounds the next writes and reads.
func (c *conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// SetReadDeadline bounds the next reads. It implements
// backends.SplitDeadlines.
func (c *conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline bounds the next writes.
func (c *conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }

// Close closes the connection. Later calls return the first call's result.
func (c *conn) Close() error {
	c.once.Do(func() { c.err = c.nc.Close() })
	return c.err
}
